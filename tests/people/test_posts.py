"""Posts as the seeds have them (issue 12, item 1): kinds that map to roles, dates that bound what a post
grants, the full-time flag, several posts per person, and the public board built from them."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from gridgov.core.errors import BadInput
from gridgov.people.actors import Actor
from gridgov.people.models import KIND_LEVELS, KIND_ROLES, Post, PostKind, Role
from gridgov.people.selectors import grid_people
from gridgov.people.services import assign_post, edit_post
from tests.cases.helpers import COMMUNITY, GRID, STREET

pytestmark = pytest.mark.django_db

DAY = date(2027, 3, 15)  # a fixed day: the tests hold the clock there (time_machine), never today's date


def _person(username="p-test", name="赵测试"):
    return get_user_model().objects.create(username=username, first_name=name)


def test_every_kind_maps_to_a_role_and_the_seeds_titles_to_the_right_ones():
    assert set(KIND_ROLES) == set(PostKind.values) == set(KIND_LEVELS)
    assert set(KIND_ROLES.values()) <= set(Role.values)
    expected = {
        "street_leader": "grid_leader",  # 一级网格长
        "community_leader": "grid_leader",  # 二级网格长
        "first_secretary": "grid_leader",  # 第一书记
        "grid_leader": "grid_leader",  # 三级网格长
        "grid_worker": "grid_worker",  # 专职/兼职网格员
        "micro_worker": "grid_worker",  # 微网格员
        "instructor": "supervisor",  # 网格指导员
        "party_liaison": "deputy",  # 联户党员
        "npc_deputy": "deputy",  # 人大代表
        "cppcc_member": "deputy",  # 政协委员
        "supervisor": "supervisor",
        "mediator": "mediator",
    }
    assert expected == KIND_ROLES


def test_a_kind_must_grant_its_own_role_over_a_grid_of_its_level(demo_city):
    user = _person()
    with pytest.raises(BadInput, match="grid_worker"):
        assign_post(user=user, role=Role.GRID_WORKER, scope=STREET, details={"kind": PostKind.STREET_LEADER})
    with pytest.raises(BadInput, match=STREET):
        assign_post(user=user, role=Role.GRID_LEADER, scope=STREET, details={"kind": PostKind.GRID_LEADER})
    with pytest.raises(BadInput):
        assign_post(
            user=user,
            role=Role.GRID_WORKER,
            scope=GRID,
            details={"kind": PostKind.GRID_WORKER, "start_date": DAY, "end_date": DAY - timedelta(days=1)},
        )
    assert not Post.objects.filter(user=user).exists()
    post = assign_post(user=user, role=Role.GRID_LEADER, scope=STREET, details={"kind": PostKind.STREET_LEADER})
    assert post.kind_name == "一级网格长" or post.kind_name == "level-1 grid leader"


def test_the_database_refuses_a_post_that_ends_before_it_starts(demo_city):
    user = _person()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(user=user, role="grid_worker", scope=GRID, start_date=DAY, end_date=DAY - timedelta(1))


def test_an_ended_post_grants_nothing_and_one_not_begun_neither(demo_city):
    user = _person()
    assign_post(
        user=user,
        role=Role.GRID_WORKER,
        scope=GRID,
        details={"kind": PostKind.GRID_WORKER, "full_time": True, "start_date": DAY, "end_date": DAY},
    )
    assign_post(user=user, role=Role.MEDIATOR, scope=STREET, details={"start_date": DAY + timedelta(days=10)})
    with time_machine.travel(f"{DAY.isoformat()} 12:00 +0800", tick=False):
        actor = Actor.of(user)
        assert actor.can("grid_worker", GRID) and not actor.can("mediator", GRID)  # the end date is its last day
        assert [p["name"] for p in grid_people(GRID)].count("赵测试") == 1
    with time_machine.travel(f"{(DAY + timedelta(days=1)).isoformat()} 12:00 +0800", tick=False):
        actor = Actor.of(user)
        assert actor.posts == () and not actor.can("grid_worker", GRID)
        assert "赵测试" not in [p["name"] for p in grid_people(GRID)]
    with time_machine.travel(f"{(DAY + timedelta(days=10)).isoformat()} 08:00 +0800", tick=False):
        assert Actor.of(user).posts == (("mediator", STREET),)


def test_posts_without_dates_keep_granting_as_before(demo_city):
    post = Post.objects.filter(role="grid_worker", scope=GRID).select_related("user").first()
    assert post.start_date is None and post.end_date is None  # the demo's posts carry a kind, not dates
    with time_machine.travel("2099-01-01 12:00 +0800", tick=False):
        assert Actor.of(post.user).can("grid_worker", GRID)
    Post.objects.filter(pk=post.pk).update(active=False)
    assert not Actor.of(post.user).can("grid_worker", GRID)


def test_one_person_holds_several_posts_each_with_its_own_kind_and_flag(demo_city):
    user = _person()
    assign_post(
        user=user,
        role=Role.GRID_WORKER,
        scope=GRID,
        phone="0371-6000001",
        details={"kind": PostKind.GRID_WORKER, "full_time": False, "workplace": "建设路社区居委会"},
    )
    assign_post(user=user, role=Role.GRID_LEADER, scope=COMMUNITY, details={"kind": PostKind.FIRST_SECRETARY})
    assign_post(user=user, role=Role.DEPUTY, scope=STREET, details={"kind": PostKind.NPC_DEPUTY})
    actor = Actor.of(user)
    assert actor.roles == {"grid_worker", "grid_leader", "deputy"}
    kinds = dict(Post.objects.filter(user=user).values_list("role", "kind"))
    assert kinds == {"grid_worker": "grid_worker", "grid_leader": "first_secretary", "deputy": "npc_deputy"}
    post = Post.objects.get(user=user, role="grid_worker")
    assert post.full_time is False and post.kind_name == "兼职网格员"
    # a later assign_post without details keeps them
    assign_post(user=user, role=Role.GRID_WORKER, scope=GRID, phone="0371-6000002")
    post.refresh_from_db()
    assert (post.kind, post.full_time, post.workplace, post.phone) == (
        "grid_worker",
        False,
        "建设路社区居委会",
        "0371-6000002",
    )


def test_edit_post_sets_and_audits_the_details(demo_city):
    from gridgov.core.models import AuditEvent

    user = _person()
    post = assign_post(user=user, role=Role.GRID_WORKER, scope=GRID)
    edit_post(
        post_id=post.pk,
        user=user,
        role=Role.GRID_WORKER,
        scope=GRID,
        kind=PostKind.GRID_WORKER,
        full_time=True,
        start_date=DAY,
    )
    post.refresh_from_db()
    assert (post.kind, post.full_time, post.start_date) == ("grid_worker", True, DAY)
    event = AuditEvent.objects.filter(action="people.edit_post", object_id=str(post.pk)).latest("id")
    assert event.data["after"]["start_date"] == DAY.isoformat() and event.data["before"]["kind"] == ""


def test_the_board_shows_name_unit_post_and_work_phone(client, demo_city):
    user = _person(name="钱公示")
    assign_post(
        user=user,
        role=Role.GRID_WORKER,
        scope=GRID,
        phone="0371-6000099",
        details={"kind": PostKind.GRID_WORKER, "full_time": True, "workplace": "林山寨街道办事处"},
    )
    people = [p for p in grid_people(GRID) if p["name"] == "钱公示"]
    assert people == [
        {
            "name": "钱公示",
            "role": "grid_worker",
            "kind": "grid_worker",
            "post": "专职网格员",
            "title": "",
            "workplace": "林山寨街道办事处",
            "phone": "0371-6000099",
        }
    ]
    html = client.get(f"/board/{GRID}/").content.decode()
    item = html[html.index("钱公示") : html.index("钱公示") + 600]
    assert '<span class="person-role">专职网格员</span>' in item
    assert '<span class="person-unit">林山寨街道办事处</span>' in item and "0371-6000099" in item
    # ended: off the board
    Post.objects.filter(user=user).update(end_date=date(2020, 1, 1), start_date=None)
    assert "钱公示" not in client.get(f"/board/{GRID}/").content.decode()
