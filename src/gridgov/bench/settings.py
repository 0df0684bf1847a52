"""Settings of `gridgov bench intake`'s server (基准测试): production's, plus the bench's URL map.

Only the bench selects this module (DJANGO_SETTINGS_MODULE=gridgov.bench.settings in the processes it
starts, with the development environment of gridgov.devenv): the minimal endpoint it measures intake
against is never in the production URL map.
"""

from gridgov.settings import *  # noqa: F403

ROOT_URLCONF = "gridgov.bench.urls"
