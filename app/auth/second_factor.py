"""Authenticator apps (TOTP) and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RecoveryCode, User, utcnow

ISSUER = "Partnerportal"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn here: no image service ever sees the secret."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#1d2420"))


def totp_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step the code belongs to (±1 step for clock drift), unless already used; else None."""
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    current = int(moment // totp.interval)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code.strip()) and (last_step is None or step > last_step):
            return step
    return None


def _recovery_digest(secret: str, user_id: int, code: str) -> str:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    return hmac.new(secret.encode(), f"{user_id}:{normalised}".encode(), hashlib.sha256).hexdigest()


async def new_recovery_codes(session: AsyncSession, user: User, secret: str) -> list[str]:
    """Replace the user's recovery codes with ten new ones; only their digests are stored."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(secret, user.id, code)))
    return codes


async def use_recovery_code(session: AsyncSession, user: User, secret: str, code: str) -> bool:
    digest = _recovery_digest(secret, user.id, code)
    stored = await session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest, RecoveryCode.used_at.is_(None)
        )
    )
    if stored is None:
        return False
    stored.used_at = utcnow()
    return True


async def recovery_codes_left(session: AsyncSession, user_id: int) -> int:
    rows = await session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return len(rows.all())
