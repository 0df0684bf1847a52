import pytest

from gridgov.worktime.calendar import forget_overrides
from tests.worktime.util import HOURS


@pytest.fixture(autouse=True)
def default_hours(settings):
    """Pin the hours the expectations are computed with, whatever the deployment configures."""
    settings.GRIDGOV_WORKING_HOURS = HOURS


@pytest.fixture(autouse=True)
def fresh_snapshot():
    """No test sees another's overrides: transactional tests flush tables behind the cache's back."""
    forget_overrides()
    yield
    forget_overrides()
