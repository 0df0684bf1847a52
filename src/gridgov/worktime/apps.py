from django.apps import AppConfig


class WorktimeConfig(AppConfig):
    name = "gridgov.worktime"
    label = "worktime"
    verbose_name = "工作日历"
