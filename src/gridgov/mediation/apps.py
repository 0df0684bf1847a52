from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class MediationConfig(AppConfig):
    name = "gridgov.mediation"
    label = "mediation"
    verbose_name = pgettext_lazy("app", "Dispute mediation")
