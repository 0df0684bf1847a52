"""Retiring grids (撤销网格): grids.services.retire_grid, reached from the admin's action and from
`gridgov grids retire`; a retired subtree stays in the database for the cases that point at it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gridgov.core.models import AuditEvent
from gridgov.grids.models import Grid
from gridgov.grids.selectors import tree_version

pytestmark = pytest.mark.django_db

URL = "/admin/grids/grid/"


def current(prefix: str) -> int:
    return Grid.objects.filter(code__startswith=prefix, valid_to__isnull=True).count()


def two_communities() -> tuple[Grid, Grid]:
    """Two current communities (二级网格) of different streets, each with grids under it."""
    first = Grid.objects.filter(level=2, valid_to__isnull=True).order_by("code").first()
    other = (
        Grid.objects.filter(level=2, valid_to__isnull=True)
        .exclude(code__startswith=first.code[:9])
        .order_by("code")
        .first()
    )
    assert current(first.code) > 1 and current(other.code) > 1
    return first, other


def test_the_retire_action_retires_the_selected_subtrees_through_the_service(demo_city, root):
    first, other = two_communities()
    child = Grid.objects.filter(parent=first, valid_to__isnull=True).order_by("code").first()
    stamp = tree_version()
    before = list(AuditEvent.objects.values_list("pk", flat=True))
    r = root.post(URL, {"action": "retire", "_selected_action": [first.pk, child.pk, other.pk]}, follow=True)
    assert r.status_code == 200
    assert "2 个网格已撤销" in r.content.decode()  # the child went with its community: two retirements
    assert current(first.code) == current(other.code) == 0
    assert current(first.code[:9]) > 0  # the street itself stays
    events = AuditEvent.objects.exclude(pk__in=before)
    assert sorted((e.action, e.object_id) for e in events) == [
        ("grids.retire", first.code),
        ("grids.retire", other.code),
    ]
    assert all(e.actor == root.user for e in events) and tree_version() != stamp


def test_the_retire_action_leaves_retired_grids_alone(demo_city, root):
    first, _ = two_communities()
    root.post(URL, {"action": "retire", "_selected_action": [first.pk]})
    r = root.post(URL, {"action": "retire", "_selected_action": [first.pk]}, follow=True)
    assert "0 个网格已撤销" in r.content.decode()
    assert AuditEvent.objects.filter(action="grids.retire", object_id=first.code).count() == 1


def test_the_retire_action_is_offered_to_whoever_may_change_grids(demo_city, root):
    r = root.get(URL)
    assert 'value="retire"' in r.content.decode()


def test_the_command_retires_and_says_how_many(demo_city):
    first, other = two_communities()
    under, under_other = current(first.code), current(other.code)
    out = StringIO()
    call_command("grids", "retire", first.code, other.code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [(r["code"], r["retired"]) for r in data["retired"]] == [(first.code, under), (other.code, under_other)]
    assert current(first.code) == current(other.code) == 0
    event = AuditEvent.objects.get(action="grids.retire", object_id=first.code)
    assert event.actor is None and event.data == {"retired": under}


def test_the_command_refuses_unknown_and_retired_codes(demo_city):
    first, _ = two_communities()
    with pytest.raises(CommandError, match="999999999"):
        call_command("grids", "retire", "999999999", stdout=StringIO())
    call_command("grids", "retire", first.code, stdout=StringIO())
    events = AuditEvent.objects.filter(action="grids.retire").count()
    with pytest.raises(CommandError, match=first.code):
        call_command("grids", "retire", first.code, stdout=StringIO())
    assert AuditEvent.objects.filter(action="grids.retire").count() == events
