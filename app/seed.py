"""Reference data every portal needs: the metric catalogue and the built-in permission classes.

Idempotent: only what is missing is added, so the Zentrale's later edits stay.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.classes import BUILTIN_CLASSES
from app.models import Grant, Metric, PermissionClass
from kpi.catalogue import CATALOGUE


async def seed_reference_data(session: AsyncSession) -> list[str]:
    """Add missing catalogue metrics and permission classes; returns what was added."""
    added: list[str] = []
    metric_keys = set(await session.scalars(select(Metric.key)))
    for position, m in enumerate(CATALOGUE):
        if m.key in metric_keys:
            continue
        session.add(
            Metric(
                key=m.key,
                label_de=m.label_de,
                label_en=m.label_en,
                unit=m.unit,
                domain=m.domain,
                kind=m.kind,
                time_kind=m.time_kind,
                formula=m.formula,
                better=m.better,
                decimals=m.decimals,
                sensitive=m.sensitive,
                position=position * 10,
                active=True,
            )
        )
        added.append(f"metric:{m.key}")
    class_keys = set(await session.scalars(select(PermissionClass.key)))
    for c in BUILTIN_CLASSES:
        if c.key in class_keys:
            continue
        session.add(
            PermissionClass(
                key=c.key,
                name=c.name,
                description=c.description,
                for_partner_users=c.for_partner_users,
                grants=[Grant(action=g.action, domain=g.domain, scope=g.scope) for g in c.grants],
            )
        )
        added.append(f"class:{c.key}")
    await session.flush()
    return added
