"""chat moderation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 17:55:04.755645
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_chat_mutes_by_id_users")),
        sa.ForeignKeyConstraint(
            ["room_id"], ["chat_rooms.id"], name=op.f("fk_chat_mutes_room_id_chat_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chat_mutes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_mutes")),
    )
    with op.batch_alter_table("chat_mutes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_mutes_room_id"), ["room_id"], unique=False)

    op.create_table(
        "chat_mentions",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.id"],
            name=op.f("fk_chat_mentions_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chat_mentions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", "user_id", name=op.f("pk_chat_mentions")),
    )
    with op.batch_alter_table("chat_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_mentions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "chat_message_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.id"],
            name=op.f("fk_chat_message_edits_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message_edits")),
    )
    with op.batch_alter_table("chat_message_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_message_edits_message_id"), ["message_id"], unique=False)

    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentions_all", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("chat_rooms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pinned_message_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_rooms", schema=None) as batch_op:
        batch_op.drop_column("pinned_message_id")

    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_column("mentions_all")

    with op.batch_alter_table("chat_message_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_message_edits_message_id"))

    op.drop_table("chat_message_edits")
    with op.batch_alter_table("chat_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_mentions_user_id"))

    op.drop_table("chat_mentions")
    with op.batch_alter_table("chat_mutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_mutes_room_id"))

    op.drop_table("chat_mutes")
