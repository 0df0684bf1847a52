from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CoreConfig(AppConfig):
    name = "gridgov.core"
    label = "core"
    verbose_name = pgettext_lazy("app", "Audit log and system")
