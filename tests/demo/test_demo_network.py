"""`portal demo-data` builds a complete, believable network, and the same one for the same seed."""

from __future__ import annotations

import sqlite3
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from kpi.catalogue import ENTERED
from kpi.months import add_months, month_of
from tests.conftest import DEMO_MONTHS, DEMO_PARTNERS, fill_demo, sqlite_url

TODAY = date(2026, 11, 27)
CONTRACT_USERS = {
    "admin": "administrator",
    "moderator": "moderator",
    "vertrieb": "sales_management",
    "gebiet-sued": "territory_manager",
    "debitoren": "receivables",
    "gf1001": "managing_director",
    "gf1002": "managing_director",
    "bh1001": "accountant",
}


def rows(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    asyncio.run(fill_demo(sqlite_url(path), today=TODAY))
    return path


def test_it_has_40_partners_in_4_regions_and_8_territories(demo: Path) -> None:
    assert rows(demo, "select count(*) from partners where active") == [(DEMO_PARTNERS,)]
    levels = dict(rows(demo, "select level, count(*) from territories group by level"))
    assert levels == {"network": 1, "region": 4, "territory": 8}
    per_territory = rows(demo, "select count(*) from partners group by territory_id")
    assert len(per_territory) == 8 and {n for (n,) in per_territory} == {5}
    assert {s for (s,) in rows(demo, "select distinct size_class from partners")} == {
        "klein",
        "mittel",
        "groß",
    }
    assert rows(demo, "select min(number), max(number) from partners") == [(1001, 1040)]


def test_it_has_36_months_up_to_last_month_with_a_few_gaps(demo: Path) -> None:
    last = add_months(month_of(TODAY), -1)
    months = rows(demo, "select min(month), max(month), count(distinct month) from month_reports")
    assert months == [(str(add_months(last, -(DEMO_MONTHS - 1))), str(last), DEMO_MONTHS)]
    reported_last = rows(demo, "select count(*) from month_reports where month = ?", str(last))[0][0]
    assert 35 <= reported_last < DEMO_PARTNERS, "a few partners are late with last month"
    total = rows(demo, "select count(*) from month_reports")[0][0]
    assert total < DEMO_PARTNERS * DEMO_MONTHS, "some months are missing"
    assert total > DEMO_PARTNERS * DEMO_MONTHS * 0.9
    assert rows(demo, "select count(*) from month_reports where month > ?", str(last)) == [(0,)]


def test_no_month_was_reported_after_the_day_the_network_was_built(demo: Path) -> None:
    # Last month's reports come 3 to 20 days after its end; those that would come after TODAY are
    # spread over the days before it, not stamped at one instant.
    assert rows(demo, "select count(*) from month_reports where submitted_at >= ?", f"{TODAY}") == [(0,)]
    last_month = "2026-10-01"
    assert rows(
        demo, "select count(distinct submitted_at) = count(*) from month_reports where month = ?", last_month
    ) == [(1,)]


def test_every_reported_month_has_every_entered_metric(demo: Path) -> None:
    incomplete = rows(
        demo,
        """
        select r.partner_id, r.month, count(f.id) from month_reports r
        left join figures f on f.partner_id = r.partner_id and f.month = r.month
        group by r.partner_id, r.month having count(f.id) != ?""",
        len(ENTERED),
    )
    assert incomplete == []
    orphans = rows(
        demo,
        """select count(*) from figures f left join month_reports r
        on r.partner_id = f.partner_id and r.month = f.month where r.id is null""",
    )
    assert orphans == [(0,)]


def test_new_machine_sales_peak_in_spring_and_harvest(demo: Path) -> None:
    by_month: dict[int, list[float]] = defaultdict(list)
    for month, value in rows(
        demo,
        """select f.month, f.value from figures f join metrics m on m.id = f.metric_id
                                       where m.key = 'revenue_new'""",
    ):
        by_month[int(str(month)[5:7])].append(float(value))  # type: ignore[arg-type]
    mean = {m: statistics.mean(v) for m, v in by_month.items()}
    winter = statistics.mean([mean[1], mean[2], mean[11]])
    assert mean[4] > 1.4 * winter and mean[8] > 1.4 * winter


def test_partners_differ_in_strengths_and_weaknesses(demo: Path) -> None:
    ratios = rows(
        demo,
        """
        select p.number, sum(case when m.key='hours_productive' then f.value end)
                       / sum(case when m.key='hours_attendance' then f.value end)
        from figures f join metrics m on m.id = f.metric_id join partners p on p.id = f.partner_id
        group by p.number""",
    )
    utilisation = [float(r) for _, r in ratios]  # type: ignore[arg-type]
    assert max(utilisation) - min(utilisation) > 0.12


def test_it_has_the_contracts_users_groups_and_targets(demo: Path) -> None:
    users = dict(
        rows(
            demo,
            """select u.username, c.key from users u join user_permission_classes uc
                               on uc.user_id = u.id join permission_classes c on c.id = uc.class_id""",
        )
    )
    assert {name: users.get(name) for name in CONTRACT_USERS} == CONTRACT_USERS
    phones = [p for (p,) in rows(demo, "select phone from users")]
    assert len(phones) == len(set(phones)) and all(str(p).startswith("+49") for p in phones)
    assert rows(
        demo,
        """select t.code from territory_managers tm join users u on u.id = tm.user_id
                         join territories t on t.id = tm.territory_id where u.username = 'gebiet-sued'""",
    ) == [("SUED",)]
    groups = [g for (g,) in rows(demo, "select name from comparison_groups")]
    assert "Alle Partner" in groups
    assert {"Region Nord", "Region Ost", "Region Süd", "Region West"} <= set(groups)
    assert {"Größenklasse klein", "Größenklasse mittel", "Größenklasse groß"} <= set(groups)
    small = rows(
        demo,
        """select p.number from comparison_group_members gm join partners p on p.id = gm.partner_id
                          join comparison_groups g on g.id = gm.group_id where g.kind = 'list'""",
    )
    assert len(small) < 5 and (1001,) in small
    assert rows(demo, "select count(*) from chat_rooms where kind = 'group'") == [(len(groups),)]
    targets = rows(demo, "select count(distinct partner_id), min(month), max(month) from targets")
    assert targets == [(DEMO_PARTNERS, f"{TODAY.year}-01-01", f"{TODAY.year}-12-01")]


async def test_the_same_seed_gives_the_same_network_and_another_seed_does_not(tmp_path: Path) -> None:
    dumps = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        path = tmp_path / f"{name}.sqlite3"
        await fill_demo(sqlite_url(path), partners=12, months=14, seed=seed, today=TODAY)
        dumps.append(
            (
                rows(
                    path,
                    "select number, name, size_class, partner_type, postal_code from partners order by 1",
                ),
                rows(path, "select partner_id, metric_id, month, value from figures order by 1, 2, 3"),
                rows(path, "select partner_id, metric_id, month, value from targets order by 1, 2, 3"),
                rows(path, "select username, display_name, phone from users order by username"),
            )
        )
    assert dumps[0] == dumps[1]
    assert dumps[0][0] != dumps[2][0] and dumps[0][1] != dumps[2][1]
