from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class Open311Config(AppConfig):
    name = "gridgov.open311"
    label = "open311"
    verbose_name = pgettext_lazy("app", "Open311 GeoReport v2")
