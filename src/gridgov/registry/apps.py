from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class RegistryConfig(AppConfig):
    name = "gridgov.registry"
    label = "registry"
    verbose_name = pgettext_lazy("app", "Registry of addresses, residents, buildings and organisations")
