"""What the tasks hear of: follow-ups agreed in a visit become tasks of their assignees."""

from __future__ import annotations

from litestar.datastructures import State

from app.events import Events, FollowUpsAgreed
from app.models import User
from app.tasks.service import create_follow_ups


def subscribe_tasks(events: Events, state: State) -> None:
    async def follow_ups(event: FollowUpsAgreed) -> None:
        async with state.db.transaction() as session:
            author = await session.get(User, event.author_id)
            name = author.display_name if author else ""
            made = await create_follow_ups(
                session, event.author_id, name, event.appointment_id, event.partner_id, event.items
            )
        for assigned in made:
            await events.publish(assigned)

    events.subscribe(FollowUpsAgreed, follow_ups)
