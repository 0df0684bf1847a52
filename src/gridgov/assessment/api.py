"""Statistics over JSON: `GET /api/v1/stats/…` (docs/architecture.md §4) — what the dashboard draws."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from gridgov.assessment import hotspots, modes, participation, reply_cases, scoring, selectors
from gridgov.assessment.facts import COUNTERS
from gridgov.assessment.indicators import LEVELS, RATE_BY_NAME
from gridgov.core.dbrouter import reads_replica
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem

router = Router(tags=["statistics"])
ROUTERS = [("/stats", router)]  # mounted by gridgov.http.api
# Every GET here reads the read replica when there is one (core/dbrouter.py); the POST stays on the primary.
router.add_decorator(reads_replica)


# 404 also for a person outside the caller's area: the same answer as for an unknown username.
ANSWERS = {200: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem}
INDICATOR_NAMES = (
    *RATE_BY_NAME,
    "received",
    "registered",
    "closed",
    "closed_on_time",
    *(f"level_{lv}" for lv in LEVELS),
)
# The enumerated query parameters, declared as such: the OpenAPI document lists their values and a value
# outside them is a 422 with pydantic's `errors`, as everywhere else in the API (docs/architecture.md §4).
if TYPE_CHECKING:  # mypy takes no Literal of a tuple's values: plain strings to it
    IndicatorName = str
    CounterName = str
else:
    IndicatorName = Literal[INDICATOR_NAMES]
    CounterName = Literal[COUNTERS]
Source = Literal["rollups", "events"]  # events: recomputed from the event log (slow)


def _subject(request: HttpRequest, region, department, person) -> tuple[str, str]:
    actor = actor_from_request(request, required=True)
    kind, code = selectors.subject_of(region=region, department=department, person=person)
    selectors.check_may_read(actor, kind, code)
    return kind, code


@router.get("/indicators", response=ANSWERS, summary="Indicators of a region, department or person (考核指标)")
def indicators(
    request,
    region: str | None = None,
    department: str | None = None,
    person: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: Source = "rollups",
):
    """Cases reported between `start` and `end` (local dates, `end` inclusive; default: this month).
    Rates are exact fractions, null when nothing to divide by; `fractions` gives the integers."""
    kind, code = _subject(request, region, department, person)
    first, last = selectors.parse_range(start, end)
    out = selectors.indicators(kind=kind, code=code, start=first, end=last, source=source)
    return {
        "subject": {"kind": kind, "code": region or department or person},
        "start": first.isoformat(),
        "end": last.isoformat(),
        **out,
    }


@router.get("/participation", response=ANSWERS, summary="The seeds' participation figures of a region (参与情况)")
def participation_figures(request, region: str, start: str | None = None, end: str | None = None):
    """三单制 and deputies, points issued and redeemed, matters deliberated, disputes by class and level,
    supervisors' findings, 网格吹哨 and the 3671 stations, in the grids under `region` between `start` and `end`
    (local dates, `end` inclusive; default: this month). The same readers as `/indicators`."""
    _subject(request, region, None, None)  # 404 for an unknown grid, 403 outside the caller's scope
    first, last = selectors.parse_range(start, end)
    return {
        "region": region,
        "start": first.isoformat(),
        "end": last.isoformat(),
        **participation.figures(area=region, start=first, end=last),
    }


@router.get("/series", response=ANSWERS, summary="Received and closed per day")
def series(
    request,
    region: str | None = None,
    department: str | None = None,
    person: str | None = None,
    start: str | None = None,
    end: str | None = None,
):
    kind, code = _subject(request, region, department, person)
    first, last = selectors.parse_range(start, end)
    return {"items": selectors.daily_series(kind, code, first, last)}


@router.get("/map", response=ANSWERS, summary="One indicator for each child grid of a region (the map's colours)")
def grid_map(
    request, region: str, indicator: IndicatorName = "closure_rate", start: str | None = None, end: str | None = None
):
    _kind, code = _subject(request, region, None, None)
    first, last = selectors.parse_range(start, end)
    return {"indicator": indicator, "items": selectors.children_values(code, first, last, indicator)}


@router.get("/overview", response=ANSWERS, summary="The dashboard's figures for a region in one call")
def overview(request, region: str, start: str | None = None, end: str | None = None):
    kind, code = _subject(request, region, None, None)
    first, last = selectors.parse_range(start, end)
    return {
        "region": code,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "indicators": selectors.indicators(kind=kind, code=code, start=first, end=last),
        "lights": selectors.lights(code),
        "categories": selectors.category_breakdown(code, first, last),
        "hot_spots": selectors.hot_spots(code, first, last),
        "hot_clusters": [spot.as_dict() for spot in hotspots.find_hotspots(code, first, last)],
    }


@router.get("/modes", response=ANSWERS, summary="Indicators by handling mode, and 清零 per platform (句号管理)")
def handling_modes(request, region: str, start: str | None = None, end: str | None = None):
    """Cases reported between `start` and `end` under `region`: for each mode (立即办、协调办、现场办、联动办)
    cases, open, closed, closed on time, replied, rates; and per platform whether every one is closed (清零)."""
    _subject(request, region, None, None)
    first, last = selectors.parse_range(start, end)
    return {
        "region": region,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "modes": modes.by_mode(region, first, last),
        "platforms": modes.clearance(region, first, last),
    }


@router.get(
    "/scores/{scheme}", response=ANSWERS, summary="Scores of a scheme's subjects for a month, with their inputs"
)
def scores(request, scheme: str, month: str, region: str | None = None):
    actor = actor_from_request(request, required=True)
    return scoring.scores_for_actor(actor, scheme_code=scheme, month=month, region=region)


@router.get(
    "/evidence", response=ANSWERS, summary="The cases behind one counter of a subject's figures (每个分数可追溯到案件)"
)
def evidence(
    request,
    counter: CounterName,
    region: str | None = None,
    department: str | None = None,
    person: str | None = None,
    start: str | None = None,
    end: str | None = None,
):
    """E.g. `counter=reworked&region=410102001&start=2026-11-01&end=2026-11-30`: the case numbers whose
    counter made up the figure (at most 500); each case's file shows its events."""
    kind, code = _subject(request, region, department, person)
    first, last = selectors.parse_range(start, end)
    return {"counter": counter, "items": scoring.evidence(kind, code, first, last, counter)}


@router.get(
    "/hotspots", response=ANSWERS, summary="Hot spots (热点): a grid × category where reports keep coming, by heat"
)
def hot_spots(request, region: str, start: str | None = None, end: str | None = None, limit: int = 20):
    """Heat = reports + distinct reporters + followers + growth (the second half over the first):
    assessment/hotspots.py. At least 3 reports in the period."""
    _kind, code = _subject(request, region, None, None)
    first, last = selectors.parse_range(start, end)
    found = hotspots.find_hotspots(code, first, last, limit=max(1, min(limit, 100)))
    return {"region": code, "start": first.isoformat(), "end": last.isoformat(), "items": [s.as_dict() for s in found]}


class HotSpotAct(Schema):
    region: str = Field(max_length=18)
    key: str = Field(max_length=48)
    start: str | None = None
    end: str | None = None


@router.post(
    "/hotspots/act",
    response={201: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem},
    summary="未诉先办: turn a hot spot into a proactive case sent to its grid (once per period)",
)
def act_on_hot_spot(request, body: HotSpotAct):
    actor = actor_from_request(request, required=True)
    first, last = selectors.parse_range(body.start, body.end)
    case = hotspots.act_on_hotspot(actor=actor, region=body.region, key=body.key, start=first, end=last)
    return Status(201, {"number": case.number, "status": case.status, "lead_unit": case.lead_unit})


class ReplyQuery(Schema):
    region: str | None = Field(None, max_length=18)
    start: str | None = None
    end: str | None = None
    limit: int = Field(20, ge=1, le=reply_cases.MAX_LIMIT)


@router.get("/replies", response=ANSWERS, summary="The weakest replies to requesters, scored (答复质量、句号管理)")
def replies(request, query: Query[ReplyQuery]):
    """Replies given between `start` and `end` (local dates, `end` inclusive; default: this month) to cases
    under `region` (default: the caller's widest area), each scored for relevance, completeness and timeliness
    (0–1) and in total (0–100) with its reasons; the distribution of the parts; the `limit` weakest first.
    The same readers as `/indicators`: 401 unsigned, 403 outside the caller's area, 404 an unknown grid,
    400 bad dates."""
    actor = actor_from_request(request, required=True)
    first, last = selectors.parse_range(query.start, query.end)
    return reply_cases.weakest_replies(actor, since=first, until=last, region=query.region, limit=query.limit)
