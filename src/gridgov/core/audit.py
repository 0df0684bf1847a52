from typing import Any

from gridgov.core.models import AuditEvent


def record(*, actor=None, action: str, object_type: str, object_id: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Write one audit event; called by service functions inside their transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
    )
