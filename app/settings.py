"""One settings object, read from the environment (README: Configuration)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/portal.sqlite3"
DEFAULT_REDIS_CHANNEL = "portal-socketio"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # Redis channel of the Socket.IO manager: one per portal sharing a Redis (tests give each their own).
    redis_channel: str = DEFAULT_REDIS_CHANNEL
    secret_key: str = ""
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # How long a request waits for a free database connection before it is answered 503 (overload).
    db_pool_timeout_seconds: float = 10
    # PostgreSQL connections each worker keeps open (5 more for a moment under load; app.db).
    db_pool_size: int = 15
    sms_backend: str = "outbox"
    sms_url: str | None = None
    sms_token: str | None = None
    session_idle_minutes: float = 30
    session_absolute_hours: float = 12
    # Mark cookies Secure: set when the portal is served over https (directly or behind a proxy).
    cookie_secure: bool = False
    # Peers (addresses or networks, comma-separated) whose X-Forwarded-For/-Proto count: the
    # reverse proxy. None by default: from anyone else those headers are ignored.
    trusted_proxies: str = ""
    # Sign-in: a code lives 5 minutes, takes 5 tries, may be resent after 60 s;
    # 5 failures in a row lock the account for 15 minutes (an administrator can unlock).
    code_ttl_seconds: int = 300
    code_attempts: int = 5
    code_resend_seconds: int = 60
    lockout_failures: int = 5
    lockout_minutes: float = 15
    # Anonymity of group figures (kpi.anonymity): the Zentrale may only tighten the defaults.
    min_contributors: int = 5
    max_share: float = 0.33
    max_top2_share: float = 0.60
    # The promised median error, in %, of any estimate of a partner's figure from released
    # group figures (docs/anonymity.md); the noise grows with it.
    anonymity_margin: float = 10.0
    # How many past months partners may still correct (the current month is always open).
    correction_months: int = 12
    # Sign-in attempts (password and code) per client address and minute.
    login_rate_per_minute: int = 20
    # All requests per client address and minute.
    request_rate_per_minute: int = 1200
    debug: bool = False
    # The drop folder for the supplier's exports (app.supplier.drop_folder): <drop_dir>/<kind>/;
    # None turns it off. Looked at every drop_interval_seconds by every worker, imported once.
    drop_dir: Path | None = None
    drop_interval_seconds: float = 60
    # E-mail (app.mail): SMTP with STARTTLS where offered; without a URL every mail is a file in
    # var/mail-outbox/. base_url is the portal's address in the links of mails.
    smtp_url: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Partnerportal <portal@localhost>"
    base_url: str = ""
    # How often every worker looks for reminders and recurring tasks to make (each made once).
    reminder_interval_seconds: float = 900

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("PORTAL_VAR_DIR", "var"))
        return cls(
            database_url=env.get("PORTAL_DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=env.get("PORTAL_REDIS_URL") or None,
            redis_channel=env.get("PORTAL_REDIS_CHANNEL") or DEFAULT_REDIS_CHANNEL,
            secret_key=env.get("PORTAL_SECRET_KEY") or "",
            var_dir=var_dir,
            host=env.get("PORTAL_HOST", "127.0.0.1"),
            port=int(env.get("PORTAL_PORT", "8000")),
            workers=int(env.get("PORTAL_WORKERS", "1")),
            db_pool_timeout_seconds=float(env.get("PORTAL_DB_POOL_TIMEOUT", "10")),
            db_pool_size=max(1, int(env.get("PORTAL_DB_POOL_SIZE", "15"))),
            sms_backend=env.get("PORTAL_SMS_BACKEND", "outbox"),
            sms_url=env.get("PORTAL_SMS_URL") or None,
            sms_token=env.get("PORTAL_SMS_TOKEN") or None,
            session_idle_minutes=float(env.get("PORTAL_SESSION_IDLE_MINUTES", "30")),
            session_absolute_hours=float(env.get("PORTAL_SESSION_ABSOLUTE_HOURS", "12")),
            cookie_secure=env.get("PORTAL_COOKIE_SECURE", "") == "1",
            trusted_proxies=",".join(p.strip() for p in env.get("PORTAL_TRUSTED_PROXIES", "").split(",") if p.strip()),
            min_contributors=max(5, int(env.get("PORTAL_MIN_CONTRIBUTORS", "5"))),
            max_share=min(0.33, float(env.get("PORTAL_MAX_SHARE", "0.33"))),
            max_top2_share=min(0.60, float(env.get("PORTAL_MAX_TOP2_SHARE", "0.60"))),
            anonymity_margin=max(10.0, float(env.get("PORTAL_ANONYMITY_MARGIN", "10"))),
            correction_months=int(env.get("PORTAL_CORRECTION_MONTHS", "12")),
            lockout_failures=int(env.get("PORTAL_LOCKOUT_FAILURES", "5")),
            lockout_minutes=float(env.get("PORTAL_LOCKOUT_MINUTES", "15")),
            login_rate_per_minute=int(env.get("PORTAL_LOGIN_RATE_PER_MINUTE", "20")),
            request_rate_per_minute=int(env.get("PORTAL_REQUEST_RATE_PER_MINUTE", "1200")),
            debug=env.get("PORTAL_DEBUG", "") == "1",
            drop_dir=None if env.get("PORTAL_DROP_DIR") == "" else Path(env.get("PORTAL_DROP_DIR") or var_dir / "drop"),
            drop_interval_seconds=max(1.0, float(env.get("PORTAL_DROP_INTERVAL", "60"))),
            smtp_url=env.get("PORTAL_SMTP_URL") or None,
            smtp_user=env.get("PORTAL_SMTP_USER") or None,
            smtp_password=env.get("PORTAL_SMTP_PASSWORD") or None,
            mail_from=env.get("PORTAL_MAIL_FROM") or "Partnerportal <portal@localhost>",
            base_url=(env.get("PORTAL_BASE_URL") or "").rstrip("/"),
            reminder_interval_seconds=max(1.0, float(env.get("PORTAL_REMINDER_INTERVAL", "900"))),
        )

    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once into `var/secret_key`."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def portal_url(self) -> str:
        """The portal's public address for links in mails (PORTAL_BASE_URL, else host and port)."""
        return self.base_url or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
