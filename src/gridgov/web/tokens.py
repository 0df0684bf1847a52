"""我的API令牌: a staff member's own API tokens, to see where they are used and revoke one (issue 10)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from gridgov.core.errors import NotFound
from gridgov.core.timefmt import local_minute
from gridgov.people.models import ApiToken
from gridgov.people.services import revoke_token
from gridgov.web import partials


@partials.staff_login_required
def tokens_page(request):
    now = timezone.now()
    rows = []
    for token in ApiToken.objects.filter(user=request.user).order_by("-id")[:100]:
        live = token.revoked_at is None and token.expires_at > now
        state = (
            pgettext("api tokens", "In use")
            if live
            else pgettext("api tokens", "Revoked")
            if token.revoked_at
            else pgettext("api tokens", "Expired")
        )
        rows.append(
            {
                "id": token.pk,
                "label": token.label,
                "signed_in": local_minute(token.created_at),
                "last_used": local_minute(token.last_used_at),
                "expires": local_minute(token.expires_at),
                "state": state,
                "live": live,
            }
        )
    return render(request, "web/tokens.html", {"rows": rows})


@partials.staff_login_required
@require_POST
def revoke(request, token_id: int):
    try:
        revoke_token(token_id=token_id, owner=request.user, actor=request.user)
    except NotFound as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, pgettext("api tokens", "The token is revoked: it no longer works."))
    return redirect("web:tokens")
