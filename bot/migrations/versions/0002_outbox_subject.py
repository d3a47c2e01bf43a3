"""an outgoing message knows whom it is about

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 23:30:00

A message to a coach (a flag, a relayed header, a notice) about a client goes with the client
when the client's data is erased, even while it still waits to be sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_outbox_message_subject_id_person",
            "person",
            ["subject_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_outbox_message_subject", ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_subject")
        batch_op.drop_constraint("fk_outbox_message_subject_id_person", type_="foreignkey")
        batch_op.drop_column("subject_id")
