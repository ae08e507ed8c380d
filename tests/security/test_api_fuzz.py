"""schemathesis against the running portal's OpenAPI schema with a valid token (issue 7).

Every operation, positive and negative data: never a 5xx, and every error is JSON in the
contract's shape `{"detail": ...}`. Path and query values are sometimes swapped for real
partners, groups and months, and bodies for real metric keys, so that generated data
also reaches the figures store and not only the 404 of an unknown partner.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.schemas import BaseSchema

from app.server import create_app
from app.settings import Settings
from kpi.months import add_months, format_month, month_of
from tests.support.server import serving_in_thread
from tests.support.tokens import token_for

THIS_MONTH = month_of(date.today())
MONTHS = [format_month(add_months(THIS_MONTH, -n)) for n in (0, 1, 13)]
PARTNERS = [1001, 1002, 1040]
EXAMPLES = 60  # per operation and user: about 30 s for all of them


def entered_metric_keys(database_url: str) -> list[str]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return [key for (key,) in db.execute("select key from metrics where kind = 'entered' order by key")]


def steer(schema: BaseSchema, metric_keys: list[str]) -> None:
    """Each value sometimes swapped for a real one: generated values alone mostly end in 404 or 422."""
    real = {
        "partner_no": st.sampled_from(PARTNERS),
        "period": st.sampled_from(MONTHS),
        "group": st.integers(1, 9),
        "span": st.sampled_from(["month", "r12"]),
        "year": st.sampled_from([THIS_MONTH.year, THIS_MONTH.year + 1]),
        "kind": st.sampled_from(["open-items", "warranty-claims", "purchases"]),
        "username": st.sampled_from(["gf1002", "gebiet-sued", "debitoren"]),
    }

    def some_real(_: Any, values: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any] | None]:
        if not values:
            return st.just(values)
        swapped = {name: real[name] if name in real else st.just(value) for name, value in values.items()}
        mixed = {name: st.one_of(st.just(value), swapped[name]) for name, value in values.items()}
        return st.one_of(st.just(values), st.fixed_dictionaries(swapped), st.fixed_dictionaries(mixed))

    def some_metrics(_: Any, body: Any) -> st.SearchStrategy[Any]:
        values = st.one_of(
            st.integers(0, 10**6),
            st.floats(0, 1e6),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(),
            st.none(),
            st.booleans(),
            st.lists(st.integers()),
        )
        return st.one_of(st.just(body), st.dictionaries(st.sampled_from(metric_keys), values, min_size=1, max_size=3))

    schema.hook("flatmap_path_parameters")(some_real)
    schema.hook("flatmap_query")(some_real)
    schema.hook("flatmap_body")(some_metrics)


@pytest.mark.parametrize("username", ["admin", "gf1001"])
def test_no_operation_answers_5xx_and_every_error_is_json_with_detail(
    demo_sqlite: str, make_settings: Callable[..., Settings], username: str
) -> None:
    token = asyncio.run(token_for(demo_sqlite, username))
    app = create_app(make_settings(demo_sqlite, request_rate_per_minute=100_000))
    wrong: dict[str, str] = {}
    tested = []
    with serving_in_thread(app) as base:
        schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json", timeout=10)
        steer(schema, entered_metric_keys(demo_sqlite))
        for result in schema.get_all_operations():
            operation = result.ok()
            tested.append(operation.label)
            cases = st.one_of(operation.as_strategy(generation_mode=mode) for mode in GenerationMode)

            @given(case=cases)
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
            def answers_without_5xx_and_in_shape(case: Case) -> None:
                response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
                shown = response.content[:300].decode("utf-8", "replace")  # a downloaded file is no text
                where = f"{response.status_code} for {case.as_curl_command()}: {shown}"
                assert response.status_code < 500, where
                if response.status_code >= 400:
                    content_type = response.headers.get("content-type", [""])[0]  # headers come as lists
                    assert content_type.startswith("application/json"), where
                    body = response.json()
                    assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], where

            try:
                answers_without_5xx_and_in_shape()
            except AssertionError as exc:
                wrong[operation.label] = str(exc)
    assert {
        "PUT /api/v1/partners/{partner_no}/figures/{period}",
        "PUT /api/v1/partners/{partner_no}/targets/{year}",
        "PATCH /api/v1/partners/{partner_no}",
        "POST /api/v1/users",
        "PATCH /api/v1/users/{username}",
        "POST /api/v1/imports/{kind}",
    } <= set(tested)
    assert wrong == {}
