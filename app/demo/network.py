"""The demo network's structure: territory tree, partners, comparison groups, users and chat rooms."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.passwords import hash_password
from app.demo.people import DEMO_PASSWORD, ZENTRALE_USERS, DemoUser, partner_users
from app.demo.places import NAME_PATTERNS, NETWORK, PARTNER_TYPES, REGIONS, SIZE_CLASSES, SURNAMES
from app.models import ChatRoom, ComparisonGroup, Partner, PermissionClass, Territory, User

FIRST_NAMES = ("Jan", "Heike", "Klaus", "Sabine", "Thomas", "Anke", "Peter", "Maren", "Stefan", "Julia")
SMALL_GROUP_SIZE = 4  # below the anonymity minimum of 5, to show the rule at work


@dataclass(frozen=True)
class BuiltNetwork:
    partners: list[Partner]
    users: dict[str, User]


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


async def build_territories(session: AsyncSession) -> list[Territory]:
    """The tree network -> 4 regions -> 8 territories; returns the territories (leaves)."""
    root = Territory(level="network", code=NETWORK[0], name=NETWORK[1])
    session.add(root)
    leaves: list[Territory] = []
    for code, name, territories in REGIONS:
        region = Territory(level="region", code=code, name=name, parent=root)
        session.add(region)
        for t_code, t_name, _towns in territories:
            leaf = Territory(level="territory", code=t_code, name=t_name, parent=region)
            session.add(leaf)
            leaves.append(leaf)
    await session.flush()
    return leaves


def build_partners(rng: random.Random, leaves: list[Territory], count: int) -> list[Partner]:
    towns = {t_code: towns for _c, _n, ts in REGIONS for t_code, _tn, towns in ts}
    partners = []
    for i in range(count):
        leaf = leaves[i % len(leaves)]
        postal, town = towns[leaf.code][(i // len(leaves)) % len(towns[leaf.code])]
        surname = SURNAMES[rng.randrange(len(SURNAMES))]
        name = NAME_PATTERNS[rng.randrange(len(NAME_PATTERNS))].format(surname=surname, town=town)
        partners.append(
            Partner(
                number=1001 + i,
                name=name,
                territory_id=leaf.id,
                size_class=_weighted(rng, SIZE_CLASSES),
                partner_type=_weighted(rng, PARTNER_TYPES),
                postal_code=postal,
                city=town,
                active=True,
            )
        )
    # The two partners the contract's demo users belong to: a mid-sized and a large one.
    if count >= 2:
        partners[0].size_class, partners[1].size_class = "mittel", "groß"
    return partners


def build_groups(partners: list[Partner]) -> list[ComparisonGroup]:
    groups = [ComparisonGroup(name="Alle Partner", kind="all", description="Jeder aktive Partner des Netzwerks.")]
    for code, name, _territories in REGIONS:
        groups.append(
            ComparisonGroup(
                name=f"Region {name}",
                kind="rule",
                rule={"region": [code]},
                description=f"Alle Partner der Region {name}.",
            )
        )
    for size, _weight in SIZE_CLASSES:
        groups.append(
            ComparisonGroup(
                name=f"Größenklasse {size}",
                kind="rule",
                rule={"size_class": [size]},
                description=f"Alle Partner der Größenklasse {size}.",
            )
        )
    small = [partners[0], *partners[4::9]][:SMALL_GROUP_SIZE]
    groups.append(
        ComparisonGroup(
            name="ERFA-Kreis Werkstatt",
            kind="list",
            listed_partners=small,
            description="Erfahrungsaustausch einiger Werkstattleiter; unter fünf "
            "Partnern, daher werden keine Gruppenwerte freigegeben.",
        )
    )
    return groups


async def build_users(session: AsyncSession, partners: list[Partner], rng: random.Random) -> dict[str, User]:
    classes = {c.key: c for c in await session.scalars(select(PermissionClass))}
    territories = {t.code: t for t in await session.scalars(select(Territory))}
    by_number = {p.number: p for p in partners}
    # One argon2 hash for every demo user: they share the documented password anyway.
    password_hash = hash_password(DEMO_PASSWORD)
    people: list[DemoUser] = list(ZENTRALE_USERS)
    for p in partners:
        owner = f"{FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]} {SURNAMES[rng.randrange(len(SURNAMES))]}"
        people.extend(partner_users(p.number, owner))
    users: dict[str, User] = {}
    for person in people:
        partner = by_number.get(person.partner_no) if person.partner_no else None
        user = User(
            username=person.username,
            display_name=person.display_name,
            password_hash=password_hash,
            phone=person.phone,
            email=f"{person.username}@demo.invalid",
            phone_verified=True,
            partner_id=partner.id if partner else None,
            classes=[classes[key] for key in person.classes],
            managed_territories=[territories[code] for code in person.manages],
        )
        session.add(user)
        users[person.username] = user
    await session.flush()
    return users


def build_rooms(groups: list[ComparisonGroup], admin: User) -> list[ChatRoom]:
    rooms = [ChatRoom(name=g.name, kind="group", group_id=g.id, created_by_id=admin.id) for g in groups]
    rooms.append(
        ChatRoom(name="Mitteilungen der Zentrale", kind="network", announcements_only=True, created_by_id=admin.id)
    )
    return rooms
