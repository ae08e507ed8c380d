"""record keys: group figures are perturbed (cell key method), releases are no longer stored

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:00:00.000000

Every partner gets a secret random record key (kpi.cellkey). A release is a pure function
of the figures and these keys, so the stored releases and the members' values behind
them (kept for the audit against every earlier release) go. Downgrade brings the tables
back empty: the code of 0007 releases anew from the figures on first view.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

partners = sa.table("partners", sa.column("id", sa.Integer), sa.column("record_key", sa.BigInteger))


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_key", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    for (partner_id,) in bind.execute(sa.select(partners.c.id)).all():
        bind.execute(partners.update().where(partners.c.id == partner_id).values(record_key=secrets.randbits(63)))
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.alter_column("record_key", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("release_contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_contributions_release_id"))
    op.drop_table("release_contributions")
    with op.batch_alter_table("group_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_releases_group_id"))
    op.drop_table("group_releases")


def downgrade() -> None:
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
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("record_key")
