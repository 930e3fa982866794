"""The store: every run, record, summary, check, review and queued URL, in SQLite or PostgreSQL.

`Store.open(url)` migrates the database to the newest revision and hands back an object whose
methods each run in their own transaction and return plain data (outputs, views), never rows
bound to a session: callers in other threads or processes never share database state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from agent import __version__
from agent.config import Settings
from agent.errors import InputError, StoreError, redact
from agent.output import Output, Source, Summary
from agent.pipeline import check_record
from agent.report import Check, Report
from agent.schema import Article, TrialRecord
from agent.store.migrate import upgrade
from agent.store.models import (
    REVIEW_STATES,
    BatchAnswerRow,
    BatchRow,
    CheckRow,
    ItemRow,
    RecordRow,
    ReviewRow,
    ReviewState,
    RunRow,
    SourceRow,
    SummaryRow,
    utcnow,
)

_Versioned = TypeVar("_Versioned", RecordRow, SummaryRow)
DB_ENV = "TRIALBRIEF_DB"
MAX_ATTEMPTS = 8
"""Failures before an item is left alone (its last error stays for the editor to see)."""
LEASE = timedelta(minutes=30)
"""A claimed item whose worker has not finished it in this long is claimed again."""
SYSTEM = "trialbrief"
"""The author of what the pipeline wrote (first versions, first review state)."""


def default_db_url() -> str:
    """TRIALBRIEF_DB, else a SQLite file under the user's data folder."""
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'trialbrief' / 'trialbrief.db'}"


@dataclass(frozen=True)
class RunMeta:
    """What the pipeline knew of a run beyond its output."""

    cache_key: str
    settings: dict[str, Any]
    started_at: datetime
    seconds: float
    congress: str | None = None
    worker: str | None = None


@dataclass(frozen=True)
class Item:
    """A URL in the watch queue."""

    id: int
    url: str
    feed: str | None
    congress: str | None
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    run_id: int | None


@dataclass(frozen=True)
class QueueEntry:
    run_id: int
    title: str | None
    url: str | None
    congress: str | None
    backend: str
    model: str | None
    status: str
    state: str
    errors: int
    warnings: int
    created_at: datetime


@dataclass(frozen=True)
class Event:
    """One line of a run's history."""

    at: datetime
    what: str
    author: str
    note: str | None = None


@dataclass(frozen=True)
class RunView:
    run_id: int
    output: Output
    """The run as it stands now: newest record and summary, and their checks."""
    state: str
    record_version: int
    summary_version: int | None
    congress: str | None
    cache_key: str
    settings: dict[str, Any]
    created_at: datetime


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        url = url or default_db_url()
        engine = _engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"the store failed: {redact(str(exc).splitlines()[0])}",
                             hint="check --db / TRIALBRIEF_DB and that the database is up") from exc

    # -- runs -----------------------------------------------------------------------------

    def cached_run(self, cache_key: str) -> int | None:
        """The newest finished run with this key (a failed run is not a result to reuse)."""
        with self.session() as s:
            return s.scalar(select(RunRow.id).where(RunRow.cache_key == cache_key,
                                                    RunRow.status != "failed")
                            .order_by(RunRow.id.desc()).limit(1))

    def save_run(self, output: Output, meta: RunMeta) -> int:
        """Keep a digest output: its source, the run, version 1 of record and summary, their
        checks, and the first review state ('needs_review' when anything is flagged)."""
        with self.session() as s:
            source = _source_row(s, output.source, meta.congress)
            run = RunRow(source_id=source.id, cache_key=meta.cache_key,
                         backend=output.backend.name, model=output.backend.model,
                         prompts=dict(output.prompts), settings=meta.settings,
                         status=output.status, error=output.error,
                         prompt_tokens=sum(u.prompt_tokens for u in output.usage),
                         completion_tokens=sum(u.completion_tokens for u in output.usage),
                         model_calls=len(output.usage), seconds=round(meta.seconds, 3),
                         version=__version__, worker=meta.worker, started_at=meta.started_at,
                         finished_at=utcnow(),
                         output=output.model_dump(mode="json", exclude={"source": {"text"}}))
            s.add(run)
            s.flush()
            author = _author(output)
            record = _add_record(s, run.id, 1, output.record, author, None)
            summary = (_add_summary(s, run.id, 1, output.summary, author, None)
                       if output.summary else None)
            _add_checks(s, run.id, record.id, summary.id if summary else None, output.checks)
            s.add(ReviewRow(run_id=run.id, state=_first_state(output), author=SYSTEM))
            return run.id

    def view(self, run_id: int) -> RunView:
        with self.session() as s:
            run = s.get(RunRow, run_id)
            if run is None:
                raise InputError(f"no run {run_id} in the store")
            source = s.get_one(SourceRow, run.source_id)
            record = _newest(s, RecordRow, run_id)
            summary = _newest(s, SummaryRow, run_id)
            if record is None:
                raise StoreError(f"run {run_id} has no record version")
            checks = _checks(s, run_id, record.id, summary.id if summary else None)
            state = _state(s, run_id)
            first = run.output
        record_model = TrialRecord.model_validate(record.data) if record.data else None
        summary_model = Summary.model_validate(summary.data) if summary else None
        report = Report(checks=checks, trial_report=record_model is None
                        or record_model.is_trial_report)
        status = "failed" if run.status == "failed" else report.status
        output = Output.model_validate({
            **first, "source": _source_model(source).model_dump(mode="json"),
            "record": record.data, "checks": [c.model_dump(mode="json") for c in checks],
            "summary": summary_model.model_dump(mode="json") if summary_model else None,
            "status": status})
        return RunView(run_id=run_id, output=output, state=state, record_version=record.version,
                       summary_version=summary.version if summary else None,
                       congress=source.congress, cache_key=run.cache_key,
                       settings=dict(run.settings), created_at=run.started_at)

    # -- an editor's changes ---------------------------------------------------------------

    def edit_record(self, run_id: int, record: TrialRecord, author: str,
                    note: str | None = None) -> RunView:
        """A new record version, checked against the source (with the current summary)."""
        current = self.view(run_id)
        checked = check_record(_article(current.output.source), record, current.output.summary,
                               _settings(current.settings))
        with self.session() as s:
            row = _add_record(s, run_id, current.record_version + 1, record, author, note)
            summary = _newest(s, SummaryRow, run_id)
            _add_checks(s, run_id, row.id, summary.id if summary else None, checked.checks)
            _reopen(s, run_id, current.state, author)
        return self.view(run_id)

    def edit_summary(self, run_id: int, summary: Summary, author: str,
                     note: str | None = None) -> RunView:
        """A new summary version; every check re-runs on it and the current record."""
        current = self.view(run_id)
        record = current.output.record
        if record is None:
            raise InputError(f"run {run_id} has no record to check a summary against")
        checked = check_record(_article(current.output.source), record, summary,
                               _settings(current.settings))
        with self.session() as s:
            version = (current.summary_version or 0) + 1
            row = _add_summary(s, run_id, version, summary, author, note)
            newest = _newest(s, RecordRow, run_id)
            assert newest is not None
            _add_checks(s, run_id, newest.id, row.id, checked.checks)
            _reopen(s, run_id, current.state, author)
        return self.view(run_id)

    def review(self, run_id: int, state: ReviewState, author: str, note: str | None = None
               ) -> RunView:
        """Move a run to `state`. Approving over error findings needs a note that says why."""
        if state not in REVIEW_STATES:
            raise InputError(f"unknown review state {state!r}; one of {', '.join(REVIEW_STATES)}")
        current = self.view(run_id)
        if state == "approved" and current.output.report.errors and not (note or "").strip():
            raise InputError(
                f"run {run_id} has {len(current.output.report.errors)} error finding(s)",
                hint="fix them, or approve with a note that says why they can stand")
        if state == "approved" and current.output.status == "failed":
            raise InputError(f"run {run_id} failed: there is nothing complete to approve")
        with self.session() as s:
            s.add(ReviewRow(run_id=run_id, state=state, author=author, note=note))
        return self.view(run_id)

    # -- reading ---------------------------------------------------------------------------

    def queue(self, *, state: str | None = None, status: str | None = None,
              congress: str | None = None, flagged: bool | None = None,
              sort: str = "newest") -> list[QueueEntry]:
        """Runs as an editor's queue: the newest run of each source text and backend."""
        with self.session() as s:
            newest = (select(func.max(RunRow.id))
                      .group_by(RunRow.source_id, RunRow.backend, RunRow.model))
            rows = s.execute(select(RunRow, SourceRow).join(SourceRow)
                             .where(RunRow.id.in_(newest)).order_by(RunRow.id.desc())).all()
            entries = [_entry(s, run, source) for run, source in rows]
        entries = [e for e in entries
                   if (state is None or e.state == state)
                   and (status is None or e.status == status)
                   and (congress is None or e.congress == congress)
                   and (flagged is None or (e.errors + e.warnings > 0) == flagged)]
        if sort == "flags":
            entries.sort(key=lambda e: (-(e.errors * 1000 + e.warnings), -e.run_id))
        return entries

    def congresses(self) -> list[str]:
        with self.session() as s:
            return sorted(c for c in s.scalars(select(SourceRow.congress).distinct()) if c)

    def history(self, run_id: int) -> list[Event]:
        with self.session() as s:
            run = s.get_one(RunRow, run_id)
            events = [Event(run.started_at, f"digested by {run.backend}"
                            + (f" ({run.model})" if run.model else "")
                            + f": {run.status}", SYSTEM, run.error)]
            events += [Event(r.created_at, f"record v{r.version}", r.author, r.note)
                       for r in s.scalars(select(RecordRow).where(RecordRow.run_id == run_id))
                       if r.version > 1]
            events += [Event(r.created_at, f"summary v{r.version}", r.author, r.note)
                       for r in s.scalars(select(SummaryRow).where(SummaryRow.run_id == run_id))
                       if r.version > 1]
            events += [Event(r.created_at, f"state: {r.state}", r.author, r.note)
                       for r in s.scalars(select(ReviewRow).where(ReviewRow.run_id == run_id))]
        return sorted(events, key=lambda e: e.at)

    def approval(self, run_id: int) -> Event | None:
        """Who approved the run as it stands, and when (None unless its state is approved)."""
        with self.session() as s:
            row = s.scalar(select(ReviewRow).where(ReviewRow.run_id == run_id)
                           .order_by(ReviewRow.id.desc()).limit(1))
        if row is None or row.state != "approved":
            return None
        return Event(row.created_at, "approved", row.author, row.note)

    def counts(self) -> dict[str, int]:
        with self.session() as s:
            return {name: s.scalar(select(func.count()).select_from(table)) or 0
                    for name, table in (("sources", SourceRow), ("runs", RunRow),
                                        ("records", RecordRow), ("summaries", SummaryRow),
                                        ("reviews", ReviewRow))}


    # -- the watch queue -------------------------------------------------------------------

    def enqueue(self, url: str, *, feed: str | None = None, congress: str | None = None,
                stamp: str | None = None) -> str:
        """Remember a URL a feed lists: 'new' (queued), 'changed' (its stamp moved: queued
        again) or 'known' (nothing to fetch)."""
        with self.session() as s:
            item = s.scalar(select(ItemRow).where(ItemRow.url == url))
            if item is None:
                s.add(ItemRow(url=url, feed=feed, congress=congress, stamp=stamp))
                try:
                    with s.begin_nested():
                        s.flush()
                except IntegrityError:  # another watcher queued it a moment ago
                    return "known"
                return "new"
            if stamp is not None and item.stamp != stamp:
                item.stamp, item.state, item.attempts = stamp, "queued", 0
                item.next_attempt_at = item.updated_at = utcnow()
                return "changed"
            return "known"

    def claim(self, worker: str, limit: int = 1, *, lease: timedelta = LEASE) -> list[Item]:
        """Take up to `limit` due items for `worker`. On PostgreSQL, SELECT ... FOR UPDATE SKIP
        LOCKED: workers on several machines never take the same item. An item claimed longer
        than `lease` ago is taken again (its worker died)."""
        now = utcnow()
        with self.session() as s:
            rows = list(s.scalars(select(ItemRow).where(_due(now, lease),
                                                        ItemRow.next_attempt_at <= now)
                                  .order_by(ItemRow.next_attempt_at, ItemRow.id).limit(limit)
                                  .with_for_update(skip_locked=True)))
            for row in rows:
                row.state, row.claimed_by, row.claimed_at, row.updated_at = (
                    "running", worker, now, now)
            return [_item(row) for row in rows]

    def due(self) -> int:
        """Items a worker would claim now."""
        now = utcnow()
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(ItemRow).where(
                _due(now), ItemRow.next_attempt_at <= now)) or 0

    def finish(self, item_id: int, run_id: int | None) -> None:
        with self.session() as s:
            row = s.get_one(ItemRow, item_id)
            row.state, row.run_id, row.last_error, row.updated_at = "done", run_id, None, utcnow()

    def fail(self, item_id: int, error: str) -> Item:
        """Record a failure; the item is due again after an exponential backoff."""
        with self.session() as s:
            row = s.get_one(ItemRow, item_id)
            row.attempts += 1
            row.state, row.last_error, row.updated_at = "failed", redact(error), utcnow()
            row.next_attempt_at = row.updated_at + backoff(row.attempts)
            return _item(row)

    def items(self) -> list[Item]:
        with self.session() as s:
            return [_item(r) for r in s.scalars(select(ItemRow).order_by(ItemRow.id))]

    # -- Batch API jobs --------------------------------------------------------------------

    def batch_answers(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Answers already paid for, by request key."""
        with self.session() as s:
            rows = s.scalars(select(BatchAnswerRow).where(BatchAnswerRow.key.in_(keys)))
            return {row.key: row.answer for row in rows}

    def running_batch(self, keys: list[str]) -> str | None:
        """A batch sent earlier that holds every one of `keys` and was never collected."""
        wanted = set(keys)
        with self.session() as s:
            for row in s.scalars(select(BatchRow).where(BatchRow.state == "running")
                                 .order_by(BatchRow.id.desc())):
                if wanted <= set(row.keys):
                    return row.batch_id
        return None

    def add_batch(self, batch_id: str, keys: list[str]) -> None:
        with self.session() as s:
            s.add(BatchRow(batch_id=batch_id, keys=keys))

    def close_batch(self, batch_id: str, answers: dict[str, dict[str, Any]]) -> None:
        """Keep a batch's answers (not its errors: a later run asks again) and mark it done."""
        with self.session() as s:
            known = set(s.scalars(select(BatchAnswerRow.key)
                                  .where(BatchAnswerRow.key.in_(list(answers)))))
            s.add_all(BatchAnswerRow(key=key, batch_id=batch_id, answer=answer)
                      for key, answer in answers.items()
                      if "error" not in answer and key not in known)
            row = s.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id)).one()
            row.state, row.finished_at = "done", utcnow()


def _due(now: datetime, lease: timedelta = LEASE) -> ColumnElement[bool]:
    return ((ItemRow.state == "queued")
            | ((ItemRow.state == "failed") & (ItemRow.attempts < MAX_ATTEMPTS))
            | ((ItemRow.state == "running") & (ItemRow.claimed_at < now - lease)))


def backoff(attempts: int) -> timedelta:
    """1 min, 2, 4 ... capped at 6 h: a page that is down is tried again, not hammered."""
    return min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


def _item(row: ItemRow) -> Item:
    return Item(id=row.id, url=row.url, feed=row.feed, congress=row.congress, state=row.state,
                attempts=row.attempts, last_error=row.last_error,
                next_attempt_at=row.next_attempt_at, run_id=row.run_id)


# -- helpers -------------------------------------------------------------------------------

def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{Path(path).expanduser()}"
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ImportError, SQLAlchemyError, ValueError) as exc:
        raise StoreError(f"cannot use the database {redact(url)}: {exc}",
                         hint="a URL such as postgresql+psycopg://user@host/db or "
                              "sqlite:///path") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # WAL: readers (the review app) never block the writer (a batch); foreign keys: on, as
    # in PostgreSQL. isolation_level None hands transaction control to _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: two writers never both read, then both
    # fail to upgrade to a write (SQLite's deadlock, which busy_timeout cannot wait out).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _source_row(s: Session, source: Source, congress: str | None) -> SourceRow:
    locator = source.url or source.path or "-"
    found = s.scalar(select(SourceRow).where(SourceRow.locator == locator,
                                             SourceRow.sha256 == source.sha256))
    if found is not None:
        if congress and not found.congress:
            found.congress = congress
        return found
    row = SourceRow(locator=locator, url=source.url, title=source.title, date=source.date,
                    congress=congress, sha256=source.sha256, text=source.text,
                    fetched_at=source.fetched_at)
    s.add(row)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:  # another worker kept the same text a moment ago
        return s.scalars(select(SourceRow).where(SourceRow.locator == locator,
                                                 SourceRow.sha256 == source.sha256)).one()
    return row


def _source_model(row: SourceRow) -> Source:
    return Source(url=row.url, path=None if row.url else row.locator, title=row.title,
                  date=row.date, sha256=row.sha256, text=row.text, fetched_at=row.fetched_at)


def _article(source: Source) -> Article:
    return Article(url=source.url, path=source.path, title=source.title, date=source.date,
                   text=source.text, fetched_at=source.fetched_at or utcnow(),
                   sha256=source.sha256)


def _settings(snapshot: dict[str, Any]) -> Settings:
    style = snapshot.get("house_style")
    return Settings(language=snapshot.get("language", "en"),
                    house_style=Path(style) if style else None)


def _author(output: Output) -> str:
    return f"{output.backend.name}" + (f" ({output.backend.model})" if output.backend.model else "")


def _first_state(output: Output) -> ReviewState:
    return "draft" if output.status in ("verified", "not_a_trial") else "needs_review"


def _add_record(s: Session, run_id: int, version: int, record: TrialRecord | None, author: str,
                note: str | None) -> RecordRow:
    row = RecordRow(run_id=run_id, version=version, author=author, note=note,
                    data=record.model_dump(mode="json") if record else None)
    s.add(row)
    s.flush()
    return row


def _add_summary(s: Session, run_id: int, version: int, summary: Summary, author: str,
                 note: str | None) -> SummaryRow:
    row = SummaryRow(run_id=run_id, version=version, headline=summary.headline,
                     text=summary.text, data=summary.model_dump(mode="json"), author=author,
                     note=note)
    s.add(row)
    s.flush()
    return row


def _add_checks(s: Session, run_id: int, record_id: int, summary_id: int | None,
                checks: list[Check]) -> None:
    s.add_all(CheckRow(run_id=run_id, record_id=record_id, summary_id=summary_id,
                       field=c.field, kind=c.kind, severity=c.severity, status=c.status,
                       origin=c.origin, message=c.message, data=c.model_dump(mode="json"))
              for c in checks)


def _newest(s: Session, table: type[_Versioned], run_id: int) -> _Versioned | None:
    return s.scalar(select(table).where(table.run_id == run_id)
                    .order_by(table.version.desc()).limit(1))


def _checks(s: Session, run_id: int, record_id: int, summary_id: int | None) -> list[Check]:
    rows = s.scalars(select(CheckRow).where(CheckRow.run_id == run_id,
                                            CheckRow.record_id == record_id,
                                            CheckRow.summary_id.is_(None) if summary_id is None
                                            else CheckRow.summary_id == summary_id)
                     .order_by(CheckRow.id))
    return [Check.model_validate(r.data) for r in rows]


def _state(s: Session, run_id: int) -> str:
    return s.scalar(select(ReviewRow.state).where(ReviewRow.run_id == run_id)
                    .order_by(ReviewRow.id.desc()).limit(1)) or "draft"


def _reopen(s: Session, run_id: int, state: str, author: str) -> None:
    # An approval (or rejection) was of what the editor saw then: a change reopens the review.
    if state in ("approved", "rejected"):
        s.add(ReviewRow(run_id=run_id, state="needs_review", author=author,
                        note=f"changed after it was {state}"))


def _entry(s: Session, run: RunRow, source: SourceRow) -> QueueEntry:
    record = _newest(s, RecordRow, run.id)
    summary = _newest(s, SummaryRow, run.id)
    checks = _checks(s, run.id, record.id, summary.id if summary else None) if record else []
    errors = sum(c.severity == "error" for c in checks)
    warnings = sum(c.severity == "warning" for c in checks)
    trial = not (record and record.data and record.data.get("is_trial_report") is False)
    status = ("failed" if run.status == "failed"
              else "needs_review" if errors else "verified" if trial else "not_a_trial")
    return QueueEntry(run_id=run.id, title=source.title, url=source.url or source.locator,
                      congress=source.congress, backend=run.backend, model=run.model,
                      status=status, state=_state(s, run.id), errors=errors, warnings=warnings,
                      created_at=run.started_at)
