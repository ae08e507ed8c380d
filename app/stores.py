"""Key-value stores for sessions and rate limits: Redis shared by all workers, surviving its outage.

With Redis, every write also goes to a local store (sessions: files in `var/`, which
all workers on one machine share; counters: memory). While Redis is unreachable the
portal reads the local copy, so signed-in users keep working and limits keep
counting; when Redis comes back (perhaps empty after a restart) a key it lacks is
still found locally. Without Redis the local store is the only one.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import anyio
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.settings import DEFAULT_REDIS_CHANNEL, Settings

STORE_NAMES = ("sessions", "login_rate_limit", "request_rate_limit", "chat_flood")
# A request must not hang on a Redis that does not answer.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0}
WARN_EVERY_SECONDS = 30

log = logging.getLogger("portal.stores")


class MemoryStoreInPlace(MemoryStore):
    """Litestar's MemoryStore, whose anyio lock passes through the event loop on every acquire
    (a checkpoint): two loop rounds per request for the rate limit, tens of milliseconds each
    under load. Its operations never wait while holding the lock, so a free lock is taken in place."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = anyio.Lock(fast_acquire=True)


class RedisWithLocalCopy(Store):
    def __init__(self, redis: RedisStore, local: Store) -> None:
        self.redis, self.local = redis, local
        self._warned_at = 0.0

    def _unreachable(self, exc: Exception) -> None:
        if time.monotonic() - self._warned_at > WARN_EVERY_SECONDS:
            self._warned_at = time.monotonic()
            log.warning("Redis nicht erreichbar, lokale Kopie wird benutzt: %s", exc)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await self.local.set(key, value, expires_in)
        try:
            await self.redis.set(key, value, expires_in)
        except (RedisError, OSError) as exc:
            self._unreachable(exc)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        try:
            value = await self.redis.get(key, renew_for)
        except (RedisError, OSError) as exc:
            self._unreachable(exc)
            value = None
        return value if value is not None else await self.local.get(key, renew_for)

    async def delete(self, key: str) -> None:
        await self.local.delete(key)
        try:
            await self.redis.delete(key)
        except (RedisError, OSError) as exc:
            self._unreachable(exc)

    async def delete_all(self) -> None:
        await self.local.delete_all()
        await self.redis.delete_all()

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        try:
            return await self.redis.expires_in(key)
        except (RedisError, OSError) as exc:
            self._unreachable(exc)
            return await self.local.expires_in(key)

    async def delete_expired(self) -> None:
        """Sweep the local copy (Redis expires its keys by itself)."""
        if isinstance(self.local, FileStore | MemoryStore):
            await self.local.delete_expired()


def _local(settings: Settings, name: str) -> Store:
    if name == "sessions":
        return FileStore(settings.var_dir / "sessions", create_directories=True)
    return MemoryStoreInPlace()


def stores_for(settings: Settings) -> dict[str, Store]:
    """Each rate limiter counts in its own store (PITFALLS 6)."""
    if not settings.redis_url:
        return {name: _local(settings, name) for name in STORE_NAMES}
    client = Redis.from_url(settings.redis_url, **REDIS_TIMEOUTS)  # type: ignore[arg-type]
    return {
        name: RedisWithLocalCopy(RedisStore(client, namespace=namespace(settings, name)), _local(settings, name))
        for name in STORE_NAMES
    }


def namespace(settings: Settings, name: str) -> str:
    """A store's keys in Redis: apart per channel, so portals sharing one Redis share no sessions or
    counters; those of the default channel named as before there were channels here (signed-in
    users stay signed in across the update)."""
    portal = "portal" if settings.redis_channel == DEFAULT_REDIS_CHANNEL else settings.redis_channel
    return f"{portal}-{name}"
