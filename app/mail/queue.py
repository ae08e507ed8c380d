"""The mail queue: `queue_mail` adds a mail in the caller's transaction; `deliver` (a scheduled job,
and right after a commit) sends what is due. A mail is claimed by a conditional update before it
is sent, so two workers never send the same one; a claim older than ten minutes (its worker
died) may be taken again, and a failed send is tried again up to five times."""

from __future__ import annotations

import html
import logging
import os
import socket
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.mail.transport import Transport
from app.models import OutgoingMail, utcnow

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BATCH = 50


def queue_mail(
    session: AsyncSession, to: str, subject: str, lines: list[str], link: str, notification_id: int | None = None
) -> OutgoingMail:
    """A German mail of a few lines and one link into the portal, as plain text and HTML."""
    text = "Guten Tag,\n\n" + "\n".join(lines) + f"\n\nIm Portal: {link}\n\n-- \nPartnerportal\n"
    text += "Welche Nachrichten Sie per E-Mail bekommen, stellen Sie unter „Mein Konto“ ein.\n"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    markup = (
        f'<!doctype html><html lang="de"><body><p>Guten Tag,</p>{body}'
        f'<p><a href="{html.escape(link)}">Im Portal öffnen</a></p>'
        '<p style="color:#666">Partnerportal · Welche Nachrichten Sie per E-Mail bekommen, stellen Sie '
        "unter „Mein Konto“ ein.</p></body></html>"
    )
    mail = OutgoingMail(to=to, subject=subject[:300], text=text, html=markup, notification_id=notification_id)
    session.add(mail)
    return mail


def _message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, mail.to, mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="partnerportal")
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


async def deliver(db: Database, transport: Transport, sender: str) -> int:
    """Send the queued mails this worker manages to claim; returns how many went out."""
    async with db.read() as session:
        due = list(
            await session.scalars(
                select(OutgoingMail.id)
                .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS)
                .order_by(OutgoingMail.id)
                .limit(BATCH)
            )
        )
    sent = 0
    for mail_id in due:
        mail = await _claim(db, mail_id)
        if mail is None:
            continue
        try:
            await transport.send(_message(mail, sender))
        except Exception as exc:  # the server refused or is away: released for the next run
            log.warning("mail %s to %s not sent: %s", mail.id, mail.to, exc)
            await _finish(db, mail.id, error=str(exc)[:300])
            continue
        await _finish(db, mail.id, error=None)
        sent += 1
    return sent


async def _claim(db: Database, mail_id: int) -> OutgoingMail | None:
    now = utcnow()
    async with db.transaction() as session:
        claimed = await session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.id == mail_id,
                OutgoingMail.sent_at.is_(None),
                or_(OutgoingMail.claimed_by.is_(None), OutgoingMail.claimed_at < now - STALE),
            )
            .values(claimed_by=_worker(), claimed_at=now, attempts=OutgoingMail.attempts + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await session.get(OutgoingMail, mail_id)


async def _finish(db: Database, mail_id: int, error: str | None) -> None:
    async with db.transaction() as session:
        values = {"error": error, "claimed_by": None} if error else {"sent_at": utcnow(), "error": None}
        await session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id).values(**values))
