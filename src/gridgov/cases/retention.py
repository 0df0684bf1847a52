"""How long reporters' contact data is kept (个人信息保存期限).

A reporter's name and phone serve the case: calling back, the satisfaction visit. Once the case has been
finished for GRIDGOV_REPORTER_RETENTION_DAYS (default 180) they are erased; the case file keeps only their
keyed digest (Case.reporter_digest), which is what the chain covers, so every chain still verifies.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.cases.models import Case, Status
from gridgov.core import audit

DEFAULT_DAYS = 180


def retention_days() -> int:
    return int(getattr(settings, "GRIDGOV_REPORTER_RETENTION_DAYS", DEFAULT_DAYS))


def expired(now: datetime) -> Q:
    """Finished cases past the retention period: closed (or rated) by closed_at; rejected or merged by
    their last step (updated_at). A reopened case is open again and keeps its reporter."""
    cutoff = now - timedelta(days=retention_days())
    return Q(status__in=[Status.CLOSED, Status.EVALUATED], closed_at__lt=cutoff) | Q(
        status__in=[Status.REJECTED, Status.MERGED], updated_at__lt=cutoff
    )


@transaction.atomic
def erase_expired_contacts(*, now: datetime | None = None) -> int:
    """清除: erase the name and phone (and the phone's search keys) of reporters of cases finished longer
    ago than the retention period; audited with the count. Safe to run twice (the second erases none)."""
    now = now or timezone.now()
    with_contact = ~Q(reporter_name="") | ~Q(reporter_phone="") | ~Q(reporter_phone_keys="")
    erased = Case.objects.filter(expired(now) & with_contact).update(
        reporter_name="", reporter_phone="", reporter_phone_keys=""
    )
    audit.record(
        action="personal_data.erase",
        object_type="case",
        data={
            "fields": ["reporter_name", "reporter_phone"],
            "count": erased,
            "days": retention_days(),
            "before": (now - timedelta(days=retention_days())).isoformat(),
        },
    )
    return erased
