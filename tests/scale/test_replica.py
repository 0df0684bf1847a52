"""A read replica (GRIDGOV_REPLICA_URL, core/dbrouter.py): dashboards and exports read it, nothing writes to it.

The scale run's private primary (initdb; a copy of the demo city) is copied into a streaming replica
(pg_basebackup -R). tests/scale/replica_driver.py runs the product against both in a process of its own: with
the replica's replay paused, a case filed on the primary is missing from the dashboard, /stats/indicators and
the export — they read the replica — while the case's own page shows it; once replay resumes they count it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.scale.pgcluster import demo_database

ROOT = Path(__file__).resolve().parents[2]


def drive(step: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.scale.replica_driver", step],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_dashboards_and_exports_read_the_replica_and_writes_stay_on_the_primary(demo_cluster):
    primary = demo_cluster  # the demo city is migrated and built on the primary, before there is a replica
    env = {"GRIDGOV_DATABASE_URL": demo_database(primary, "gridgov"), "GRIDGOV_REPLICA_URL": ""}
    replica = primary.replica(primary.data.parent / "replica")
    try:
        assert replica.is_in_recovery()
        seen = drive("check", {**env, "GRIDGOV_REPLICA_URL": replica.url("gridgov")})
    finally:
        replica.destroy()

    print(json.dumps(seen, ensure_ascii=False, indent=1))  # shown when an assertion fails
    assert seen["aliases"] == ["default", "replica"]
    before = seen["before_pause"]
    # case B was written on the primary only (the replica, paused, does not have it yet)
    assert seen["second_written_on"] == ["default"]
    assert seen["on_primary"] == sorted([seen["first"], seen["second"]])
    assert seen["on_replica"] == [seen["first"]]
    # dashboards read the replica: B is not counted while replay is paused …
    assert seen["paused"] == before
    assert seen["dashboard_status"] == 200 and seen["dashboard_received"] == before["rollups"]
    assert seen["report_status"] == 200
    assert "cases_case" in seen["stats_queries"]["replica"]
    assert not {"cases_case", "cases_caseevent", "assessment_casefact"} & set(seen["stats_queries"]["default"])
    assert seen["selector_in_context"] == before["rollups"]
    assert seen["selector_outside"] == before["rollups"] + 1  # the primary has it
    # … the case's own page reads the primary, and shows B
    assert seen["case_page_status"] == 200 and seen["case_page_number"] == seen["second"]
    assert "cases_case" in seen["case_page_queries"]["default"] and not seen["case_page_queries"]["replica"]
    # the export read the replica (A only) and wrote its audit entry on the primary
    assert seen["export_numbers"] == [seen["first"]]
    assert "cases_case" in seen["export_queries"]["replica"]
    assert "core_auditevent" in seen["export_queries"]["default"]
    assert seen["export_audited_on_primary"] == 1
    # nothing the product did wrote to the replica, which refuses writes anyway
    assert seen["writes_on_replica"] == []
    assert seen["replica_refused_a_write"] == "ReadOnlySqlTransaction"
    # replay resumed: the dashboards count B
    assert seen["resumed"] == {"rollups": before["rollups"] + 1, "events": before["events"] + 1}
