"""The demo network's conversations: partner 1001 with sales management, 1005 with Süd's territory
manager, and a direct one between the two of the Zentrale; a few messages each."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ChatMessage, ChatRoom, Partner, User, room_members, room_partners

TALKS = (
    (
        "partner",
        "1001",
        "vertrieb",
        ("gf1001", "vertrieb", "gf1001"),
        (
            "Guten Morgen, die Vorführmaschine ist zurück. Wohin mit dem Übergabeprotokoll?",
            "Bitte in Ihren Austauschordner legen, ich bestätige dann den Eingang.",
            "Erledigt, liegt drin.",
        ),
    ),
    (
        "partner",
        "1005",
        "gebiet-sued",
        ("gebiet-sued", "gf1005"),
        (
            "Wollen wir das Jahresgespräch auf den Termin der Frühjahrsausstellung legen?",
            "Gern, der Vormittag passt uns.",
        ),
    ),
    (
        "direct",
        "",
        "vertrieb",
        ("vertrieb", "gebiet-sued"),
        (
            "Kannst du für Süd die Liste der Aussteller bis Freitag schicken?",
            "Mache ich.",
        ),
    ),
)


async def build_conversations(
    session: AsyncSession, network: list[Partner], users: dict[str, User], today: date
) -> None:
    numbers = {str(p.number): p for p in network}
    for kind, number, opener, speakers, lines in TALKS:
        if opener not in users or any(s not in users for s in speakers) or (number and number not in numbers):
            continue
        if kind == "partner":
            partner = numbers[number]
            name = f"Gespräch {partner.number} {partner.name}"
        else:
            name = f"{users[speakers[0]].display_name} · {users[speakers[1]].display_name}"
        start = datetime.combine(today - timedelta(days=2), time(8, 30), UTC)
        room = ChatRoom(name=name[:120], kind=kind, created_by_id=users[opener].id, created_at=start)
        session.add(room)
        await session.flush()
        if kind == "partner":
            await session.execute(insert(room_partners).values(room_id=room.id, partner_id=numbers[number].id))
        else:
            await session.execute(
                insert(room_members), [{"room_id": room.id, "user_id": users[s].id} for s in speakers[:2]]
            )
        for n, line in enumerate(lines):
            author = users[speakers[n % len(speakers)]]
            session.add(
                ChatMessage(
                    room_id=room.id, author_id=author.id, body=line, created_at=start + timedelta(minutes=17 * n)
                )
            )
