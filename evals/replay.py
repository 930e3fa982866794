"""Recorded model exchanges (vcrpy cassettes): one configuration for tests, evals and recording.

Requests match on method, path and the JSON body (parsed, so key order and spacing do not
matter): a prompt, schema or model change makes a recorded answer unusable instead of silently
replayed. Secrets are scrubbed from request *and* response headers before anything is written,
and cassettes replay only ("none") unless recording is asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

RecordMode = Literal["none", "once", "new_episodes", "all"]

CASSETTES_DIR = Path(__file__).resolve().parent.parent / "cassettes"
SECRET_REQUEST_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization",
                          "openai-project", "cookie"]
SECRET_RESPONSE_HEADERS = {"set-cookie", "openai-organization", "openai-project",
                           "x-request-id", "cf-ray", "x-api-key", "authorization"}


def _json_body(r1: Any, r2: Any) -> None:
    def parsed(body: Any) -> Any:
        if body is None:
            return None
        text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        try:
            return json.loads(text)
        except ValueError:
            return text

    if parsed(r1.body) != parsed(r2.body):
        raise AssertionError("request bodies differ")


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS:
            del headers[name]
    return response


def make_vcr(record_mode: RecordMode = "none") -> vcr.VCR:
    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "path", "json_body"],
        filter_headers=SECRET_REQUEST_HEADERS,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
        serializer="yaml",
    )
    recorder.register_matcher("json_body", _json_body)
    return recorder


def is_replay_miss(exc: BaseException) -> bool:
    """A request that no recorded exchange matches (the cassette is out of date)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CannotOverwriteExistingCassetteException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


REPLAY_BASE_URL = "http://127.0.0.1:8080/v1"
"""Replays match on path and body, never on host: any loopback address will do."""


def replay_backend(name: str, model: str, structured_mode: str,
                   extract_mode: str = "labels") -> Any:
    """A backend that talks to recorded exchanges instead of a server: the `llamacpp` column
    replays without starting llama.cpp, through the same OpenAI-compatible client. Retries do
    not really sleep."""
    from agent.backends.openai_compat import OpenAIBackend
    from agent.config import load_settings

    settings = load_settings(env={}, config_path=Path("/nonexistent"), backend="openai",
                             model=model, base_url=REPLAY_BASE_URL,
                             structured_mode=structured_mode, extract_mode=extract_mode)
    return OpenAIBackend(settings, name=name, sleep=lambda _seconds: None)
