"""Who belongs to a comparison group: everyone, a list, or a rule over partner attributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principals import territory_paths
from app.models import ComparisonGroup, Partner

RULE_FIELDS = ("size_class", "region", "partner_type")


def matches_rule(rule: dict[str, Any], partner: Partner, path: tuple[str, ...]) -> bool:
    """Every criterion of the rule must allow the partner; `region` matches any node on its territory path."""
    for name, allowed in rule.items():
        if name == "region":
            if not set(allowed) & set(path):
                return False
        elif getattr(partner, name) not in allowed:
            return False
    return True


async def members_by_group(
    session: AsyncSession, groups: Sequence[ComparisonGroup] | None = None
) -> dict[int, list[Partner]]:
    """Active partners of each group (all active groups when none are given), ordered by number."""
    if groups is None:
        groups = (
            await session.scalars(
                select(ComparisonGroup)
                .where(ComparisonGroup.active)
                .options(selectinload(ComparisonGroup.listed_partners))
                .order_by(ComparisonGroup.id)
            )
        ).all()
    partners = (await session.scalars(select(Partner).where(Partner.active).order_by(Partner.number))).all()
    paths = await territory_paths(session)
    result: dict[int, list[Partner]] = {}
    for group in groups:
        if group.kind == "all":
            result[group.id] = list(partners)
        elif group.kind == "list":
            listed = {p.id for p in group.listed_partners}
            result[group.id] = [p for p in partners if p.id in listed]
        else:
            rule = group.rule or {}
            result[group.id] = [p for p in partners if matches_rule(rule, p, paths[p.territory_id])]
    return result


async def group_ids_of_partner(session: AsyncSession, partner_id: int) -> list[int]:
    members = await members_by_group(session)
    return [gid for gid, partners in members.items() if any(p.id == partner_id for p in partners)]
