"""The Zentrale manages comparison groups: rules and lists, sizes, sockets, several workers."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
import socketio

from tests.admin.network_support import (
    api_sizes,
    audit,
    db_rows,
    group_id,
    one,
    partner_id,
    post_form,
    preview,
)
from tests.support.tokens import token_for


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
