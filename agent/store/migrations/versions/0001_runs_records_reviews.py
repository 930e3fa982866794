"""Sources, runs, records, summaries, checks and reviews: the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("locator", sa.String(2048), nullable=False),
        sa.Column("url", sa.String(2048)),
        sa.Column("title", sa.Text()),
        sa.Column("date", sa.String(64)),
        sa.Column("congress", sa.String(200)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fetched_at", _AT),
        sa.Column("created_at", _AT, nullable=False),
        sa.UniqueConstraint("locator", "sha256", name="uq_sources_locator_sha256"),
    )
    op.create_index("ix_sources_congress", "sources", ["congress"])
    op.create_index("ix_sources_sha256", "sources", ["sha256"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("backend", sa.String(40), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("prompts", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("model_calls", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("finished_at", _AT, nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
    )
    op.create_index("ix_runs_source_id", "runs", ["source_id"])
    op.create_index("ix_runs_cache_key", "runs", ["cache_key"])
    op.create_index("ix_runs_status", "runs", ["status"])
    for table in ("records", "summaries"):
        columns = [sa.Column("headline", sa.Text(), nullable=False),
                   sa.Column("text", sa.Text(), nullable=False)] if table == "summaries" else []
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            *columns,
            sa.Column("data", sa.JSON(), nullable=table == "records"),
            sa.Column("author", sa.String(200), nullable=False),
            sa.Column("note", sa.Text()),
            sa.Column("created_at", _AT, nullable=False),
            sa.UniqueConstraint("run_id", "version", name=f"uq_{table}_run_version"),
        )
        op.create_index(f"ix_{table}_run_id", table, ["run_id"])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("summary_id", sa.Integer(), sa.ForeignKey("summaries.id")),
        sa.Column("field", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(80), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(10)),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_checks_run_record_summary", "checks",
                    ["run_id", "record_id", "summary_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", _AT, nullable=False),
    )
    op.create_index("ix_reviews_run_id", "reviews", ["run_id"])


def downgrade() -> None:
    for table in ("reviews", "checks", "summaries", "records", "runs", "sources"):
        op.drop_table(table)
