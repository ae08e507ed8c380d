"""The Zentrale manages the network: partners and the territory tree."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.admin.network_support import (
    NEW_PARTNER,
    api_sizes,
    audit,
    db_rows,
    group_id,
    one,
    partner_id,
    post_form,
    territory_id,
)
from tests.support.personas import SignIn, csrf_field


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
