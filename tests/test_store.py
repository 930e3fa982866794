"""The store, on SQLite and on PostgreSQL: migrations, runs kept and reused, an audit trail
nothing overwrites, and a queue that workers share without taking the same item twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from agent.backends.rules import RulesBackend
from agent.config import Settings
from agent.errors import InputError
from agent.newsroom.digest import digest_into
from agent.schema import Number
from agent.store import Store
from agent.store.migrate import alembic_config, current_revision, head_revision, upgrade
from agent.store.models import Base
from agent.summarise import edited
from tests.conftest import FakeModel, completion
from tests.test_llm import ARTICLE as MODEL_ARTICLE
from tests.test_llm import backend_for, draft_json
from tests.test_llm import settings as model_settings

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
# An invented article of our own: two arms, a hazard ratio with its CI and P.
ARTICLE = ("ORVALIS: a fictional trial\nIn ORVALIS, 812 patients with heart failure were "
           "randomised to orvalimab or placebo. The primary endpoint, death or hospitalisation, "
           "occurred less often with orvalimab (HR 0.75; 95% CI 0.60–0.94; P=0.01).\n")


def write_article(tmp_path: Path, text: str = ARTICLE, name: str = "orvalis.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- migrations ------------------------------------------------------------------------------

def test_migrations_build_the_schema_the_models_describe(store_url: str) -> None:
    store = Store.open(store_url)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(store.engine) == head_revision()
    store.close()


def test_the_previous_revision_upgrades_with_its_data(store_url: str) -> None:
    engine = create_engine(store_url)
    upgrade(engine, "0001")
    assert "items" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO sources (locator, sha256, text, created_at) "
            "VALUES ('a.txt', 'abc', 'kept text', CURRENT_TIMESTAMP)"))
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM sources")).scalar() == "kept text"
        assert "worker" in {c["name"] for c in inspect(connection).get_columns("runs")}
    with engine.begin() as connection:  # and back down: the downgrade path works too
        command.downgrade(alembic_config(connection), "0001")
    assert "items" not in inspect(engine).get_table_names()
    engine.dispose()


# -- runs ------------------------------------------------------------------------------------

def test_a_digest_is_kept_whole_and_read_back_as_it_was(store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        done = digest_into(store, str(FIXTURES / "kestrel-af.txt"), Settings(), RulesBackend(),
                           congress="ESC 2026")
        assert done.run_id is not None and done.output is not None and not done.reused
        view = store.view(done.run_id)
        assert view.output.record == done.output.record
        assert view.output.checks == done.output.checks
        assert view.output.summary == done.output.summary
        assert view.output.status == done.output.status
        assert view.output.source.text == done.output.source.text
        assert view.congress == "ESC 2026" and store.congresses() == ["ESC 2026"]
        assert view.state == ("draft" if done.output.status == "verified" else "needs_review")


def test_the_same_text_is_not_sent_to_the_model_twice(
        store_url: str, tmp_path: Path, fake_model: Callable[[list[Any]], FakeModel]) -> None:
    # One scripted answer: a second call to the model would fail the test.
    model = fake_model([completion(draft_json(), prompt_tokens=900, completion_tokens=300)])
    backend, _ = backend_for(model)
    source = write_article(tmp_path, MODEL_ARTICLE)
    with Store.open(store_url) as store:
        first = digest_into(store, source, model_settings(), backend)
        again = digest_into(store, source, model_settings(), backend)
        assert first.model_calls == 1 and first.tokens == 1200
        assert again.reused and again.run_id == first.run_id and again.model_calls == 0
        assert store.counts()["runs"] == 1
    model.assert_done()


def test_force_runs_again_and_keeps_both_runs(store_url: str, tmp_path: Path,
                                             fake_model: Callable[[list[Any]], FakeModel]) -> None:
    model = fake_model([completion(draft_json()), completion(draft_json())])
    backend, _ = backend_for(model)
    source = write_article(tmp_path, MODEL_ARTICLE)
    with Store.open(store_url) as store:
        first = digest_into(store, source, model_settings(), backend)
        forced = digest_into(store, source, model_settings(), backend, force=True)
        assert not forced.reused and forced.run_id != first.run_id
        assert store.counts()["runs"] == 2 and store.counts()["sources"] == 1
        # the queue shows the newest run of a text and backend; the older one stays kept
        assert [e.run_id for e in store.queue()] == [forced.run_id]
        assert store.view(first.run_id).output.record is not None


def test_a_changed_text_or_another_backend_is_a_new_run(store_url: str, tmp_path: Path) -> None:
    source = write_article(tmp_path)
    with Store.open(store_url) as store:
        first = digest_into(store, source, Settings(), RulesBackend())
        write_article(tmp_path, ARTICLE.replace("812", "814"))
        changed = digest_into(store, source, Settings(), RulesBackend())
        no_summary = digest_into(store, source, Settings(summary=False), RulesBackend())
        assert len({first.run_id, changed.run_id, no_summary.run_id}) == 3
        assert store.counts()["sources"] == 2


def test_a_failed_fetch_is_reported_not_raised(store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        done = digest_into(store, str(tmp_path / "missing.txt"), Settings(), RulesBackend())
        assert done.status == "failed" and done.exit_code == 2 and done.run_id is None
        assert "missing.txt" in (done.error or "")


# -- an editor's changes ---------------------------------------------------------------------

def test_a_wrong_number_in_an_edited_summary_is_flagged_and_every_version_kept(
        store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        done = digest_into(store, write_article(tmp_path), Settings(), RulesBackend())
        assert done.run_id is not None and done.output and done.output.summary
        original = done.output.summary
        wrong = edited(original.text.replace("812", "821"), original)
        view = store.edit_summary(done.run_id, wrong, "ada", "tightened the intro")
        flagged = [c for c in view.output.report.errors if c.field.startswith("/summary")]
        assert flagged and "821" in {c.text for c in flagged}
        assert view.summary_version == 2 and view.output.status == "needs_review"
        fixed = store.edit_summary(done.run_id, edited(original.text, original), "ada")
        assert not [c for c in fixed.output.report.errors if c.field.startswith("/summary")]
        assert fixed.summary_version == 3 and store.counts()["summaries"] == 3
        what = [e.what for e in store.history(done.run_id)]
        assert what[0].startswith("digested by rules") and "summary v2" in what
        assert "summary v3" in what


def test_approving_over_errors_needs_a_note_and_a_later_edit_reopens(
        store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        done = digest_into(store, write_article(tmp_path), Settings(), RulesBackend())
        assert done.run_id is not None and done.output and done.output.record
        record = done.output.record.model_copy(deep=True)
        record.n_total = Number(text="9999", value=9999)  # a number the article lacks
        view = store.edit_record(done.run_id, record, "ada", "typo")
        assert view.record_version == 2 and view.output.report.errors
        with pytest.raises(InputError, match="error finding"):
            store.review(done.run_id, "approved", "ada")
        approved = store.review(done.run_id, "approved", "ada", "the article says so")
        assert approved.state == "approved"
        approval = store.approval(done.run_id)
        assert approval is not None and approval.author == "ada"
        reopened = store.edit_record(done.run_id, done.output.record, "bo")
        assert reopened.state == "needs_review" and store.approval(done.run_id) is None
        states = [e.what for e in store.history(done.run_id) if e.what.startswith("state")]
        assert states[-2:] == ["state: approved", "state: needs_review"]


def test_the_queue_filters_and_sorts(store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        a = digest_into(store, write_article(tmp_path), Settings(), RulesBackend(),
                        congress="ESC")
        b = digest_into(store, str(FIXTURES / "kestrel-af.txt"), Settings(), RulesBackend(),
                        congress="ESMO")
        assert a.run_id and b.run_id and a.output and a.output.record
        record = a.output.record.model_copy(deep=True)
        record.n_total = Number(text="9999", value=9999)
        store.edit_record(a.run_id, record, "ada")
        assert [e.run_id for e in store.queue()] == [b.run_id, a.run_id]
        assert [e.run_id for e in store.queue(congress="ESMO")] == [b.run_id]
        assert store.queue(sort="flags")[0].run_id == a.run_id
        assert [e.run_id for e in store.queue(status="needs_review")] == [a.run_id]
        assert all(e.errors == 0 for e in store.queue(flagged=False))


# -- the watch queue -------------------------------------------------------------------------

def test_items_are_queued_once_and_again_when_their_stamp_moves(store_url: str) -> None:
    with Store.open(store_url) as store:
        assert store.enqueue("https://example.org/a", stamp="v1") == "new"
        assert store.enqueue("https://example.org/a", stamp="v1") == "known"
        assert store.enqueue("https://example.org/a") == "known"
        (claimed,) = store.claim("w1", 5)
        store.finish(claimed.id, None)
        assert store.claim("w1", 5) == []
        assert store.enqueue("https://example.org/a", stamp="v2") == "changed"
        assert [i.url for i in store.claim("w1", 5)] == ["https://example.org/a"]


def test_a_failed_item_waits_out_its_backoff(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.enqueue("https://example.org/down")
        (item,) = store.claim("w1")
        failed = store.fail(item.id, "HTTP 503 (api_key=sk-abcdefghijklmnop)")
        assert failed.attempts == 1 and "sk-abc" not in (failed.last_error or "")
        assert store.claim("w1") == [] and store.due() == 0
        with store.session() as s:  # an hour later
            s.execute(text("UPDATE items SET next_attempt_at = :t"),
                      {"t": failed.next_attempt_at - timedelta(hours=1)})
        assert [i.attempts for i in store.claim("w1")] == [1]


def test_workers_claiming_at_once_never_take_the_same_item(store_url: str) -> None:
    with Store.open(store_url) as store:
        for n in range(30):
            store.enqueue(f"https://example.org/{n}")
        taken: list[int] = []
        lock = threading.Lock()

        def worker(name: str) -> None:
            while claimed := store.claim(name, 1):
                with lock:
                    taken.extend(i.id for i in claimed)

        threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(taken) == sorted(set(taken)) and len(taken) == 30
