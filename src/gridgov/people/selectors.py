from gridgov.people.models import Post


def grid_people(code: str) -> list[dict]:
    """The public board of a grid (公开姓名、单位、职务和联系电话): its own posts, public ones only."""
    posts = Post.objects.filter(scope=code, active=True, public=True).select_related("user").order_by("role", "id")
    return [{"name": p.user.first_name or p.user.get_username(), "role": p.role, "title": p.title, "phone": p.phone}
            for p in posts]
