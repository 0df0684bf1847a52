"""Signing in and out (登录/退出登录): where each role lands, who the header says is signed in, the
"登录已过期" notice, and the page a stale form gets instead of Django's raw CSRF 403.

A person lands on the page of their work: dispatchers the console, department handlers the department
queue, grid workers and grid leaders the phone pages, leaders the dashboard, auditors the audit page,
administrators the admin. Deputies, supervisors and mediators land on their workspace (/home/, web/home.py:
their posts, their tasks, the pages they may open). A safe `next` wins over all of these.
"""

from __future__ import annotations

from typing import cast

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme

from gridgov.core.errors import NotAuthenticated, TooMany
from gridgov.core.throttle import client_address
from gridgov.party import selectors as party_selectors
from gridgov.people import login_guard
from gridgov.people.actors import Actor
from gridgov.people.models import Role
from gridgov.people.selectors import person_name

# (role, page) in the order that decides for a person with several posts: the daily queue first.
# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
LANDINGS = cast(
    tuple[tuple[str, str], ...],
    (
        (Role.DISPATCHER, "web:console"),
        (Role.DEPARTMENT_HANDLER, "web:dept"),
        (Role.GRID_WORKER, "web:m"),
        (Role.GRID_LEADER, "web:m"),
        (Role.SUPERVISOR, "web:home"),
        (Role.LEADER, "assessment:dashboard"),
        (Role.ADMIN, "admin:index"),
        (Role.AUDITOR, "web:audit"),
        (Role.DEPUTY, "web:home"),
        (Role.MEDIATOR, "web:home"),
    ),
)
# Set when someone signs in, removed when they sign out: a visitor who still has it but no session
# was signed in before and their session ran out (登录已过期), rather than new here.
SIGNED_IN_COOKIE = "gridgov_signed_in"
SIGNED_IN_COOKIE_AGE = 365 * 24 * 3600


def primary_role(actor: Actor) -> str | None:
    """The role a person works in first (the one their landing page is for)."""
    return next((role for role, _ in LANDINGS if role in actor.roles), None)


def home_page_for(actor: Actor) -> str:
    """The page a person lands on after signing in (the map for someone without a post, unless they are a
    party member: 我的工作台 shows their households and the calls they may answer)."""
    role = primary_role(actor)
    if role is None:
        return reverse("web:home" if party_selectors.member_of_user(actor.user) else "web:map")
    page = dict(LANDINGS)[role]
    if role == Role.ADMIN and not getattr(actor.user, "is_staff", False):
        page = "web:console"  # the admin site needs the staff flag; the console takes administrators
    return reverse(page)


def signed_in(request) -> dict:
    """Context processor: `signed_in` = {name, role_name, label} of the person signed in ("网格员
    张三"), looked up only when a page shows it. Absent for visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def describe() -> dict:
        role = primary_role(Actor.of(user))
        role_name = Role(role).label if role else ""
        name = person_name(user)
        return {"name": name, "role_name": role_name, "label": f"{role_name} {name}".strip()}

    return {"signed_in": SimpleLazyObject(describe)}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the password checked by people.login_guard: throttled per account and
    per client address (`throttled` then says how long to wait), each failure logged and audited."""

    throttled = ""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_guard.authenticate(
                    username=username,
                    password=password,
                    via="web",
                    client=client_address(self.request),
                    request=self.request,
                )
            except TooMany as exc:
                self.throttled = exc.message
                raise ValidationError(exc.message, code="throttled") from exc
            except NotAuthenticated as exc:
                raise self.get_invalid_login_error() from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin site's sign-in (staff flag required), bounded and logged the same way."""


class SignInView(auth_views.LoginView):
    """登录: the styled form; then the person's own page (or a safe `next`)."""

    template_name = "web/login.html"
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response

    def get_default_redirect_url(self):
        return home_page_for(Actor.of(self.request.user))

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(
            SIGNED_IN_COOKIE,
            "1",
            max_age=SIGNED_IN_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=self.request.is_secure(),
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        context["expired"] = (
            request.method == "GET"
            and not request.user.is_authenticated
            and request.COOKIES.get(SIGNED_IN_COOKIE) == "1"
        )
        return context


class SignOutView(auth_views.LogoutView):
    """退出登录 (POST only, with the CSRF token): back to the sign-in page, with no 登录已过期 notice."""

    next_page = "web:login"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
        return response


def csrf_failure(request, reason: str = ""):
    """settings.CSRF_FAILURE_VIEW: a form sent from a page open too long (or after signing out
    elsewhere) — in words, with the way back to the page it came from."""
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    return render(request, "web/csrf_failure.html", {"back": back or reverse("web:map")}, status=403)
