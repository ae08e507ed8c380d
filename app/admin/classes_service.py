"""Permission classes and their grants, edited by the Zentrale; deny by default stays the rule."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import record
from app.auth.permissions import ALL_DOMAINS, Action
from app.models import Grant, PermissionClass, Territory, User, user_classes
from app.web.forms import InvalidForm
from kpi.catalogue import Domain

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
ACTION_LABELS = {
    Action.VIEW: "Zahlen sehen",
    Action.ENTER: "Zahlen erfassen",
    Action.BENCHMARK: "Betriebsvergleich",
    Action.CHAT: "Chat",
    Action.MODERATE: "Chat moderieren",
    Action.ADMINISTER: "Administration",
    Action.PLAN: "Ziele vorgeben",
    Action.AGREE: "Ziele bestätigen",
    Action.PUBLISH: "Dokumente bereitstellen",
}
DOMAIN_LABELS = {
    ALL_DOMAINS: "alle Bereiche",
    Domain.SALES: "Vertrieb",
    Domain.SERVICE: "Service",
    Domain.WARRANTY: "Garantie",
    Domain.RECEIVABLES: "Forderungen",
    Domain.MARKETING: "Marketing",
    Domain.STATISTICS: "Betriebsstatistik",
    Domain.MARKET: "Markt",
}
FIXED_SCOPES = {"all": "alle Partner", "own": "eigener Betrieb", "managed": "eigene Gebiete"}


async def classes_with_counts(session: AsyncSession) -> list[tuple[PermissionClass, int]]:
    classes = await session.scalars(
        select(PermissionClass).options(selectinload(PermissionClass.grants)).order_by(PermissionClass.name)
    )
    rows = await session.execute(select(user_classes.c.class_id, func.count()).group_by(user_classes.c.class_id))
    counts = {class_id: count for class_id, count in rows}
    return [(c, counts.get(c.id, 0)) for c in classes]


async def load_class(session: AsyncSession, class_id: int) -> PermissionClass | None:
    return await session.scalar(
        select(PermissionClass).where(PermissionClass.id == class_id).options(selectinload(PermissionClass.grants))
    )


async def scope_choices(session: AsyncSession) -> dict[str, str]:
    territories = await session.scalars(select(Territory).where(Territory.active).order_by(Territory.code))
    return {**FIXED_SCOPES, **{f"territory:{t.code}": f"Gebiet {t.name}" for t in territories}}


async def create_class(
    session: AsyncSession,
    actor_id: int,
    key: str,
    name: str,
    description: str,
    for_partner_users: bool,
    client: str | None,
) -> PermissionClass:
    errors = {}
    if not KEY.match(key):
        errors["key"] = (
            "Schlüssel: 2–40 Zeichen, Kleinbuchstaben, Ziffern und Unterstrich, beginnend mit einem Buchstaben."
        )
    elif await session.scalar(select(PermissionClass.id).where(PermissionClass.key == key)):
        errors["key"] = f"Den Schlüssel „{key}“ gibt es schon."
    if not name:
        errors["name"] = "Bitte einen Namen angeben."
    if errors:
        raise InvalidForm(errors)
    permission_class = PermissionClass(
        key=key, name=name, description=description, for_partner_users=for_partner_users, grants=[]
    )
    session.add(permission_class)
    await session.flush()
    record(
        session,
        actor_id,
        "permission_class.created",
        object_type="permission_class",
        object_id=key,
        client=client,
        name=name,
    )
    return permission_class


async def rename_class(
    session: AsyncSession,
    actor_id: int,
    permission_class: PermissionClass,
    name: str,
    description: str,
    client: str | None,
) -> None:
    if not name:
        raise InvalidForm({"name": "Bitte einen Namen angeben."})
    record(
        session,
        actor_id,
        "permission_class.changed",
        object_type="permission_class",
        object_id=permission_class.key,
        client=client,
        name=[permission_class.name, name],
    )
    permission_class.name, permission_class.description = name, description


async def add_grant(
    session: AsyncSession,
    actor_id: int,
    permission_class: PermissionClass,
    action: str,
    domain: str,
    scope: str,
    client: str | None,
) -> None:
    errors = {}
    if action not in ACTION_LABELS:
        errors["action"] = "Unbekannte Aktion."
    if domain not in DOMAIN_LABELS:
        errors["domain"] = "Unbekannter Datenbereich."
    if scope not in await scope_choices(session):
        errors["scope"] = "Unbekannter Geltungsbereich."
    if any((g.action, g.domain, g.scope) == (action, domain, scope) for g in permission_class.grants):
        errors["action"] = "Dieses Recht hat die Klasse schon."
    if errors:
        raise InvalidForm(errors)
    permission_class.grants.append(Grant(action=action, domain=domain, scope=scope))
    record(
        session,
        actor_id,
        "permission_class.grant_added",
        object_type="permission_class",
        object_id=permission_class.key,
        client=client,
        grant=[action, domain, scope],
    )


async def remove_grant(
    session: AsyncSession, actor_id: int, permission_class: PermissionClass, grant_id: int, client: str | None
) -> None:
    grant = next((g for g in permission_class.grants if g.id == grant_id), None)
    if grant is None:
        raise InvalidForm({"grant": "Dieses Recht gibt es nicht (mehr)."})
    permission_class.grants.remove(grant)
    await session.flush()
    if grant.action == Action.ADMINISTER and not await _someone_administers(session):
        raise InvalidForm({"grant": "Dann könnte niemand mehr das Portal verwalten; das Recht bleibt."})
    record(
        session,
        actor_id,
        "permission_class.grant_removed",
        object_type="permission_class",
        object_id=permission_class.key,
        client=client,
        grant=[grant.action, grant.domain, grant.scope],
    )


async def _someone_administers(session: AsyncSession) -> bool:
    holder = await session.scalar(
        select(User.id)
        .join(user_classes, user_classes.c.user_id == User.id)
        .join(Grant, Grant.class_id == user_classes.c.class_id)
        .where(User.active, Grant.action == Action.ADMINISTER)
        .limit(1)
    )
    return holder is not None


async def holders(session: AsyncSession, class_id: int) -> list[int]:
    return list(await session.scalars(select(user_classes.c.user_id).where(user_classes.c.class_id == class_id)))
