from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CasesConfig(AppConfig):
    name = "gridgov.cases"
    label = "cases"
    verbose_name = pgettext_lazy("app", "Cases")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from gridgov.cases.chains import verify_chains
        from gridgov.core import backup
        from gridgov.worktime.models import WorkdayOverride

        # a working-calendar change may move running clocks' yellow moments (cases.services.sweep.calendar_changed)
        post_save.connect(_calendar_changed, sender=WorkdayOverride, dispatch_uid="cases-calendar-changed")
        post_delete.connect(_calendar_changed, sender=WorkdayOverride, dispatch_uid="cases-calendar-deleted")
        if verify_chains not in backup.CHAIN_CHECK:
            backup.CHAIN_CHECK.append(verify_chains)  # a restore checks every case's chain (core/backup/restore.py)


def _calendar_changed(sender, **kwargs) -> None:
    from gridgov.cases.services.sweep import calendar_changed

    calendar_changed()
