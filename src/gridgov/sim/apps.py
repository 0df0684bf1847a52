from django.apps import AppConfig


class SimConfig(AppConfig):
    name = "gridgov.sim"
    label = "sim"
    verbose_name = "模拟"
