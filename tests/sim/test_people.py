"""The demo city's people: post kinds, the synthetic registry and a short stretch of fieldwork."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from gridgov.grids.models import Grid
from gridgov.patrols import selectors as patrol_figures
from gridgov.patrols.models import CheckIn, PatrolPlan, PatrolSession
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from gridgov.registry.models import Household, Resident
from gridgov.registry.personal import id_check_char
from gridgov.sensors.models import Alarm, Device
from gridgov.sim.fieldwork import simulate_fieldwork
from gridgov.sim.residents import FAKE_AREA, build_demo_registry
from gridgov.visits import selectors as visit_figures
from gridgov.visits.models import Visit

NOW = datetime(2025, 6, 12, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Thursday evening
COMMUNITY = "410102014001"  # a community of the fully staffed street, built in full here to keep tests fast


def _actor(username: str) -> Actor:
    return Actor.of(get_user_model().objects.get(username=username))


def _registry(seed: int = 0, sample: int = 1) -> dict:
    return build_demo_registry(seed=seed, full_street=COMMUNITY, sample=sample, at=NOW - timedelta(days=40))


@pytest.mark.django_db
def test_the_demo_posts_have_their_kinds(demo_city):
    kinds = {(p.user.username, p.kind, p.full_time) for p in Post.objects.select_related("user")}
    names = {u: (k, f) for u, k, f in kinds}
    assert names["leader-410102001"] == ("street_leader", None)
    assert "aide-410102001002001" not in names  # the extra staff stay in the fully built street
    assert names["leader-410102001002"] == ("community_leader", None)
    assert names["worker-410102001002001"] == ("grid_worker", True)
    assert names["aide-410102014001001"] == ("grid_worker", False)
    assert names["gridleader-410102014001001"] == ("grid_leader", None)
    assert names["instructor-410102001"][0] == "instructor"
    assert names["supervisor-410102001"][0] == names["supervisor"][0] == "supervisor"
    assert names["mediator-410102001"][0] == "mediator"
    # deputies in the grids at city, district and street level
    deputies = {(p.scope, p.kind) for p in Post.objects.filter(role="deputy")}
    assert {("410102", "npc_deputy"), ("410102", "cppcc_member")} <= deputies
    assert {("410102001", "npc_deputy"), ("410102001", "cppcc_member")} <= deputies
    assert Post.objects.filter(role="deputy", title="市人大代表").exists()
    # every level-3 grid has its full-time worker
    level3 = Grid.objects.filter(level=3, valid_to__isnull=True).count()
    assert Post.objects.filter(kind="grid_worker", full_time=True).count() == level3


@pytest.mark.django_db
def test_the_registry_fills_every_grid_of_the_full_area_with_encrypted_people(demo_city):
    counts = _registry()
    full = Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=COMMUNITY)
    assert full.count() >= 2
    for grid in full:
        assert Household.objects.filter(grid=grid).count() == grid.households  # each grid's own count
    others = Grid.objects.filter(level=3, valid_to__isnull=True).exclude(code__startswith=COMMUNITY)
    assert Household.objects.exclude(grid__code__startswith=COMMUNITY).count() == others.count()  # one each
    assert counts["households"] == Household.objects.count()
    assert counts["residents"] == Resident.objects.count() > counts["households"]
    assert Resident.objects.filter(tags__code="living_alone").exists()
    # the raw columns hold no plaintext; the decrypted values are synthetic
    person = Resident.objects.filter(household__grid__code__startswith=COMMUNITY).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone FROM registry_resident WHERE id = %s", [person.pk])
        raw = cursor.fetchone()
    assert person.name and person.name not in raw[0]
    assert person.id_number not in raw[1] and person.phone not in raw[2]
    assert person.id_number.startswith(FAKE_AREA) and person.id_number[-1] == id_check_char(person.id_number[:17])
    assert person.id_masked == person.id_number[:6] + "********" + person.id_number[-4:]
    assert person.phone.startswith("19") and person.phone[3:7] == "0000"
    # 实有单位 in every grid of the full area, placed in the grid their point lies in, phones masked
    from gridgov.registry.models import Organisation

    orgs = Organisation.objects.filter(active=True)
    assert counts["organisations"] == orgs.count() == 4 * full.count()
    assert set(orgs.values_list("grid__code", flat=True)) == set(full.values_list("code", flat=True))
    org = orgs.order_by("pk").first()
    assert org.contact_phone.startswith("197") and org.contact_phone not in str(org.contact_phone_masked)


@pytest.mark.django_db
def test_the_registry_is_the_same_for_a_seed(demo_city):
    def built(seed):
        with transaction.atomic():
            counts = _registry(seed, sample=0)
            digests = list(Resident.objects.order_by("pk").values_list("name_digest", "id_digest"))
            transaction.set_rollback(True)
        return counts, digests

    first, again, other = built(4), built(4), built(5)
    assert first == again
    assert first[1] != other[1]


@pytest.mark.django_db
def test_a_fortnight_of_fieldwork_gives_attendance_visits_and_alarms(demo_city):
    _registry(sample=0)
    result = simulate_fieldwork(days=14, seed=0, now=NOW, street=COMMUNITY)
    assert result["refused"] == 0
    grids = Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=COMMUNITY).count()
    assert result["plans"] == PatrolPlan.objects.count() == grids
    assert result["sessions"] == PatrolSession.objects.count() > 0
    assert result["checkins"] == CheckIn.objects.count()
    start, end = (NOW - timedelta(days=14)).date(), NOW.date()
    rows = patrol_figures.attendance(_actor("leader-410102014"), grid=COMMUNITY, start=start, end=end)
    met, due = sum(r["days_met"] for r in rows), sum(r["days_required"] for r in rows)
    assert due > 0 and 0.6 <= met / due <= 1.0
    assert len({r["worker"] for r in rows}) == 2 * grids  # 专职 and 兼职 workers
    assert Visit.objects.filter(purpose="visit").count() == result["visits"] > 0
    assert Visit.objects.filter(purpose="care").count() == result["care_visits"] > 0
    due_now = visit_figures.care_due(_actor("leader-410102014"), on=NOW.date(), grid=COMMUNITY)
    assert due_now, "some 独居老人 are left without a weekly care visit"
    assert Device.objects.count() == result["devices"] > 0
    assert Alarm.objects.count() == result["alarms"] > 0


@pytest.mark.django_db
def test_fieldwork_is_the_same_for_a_seed(demo_city):
    _registry(sample=0)

    def run():
        with transaction.atomic():
            counts = simulate_fieldwork(days=5, seed=2, now=NOW, street=COMMUNITY)
            transaction.set_rollback(True)
        return counts

    assert run() == run()
