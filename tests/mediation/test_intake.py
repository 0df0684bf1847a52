"""One step from a case, a patrol finding or a household visit into mediation, the source kept."""

import uuid

import pytest

from gridgov.cases.services import report_case
from gridgov.core.errors import Conflict, NotFound
from gridgov.grids.models import Grid
from gridgov.mediation import services
from gridgov.mediation.models import Party, Source
from gridgov.patrols import services as patrols
from gridgov.patrols.findings import report_finding
from gridgov.visits.services import record_visit
from tests.cases import helpers as h
from tests.mediation.conftest import GRID_MEDIATOR, PARTIES, actor
from tests.visits.conftest import make_households

pytestmark = pytest.mark.django_db
WORKER = f"worker-{h.GRID}"


def test_from_a_case(teams):
    lon, lat = h.point_in(h.GRID)
    case = report_case(actor=actor(WORKER), title="邻里噪音纠纷", lon=lon, lat=lat).case
    d = services.open_dispute(actor=actor(WORKER), dispute_class=1, title="", case_number=case.number, parties=PARTIES)
    assert (d.source, d.case, d.grid.code, d.title, d.team) == (
        Source.CASE,
        case,
        h.GRID,
        "邻里噪音纠纷",
        teams["grid"],
    )


def test_from_a_patrol_finding(teams):
    worker = actor(WORKER)
    grid = Grid.objects.get(code=h.GRID, valid_to__isnull=True)
    session = patrols.start_session(actor=worker, client_id=uuid.uuid4(), grid=grid).session
    lon, lat = h.point_in(h.GRID)
    found = report_finding(actor=worker, session=session, title="两户争车位", lon=lon, lat=lat)
    d = services.open_dispute(actor=worker, dispute_class=1, title="", patrol_finding=found.finding, parties=PARTIES)
    assert (d.source, d.case, d.patrol_finding) == (Source.PATROL, found.intake.case, found.finding)
    again = {"actor": worker, "dispute_class": 2, "title": "", "parties": PARTIES}
    with pytest.raises(Conflict):  # one running dispute per case
        services.open_dispute(**again, case_number=found.intake.case.number)
    services.close(actor=actor(GRID_MEDIATOR), number=d.number, note="当事人撤回")
    by_number = services.open_dispute(**again, case_number=found.intake.case.number)
    assert by_number.source == Source.PATROL and by_number.patrol_finding == found.finding


def test_from_a_visit(teams):
    (home,) = make_households(h.GRID, "调解花园", 1)
    visit = record_visit(actor=actor(WORKER), client_id=uuid.uuid4(), household=home, purpose="mediation").visit
    d = services.open_dispute(actor=actor(WORKER), dispute_class=1, title="婆媳矛盾", visit=visit, parties=PARTIES)
    assert (d.source, d.visit, d.grid.code) == (Source.VISIT, visit, h.GRID)


def test_parties_are_kept_encrypted_and_masked(teams):
    from django.db import connection

    d = services.open_dispute(actor=actor(WORKER), dispute_class=1, title="噪音", grid_code=h.GRID, parties=PARTIES)
    applicant = d.parties.get(role="applicant")
    assert (applicant.name, applicant.name_masked, applicant.phone_masked) == ("张三丰", "张**", "138****5678")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, phone FROM {Party._meta.db_table} WHERE id = %s", [applicant.pk])
        raw = cursor.fetchone()
    assert "张三丰" not in raw[0] and "13812345678" not in raw[1]


def test_outside_ones_grids_there_is_nothing_to_open(teams):
    with pytest.raises(NotFound):
        services.open_dispute(
            actor=actor("worker-" + h.SIBLING_GRID), dispute_class=1, title="x", grid_code=h.GRID, parties=PARTIES
        )
