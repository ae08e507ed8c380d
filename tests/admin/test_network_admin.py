"""The Zentrale manages the network: partners, the territory tree and comparison groups."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import socketio

from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for

NEW_PARTNER = {
    "number": "2001",
    "name": "Landtechnik Testhof",
    "size_class": "groß",
    "partner_type": "Landtechnik",
    "postal_code": "84028",
    "city": "Landshut",
}


def db_rows(database_url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def one(database_url: str, sql: str, *args: object) -> Any:
    (row,) = db_rows(database_url, sql, *args)
    return row[0]


def audit(database_url: str, action: str) -> list[tuple[str, dict[str, Any]]]:
    rows = db_rows(database_url, "select object_id, detail from audit_events where action = ? order by id", action)
    return [(object_id, json.loads(detail)) for object_id, detail in rows]


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    csrf = csrf_field((await client.get(page)).text)
    return await client.post(action, data={"_csrf_token": csrf, **(data or {})})


async def preview(client: httpx.AsyncClient, data: dict[str, Any]) -> list[int]:
    """The partner numbers the HTMX preview lists for this form, checked against its stated count."""
    csrf = csrf_field((await client.get("/admin/gruppen/neu")).text)
    answer = await client.post(
        "/admin/gruppen/vorschau", data=data, headers={"hx-request": "true", "x-csrftoken": csrf}
    )
    assert answer.status_code == 200 and "<html" not in answer.text, "HTMX gets the partial only"
    numbers = [int(n) for n in re.findall(r'data-partner="(\d+)"', answer.text)]
    count = re.search(r'id="preview-count">(\d+)<', answer.text)
    assert count and int(count.group(1)) == len(numbers)
    return numbers


async def api_sizes(portal: str, demo_sqlite: str) -> dict[str, int]:
    token = await token_for(demo_sqlite, "vertrieb")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        answer = await api.get("/api/v1/groups")
    assert answer.status_code == 200
    return {g["name"]: g["size"] for g in answer.json()}


def territory_id(database_url: str, code: str) -> int:
    return int(one(database_url, "select id from territories where code = ?", code))


def group_id(database_url: str, name: str) -> int:
    return int(one(database_url, "select id from comparison_groups where name = ?", name))


def partner_id(database_url: str, number: int) -> int:
    return int(one(database_url, "select id from partners where number = ?", number))


@pytest.fixture
async def admin(sign_in: SignIn, portal: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=portal) as client:
        await sign_in(client, "admin")
        yield client


@pytest.mark.parametrize("username", ["vertrieb", "gf1001"])
async def test_only_administrators_reach_the_network_administration(
    sign_in: SignIn, portal: str, demo_sqlite: str, username: str
) -> None:
    ids = {"p": partner_id(demo_sqlite, 1001), "t": territory_id(demo_sqlite, "SUED-BY"), "g": 2}
    pages = ["/admin/partner", "/admin/partner/neu", "/admin/partner/{p}", "/admin/gebiete", "/admin/gebiete/{t}"]
    pages += ["/admin/gruppen", "/admin/gruppen/neu", "/admin/gruppen/{g}"]
    actions = ["/admin/partner/neu", "/admin/partner/{p}", "/admin/partner/{p}/deaktivieren"]
    actions += ["/admin/partner/{p}/aktivieren", "/admin/gebiete/neu", "/admin/gebiete/{t}"]
    actions += ["/admin/gebiete/{t}/deaktivieren", "/admin/gebiete/{t}/aktivieren", "/admin/gruppen/neu"]
    actions += ["/admin/gruppen/vorschau", "/admin/gruppen/{g}", "/admin/gruppen/{g}/deaktivieren"]
    actions += ["/admin/gruppen/{g}/aktivieren"]
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, username)
        # A valid CSRF token, so that the 403 comes from the admin guard and not from the CSRF check.
        csrf = csrf_field((await browser.get("/konto")).text)
        for page in pages:
            assert (await browser.get(page.format(**ids))).status_code == 403, page
        for action in actions:
            answer = await browser.post(action.format(**ids), data={"_csrf_token": csrf, "name": "X", "number": "9"})
            assert answer.status_code == 403, action
    assert (
        db_rows(demo_sqlite, "select 1 from audit_events where object_type in ('partner', 'territory', 'group')") == []
    )


async def test_a_new_partner_shows_in_the_list_and_in_the_rule_groups_it_matches(
    admin: httpx.AsyncClient, portal: str, demo_sqlite: str
) -> None:
    before = await api_sizes(portal, demo_sqlite)
    form = {**NEW_PARTNER, "territory_id": str(territory_id(demo_sqlite, "SUED-BY"))}
    made = await post_form(admin, "/admin/partner/neu", "/admin/partner/neu", form)
    assert made.status_code == 303
    listed = await admin.get("/admin/partner", params={"q": "testhof"})
    assert "Landtechnik Testhof" in listed.text and "2001" in listed.text
    assert (await admin.get("/admin/partner", params={"q": "testhof", "status": "inactive"})).text.count("2001") == 0
    in_north = await admin.get("/admin/partner", params={"gebiet": territory_id(demo_sqlite, "NORD")})
    in_south = await admin.get("/admin/partner", params={"gebiet": territory_id(demo_sqlite, "SUED")})
    assert "Testhof" not in in_north.text and "Testhof" in in_south.text
    big = await admin.get(f"/admin/gruppen/{group_id(demo_sqlite, 'Größenklasse groß')}")
    assert 'data-partner="2001"' in big.text
    after = await api_sizes(portal, demo_sqlite)
    assert after["Größenklasse groß"] == before["Größenklasse groß"] + 1
    assert after["Region Süd"] == before["Region Süd"] + 1
    assert after["Region Nord"] == before["Region Nord"]
    ((object_id, detail),) = audit(demo_sqlite, "partner.created")
    assert object_id == str(partner_id(demo_sqlite, 2001))
    assert detail["number"] == 2001 and detail["postal_code"] == "84028"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"number": "1001"}, "Partnernummer", "hat bereits"),
        ({"number": "zwölf"}, "Partnernummer", "ganze Zahl"),
        ({"postal_code": "8402"}, "Postleitzahl", "fünf Ziffern"),
        ({"postal_code": "84O28"}, "Postleitzahl", "fünf Ziffern"),
        ({"size_class": "riesig"}, "Größenklasse", "klein, mittel oder groß"),
        ({"city": ""}, "Ort", "Ort angeben"),
        ({"territory_id": "region"}, "Gebiet", "Gebiet wählen"),
    ],
)
async def test_bad_partner_input_is_refused_naming_the_field_and_nothing_is_stored(
    admin: httpx.AsyncClient, demo_sqlite: str, change: dict[str, str], field: str, message: str
) -> None:
    form = {**NEW_PARTNER, "territory_id": str(territory_id(demo_sqlite, "SUED-BY")), **change}
    if change.get("territory_id") == "region":
        form["territory_id"] = str(territory_id(demo_sqlite, "SUED"))
    partners = one(demo_sqlite, "select count(*) from partners")
    refused = await post_form(admin, "/admin/partner/neu", "/admin/partner/neu", form)
    assert refused.status_code == 400
    assert f"{field}: " in refused.text and message in refused.text
    assert "nichts wurde gespeichert" in refused.text
    assert one(demo_sqlite, "select count(*) from partners") == partners
    assert audit(demo_sqlite, "partner.created") == []


async def test_an_edit_is_audited_with_what_changed_and_a_duplicate_number_is_refused(
    admin: httpx.AsyncClient, demo_sqlite: str
) -> None:
    pid = partner_id(demo_sqlite, 1003)
    page = f"/admin/partner/{pid}"
    name, territory, size, kind, postal, city = db_rows(
        demo_sqlite,
        "select name, territory_id, size_class, partner_type, postal_code, city from partners where id = ?",
        pid,
    )[0]
    form = {"number": "1003", "name": name, "territory_id": str(territory), "size_class": size}
    form |= {"partner_type": kind, "postal_code": postal, "city": "Neustadt"}
    taken = await post_form(admin, page, page, {**form, "number": "1004", "city": "Anderswo"})
    assert taken.status_code == 400 and "Partnernummer: Die Nummer 1004" in taken.text
    assert one(demo_sqlite, "select city from partners where id = ?", pid) == city
    saved = await post_form(admin, page, page, form)
    assert saved.status_code == 303
    assert one(demo_sqlite, "select city from partners where id = ?", pid) == "Neustadt"
    assert audit(demo_sqlite, "partner.changed") == [(str(pid), {"city": [city, "Neustadt"]})]


async def test_a_deactivated_partner_leaves_every_group_until_reactivated(
    admin: httpx.AsyncClient, portal: str, demo_sqlite: str
) -> None:
    pid = partner_id(demo_sqlite, 1002)
    before = await api_sizes(portal, demo_sqlite)
    assert (await post_form(admin, f"/admin/partner/{pid}", f"/admin/partner/{pid}/deaktivieren")).status_code == 303
    assert one(demo_sqlite, "select active from partners where id = ?", pid) == 0
    assert (await api_sizes(portal, demo_sqlite))["Alle Partner"] == before["Alle Partner"] - 1
    inactive = await admin.get("/admin/partner", params={"status": "inactive"})
    assert f'href="/admin/partner/{pid}"' in inactive.text
    assert (await post_form(admin, f"/admin/partner/{pid}", f"/admin/partner/{pid}/aktivieren")).status_code == 303
    assert await api_sizes(portal, demo_sqlite) == before
    assert [a for a, _ in db_rows(demo_sqlite, "select action, 1 from audit_events where object_type = 'partner'")] == [
        "partner.deactivated",
        "partner.reactivated",
    ]


async def test_the_territory_tree_grows_under_a_parent_and_a_node_with_partners_stays_active(
    admin: httpx.AsyncClient, demo_sqlite: str
) -> None:
    tree = await admin.get("/admin/gebiete")
    assert tree.status_code == 200 and "Landtechnik-Verbund" in tree.text and "Bayern" in tree.text
    south = territory_id(demo_sqlite, "SUED")
    made = await post_form(
        admin, "/admin/gebiete", "/admin/gebiete/neu", {"parent_id": str(south), "code": "sued-al", "name": "Allgäu"}
    )
    assert made.status_code == 303
    assert db_rows(demo_sqlite, "select level, parent_id, active from territories where code = 'SUED-AL'") == [
        ("territory", south, 1)
    ]
    duplicate = await post_form(
        admin, "/admin/gebiete", "/admin/gebiete/neu", {"parent_id": str(south), "code": "SUED-AL", "name": "Doppelt"}
    )
    assert duplicate.status_code == 400 and "Kürzel: „SUED-AL“ ist bereits vergeben" in duplicate.text
    new = territory_id(demo_sqlite, "SUED-AL")
    under_leaf = await post_form(
        admin, "/admin/gebiete", "/admin/gebiete/neu", {"parent_id": str(new), "code": "X-1", "name": "Zu tief"}
    )
    assert under_leaf.status_code == 400 and "Übergeordnet:" in under_leaf.text

    renamed = await post_form(admin, f"/admin/gebiete/{new}", f"/admin/gebiete/{new}", {"name": "Allgäu und Bodensee"})
    assert renamed.status_code == 303
    for code, blocker in (("SUED-BY", "aktive Partner"), ("SUED", "aktive untergeordnete Knoten")):
        node = territory_id(demo_sqlite, code)
        refused = await post_form(admin, f"/admin/gebiete/{node}", f"/admin/gebiete/{node}/deaktivieren")
        assert refused.status_code == 303
        shown = await admin.get(refused.headers["location"])
        assert "kann nicht deaktiviert werden" in shown.text and blocker in shown.text, code
        assert one(demo_sqlite, "select active from territories where id = ?", node) == 1
    emptied = await post_form(admin, f"/admin/gebiete/{new}", f"/admin/gebiete/{new}/deaktivieren")
    assert emptied.status_code == 303
    assert one(demo_sqlite, "select active from territories where id = ?", new) == 0
    new_partner = await admin.get("/admin/partner/neu")
    assert f'<option value="{new}"' not in new_partner.text, "an inactive territory is not offered to partners"
    actions = db_rows(demo_sqlite, "select action, detail from audit_events where object_type = 'territory'")
    assert [a for a, _ in actions] == ["territory.created", "territory.renamed", "territory.deactivated"]
    assert json.loads(actions[1][1]) == {"name": ["Allgäu", "Allgäu und Bodensee"]}


async def test_the_preview_lists_exactly_the_partners_a_rule_or_a_list_selects(
    admin: httpx.AsyncClient, demo_sqlite: str
) -> None:
    expected = [
        number
        for (number,) in db_rows(
            demo_sqlite,
            """select p.number from partners p join territories t on t.id = p.territory_id
               join territories r on r.id = t.parent_id
               where p.active and p.size_class = 'groß' and r.code = 'SUED' order by p.number""",
        )
    ]
    assert expected, "the demo network has large partners in the south"
    rule = {"kind": "rule", "size_class": "groß", "region": "SUED"}
    assert await preview(admin, rule) == expected
    assert set(await preview(admin, {**rule, "size_class": ["groß", "klein"]})) > set(expected)
    chosen = [partner_id(demo_sqlite, n) for n in (1005, 1007, 1030)]
    assert await preview(admin, {"kind": "list", "partner": [str(i) for i in chosen]}) == [1005, 1007, 1030]
    assert await preview(admin, {"kind": "rule"}) == [], "an empty rule selects no one"

    # Without JavaScript the "Vorschau" button posts the whole form and gets the page with the preview.
    page = await post_form(admin, "/admin/gruppen/neu", "/admin/gruppen/vorschau", {"name": "Groß im Süden", **rule})
    assert page.status_code == 200 and "<html" in page.text and 'value="Groß im Süden"' in page.text
    assert re.findall(r'data-partner="(\d+)"', page.text) == [str(n) for n in expected]
    assert db_rows(demo_sqlite, "select 1 from comparison_groups where name = 'Groß im Süden'") == []


async def test_saving_a_group_changes_its_size_for_the_api_and_is_audited(
    admin: httpx.AsyncClient, portal: str, demo_sqlite: str
) -> None:
    chosen = [str(partner_id(demo_sqlite, n)) for n in (1001, 1002, 1003)]
    made = await post_form(
        admin,
        "/admin/gruppen/neu",
        "/admin/gruppen/neu",
        {"name": "Testkreis", "description": "Für den Test", "kind": "list", "partner": chosen},
    )
    assert made.status_code == 303
    gid = group_id(demo_sqlite, "Testkreis")
    assert (await api_sizes(portal, demo_sqlite))["Testkreis"] == 3
    listed = await admin.get("/admin/gruppen")
    assert re.search(r"Testkreis</a></td>\s*<td>Liste</td>\s*<td>3</td>", listed.text)

    page = f"/admin/gruppen/{gid}"
    changed = await post_form(
        admin, page, page, {"name": "Testkreis", "description": "Regel", "kind": "rule", "size_class": "groß"}
    )
    assert changed.status_code == 303
    large = one(demo_sqlite, "select count(*) from partners where active and size_class = 'groß'")
    assert (await api_sizes(portal, demo_sqlite))["Testkreis"] == large
    assert db_rows(demo_sqlite, "select 1 from comparison_group_members where group_id = ?", gid) == []

    assert (await post_form(admin, page, f"{page}/deaktivieren")).status_code == 303
    assert "Testkreis" not in await api_sizes(portal, demo_sqlite)
    assert (await post_form(admin, page, f"{page}/aktivieren")).status_code == 303
    assert (await api_sizes(portal, demo_sqlite))["Testkreis"] == large

    ((_, created),) = audit(demo_sqlite, "group.created")
    assert created["kind"] == "list" and created["partners"] == [1001, 1002, 1003] and created["members"] == 3
    ((_, edit),) = audit(demo_sqlite, "group.changed")
    assert edit["kind"] == ["list", "rule"] and edit["rule"] == [None, {"size_class": ["groß"]}]
    assert edit["partners_removed"] == [1001, 1002, 1003] and edit["members"] == [3, large]
    assert [o for o, _ in audit(demo_sqlite, "group.deactivated") + audit(demo_sqlite, "group.reactivated")] == [
        str(gid),
        str(gid),
    ]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"name": "Region Süd", "kind": "rule", "size_class": "klein"},
            "Name: Eine Gruppe „Region Süd“ gibt es bereits",
        ),
        ({"name": "Leer", "kind": "rule"}, "Regel: Bitte mindestens ein Kriterium"),
        ({"name": "Leer", "kind": "list"}, "Partner: Bitte mindestens einen Partner"),
        ({"name": "Falsch", "kind": "rule", "region": "MARS"}, "Region: Unbekannt ist MARS"),
        ({"name": "Zweite Alle", "kind": "all"}, "Art: Bitte"),
    ],
)
async def test_a_group_that_cannot_be_saved_is_refused_naming_the_field(
    admin: httpx.AsyncClient, demo_sqlite: str, form: dict[str, str], message: str
) -> None:
    groups = one(demo_sqlite, "select count(*) from comparison_groups")
    refused = await post_form(admin, "/admin/gruppen/neu", "/admin/gruppen/neu", form)
    assert refused.status_code == 400 and message in refused.text
    assert one(demo_sqlite, "select count(*) from comparison_groups") == groups


async def test_all_partners_stays_active_and_keeps_its_kind(admin: httpx.AsyncClient, demo_sqlite: str) -> None:
    gid = group_id(demo_sqlite, "Alle Partner")
    page = f"/admin/gruppen/{gid}"
    shown = await admin.get(page)
    assert "/deaktivieren" not in shown.text and 'name="kind" value="all"' in shown.text
    refused = await post_form(admin, page, f"{page}/deaktivieren")
    assert "bleibt aktiv" in (await admin.get(refused.headers["location"])).text
    turned = await post_form(admin, page, page, {"name": "Alle Partner", "kind": "list", "partner": "1"})
    assert turned.status_code == 400 and "Art: " in turned.text
    described = await post_form(admin, page, page, {"name": "Alle Partner", "kind": "all", "description": "Alle."})
    assert described.status_code == 303
    assert db_rows(demo_sqlite, "select kind, active, description from comparison_groups where id = ?", gid) == [
        ("all", 1, "Alle.")
    ]


async def test_a_membership_change_reconnects_the_sockets_of_the_partners_it_moves(
    admin: httpx.AsyncClient, portal: str, demo_sqlite: str
) -> None:
    sockets = {}
    for username in ("gf1002", "gf1003"):
        sockets[username] = socketio.AsyncClient(reconnection=False)
        auth = {"token": await token_for(demo_sqlite, username)}
        await sockets[username].connect(portal, auth=auth, transports=["websocket"], wait_timeout=5)
    try:
        chosen = {"name": "Nur 1002", "kind": "list", "partner": str(partner_id(demo_sqlite, 1002))}
        assert (await post_form(admin, "/admin/gruppen/neu", "/admin/gruppen/neu", chosen)).status_code == 303
        for _ in range(50):
            if not sockets["gf1002"].connected:
                break
            await asyncio.sleep(0.05)
        assert not sockets["gf1002"].connected, "1002 joined a group: its socket must rejoin with the new room"
        assert sockets["gf1003"].connected, "1003's groups did not change"
    finally:
        for socket in sockets.values():
            if socket.connected:
                await socket.disconnect()


async def test_a_group_nearly_equal_to_another_is_refused(admin: httpx.AsyncClient, demo_sqlite: str) -> None:
    """'All partners but one' next to 'Alle Partner' would give that one partner's values by subtraction."""
    all_but_one = [str(partner_id(demo_sqlite, n)) for n in range(1002, 1041)]
    answer = await post_form(
        admin,
        "/admin/gruppen/neu",
        "/admin/gruppen/neu",
        {"name": "Fast alle", "description": "", "kind": "list", "partner": all_but_one},
    )
    assert answer.status_code == 400 and "„Alle Partner“" in answer.text and "zurückrechnen" in answer.text
    assert db_rows(demo_sqlite, "select 1 from comparison_groups where name = 'Fast alle'") == []


async def test_a_group_saved_on_one_worker_is_seen_by_another(
    admin: httpx.AsyncClient, portal_with: Any, demo_sqlite: str
) -> None:
    """Each process keeps the memberships it computed; a change made by another process must still show."""
    async with portal_with() as other:
        assert "Testkreis" not in await api_sizes(other, demo_sqlite)  # the other process now keeps the groups
        chosen = [str(partner_id(demo_sqlite, n)) for n in (1001, 1002, 1003)]
        form = {"name": "Testkreis", "description": "", "kind": "list", "partner": chosen}
        assert (await post_form(admin, "/admin/gruppen/neu", "/admin/gruppen/neu", form)).status_code == 303
        assert (await api_sizes(other, demo_sqlite))["Testkreis"] == 3
        page = f"/admin/gruppen/{group_id(demo_sqlite, 'Testkreis')}"
        assert (await post_form(admin, page, f"{page}/deaktivieren")).status_code == 303
        assert "Testkreis" not in await api_sizes(other, demo_sqlite)
