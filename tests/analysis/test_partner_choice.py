"""Zentrale staff open a partner's analysis within their scope, through every door of the analysis
(page, chart, course, KPI page, export); outside it they are refused, and a partner's own users
cannot look at another partner by the same parameter."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.support.personas import SignIn

DOORS = [
    "/analyse?partner={n}",
    "/analyse/diagramm/profile?partner={n}",
    "/analyse/verlauf?kennzahl=gross_margin&partner={n}",
    "/analyse/kennzahl/gross_margin?partner={n}",
    "/analyse/export/csv?partner={n}",
]


@pytest.mark.parametrize("door", DOORS)
async def test_a_territory_manager_opens_a_partner_of_the_territory_and_no_other(
    sign_in: SignIn, portal: str, door: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as staff:
        await sign_in(staff, "gebiet-sued")
        opened = await staff.get(door.format(n=1005))
        assert opened.status_code == 200, opened.text[:300]
        refused = await staff.get(door.format(n=1001))
        assert refused.status_code == 403 and "nicht in Ihrem Bereich" in refused.text
        unknown = await staff.get(door.format(n=99999))
        assert unknown.status_code == 403, "an unknown number reads like one out of scope"


async def test_the_chosen_partner_s_figures_stand_where_a_partner_sees_its_own(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as staff:
        await sign_in(staff, "gebiet-sued")
        export = await staff.get("/analyse/export/csv?partner=1005&monat=2026-10")
        lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
        assert lines[0][0].startswith("1005 "), "the export names the partner"
        revenue = next(line for line in lines if line and line[0] == "Gesamtumsatz")
        assert revenue[2] not in ("", "None"), "the partner's own value is in the export"
        group_view = await staff.get("/analyse/export/csv?monat=2026-10")
        lines = list(csv.reader(io.StringIO(group_view.content.decode("utf-8-sig")), delimiter=";"))
        revenue = next(line for line in lines if line and line[0] == "Gesamtumsatz")
        assert revenue[2] == "", "without a partner: group figures only"


async def test_a_partner_user_cannot_look_at_another_partner_by_the_parameter(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as dealer:
        await sign_in(dealer, "gf1001")
        own = (await dealer.get("/analyse/export/csv?monat=2026-10")).content
        other = (await dealer.get("/analyse/export/csv?monat=2026-10&partner=1002")).content
        assert other == own, "the parameter is ignored: a partner's users always see their own business"
