from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PointsConfig(AppConfig):
    name = "gridgov.points"
    label = "points"
    verbose_name = pgettext_lazy("app", "Points and the 爱心超市")
