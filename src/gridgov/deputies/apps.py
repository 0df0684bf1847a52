from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DeputiesConfig(AppConfig):
    name = "gridgov.deputies"
    label = "deputies"
    verbose_name = pgettext_lazy("app", "Deputies in the grids")
