from collections.abc import Iterable

from gridgov.grids.models import Grid
from gridgov.people.models import Post, Unit


def grid_people(code: str) -> list[dict]:
    """The public board of a grid (公开姓名、单位、职务和联系电话): its own posts, public ones only."""
    posts = Post.objects.filter(scope=code, active=True, public=True).select_related("user").order_by("role", "id")
    return [{"name": p.user.first_name or p.user.get_username(), "role": p.role, "title": p.title, "phone": p.phone}
            for p in posts]


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    """code → name for unit codes (D…) and grid codes (codes are unique, retired grids included)."""
    codes = {c for c in codes if c}
    names = dict(Unit.objects.filter(code__in=[c for c in codes if c.startswith("D")]).values_list("code", "name"))
    names.update(Grid.objects.filter(code__in=[c for c in codes if not c.startswith("D")]).values_list("code", "name"))
    return names
