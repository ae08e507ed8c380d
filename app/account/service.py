"""Changes a user makes to their own account; each confirmed by the password or a code, each audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.codes import code_matches, new_handle
from app.auth.password_policy import password_problems
from app.auth.passwords import hash_password, verify_password
from app.auth.second_factor import new_recovery_codes, totp_step
from app.auth.service import PHONE_TEXT, audit, count_failure, find_challenge, send_code
from app.auth.sms import SmsGateway
from app.auth.user_sessions import end_sessions
from app.models import AccessToken, LoginChallenge, User, utcnow
from app.settings import Settings

PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


class AccountError(Exception):
    """Why a change was refused; safe to show."""


@dataclass(frozen=True)
class Context:
    user: User
    settings: Settings
    client: str | None


def _confirm_password(session: AsyncSession, ctx: Context, password: str) -> None:
    if not verify_password(ctx.user.password_hash, password):
        count_failure(session, ctx.user, ctx.settings, ctx.client)
        audit(session, "account.password_confirm_failed", ctx.user, ctx.client)
        raise AccountError("Das aktuelle Passwort stimmt nicht.")


def normalise_phone(text: str) -> str:
    phone = re.sub(r"[\s/()-]", "", text)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not PHONE.match(phone):
        raise AccountError("Bitte die Mobilnummer im internationalen Format angeben, z. B. +49 170 1234567.")
    return phone


async def change_password(
    session: AsyncSession, ctx: Context, current: str, new: str, repeated: str, keep_handle: str | None
) -> None:
    _confirm_password(session, ctx, current)
    if new != repeated:
        raise AccountError("Die beiden neuen Passwörter stimmen nicht überein.")
    if verify_password(ctx.user.password_hash, new):
        raise AccountError("Das neue Passwort muss sich vom bisherigen unterscheiden.")
    problems = password_problems(new, ctx.user.username)
    if problems:
        raise AccountError(" ".join(problems))
    ctx.user.password_hash = hash_password(new)
    ctx.user.must_change_password = False
    ctx.user.password_changed_at = utcnow()
    ended = await end_sessions(session, ctx.user.id, "password_changed", keep_handle=keep_handle or "")
    audit(session, "account.password_changed", ctx.user, ctx.client, other_sessions_ended=ended)


async def start_phone_change(
    session: AsyncSession, ctx: Context, new_phone: str, password: str, gateway: SmsGateway
) -> str:
    """Send a code to the new number; returns the challenge id the browser session keeps."""
    phone = normalise_phone(new_phone)
    _confirm_password(session, ctx, password)
    if phone == ctx.user.phone:
        raise AccountError("Das ist bereits Ihre Mobilnummer.")
    challenge = LoginChallenge(
        public_id=new_handle(),
        user_id=ctx.user.id,
        purpose="phone",
        new_phone=phone,
        code_hash="",
        expires_at=utcnow() + timedelta(seconds=ctx.settings.code_ttl_seconds),
    )
    session.add(challenge)
    await send_code(session, challenge, phone, gateway, ctx.settings, PHONE_TEXT)
    audit(session, "code.sent", ctx.user, ctx.client, channel="sms", purpose="phone")
    return challenge.public_id


async def confirm_phone_change(
    session: AsyncSession, ctx: Context, challenge_id: str, code: str, gateway: SmsGateway
) -> str:
    challenge = await find_challenge(session, challenge_id, "phone")
    if (
        challenge is None
        or challenge.user_id != ctx.user.id
        or challenge.used_at is not None
        or challenge.expires_at <= utcnow()
        or challenge.attempts >= ctx.settings.code_attempts
    ):
        raise AccountError("Der Code ist abgelaufen. Bitte fordern Sie einen neuen an.")
    challenge.attempts += 1
    if not code_matches(ctx.settings.resolved_secret_key(), challenge.public_id, code, challenge.code_hash):
        count_failure(session, ctx.user, ctx.settings, ctx.client)
        audit(session, "code.failed", ctx.user, ctx.client, purpose="phone")
        raise AccountError("Der Code ist falsch.")
    old, new = ctx.user.phone, challenge.new_phone or ""
    challenge.used_at = utcnow()
    ctx.user.phone, ctx.user.phone_verified = new, True
    audit(session, "account.phone_changed", ctx.user, ctx.client, old=old, new=new)
    if old:
        # The old number hears of it too, so a hijacked account does not change hands silently.
        await gateway.send(
            old,
            "Die Mobilnummer Ihres Partnerportal-Kontos wurde geändert. Waren Sie das nicht, "
            "melden Sie sich bitte sofort bei der Zentrale.",
        )
    return new


async def confirm_app(session: AsyncSession, ctx: Context, secret: str, code: str, password: str) -> list[str]:
    """Switch on the authenticator app once it shows a right code and the password is confirmed;
    returns fresh recovery codes (a hijacked session alone cannot take over the second factor)."""
    _confirm_password(session, ctx, password)
    step = totp_step(secret, code, None)
    if step is None:
        raise AccountError("Der Code aus der App stimmt nicht. Bitte prüfen Sie die Uhrzeit des Telefons.")
    ctx.user.totp_secret, ctx.user.totp_last_step = secret, step
    codes = await new_recovery_codes(session, ctx.user, ctx.settings.resolved_secret_key())
    audit(session, "account.totp_enabled", ctx.user, ctx.client)
    return codes


async def remove_app(session: AsyncSession, ctx: Context, password: str) -> None:
    _confirm_password(session, ctx, password)
    if not (ctx.user.phone and ctx.user.phone_verified):
        raise AccountError("Ohne bestätigte Mobilnummer bliebe kein zweiter Faktor; die App bleibt eingerichtet.")
    ctx.user.totp_secret, ctx.user.totp_last_step = None, None
    audit(session, "account.totp_removed", ctx.user, ctx.client)


async def renew_recovery_codes(session: AsyncSession, ctx: Context, password: str) -> list[str]:
    _confirm_password(session, ctx, password)
    audit(session, "account.recovery_codes_renewed", ctx.user, ctx.client)
    return await new_recovery_codes(session, ctx.user, ctx.settings.resolved_secret_key())


async def own_tokens(session: AsyncSession, user_id: int) -> list[AccessToken]:
    rows = await session.scalars(
        select(AccessToken).where(AccessToken.user_id == user_id).order_by(AccessToken.created_at.desc())
    )
    return list(rows)
