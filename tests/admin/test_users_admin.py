"""The Zentrale manages users, permission classes and reads the audit log."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

import httpx
import pyotp
import pytest
import socketio

from tests.support.personas import PASSWORD, Outbox, SignIn, csrf_field, submit_code, submit_password
from tests.support.tokens import token_for

NEW_PASSWORD = "Mähdrescher-fährt-bei-Nacht"


def db_rows(database_url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def user_id(database_url: str, username: str) -> int:
    return int(db_rows(database_url, "select id from users where username = ?", username)[0][0])


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    csrf = csrf_field((await client.get(page)).text)
    return await client.post(action, data={"_csrf_token": csrf, **(data or {})})


@pytest.fixture
async def admin(sign_in: SignIn, portal: str) -> Any:
    async with httpx.AsyncClient(base_url=portal) as client:
        await sign_in(client, "admin")
        yield client


async def test_a_new_user_gets_a_one_time_password_and_must_replace_it(
    admin: httpx.AsyncClient, portal: str, outbox: Outbox
) -> None:
    made = await post_form(
        admin,
        "/admin/benutzer/neu",
        "/admin/benutzer/neu",
        {
            "username": "gf1002.stellv",
            "display_name": "Stefan Stellvertreter",
            "phone": "+49 171 5550100",
            "partner_number": "1002",
            "classes": ["managing_director"],
        },
    )
    assert made.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', made.text)
    assert password
    async with httpx.AsyncClient(base_url=portal) as newcomer:
        await submit_password(newcomer, "gf1002.stellv", password.group(1))
        assert outbox.messages()[-1]["to"] == "+491715550100"
        step = await submit_code(newcomer, outbox.last_code())
        assert step.headers["location"] == "/konto/passwort"
        assert (await newcomer.get("/")).headers["location"] == "/konto/passwort"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "gf1001"}, "gibt es schon"),
        ({"username": "Ä B"}, "Benutzername"),
        ({"phone": "0171 555"}, "internationalen Format"),
        ({"partner_number": "9999"}, "gibt es nicht"),
        ({"classes": ["administrator"]}, "Nicht für Partner-Benutzer"),
        ({"classes": []}, "mindestens eine"),
    ],
)
async def test_bad_user_input_is_refused_and_nothing_is_stored(
    admin: httpx.AsyncClient, demo_sqlite: str, fields: dict[str, Any], message: str
) -> None:
    before = db_rows(demo_sqlite, "select count(*) from users")
    form = {
        "username": "neu.nutzer",
        "display_name": "Neu",
        "phone": "+491715550101",
        "partner_number": "1001",
        "classes": ["accountant"],
        **fields,
    }
    answer = await post_form(admin, "/admin/benutzer/neu", "/admin/benutzer/neu", form)
    assert answer.status_code == 400 and message in answer.text
    assert db_rows(demo_sqlite, "select count(*) from users") == before


async def test_the_user_list_searches_and_filters(admin: httpx.AsyncClient) -> None:
    found = await admin.get("/admin/benutzer", params={"q": "1001"})
    names = set(re.findall(r'<a href="/admin/benutzer/\d+">([^<]+)</a>', found.text))
    assert names == {"gf1001", "bh1001"}
    accountants = await admin.get("/admin/benutzer", params={"klasse": "accountant"}, headers={"HX-Request": "true"})
    assert set(re.findall(r'<a href="/admin/benutzer/\d+">([^<]+)</a>', accountants.text)) == {"bh1001"}
    assert "<html" not in accountants.text, "an HTMX request gets only the rows"


async def test_deactivating_a_user_ends_sessions_and_open_sockets(
    admin: httpx.AsyncClient, sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as victim:
        await sign_in(victim, "gf1002")
        socket = socketio.AsyncClient(reconnection=False)
        await socket.connect(
            portal, auth={"token": await token_for(demo_sqlite, "gf1002")}, transports=["websocket"], wait_timeout=5
        )
        target = user_id(demo_sqlite, "gf1002")
        done = await post_form(admin, f"/admin/benutzer/{target}", f"/admin/benutzer/{target}/deaktivieren")
        assert done.status_code == 303
        for _ in range(50):
            if not socket.connected:
                break
            await asyncio.sleep(0.05)
        assert not socket.connected
        assert (await victim.get("/")).status_code == 303
        assert (await submit_password(victim, "gf1002")).status_code == 400


async def test_an_admin_cannot_deactivate_themselves(admin: httpx.AsyncClient, demo_sqlite: str) -> None:
    me = user_id(demo_sqlite, "admin")
    await post_form(admin, f"/admin/benutzer/{me}", f"/admin/benutzer/{me}/deaktivieren")
    assert db_rows(demo_sqlite, "select active from users where id = ?", me) == [(1,)]


async def test_reset_password_unlock_and_second_factor(
    admin: httpx.AsyncClient, sign_in: SignIn, portal: str, demo_sqlite: str, outbox: Outbox
) -> None:
    target = user_id(demo_sqlite, "gf1002")
    async with httpx.AsyncClient(base_url=portal) as guesser:
        for _ in range(5):
            await submit_password(guesser, "gf1002", "Falsch-Falsch-Falsch")
        assert "gesperrt" in (await submit_password(guesser, "gf1002")).text
    page = await admin.get(f"/admin/benutzer/{target}")
    assert "gesperrt bis" in page.text
    await post_form(admin, f"/admin/benutzer/{target}", f"/admin/benutzer/{target}/entsperren")
    async with httpx.AsyncClient(base_url=portal) as owner:
        assert (await sign_in(owner, "gf1002")).status_code == 303
        app_page = await owner.get("/konto/app")
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', app_page.text)
        assert secret
        await owner.post(
            "/konto/app",
            data={
                "code": pyotp.TOTP(secret.group(1)).now(),
                "password": PASSWORD,
                "_csrf_token": csrf_field(app_page.text),
            },
        )
    sent = len(outbox.messages())
    async with httpx.AsyncClient(base_url=portal) as with_app:
        await submit_password(with_app, "gf1002")
        assert len(outbox.messages()) == sent, "the app replaces the SMS"
    await post_form(admin, f"/admin/benutzer/{target}", f"/admin/benutzer/{target}/zweiter-faktor")
    async with httpx.AsyncClient(base_url=portal) as after_reset:
        await submit_password(after_reset, "gf1002")
        assert len(outbox.messages()) == sent + 1, "after the reset the code comes by SMS again"
    reset = await post_form(admin, f"/admin/benutzer/{target}", f"/admin/benutzer/{target}/passwort")
    one_time = re.search(r'id="one-time-password">([^<]+)<', reset.text)
    assert one_time
    async with httpx.AsyncClient(base_url=portal) as owner:
        assert (await submit_password(owner, "gf1002", PASSWORD)).status_code == 400
        await submit_password(owner, "gf1002", one_time.group(1))
        assert (await submit_code(owner, outbox.last_code())).headers["location"] == "/konto/passwort"


async def test_a_new_class_with_a_scoped_grant_limits_what_its_user_sees(
    admin: httpx.AsyncClient, sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    made = await post_form(
        admin,
        "/admin/berechtigungen",
        "/admin/berechtigungen",
        {"key": "garantie_sued", "name": "Garantie Süd", "description": "Garantie in Süd"},
    )
    class_id = made.headers["location"].rsplit("/", 1)[-1]
    await post_form(
        admin,
        f"/admin/berechtigungen/{class_id}",
        f"/admin/berechtigungen/{class_id}/rechte",
        {"action": "view", "domain": "warranty", "scope": "territory:SUED"},
    )
    target = user_id(demo_sqlite, "debitoren")
    await post_form(
        admin,
        f"/admin/benutzer/{target}",
        f"/admin/benutzer/{target}",
        {
            "display_name": "Doris Debitoren",
            "phone": "+4915100000005",
            "partner_number": "",
            "classes": ["garantie_sued"],
        },
    )
    async with httpx.AsyncClient(base_url=portal) as staff:
        await sign_in(staff, "debitoren")
        partners = await staff.get("/partner")
    assert "10 Partner in Ihrem Bereich" in partners.text
    token = await token_for(demo_sqlite, "debitoren")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        north = await api.get("/api/v1/partners/1001/figures/2026-01")
        south = await api.get("/api/v1/partners/1005/figures/2026-01")
    assert north.status_code == 403
    assert south.status_code == 200 and set(south.json()["values"]) == {
        "warranty_claims",
        "warranty_approved",
        "warranty_value",
        "warranty_days",
    }


async def test_the_last_administration_right_cannot_be_removed(admin: httpx.AsyncClient, demo_sqlite: str) -> None:
    ((class_id, grant_id),) = db_rows(
        demo_sqlite,
        """select c.id, g.id from grants g join permission_classes c
        on c.id = g.class_id where c.key = 'administrator' and g.action = 'administer'""",
    )
    answer = await post_form(
        admin, f"/admin/berechtigungen/{class_id}", f"/admin/berechtigungen/{class_id}/rechte/{grant_id}/entfernen"
    )
    page = await admin.get(answer.headers["location"])
    assert "niemand mehr das Portal verwalten" in page.text
    assert db_rows(demo_sqlite, "select count(*) from grants where id = ?", grant_id) == [(1,)]


async def test_the_audit_log_shows_sign_ins_and_changes_and_filters_by_user(
    admin: httpx.AsyncClient, portal: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as guesser:
        await submit_password(guesser, "gf1001", "Falsch-Falsch-Falsch")
    everything = await admin.get("/admin/protokoll")
    assert "login.ok" in everything.text and "login.failed" in everything.text and "code.sent" in everything.text
    # In words, with the stored key in the title; details as label and value, not raw JSON.
    assert 'title="login.failed">Anmeldung fehlgeschlagen<' in everything.text
    assert 'title="code.sent">Code gesendet<' in everything.text
    table = everything.text.split("<tbody>", 1)[1]
    assert "{&#34;" not in table and '{"' not in table
    only = await admin.get("/admin/protokoll", params={"benutzer": "gf1001", "ereignis": "login"})
    assert "login.failed" in only.text and "login.ok" not in only.text


async def test_an_admin_sees_a_users_tokens_with_last_use_and_revokes_one(
    admin: httpx.AsyncClient, portal: str, demo_sqlite: str
) -> None:
    token = await token_for(demo_sqlite, "gf1001")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        assert (await api.get("/api/v1/metrics")).status_code == 200
        target = user_id(demo_sqlite, "gf1001")
        last_use = r"<td>\d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr</td>\s*<td>aktiv</td>"
        for _ in range(30):  # uses are written together, about a second after the call
            page = await admin.get(f"/admin/benutzer/{target}")
            if re.search(last_use, page.text):
                break
            await asyncio.sleep(0.1)
        assert token[:10] in page.text and token not in page.text
        assert re.search(last_use, page.text), "last use shown"
        token_id = re.search(rf'action="/admin/benutzer/{target}/token/(\d+)/widerrufen"', page.text)
        assert token_id
        await post_form(
            admin, f"/admin/benutzer/{target}", f"/admin/benutzer/{target}/token/{token_id.group(1)}/widerrufen"
        )
        assert (await api.get("/api/v1/metrics")).status_code == 401
