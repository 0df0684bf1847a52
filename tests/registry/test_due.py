"""Records due for re-collection: older than the period of their kind, in the actor's grids."""

from datetime import datetime, timedelta

import time_machine
from django.test import override_settings
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.registry import residents, selectors, services
from tests.registry.conftest import SYSTEM

COLLECTED = datetime(2027, 3, 1, 10, 0, tzinfo=timezone.get_default_timezone())


def test_records_fall_due_after_their_period(household, spot, account, api):
    with time_machine.travel(COLLECTED, tick=False):
        services.record_household(actor=SYSTEM, address=household.address)
        person = residents.record_resident(actor=SYSTEM, household=household, name="老李")
    worker = Actor.of(account(f"worker-{spot['grid']}"))
    days = selectors.refresh_days()["household"]

    def due(kind, at):
        return [r.pk for r in selectors.due_for_recollection(worker, kind=kind, now=at)]

    assert due("household", COLLECTED + timedelta(days=days - 1)) == []
    assert due("household", COLLECTED + timedelta(days=days, seconds=1)) == [household.pk]
    assert person.pk in due("resident", COLLECTED + timedelta(days=selectors.refresh_days()["resident"] + 1))
    with override_settings(GRIDGOV_REGISTRY_REFRESH_DAYS={"household": 30}):
        assert due("household", COLLECTED + timedelta(days=31)) == [household.pk]

    # collected again: no longer due; a stranger never sees it
    with time_machine.travel(COLLECTED + timedelta(days=days + 5), tick=False):
        services.record_household(actor=SYSTEM, address=household.address)
    assert due("household", COLLECTED + timedelta(days=days + 6)) == []
    later = COLLECTED + timedelta(days=2 * days + 10)
    stranger = Grid.objects.filter(level=3, valid_to__isnull=True).exclude(code__startswith=spot["community"]).first()
    assert (
        selectors.due_for_recollection(
            Actor.of(account(f"worker-{stranger.code}")), kind="household", now=later
        ).count()
        == 0
    )
    assert due("household", later) == [household.pk]

    with time_machine.travel(COLLECTED + timedelta(days=2 * days + 10), tick=False):
        answer = api(f"worker-{spot['grid']}").get("/registry/due", {"kind": "household"})
        assert answer.status_code == 200
        assert [i["id"] for i in answer.json()["items"]] == [household.pk]
        assert answer.json()["items"][0]["label"] == "测试花园3号楼2单元501"
        assert api(f"worker-{spot['grid']}").get("/registry/due", {"kind": "cats"}).status_code == 422
