"""The watch queue (items) and the worker that made each run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("runs", sa.Column("worker", sa.String(200)))
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("feed", sa.String(2048)),
        sa.Column("congress", sa.String(200)),
        sa.Column("stamp", sa.String(200)),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _AT, nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", _AT),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id")),
        sa.Column("first_seen", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_index("ix_items_state", "items", ["state"])


def downgrade() -> None:
    op.drop_table("items")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("worker")
