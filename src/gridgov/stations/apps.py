from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class StationsConfig(AppConfig):
    name = "gridgov.stations"
    label = "stations"
    verbose_name = pgettext_lazy("app", "Service stations")
