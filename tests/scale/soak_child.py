"""Run by the soak test (tests/scale/test_faults.py) against the site's own database, with the site's environment
(`Site.env()`): it reads what the test process cannot reach through Django. Prints one JSON line.

    python -m tests.scale.soak_child setup GRID     → {lon, lat, accounts: {username: password}}
    python -m tests.scale.soak_child check PREFIX   → the facts the soak test asserts on (cases titled PREFIX…)
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict


def setup(grid: str) -> dict:
    import shapely

    from gridgov.grids.selectors import current_geometries
    from gridgov.sim.models import DemoAccount

    point = shapely.point_on_surface(current_geometries([grid])[grid])
    accounts = {a.username: a.password for a in DemoAccount.objects.all()}
    return {"lon": point.x, "lat": point.y, "accounts": accounts}


def check(prefix: str) -> dict:
    from gridgov.assessment.facts import COUNTERS
    from gridgov.assessment.models import CaseFact, Rollup
    from gridgov.cases.models import Case, CaseEvent
    from gridgov.cases.tasks import AUDIENCE, recipients
    from gridgov.core.models import OutboxItem
    from gridgov.notifications.models import Notification

    cases = list(Case.objects.filter(title__startswith=prefix).select_related("grid", "reporter").order_by("pk"))
    titles = Counter(c.title for c in cases)
    events: dict[str, list[str]] = defaultdict(list)
    for number, action in (
        CaseEvent.objects.filter(case__in=cases).order_by("case_id", "seq").values_list("case__number", "action")
    ):
        events[number].append(action)

    # the follow-up work of every step ran exactly once: its notifications (one per recipient and event) …
    notices = Counter(
        Notification.objects.filter(dedupe_key__startswith="case-event:").values_list("dedupe_key", flat=True)
    )
    notification_gaps = []
    for event in CaseEvent.objects.filter(case__in=cases).select_related("case__grid", "case__reporter"):
        audience = AUDIENCE.get(event.action, set())
        expected = len([u for u in recipients(event.case, audience) if u.pk != event.actor_id]) if audience else 0
        got = notices.get(f"case-event:{event.pk}", 0)
        if got != expected:
            notification_gaps.append({"case": event.case.number, "action": event.action, "got": got, "want": expected})
    undelivered = Notification.objects.filter(
        dedupe_key__startswith="case-event:", delivered_at__isnull=True, subject__in=[c.number for c in cases]
    ).count()

    # … and its rollup: each case's fact is of its last event, and the daily sums are the sums of the facts
    facts = {f.case_id: f for f in CaseFact.objects.filter(case__in=cases)}
    stale_facts = [c.number for c in cases if c.pk not in facts or facts[c.pk].event_count != c.event_count]
    rollup_gaps = []
    grids = {c.grid.code for c in cases}
    for code in sorted(grids):
        summed: dict[str, Counter] = defaultdict(Counter)
        for fact in CaseFact.objects.filter(grid=code):
            summed[str(fact.day)].update({name: getattr(fact, name) for name in COUNTERS})
        for row in Rollup.objects.filter(kind="region", code=code):
            have = {name: getattr(row, name) for name in COUNTERS}
            want = {name: summed[str(row.day)].get(name, 0) for name in COUNTERS}
            summed.pop(str(row.day), None)
            if have != want:
                rollup_gaps.append({"grid": code, "day": str(row.day), "rollup": have, "facts": want})
        for day, counts in summed.items():
            if any(counts.values()):
                rollup_gaps.append({"grid": code, "day": day, "rollup": None, "facts": dict(counts)})

    return {
        "cases": {c.title: c.number for c in cases},
        "duplicates": {t: n for t, n in titles.items() if n > 1},
        "events": dict(events),
        "outbox_waiting": OutboxItem.objects.filter(dead=False).count(),
        "outbox_dead": list(OutboxItem.objects.filter(dead=True).values_list("task", "last_error")),
        "notifications": sum(notices.values()),
        "notification_gaps": notification_gaps,
        "undelivered": undelivered,
        "stale_facts": stale_facts,
        "rollup_gaps": rollup_gaps,
    }


def main() -> None:
    import django

    django.setup()
    command, argument = sys.argv[1], sys.argv[2]
    result = setup(argument) if command == "setup" else check(argument)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
