"""Users as the Zentrale manages them: find, create, change, deactivate, reset, unlock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.account.service import AccountError, normalise_phone
from app.audit import record
from app.auth.passwords import hash_password, one_time_password
from app.auth.user_sessions import end_sessions
from app.models import AccessToken, Partner, PermissionClass, RecoveryCode, Territory, User, utcnow
from app.web.forms import InvalidForm, form_number, text, values

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserFilter:
    query: str = ""
    kind: str = ""  # "" | zentrale | partner
    class_key: str = ""
    status: str = ""  # "" | active | inactive | locked


@dataclass
class UserForm:
    username: str = ""
    display_name: str = ""
    phone: str = ""
    partner_number: str = ""
    class_keys: list[str] = field(default_factory=list)
    territory_codes: list[str] = field(default_factory=list)
    email: str = ""

    @classmethod
    def parse(cls, form: dict[str, Any]) -> UserForm:
        return cls(
            text(form, "username", 60).lower(),
            text(form, "display_name", 120),
            text(form, "phone", 25),
            text(form, "partner_number", 10),
            values(form, "classes"),
            values(form, "territories"),
            text(form, "email", 200),
        )

    @classmethod
    def of(cls, user: User) -> UserForm:
        return cls(
            user.username,
            user.display_name,
            user.phone or "",
            str(user.partner.number) if user.partner else "",
            [c.key for c in user.classes],
            sorted(t.code for t in user.managed_territories),
            user.email or "",
        )


async def find_users(session: AsyncSession, f: UserFilter) -> list[User]:
    query = select(User).options(selectinload(User.classes), selectinload(User.partner)).order_by(User.username)
    if f.query:
        like = f"%{f.query.lower()}%"
        query = query.outerjoin(Partner, Partner.id == User.partner_id).where(
            or_(
                User.username.ilike(like),
                User.display_name.ilike(like),
                Partner.name.ilike(like),
                User.phone.ilike(like),
            )
        )
    if f.kind == "zentrale":
        query = query.where(User.partner_id.is_(None))
    elif f.kind == "partner":
        query = query.where(User.partner_id.is_not(None))
    if f.class_key:
        query = query.where(User.classes.any(PermissionClass.key == f.class_key))
    if f.status == "active":
        query = query.where(User.active)
    elif f.status == "inactive":
        query = query.where(~User.active)
    elif f.status == "locked":
        query = query.where(User.locked_until > utcnow())
    return list((await session.scalars(query)).unique())


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.scalar(
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.classes), selectinload(User.partner), selectinload(User.managed_territories))
    )


@dataclass(frozen=True)
class Checked:
    phone: str
    partner: Partner | None
    classes: list[PermissionClass]
    territories: list[Territory]


async def _checked(session: AsyncSession, form: UserForm, existing: User | None) -> Checked:
    errors: dict[str, str] = {}
    if existing is None:
        if not USERNAME.match(form.username):
            errors["username"] = "Benutzername: 2–60 Zeichen, Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich."
        elif await session.scalar(select(User.id).where(User.username == form.username)):
            errors["username"] = f"Den Benutzernamen „{form.username}“ gibt es schon."
    if not form.display_name:
        errors["display_name"] = "Bitte einen Namen angeben."
    phone = ""
    try:
        phone = normalise_phone(form.phone)
    except AccountError as exc:
        errors["phone"] = str(exc)
    partner = None
    if form.partner_number:
        number = form_number(form.partner_number) or -1
        partner = await session.scalar(select(Partner).where(Partner.number == number))
        if partner is None:
            errors["partner_number"] = f"Partner „{form.partner_number}“ gibt es nicht."
    classes = list(
        await session.scalars(
            select(PermissionClass)
            .where(PermissionClass.key.in_(form.class_keys))
            .options(selectinload(PermissionClass.grants))
        )
    )
    if not classes:
        errors["classes"] = "Bitte mindestens eine Berechtigungsklasse wählen."
    wrong = [c.name for c in classes if c.for_partner_users != bool(form.partner_number)]
    if wrong:
        where = "Partner-Benutzer" if form.partner_number else "Benutzer der Zentrale"
        errors["classes"] = f"Nicht für {where} gedacht: {', '.join(wrong)}."
    territories = await _territories(session, form, classes, errors)
    if form.email and not EMAIL.match(form.email):
        errors["email"] = f"„{form.email}“ ist keine E-Mail-Adresse."
    if errors:
        raise InvalidForm(errors)
    return Checked(phone, partner, classes, territories)


async def _territories(
    session: AsyncSession, form: UserForm, classes: list[PermissionClass], errors: dict[str, str]
) -> list[Territory]:
    """The territories of the form; a class scoped to "managed" territories needs at least one, and
    territories without such a class would grant nothing (both refused, so no one is left at "0 Partner")."""
    found = list(await session.scalars(select(Territory).where(Territory.code.in_(form.territory_codes))))
    unknown = sorted(set(form.territory_codes) - {t.code for t in found})
    scoped = [c for c in classes if any(g.scope == "managed" for g in c.grants)]
    if unknown:
        errors["territories"] = f"Unbekannte Gebiete: {', '.join(unknown)}."
    elif scoped and not found:
        names = ", ".join(c.name for c in scoped)
        errors["territories"] = f"{names} sieht nur die eigenen Gebiete: bitte mindestens ein Gebiet zuordnen."
    elif found and not scoped:
        errors["territories"] = (
            "Gebiete wirken nur mit einer Berechtigungsklasse für die eigenen Gebiete (z. B. Gebietsleitung)."
        )
    return sorted(found, key=lambda t: t.code)


async def create_user(session: AsyncSession, actor_id: int, form: UserForm, client: str | None) -> tuple[User, str]:
    checked = await _checked(session, form, None)
    partner = checked.partner
    password = one_time_password()
    user = User(
        username=form.username,
        display_name=form.display_name,
        phone=checked.phone,
        email=form.email or None,
        phone_verified=True,
        partner_id=partner.id if partner else None,
        classes=checked.classes,
        managed_territories=checked.territories,
        must_change_password=True,
        password_hash=hash_password(password),
    )
    session.add(user)
    await session.flush()
    record(
        session,
        actor_id,
        "user.created",
        object_type="user",
        object_id=user.username,
        client=client,
        partner=partner.number if partner else None,
        classes=[c.key for c in checked.classes],
        territories=[t.code for t in checked.territories],
    )
    return user, password


async def update_user(session: AsyncSession, actor_id: int, user: User, form: UserForm, client: str | None) -> bool:
    """Save the form; returns whether the user's rights changed (their sockets must then reconnect)."""
    checked = await _checked(session, form, user)
    before = UserForm.of(user)
    if actor_id == user.id and "administrator" in before.class_keys and "administrator" not in form.class_keys:
        raise InvalidForm({"classes": "Sie können sich die Administration nicht selbst entziehen."})
    rights_changed = (
        set(before.class_keys) != {c.key for c in checked.classes}
        or before.partner_number != form.partner_number
        or before.territory_codes != [t.code for t in checked.territories]
    )
    user.display_name, user.phone, user.classes = form.display_name, checked.phone, checked.classes
    user.email = form.email or None
    user.managed_territories = checked.territories
    user.partner_id = checked.partner.id if checked.partner else None
    changes = {
        name: [getattr(before, name), getattr(form, name)]
        for name in vars(form)
        if getattr(before, name) != getattr(form, name)
    }
    record(session, actor_id, "user.changed", object_type="user", object_id=user.username, client=client, **changes)
    return rights_changed


async def set_active(session: AsyncSession, actor_id: int, user: User, active: bool, client: str | None) -> None:
    if actor_id == user.id and not active:
        raise InvalidForm({"active": "Sie können Ihr eigenes Konto nicht deaktivieren."})
    user.active = active
    if not active:
        await end_sessions(session, user.id, "deactivated")
    record(
        session,
        actor_id,
        "user.activated" if active else "user.deactivated",
        object_type="user",
        object_id=user.username,
        client=client,
    )


async def reset_password(session: AsyncSession, actor_id: int, user: User, client: str | None) -> str:
    password = one_time_password()
    user.password_hash, user.must_change_password = hash_password(password), True
    await end_sessions(session, user.id, "password_reset")
    record(session, actor_id, "user.password_reset", object_type="user", object_id=user.username, client=client)
    return password


async def reset_second_factor(session: AsyncSession, actor_id: int, user: User, client: str | None) -> None:
    """Remove the authenticator app and recovery codes; sign-in falls back to SMS to the verified number."""
    user.totp_secret, user.totp_last_step = None, None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await end_sessions(session, user.id, "second_factor_reset")
    record(session, actor_id, "user.second_factor_reset", object_type="user", object_id=user.username, client=client)


async def unlock(session: AsyncSession, actor_id: int, user: User, client: str | None) -> None:
    user.locked_until, user.failed_logins = None, 0
    record(session, actor_id, "user.unlocked", object_type="user", object_id=user.username, client=client)


async def all_classes(session: AsyncSession) -> list[PermissionClass]:
    return list(
        await session.scalars(select(PermissionClass).order_by(PermissionClass.for_partner_users, PermissionClass.name))
    )


async def territory_choices(session: AsyncSession) -> list[tuple[Territory, int]]:
    """Every active node of the territory tree, depth-first, with its depth (0: the network)."""
    nodes = list(await session.scalars(select(Territory).where(Territory.active).order_by(Territory.name)))
    children: dict[int | None, list[Territory]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    out: list[tuple[Territory, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            out.append((node, depth))
            walk(node.id, depth + 1)

    walk(None, 0)
    return out


async def revoke_token(session: AsyncSession, actor_id: int, user: User, token_id: int, client: str | None) -> bool:
    token = await session.scalar(
        select(AccessToken).where(
            AccessToken.id == token_id, AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return False
    token.revoked_at = utcnow()
    record(
        session,
        actor_id,
        "token.revoked",
        object_type="user",
        object_id=user.username,
        client=client,
        prefix=token.prefix,
        by="admin",
    )
    return True
