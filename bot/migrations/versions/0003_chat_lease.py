"""a chat's updates are handled by one process at a time, under a lease

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 03:00:00

Receivers only write updates to the inbox; handlers claim a chat's lease and handle its updates
in order. A lease that runs out (its process died) is taken over by another process.
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
        "chat_lease",
        sa.Column(
            "chat_key",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_key"),
    )


def downgrade() -> None:
    op.drop_table("chat_lease")
