"""Master data over the API (shared/CONTRACT.md, partner management): territories and partners."""

from __future__ import annotations

import httpx

from tests.support.tokens import token_for


async def _get(portal: str, database_url: str, username: str, path: str) -> httpx.Response:
    token = await token_for(database_url, username)
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        return await api.get(path)


async def test_territories_list_code_name_and_region(portal: str, demo_sqlite: str) -> None:
    answer = await _get(portal, demo_sqlite, "vertrieb", "/api/v1/territories")
    territories = answer.json()
    assert answer.status_code == 200 and len(territories) == 8  # the demo's 8 territories in 4 regions
    assert {t["region"] for t in territories} == {"NORD", "OST", "SUED", "WEST"}
    assert all(set(t) == {"id", "code", "name", "region"} for t in territories)


async def test_each_user_lists_the_partners_of_its_job(portal: str, demo_sqlite: str) -> None:
    everyone = (await _get(portal, demo_sqlite, "vertrieb", "/api/v1/partners")).json()
    south = (await _get(portal, demo_sqlite, "gebiet-sued", "/api/v1/partners")).json()
    own = (await _get(portal, demo_sqlite, "gf1001", "/api/v1/partners")).json()
    clerk = (await _get(portal, demo_sqlite, "bh1001", "/api/v1/partners")).json()
    territories = {
        t["code"]: t["region"] for t in (await _get(portal, demo_sqlite, "vertrieb", "/api/v1/territories")).json()
    }
    assert len(everyone) == 40 and set(everyone[0]) == {"number", "name", "territory", "town"}
    assert 0 < len(south) < 40 and all(territories[p["territory"]] == "SUED" for p in south)
    assert [p["number"] for p in own] == [1001] and [p["number"] for p in clerk] == [1001]
    assert (await _get(portal, demo_sqlite, "moderator", "/api/v1/partners")).json() == []
