"""The personal calendar as pages show it: days with the user's appointments and task due dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.calendar.service import BERLIN
from app.models import Appointment, Task

VIEWS = {"liste": "Liste", "woche": "Woche", "monat": "Monat"}


@dataclass
class Day:
    day: date
    appointments: list[Appointment] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    in_month: bool = True


def span_of(view: str, anchor: date) -> tuple[date, date]:
    """First and last day shown: a week from Monday, a month's full weeks, or the next 30 days."""
    if view == "woche":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if view == "monat":
        first = anchor.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        start = first - timedelta(days=first.weekday())
        end = following - timedelta(days=1)
        return start, end + timedelta(days=6 - end.weekday())
    return anchor, anchor + timedelta(days=29)


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, datetime.min.time(), BERLIN)
    return start, datetime.combine(last + timedelta(days=1), datetime.min.time(), BERLIN)


def days_of(
    first: date, last: date, appointments: list[Appointment], tasks: list[Task], month: int | None = None
) -> list[Day]:
    days = {first + timedelta(days=i): Day(first + timedelta(days=i)) for i in range((last - first).days + 1)}
    for appointment in appointments:
        local = appointment.start.astimezone(BERLIN).date()
        end = (appointment.end - timedelta(seconds=1)).astimezone(BERLIN).date()
        current = max(local, first)
        while current <= min(end, last):
            days[current].appointments.append(appointment)
            current += timedelta(days=1)
    for task in tasks:
        if task.due in days:
            days[task.due].tasks.append(task)
    out = list(days.values())
    if month is not None:
        for d in out:
            d.in_month = d.day.month == month
    return out


def step(view: str, anchor: date, forward: bool) -> date:
    sign = 1 if forward else -1
    if view == "woche":
        return anchor + timedelta(days=7 * sign)
    if view == "monat":
        first = anchor.replace(day=1)
        return (first + timedelta(days=32)).replace(day=1) if forward else (first - timedelta(days=1)).replace(day=1)
    return anchor + timedelta(days=30 * sign)
