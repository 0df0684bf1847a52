"""Background work of the closed loop: notifications after each step, and the deadline sweep."""

from __future__ import annotations

from collections import defaultdict

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.signals import case_events_committed
from gridgov.cases.transitions import TERMS
from gridgov.core.tasks import task
from gridgov.notifications.services import Message, notify, notify_many
from gridgov.people.models import Post, in_force

# Who hears about a step: the platform, the lead unit (and helpers), the grid that verifies, the reporter.
AUDIENCE = {
    "report": {"platform"},
    "resolve_on_spot": {"grid"},
    "escalate": {"platform"},
    "return": {"platform"},
    "request_extension": {"platform"},
    "dispatch": {"lead", "assisting"},
    "grant_extension": {"lead"},
    "deny_extension": {"lead"},
    "supervise": {"lead", "platform"},
    "resolve": {"grid"},
    "verify": {"lead", "platform"},
    "close": {"reporter"},
    "reopen": {"platform"},
    "suspend": {"lead"},
    "resume": {"lead"},
    "assist": {"lead"},  # 协办反馈: the lead unit waits for it before reporting the whole result
}


def _unit_people(code: str) -> list:
    if not code:
        return []
    roles = ["department_handler"] if code.startswith("D") else ["grid_worker", "grid_leader"]
    return [p.user for p in Post.objects.filter(in_force(), scope=code, role__in=roles).select_related("user")]


def recipients(case: Case, audience: set[str]) -> list:
    people = []
    if "platform" in audience:
        people += [
            p.user
            for p in Post.objects.filter(in_force(), scope=case.platform, role="dispatcher").select_related("user")
        ]
    if "lead" in audience:
        people += _unit_people(case.lead_unit)
    if "assisting" in audience:
        for unit in case.assisting_units:
            people += _unit_people(unit)
    if "grid" in audience:
        people += _unit_people(case.grid.code) + _unit_people(case.grid.code[:12])
    if "reporter" in audience and case.reporter_id:
        people.append(case.reporter)
    return list({u.pk: u for u in people}.values())


@task
def notify_case_event(*, event_id: int) -> None:
    """One step's notifications: for messages queued before the batched task existed."""
    notify_case_events(event_ids=[event_id])


def _unit_roles(code: str) -> tuple[str, ...]:
    return ("department_handler",) if code.startswith("D") else ("grid_worker", "grid_leader")


@task
def notify_case_events(*, event_ids: list[int]) -> None:
    """Tell the people each step concerns (idempotent: one inbox row per event and person).

    Many steps in a few queries: the events with their cases, every post of the platforms and units
    they name at once, then one bulk insert (notifications.services.notify_many). The same people as
    recipients() picks for one case. Then the outside world hears of them (signals.case_events_committed:
    exchange's webhooks and 12345 pushes), in the same transaction."""
    _notify_people(event_ids)
    case_events_committed.send(sender=CaseEvent, event_ids=sorted(event_ids))


def _notify_people(event_ids: list[int]) -> None:
    # only the columns used: a whole case row would also decrypt the reporter's name and phone
    events = list(
        CaseEvent.objects.select_related("case__grid", "case__reporter")
        .filter(pk__in=event_ids)
        .only(
            "action",
            "note",
            "actor",
            "case__number",
            "case__title",
            "case__platform",
            "case__lead_unit",
            "case__assisting_units",
            "case__grid__code",
            "case__reporter__is_active",
        )
        .order_by("pk")
    )
    wanted = {e.pk: AUDIENCE.get(e.action, set()) for e in events}
    events = [e for e in events if wanted[e.pk]]
    scopes: set[str] = set()
    for e in events:
        case, audience = e.case, wanted[e.pk]
        scopes |= {case.platform} if "platform" in audience else set()
        scopes |= {case.lead_unit} if "lead" in audience else set()
        scopes |= set(case.assisting_units or []) if "assisting" in audience else set()
        scopes |= {case.grid.code, case.grid.code[:12]} if "grid" in audience else set()
    posts: dict[tuple[str, str], list] = defaultdict(list)  # (scope, role) → users, in the order of the posts
    scopes.discard("")
    if scopes:
        for post in Post.objects.filter(in_force(), scope__in=scopes).select_related("user").order_by("pk"):
            posts[(post.scope, post.role)].append(post.user)

    def unit(code: str) -> list:
        return [u for role in _unit_roles(code) for u in posts[(code, role)]] if code else []

    messages = []
    for e in events:
        case, audience = e.case, wanted[e.pk]
        people = posts[(case.platform, "dispatcher")][:] if "platform" in audience else []
        if "lead" in audience:
            people += unit(case.lead_unit)
        if "assisting" in audience:
            for code in case.assisting_units:
                people += unit(code)
        if "grid" in audience:
            people += unit(case.grid.code) + unit(case.grid.code[:12])
        if "reporter" in audience and case.reporter_id:
            people.append(case.reporter)
        people = [u for u in {u.pk: u for u in people}.values() if u.pk != e.actor_id]
        if not people:
            continue
        label = TERMS.get(e.action, e.action)  # stored once for everyone: the stable Chinese term
        messages.append(
            Message(
                recipients=people,
                kind=f"case.{e.action}",
                title=f"{label}：{case.title}",
                body=f"案件 {case.number} {label}。{e.note}".strip(),
                link=f"/console/cases/{case.number}/",
                subject=case.number,
                dedupe_key=f"case-event:{e.pk}",
            )
        )
    notify_many(messages=messages)


@task
def notify_light(*, number: str, light: str, deadline: str) -> None:
    """Yellow/red reminders to the lead unit and the platform, once per light and deadline."""
    if light not in ("yellow", "red"):
        return
    case = Case.objects.select_related("grid", "reporter").filter(number=number).first()
    if case is None:
        return
    word = "即将超期（黄灯）" if light == "yellow" else "已超期（红灯）"
    kind, _, moment = deadline.partition(":")
    limit = "签收时限" if kind == "sign" else "办结时限"
    notify(
        recipients=recipients(case, {"lead", "platform"}),
        kind=f"case.light.{light}",
        title=f"{word}：{case.title}",
        body=f"案件 {case.number} {word}，{limit} {moment}。",
        link=f"/console/cases/{case.number}/",
        subject=case.number,
        dedupe_key=f"light:{number}:{light}:{deadline}",
    )


@task(every=300)
def sweep_deadlines() -> None:
    from gridgov.cases.services import sweep_deadlines as sweep

    sweep()


@task(every=3600)
def purge_idempotency_keys() -> None:
    """Forget answered intake keys after a day: retries come within minutes, and the record holds
    the reporter's tracking code (encrypted, but no longer needed)."""
    from datetime import timedelta

    from django.utils import timezone

    from gridgov.cases.models import IdempotencyKey

    IdempotencyKey.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


@task(every=3600)
def purge_unattached_uploads() -> None:
    """Delete photos uploaded over a day ago that no case refers to (their files too); audited."""
    from gridgov.cases.uploads import purge_unattached_uploads as purge

    purge()


@task(every=6 * 3600)
def erase_expired_contacts() -> None:
    """Reporters' names and phones erased once their case is past the retention period (cases.retention)."""
    from gridgov.cases.retention import erase_expired_contacts as erase

    erase()


@task(every=3600)
def write_daily_anchor() -> None:
    """The day's signed digest of every chain head (cases.audit.write_anchor) into GRIDGOV_ANCHOR_DIR,
    once a day: the first run after midnight writes it, later runs leave it be."""
    from gridgov.cases.chains import write_anchor

    write_anchor(daily=True)


@task(every=6 * 3600)
def retrain_categories() -> None:
    """The category suggestions' model retrained from the labelled cases when enough changed (cases.suggestions)."""
    from gridgov.cases.suggestions import retrain_categories as retrain

    retrain()


@task(every=6 * 3600)
def create_partitions() -> None:
    """On PostgreSQL, this month's and the next months' partitions of the case events and readings (and the
    default partition), made ahead of the first row that needs them (cases.partitioned); nothing on SQLite."""
    from django.db import connection

    from gridgov.cases.partitioned import TABLES
    from gridgov.core.partitions import ensure

    for spec in TABLES:
        ensure(connection, spec)
