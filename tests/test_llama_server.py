"""The embedded server's greedy sampling under a grammar: the grammar is asked about the best
token first, and masks the whole vocabulary only when it refuses that token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.backends import llamacpp
from agent.backends.llama_server import is_greedy_grammar_chain, pick_greedy


def test_the_best_token_is_taken_when_the_grammar_allows_it() -> None:
    accepted: list[int] = []

    def whole_vocabulary() -> int:
        raise AssertionError("the vocabulary is masked only when the best token is refused")

    assert pick_greedy(7, lambda token: token == 7, accepted.append, whole_vocabulary) == 7
    assert accepted == [7]  # the grammar moves on past the token


def test_a_refused_best_token_falls_back_to_the_whole_vocabulary() -> None:
    accepted: list[int] = []
    assert pick_greedy(7, lambda token: token != 7, accepted.append, lambda: 3) == 3
    assert accepted == []  # the library's chain accepts the token it picks itself


def test_the_backend_starts_this_server_with_the_recorded_options(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    commands: list[list[str]] = []

    class Started:
        def __init__(self, command: list[str], **_: object) -> None:
            commands.append(command)

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(llamacpp.subprocess, "Popen", Started)
    llamacpp.LlamaCppServer(tmp_path / "m.gguf", n_ctx=512, n_threads=1).stop()
    command = commands[0]
    assert command[1:3] == ["-m", "agent.backends.llama_server"]
    joined = " ".join(command)
    assert " ".join(llamacpp.SERVER_OPTIONS) in joined and "--flash_attn true" not in joined


def _local_gguf() -> Path | None:
    found = sorted((Path.home() / ".cache" / "trialbrief" / "models").glob("*.gguf"))
    return found[0] if found else None


def test_the_same_answer_as_the_library_under_a_json_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With llama-cpp-python and a model at hand (the `local` extra; skipped elsewhere): one
    grammar-constrained answer, sampled by the library and by the server's way, token for
    token the same, and most tokens taken without masking the vocabulary."""
    pytest.importorskip("llama_cpp")
    model = _local_gguf()
    if model is None:
        pytest.skip("no GGUF model in ~/.cache/trialbrief/models")
    from llama_cpp import llama

    from agent.backends import llama_server

    llm = llama.Llama(model_path=str(model), n_ctx=1024, n_threads=2, verbose=False)
    schema = {"type": "object", "properties": {
        "endpoint": {"type": "string"}, "arm": {"enum": ["treatment", "control", "both"]},
        "primary": {"type": "boolean"}}, "required": ["endpoint", "arm", "primary"]}
    text = ("In the trial, 412 adults took the drug or placebo for a year; the primary "
            "endpoint, time to first relapse, favoured the drug (HR 0.64).")

    def answer(repeat_penalty: float) -> str:
        llm.reset()
        reply = llm.create_chat_completion(
            messages=[{"role": "user", "content": f"Label the primary result: {text}"}],
            response_format={"type": "json_object", "schema": schema}, temperature=0.0,
            repeat_penalty=repeat_penalty, max_tokens=60)
        return str(reply["choices"][0]["message"]["content"])  # type: ignore[index]

    # 1.1: the server's default; 1.0 makes the penalties step a no-op ("?penalties")
    library = [answer(1.1), answer(1.0)]
    picks: list[int] = []
    refused: list[int] = []
    original = llama_server.pick_greedy

    def counted(best: int, allowed: Callable[[int], bool], accept: Callable[[int], None],
                whole_vocabulary: Callable[[], int]) -> int:
        def whole() -> int:
            refused.append(best)
            return whole_vocabulary()

        picks.append(best)
        return original(best, allowed, accept, whole)

    monkeypatch.setattr(llama.Llama, "sample", llama.Llama.sample)  # undone after the test
    monkeypatch.setattr(llama_server, "pick_greedy", counted)
    llama_server.install()
    for penalty, answered in zip((1.1, 1.0), library, strict=True):
        picks.clear()
        refused.clear()
        assert answer(penalty) == answered
        assert len(picks) >= 10 and len(refused) < len(picks) / 2


def test_the_chain_is_recognised_with_its_penalties_step_on_or_off() -> None:
    assert is_greedy_grammar_chain((b"penalties", b"grammar", b"greedy"))
    assert is_greedy_grammar_chain((b"?penalties", b"grammar", b"greedy"))
    assert not is_greedy_grammar_chain((b"penalties", b"grammar", b"top-k", b"dist"))
    assert not is_greedy_grammar_chain((b"penalties", b"greedy"))
