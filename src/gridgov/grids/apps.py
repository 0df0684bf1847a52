from django.apps import AppConfig
from django.core import checks
from django.utils.translation import pgettext_lazy


class GridsConfig(AppConfig):
    name = "gridgov.grids"
    label = "grids"
    verbose_name = pgettext_lazy("app", "Grids")

    def ready(self):
        checks.register(grid_size_rules_check)


def grid_size_rules_check(app_configs, **kwargs):
    """GRIDGOV_GRID_SIZE_RULES is well formed (grids/size_rules.py), or the server says which entry is not."""
    from gridgov.grids.size_rules import rule_problems

    return [checks.Error(f"GRIDGOV_GRID_SIZE_RULES {p}", id="gridgov.grids.E001") for p in rule_problems()]
