"""A post whose end date has passed grants nothing where cases go and whom they notify (people.models.in_force)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.cases.services import report_case
from gridgov.cases.tasks import recipients
from gridgov.people.actors import Actor
from gridgov.people.models import Post

pytestmark = pytest.mark.django_db


def _report(spot):
    return report_case(actor=Actor.anonymous(), title="井盖缺失", lon=spot["lon"], lat=spot["lat"]).case


def test_an_ended_dispatcher_post_no_longer_staffs_its_platform(spot):
    first = _report(spot)
    dispatchers = Post.objects.filter(role="dispatcher", scope=first.platform, active=True)
    assert dispatchers.exists() and recipients(first, {"platform"})
    dispatchers.update(end_date=timezone.localdate() - timedelta(days=1))
    second = _report(spot)
    assert second.platform != first.platform and first.platform.startswith(second.platform)
    assert recipients(first, {"platform"}) == []  # nobody left to notify at the old platform
    dispatchers.update(end_date=timezone.localdate())  # the end date is the post's last day: in force today
    assert _report(spot).platform == first.platform
