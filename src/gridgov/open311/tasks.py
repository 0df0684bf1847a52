from gridgov.core.tasks import task


@task(every=6 * 3600)
def erase_expired_emails() -> None:
    """Open311 reporters' e-mails erased with their case's contact data (open311.retention)."""
    from gridgov.open311.retention import erase_expired_emails as erase

    erase()
