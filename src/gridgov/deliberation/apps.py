from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DeliberationConfig(AppConfig):
    name = "gridgov.deliberation"
    label = "deliberation"
    verbose_name = pgettext_lazy("app", "Deliberation")

    def ready(self):
        from gridgov.deliberation.selectors import board_matters
        from gridgov.grids.selectors import SUMMARY_PARTS

        SUMMARY_PARTS["deliberation"] = board_matters  # a grid's detail and board show its public matters
