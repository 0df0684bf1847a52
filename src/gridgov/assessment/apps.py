from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AssessmentConfig(AppConfig):
    name = "gridgov.assessment"
    label = "assessment"
    verbose_name = pgettext_lazy("app", "Assessment")
