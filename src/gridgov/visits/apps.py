from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class VisitsConfig(AppConfig):
    name = "gridgov.visits"
    label = "visits"
    verbose_name = pgettext_lazy("app", "Household visits")
