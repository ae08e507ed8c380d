"""What the notification centre hears of (domain events, app.events) and tells whom."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from litestar.datastructures import State

from app.auth.permissions import Action
from app.events import (
    AppointmentChanged,
    DocumentPublished,
    Events,
    Mentioned,
    ReportReleased,
    TargetsProposed,
    TaskAssigned,
)
from app.notifications.audience import users_who_may

BERLIN = ZoneInfo("Europe/Berlin")


def subscribe_notifications(events: Events, state: State) -> None:
    async def task_assigned(event: TaskAssigned) -> None:
        if event.by_id == event.assignee_id:
            return  # a task one gives oneself needs no notice
        due = f", fällig am {event.due:%d.%m.%Y}" if event.due else ""
        await state.notifier.send(
            [event.assignee_id],
            "task_assigned",
            f"Neue Aufgabe: {event.title}",
            f"/aufgaben/{event.task_id}",
            lines=[f"{event.by} hat Ihnen die Aufgabe „{event.title}“ gegeben{due}."],
        )

    async def appointment_changed(event: AppointmentChanged) -> None:
        when = event.start.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")
        title = {
            "planned": f"Neuer Termin: {event.title}, {when}",
            "changed": f"Termin geändert: {event.title}, {when}",
            "cancelled": f"Termin abgesagt: {event.title}, {when}",
        }[event.change]
        url = f"/kalender/termine/{event.appointment_id}"
        await state.notifier.send(event.user_ids, "appointment", title, url, lines=[f"{event.by}: {title}."])

    async def report_released(event: ReportReleased) -> None:
        url = f"/kalender/termine/{event.appointment_id}"
        lines = [f"Der Bericht zum Besuch „{event.title}“ ist für Sie freigegeben."]
        await state.notifier.send(event.user_ids, "appointment", f"Besuchsbericht: {event.title}", url, lines=lines)

    async def targets_proposed(event: TargetsProposed) -> None:
        async with state.db.read() as session:
            readers = await users_who_may(session, event.partner_id, Action.AGREE)
        title = f"Ziele {event.year} zu bestätigen"
        lines = [f"Die Zentrale hat {event.changed} Ziel(e) für {event.year} vorgeschlagen oder geändert."]
        await state.notifier.send(readers, "targets", title, f"/ziele?jahr={event.year}", lines=lines)

    async def mentioned(event: Mentioned) -> None:
        title = f"{event.author} hat Sie in „{event.room_name}“ erwähnt"
        url = f"/chat/{event.room_id}#m-{event.message_id}"
        await state.notifier.send(event.user_ids, "mention", title, url, lines=[f"{title}."])

    async def document_published(event: DocumentPublished) -> None:
        what = "Rundschreiben" if event.circular else "Dokument"
        fresh = f"Neue Fassung: {event.title}" if event.version > 1 else f"Neues {what}: {event.title}"
        lines = [f"{event.by} hat „{event.title}“ bereitgestellt."]
        if event.circular:
            lines.append("Bitte lesen Sie es und bestätigen Sie die Kenntnisnahme im Portal.")
        await state.notifier.send(event.user_ids, "document", fresh, f"/dokumente/{event.document_id}", lines=lines)

    events.subscribe(TaskAssigned, task_assigned)
    events.subscribe(DocumentPublished, document_published)
    events.subscribe(Mentioned, mentioned)
    events.subscribe(TargetsProposed, targets_proposed)
    events.subscribe(AppointmentChanged, appointment_changed)
    events.subscribe(ReportReleased, report_released)
