"""One-time codes: random six digits, kept only as an HMAC under the portal's secret key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(secret: str, challenge_id: str, code: str) -> str:
    # Binding the digest to its challenge means a code is worth nothing in another attempt.
    return hmac.new(secret.encode(), f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(secret: str, challenge_id: str, code: str, digest: str) -> bool:
    return hmac.compare_digest(code_digest(secret, challenge_id, code.strip()), digest)


def new_handle() -> str:
    return secrets.token_urlsafe(32)
