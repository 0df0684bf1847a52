"""Scoring schemes are configuration (考核方案): edited here, checked and saved by the service."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridgov.assessment import scoring, services
from gridgov.assessment.models import ScoringScheme
from gridgov.core.errors import GridgovError


class SchemeForm(forms.ModelForm):
    class Meta:
        model = ScoringScheme
        fields = ("code", "name", "subject", "level", "total", "bonus_cap", "items", "active")
        help_texts = {
            "items": _(
                "A JSON list of items: key, label, input, rule (rate, per_count, target, bonus), "
                "points, and per or target where the rule needs them."
            )
        }

    def clean_items(self):
        items = self.cleaned_data["items"]
        try:
            scoring.validate_items(items)
        except GridgovError as exc:
            raise ValidationError(exc.message) from exc
        return items


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(admin.ModelAdmin):
    form = SchemeForm
    list_display = ("code", "name", "subject", "level", "total", "bonus_cap", "item_count", "active")
    list_filter = ("subject", "level", "active")
    search_fields = ("code", "name")

    @admin.display(description=_("items"))
    def item_count(self, obj):
        return len(obj.items)

    def save_model(self, request, obj, form, change):
        """Through the service, so that the change is checked and written to the audit log."""
        data = form.cleaned_data
        saved = services.save_scheme(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            subject=data["subject"],
            items=data["items"],
            level=data["level"],
            total=data["total"],
            bonus_cap=data["bonus_cap"],
            active=data["active"],
        )
        obj.pk = saved.pk

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    # schemes are switched off (active), never deleted: last month's scores were made with them
    def has_delete_permission(self, request, obj=None):
        return False
