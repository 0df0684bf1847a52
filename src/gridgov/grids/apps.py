from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class GridsConfig(AppConfig):
    name = "gridgov.grids"
    label = "grids"
    verbose_name = pgettext_lazy("app", "Grids")
