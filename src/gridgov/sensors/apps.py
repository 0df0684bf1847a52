from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SensorsConfig(AppConfig):
    name = "gridgov.sensors"
    label = "sensors"
    verbose_name = pgettext_lazy("app", "Sensors")
