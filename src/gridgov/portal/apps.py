from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PortalConfig(AppConfig):
    name = "gridgov.portal"
    label = "portal"
    verbose_name = pgettext_lazy("app", "Resident pages")
