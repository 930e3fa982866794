"""The rules backend: no LLM. The deterministic extractor (agent.rules) and a template summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.backends.base import Backend
from agent.schema import BackendInfo

if TYPE_CHECKING:
    from agent.extract import Extraction
    from agent.schema import Article
    from agent.summarise import Summarised, SummaryRequest


class RulesBackend(Backend):
    def __init__(self) -> None:
        self.info = BackendInfo(name="rules", model=None)
        self.llm = None

    def prompt_ids(self) -> dict[str, str]:
        """No prompts: the rules are the code, so the version of trialbrief stands for them."""
        from agent import __version__

        return {"rules": __version__}

    def draft_record(self, article: Article, prompt_version: str | None = None) -> Extraction:
        from agent.extract import rules_extraction

        return rules_extraction(article)

    def draft_summary(self, request: SummaryRequest) -> Summarised:
        from agent.summarise import template_summarised

        return template_summarised(request)
