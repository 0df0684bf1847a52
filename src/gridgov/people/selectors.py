from collections.abc import Iterable

from gridgov.grids.models import Grid
from gridgov.people.models import Post, Unit


def grid_people(code: str) -> list[dict]:
    """The public board of a grid (公开姓名、单位、职务和联系电话): its own posts, public ones only."""
    posts = Post.objects.filter(scope=code, active=True, public=True).select_related("user").order_by("role", "id")
    return [
        {"name": p.user.first_name or p.user.get_username(), "role": p.role, "title": p.title, "phone": p.phone}
        for p in posts
    ]


def person_name(user) -> str:
    """How a person is named on pages: their full name (姓名), else their username."""
    return user.get_full_name().strip() or user.get_username()


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    """code → name for unit codes (D…) and grid codes (codes are unique, retired grids included)."""
    codes = {c for c in codes if c}
    names = dict(Unit.objects.filter(code__in=[c for c in codes if c.startswith("D")]).values_list("code", "name"))
    names.update(Grid.objects.filter(code__in=[c for c in codes if not c.startswith("D")]).values_list("code", "name"))
    return names


def district_units(districts: Iterable[str]) -> list[Unit]:
    """The active units (departments and other handlers, 单位) of these districts, by name: a dispatcher's list."""
    return list(Unit.objects.filter(district__in=set(districts), active=True).order_by("kind", "name", "code"))
