"""`/`: the start page by role."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Redirect, Template

from app.analysis.routes import may_analyse
from app.auth.permissions import Action, Principal
from app.dashboard.prompt import reporting_state
from app.dashboard.staff import staff_view
from app.dashboard.tiles import Tile, tiles_for
from app.dashboard.work import my_work
from app.entry.routes import enters_only, may_enter
from app.notifications.reminders import deadline_day
from kpi.months import add_months, month_of

StartRequest = Request[Principal, Any, State]


@get("/", name="home", include_in_schema=False)
async def home(request: StartRequest) -> Template | Redirect:
    user = request.user
    if enters_only(user):
        return Redirect("/erfassung", status_code=303)
    today = date.today()
    last_month = add_months(month_of(today), -1)
    async with request.app.state.db.read() as session:
        work = await my_work(session, user, today)
        partner, strip, prompt = await reporting_state(session, user, today, await deadline_day(session))
    group_name, tiles = "", list[Tile]()
    if user.is_partner_user and may_analyse(user):
        group_name, tiles = await tiles_for(request.app.state, user, last_month)
    staff = None
    if not user.is_partner_user and user.may(Action.VIEW):
        staff = await staff_view(request.app.state, user, last_month, today)
    return Template(
        "home.html",
        context={
            "partner": partner,
            "strip": strip,
            "prompt": prompt if may_enter(user) else None,
            "group_name": group_name,
            "tiles": tiles,
            "tiles_month": last_month,
            "work": work,
            "staff": staff,
            "today": today,
        },
    )


ROUTES = [home]
