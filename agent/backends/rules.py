"""The rules backend: no LLM. The deterministic extractor (agent.rules) and a template summary."""

from __future__ import annotations

from agent.backends.base import Backend
from agent.schema import BackendInfo


class RulesBackend(Backend):
    def __init__(self) -> None:
        self.info = BackendInfo(name="rules", model=None)
        self.llm = None
