"""Any OpenAI-compatible endpoint: OpenAI itself, vLLM, Ollama, a llama.cpp server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agent.backends.base import Backend
from agent.config import Settings
from agent.errors import ConfigError
from agent.llm import LLM
from agent.schema import BackendInfo

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class OpenAIBackend(Backend):
    """`http_client` (an httpx2.Client, which the openai SDK uses) is for tests' fake servers."""

    def __init__(self, settings: Settings, *, http_client: Any = None, name: str = "openai",
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if settings.base_url is None and settings.api_key is None:
            raise ConfigError("the openai backend needs OPENAI_API_KEY (for api.openai.com) or "
                              "OPENAI_BASE_URL (for another OpenAI-compatible server)",
                              hint="set one, or use --backend rules")
        model = settings.model or DEFAULT_OPENAI_MODEL
        self.info = BackendInfo(name=name, model=model)
        self.llm = LLM(settings, base_url=settings.base_url, model=model, backend=name,
                       http_client=http_client, sleep=sleep)

    batch_api = True

    def start_batch(self, requests: dict[str, dict[str, Any]]) -> str:
        assert self.llm is not None
        return self.llm.start_batch(requests)

    def finish_batch(self, batch_id: str, keys: list[str], *, poll: float = 60.0,
                     max_wait: float = 24 * 3600.0) -> dict[str, dict[str, Any]]:
        assert self.llm is not None
        return self.llm.finish_batch(batch_id, keys, poll=poll, max_wait=max_wait)
