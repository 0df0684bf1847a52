"""The simulation's cast (演员表): the demo city's accounts as actors, looked up by role and scope."""

from __future__ import annotations

from gridgov.people.actors import Actor, covers
from gridgov.people.models import Post


class Cast:
    """The demo accounts as actors, read once (two queries), looked up by scope."""

    def __init__(self):
        posts = Post.objects.filter(active=True).select_related("user").order_by("scope", "role", "id")
        self.by_user: dict[str, tuple[object, list[tuple[str, str]]]] = {}
        self.by_role: dict[str, dict[str, list[str]]] = {}
        for post in posts:
            name = post.user.get_username()
            self.by_user.setdefault(name, (post.user, []))[1].append((post.role, post.scope))
            self.by_role.setdefault(post.role, {}).setdefault(post.scope, []).append(name)
        self._actors: dict[str, Actor] = {}

    def actor(self, username: str) -> Actor:
        found = self._actors.get(username)
        if found is None:
            user, posts = self.by_user[username]
            found = self._actors[username] = Actor(user=user, posts=tuple(posts), label=username)
        return found

    def holder(self, role: str, code: str) -> str | None:
        """The account holding `role` nearest to `code`: the code's own post, else the nearest ancestor's."""
        scopes = self.by_role.get(role, {})
        if code.startswith("D"):
            return scopes.get(code, [None])[0]
        for n in range(len(code), 5, -3):
            if code[:n] in scopes:
                return scopes[code[:n]][0]
        return None

    def unit_handler(self, unit: str) -> str | None:
        """Who signs for a lead unit: the department's handler, or the grid's worker or leader."""
        if unit.startswith("D"):
            return self.holder("department_handler", unit)
        for role in ("grid_worker", "grid_leader"):
            name = self.scoped(role, unit)
            if name:
                return name
        return None

    def scoped(self, role: str, code: str) -> str | None:
        """An account with `role` whose scope covers `code` (its own grid first)."""
        name = self.holder(role, code)
        if name and any(r == role and covers(s, code) for r, s in self.by_user[name][1]):
            return name
        return None

    def dispatcher(self, platform: str) -> str | None:
        """The platform's dispatcher, else the district's."""
        return self.holder("dispatcher", platform) or self.holder("dispatcher", platform[:6])

    def checker(self, grid: str, not_user) -> str | None:
        """A grid worker or leader of the case's grid who did not resolve it (核查)."""
        for role in ("grid_worker", "grid_leader"):
            name = self.scoped(role, grid)
            if name and self.by_user[name][0] != not_user:
                return name
        return None
