"""The in-app inbox (通知, /inbox/) for every signed-in staff member, and the unread badge that each
staff page shows in its header (web/_inbox_badge.html; the count comes from the context processor
gridgov.notifications.context_processors.inbox and refreshes itself every minute through htmx).

A notification stores one link for everyone (a console path); each reader is sent to the case page of
their own pages, decided when the list is shown: dispatchers, leaders and supervisors to /console/,
department handlers to /dept/, grid staff to /m/.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.notifications import selectors, services
from gridgov.people.actors import Actor
from gridgov.web import partials
from gridgov.web.console import CONSOLE_ROLES
from gridgov.web.mobile import GRID_ROLES

CASE_LINK = re.compile(r"^/(?:console|dept|m)/cases/(?P<number>[0-9A-Za-z-]+)/$")


def reader_link(link: str, roles: set[str]) -> str:
    """The page a stored link means for this reader: a case link goes to the case page of the reader's
    own pages; any other path stays as it is; anything but a path on this site is dropped."""
    match = CASE_LINK.match(link or "")
    if match is None:
        return link if link.startswith("/") and not link.startswith("//") else ""
    number = match["number"]
    if roles & CONSOLE_ROLES:
        return reverse("web:console-case", args=[number])
    if "department_handler" in roles:
        return reverse("web:dept-case", args=[number])
    if roles & set(GRID_ROLES):
        return reverse("web:m-case", args=[number])
    return link


def home_links(roles: set[str]) -> list[dict]:
    """The reader's own pages, to go back to from the inbox."""
    links = []
    if roles & CONSOLE_ROLES:
        links.append({"url": reverse("web:console"), "name": _("Dispatcher console")})
    if "department_handler" in roles:
        links.append({"url": reverse("web:dept"), "name": _("Department queue")})
    if roles & set(GRID_ROLES):
        links.append({"url": reverse("web:m"), "name": _("My tasks")})
    return links


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 7 else 1


@partials.staff_login_required
@require_GET
def inbox(request):
    """收件箱: my notifications, newest first (all, or only the unread ones), a page at a time."""
    unread_only = request.GET.get("show") == "unread"
    page = selectors.inbox_page(request.user, page=_page_number(request.GET.get("page")), unread_only=unread_only)
    roles = Actor.of(request.user).roles
    items = []
    for n in page.items:
        at = timezone.localtime(n.created_at)
        items.append(
            {
                "id": n.pk,
                "title": n.title,
                "body": n.body,
                "kind": n.kind,
                "subject": n.subject,
                "link": reader_link(n.link, roles),
                "read": n.read_at is not None,
                "when": at.strftime("%Y-%m-%d %H:%M"),
                "at": at.isoformat(),
            }
        )
    context = {
        "items": items,
        "page": page,
        "unread_only": unread_only,
        "homes": home_links(roles),
        "show": "unread" if unread_only else "",
    }
    return render(request, "web/inbox.html", context)


@partials.staff_login_required
@require_POST
def mark_read(request):
    """已读: the notifications posted as `id` (one or more of mine), or all of mine with `all`."""
    if request.POST.get("all"):
        ids = None
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isascii() and i.isdigit() and len(i) < 19]
    changed = services.mark_read(user=request.user, ids=ids) if ids is None or ids else 0
    if changed and not request.POST.get("quiet"):
        messages.success(request, _("Marked as read."))
    # back to the same view of the list
    query = {}
    if request.POST.get("show") == "unread":
        query["show"] = "unread"
    if _page_number(request.POST.get("page")) > 1:
        query["page"] = _page_number(request.POST.get("page"))
    return redirect(reverse("web:inbox") + (f"?{urlencode(query)}" if query else ""))


@partials.staff_login_required
@require_GET
def badge(request):
    """The badge alone, for its refresh every minute (htmx swaps it in place)."""
    return render(request, "web/_inbox_link.html")
