"""Signing in: password, then a one-time code (SMS, authenticator app or recovery code).

Limits (app/settings.py): a code lives `code_ttl_seconds`, takes `code_attempts` tries
and may be resent after `code_resend_seconds`; `lockout_failures` failures in a row,
passwords and codes together, lock the account for `lockout_minutes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.auth.codes import code_digest, code_matches, new_code, new_handle
from app.auth.passwords import verify_password
from app.auth.second_factor import totp_step, use_recovery_code
from app.auth.sms import SmsGateway
from app.models import LoginChallenge, User, utcnow
from app.settings import Settings

RECOVERY_CODE = re.compile(r"^[a-z0-9]{5}-?[a-z0-9]{5}$", re.I)


class SignInError(Exception):
    """A failed step; the message is safe to show and does not tell which part was wrong."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class CodeStep:
    challenge_id: str
    masked_phone: str | None
    has_app: bool
    sms_sent: bool


def masked(phone: str | None) -> str | None:
    return None if not phone else phone[:5] + " •••• " + phone[-3:]


def audit(session: AsyncSession, action: str, user: User | None, client: str | None, **detail: object) -> None:
    """An event about a user's own account, by that user."""
    record(
        session,
        user.id if user else None,
        action,
        object_type="user",
        object_id=user.username if user else None,
        client=client,
        **detail,
    )


def _locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def count_failure(session: AsyncSession, user: User, settings: Settings, client: str | None) -> None:
    user.failed_logins += 1
    if user.failed_logins >= settings.lockout_failures:
        user.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
        audit(session, "account.locked", user, client, minutes=settings.lockout_minutes)


async def check_password(
    session: AsyncSession, credentials: Credentials, settings: Settings, client: str | None
) -> User:
    user = await session.scalar(select(User).where(User.username == credentials.username).with_for_update())
    ok = verify_password(user.password_hash if user else None, credentials.password)
    if user is None or not user.active:
        audit(session, "login.failed", user, client, username=credentials.username[:60], reason="unknown")
        raise SignInError
    if _locked(user):
        audit(session, "login.refused_locked", user, client)
        raise SignInError
    if not ok:
        audit(session, "login.failed", user, client, reason="password")
        count_failure(session, user, settings, client)
        raise SignInError
    audit(session, "login.password_ok", user, client)
    return user


async def send_code(
    session: AsyncSession, challenge: LoginChallenge, to: str, gateway: SmsGateway, settings: Settings, text: str
) -> None:
    code = new_code()
    challenge.code_hash = code_digest(settings.resolved_secret_key(), challenge.public_id, code)
    challenge.sent_at = utcnow()
    challenge.expires_at = utcnow() + timedelta(seconds=settings.code_ttl_seconds)
    challenge.attempts = 0
    await session.flush()
    await gateway.send(to, text.format(code=code))


LOGIN_TEXT = "Ihr Anmeldecode für das Partnerportal: {code}. Gültig fünf Minuten. Nicht weitergeben."
PHONE_TEXT = "Bestätigungscode für Ihre neue Mobilnummer im Partnerportal: {code}. Gültig fünf Minuten."


async def start_code_step(
    session: AsyncSession, user: User, gateway: SmsGateway, settings: Settings, client: str | None
) -> CodeStep:
    """Bind a challenge to this attempt; with an authenticator app no SMS goes out unless asked for."""
    if not user.totp_secret and not (user.phone and user.phone_verified):
        audit(session, "login.no_second_factor", user, client)
        raise SignInError(
            "Für Ihr Konto ist kein zweiter Faktor eingerichtet. Bitte wenden Sie sich an die "
            "Administration der Zentrale."
        )
    challenge = LoginChallenge(
        public_id=new_handle(),
        user_id=user.id,
        purpose="login",
        code_hash="",
        expires_at=utcnow() + timedelta(seconds=settings.code_ttl_seconds),
    )
    session.add(challenge)
    sms = user.totp_secret is None
    if sms:
        await send_code(session, challenge, user.phone or "", gateway, settings, LOGIN_TEXT)
        audit(session, "code.sent", user, client, channel="sms")
    return CodeStep(challenge.public_id, masked(user.phone), user.totp_secret is not None, sms)


async def find_challenge(session: AsyncSession, public_id: str, purpose: str) -> LoginChallenge | None:
    return await session.scalar(
        select(LoginChallenge)
        .where(LoginChallenge.public_id == public_id, LoginChallenge.purpose == purpose)
        .with_for_update()
    )


async def code_step(session: AsyncSession, public_id: str, settings: Settings) -> CodeStep | None:
    """The code step of a pending sign-in, or None when it is over (used, expired, tried out)."""
    challenge = await find_challenge(session, public_id, "login")
    if challenge is None or challenge.used_at is not None or challenge.attempts >= settings.code_attempts:
        return None
    if challenge.code_hash and challenge.expires_at <= utcnow():
        return None
    user = await session.get(User, challenge.user_id)
    if user is None:
        return None
    return CodeStep(public_id, masked(user.phone), user.totp_secret is not None, bool(challenge.code_hash))


async def resend_code(
    session: AsyncSession, public_id: str, gateway: SmsGateway, settings: Settings, client: str | None
) -> None:
    challenge = await find_challenge(session, public_id, "login")
    if challenge is None or challenge.used_at is not None:
        raise SignInError("Diese Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.")
    user = await session.get(User, challenge.user_id)
    if user is None or not user.phone or not user.phone_verified:
        raise SignInError("Für Ihr Konto ist keine Mobilnummer hinterlegt.")
    wait = settings.code_resend_seconds - (utcnow() - challenge.sent_at).total_seconds()
    if challenge.code_hash and wait > 0:
        raise SignInError(f"Ein neuer Code kann erst in {int(wait) + 1} Sekunden angefordert werden.")
    await send_code(session, challenge, user.phone, gateway, settings, LOGIN_TEXT)
    audit(session, "code.sent", user, client, channel="sms", resend=True)


async def verify_code(
    session: AsyncSession, public_id: str, code: str, settings: Settings, client: str | None
) -> tuple[User, str]:
    """The user and the factor used, when the code is right; SignInError otherwise."""
    challenge = await find_challenge(session, public_id, "login")
    expired = SignInError(
        "Der Code ist abgelaufen oder wurde zu oft falsch eingegeben. Bitte melden Sie sich erneut an."
    )
    if challenge is None or challenge.used_at is not None:
        raise expired
    user = await session.get(User, challenge.user_id, with_for_update=True)
    if user is None or not user.active or _locked(user):
        raise expired
    if challenge.expires_at <= utcnow() or challenge.attempts >= settings.code_attempts:
        audit(session, "code.expired", user, client)
        raise expired
    challenge.attempts += 1
    factor = await _factor_matching(session, challenge, user, code.strip(), settings)
    if factor is None:
        audit(session, "code.failed", user, client, attempt=challenge.attempts)
        count_failure(session, user, settings, client)
        raise SignInError("Der Code ist falsch. Bitte prüfen Sie ihn und versuchen Sie es erneut.")
    challenge.used_at = utcnow()
    user.failed_logins = 0
    user.last_login_at = utcnow()
    audit(session, "login.ok", user, client, factor=factor)
    return user, factor


async def _factor_matching(
    session: AsyncSession, challenge: LoginChallenge, user: User, code: str, settings: Settings
) -> str | None:
    secret = settings.resolved_secret_key()
    if challenge.code_hash and code.isdigit() and code_matches(secret, challenge.public_id, code, challenge.code_hash):
        return "sms"
    if user.totp_secret and code.isdigit():
        step = totp_step(user.totp_secret, code, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return "totp"
    if RECOVERY_CODE.match(code) and await use_recovery_code(session, user, secret, code):
        return "recovery"
    return None
