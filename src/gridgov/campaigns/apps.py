from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CampaignsConfig(AppConfig):
    name = "gridgov.campaigns"
    label = "campaigns"
    verbose_name = pgettext_lazy("app", "Campaigns and covert inspections")

    def ready(self):
        from gridgov.cases.uploads import register_photo_holder

        register_photo_holder(result_photo_ids)


def result_photo_ids() -> set[str]:
    """The photos of ticked checklist items (a problem's photos live on its case, which cases counts)."""
    from gridgov.campaigns.models import CheckResult

    ids: set[str] = set()
    for photos in CheckResult.objects.exclude(photos=[]).values_list("photos", flat=True).iterator():
        ids.update(p for p in photos or [] if isinstance(p, str))
    return ids
