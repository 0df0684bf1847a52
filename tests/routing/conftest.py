import pytest

from gridgov.routing.services import load_all


@pytest.fixture
def loaded(db):
    """The shipped trees, the demo district's units and its catalogue, loaded through the real services."""
    return load_all(district="410102")
