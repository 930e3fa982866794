"""Hostile input and failing servers, outside fetching: one error boundary (no traceback, an
exit code of the contract), secrets redacted wherever they show, numbers that cannot blow up,
output files that honour the umask and the --out suffix."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import cli
from agent.config import load_settings
from agent.errors import REDACTED, BackendError, redact, register_secret
from agent.files import write_atomic
from agent.newsroom import digest as newsroom_digest
from agent.numbers import tokenize
from agent.schema import Article, TrialRecord
from agent.verify import verify
from tests.conftest import FakeModel
from tests.test_llm import article_of_text, backend_for

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
CONTRACT = {0, 1, 2, 3, 4}


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str | None = None) -> int:
    monkeypatch.setattr("sys.argv", ["trialbrief", *args])
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8",
                                                                                  "replace"))))
    with pytest.raises(SystemExit) as done:
        cli.main()
    return int(done.value.code or 0)


# -- numbers that cannot blow up ----------------------------------------------------------------

@pytest.mark.parametrize("text", ["2×10^1000000 cells", "1 in " + "9" * 5000,
                                  "9" * 60 + " patients", "HR 1e99999", "10^-99999 copies"])
def test_monstrous_numbers_are_not_read_and_verification_holds(text: str) -> None:
    tokens = tokenize(text)
    assert all(len(t.text) < 60 for t in tokens)
    assert verify(TrialRecord(), text).status in ("verified", "needs_review")


def test_a_zero_before_a_comma_is_a_decimal_comma_even_in_dot_decimal_text() -> None:
    (rate, people) = tokenize("The rate was 0,095% in the trial and 1,842 people took part.")
    assert (rate.float_value, people.float_value) == (0.095, 1842.0)


def test_composite_numbers_never_overlap() -> None:
    tokens = tokenize("1 in 5:1 and 2:1 in 3")
    spans = sorted(t.span for t in tokens)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))


# -- one error boundary -------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)
       | st.sampled_from(["HR 2×10^1000000 (95% CI 0.1–9e999)", "1 in " + "7" * 4400,
                          "P<.001 P<.001 95% CI, –, to", "\x00\x01 0.4\u200b7"]))
def test_no_input_on_stdin_gives_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str],
                                             text: str) -> None:
    code = run(monkeypatch, "digest", "-", "--backend", "rules", stdin=text)
    captured = capsys.readouterr()
    assert code in CONTRACT
    assert "Traceback" not in captured.err


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.dictionaries(
    st.sampled_from(["n_total", "primary_endpoint_met", "results", "arms", "trial_names"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=30),
              st.lists(st.dictionaries(st.sampled_from(["endpoint", "estimate", "measure"]),
                                       st.one_of(st.text(max_size=20),
                                                 st.just({"text": "2×10^99999",
                                                          "value": 1e308}))),
                       max_size=3)),
    max_size=5))
def test_no_record_given_to_check_gives_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path_factory: pytest.TempPathFactory, record: dict[str, Any]) -> None:
    path = tmp_path_factory.mktemp("check") / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    code = run(monkeypatch, "check", str(ARTICLES / "kestrel-af.txt"), str(path))
    assert code in CONTRACT
    assert "Traceback" not in capsys.readouterr().err


def test_an_unexpected_failure_is_one_line_and_a_contract_code(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise ValueError("something deep went wrong")

    monkeypatch.setattr(cli, "digest", broken)
    assert run(monkeypatch, "digest", str(ARTICLES / "kestrel-af.txt"), "--backend",
               "rules") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ValueError: something deep went wrong" in err


def test_a_batch_records_an_unexpected_failure_and_goes_on(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = newsroom_digest.digest_article

    def sometimes(article: Article, *args: Any, **kwargs: Any) -> Any:
        if "kestrel" in (article.path or ""):
            raise ArithmeticError("overflow deep inside")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(newsroom_digest, "digest_article", sometimes)
    sources = [str(ARTICLES / "kestrel-af.txt"), str(ARTICLES / "lindwurm-ckd-de.txt")]
    code = run(monkeypatch, "batch", *sources, "--out-dir", str(tmp_path), "--backend", "rules")
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert index[0]["status"] == "failed" and index[0]["exit_code"] == 2
    assert index[1]["status"] in ("verified", "needs_review")
    assert code == 2


def test_an_out_that_cannot_be_written_is_refused_before_any_work(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    called: list[str] = []
    monkeypatch.setattr(cli, "digest", lambda *a, **k: called.append("digest"))
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert run(monkeypatch, "digest", str(ARTICLES / "kestrel-af.txt"), "--backend", "rules",
               "--out", str(blocker / "sub" / "out.json")) == 2
    assert called == [] and "cannot write" in capsys.readouterr().err
    assert run(monkeypatch, "digest", str(ARTICLES / "kestrel-af.txt"), "--backend", "rules",
               "--out", str(tmp_path)) == 2


# -- output files ------------------------------------------------------------------------------

def test_output_files_honour_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640


@pytest.mark.parametrize(("suffix", "marker"), [(".html", "<!doctype html"), (".md", "# "),
                                                (".json", '{\n  "schema_version"')])
def test_the_out_suffix_picks_the_format(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         suffix: str, marker: str) -> None:
    target = tmp_path / f"brief{suffix}"
    run(monkeypatch, "digest", str(ARTICLES / "kestrel-af.txt"), "--backend", "rules",
        "--out", str(target))
    assert target.read_text(encoding="utf-8").lower().startswith(marker.lower())


def test_an_explicit_format_wins_over_the_suffix(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    target = tmp_path / "brief.html"
    run(monkeypatch, "digest", str(ARTICLES / "kestrel-af.txt"), "--backend", "rules",
        "--format", "json", "--out", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["schema_version"]


# -- secrets -----------------------------------------------------------------------------------

KEY = "sk-test-echoed-0123456789abcdef"


@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_key_the_server_echoes_is_redacted_from_the_error(
        fake_model: Callable[[list[Any]], FakeModel], status: int) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}. Bearer {KEY}",
                      "type": "invalid_request_error"}}
    model = fake_model([(status, body, {})] * (4 if status == 500 else 1))
    backend, _ = backend_for(model, api_key=KEY, max_transport_retries=3)
    from agent.pipeline import digest_article

    with pytest.raises(BackendError) as info:
        digest_article(article_of_text(), load_settings(env={}, summary=False), backend)
    assert KEY not in info.value.one_line()
    partial = info.value.partial
    assert partial is None or KEY not in partial.model_dump_json()


def test_redaction_covers_the_configured_key_and_credential_shapes() -> None:
    register_secret("my-own-server-token-42")
    text = redact("token my-own-server-token-42; Authorization: Bearer abcdefghijklmnop; "
                  'api_key="s3cr3t-s3cr3t" sk-abcdefghijklmnopqrstu; P=0.04 and n=1,842')
    assert text.count(REDACTED) == 4
    assert "P=0.04 and n=1,842" in text


def test_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(KEY)
    cli._root(verbose=False)  # installs the redacting filter on the root logger's handlers
    logging.getLogger("trialbrief.test").warning("server said: key %s rejected", KEY)
    assert KEY not in caplog.text and REDACTED in caplog.text


# -- invisible characters inside numbers --------------------------------------------------------

@pytest.mark.parametrize("mark", ["\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff"])
def test_an_invisible_character_inside_a_number_is_read_through_and_flagged(mark: str) -> None:
    (token,) = [t for t in tokenize(f"HR 0.4{mark}7 was reported") if t.value != 0]
    assert token.float_value == 0.47 and token.damaged
    assert token.text == f"0.4{mark}7"


def test_a_record_number_with_an_invisible_character_is_a_warning_not_silence() -> None:
    from agent.anchor import anchor_record
    from agent.draft import DraftRecord, DraftResult

    text = "In TERN-1 (fictional), the HR was 0.4\u200b7 (95% CI 0.31\u20130.72; P=0.001).\n"
    draft = DraftRecord(trial_names=["TERN-1"], results=[DraftResult(
        endpoint="death", measure="HR", estimate="0.47", quote="the HR was 0.4\u200b7")])
    record = anchor_record(draft, text)
    assert record.results[0].estimate is not None
    assert record.results[0].estimate.value == 0.47
    (flag,) = [c for c in verify(record, text).checks if c.kind == "invisible_character"]
    assert flag.severity == "warning" and "U+200B" in flag.message


# -- failing model servers ----------------------------------------------------------------------

LIMITED = {"error": {"message": "rate limited", "type": "rate_limit_error"}}


def test_an_unreadable_retry_after_is_retried_with_the_normal_backoff(
        fake_model: Callable[[list[Any]], FakeModel]) -> None:
    from tests.test_llm import completion, draft_json, settings

    model = fake_model([(429, LIMITED, {"retry-after": "soon"}), completion(draft_json())])
    backend, slept = backend_for(model)
    from agent.pipeline import digest_article

    digest_article(article_of_text(), settings(), backend)
    assert slept == [1.0]


def test_a_model_call_never_outlasts_its_deadline(
        fake_model: Callable[[list[Any]], FakeModel], monkeypatch: pytest.MonkeyPatch) -> None:
    """429s asking for 100 s each: the waits stop at the call's deadline, not after
    max_transport_retries x max_retry_wait."""
    clock = [1000.0]
    monkeypatch.setattr("agent.llm.time.monotonic", lambda: clock[0])
    model = fake_model([(429, LIMITED, {"retry-after": "100"})] * 4)
    backend, slept = backend_for(model, call_deadline=150.0, max_transport_retries=9)
    backend.llm._sleep = lambda seconds: (slept.append(seconds),  # type: ignore[union-attr]
                                          clock.__setitem__(0, clock[0] + seconds))
    from agent.pipeline import digest_article

    with pytest.raises(BackendError, match="rate-limited"):
        digest_article(article_of_text(), load_settings(env={}, summary=False), backend)
    assert slept == [60.0, 60.0, 30.0] and sum(slept) <= 150.0


def test_the_llama_cpp_server_log_is_removed_when_it_stops(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from agent.backends import llamacpp

    class Finished:
        def poll(self) -> int:
            return 0

    monkeypatch.setattr(llamacpp.subprocess, "Popen", lambda *a, **k: Finished())
    server = llamacpp.LlamaCppServer(tmp_path / "m.gguf", n_ctx=512, n_threads=1)
    log = Path(server.log_file.name)
    assert log.exists()
    server.stop()
    assert not log.exists()
    kept = llamacpp.LlamaCppServer(tmp_path / "m.gguf", n_ctx=512, n_threads=1)
    kept.stop(keep_log=True)  # an error message points to it
    assert Path(kept.log_file.name).exists()
    Path(kept.log_file.name).unlink()


# -- stdin ------------------------------------------------------------------------------------

class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def _stdin(data: bytes, encoding: str = "ascii") -> io.TextIOWrapper:
    """stdin as a C/POSIX locale gives it: a text layer that cannot decode UTF-8."""
    return _Stdin(io.BytesIO(data), encoding=encoding, errors="strict")


def test_stdin_is_read_as_bytes_whatever_the_locale() -> None:
    from agent.fetch import fetch

    text = ("In the fictional TERN-4 trial, event rates were 0.47 and −0.5 per 100 "
            "patient-years among 1\u2009842 people who were followed for two years.\n")
    article = fetch("-", stdin=_stdin(text.encode("utf-8")))
    assert "−0.5" in article.text and "1\u2009842" in article.text


@pytest.mark.parametrize("data", [b"HR 0.\x0047 in the trial\n", b"\x00\x01\x02\x03 binary"])
def test_a_nul_on_stdin_is_refused_like_a_binary_file(data: bytes) -> None:
    from agent.errors import InputError
    from agent.fetch import fetch

    with pytest.raises(InputError, match="binary"):
        fetch("-", stdin=_stdin(data))
