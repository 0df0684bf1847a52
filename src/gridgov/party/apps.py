from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PartyConfig(AppConfig):
    name = "gridgov.party"
    label = "party"
    verbose_name = pgettext_lazy("app", "Party building in the grids")
