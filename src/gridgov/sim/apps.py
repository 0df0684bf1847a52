from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SimConfig(AppConfig):
    name = "gridgov.sim"
    label = "sim"
    verbose_name = pgettext_lazy("app", "Demo city")
