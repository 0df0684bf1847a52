"""Signals other apps listen to without cases importing them (a lower app never imports a higher one)."""

from django.dispatch import Signal

# Sent after commit, from the batched follow-up task of the steps (tasks.notify_case_events), with
# `event_ids`: the CaseEvent primary keys in the order they were written. Receivers run in the outbox
# task's transaction: what they write commits with it, and a failure sends the whole batch again later,
# so they must write nothing twice (exchange: webhooks and the 12345 pushes).
case_events_committed = Signal()
