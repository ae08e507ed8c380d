"""Sending SMS: to a local outbox file (demo, tests) or to an HTTP gateway (shared/CONTRACT.md)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from app.models import utcnow
from app.settings import Settings


class SmsFailed(Exception):
    """The gateway did not take the message; the text is safe to show to the user."""


class SmsGateway(Protocol):
    async def send(self, to: str, text: str) -> None: ...


@dataclass
class OutboxGateway:
    """Appends `{"to", "text", "at"}` as one JSON line per SMS."""

    path: Path

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()

    async def send(self, to: str, text: str) -> None:
        line = json.dumps({"to": to, "text": text, "at": utcnow().isoformat()}, ensure_ascii=False) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as outbox:
            outbox.write(line)


@dataclass
class HttpGateway:
    url: str
    token: str | None
    timeout_seconds: float = 10.0

    async def send(self, to: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                answer = await client.post(self.url, json={"to": to, "text": text}, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsFailed("Der SMS-Dienst ist nicht erreichbar.") from exc
        if not answer.is_success:
            raise SmsFailed(f"Der SMS-Dienst hat die Nachricht abgelehnt (Status {answer.status_code}).")


def gateway_for(settings: Settings) -> SmsGateway:
    if settings.sms_backend == "outbox":
        return OutboxGateway(settings.var_dir / "sms-outbox.jsonl")
    if settings.sms_backend == "http":
        if not settings.sms_url:
            raise ValueError("PORTAL_SMS_BACKEND=http braucht PORTAL_SMS_URL")
        return HttpGateway(settings.sms_url, settings.sms_token)
    raise ValueError(f"unbekanntes PORTAL_SMS_BACKEND: {settings.sms_backend!r} (outbox oder http)")
