#!/usr/bin/env python3
"""A loopback OpenAI-compatible model server for benchmarks and tests: fixed latency, counted
calls, an answer every step of the pipeline accepts.

POST /v1/chat/completions sleeps `latency` seconds, then answers the step it was asked for:

    labels    (the prompt lists candidates "C1: ...") every candidate labelled a secondary result
    extract   (the prompt holds <article>...</article>) a DraftRecord with one result quoted
              from the article, its number copied from the quote, so the draft's validators
              pass without a re-ask
    summary   (anything else) a SummaryDraft without numbers: the summary validator re-asks
              for a number that is not in the record, and a plain summary has none

It answers as a tool call when the request offers tools (instructor's TOOLS mode, the default
for an OpenAI-compatible URL) and as JSON content otherwise (the JSON modes). Requests are
served on a thread each, so `--jobs N` clients overlap their waits as on a real server.

    .venv/bin/python scripts/stub_openai.py [--port 8088] [--latency 2]
    OPENAI_BASE_URL=http://127.0.0.1:8088/v1 OPENAI_API_KEY=stub \\
        .venv/bin/trialbrief batch ARTICLES --backend openai
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from agent.numbers import tokenize

_ARTICLE = re.compile(r"<article>\n(.*)\n</article>", re.S)
# A sentence ends at '. ' or a line break: a decimal point ('0.75') never ends one.
_SENTENCE_END = re.compile(r"\.\s|\n")
SUMMARY = {
    "headline": "Trial results were reported at a medical meeting",
    "standfirst": "Doctors reported the results of a clinical trial of a new treatment.",
    "tested": "The trial compared a treatment with the usual care.",
    "participants": "Adults with the condition took part.",
    "findings": "The article gives the main result; the checked record holds its details.",
    "side_effects": None,
    "meaning": "The results still need to be checked by other experts.",
}


class ThreadingLoopback(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when many clients connect at once.
    request_queue_size = 128


class LoopbackServer:
    """An HTTP server on 127.0.0.1 in a daemon thread, a thread per connection; a context
    manager that stops it."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self.httpd = ThreadingLoopback(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def bind(handler: type[BaseHTTPRequestHandler], **attributes: Any
             ) -> type[BaseHTTPRequestHandler]:
        """HANDLER with ATTRIBUTES as class attributes: http.server makes a handler per
        request from its class, so this is how a handler reaches its server's state."""
        return type(handler.__name__, (handler,), attributes)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class StubOpenAI(LoopbackServer):
    """The stub model server: `url` for OPENAI_BASE_URL, `calls` counts chat completions."""

    def __init__(self, latency: float = 2.0, port: int = 0) -> None:
        super().__init__(self.bind(_ChatHandler, stub=self), port)
        self.latency = latency
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    @property
    def calls(self) -> int:
        with self._lock:
            return self._calls

    def reset(self) -> None:
        with self._lock:
            self._calls = 0

    def count(self) -> int:
        with self._lock:
            self._calls += 1
            return self._calls


class _ChatHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the client's connections open, as a real server does: the benchmark
    # measures the pipeline, not a TCP handshake per call.
    protocol_version = "HTTP/1.1"
    stub: StubOpenAI

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        number = self.stub.count()
        time.sleep(self.stub.latency)
        self._send(200, completion(body, number))

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a line per call would drown the benchmark's table


def completion(request: dict[str, Any], number: int = 1) -> dict[str, Any]:
    """A chat completion answering `request`: a tool call when it offers tools, else JSON."""
    messages = request.get("messages") or []
    article = next((m[1] for m in (_ARTICLE.search(str(msg.get("content") or ""))
                                   for msg in messages) if m), None)
    ids = [i for msg in messages for i in _CANDIDATE.findall(str(msg.get("content") or ""))]
    labels = any(_LABELS.search(str(msg.get("content") or "")) for msg in messages)
    answer = json.dumps(labels_answer(ids) if labels else
                        draft_record(article) if article is not None else SUMMARY)
    message: dict[str, Any] = {"role": "assistant", "content": answer}
    finish = "stop"
    if request.get("tools"):
        name = _tool_name(request)
        message = {"role": "assistant", "content": None, "tool_calls": [{
            "id": f"call_{number}", "type": "function",
            "function": {"name": name, "arguments": answer}}]}
        finish = "tool_calls"
    prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
    usage = {"prompt_tokens": prompt_chars // 4, "completion_tokens": len(answer) // 4}
    return {"id": f"chatcmpl-stub-{number}", "object": "chat.completion",
            "created": int(time.time()), "model": request.get("model", "stub"),
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": {**usage, "total_tokens": sum(usage.values())}}


def _tool_name(request: dict[str, Any]) -> str:
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and "function" in choice:
        return str(choice["function"]["name"])
    return str(request["tools"][0]["function"]["name"])


_LABELS = re.compile(r"^Candidates \(id", re.M)
_CANDIDATE = re.compile(r"^(C\d+):", re.M)


def labels_answer(ids: list[str]) -> dict[str, Any]:
    """Labels for the candidates of a labels-mode request (agent.labels)."""
    return {"trial_names": [], "intervention": None, "comparator": None, "population": None,
            "condition": None, "primary_endpoint": None, "primary_endpoint_met": "not_stated",
            "missed": [], "candidates": {i: {"endpoint": "a reported value", "kind": "secondary",
                                             "arm": None} for i in dict.fromkeys(ids)}}


def draft_record(article: str) -> dict[str, Any]:
    """A draft that passes validation: one result whose quote is the sentence of the
    article's first number and whose estimate is that number as written."""
    draft: dict[str, Any] = {"is_trial_report": True, "primary_endpoint_met": "not_stated",
                             "results": []}
    tokens = tokenize(article)
    if tokens:
        token = tokens[0]
        starts = [m.end() for m in _SENTENCE_END.finditer(article, 0, token.start)]
        start = starts[-1] if starts else 0
        end_match = _SENTENCE_END.search(article, token.end)
        end = end_match.start() if end_match else len(article)
        draft["results"] = [{"endpoint": "the first reported value", "measure": "other",
                             "estimate": token.text, "quote": article[start:end].strip()}]
    return draft


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--latency", type=float, default=2.0)
    args = parser.parse_args()
    with StubOpenAI(args.latency, args.port) as stub:
        print(f"stub model at {stub.url} ({args.latency:g} s a call); Ctrl-C stops it")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print(f"{stub.calls} chat completions served")


if __name__ == "__main__":
    main()
