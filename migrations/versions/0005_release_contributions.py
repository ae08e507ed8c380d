"""release contributions: the members' values behind released cells leave the JSON row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:40:00.000000

Each cell of `group_releases.cells` held "values" (partner id -> value) and "history"
(every earlier released set of values). They move to `release_contributions`, a row per
released set: the first with every contributor, each later one with what changed since
the one before (NaN: the partner left). Downgrade puts them back.
"""

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

releases = sa.table("group_releases", sa.column("id", sa.Integer), sa.column("cells", sa.JSON))
contributions = sa.table(
    "release_contributions",
    sa.column("release_id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("data", sa.LargeBinary),
)


def _cells(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


def _changes(history: list[dict[str, float]]) -> list[bytes]:
    """Each released set as the partners that joined, left (NaN) or changed since the one before."""
    rows, before = [], {}
    for entry in history:
        after = {int(pid): float(value) for pid, value in entry.items()}
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
        values = [after.get(p, float("nan")) for p in changed]
        rows.append(np.array(changed, dtype="<i8").tobytes() + np.array(values, dtype="<f8").tobytes())
        before = after
    return rows


def upgrade() -> None:
    op.create_table(
        "release_contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["group_releases.id"],
            name=op.f("fk_release_contributions_release_id_group_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_contributions")),
        sa.UniqueConstraint("release_id", "key", "seq", name=op.f("uq_release_contributions_release_id_key_seq")),
    )
    with op.batch_alter_table("release_contributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_contributions_release_id"), ["release_id"], unique=False)

    bind = op.get_bind()
    for release_id, raw in bind.execute(sa.select(releases.c.id, releases.c.cells)).all():
        cells = _cells(raw)
        for key, cell in cells.items():
            for seq, data in enumerate(_changes(cell.get("history") or [])):
                bind.execute(contributions.insert().values(release_id=release_id, key=key, seq=seq, data=data))
        public = {k: {f: v for f, v in c.items() if f not in ("values", "history")} for k, c in cells.items()}
        bind.execute(releases.update().where(releases.c.id == release_id).values(cells=public))


def downgrade() -> None:
    bind = op.get_bind()
    for release_id, raw in bind.execute(sa.select(releases.c.id, releases.c.cells)).all():
        cells = _cells(raw)
        rows = bind.execute(
            sa.select(contributions.c.key, contributions.c.data)
            .where(contributions.c.release_id == release_id)
            .order_by(contributions.c.key, contributions.c.seq)
        ).all()
        histories: dict[str, list[dict[str, float]]] = {}
        for key, data in rows:
            n = len(data) // 16
            ids, values = np.frombuffer(data, "<i8", n), np.frombuffer(data, "<f8", offset=8 * n)
            entry = dict(histories[key][-1]) if histories.get(key) else {}
            for pid, value in zip(ids.tolist(), values.tolist(), strict=True):
                if np.isnan(value):
                    entry.pop(str(pid), None)
                else:
                    entry[str(pid)] = value
            histories.setdefault(key, []).append(entry)
        for key, cell in cells.items():
            history = histories.get(key, [])
            cell["history"] = history
            cell["values"] = history[-1] if history else {}
        bind.execute(releases.update().where(releases.c.id == release_id).values(cells=cells))

    with op.batch_alter_table("release_contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_contributions_release_id"))

    op.drop_table("release_contributions")
