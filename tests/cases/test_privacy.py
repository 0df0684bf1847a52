"""Personal data (issue 10): contact data encrypted at rest, keyed tracking hashes, the case-file read log,
the auditors' review, and erasure after the retention period."""

import hashlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.chains import verify_chains
from gridgov.cases.models import Case, CaseRead, IdempotencyKey
from gridgov.cases.retention import erase_expired_contacts
from gridgov.cases.transitions import TABLE
from gridgov.core.crypto import DecryptionError
from gridgov.core.models import AuditEvent
from gridgov.people.models import Post
from tests.cases.helpers import STREET, UNIT, actor, bring, report, user

NAME, PHONE = "王五", "13700001234"  # what helpers.report files


def _raw(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# ---- encrypted at rest ---------------------------------------------------------------------------


def test_the_columns_hold_no_plaintext_and_the_model_reads_it(demo_city):
    number = report().case.number
    name, phone = _raw("SELECT reporter_name, reporter_phone FROM cases_case WHERE number = %s", number)
    assert name.startswith("v1:") and phone.startswith("v1:")
    assert NAME not in name and PHONE not in phone and PHONE[-4:] not in phone
    case = Case.objects.get(number=number)
    assert (case.reporter_name, case.reporter_phone) == (NAME, PHONE)
    assert Case.objects.filter(number=number).values_list("reporter_name", "reporter_phone").get() == (NAME, PHONE)
    keys = _raw("SELECT reporter_phone_keys FROM cases_case WHERE number = %s", number)[0]
    assert keys.count(" ") == len(PHONE) - 4 + 2 and "1234" not in keys  # last 4 … 11 digits, keyed


def test_a_wrong_data_key_fails_loudly_on_read(demo_city):
    number = report().case.number
    with (
        override_settings(GRIDGOV_DATA_KEY="not-the-key-the-data-was-encrypted-with"),
        pytest.raises(DecryptionError),
    ):
        Case.objects.get(number=number)


def test_the_idempotency_table_holds_no_plaintext_code(demo_city):
    first = report(idempotency_key="retry-me-1")
    stored = _raw("SELECT tracking_code FROM cases_idempotencykey WHERE key = %s", "retry-me-1")[0]
    assert stored.startswith("v1:") and first.tracking_code not in stored
    again = report(idempotency_key="retry-me-1")  # a retry after a lost response still shows the code
    assert not again.created and again.tracking_code == first.tracking_code
    assert IdempotencyKey.objects.get(key="retry-me-1").tracking_code == first.tracking_code


def test_phone_search_finds_the_tail_through_keyed_digests(demo_city):
    from gridgov.cases.selectors import case_list

    number = report().case.number
    other = report(reporter_phone="13900005678").case.number
    dispatcher = actor("dispatcher")
    assert list(case_list(dispatcher, phone="1234").values_list("number", flat=True)) == [number]
    assert list(case_list(dispatcher, phone="137 0000 1234").values_list("number", flat=True)) == [number]
    assert other not in case_list(dispatcher, phone="00001234").values_list("number", flat=True)


# ---- the tracking hash ---------------------------------------------------------------------------


def _legacy(number: str, code: str) -> str:
    return hashlib.sha256(f"{number}:{code}".encode()).hexdigest()


def test_the_tracking_hash_is_keyed(demo_city):
    intake = report()
    assert intake.case.tracking_hash != _legacy(intake.case.number, intake.tracking_code)
    with override_settings(GRIDGOV_DATA_KEY="another-server-key"):
        assert not services.tracking_code_matches(intake.case, intake.tracking_code)
    assert services.tracking_code_matches(intake.case, intake.tracking_code)


def test_codes_handed_out_before_the_migration_still_open_track(demo_city, client):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("gridgov.cases.migrations.0006_personal_data")
    intake = report()
    number, code = intake.case.number, intake.tracking_code
    Case.objects.filter(number=number).update(tracking_hash=_legacy(number, code))  # as stored before 0006
    assert (
        'id="case"' not in client.post("/track/", {"action": "lookup", "number": number, "code": code}).content.decode()
    )
    migration.rekey_tracking_hashes(apps, None)
    html = client.post("/track/", {"action": "lookup", "number": number, "code": code}).content.decode()
    assert 'id="case"' in html


def test_the_migration_encrypts_existing_rows(demo_city):
    """Rows as they were before 0006 (plaintext, no search keys) come out encrypted and searchable."""
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    migration = import_module("gridgov.cases.migrations.0006_personal_data")
    state = MigrationLoader(connection).project_state(("cases", "0005_rechain_events"))
    ops = migration.Migration.operations
    encrypt_at = next(i for i, op in enumerate(ops) if getattr(op, "code", None) is migration.encrypt_personal_data)
    for op in ops[:encrypt_at]:
        op.state_forwards("cases", state)
    first = report(idempotency_key="before-0006")
    number = first.case.number
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET reporter_name = %s, reporter_phone = %s, reporter_phone_keys = '' WHERE number = %s",
            [NAME, PHONE, number],
        )
        cursor.execute(
            "UPDATE cases_idempotencykey SET tracking_code = %s WHERE key = %s", [first.tracking_code, "before-0006"]
        )
    migration.encrypt_personal_data(state.apps, None)
    name, phone = _raw("SELECT reporter_name, reporter_phone FROM cases_case WHERE number = %s", number)
    assert name.startswith("v1:") and phone.startswith("v1:") and PHONE not in phone
    assert Case.objects.filter(number=number).values_list("reporter_name", "reporter_phone").get() == (NAME, PHONE)
    assert IdempotencyKey.objects.get(key="before-0006").tracking_code == first.tracking_code
    from gridgov.cases.selectors import case_list

    assert number in case_list(actor("dispatcher"), phone="1234").values_list("number", flat=True)


# ---- the read log --------------------------------------------------------------------------------


def _session(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def test_every_case_file_reading_is_logged_once(demo_city, api):
    made = bring("in_progress_unit")
    number = made.number
    case = made.case()
    worker = f"worker-{case.grid.code}"
    reads = CaseRead.objects.filter(case__number=number)
    assert not reads.exists()

    assert api("dispatcher").get(f"/cases/{number}").status_code == 200
    assert _session("dispatcher").get(f"/console/cases/{number}/").status_code == 200
    assert _session(f"handler-{UNIT}").get(f"/dept/cases/{number}/").status_code == 200
    assert _session(worker).get(f"/m/cases/{number}/").status_code == 200
    assert _session("admin").get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    logged = list(reads.order_by("id").values_list("user__username", "via"))
    assert logged == [
        ("dispatcher", "api"),
        ("dispatcher", "console"),
        (f"handler-{UNIT}", "dept"),
        (worker, "m"),
        ("admin", "admin"),
    ]
    assert all(r.at is not None for r in reads)

    # lists are not readings, nor is the reporter's own look with the tracking code
    assert api("dispatcher").get("/cases").status_code == 200
    assert _session("dispatcher").get("/console/").status_code == 200
    assert api().get(f"/cases/{number}", {"tracking_code": made.tracking_code}).status_code == 200
    assert reads.count() == 5
    # a refused reading (outside the actor's scope) is no reading
    assert api(f"worker-{OTHER_GRID_WORKER}").get(f"/cases/{number}").status_code == 404
    assert reads.count() == 5


OTHER_GRID_WORKER = "410102002001001"  # a grid of another street


# ---- the auditor ---------------------------------------------------------------------------------


def test_the_auditor_takes_no_case_action_and_sees_no_contact_data(demo_city, api):
    assert all("auditor" not in t.roles for t in TABLE.values())
    number = report().case.number
    auditor = api("auditor")
    body = auditor.get(f"/cases/{number}").json()
    assert body["reporter"]["masked"] is True and PHONE not in str(body) and NAME not in str(body)
    assert auditor.get(f"/cases/{number}", {"reveal": "reporter"}).status_code == 403
    assert auditor.act(number, "register", {}).status_code == 403  # reads the case, may not act on it
    assert Case.objects.get(number=number).status == "reported"


def test_the_auditor_reviews_reads_and_reveals_in_scope(demo_city, api):
    street_case = report().case.number  # filed in 林山寨街道 (STREET)
    other_case = report(grid=OTHER_GRID_WORKER).case.number
    assert api("dispatcher").get(f"/cases/{street_case}", {"reveal": "reporter"}).status_code == 200
    assert api("dispatcher").get(f"/cases/{other_case}").status_code == 200

    district = api("auditor")
    reads = district.get("/audit/reads").json()
    assert {(r["case"], r["user"], r["via"]) for r in reads["items"]} == {
        (street_case, "dispatcher", "api"),
        (other_case, "dispatcher", "api"),
    }
    assert district.get("/audit/reads", {"case": other_case}).json()["count"] == 1
    assert district.get("/audit/reads", {"user": "nobody-at-all"}).json()["count"] == 0
    reveals = district.get("/audit/reveals").json()
    assert [(r["case"], r["user"], r["fields"]) for r in reveals["items"]] == [
        (street_case, "dispatcher", ["reporter_name", "reporter_phone"])
    ]
    assert PHONE not in str(reveals) and NAME not in str(reveals)

    # an auditor of one street sees that street's cases only
    from django.contrib.auth import get_user_model

    street_auditor = get_user_model().objects.create_user(username="auditor-street")
    Post.objects.create(user=street_auditor, role="auditor", scope=STREET, title="街道审计员", public=False)
    mine = api("auditor-street")
    assert [r["case"] for r in mine.get("/audit/reads").json()["items"]] == [street_case]
    assert mine.get("/audit/reveals").json()["count"] == 1

    # nobody else: 403 (administrators may)
    for username in ("dispatcher", "leader", f"handler-{UNIT}"):
        assert api(username).get("/audit/reads").status_code == 403
        assert api(username).get("/audit/reveals").status_code == 403
    assert api().get("/audit/reads").status_code == 401
    assert api("admin").get("/audit/reads").json()["count"] == 2


def test_the_window_and_paging_of_the_review(demo_city, api):
    number = report().case.number
    t0 = timezone.now()
    for _ in range(3):
        api("dispatcher").get(f"/cases/{number}")
    auditor = api("auditor")
    page = auditor.get("/audit/reads", {"limit": 2, "offset": 0}).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    later = (t0 + timedelta(days=1)).isoformat()
    assert auditor.get("/audit/reads", {"since": later}).json()["count"] == 0
    assert auditor.get("/audit/reads", {"until": later}).json()["count"] == 3


# ---- retention -----------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_default_timezone())


def test_contact_data_is_erased_after_the_retention_period(demo_city):
    with time_machine.travel(T0.timestamp(), tick=False):
        old = bring("closed", at=T0)  # closed at T0 (its master case stays open)
        rejected = bring("rejected", at=T0)
        recent = bring("closed", at=T0 + timedelta(days=2))
    with (
        time_machine.travel((T0 + timedelta(days=181)).timestamp(), tick=False),
        override_settings(GRIDGOV_REPORTER_RETENTION_DAYS=180),
    ):
        erased = erase_expired_contacts()
    assert erased == 2

    def contact(number):
        return (
            Case.objects.filter(number=number)
            .values_list("reporter_name", "reporter_phone", "reporter_phone_keys")
            .get()
        )

    assert contact(old.number) == contact(rejected.number) == ("", "", "")
    assert contact(recent.number)[:2] == (NAME, PHONE)  # closed 179 days before
    assert contact(old.master)[:2] == (NAME, PHONE)  # open cases never
    assert Case.objects.get(number=old.number).reporter_digest == services.reporter_digest(NAME, PHONE)
    entry = AuditEvent.objects.filter(action="personal_data.erase").latest("id")
    assert entry.data["count"] == 2 and entry.data["days"] == 180
    report_ = verify_chains([old.number, rejected.number, recent.number])
    assert report_.ok, report_.broken

    with time_machine.travel((T0 + timedelta(days=181)).timestamp(), tick=False):
        assert erase_expired_contacts() == 0  # twice is harmless


def test_the_command_and_the_periodic_task(demo_city):
    from django.core.management import call_command

    from gridgov.core.tasks import periodic_tasks

    assert "gridgov.cases.erase_expired_contacts" in periodic_tasks()
    with time_machine.travel(T0.timestamp(), tick=False):
        old = bring("closed", at=T0)
    with time_machine.travel((T0 + timedelta(days=200)).timestamp(), tick=False):
        call_command("privacy", "erase-expired")
    assert Case.objects.get(number=old.number).reporter_phone == ""
