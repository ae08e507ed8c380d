"""One task for each partner of a territory or comparison group (e.g. "Jahresgespräch vorbereiten"
for all partners of Süd): assigned to the same person, or to each partner's managing director."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.permissions import Principal
from app.auth.principals import territory_paths
from app.events import TaskAssigned
from app.models import Partner, User
from app.network.groups import groups_with_members
from app.network.visibility import visible_partners
from app.tasks.service import TaskInput, create_task
from app.web.forms import InvalidForm

EACH_MANAGING_DIRECTOR = "@geschaeftsfuehrung"


async def partners_of(session: AsyncSession, principal: Principal, territory: str, group: int | None) -> list[Partner]:
    """The visible partners of the territory (code, with its subtree) or of the comparison group."""
    seen = await visible_partners(session, principal)
    if group is not None:
        members = next((m for g, m in await groups_with_members(session) if g.id == group), None)
        if members is None:
            raise InvalidForm({"group": "Diese Vergleichsgruppe gibt es nicht."})
        wanted = {p.id for p in members}
        return [p for p in seen if p.id in wanted and p.active]
    paths = await territory_paths(session)
    return [p for p in seen if territory in paths[p.territory_id] and p.active]


async def create_for_partners(
    session: AsyncSession, principal: Principal, template: TaskInput, partners: list[Partner]
) -> list[TaskAssigned]:
    """All tasks or none (one refused assignment refuses the whole batch)."""
    if not partners:
        raise InvalidForm({"partners": "Keine Partner in dieser Auswahl."})
    directors: dict[int | None, str] = {}
    if template.assignee == EACH_MANAGING_DIRECTOR:
        rows = await session.scalars(
            select(User)
            .where(User.partner_id.in_([p.id for p in partners]), User.active)
            .options(selectinload(User.classes))
            .order_by(User.id)
        )
        for user in rows:
            if any(c.key == "managing_director" for c in user.classes):
                directors.setdefault(user.partner_id, user.username)
    made = []
    for partner in partners:
        assignee = directors.get(partner.id) if template.assignee == EACH_MANAGING_DIRECTOR else template.assignee
        if assignee is None:
            raise InvalidForm({"assignee": f"Partner {partner.number} hat keine Geschäftsführung im Portal."})
        data = TaskInput(
            template.title, template.description, partner.number, assignee, template.due, False, template.priority
        )
        _, assigned = await create_task(session, principal, data)
        made.append(assigned)
    return made
