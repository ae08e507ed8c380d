"""The demo users of shared/CONTRACT.md, plus a managing director for every partner."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "Demo-Portal-2026!"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    phone: str
    classes: tuple[str, ...]
    partner_no: int | None = None
    manages: tuple[str, ...] = ()


ZENTRALE_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Anna Administrator", "+4915100000001", ("administrator",)),
    DemoUser("moderator", "Moritz Moderator", "+4915100000002", ("moderator",)),
    DemoUser("vertrieb", "Vera Vertrieb", "+4915100000003", ("sales_management",)),
    DemoUser(
        "gebiet-sued",
        "Georg Gebietsleiter (Süd)",
        "+4915100000004",
        ("territory_manager",),
        manages=("SUED",),
    ),
    DemoUser("debitoren", "Doris Debitoren", "+4915100000005", ("receivables",)),
)


def partner_users(partner_no: int, owner: str) -> list[DemoUser]:
    """The managing director of every partner; partner 1001 also has its accountant."""
    users = [
        DemoUser(
            f"gf{partner_no}",
            f"{owner} (GF {partner_no})",
            f"+49151{partner_no:08d}",
            ("managing_director",),
            partner_no,
        )
    ]
    if partner_no == 1001:
        users.append(DemoUser("bh1001", "Birgit Buchhaltung (1001)", "+4915200001001", ("accountant",), 1001))
    return users
