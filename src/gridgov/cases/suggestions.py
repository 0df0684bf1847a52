"""Category suggestions learnt from the platform's own cases (分类建议的训练数据与重训).

What counts as a labelled case: one whose category a person of the platform confirmed — registered (立案,
the dispatcher's category, so a category corrected at registration counts as corrected) or settled on the
spot by a grid worker — and not rejected or merged. A case a unit returned (退单) counts again only once a
unit has accepted it since: until then its dispatch, and maybe its category, is in doubt.

The periodic task retrains when enough has happened since the model was trained (registrations and
returns), so a correction reaches the suggestions within a day.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.core.errors import BadInput
from gridgov.routing.classifier.model import document
from gridgov.routing.classifier.suggest import model_path
from gridgov.routing.classifier.training import train_categories, trained_at

MAX_ROWS = 100_000  # the newest cases: enough to learn from, and training stays within a minute
MIN_ROWS = 50  # fewer labelled cases than this teach nothing useful
MIN_NEW = 100  # registrations and returns since the last training that make a retraining worth it
UNCONFIRMED = (Status.REPORTED, Status.REJECTED, Status.MERGED)


def labelled_cases():
    """The cases the model learns from, newest first (see the module's docstring)."""
    in_doubt = Q(return_count__gt=0, status__in=(Status.REGISTERED, Status.DISPATCHED))
    return (
        Case.objects.filter(category__isnull=False, category__is_leaf=True, category__active=True)
        .exclude(status__in=UNCONFIRMED)
        .exclude(in_doubt)
        .order_by("-reported_at", "-id")
    )


def training_rows(limit: int = MAX_ROWS) -> list[tuple[str, str]]:
    """`(document, category code)` of the labelled cases: title and the start of the description."""
    rows = labelled_cases().values_list("title", "description", "category__code")[:limit]
    return [(document(title, text), code) for title, text, code in rows]


def changes_since(when: datetime | None) -> int:
    """Registrations and returns since `when` (every one ever when None): what a retraining would learn."""
    events = CaseEvent.objects.filter(action__in=("register", "return", "resolve_on_spot"))
    return (events.filter(at__gt=when) if when else events).count()


def retrain_categories(*, actor=None, force: bool = False) -> dict:
    """Retrain the category model from the labelled cases when due; `{"trained": bool, …}` says what it did.

    Due: no model yet, or MIN_NEW registrations and returns since it was trained (force: always). Never
    with fewer than MIN_ROWS labelled cases."""
    if model_path() is None:
        return {"trained": False, "why": "GRIDGOV_CLASSIFIER_MODEL is empty"}
    since = trained_at()
    new = changes_since(since)
    if not force and since is not None and new < MIN_NEW:
        return {"trained": False, "why": "not due", "new": new}
    rows = training_rows()
    if len(rows) < MIN_ROWS and not force:
        return {"trained": False, "why": "too few labelled cases", "rows": len(rows)}
    try:
        summary = train_categories(actor=actor, rows=rows, reason="forced" if force else f"{new} new")
    except BadInput as exc:  # e.g. every labelled case in one category: nothing to tell apart yet
        return {"trained": False, "why": str(exc), "rows": len(rows)}
    return {"trained": True, "new": new, **summary}
