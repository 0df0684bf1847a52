from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class WorktimeConfig(AppConfig):
    name = "gridgov.worktime"
    label = "worktime"
    verbose_name = pgettext_lazy("app", "Working calendar")
