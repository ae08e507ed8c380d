"""Jobs around the chat: retention deletes what is older than a room keeps, releases leave a note."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from kpi.months import format_month, month_of
from tests.chat.support import connected, execute, room_id
from tests.support.tokens import token_for

PORTAL = Path(sys.executable).parent / "portal"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def test_retention_deletes_only_what_is_older_than_the_room_keeps(demo_sqlite: str, tmp_path: Path) -> None:
    nord, sued = room_id(demo_sqlite, "Region Nord"), room_id(demo_sqlite, "Region Süd")
    execute(demo_sqlite, "update chat_rooms set retention_days = 30 where id = ?", nord)
    now = datetime.now(UTC)
    insert = (
        "insert into chat_messages (room_id, author_id, body, created_at, mentions_all) "
        "values (?, (select id from users where username = 'gf1001'), ?, ?, 0)"
    )
    execute(demo_sqlite, insert, nord, "vor 40 Tagen", stamp(now - timedelta(days=40)))
    execute(demo_sqlite, insert, nord, "vor 10 Tagen", stamp(now - timedelta(days=10)))
    execute(demo_sqlite, insert, sued, "Süd vor 400 Tagen", stamp(now - timedelta(days=400)))  # no retention set
    done = subprocess.run(
        [str(PORTAL), "chat-purge"],
        env={**os.environ, "PORTAL_DATABASE_URL": demo_sqlite},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1 Chatnachrichten" in done.stdout
    left = {
        body for (body,) in execute(demo_sqlite, "select body from chat_messages where room_id in (?, ?)", nord, sued)
    }
    assert left == {"vor 10 Tagen", "Süd vor 400 Tagen"}
    assert execute(demo_sqlite, "select count(*) from audit_events where action = 'chat.retention'") == [(1,)]


async def test_a_release_of_group_figures_leaves_a_note_in_the_groups_room(portal: str, demo_sqlite: str) -> None:
    everyone = room_id(demo_sqlite, "Alle Partner")
    month = month_of(date.today())
    token = await token_for(demo_sqlite, "admin")
    async with connected(portal, demo_sqlite, "gf1001") as member:
        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
            for number in range(1002, 1009):
                answer = await api.put(
                    f"/api/v1/partners/{number}/figures/{format_month(month)}", json={"units_new": 9}
                )
                assert answer.status_code == 200
        notes = []
        while len(notes) < 1:
            event = await member.next()
            if event["author_id"] is None:
                notes.append(event)
    assert notes[0]["room"] == everyone and notes[0]["author"] == "Partnerportal"
    assert f"von 40 Partnern haben für {month:%m/%Y} gemeldet" in notes[0]["body"]
    assert not notes[0]["body"].startswith(("1 von", "2 von")), "no note while every group figure is hidden"
    stored = execute(demo_sqlite, "select body from chat_messages where author_id is null and room_id = ?", everyone)
    assert stored and stored[-1][0].endswith("Gruppenwerte sind aktualisiert.")


async def test_a_large_groups_room_gets_one_note_an_hour_and_one_when_everyone_reported(
    portal: str, demo_sqlite: str
) -> None:
    everyone = room_id(demo_sqlite, "Alle Partner")
    period = format_month(month_of(date.today()))
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        # 40 partners: a release at every submission, 36 of them with enough reports for a note.
        for number in range(1001, 1041):
            answer = await api.put(f"/api/v1/partners/{number}/figures/{period}", json={"units_new": 9})
            assert answer.status_code == 200
    notes = [
        body
        for (body,) in execute(
            demo_sqlite, "select body from chat_messages where author_id is null and room_id = ? order by id", everyone
        )
    ]
    assert len(notes) == 2, notes
    assert notes[0].startswith("5 von 40") and notes[1].startswith("40 von 40")
