"""The newsroom's tables: an audit trail nothing overwrites.

A source is one text of one article (a changed page is a new source). A run digests a source
with one backend, model and set of prompts. Records and summaries are versioned per run: the
model's draft is version 1 and every editor's edit adds a version; checks belong to the record
(and summary) version they were computed on. Reviews are appended; a run's state is its newest.
Items are the watch queue: URLs found in feeds, claimed by workers, retried with backoff.

The Alembic migrations in agent/store/migrations build the same schema; a test compares them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ReviewState = Literal["draft", "needs_review", "approved", "rejected"]
REVIEW_STATES: tuple[ReviewState, ...] = ("draft", "needs_review", "approved", "rejected")
ItemState = Literal["queued", "running", "done", "failed"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class SourceRow(Base):
    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("locator", "sha256", name="uq_sources_locator_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locator: Mapped[str] = mapped_column(String(2048))
    """The URL, else the file path, else '-' (standard input)."""
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(64))
    congress: Mapped[str | None] = mapped_column(String(200), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    """Same source text, backend, model, prompts and settings -> same key: not run again."""
    backend: Mapped[str] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(200))
    prompts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    model_calls: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[str] = mapped_column(String(40))
    """trialbrief's version."""
    worker: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    output: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The digest output as produced (without the source text, which is in sources)."""


class RecordRow(Base):
    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("run_id", "version", name="uq_records_run_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    version: Mapped[int]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SummaryRow(Base):
    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("run_id", "version", name="uq_summaries_run_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    version: Mapped[int]
    headline: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckRow(Base):
    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_run_record_summary", "run_id", "record_id", "summary_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    summary_id: Mapped[int | None] = mapped_column(ForeignKey("summaries.id"))
    field: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str | None] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    """The whole check as the verifier returned it (spans included)."""


class ReviewRow(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemRow(Base):
    """A URL the watcher found: queued, claimed by a worker, done or failed (retried later)."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    feed: Mapped[str | None] = mapped_column(String(2048))
    congress: Mapped[str | None] = mapped_column(String(200))
    stamp: Mapped[str | None] = mapped_column(String(200))
    """What the feed said of the entry (its updated date or id): a new stamp re-queues it."""
    state: Mapped[str] = mapped_column(String(10), index=True, default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BatchRow(Base):
    """A Batch API job sent for model requests: kept so an interrupted run picks it up."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(200), unique=True)
    keys: Mapped[list[Any]]
    """The request keys it answers (agent.llm.request_key)."""
    state: Mapped[str] = mapped_column(String(10), default="running")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BatchAnswerRow(Base):
    """The answer a batch gave to one request: never paid for twice."""

    __tablename__ = "batch_answers"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(200))
    answer: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
