"""`portal`: serve, migrate, fill the demo network, make administrators and tokens (shared/CONTRACT.md)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from alembic.util import CommandError
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.auth.passwords import hash_password, one_time_password
from app.auth.tokens import SHOWN_PREFIX, create_token, revoke_tokens
from app.backup import BackupError, create_backup, restore_backup
from app.chat.retention import purge_expired
from app.db import Database
from app.demo.builder import NotEmpty, build_demo, has_network
from app.demo.people import DEMO_PASSWORD, ZENTRALE_USERS, partner_users
from app.migrate import downgrade, schema_is_current, upgrade
from app.models import PermissionClass, User
from app.seed import seed_reference_data
from app.settings import Settings
from realtime.publish import disconnect_user_everywhere

T = TypeVar("T")
PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


class CliError(Exception):
    pass


def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


async def _refresh_statistics(session: AsyncSession) -> None:
    """After a bulk load: PostgreSQL plans queries from table statistics that only ANALYZE gathers
    (or autovacuum, where it runs). Without them, two workers serving the 1,000-partner demo
    answered a submission in 13 s instead of 0.12 s (bench/load.py)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE"))


def _migrate(settings: Settings) -> None:
    upgrade(settings.database_url)
    _in_transaction(settings, seed_reference_data)


def _demo_logins() -> str:
    people = [*ZENTRALE_USERS, *partner_users(1001, ""), *partner_users(1002, "")[:1]]
    lines = [f"Demo-Anmeldungen (Passwort für alle: {DEMO_PASSWORD}):"]
    lines += [f"  {p.username:<12} {p.phone}" for p in people]
    return "\n".join(lines)


def _require_current_schema(settings: Settings) -> None:
    if not schema_is_current(settings.database_url):
        raise CliError(
            "Die Datenbank ist nicht auf dem neuesten Stand. Bitte zuerst `portal db upgrade` "
            "ausführen (oder `portal demo-data` für ein Demo-Netz)."
        )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    _require_current_schema(settings)
    if (args.workers or settings.workers) > 1 and not settings.redis_url:
        raise CliError(
            "Mehrere Worker brauchen Redis (PORTAL_REDIS_URL), sonst erreichen Live-Daten und Chat "
            "nur die Verbindungen eines Workers."
        )
    host, port, workers = (
        args.host or settings.host,
        args.port or settings.port,
        args.workers or settings.workers,
    )
    print(f"Partnerportal läuft auf http://{host}:{port} (Strg+C beendet)", flush=True)
    uvicorn.run(
        "app.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws_per_message_deflate=False,
        # A stop ends within seconds even where a socket does not answer its close: the dashboards
        # reconnect to the next start anyway.
        timeout_graceful_shutdown=10,
        log_level="info",
        # Only the configured proxies' forwarding headers count (uvicorn trusts 127.0.0.1 by
        # default): rotating X-Forwarded-For from anywhere else escaped the per-address limits.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "",
    )


def cmd_backup(settings: Settings, args: argparse.Namespace) -> None:
    _require_current_schema(settings)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(args.output) if args.output else settings.var_dir / "backups" / f"portal-{stamp}.tar.gz"
    try:
        manifest = create_backup(settings.database_url, target)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"Sicherung geschrieben: {target} ({_size(target.stat().st_size)})")
    print(f"  Datenbankstand {manifest.schema_revision}, Portal {manifest.portal_version}, {manifest.database_version}")


def cmd_restore(settings: Settings, args: argparse.Namespace) -> None:
    try:
        manifest = restore_backup(settings.database_url, Path(args.archive), replace=args.replace)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    _in_transaction(settings, _refresh_statistics)
    print(f"Sicherung vom {manifest.created_at} zurückgespielt (Datenbankstand {manifest.schema_revision}).")
    print("Laufende Portal-Prozesse bitte neu starten, damit sie keine Zwischenstände behalten.")


def _size(size: int) -> str:
    """Bytes as a German reader expects them: „48 KB“, „1,3 MB“."""
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1e6:.1f} MB".replace(".", ",")


def cmd_db(settings: Settings, args: argparse.Namespace) -> None:
    if args.action == "downgrade" and args.revision is None:
        raise CliError(
            "Bitte das Ziel angeben, z. B. `portal db downgrade 0006` "
            "(`base` entfernt alle Tabellen samt Daten; vorher `portal backup`)."
        )
    try:
        if args.action == "upgrade":
            _migrate(settings)
            done = "Datenbank ist auf dem neuesten Stand."
        else:
            downgrade(settings.database_url, args.revision)
            done = f"Datenbank auf Stand {args.revision} zurückgesetzt."
    except (RuntimeError, SQLAlchemyError, CommandError) as exc:
        # The migrations run in one transaction (migrations/env.py): a failure leaves the database as it was.
        raise CliError(f"Migration fehlgeschlagen, die Datenbank ist unverändert: {exc}") from exc
    print(done)


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> None:
    _migrate(settings)
    if args.if_empty and _in_transaction(settings, has_network):
        print("Demo-Daten sind bereits vorhanden.")
    else:
        try:
            summary = _in_transaction(
                settings,
                lambda s: build_demo(s, partners=args.partners, months=args.months, seed=args.seed, today=date.today()),
            )
        except (NotEmpty, ValueError) as exc:
            raise CliError(str(exc)) from exc
        _in_transaction(settings, _refresh_statistics)
        print(
            f"Demo-Netz angelegt: {summary.partners} Partner, {summary.months} Monate "
            f"({summary.first_month:%m/%Y} bis {summary.last_month:%m/%Y}), {summary.figures} Werte, "
            f"{summary.users} Benutzer."
        )
    print(_demo_logins())


async def _create_admin(session: AsyncSession, username: str, phone: str) -> str:
    if await session.scalar(select(User).where(User.username == username)):
        raise CliError(f"Benutzer „{username}“ gibt es schon.")
    admin_class = await session.scalar(select(PermissionClass).where(PermissionClass.key == "administrator"))
    if admin_class is None:
        raise CliError("Berechtigungsklasse „administrator“ fehlt; bitte zuerst `portal db upgrade`.")
    password = one_time_password()
    user = User(
        username=username,
        display_name=username,
        password_hash=hash_password(password),
        phone=phone,
        phone_verified=True,
        must_change_password=True,
        classes=[admin_class],
    )
    session.add(user)
    await session.flush()
    record(session, None, "user.created", object_type="user", object_id=username, via="cli", classes=["administrator"])
    return password


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    if not USERNAME.match(args.username):
        raise CliError("Benutzername: 2–60 Zeichen, Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich.")
    if not PHONE.match(args.phone):
        raise CliError("Mobilnummer bitte im internationalen Format, z. B. +491701234567.")
    _migrate(settings)
    password = _in_transaction(settings, lambda s: _create_admin(s, args.username, args.phone))
    print(f"Administrator „{args.username}“ angelegt. Einmal-Passwort (bei der ersten Anmeldung zu ändern):")
    print(password)


async def _user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise CliError(f"Benutzer „{username}“ gibt es nicht.")
    return user


def cmd_token(settings: Settings, args: argparse.Namespace) -> None:
    async def create(session: AsyncSession) -> str:
        user = await _user(session, args.username)
        if not user.active:
            raise CliError(f"Benutzer „{args.username}“ ist deaktiviert.")
        token = await create_token(session, user, args.name)
        record(
            session,
            None,
            "token.created",
            object_type="user",
            object_id=user.username,
            name=args.name,
            prefix=token[:SHOWN_PREFIX],
            via="cli",
        )
        return token

    async def revoke(session: AsyncSession) -> tuple[int, int]:
        user = await _user(session, args.username)
        count = await revoke_tokens(session, user, None if args.all else args.prefix)
        record(session, None, "token.revoked", object_type="user", object_id=user.username, count=count, via="cli")
        return count, user.id

    _require_current_schema(settings)
    if args.action == "create":
        token = _in_transaction(settings, create)
        print(f"Zugriffstoken für {args.username} (wird nur jetzt angezeigt):")
        print(token)
    else:
        if not args.all and not args.prefix:
            raise CliError("Bitte --prefix ANFANG (die ersten Zeichen des Tokens) oder --all angeben.")
        if not args.all and len(args.prefix) < SHOWN_PREFIX:
            # Every token begins with "ppt_": a shorter prefix would take others with it.
            raise CliError(
                f"--prefix braucht die ersten {SHOWN_PREFIX} Zeichen des Tokens (wie auf der Kontoseite); "
                "alle Token des Benutzers: --all."
            )
        count, user_id = _in_transaction(settings, revoke)
        print(f"{count} Token widerrufen.")
        if count and settings.redis_url:
            # Sockets authenticate when they connect: those opened with a revoked token must end now.
            asyncio.run(disconnect_user_everywhere(settings.redis_url, settings.redis_channel, user_id))
            print("Offene Live-Verbindungen des Benutzers wurden getrennt (Browser verbinden sich neu).")
        elif count:
            print("Live-Verbindungen, die mit diesem Token offen sind, enden beim nächsten Neustart des Portals.")


def cmd_chat_purge(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> int:
        db = Database(settings.database_url)
        try:
            return await purge_expired(db)
        finally:
            await db.dispose()

    print(f"{asyncio.run(run())} Chatnachrichten nach Ablauf ihrer Aufbewahrung gelöscht.")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="portal", description="Partnerportal")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="Portal ausliefern")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(run=cmd_serve)
    db = sub.add_parser("db", help="Datenbank-Migrationen")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="Ziel für downgrade, z. B. 0006; base entfernt alle Tabellen")
    db.set_defaults(run=cmd_db)
    demo = sub.add_parser("demo-data", help="leere Datenbank mit dem Demo-Netz füllen")
    demo.add_argument("--partners", type=int, default=40)
    demo.add_argument("--months", type=int, default=36)
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--if-empty", action="store_true", help="nichts tun, wenn schon Partner da sind")
    demo.set_defaults(run=cmd_demo_data)
    admin = sub.add_parser("create-admin", help="Administrator anlegen")
    admin.add_argument("username")
    admin.add_argument("--phone", required=True, help="Mobilnummer, z. B. +491701234567")
    admin.set_defaults(run=cmd_create_admin)
    token = sub.add_parser("token", help="persönliche Zugriffstoken")
    token.add_argument("action", choices=["create", "revoke"])
    token.add_argument("username")
    token.add_argument("--name", default="Kommandozeile")
    token.add_argument("--prefix", help="revoke: Token, die so beginnen")
    token.add_argument("--all", action="store_true", help="revoke: alle Token des Benutzers")
    token.set_defaults(run=cmd_token)
    backup = sub.add_parser("backup", help="Datenbank sichern (auch im laufenden Betrieb)")
    backup.add_argument("--output", help="Zieldatei (Standard: var/backups/portal-DATUM-ZEIT.tar.gz)")
    backup.set_defaults(run=cmd_backup)
    restore = sub.add_parser("restore", help="Sicherung zurückspielen (Portal vorher anhalten)")
    restore.add_argument("archive", help="Datei von `portal backup`")
    restore.add_argument("--replace", action="store_true", help="eine Datenbank mit Daten ersetzen")
    restore.set_defaults(run=cmd_restore)
    purge = sub.add_parser("chat-purge", help="Chatnachrichten löschen, deren Aufbewahrung abgelaufen ist")
    purge.set_defaults(run=cmd_chat_purge)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(Settings.from_env(), args)
    except CliError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
