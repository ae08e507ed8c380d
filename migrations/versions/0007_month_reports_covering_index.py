"""month reports: an index answering the release checks' question alone (month, time, revision, partner)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 07:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_month_reports_month_submitted",
        "month_reports",
        ["month", "submitted_at", "revision", "partner_id"],
    )
    op.drop_index("ix_month_reports_month", table_name="month_reports")


def downgrade() -> None:
    op.create_index("ix_month_reports_month", "month_reports", ["month"])
    op.drop_index("ix_month_reports_month_submitted", table_name="month_reports")
