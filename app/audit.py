"""Writing the audit log: every data change, sign-in event, permission change and moderation act."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import AuditEvent


def record(
    session: AsyncSession | Session,
    actor_id: int | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    client: str | None = None,
    **detail: object,
) -> None:
    """Add an audit event to the caller's transaction: it is kept exactly when the change it describes is."""
    session.add(
        AuditEvent(
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id)[:60],
            client=client,
            detail=detail,
        )
    )
