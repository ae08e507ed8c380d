"""Notifications after the fact: created in their own transaction, pushed live to the user's room
(`notification:new`), and their mails sent right away (the scheduled job sends what is left)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from litestar.datastructures import State

from app.mail.queue import deliver
from app.notifications.service import Created, notify


class Notifier:
    def __init__(self, state: State) -> None:
        self._state = state
        self._sending: set[asyncio.Task[int]] = set()

    async def send(
        self,
        user_ids: Iterable[int],
        kind: str,
        title: str,
        url: str,
        *,
        lines: list[str] | None = None,
        dedupe: str | None = None,
    ) -> list[Created]:
        state = self._state
        async with state.db.transaction() as session:
            created = await notify(
                session, user_ids, kind, title, url, base_url=state.settings.portal_url, lines=lines, dedupe=dedupe
            )
        await self.pushed(created)
        return created

    async def pushed(self, created: list[Created]) -> None:
        """Tell the users' open pages; send the mails now rather than at the next scheduled run."""
        for item in created:
            await self._state.publisher.to_user(item.user_id, "notification:new", item.as_event())
        if created:
            self.deliver_soon()

    def deliver_soon(self) -> None:
        state = self._state
        task = asyncio.create_task(deliver(state.db, state.mail_transport, state.settings.mail_from))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def settled(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
