"""Exchange in the admin: webhook subscriptions (saved through exchange.webhooks: the secret is shown once, on
the page after saving or rotating) and the outbound messages with their delivery log, which the admin only
reads — but a person may send a message again (重新投递: outbound.redeliver), from the list or its page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_forms import ServiceAdminMixin, ServiceForm, ViewOnlyAdminMixin
from gridgov.exchange import outbound, webhooks
from gridgov.exchange.models import DeliveryAttempt, OutboundMessage, Subscription

# ---- webhook subscriptions ------------------------------------------------------------------------------------


class SubscriptionForm(ServiceForm):
    url = forms.URLField(label=pgettext_lazy("webhooks", "URL"), max_length=500, assume_scheme="https")
    events = forms.CharField(
        label=pgettext_lazy("webhooks", "events"),
        required=False,
        help_text=_("case actions separated by commas, such as dispatch,close; empty: every action"),
    )

    class Meta:
        model = Subscription
        fields = ("name", "url", "events", "region", "active")

    secret = ""  # the plain secret of a new subscription, once saved

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["events"] = ",".join(self.instance.events)

    def clean_events(self) -> list[str]:
        raw = self.cleaned_data.get("events") or ""
        return [e.strip() for e in raw.replace("，", ",").split(",") if e.strip()]

    def apply(self, actor):
        values = {
            "name": self.value("name"),
            "url": self.value("url"),
            "events": self.value("events"),
            "region": self.value("region") or "",
        }
        if self.instance.pk is None:
            sub, self.secret = webhooks.create_subscription(**values, actor=actor)
            self.instance.plain_secret = self.secret  # for the page after saving (response_add), never stored
            return sub
        return webhooks.update_subscription(
            subscription_id=self.instance.pk, **values, active=bool(self.value("active")), actor=actor
        )


@admin.register(Subscription)
class SubscriptionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Outside systems' subscriptions to case events. Switched off, never deleted (their messages name them)."""

    form = SubscriptionForm
    list_display = ("name", "url", "events_text", "region", "active", "inactive_reason", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    actions = ("rotate", "switch_off")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "url", "events", "region")
        return ("name", "url", "events", "region", "active", "inactive_reason", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("inactive_reason", "created_at")

    @admin.display(description=pgettext_lazy("webhooks", "events"))
    def events_text(self, sub: Subscription) -> str:
        return ", ".join(sub.events) or gettext("every action")

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(obj, "plain_secret", "")  # set by the form's apply (the service made it)
        if secret:
            messages.warning(
                request,
                gettext("The secret of %(name)s is %(secret)s — copy it now: it is shown only this once.")
                % {"name": obj.name, "secret": secret},
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Give the selected subscriptions a new secret"))
    def rotate(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            sub, plain = webhooks.rotate_secret(subscription_id=pk, actor=request.user)
            messages.warning(
                request,
                gettext("The new secret of %(name)s is %(secret)s — copy it now: it is shown only this once.")
                % {"name": sub.name, "secret": plain},
            )

    @admin.action(description=_("Switch the selected subscriptions off"))
    def switch_off(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            webhooks.deactivate_subscription(subscription_id=pk, actor=request.user)


# ---- outbound messages and their delivery log ------------------------------------------------------------------


class DeliveryAttemptInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = DeliveryAttempt
    fields = ("at", "status_code", "outcome", "error", "response", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """What was sent out and how each try went; written by exchange.outbound only."""

    list_display = ("id", "destination", "stream", "seq", "kind", "status", "attempts", "next_at", "short_error")
    list_filter = ("status", "destination", "kind")
    search_fields = ("stream", "destination", "kind")
    date_hierarchy = "created_at"
    list_per_page = 100
    inlines = (DeliveryAttemptInline,)
    actions = ("redeliver",)
    change_form_template = "admin/exchange/outboundmessage/change_form.html"

    @admin.display(description=_("last error"))
    def short_error(self, message: OutboundMessage) -> str:
        return message.last_error.splitlines()[-1][:120] if message.last_error else ""

    def has_redeliver_permission(self, request) -> bool:
        # the admin changes no message row itself; sending one again is what "change" allows
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def _redelivered(self, request, ids: list[int]) -> None:
        count = outbound.redeliver(ids=ids, actor=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)d message will be sent again in the next round.",
                "%(count)d messages will be sent again in the next round.",
                count,
            )
            % {"count": count},
        )

    @admin.action(description=_("Deliver the selected messages again"), permissions=["redeliver"])
    def redeliver(self, request, queryset):
        self._redelivered(request, list(queryset.values_list("pk", flat=True)))

    def get_urls(self):
        return [
            path(
                "<int:object_id>/redeliver/",
                self.admin_site.admin_view(self.redeliver_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_redeliver",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_redeliver"] = self.has_redeliver_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def redeliver_view(self, request, object_id: int):
        """The button on a message's page (重新投递): a POST, from the form the page shows."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_redeliver_permission(request):
            raise PermissionDenied
        message = get_object_or_404(OutboundMessage, pk=object_id)
        self._redelivered(request, [message.pk])
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[message.pk])
        )
