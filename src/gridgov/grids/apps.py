from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "gridgov.grids"
    label = "grids"
    verbose_name = "网格"
