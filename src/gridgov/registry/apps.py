from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class RegistryConfig(AppConfig):
    name = "gridgov.registry"
    label = "registry"
    verbose_name = pgettext_lazy("app", "Registry of addresses, residents, buildings and organisations")

    def ready(self) -> None:
        from gridgov.grids.division import SERVICES
        from gridgov.people.actors import Actor
        from gridgov.registry.division import accept_division, propose_division

        SERVICES["propose"] = propose_division
        SERVICES["accept_as_system"] = lambda **kw: accept_division(actor=Actor.system("cli"), **kw)
