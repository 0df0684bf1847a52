from django.apps import AppConfig
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
