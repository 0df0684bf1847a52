"""Background work of points: credit what the layers below earned (accepted reports, 党员报到 hours).

Every ten minutes, long before cases.retention erases a closed case's reporter phone (after which nobody
can be matched); every credit is written once however often this runs (points/sources.py)."""

from __future__ import annotations

from gridgov.core.tasks import task
from gridgov.points import sources


@task(every=600)
def sync_credits() -> dict[str, int]:
    """Credit accepted reports and volunteer hours not credited yet; returns how many of each."""
    return sources.sync()
