"""Which worker runs the release checks when several serve: one of them, the leader, for all.

A check is best begun at a submission of its group (app.benchmark.pacing): it then shows
that submission at once. With two workers each checking every group, each saw only its own
submissions, and most checks began when a period ran out instead, with figures already up
to a gap between submissions old (bench/load.py on PostgreSQL: about 330 of 370 checks;
group update p99 600-730 ms). And both computed the same releases.

So the workers elect a leader through a lease in Redis (`{channel}:release-leader`, renewed
every RENEW_SECONDS, lapsing after LEASE_SECONDS), and every other worker forwards each
submission's (partner, month) to the leader's own channel. The leader checks them as if
they had been submitted to it, and tells it of each submission as it arrives, before it is
stored: the leader sees when the submissions stop (app.benchmark.pacing) from when they
are sent, not from when their commits end. A forward nobody receives (no leader yet, the leader gone,
Redis away) is checked by the worker itself, as without Redis: slower, never lost. A worker
taking the lease over checks the partners who submitted in the last SWEEP_SECONDS, for
asks the old leader may have received and not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LEASE_SECONDS = 3.0
RENEW_SECONDS = 1.0
SWEEP_SECONDS = 60.0
RETRY_SECONDS = 1.0

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RESIGN = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

Ask = Callable[[int, date], Awaitable[None]]


class ReleaseLeader:
    """This worker's part in the election, and the forwarding of asks to the leader.

    `check(partner_id, month)` runs the release checks after a submission; `sweep()` those
    of recent submissions, once this worker has become the leader; `arrived()` notes a
    submission arriving at another worker.
    """

    def __init__(
        self, url: str, channel: str, check: Ask, sweep: Callable[[], Awaitable[None]], arrived: Callable[[], None]
    ) -> None:
        self.me = uuid.uuid4().hex
        self._key, self._inbox = f"{channel}:release-leader", f"{channel}:release-asks:"
        self._check, self._sweep, self._arrived = check, sweep, arrived
        # Commands must not hang on a Redis that does not answer; the listener waits as long as nothing comes.
        self._redis = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0)
        self._listening = Redis.from_url(url, socket_connect_timeout=1.0)
        self.leading = False
        self.leader: str | None = None  # the leader's id, as last read
        self.forwarded = self.received = 0
        self.workers = 1  # the workers whose checks the leader runs, as last counted
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._soon(self._keep_lease())
        self._soon(self._listen())

    async def forward(self, partner_id: int, month: date) -> bool:
        """Hand the checks after a submission to the leader: False if this worker must run them itself."""
        received = await self._tell({"partner": partner_id, "month": month.isoformat()})
        self.forwarded += received
        return received

    async def arriving(self) -> bool:
        """Tell the leader of a submission arriving here: False if this worker must note it itself."""
        return await self._tell({"arriving": True})

    async def _tell(self, message: dict[str, Any]) -> bool:
        if self.leading or self.leader is None:
            return False
        try:
            received = await self._redis.publish(self._inbox + self.leader, json.dumps(message))
        except (RedisError, OSError) as exc:
            logger.debug("telling the release leader failed, doing it here: %s", exc)
            return False
        return bool(received)

    def status(self) -> dict[str, Any]:
        """For `/healthz`: whether this worker leads or knows a leader to forward to; asks sent and got."""
        following = self.leader is not None and not self.leading
        return {
            "leading": self.leading,
            "following": following,
            "workers": self.workers if self.leading else None,
            "forwarded": self.forwarded,
            "received": self.received,
        }

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.leading:  # the next worker need not wait for the lease to lapse
            with contextlib.suppress(RedisError, OSError):
                await self._redis.eval(_RESIGN, 1, self._key, self.me)
        self.leading = False
        await self._redis.aclose()
        await self._listening.aclose()

    async def _keep_lease(self) -> None:
        while True:
            try:
                await self._renew_or_take()
            except (RedisError, OSError) as exc:
                if self.leading or self.leader is not None:
                    logger.warning("Redis nicht erreichbar, Freigaben werden in jedem Worker geprüft: %s", exc)
                self.leading, self.leader = False, None
            await asyncio.sleep(RENEW_SECONDS)

    async def _renew_or_take(self) -> None:
        ttl = int(LEASE_SECONDS * 1000)
        if self.leading and await self._redis.eval(_RENEW, 1, self._key, self.me, ttl):
            await self._count_workers()
            return
        if await self._redis.set(self._key, self.me, nx=True, px=ttl):
            self.leading, self.leader = True, self.me
            logger.info("dieser Worker prüft die Freigaben aller Gruppen")
            await self._count_workers()
            self._soon(self._sweep())
            return
        self.leading = False
        leader = await self._redis.get(self._key)
        self.leader = leader.decode() if isinstance(leader, bytes) else leader

    async def _count_workers(self) -> None:
        """The workers there are (each listens on an inbox of its own): the leader runs the checks of all."""
        self.workers = max(1, len(await self._redis.pubsub_channels(self._inbox + "*")))

    async def _listen(self) -> None:
        while True:
            try:
                async with self._listening.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._inbox + self.me)
                    async for message in pubsub.listen():
                        self._receive(message["data"])
            except (RedisError, OSError) as exc:
                logger.debug("listening for forwarded release checks: %s", exc)
                await asyncio.sleep(RETRY_SECONDS)

    def _receive(self, data: bytes) -> None:
        try:
            ask = json.loads(data)
            if ask.get("arriving"):
                self._arrived()
                return
            partner_id, month = int(ask["partner"]), date.fromisoformat(ask["month"])
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("unreadable forwarded release check: %r", data[:200])
            return
        self.received += 1
        self._soon(self._check(partner_id, month))

    def _soon(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("release check of a forwarded submission failed", exc_info=task.exception())
