"""group releases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 15:50:11.020641
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("span", sa.String(length=10), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["comparison_groups.id"],
            name=op.f("fk_group_releases_group_id_comparison_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_releases")),
        sa.UniqueConstraint("group_id", "period", "span", name=op.f("uq_group_releases_group_id_period_span")),
    )
    with op.batch_alter_table("group_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_releases_group_id"), ["group_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_releases_group_id"))

    op.drop_table("group_releases")
