"""合并 stays inside the actor's scope (issue 10, finding 5).

A dispatcher merged his own hotline case into another street's case and then read that case's
timeline and result through his own tracking code. Both cases of a merge must be in the actor's
scope; a master outside it is refused exactly like an unknown case number (400), so the refusal does
not reveal that it exists either.
"""

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.errors import BadInput

from . import helpers as h

STREET_DISPATCHER = f"dispatcher-{h.STREET}"
OTHER_STREET_GRID = f"{h.OTHER_STREET}001001"


def hotline_case(*, grid: str = h.GRID) -> tuple[str, str]:
    """A 12345 call entered by the street's own dispatcher: (number, tracking code)."""
    intake = h.report(
        grid=grid,
        username=STREET_DISPATCHER,
        channel="hotline",
        address="林山寨路口",
        title="路灯不亮",
        reporter_name="李四",
        reporter_phone="13900002222",
    )
    return intake.case.number, intake.tracking_code


def other_street_case_handled() -> str:
    """A case of the other street, handled by its own grid worker, with a result its reporter reads."""
    intake = h.report(grid=OTHER_STREET_GRID, title="占道经营")
    number = intake.case.number
    dispatcher = h.actor(f"dispatcher-{h.OTHER_STREET}")
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=OTHER_STREET_GRID)
    worker = h.actor(f"worker-{OTHER_STREET_GRID}")
    services.accept_case(actor=worker, number=number)
    services.perform("resolve", actor=worker, number=number, result="摊主张某已劝离，另一条街的机密处理结果")
    assert Case.objects.get(number=number).status == "resolved"
    return number


def state(number: str) -> tuple:
    case = Case.objects.get(number=number)
    return (
        case.status,
        case.master_id,
        case.version,
        case.event_count,
        case.last_hash,
        list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "hash")),
    )


def test_merging_into_another_streets_case_is_refused_like_an_unknown_one(api, demo_city):
    mine, code = hotline_case()
    theirs = other_street_case_handled()
    before_mine, before_theirs, events = state(mine), state(theirs), CaseEvent.objects.count()
    dispatcher = api(STREET_DISPATCHER)

    refused = dispatcher.act(mine, "merge", {"into": theirs})
    unknown = dispatcher.act(mine, "merge", {"into": "20000101000001"})
    assert refused.status_code == unknown.status_code == 400, (refused.content, unknown.content)
    # the same words as for a number that does not exist: nothing tells the case is there
    assert refused.json()["detail"] == unknown.json()["detail"].replace("20000101000001", theirs)
    assert "占道经营" not in refused.content.decode() and "机密" not in refused.content.decode()

    assert state(mine) == before_mine and state(theirs) == before_theirs
    assert CaseEvent.objects.count() == events

    # and the reporter's view (his tracking code) shows only his own case
    public = api().get(f"/cases/{mine}", {"tracking_code": code})
    assert public.status_code == 200, public.content
    view = public.json()
    assert view["merged_into"] is None and view["status"] == "reported" and view["result"] == ""
    assert [e["action"] for e in view["timeline"]] == ["report"]
    assert theirs not in public.content.decode() and "机密" not in public.content.decode()


def test_the_service_refuses_an_out_of_scope_master(demo_city):
    mine, _ = hotline_case()
    theirs = other_street_case_handled()
    before = state(mine)
    with pytest.raises(BadInput) as refused:
        services.merge_case(actor=h.actor(STREET_DISPATCHER), number=mine, into=theirs)
    assert refused.value.status == 400 and theirs in refused.value.message
    assert state(mine) == before


def test_merging_within_scope_still_works_and_the_reporter_follows_the_master(api, demo_city):
    master = h.report(grid=h.SIBLING_GRID, title="路灯不亮").case.number  # same street, another grid
    mine, code = hotline_case()
    response = api(STREET_DISPATCHER).act(mine, "merge", {"into": master})
    assert response.status_code == 200, response.content
    case = Case.objects.select_related("master").get(number=mine)
    assert case.status == "merged" and case.master.number == master
    view = api().get(f"/cases/{mine}", {"tracking_code": code}).json()
    assert view["merged_into"] == master and view["status"] == "reported"


def test_the_district_dispatcher_merges_across_its_streets(api, demo_city):
    mine, _ = hotline_case()
    theirs = other_street_case_handled()
    response = api("dispatcher").act(mine, "merge", {"into": theirs})
    assert response.status_code == 200, response.content
    assert Case.objects.get(number=mine).master.number == theirs


@pytest.mark.parametrize("end", ["rejected", "merged"])
def test_a_master_that_is_rejected_or_merged_is_refused(api, demo_city, end):
    master = h.bring(end).number  # a case of the same grid, already rejected or merged
    mine, _ = hotline_case()
    before = state(mine)
    response = api(STREET_DISPATCHER).act(mine, "merge", {"into": master})
    assert response.status_code == 409, response.content
    assert state(mine) == before
