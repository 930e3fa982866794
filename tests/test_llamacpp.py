"""The embedded llama.cpp backend: clear errors without the extra or a model, and (opt-in,
slow: minutes on 2 cores) a live digest with the local model."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import pytest

from agent.backends import llamacpp_installed
from agent.backends.llamacpp import LlamaCppBackend
from agent.config import find_local_model, load_settings
from agent.errors import BackendUnavailable
from agent.pipeline import digest_article
from evals.cases import load_cases
from evals.record import article_of


def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("agent.backends.llamacpp_installed", lambda: False)
    with pytest.raises(BackendUnavailable) as info:
        LlamaCppBackend(load_settings(env={}, backend="llamacpp"))
    assert "trialbrief[local]" in info.value.message


def test_missing_model_says_where_to_put_one(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setattr("agent.backends.llamacpp_installed", lambda: True)
    settings = load_settings(env={}, backend="llamacpp", model_dir=tmp_path)
    with pytest.raises(BackendUnavailable) as info:
        LlamaCppBackend(settings)
    assert str(tmp_path) in info.value.message
    assert info.value.hint is not None and "TRIALBRIEF_MODEL_PATH" in info.value.hint


def test_a_file_that_is_not_a_model_is_refused(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    if not llamacpp_installed():
        pytest.skip("the [local] extra is not installed")
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model at all")
    with pytest.raises(BackendUnavailable) as info:
        LlamaCppBackend(load_settings(env={}, backend="llamacpp", model_path=bogus))
    assert "exited" in info.value.message


LIVE = os.environ.get("TRIALBRIEF_RUN_SLOW") == "1"
REAL_MODEL_DIR = Path.home() / ".cache" / "trialbrief" / "models"


@pytest.mark.slow
@pytest.mark.skipif(not LIVE, reason="set TRIALBRIEF_RUN_SLOW=1 to run the local model")
def test_live_digest_with_the_local_model() -> None:
    if not llamacpp_installed():
        pytest.skip("the [local] extra is not installed")
    model = find_local_model(load_settings(env={}, model_dir=REAL_MODEL_DIR))
    if model is None:
        pytest.skip("no local model: ../shared/tools/local-model qwen1.5b")
    (case,) = [c for c in load_cases() if c.id.startswith("e05")]
    settings = load_settings(env={}, backend="llamacpp", model_path=model)
    with LlamaCppBackend(settings) as backend:
        output = digest_article(article_of(case), settings, backend)
    assert output.backend.name == "llamacpp" and output.backend.model == model.stem
    assert output.record is not None and output.usage
    text = output.source.text
    flagged = {c.field for c in output.checks if c.severity != "ok"}
    for check in output.checks:
        if check.kind == "grounding" and check.status == "grounded" and check.span:
            assert text[slice(*check.span)] == check.text
    assert all(c.status == "grounded" or c.field in flagged for c in output.checks
               if c.kind == "grounding")


class FakeServer:
    """Stands in for a llama.cpp server process: counts starts and stops."""

    started: ClassVar[list[FakeServer]] = []

    def __init__(self, model_path: Path, *, n_ctx: int, n_threads: int) -> None:
        self.port = 9000 + len(FakeServer.started)
        self.stopped = False
        FakeServer.started.append(self)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def wait_ready(self) -> None:
        time.sleep(0.05)  # a server takes a while to load: long enough for threads to meet

    def stop(self) -> None:
        self.stopped = True


def test_records_and_summaries_have_a_server_each_kept_for_the_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each step's static instructions stay in its own server's one-prompt cache; the summary's
    server starts only when a summary is drafted."""
    monkeypatch.setattr("agent.backends.llamacpp_installed", lambda: True)
    monkeypatch.setattr("agent.backends.llamacpp.LlamaCppServer", FakeServer)
    FakeServer.started = []
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    backend = LlamaCppBackend(load_settings(env={}, backend="llamacpp", model_path=model))
    assert len(backend.servers) == 1
    record_llm = backend._model()
    with ThreadPoolExecutor(max_workers=4) as pool:  # threads of `--jobs 4` ask at once
        (summary_llm, *others) = list(pool.map(lambda _: backend._summary_model(), range(4)))
    assert all(other is summary_llm for other in others) and len(FakeServer.started) == 2
    assert backend._summary_model() is summary_llm and summary_llm is not record_llm
    assert [s.base_url for s in backend.servers] == [record_llm.base_url, summary_llm.base_url]
    assert record_llm.summary_mode == summary_llm.summary_mode == "lead"
    backend.close()
    assert [s.stopped for s in FakeServer.started] == [True, True]
