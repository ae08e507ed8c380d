"""The composition root: one ASGI application serving Litestar and Socket.IO (PITFALLS 1)."""

from __future__ import annotations

import functools
import gc
from pathlib import Path
from typing import Any

import socketio
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from app.account import routes as account_routes
from app.account import security_routes
from app.admin import audit_routes, classes_routes, groups_routes, partners_routes, users_api, users_routes
from app.admin import network_routes as admin_network_routes
from app.admin import settings_routes as admin_settings_routes
from app.analysis import routes as analysis_routes
from app.auth import routes as auth_routes
from app.auth.csrf import cookie_names, session_bound_csrf
from app.auth.middleware import PortalAuthenticationMiddleware, password_change_guard
from app.auth.sessions import RotatingSessionConfig, sweep_expired_sessions
from app.auth.sms import gateway_for
from app.benchmark import api as benchmark_api
from app.calendar import api as calendar_api
from app.calendar import routes as calendar_routes
from app.chat import api as chat_api
from app.chat import routes as chat_routes
from app.chat.flood import FloodGate
from app.chat.notes import reporting_note
from app.chat.retention import retention_job
from app.chat.sockets import register_chat_events
from app.dashboard import routes as dashboard_routes
from app.db import Database
from app.documents import api as documents_api
from app.documents import exchange_routes
from app.documents import routes as documents_routes
from app.entry import routes as entry_routes
from app.events import Events, FiguresReleased
from app.figures import api as figures_api
from app.imports import routes as import_routes
from app.imports import target_routes as target_import_routes
from app.imports.parsing import Parser
from app.mail.queue import deliver
from app.mail.transport import transport_for
from app.network import api as network_api
from app.network import routes as network_routes
from app.network.groups import remember_groups
from app.notifications import api as notifications_api
from app.notifications import routes as notifications_routes
from app.notifications.delivery import Notifier
from app.notifications.reminders import reminders_job
from app.notifications.subscribers import subscribe_notifications
from app.rate_limits import rate_limits
from app.relations import admin_routes as relations_admin_routes
from app.relations import api as relations_api
from app.relations import routes as relations_routes
from app.scheduling import Schedule
from app.settings import Settings
from app.sockets import socket_authenticator
from app.steering import routes as steering_routes
from app.stores import stores_for
from app.supplier import api as supplier_api
from app.supplier import routes as supplier_routes
from app.supplier.drop_folder import drop_folder_job
from app.targets import api as targets_api
from app.targets import routes as targets_routes
from app.tasks import api as tasks_api
from app.tasks import attachments as task_attachments
from app.tasks import routes as tasks_routes
from app.tasks.jobs import recurring_job
from app.tasks.subscribers import subscribe_tasks
from app.web import health
from app.web.bad_input import BAD_INPUT_HANDLERS
from app.web.errors import EXCEPTION_HANDLERS
from app.web.headers import security_headers
from app.web.navigation import nav_for
from app.web.templating import register_filters
from kpi.months import format_month
from realtime.publish import Publisher
from realtime.server import create_socket_server

ROOT = Path(__file__).resolve().parent.parent
# The calendar feed: calendars subscribe without a session; its secret token is the key.
PUBLIC = ["^/login", "^/static/", "^/schema", "^/healthz$", "^/favicon.ico$", "^/kalender/feed/"]


def create_app(settings: Settings | None = None) -> socketio.ASGIApp:
    settings = settings or Settings.from_env()
    secret = settings.resolved_secret_key()
    session_cookie, csrf_cookie = cookie_names(settings)
    sessions = RotatingSessionConfig(
        store="sessions",
        key=session_cookie,
        max_age=max(1, int(settings.session_idle_minutes * 60)),
        renew_on_access=True,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        exclude=["^/static/"],
    )
    state = State({"settings": settings})

    async def start() -> None:
        collect_seldom()
        state.db = Database(
            settings.database_url, pool_timeout=settings.db_pool_timeout_seconds, pool_size=settings.db_pool_size
        )
        if not state.sio.manager_initialized:
            # Subscribe to the other workers' events now, not at the first socket (PITFALLS 10).
            state.sio.manager_initialized = True
            state.sio.manager.initialize()
        state.sms = gateway_for(settings)
        state.schedule = Schedule()
        sessions_store = litestar.stores.get("sessions")
        state.schedule.every("session-sweep", 600, lambda: sweep_expired_sessions(sessions_store), first_after=600)
        state.schedule.every("chat-retention", 3600, retention_job(state.db), first_after=60)
        if settings.drop_dir is not None:
            parser = state.setdefault("upload_parser", Parser())
            job = drop_folder_job(state.db, settings.drop_dir, parser.table)
            state.schedule.every("drop-folder", settings.drop_interval_seconds, job)
        state.mail_transport = transport_for(settings)
        state.notifier = Notifier(state)
        state.schedule.every(
            "mail", 15, lambda: deliver(state.db, state.mail_transport, settings.mail_from), first_after=5
        )
        every = settings.reminder_interval_seconds
        state.schedule.every("recurring-tasks", every, recurring_job(state), first_after=every)
        state.schedule.every("reminders", every, reminders_job(state), first_after=every)
        state.schedule.start()

    async def stop() -> None:
        state.schedule.shutdown()
        if "notifier" in state:
            await state.notifier.settled()
        if "release_runs" in state:
            await state.release_runs.settled()
        if "upload_parser" in state:
            state.upload_parser.close()
        await state.sio.shutdown()
        await state.db.dispose()

    templates = TemplateConfig(
        directory=ROOT / "templates",
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: register_filters(engine.engine, nav_for),
    )
    litestar = Litestar(
        route_handlers=[
            *auth_routes.ROUTES,
            *account_routes.ROUTES,
            *security_routes.ROUTES,
            *users_routes.ROUTES,
            *users_api.ROUTES,
            *classes_routes.ROUTES,
            *audit_routes.ROUTES,
            *partners_routes.ROUTES,
            *admin_network_routes.ROUTES,
            *groups_routes.ROUTES,
            *admin_settings_routes.ROUTES,
            *dashboard_routes.ROUTES,
            *health.ROUTES,
            *entry_routes.ROUTES,
            *analysis_routes.ROUTES,
            *steering_routes.ROUTES,
            *chat_routes.ROUTES,
            *import_routes.ROUTES,
            *target_import_routes.ROUTES,
            *network_routes.ROUTES,
            *figures_api.ROUTES,
            *targets_api.ROUTES,
            *tasks_api.ROUTES,
            *tasks_routes.ROUTES,
            *task_attachments.ROUTES,
            *calendar_routes.ROUTES,
            *calendar_api.ROUTES,
            *notifications_api.ROUTES,
            *notifications_routes.ROUTES,
            *relations_api.ROUTES,
            *relations_admin_routes.ROUTES,
            *relations_routes.ROUTES,
            *supplier_api.ROUTES,
            *supplier_routes.ROUTES,
            *targets_routes.ROUTES,
            *documents_routes.ROUTES,
            *exchange_routes.ROUTES,
            *documents_api.ROUTES,
            benchmark_api.benchmark,
            network_api.list_groups,
            network_api.list_territories,
            network_api.list_partners,
            chat_api.list_rooms,
            create_static_files_router(path="/static", directories=[ROOT / "static"], include_in_schema=False),
        ],
        state=state,
        stores=stores_for(settings),
        middleware=[
            remember_groups,
            *rate_limits(settings),
            sessions.middleware,
            DefineMiddleware(PortalAuthenticationMiddleware, exclude=PUBLIC),
        ],
        guards=[password_change_guard, session_bound_csrf],
        plugins=[FlashPlugin(FlashConfig(template_config=templates))],
        csrf_config=CSRFConfig(
            secret=secret,
            cookie_name=csrf_cookie,
            cookie_samesite="lax",
            cookie_secure=settings.cookie_secure,
            exclude=["^/api/"],
        ),
        template_config=templates,
        # JSON and YAML only: the browsable schema sites load their scripts from CDNs, and the
        # portal must work on a closed network.
        openapi_config=OpenAPIConfig(
            title="Partnerportal API",
            version="1.0.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        exception_handlers={**EXCEPTION_HANDLERS, **BAD_INPUT_HANDLERS},
        on_startup=[start],
        on_shutdown=[stop],
        before_send=[security_headers(settings.cookie_secure)],
        debug=settings.debug,
    )
    store = litestar.stores.get("sessions")
    sio = create_socket_server(
        socket_authenticator(lambda: state.db, settings, sessions, store),
        redis_url=settings.redis_url,
        channel=settings.redis_channel,
    )
    state.sio = sio
    state.publisher = Publisher(sio)
    state.chat_flood = FloodGate(litestar.stores.get("chat_flood"))
    register_chat_events(sio, state, state.chat_flood)
    state.events = events_for(state)
    # No on_startup/on_shutdown on the wrapper: they would silence Litestar's lifespan hooks.
    return socketio.ASGIApp(sio, other_asgi_app=litestar, socketio_path="socket.io")


@functools.cache
def collect_seldom() -> None:
    """Once per process: the long-lived objects (modules, catalogue, templates) need no
    collecting, and fewer, later collections keep pauses out of the fan-out to many sockets.
    Once, not at every start: a process that starts many portals (the tests) would otherwise
    freeze every earlier portal's garbage for good."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def events_for(state: State) -> Events:
    """Who hears of what happened: the live layer and the chat hear of every release; the
    notification centre of assignments, appointments and reports; tasks of agreed follow-ups."""
    events = Events()

    async def push_release(event: FiguresReleased) -> None:
        await state.publisher.kpi_update(event.group_id, format_month(event.month), event.cells, event.released_at)

    async def note_release(event: FiguresReleased) -> None:
        await reporting_note(state, event.group_id, event.month, event.reported, event.members)

    events.subscribe(FiguresReleased, push_release)
    events.subscribe(FiguresReleased, note_release)
    subscribe_notifications(events, state)
    subscribe_tasks(events, state)
    return events


def app_from_env() -> Any:
    """Factory for uvicorn (`portal serve`), reading settings from the environment."""
    return create_app(Settings.from_env())
