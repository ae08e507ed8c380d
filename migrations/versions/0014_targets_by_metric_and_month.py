"""targets: an index by metric and month (the Zentrale's roll-ups read one metric's span for every partner)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_targets_metric_month", "targets", ["metric_id", "month", "partner_id", "value"])


def downgrade() -> None:
    op.drop_index("ix_targets_metric_month", table_name="targets")
