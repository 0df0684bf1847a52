from collections.abc import Iterable

from gridgov.grids.models import Grid
from gridgov.people.models import Post, Unit, in_force


def grid_people(code: str) -> list[dict]:
    """The public board of a grid (公开姓名、单位、职务和联系电话): its own public posts in force, as the seeds
    publish them — name, unit (单位), post (职务: the kind, 专职/兼职 for workers, else the free title) and the
    post's work phone. One person with two posts here is listed twice, once per post."""
    posts = Post.objects.filter(in_force(), scope=code, public=True).select_related("user").order_by("role", "id")
    return [
        {
            "name": p.user.first_name or p.user.get_username(),
            "role": p.role,
            "kind": p.kind,
            "post": p.kind_name or p.title,
            "title": p.title,
            "workplace": p.workplace,
            "phone": p.phone,
        }
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
