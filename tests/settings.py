"""The test suite's settings: production's (gridgov.settings) in a declared development environment.

The suite needs the demo apps (the demo city is built into the test database) and runs without
GRIDGOV_SECRET_KEY, as `gridgov demo` does (gridgov.devenv). Declared in os.environ, so that every process a
test starts (spawned racers, `python -m gridgov.cli …`) inherits it, whatever settings module it names.
"""

from gridgov.devenv import declare_development

declare_development()

from gridgov.settings import *  # noqa: E402, F403

# No category model unless a test writes one (a developer's var/models/ must not change other tests' results).
GRIDGOV_CLASSIFIER_MODEL = ""
