"""Two portals on one Redis, each with its own channel, share no sessions and no counters."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from app.stores import stores_for


async def test_portals_with_their_own_channels_share_no_sessions_or_sign_in_counts(
    redis_url: str, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    for portal in ("first", "second"):
        (tmp_path / portal).mkdir()
    first, second = (
        stores_for(
            make_settings(
                "sqlite+aiosqlite:///:memory:",
                redis_url=redis_url,
                redis_channel=f"portal-test-{uuid.uuid4().hex}",
                var_dir=tmp_path / portal,  # each its own local copy, as on two machines
            )
        )
        for portal in ("first", "second")
    )
    key = uuid.uuid4().hex
    try:
        await first["sessions"].set(key, b"signed in at the first portal", expires_in=60)
        await first["login_rate_limit"].set(key, b"5", expires_in=60)
        assert await first["sessions"].get(key) == b"signed in at the first portal"
        assert await second["sessions"].get(key) is None
        assert await second["login_rate_limit"].get(key) is None
    finally:
        for stores in (first, second):
            for store in stores.values():
                await store.delete(key)
