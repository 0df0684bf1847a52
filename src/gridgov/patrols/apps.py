from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PatrolsConfig(AppConfig):
    name = "gridgov.patrols"
    label = "patrols"
    verbose_name = pgettext_lazy("app", "Patrols")
