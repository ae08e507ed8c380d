"""Task pages: "Meine Aufgaben" with filters, a new task (also for every partner of a territory or
group, also recurring), and a task with its comments and history."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.auth.permissions import Principal
from app.files.checks import ACCEPT
from app.files.store import size_de
from app.models import (
    ComparisonGroup,
    Partner,
    RecurringTask,
    StoredFile,
    Task,
    TaskAttachment,
    TaskComment,
    TaskEvent,
    Territory,
    User,
)
from app.network.colleagues import may_concern
from app.network.visibility import visible_partners
from app.tasks.bulk import EACH_MANAGING_DIRECTOR, create_for_partners, partners_of
from app.tasks.service import (
    PRIORITY_LABELS,
    STATE_LABELS,
    Filter,
    TaskInput,
    change_task,
    comment,
    create_task,
    list_tasks,
    next_due,
    visible_task,
)
from app.web.cursor import BadCursor
from app.web.forms import FormBody, InvalidForm, form_number, raw, text

TasksRequest = Request[Principal, Any, State]
EVERY = {"": "einmalig", "week": "jede Woche", "month": "jeden Monat", "quarter": "jedes Quartal", "year": "jedes Jahr"}


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidForm({name: f"„{value}“ ist kein Datum."}) from exc


def _number(value: str) -> int | None:
    return form_number(value)


async def _names(request: TasksRequest, tasks: list[Task]) -> dict[str, dict[int, str]]:
    async with request.app.state.db.read() as session:
        users = {t.assignee_id for t in tasks} | {t.created_by_id for t in tasks if t.created_by_id}
        partners = {t.partner_id for t in tasks if t.partner_id}
        return {
            "users": dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(users)))).all()),
            "partners": dict(
                (await session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(partners)))).all()
            ),
            "numbers": dict(
                (await session.execute(select(Partner.id, Partner.number).where(Partner.id.in_(partners)))).all()
            ),
        }


@get("/aufgaben", include_in_schema=False)
async def task_list(
    request: TasksRequest,
    wer: FromQuery[str] = "ich",
    status: FromQuery[str] = "active",
    faellig: FromQuery[str] = "",
    partner: FromQuery[str] = "",
    nach: FromQuery[str | None] = None,
) -> Template:
    """Meine Aufgaben: mine by default; those I gave; all I may see. Filters: status, due, partner."""
    f = Filter(
        assignee="me" if wer == "ich" else None,
        partner=_number(partner),
        status=status if status in (*STATE_LABELS, "active") else None,
        due=faellig if faellig in ("overdue", "week") else None,
        created_by_me=wer == "vergeben",
    )
    async with request.app.state.db.read() as session:
        try:
            rows, after = await list_tasks(session, request.user, f, nach)
        except BadCursor:
            rows, after = await list_tasks(session, request.user, f, None)
    query = {"wer": wer, "status": status, "faellig": faellig, "partner": partner}
    return Template(
        "tasks/list.html",
        context={
            "rows": rows,
            "after": after,
            "names": await _names(request, rows),
            "query": query,
            "states": STATE_LABELS,
            "priorities": PRIORITY_LABELS,
            "today": date.today(),
        },
    )


async def _form(
    request: TasksRequest, form: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        partners = await visible_partners(session, request.user) if not request.user.is_partner_user else []
        territories = list(await session.scalars(select(Territory).where(Territory.active).order_by(Territory.name)))
        groups = list(await session.scalars(select(ComparisonGroup).where(ComparisonGroup.active)))
    return Template(
        "tasks/form.html",
        status_code=status_code,
        context={
            "form": form,
            "errors": errors,
            "partners": partners,
            "territories": territories if not request.user.is_partner_user else [],
            "groups": groups if not request.user.is_partner_user else [],
            "priorities": PRIORITY_LABELS,
            "every": EVERY,
            "each_director": EACH_MANAGING_DIRECTOR,
        },
    )


@get("/aufgaben/neu", include_in_schema=False)
async def new_task_page(request: TasksRequest, partner: FromQuery[str] = "") -> Template:
    return await _form(request, {"partner": partner, "assignee": request.user.username, "priority": "normal"}, {})


@post("/aufgaben/neu", include_in_schema=False, status_code=200)
async def new_task_submit(request: TasksRequest, data: FormBody) -> Template | Redirect:
    form = {
        k: raw(data, k)
        for k in ("title", "description", "partner", "assignee", "due", "priority", "fuer", "gebiet", "gruppe", "every")
    }
    try:
        template = TaskInput(
            title=text(data, "title", 200),
            description=text(data, "description", 10_000),
            partner=_number(form["partner"]),
            assignee=form["assignee"].strip().lower(),
            due=_date(form["due"], "due"),
            priority=form["priority"] or "normal",
        )
        async with request.app.state.db.transaction() as session:
            if form["fuer"] in ("gebiet", "gruppe"):
                chosen = await partners_of(
                    session, request.user, form["gebiet"], _number(form["gruppe"]) if form["fuer"] == "gruppe" else None
                )
                made = await create_for_partners(session, request.user, template, chosen)
                target = "/aufgaben?wer=vergeben"
            else:
                if template.assignee == EACH_MANAGING_DIRECTOR:
                    raise InvalidForm({"assignee": "„Geschäftsführung je Partner“ gilt nur für mehrere Partner."})
                task, assigned = await create_task(session, request.user, template)
                made = [assigned]
                target = f"/aufgaben/{task.id}"
                if form["every"] in EVERY and form["every"]:
                    if template.due is None:
                        raise InvalidForm({"due": "Eine wiederkehrende Aufgabe braucht ein erstes Fälligkeitsdatum."})
                    session.add(
                        RecurringTask(
                            title=task.title,
                            description=task.description,
                            partner_id=task.partner_id,
                            assignee_id=task.assignee_id,
                            created_by_id=request.user.user_id,
                            priority=task.priority,
                            every=form["every"],
                            next_due=next_due(template.due, form["every"]),
                        )
                    )
    except InvalidForm as exc:
        return await _form(request, form, exc.errors, 400)
    for assigned in made:
        await request.app.state.events.publish(assigned)
    flash(request, f"{len(made)} Aufgabe(n) angelegt." if len(made) > 1 else "Aufgabe angelegt.", category="success")
    return Redirect(target, status_code=303)


@get("/aufgaben/{task_id:int}", include_in_schema=False)
async def task_page(request: TasksRequest, task_id: FromPath[int]) -> Template:
    return await task_view(request, task_id, {})


async def task_view(request: TasksRequest, task_id: int, errors: dict[str, str], status_code: int = 200) -> Template:
    async with request.app.state.db.read() as session:
        task = await visible_task(session, request.user, task_id)
        if task is None:
            raise NotFoundException("Diese Aufgabe gibt es nicht oder Sie sehen sie nicht.")
        comments = list(
            await session.scalars(select(TaskComment).where(TaskComment.task_id == task.id).order_by(TaskComment.id))
        )
        history = list(
            await session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id))
        )
        people = {c.author_id for c in comments} | {h.actor_id for h in history}
        who = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))).all())
        attachments = (
            await session.execute(
                select(TaskAttachment, StoredFile)
                .join(StoredFile, StoredFile.id == TaskAttachment.file_id)
                .where(TaskAttachment.task_id == task.id)
                .order_by(TaskAttachment.id)
            )
        ).all()
        who |= dict(
            (
                await session.execute(
                    select(User.id, User.display_name).where(User.id.in_({a.by_id for a, _ in attachments}))
                )
            ).all()
        )
        assignee = await session.get(User, task.assignee_id)
        partner = await session.get(Partner, task.partner_id) if task.partner_id else None
    return Template(
        "tasks/task.html",
        status_code=status_code,
        context={
            "task": task,
            "comments": comments,
            "history": history,
            "attachments": attachments,
            "accept": ACCEPT,
            "size_de": size_de,
            "who": who,
            "assignee": assignee,
            "partner": partner,
            "states": STATE_LABELS,
            "priorities": PRIORITY_LABELS,
            "errors": errors,
        },
    )


@post("/aufgaben/{task_id:int}", include_in_schema=False, status_code=200)
async def task_change(request: TasksRequest, task_id: FromPath[int], data: FormBody) -> Template | Redirect:
    """Status, assignee, due date, priority; or a comment."""
    try:
        async with request.app.state.db.transaction() as session:
            task = await visible_task(session, request.user, task_id)
            if task is None:
                raise NotFoundException("Diese Aufgabe gibt es nicht oder Sie sehen sie nicht.")
            assigned = None
            if raw(data, "kommentar").strip():
                await comment(session, request.user, task, raw(data, "kommentar"))
            else:
                due = raw(data, "due")
                assigned = await change_task(
                    session,
                    request.user,
                    task,
                    TaskInput(
                        status=raw(data, "status") or None,
                        priority=raw(data, "priority") or None,
                        assignee=raw(data, "assignee") or None,
                        due=_date(due, "due"),
                        clear_due=not due,
                    ),
                )
    except InvalidForm as exc:
        return await task_view(request, task_id, exc.errors, 400)
    if assigned is not None:
        await request.app.state.events.publish(assigned)
    return Redirect(f"/aufgaben/{task_id}", status_code=303)


@get("/aufgaben/partner/{partner_no:int}", include_in_schema=False)
async def partner_tasks(request: TasksRequest, partner_no: FromPath[int]) -> Template:
    """The open tasks about one partner that the reader may see (a block of the partner file)."""
    async with request.app.state.db.read() as session:
        partner = await session.scalar(select(Partner).where(Partner.number == partner_no))
        if partner is None or not await may_concern(session, request.user, partner.id):
            raise NotFoundException(f"Partner {partner_no} nicht gefunden.")
        rows, after = await list_tasks(session, request.user, Filter(partner=partner_no, status="active"), None, 20)
    return Template(
        "tasks/_partner.html",
        context={
            "rows": rows,
            "more": after is not None,
            "partner": partner,
            "names": await _names(request, rows),
            "states": STATE_LABELS,
            "today": date.today(),
        },
    )


ROUTES = [task_list, new_task_page, new_task_submit, task_page, task_change, partner_tasks]
