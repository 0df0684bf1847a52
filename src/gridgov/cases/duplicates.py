"""Duplicates (重复件): open cases that are likely the same problem as a report, ranked.

National rules now ask that repeat requests be merged into one work order by default, so intake, the
console and the resident's report form all ask the same question: which open cases near this point, in a
related category, reported lately, say the same thing? Candidates come from the grid of the point and the
grids of its community (the adjacent ones), or within a radius; they are ranked by a score mixing the text
similarity of the titles and of the descriptions (character bigrams: Chinese needs no word splitting for
this, and it is robust to the small rewordings of a caller retelling the same problem), the distance and
the category. `gridgov bench duplicates` measures the text part on real repeated messages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.db.models import Q
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.geo import distance_m
from gridgov.people.actors import Actor

RADIUS_M = 300  # candidates from other communities only this close
WINDOW_DAYS = 30  # reported within this many days before the report
# A pair counts as a duplicate from this score on (the bench's operating point: see docs/benchmarks.md).
THRESHOLD = 0.55
# The score: how much each part weighs (sums to 1).
WEIGHTS = {"title": 0.45, "text": 0.25, "place": 0.2, "category": 0.1}
_NOT_TEXT = re.compile(r"[\W_]+|\d{7,}")  # punctuation, spaces, and phone-like digit runs (noise here)


@lru_cache(maxsize=4096)
def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of a text, punctuation, spaces and phone numbers dropped (a single character
    stays itself)."""
    clean = _NOT_TEXT.sub("", text or "").lower()
    if len(clean) < 2:
        return frozenset([clean]) if clean else frozenset()
    return frozenset(clean[i : i + 2] for i in range(len(clean) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def text_score(title_a: str, text_a: str, title_b: str, text_b: str) -> float:
    """Text similarity in [0, 1]: titles weigh more than descriptions (a long text repeats boilerplate)."""
    title = jaccard(bigrams(title_a), bigrams(title_b))
    if not (text_a and text_b):
        return title
    text = jaccard(bigrams(text_a[:500]), bigrams(text_b[:500]))
    weight = WEIGHTS["title"] + WEIGHTS["text"]
    return (WEIGHTS["title"] * title + WEIGHTS["text"] * text) / weight


@dataclass(frozen=True)
class Candidate:
    case: Case
    distance_m: float
    similarity: float  # the text part
    same_category: bool
    related_category: bool
    score: float

    @property
    def likely(self) -> bool:
        return self.score >= THRESHOLD


def _category_score(category_id: int | None, parent_id: int | None, other: Case) -> tuple[bool, bool, float]:
    if category_id is None or other.category_id is None:
        return False, False, 0.5  # unknown: neither for nor against
    same = other.category_id == category_id
    related = same or (parent_id is not None and other.category.parent_id == parent_id)
    return same, related, 1.0 if same else 0.6 if related else 0.0


def candidates(
    actor: Actor | None,
    *,
    lon: float,
    lat: float,
    title: str,
    description: str = "",
    grid_code: str = "",
    category_id: int | None = None,
    at: datetime | None = None,
    exclude_pk: int | None = None,
    limit: int = 10,
    likely_only: bool = False,
    window_days: int = WINDOW_DAYS,
) -> list[Candidate]:
    """Open cases the actor may see (every open case for `actor=None`: the public form, which then shows
    only public fields) that may be the same problem, best first.

    From the point's community (its grid and the grids beside it share the 12-digit prefix) or within
    RADIUS_M, reported in the WINDOW_DAYS before `at`."""
    from gridgov.cases.selectors import visible_cases
    from gridgov.routing.models import Category

    at = at or timezone.now()
    dlat = RADIUS_M / 111_320
    dlon = RADIUS_M / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    near = {"lat__range": (lat - dlat, lat + dlat), "lon__range": (lon - dlon, lon + dlon)}
    qs = (visible_cases(actor) if actor is not None else Case.objects.all()).filter(
        status__in=OPEN_STATUSES, reported_at__gte=at - timedelta(days=window_days), reported_at__lte=at
    )
    where = Q(**near)
    if len(grid_code) >= 12:
        where |= Q(grid__code__startswith=grid_code[:12])
    qs = qs.filter(where).select_related("category").order_by("-reported_at")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    parent_id = (
        Category.objects.filter(pk=category_id).values_list("parent_id", flat=True).first() if category_id else None
    )
    found = []
    for other in qs[:300]:
        distance = distance_m(lon, lat, other.lon, other.lat)
        similarity = text_score(title, description, other.title, other.description)
        same, related, category = _category_score(category_id, parent_id, other)
        place = max(0.0, 1.0 - distance / (2 * RADIUS_M))  # 1 on the spot, 0.5 at the radius, 0 at twice it
        score = (
            (WEIGHTS["title"] + WEIGHTS["text"]) * similarity
            + WEIGHTS["place"] * place
            + WEIGHTS["category"] * category
        )
        candidate = Candidate(other, round(distance, 1), round(similarity, 3), same, related, round(score, 3))
        if not likely_only or candidate.likely:
            found.append(candidate)
    found.sort(key=lambda c: (-c.score, c.distance_m))
    return found[:limit]


def answer(
    actor: Actor | None,
    *,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    title: str,
    description: str = "",
    category: str | None = None,
) -> dict:
    """GET /api/v1/cases/duplicates: the likely duplicates of a report about to be made.

    For the public (`actor=None`) only likely ones, and only what the public case view shows: number,
    title (phone numbers masked), status, category, day reported, distance — never who reported it."""
    from gridgov.cases.wording import status_name
    from gridgov.core.errors import BadInput
    from gridgov.core.geo import CoordinateError, point_to_wgs84
    from gridgov.core.privacy import mask_phones
    from gridgov.grids.locator import current_locator
    from gridgov.routing import selectors as routing

    try:
        x, y = point_to_wgs84(lon, lat, crs)
    except CoordinateError as exc:
        raise BadInput(str(exc)) from exc
    cat = routing.category(category) if category else None
    found = candidates(
        actor,
        lon=x,
        lat=y,
        title=title,
        description=description,
        grid_code=current_locator().locate(x, y) or "",
        category_id=cat.pk if cat else None,
        likely_only=actor is None,
        limit=5 if actor is None else 10,
    )
    items = []
    for c in found:
        item = {
            "number": c.case.number,
            "title": mask_phones(c.case.title),
            "status": c.case.status,
            "status_name": status_name(c.case.status),
            "category": c.case.category.name if c.case.category else None,
            "reported_on": timezone.localtime(c.case.reported_at).date().isoformat(),
            "distance_m": c.distance_m,
            "score": c.score,
            "likely": c.likely,
        }
        if actor is not None:
            item.update(similarity=c.similarity, same_category=c.same_category, grid=c.case.grid.code)
        items.append(item)
    return {"threshold": THRESHOLD, "items": items}
