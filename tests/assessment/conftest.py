"""The closed-loop fixtures (API clients signed in as demo accounts, a known spot) serve here too."""

from tests.cases.conftest import Api, account, api, spot  # noqa: F401  (pytest fixtures)
