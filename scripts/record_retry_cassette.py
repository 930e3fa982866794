#!/usr/bin/env python3
"""Record cassettes/openai/retry-429.yaml: a real 429-then-200 exchange with the local model.

A llama.cpp server never rate-limits, so a small loopback proxy in front of it answers the
first chat completion with HTTP 429 (Retry-After: 1) and forwards every later request. The
openai backend talks to the proxy under vcrpy in record mode, so the cassette holds the 429
and the real answer of the 1.5B model that followed it.

    python scripts/record_retry_cassette.py     # needs the [local] extra and the local model
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.backends.llamacpp import LlamaCppBackend  # noqa: E402
from agent.backends.openai_compat import OpenAIBackend  # noqa: E402
from agent.config import load_settings  # noqa: E402
from agent.extract import extract  # noqa: E402
from evals.cases import Case  # noqa: E402
from evals.record import article_of  # noqa: E402
from evals.replay import CASSETTES_DIR, make_vcr  # noqa: E402

ARTICLE = ROOT / "tests" / "fixtures" / "articles" / "kestrel-af.txt"
CASSETTE = CASSETTES_DIR / "openai" / "retry-429.yaml"


def proxy_to(upstream: str) -> ThreadingHTTPServer:
    state = {"limited": False}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if not state["limited"]:
                state["limited"] = True
                payload = b'{"error": {"message": "rate limited", "type": "rate_limit"}}'
                self.send_response(429)
                self.send_header("retry-after", "1")
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            answer = httpx.post(upstream + self.path.removeprefix("/v1"), content=body,
                                headers={"content-type": "application/json"}, timeout=900)
            self.send_response(answer.status_code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    case = Case(id="kestrel-af", group="other", kind="trial-report", title=text.split("\n")[0],
                text=text, gold={})
    with LlamaCppBackend(load_settings(env={}, backend="llamacpp")) as local:
        proxy = proxy_to(local.server.base_url)
        settings = load_settings(env={}, backend="openai", model=local.info.model,
                                 base_url=f"http://127.0.0.1:{proxy.server_port}/v1",
                                 structured_mode="json_object_schema", summary=False)
        backend = OpenAIBackend(settings)
        CASSETTE.parent.mkdir(parents=True, exist_ok=True)
        CASSETTE.unlink(missing_ok=True)
        with make_vcr("all").use_cassette(str(CASSETTE)):
            extraction = extract(article_of(case), backend)
        proxy.shutdown()
    print([(u.attempt, u.outcome, u.prompt_tokens, u.completion_tokens, u.seconds)
           for u in extraction.usage])
    print(f"wrote {CASSETTE}")


if __name__ == "__main__":
    main()
