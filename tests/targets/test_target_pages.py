"""The target pages: the Zentrale proposes, the managing director confirms, the roll-up shows the state."""

from __future__ import annotations

import re
from datetime import date

import httpx

from tests.support.personas import SignIn, csrf_field

YEAR = date.today().year
FORM = f"/zentrale/ziele/partner/1001/{YEAR}"


async def _propose(client: httpx.AsyncClient, fields: dict[str, str]) -> httpx.Response:
    page = await client.get(FORM)
    return await client.post(FORM, data={"_csrf_token": csrf_field(page.text), **fields})


async def test_proposed_in_the_form_confirmed_by_the_partner_shown_as_agreed(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as zentrale, httpx.AsyncClient(base_url=portal) as owner:
        await sign_in(zentrale, "vertrieb")
        saved = await _propose(zentrale, {"y_revenue_new": "1.500.000", "note": "Jahresgespräch"})
        assert saved.status_code == 303
        form = await zentrale.get(FORM)
        row = re.search(r'<tr data-metric="revenue_new">(.*?)</tr>', form.text, re.S)
        assert row and 'data-state="proposed"' in row.group(1) and "1.500.000,00" in row.group(1)
        assert "Jahresgespräch" in form.text  # the history keeps the note

        await sign_in(owner, "gf1001")
        mine = await owner.get("/ziele")
        assert "Zu bestätigen" in mine.text and 'value="revenue_new"' in mine.text
        confirmed = await owner.post(
            f"/ziele/{YEAR}/bestaetigen", data={"_csrf_token": csrf_field(mine.text), "metrics": ["revenue_new"]}
        )
        assert confirmed.status_code == 303
        mine = await owner.get("/ziele")
        assert re.search(r'<tr data-metric="revenue_new">.*?data-state="agreed"', mine.text, re.S)

        rollup = await zentrale.get("/zentrale/ziele", params={"kennzahl": "revenue_new", "monat": f"{YEAR}-01"})
        partner = re.search(r'<tr data-partner="1001">(.*?)</tr>', rollup.text, re.S)
        assert partner and 'data-state="agreed"' in partner.group(1)


async def test_a_bad_value_names_the_metric_and_changes_nothing(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as zentrale:
        await sign_in(zentrale, "vertrieb")
        before = re.search(r'<tr data-metric="units_new">(.*?)</tr>', (await zentrale.get(FORM)).text, re.S)
        refused = await _propose(zentrale, {"y_revenue_new": "2.000.000", "y_units_new": "viele"})
        assert refused.status_code == 400 and "Nichts wurde gespeichert" in refused.text
        assert "Verkaufte Neumaschinen: „viele“ ist keine Zahl" in refused.text
        after = await zentrale.get(FORM)
        assert re.search(r'<tr data-metric="units_new">(.*?)</tr>', after.text, re.S).group(1) == before.group(1)  # type: ignore[union-attr]
        assert "2.000.000,00" not in after.text
