"""A user's own account: password, mobile number, authenticator app, recovery codes, sessions, tokens."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.support.personas import PASSWORD, Outbox, SignIn, csrf_field, submit_code, submit_password

NEW_PASSWORD = "Ackerschlepper-im-Herbstnebel"


def db_rows(database_url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return db.execute(sql, args).fetchall()


async def post_form(client: httpx.AsyncClient, page: str, action: str, **fields: str) -> httpx.Response:
    csrf = csrf_field((await client.get(page)).text)
    return await client.post(action, data={"_csrf_token": csrf, **fields})


async def test_a_new_password_must_be_long_uncommon_and_repeated(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        cases = {
            "kurz-1": "mindestens 12 Zeichen",
            "Passwort12345!": "zu verbreitet",
            "1qaz2wsx3edc": "zu verbreitet",
            "gf1002-ist-mein-name": "Benutzernamen",
        }
        for candidate, message in cases.items():
            answer = await post_form(
                browser, "/konto/passwort", "/konto/passwort", current=PASSWORD, new=candidate, repeat=candidate
            )
            assert answer.status_code == 400 and message in answer.text, candidate
        mismatch = await post_form(
            browser, "/konto/passwort", "/konto/passwort", current=PASSWORD, new=NEW_PASSWORD, repeat=NEW_PASSWORD + "x"
        )
        wrong_current = await post_form(
            browser,
            "/konto/passwort",
            "/konto/passwort",
            current="falsch-falsch-1",
            new=NEW_PASSWORD,
            repeat=NEW_PASSWORD,
        )
    assert "stimmen nicht überein" in mismatch.text
    assert "aktuelle Passwort stimmt nicht" in wrong_current.text


async def test_changing_the_password_ends_the_other_sessions(sign_in: SignIn, portal: str, outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=portal) as laptop, httpx.AsyncClient(base_url=portal) as phone:
        await sign_in(laptop, "gf1002")
        await sign_in(phone, "gf1002")
        changed = await post_form(
            laptop, "/konto/passwort", "/konto/passwort", current=PASSWORD, new=NEW_PASSWORD, repeat=NEW_PASSWORD
        )
        assert changed.status_code == 303
        assert (await laptop.get("/")).status_code == 200
        assert (await phone.get("/")).status_code == 303
        old = await submit_password(phone, "gf1002", PASSWORD)
        new = await submit_password(phone, "gf1002", NEW_PASSWORD)
    assert old.status_code == 400 and new.status_code == 303


async def test_an_initial_password_must_be_changed_before_anything_else(
    portal: str, demo_sqlite: str, outbox: Outbox
) -> None:
    cli = Path(sys.executable).parent / "portal"
    made = await asyncio.create_subprocess_exec(
        str(cli),
        "create-admin",
        "neu.admin",
        "--phone",
        "+4917099990000",
        env={"PORTAL_DATABASE_URL": demo_sqlite},
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await made.communicate()
    initial = stdout.decode().strip().splitlines()[-1]
    async with httpx.AsyncClient(base_url=portal) as browser:
        await submit_password(browser, "neu.admin", initial)
        signed_in = await submit_code(browser, outbox.last_code("+4917099990000"))
        assert signed_in.headers["location"] == "/konto/passwort"
        detour = await browser.get("/partner")
        assert detour.status_code == 303 and detour.headers["location"] == "/konto/passwort"
        changed = await post_form(
            browser, "/konto/passwort", "/konto/passwort", current=initial, new=NEW_PASSWORD, repeat=NEW_PASSWORD
        )
        assert changed.status_code == 303
        assert (await browser.get("/partner")).status_code == 200


async def test_a_new_mobile_number_needs_the_password_and_a_code_sent_to_it(
    sign_in: SignIn, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        refused = await post_form(
            browser, "/konto/telefon", "/konto/telefon", phone="+4917012121212", password="falsch-falsch-1"
        )
        assert refused.status_code == 400 and "Passwort" in refused.text
        bad = await post_form(browser, "/konto/telefon", "/konto/telefon", phone="0170 12", password=PASSWORD)
        assert bad.status_code == 400 and "internationalen Format" in bad.text
        asked = await post_form(
            browser, "/konto/telefon", "/konto/telefon", phone="+49 170 1212 1212", password=PASSWORD
        )
        assert asked.status_code == 200 and outbox.messages()[-1]["to"] == "+4917012121212"
        assert db_rows(demo_sqlite, "select phone from users where username='gf1002'") == [("+4915100001002",)]
        confirmed = await post_form(browser, "/konto", "/konto/telefon/code", code=outbox.last_code("+4917012121212"))
        assert confirmed.status_code == 303
    assert db_rows(demo_sqlite, "select phone from users where username='gf1002'") == [("+4917012121212",)]
    assert outbox.messages()[-1]["to"] == "+4915100001002" and "geändert" in outbox.messages()[-1]["text"]
    async with httpx.AsyncClient(base_url=portal) as browser:
        await submit_password(browser, "gf1002")
    assert outbox.messages()[-1]["to"] == "+4917012121212"


async def enrol_app(browser: httpx.AsyncClient) -> tuple[pyotp.TOTP, list[str]]:
    page = await browser.get("/konto/app")
    assert "<svg" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret
    totp = pyotp.TOTP(secret.group(1))
    done = await browser.post(
        "/konto/app", data={"code": totp.now(), "password": PASSWORD, "_csrf_token": csrf_field(page.text)}
    )
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
    return totp, codes


async def test_the_authenticator_app_replaces_sms_and_recovery_codes_work_once(
    sign_in: SignIn, portal: str, outbox: Outbox
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        security = await browser.get("/konto")
        assert "SMS-Codes sind der schwächere zweite Faktor" in security.text
        totp, codes = await enrol_app(browser)
    assert len(codes) == 10 and len(set(codes)) == 10
    sent = len(outbox.messages())
    async with httpx.AsyncClient(base_url=portal) as browser:
        step = await submit_password(browser, "gf1001")
        assert step.status_code == 303 and len(outbox.messages()) == sent, "no SMS with an app"
        # The enrolment used this time step's code; the app's next code (within the allowed drift) is fresh.
        code = totp.at(time.time() + totp.interval)
        assert (await submit_code(browser, code)).status_code == 303
    async with httpx.AsyncClient(base_url=portal) as replay:
        await submit_password(replay, "gf1001")
        assert (await submit_code(replay, code)).status_code == 400, "a TOTP code counts once"
        assert (await submit_code(replay, codes[0])).status_code == 303
    async with httpx.AsyncClient(base_url=portal) as again:
        await submit_password(again, "gf1001")
        assert (await submit_code(again, codes[0])).status_code == 400, "a recovery code counts once"


async def test_users_see_and_end_their_own_sessions_only(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    async with (
        httpx.AsyncClient(base_url=portal) as laptop,
        httpx.AsyncClient(base_url=portal) as phone,
        httpx.AsyncClient(base_url=portal) as other,
    ):
        await sign_in(laptop, "gf1001")
        await sign_in(phone, "gf1001")
        await sign_in(other, "gf1002")
        page = await laptop.get("/konto")
        assert page.text.count("Beenden</button>") == 1 and "diese Sitzung" in page.text
        (foreign,) = db_rows(
            demo_sqlite,
            """select s.id from user_sessions s join users u on u.id = s.user_id
                                             where u.username = 'gf1002' and s.ended_at is null""",
        )
        idor = await post_form(laptop, "/konto", f"/konto/sitzungen/{foreign[0]}/beenden")
        assert idor.status_code == 404 and (await other.get("/")).status_code == 200
        own = re.search(r'action="/konto/sitzungen/(\d+)/beenden"', page.text)
        assert own
        ended = await post_form(laptop, "/konto", f"/konto/sitzungen/{own.group(1)}/beenden")
        assert ended.status_code == 303
        assert (await phone.get("/")).status_code == 303
        assert (await laptop.get("/")).status_code == 200


@pytest.mark.parametrize("username", ["gf1001", "vertrieb"])
async def test_a_token_made_on_the_account_page_works_until_revoked(
    sign_in: SignIn, portal: str, demo_sqlite: str, username: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, username)
        made = await post_form(browser, "/konto", "/konto/token", name="Warenwirtschaft")
        token = re.search(r'id="token">([^<]+)<', made.text)
        assert token
        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token.group(1)}"}) as api:
            assert (await api.get("/api/v1/metrics")).status_code == 200
            listed = await browser.get("/konto")
            assert "Warenwirtschaft" in listed.text and token.group(1) not in listed.text
            token_id = re.search(r'action="/konto/token/(\d+)/widerrufen"', listed.text)
            assert token_id
            await post_form(browser, "/konto", f"/konto/token/{token_id.group(1)}/widerrufen")
            assert (await api.get("/api/v1/metrics")).status_code == 401


async def test_switching_on_the_app_needs_the_password(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        page = await browser.get("/konto/app")
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
        assert secret
        refused = await browser.post(
            "/konto/app",
            data={
                "code": pyotp.TOTP(secret.group(1)).now(),
                "password": "falsch-falsch-1",
                "_csrf_token": csrf_field(page.text),
            },
        )
        overview = await browser.get("/konto")
    assert refused.status_code == 400 and "Passwort" in refused.text
    assert "nicht eingerichtet" in overview.text
