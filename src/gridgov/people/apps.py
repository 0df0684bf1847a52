from django.apps import AppConfig
from django.core import checks
from django.utils.translation import pgettext_lazy


class PeopleConfig(AppConfig):
    name = "gridgov.people"
    label = "people"
    verbose_name = pgettext_lazy("app", "People and units")

    def ready(self):
        from gridgov.grids.selectors import SUMMARY_PARTS
        from gridgov.people import signals  # noqa: F401  tokens end with the password and the account
        from gridgov.people.selectors import grid_people

        SUMMARY_PARTS["people"] = grid_people  # a grid's detail shows its public board
        checks.register(grid_size_rules_check)


def grid_size_rules_check(app_configs, **kwargs):
    """GRIDGOV_GRID_SIZE_RULES is well formed (people/grid_size.py), or the server says which entry is not."""
    from gridgov.people.grid_size import rule_problems

    return [checks.Error(f"GRIDGOV_GRID_SIZE_RULES {p}", id="gridgov.people.E001") for p in rule_problems()]
