"""Exchange's background work: sending what waits in the outbound messages."""

from gridgov.core.tasks import task


@task(every=5)
def deliver_outbound() -> None:
    """Every few seconds: the due messages of every destination, in order per stream (outbound.py)."""
    from gridgov.exchange.outbound import deliver_due

    deliver_due()


@task(every=30)
def pull_12345() -> None:
    """Every half minute, when GRIDGOV_12345_URL is set: new work orders from the city platform."""
    from gridgov.exchange.hotline.config import current
    from gridgov.exchange.hotline.pull import pull_orders

    config = current()
    if config.enabled:
        pull_orders(config=config)
