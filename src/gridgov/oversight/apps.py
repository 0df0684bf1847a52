from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OversightConfig(AppConfig):
    name = "gridgov.oversight"
    label = "oversight"
    verbose_name = pgettext_lazy("app", "Supervisors")
