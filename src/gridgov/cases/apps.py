from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CasesConfig(AppConfig):
    name = "gridgov.cases"
    label = "cases"
    verbose_name = pgettext_lazy("app", "Cases")

    def ready(self):
        from gridgov.cases.chains import verify_chains
        from gridgov.core import backup

        if verify_chains not in backup.CHAIN_CHECK:
            backup.CHAIN_CHECK.append(verify_chains)  # a restore checks every case's chain (core/backup/restore.py)
