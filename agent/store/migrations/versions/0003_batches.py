"""Batch API jobs and their answers, so an interrupted --openai-batch run picks them up.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False, unique=True),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("finished_at", _AT),
    )
    op.create_table(
        "batch_answers",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_answers")
    op.drop_table("batches")
