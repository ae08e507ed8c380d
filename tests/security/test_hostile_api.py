"""Hostile requests to the JSON API (issue 7): a 4xx with `{"detail": ...}`, and nothing stored.

What schemathesis does not generate on its own: bodies that are not even JSON, JSON nested
thousands deep, NaN, lone surrogates, ids past 32 and 64 bits, months in other digits.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import httpx
import pytest

from kpi.months import format_month, month_of
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
FIGURES = f"/api/v1/partners/1001/figures/{MONTH}"
BODIES = {
    "array nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "object nested 5,000 deep": b'{"units_new":' * 5_000 + b"1" + b"}" * 5_000,
    "NaN": b'{"units_new": NaN}',
    "Infinity": b'{"units_new": Infinity}',
    "1e400": b'{"units_new": 1e400}',
    "lone surrogate as value": b'{"units_new": "\\ud800"}',
    "lone surrogate as key": b'{"\\ud800": 1}',
    "NUL in key": b'{"units_new\\u0000": 1}',
    "RTL override in key": b'{"units\\u202e_new": 1}',
    "number as text": b'{"units_new": "7"}',
    "SQL as key": b'{"units_new = 0; DROP TABLE users; --": 1}',
    "list": b"[1, 2]",
    "bare string": b'"units_new"',
    "empty": b"",
    "broken": b'{"units_new": ',
    "not UTF-8": b"\xff\xfe\x00",
    "oversized": b'{"units_new": 1, "x": "' + b"y" * 11_000_000 + b'"}',
}
PATHS = {
    "partner past 64 bits": f"/api/v1/partners/9223372036854775808/figures/{MONTH}",
    "partner past 32 bits": f"/api/v1/partners/3000000000/figures/{MONTH}",
    "month in Arabic-Indic digits": "/api/v1/partners/1001/figures/٢٠٢٦-٠١",
    "month with a trailing newline": f"/api/v1/partners/1001/figures/{MONTH}%0A",
    "month with NUL": f"/api/v1/partners/1001/figures/{MONTH}%00",
    "month before year 1 when stepped back": "/api/v1/partners/1001/figures/0001-01",
    "month with an RTL override": f"/api/v1/partners/1001/figures/%E2%80%AE{MONTH}",
}


def figure_rows(database_url: str) -> list[tuple[object, ...]]:
    """Every stored figure, its revisions and the month reports: what a refused request must not touch."""
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return [
            *db.execute("select * from figures order by 1"),
            *db.execute("select count(*) from figure_revisions"),
            *db.execute("select count(*) from month_reports"),
        ]


def assert_refused_in_shape(answer: httpx.Response) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:200])
    assert answer.headers["content-type"].startswith("application/json")
    assert isinstance(answer.json()["detail"], str) and answer.json()["detail"]


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_a_hostile_body_is_refused_with_json_detail_and_nothing_stored(
    portal: str, demo_sqlite: str, body: bytes
) -> None:
    token = await token_for(demo_sqlite, "admin")
    before = figure_rows(demo_sqlite)
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        answer = await api.put(FIGURES, content=body, headers={"content-type": "application/json"})
    assert_refused_in_shape(answer)
    assert figure_rows(demo_sqlite) == before


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
async def test_hostile_ids_and_months_are_refused_with_json_detail(portal: str, demo_sqlite: str, path: str) -> None:
    token = await token_for(demo_sqlite, "admin")
    before = figure_rows(demo_sqlite)
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        read = await api.get(path)
        written = await api.put(path, json={"units_new": 1})
    assert_refused_in_shape(read)
    assert_refused_in_shape(written)
    assert figure_rows(demo_sqlite) == before


async def test_a_number_past_the_databases_integers_says_so_in_german(portal: str, demo_sqlite: str) -> None:
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        answer = await api.get(PATHS["partner past 64 bits"])
        deep = await api.put(FIGURES, content=BODIES["array nested 100,000 deep"])
    assert answer.status_code == 400 and answer.json()["detail"] == "Eine Zahl in der Anfrage ist zu groß."
    assert deep.status_code == 400 and deep.json()["detail"] == "Die Anfrage ist zu tief verschachtelt."
