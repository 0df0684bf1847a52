"""Who is acting, and where they may act (the scope rules used by every service)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.people.models import Post, Role, in_force


def covers(scope: str, code: str) -> bool:
    """A post's scope covers a code when it is the code or an ancestor grid (codes nest by prefix)."""
    if scope.startswith("D") or code.startswith("D"):
        return scope == code
    return code.startswith(scope)


def nearest_scope(scopes, codes) -> str:
    """Of a person's scopes in one role, the one nearest to a case's codes (the most specific that
    covers one of them), else the first: the unit or grid they acted for."""
    scopes = [s for s in scopes if s]
    codes = [c for c in codes if c]
    for scope in sorted(scopes, key=len, reverse=True):
        if any(covers(scope, code) for code in codes):
            return scope
    return scopes[0] if scopes else ""


@dataclass(frozen=True)
class Actor:
    """A signed-in person with their posts in force (active, and within their dates: a post past its end
    date grants nothing), or a system/anonymous actor (user None)."""

    user: object | None
    posts: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (role, scope)
    label: str = ""

    @classmethod
    def of(cls, user) -> Actor:
        posts = tuple(Post.objects.filter(in_force(), user=user).values_list("role", "scope"))
        return cls(user=user, posts=posts, label=user.get_username())

    @classmethod
    def anonymous(cls, label: str = "resident") -> Actor:
        return cls(user=None, label=label)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user=None, posts=(("system", ""),), label=label)

    @property
    def is_system(self) -> bool:
        return ("system", "") in self.posts

    @property
    def roles(self) -> set[str]:
        return {role for role, _ in self.posts}

    def scopes(self, role: str) -> list[str]:
        return [scope for r, scope in self.posts if r == role]

    def can(self, role: str, code: str) -> bool:
        """Holds `role` with a scope covering `code`."""
        return any(covers(scope, code) for scope in self.scopes(role))

    def can_any(self, roles, code: str) -> bool:
        return any(self.can(role, code) for role in roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


def admin_actor(user) -> Actor:
    """The admin site's user as an actor: a superuser acts as an administrator, anyone else by their posts."""
    if getattr(user, "is_superuser", False):
        return Actor(user=user, posts=(("admin", ""),), label=user.get_username())
    return Actor.of(user)
