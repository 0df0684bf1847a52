from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CoreConfig(AppConfig):
    name = "gridgov.core"
    label = "core"
    verbose_name = pgettext_lazy("app", "Audit log and system")

    def ready(self):
        from gridgov.core import checks  # noqa: F401  gridgov's own `check --deploy` warnings
