"""The e-mail an Open311 client sent is a reporter's contact data like the case's name and phone: erased when
cases.retention erases those (the same retention period and the same finished cases)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.retention import expired, retention_days
from gridgov.core import audit
from gridgov.open311.models import Submission


@transaction.atomic
def erase_expired_emails(*, now: datetime | None = None) -> int:
    """清除: e-mails of submissions whose case is finished longer ago than the retention period; audited with
    the count. Safe to run twice."""
    now = now or timezone.now()
    finished = Case.objects.filter(expired(now)).values("pk")
    erased = Submission.objects.filter(case__in=finished).exclude(email="").update(email="")
    audit.record(
        action="personal_data.erase",
        object_type="open311.submission",
        data={"fields": ["email"], "count": erased, "days": retention_days()},
    )
    return erased
