"""Tasks: given by the Zentrale and a managing director, noticed by the assignee, closed; no one else reaches them."""

from __future__ import annotations

import asyncio
import email
import email.header
import re
from pathlib import Path

import httpx

from tests.support.files import pdf_with
from tests.support.personas import SignIn, csrf_field


async def test_a_task_reaches_its_assignee_with_a_notice_and_a_mail_and_is_closed(
    api: dict[str, httpx.AsyncClient], tmp_path: Path
) -> None:
    made = await api["vertrieb"].post(
        "/api/v1/tasks",
        json={"title": "Jahresgespräch vorbereiten", "partner": 1001, "assignee": "gf1001", "due": "2030-01-15"},
    )
    assert made.status_code == 201, made.text
    task = made.json()
    assert task["status"] == "open" and task["partner"] == 1001 and task["created_by"] == "vertrieb"
    mine = (await api["gf1001"].get("/api/v1/tasks", params={"assignee": "me"})).json()
    assert task["id"] in [t["id"] for t in mine["items"]]
    notes = (await api["gf1001"].get("/api/v1/notifications")).json()
    assert notes["items"][0]["kind"] == "task_assigned" and notes["items"][0]["url"] == f"/aufgaben/{task['id']}"
    assert notes["unread"] >= 1
    outbox = tmp_path / "var" / "mail-outbox"
    for _ in range(50):
        if outbox.exists() and list(outbox.glob("*.eml")):
            break
        await asyncio.sleep(0.1)
    (mail_file,) = list(outbox.glob("*.eml"))
    mail = email.message_from_bytes(mail_file.read_bytes())
    assert mail["To"] == "gf1001@demo.invalid" and "Jahresgespräch vorbereiten" in str(
        email.header.make_header(email.header.decode_header(mail["Subject"]))
    )
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in mail.walk()
        if not part.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    assert f"/aufgaben/{task['id']}" in parts["text/plain"] and "Vera Vertrieb hat Ihnen" in parts["text/plain"]
    done = await api["gf1001"].patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"


async def test_no_one_else_reaches_a_task(api: dict[str, httpx.AsyncClient], sign_in: SignIn, portal: str) -> None:
    task = (
        await api["vertrieb"].post("/api/v1/tasks", json={"title": "Intern", "partner": 1001, "assignee": "gf1001"})
    ).json()
    internal = (
        await api["vertrieb"].post(
            "/api/v1/tasks", json={"title": "Nur Zentrale", "partner": 1001, "assignee": "vertrieb"}
        )
    ).json()
    for who in ("gf1002", "gebiet-sued", "bh1001"):
        assert (await api[who].get(f"/api/v1/tasks/{task['id']}")).status_code == 404, who
        assert (await api[who].patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"})).status_code == 404, who
        listed = (await api[who].get("/api/v1/tasks")).json()["items"]
        assert task["id"] not in [t["id"] for t in listed], who
    # The partner's managing director does not see the Zentrale's own task about the business.
    assert (await api["gf1001"].get(f"/api/v1/tasks/{internal['id']}")).status_code == 404
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        assert (await browser.get(f"/aufgaben/{task['id']}")).status_code == 404
        page = await browser.get("/aufgaben/neu")
        refused = await browser.post(
            f"/aufgaben/{task['id']}", data={"_csrf_token": csrf_field(page.text), "status": "done"}
        )
        assert refused.status_code == 404
    assert (await api["vertrieb"].get(f"/api/v1/tasks/{task['id']}")).json()["status"] == "open"


async def test_bad_tasks_are_refused_naming_the_field(api: dict[str, httpx.AsyncClient]) -> None:
    before = (await api["gf1001"].get("/api/v1/tasks")).json()
    for body, field in [
        ({"title": "x", "assignee": "gf1002"}, "assignee"),  # not in the own business
        ({"title": "", "assignee": "bh1001"}, "title"),
        ({"title": "x", "assignee": "bh1001", "priority": "dringend"}, "priority"),
        ({"title": "x", "assignee": "bh1001", "partner": 1002}, "partner"),
    ]:
        answer = await api["gf1001"].post("/api/v1/tasks", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert field in {e["key"] for e in answer.json()["extra"]}, answer.json()
    assert (await api["gf1001"].get("/api/v1/tasks", params={"cursor": "kaputt"})).status_code == 422
    assert (await api["gf1001"].get("/api/v1/tasks")).json() == before
    # Within the own business the managing director assigns.
    given = await api["gf1001"].post("/api/v1/tasks", json={"title": "Belege sortieren", "assignee": "bh1001"})
    assert given.status_code == 201
    assert given.json()["id"] in [t["id"] for t in (await api["bh1001"].get("/api/v1/tasks")).json()["items"]]


async def test_a_long_list_pages_by_cursor_without_gaps(api: dict[str, httpx.AsyncClient]) -> None:
    for day in range(60):
        await api["gf1001"].post(
            "/api/v1/tasks",
            json={"title": f"Aufgabe {day}", "assignee": "bh1001", "due": f"2031-03-{day % 28 + 1:02d}"},
        )
    seen, cursor, pages = [], None, 0
    while True:
        page = (await api["bh1001"].get("/api/v1/tasks", params={"cursor": cursor} if cursor else {})).json()
        seen += page["items"]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 2 and len(seen) == 60 and len({t["id"] for t in seen}) == 60
    dues = [t["due"] for t in seen]
    assert dues == sorted(dues)


async def test_a_territory_manager_gives_every_partner_of_sued_a_task(
    sign_in: SignIn, portal: str, api: dict[str, httpx.AsyncClient]
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gebiet-sued")
        page = await browser.get("/aufgaben/neu")
        made = await browser.post(
            "/aufgaben/neu",
            data={
                "_csrf_token": csrf_field(page.text),
                "title": "Jahresgespräch vorbereiten",
                "assignee": "@geschaeftsfuehrung",
                "due": "2030-02-01",
                "fuer": "gebiet",
                "gebiet": "SUED",
                "priority": "high",
            },
        )
        assert made.status_code == 303, made.text
        given = await browser.get("/aufgaben", params={"wer": "vergeben"})
    rows = [row for row in re.findall(r'<tr data-task="\d+".*?</tr>', given.text, re.S) if "01.02.2030" in row]
    assert len(rows) == 10, "one per partner of Süd"
    mine = (await api["gebiet-sued"].get("/api/v1/tasks", params={"assignee": None})).json()["items"]
    assert {t["assignee"] for t in mine if t["title"] == "Jahresgespräch vorbereiten"} == {
        f"gf{t['partner']}" for t in mine if t["title"] == "Jahresgespräch vorbereiten"
    }


async def test_a_mention_in_the_chat_reaches_the_notification_centre_without_its_text(
    api: dict[str, httpx.AsyncClient], sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    room = (await api["gf1002"].get("/api/v1/chat/rooms")).json()
    everyone = next(r["id"] for r in room if r["name"] == "Alle Partner")
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        page = await browser.get(f"/chat/{everyone}")
        sent = await browser.post(
            f"/chat/{everyone}", data={"_csrf_token": csrf_field(page.text), "body": "@gf1001 Umsatz 123.456 €?"}
        )
        assert sent.status_code in (200, 303)
    note = (await api["gf1001"].get("/api/v1/notifications")).json()["items"][0]
    assert note["kind"] == "mention" and note["url"].startswith(f"/chat/{everyone}")
    assert "hat Sie in „Alle Partner“ erwähnt" in note["title"] and "123" not in note["title"]


async def test_an_attachment_is_checked_kept_in_the_history_and_seen_only_by_the_tasks_readers(
    api: dict[str, httpx.AsyncClient], sign_in: SignIn, portal: str
) -> None:
    task = (
        await api["vertrieb"].post(
            "/api/v1/tasks", json={"title": "Vertrag prüfen", "partner": 1001, "assignee": "gf1001"}
        )
    ).json()
    async with httpx.AsyncClient(base_url=portal) as owner, httpx.AsyncClient(base_url=portal) as other:
        await sign_in(owner, "gf1001")
        page = await owner.get(f"/aufgaben/{task['id']}")
        csrf = csrf_field(page.text)
        refused = await owner.post(
            f"/aufgaben/{task['id']}/anhang", data={"_csrf_token": csrf}, files={"file": ("tool.exe", b"MZ\x90")}
        )
        assert refused.status_code == 400 and "Erlaubt sind" in refused.text and "Noch keine Anhänge" in refused.text
        added = await owner.post(
            f"/aufgaben/{task['id']}/anhang",
            data={"_csrf_token": csrf},
            files={"file": ("angebot.pdf", pdf_with("Angebot Vorfuehrmaschine"))},
        )
        assert added.status_code == 303
        page = await owner.get(f"/aufgaben/{task['id']}")
        link = re.search(r'href="(/aufgaben/\d+/anhang/\d+)"', page.text)
        assert link and "angebot.pdf" in page.text and "Anhang: – → angebot.pdf" in page.text
        file = await owner.get(link.group(1))
        assert file.status_code == 200 and b"Angebot Vorfuehrmaschine" in file.content
        await sign_in(other, "gf1002")
        assert (await other.get(link.group(1))).status_code == 404
        sneaky = await other.post(
            f"/aufgaben/{task['id']}/anhang",
            data={"_csrf_token": csrf_field((await other.get("/aufgaben")).text)},
            files={"file": ("x.pdf", pdf_with("fremd"))},
        )
        assert sneaky.status_code == 404
