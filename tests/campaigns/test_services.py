"""Campaign writes through the real services: push-down, results (idempotent, conflicts, problems as cases),
scope refusals, closing (issue 12 item 7)."""

import io
from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone
from PIL import Image

from gridgov.campaigns import covert, services
from gridgov.campaigns.models import CampaignStatus, CampaignTarget, CheckResult
from gridgov.cases.models import Case, Upload
from gridgov.cases.uploads import purge_unattached_uploads, store_upload
from gridgov.core.audit import AuditEvent
from gridgov.core.errors import BadInput, Conflict, Forbidden
from gridgov.grids.models import Grid
from tests.campaigns.conftest import DISPATCHER, GRID, ON, OTHER_STREET, SIBLING, STREET, WORKER, make_campaign, tick
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def test_start_pushes_exactly_the_three_level_grids_under_the_street(campaign):
    expected = set(
        Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=STREET).values_list("code", flat=True)
    )
    assert expected and all(len(c) == 15 for c in expected)
    assert set(campaign.targets.values_list("grid__code", flat=True)) == expected
    assert campaign.status == CampaignStatus.RUNNING
    # starting again writes nothing
    again = services.start_campaign(actor=h.actor(DISPATCHER), campaign=campaign)
    assert not again.created and campaign.targets.count() == len(expected)


def test_a_district_campaign_reaches_every_street(clock):
    campaign = make_campaign("leader", "410102")
    streets = {code[:9] for code in campaign.targets.values_list("grid__code", flat=True)}
    assert streets == set(Grid.objects.filter(level=1, valid_to__isnull=True).values_list("code", flat=True))


def test_a_result_is_idempotent_by_its_id_and_a_second_answer_conflicts(campaign):
    cid = uuid4()
    first = tick(campaign, GRID, 1, client_id=cid)
    events = AuditEvent.objects.count()
    again = tick(campaign, GRID, 1, client_id=cid)
    assert first.created and not again.created and again.obj.pk == first.obj.pk
    assert AuditEvent.objects.count() == events
    with pytest.raises(Conflict, match="recorded already"):
        tick(campaign, GRID, 1)  # another id for the same item
    with pytest.raises(Conflict, match="someone else"):
        tick(campaign, GRID, 1, username=f"leader-{GRID[:12]}", client_id=cid)
    assert CheckResult.objects.filter(target__campaign=campaign).count() == 1


def test_a_problem_becomes_one_case_in_the_grid_and_on_the_spot_is_solved(campaign):
    cases = Case.objects.count()
    done = tick(campaign, GRID, 1, outcome="problem", problem={"title": "垃圾堆放未清运"})
    case = done.obj.case
    assert Case.objects.count() == cases + 1
    assert case.grid.code == GRID and case.channel == "patrol" and case.status == "reported"
    assert "人居环境整治专项排查" in case.description
    tick(
        campaign,
        GRID,
        2,
        username=WORKER,
        client_id=uuid4(),
        note="杂物",
        outcome="problem",
        problem={"resolved": {"result": "已清理"}},
    )
    spot = CheckResult.objects.get(target__grid__code=GRID, item__position=2)
    assert spot.on_spot and spot.case.status == "resolved"
    assert Case.objects.count() == cases + 2


def test_a_result_needs_what_the_item_asks_and_a_running_campaign(campaign):
    with pytest.raises(BadInput, match="note"):
        tick(campaign, GRID, 2, note="")
    with pytest.raises(BadInput, match="photo"):
        tick(campaign, GRID, 3)
    upload = store_upload(data=png(), uploaded_by=h.user(WORKER))
    assert tick(campaign, GRID, 3, photos=[upload.id]).obj.photos == [upload.id]
    # a ticked item's photo is not "unattached": the purge of old uploads keeps it
    Upload.objects.filter(id=upload.id).update(created_at=timezone.now() - timedelta(days=3))
    assert purge_unattached_uploads() == 0 and Upload.objects.filter(id=upload.id).exists()
    with pytest.raises(BadInput, match="description"):
        tick(campaign, SIBLING, 1, outcome="problem")
    services.close_campaign(actor=h.actor(DISPATCHER), campaign=campaign)
    with pytest.raises(Conflict, match="not running"):
        tick(campaign, SIBLING, 1)
    draft = make_campaign(start=False)
    with pytest.raises(Conflict, match="not started"):
        services.close_campaign(actor=h.actor(DISPATCHER), campaign=draft)


def test_scope_refusals(campaign):
    # a worker of another grid, a street's supervisor, another street's dispatcher
    with pytest.raises(Forbidden):
        tick(campaign, GRID, 1, username=f"worker-{SIBLING}")
    with pytest.raises(Forbidden):
        make_campaign(f"supervisor-{STREET}")
    with pytest.raises(Forbidden):  # a community's grid leader pushes nothing down
        make_campaign(f"leader-{GRID[:12]}")
    with pytest.raises(Forbidden):  # a street's 一级网格长 pushes down in their street only
        make_campaign(f"leader-{STREET}", "410102")
    assert make_campaign(f"leader-{STREET}").status == CampaignStatus.RUNNING
    with pytest.raises(Forbidden):
        make_campaign(f"dispatcher-{OTHER_STREET}")
    with pytest.raises(Forbidden):
        services.start_campaign(actor=h.actor(f"dispatcher-{OTHER_STREET}"), campaign=campaign)
    with pytest.raises(BadInput, match="district or a street"):
        make_campaign(DISPATCHER, GRID[:12])
    assert not CampaignTarget.objects.filter(campaign__status=CampaignStatus.DRAFT).exists()


def test_a_covert_finding_opens_a_supervisor_case_for_supervisors_and_leaders(clock):
    lon, lat = h.point_in(GRID)
    for who in (f"supervisor-{STREET}", "leader"):
        done = covert.record_finding(
            actor=h.actor(who), client_id=uuid4(), category="垃圾乱堆", title="路边垃圾未清", lon=lon, lat=lat
        )
        f = done.obj
        assert f.street.code == STREET and f.grid.code == GRID
        assert f.case.channel == "supervisor" and f.case.grid.code == GRID
    cid = uuid4()
    with pytest.raises(Forbidden):
        covert.record_finding(
            actor=h.actor(f"supervisor-{OTHER_STREET}"), client_id=cid, category="x", title="y", lon=lon, lat=lat
        )
    with pytest.raises(Forbidden):
        covert.record_finding(actor=h.actor(WORKER), client_id=cid, category="x", title="y", lon=lon, lat=lat)
    with pytest.raises(BadInput, match="outside every grid"):
        covert.record_finding(actor=h.actor("leader"), client_id=cid, category="x", title="y", lon=0.0, lat=0.0)
    assert ON  # the clock is held (fixtures)
