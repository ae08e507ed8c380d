"""The demo network at work: open, overdue and done tasks, a recurring one, last month's visits with
their reports, the next weeks' appointments, and a few unread notifications."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principals import territory_paths
from app.models import Appointment, Invitee, Notification, Partner, RecurringTask, Task, User, VisitReport

TASKS = (
    "Jahresgespräch vorbereiten",
    "Vorführmaschine zurückmelden",
    "Garantieantrag ergänzen",
    "Ausstellung Frühjahr planen",
    "Offene Posten klären",
    "Schulungstermin Werkstatt abstimmen",
)


async def build_work(
    session: AsyncSession, network: list[Partner], users: dict[str, User], seed: int, today: date
) -> None:
    rng = random.Random(f"{seed}:work")
    zentrale = [users[name] for name in ("vertrieb", "gebiet-sued", "debitoren") if name in users]
    tasks = []
    for partner in network:
        director = users.get(f"gf{partner.number}")
        if director is None:
            continue
        for n in range(rng.randint(0, 2)):
            due = today + timedelta(days=rng.randint(-20, 40))
            status = rng.choice(("open", "open", "in_progress", "done"))
            giver = zentrale[(partner.number + n) % len(zentrale)]
            tasks.append(
                {
                    "title": TASKS[(partner.number + n) % len(TASKS)],
                    "description": "",
                    "partner_id": partner.id,
                    "assignee_id": director.id,
                    "created_by_id": giver.id,
                    "due": due,
                    "priority": rng.choice(("low", "normal", "normal", "high")),
                    "status": status,
                    "created_at": datetime.combine(today - timedelta(days=30), time(9), UTC),
                    "updated_at": datetime.combine(today - timedelta(days=3), time(9), UTC),
                }
            )
    for chunk in range(0, len(tasks), 5000):
        await session.execute(insert(Task), tasks[chunk : chunk + 5000])
    if "vertrieb" in users:
        session.add(
            RecurringTask(
                title="Monatsauswertung an die Geschäftsleitung",
                assignee_id=users["vertrieb"].id,
                created_by_id=users["vertrieb"].id,
                every="month",
                next_due=(today.replace(day=1) + timedelta(days=32)).replace(day=5),
            )
        )
    await _visits(session, network, users, rng, today)
    first = users.get("gf1001")
    if first is not None:
        session.add(
            Notification(
                user_id=first.id,
                kind="task_assigned",
                title="Neue Aufgabe: Jahresgespräch vorbereiten",
                url="/aufgaben?wer=ich",
            )
        )


async def _visits(
    session: AsyncSession, network: list[Partner], users: dict[str, User], rng: random.Random, today: date
) -> None:
    """Visits of the Zentrale: one last month at every fourth partner (with its released report),
    and the next two weeks' appointments at every tenth."""
    organizers = [users[name] for name in ("vertrieb", "gebiet-sued") if name in users]
    if not organizers:
        return
    paths = await territory_paths(session)
    south = {p.id for p in network if "SUED" in paths[p.territory_id]}
    for index, partner in enumerate(network):
        director = users.get(f"gf{partner.number}")
        if director is None:
            continue
        plans = []
        if index % 4 == 0:
            plans.append((today - timedelta(days=rng.randint(8, 35)), True))
        if index % 10 == 1:
            plans.append((today + timedelta(days=rng.randint(1, 14)), False))
        for day, past in plans:
            start = datetime.combine(day, time(rng.choice((8, 9, 10, 13, 14))), UTC)
            appointment = Appointment(
                title="Partnerbesuch" if past else "Jahresgespräch",
                partner_id=partner.id,
                start=start,
                end=start + timedelta(hours=2),
                place=partner.city,
                agenda="Zahlen des Jahres, Ziele, Ausstellung, Werkstatt",
                # Süd's partners are visited by their territory manager, the others by sales management.
                organizer_id=organizers[-1 if partner.id in south else 0].id,
            )
            session.add(appointment)
            await session.flush()
            session.add(Invitee(appointment_id=appointment.id, user_id=director.id))
            if past:
                session.add(
                    VisitReport(
                        appointment_id=appointment.id,
                        body="Zahlen und Ziele besprochen; Ausstellung im Frühjahr vereinbart.",
                        author_id=appointment.organizer_id,
                        released_at=start + timedelta(days=1),
                    )
                )
