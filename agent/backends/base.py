"""The backend interface shared by every way of producing drafts."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from agent.errors import UsageError
from agent.schema import BackendInfo

if TYPE_CHECKING:
    from agent.extract import Extraction
    from agent.llm import LLM
    from agent.schema import Article
    from agent.summarise import Summarised, SummaryRequest


class Backend:
    """A source of drafts: each backend owns its steps (a record draft, a summary draft). The
    model backends share these, from the prompts; the rules backend overrides both."""

    info: BackendInfo
    llm: LLM | None = None
    batch_api = False
    """Whether `start_batch` can send held-back requests (the OpenAI Batch API)."""

    def draft_record(self, article: Article, prompt_version: str | None = None) -> Extraction:
        """The record draft of this backend: the rules' numbers with the model's labels
        (labels mode, the default), or the model's whole record (record mode)."""
        from agent.extract import labelled_extraction, model_extraction

        llm = self._model()
        if llm.settings.extract_mode == "labels":
            return labelled_extraction(llm, article, prompt_version)
        return model_extraction(llm, article, prompt_version)

    def draft_summary(self, request: SummaryRequest) -> Summarised:
        """The summary draft of this backend: a model's, from the summary prompt."""
        from agent.summarise import model_summary

        return model_summary(self._summary_model(), request)

    def prompt_ids(self) -> dict[str, str]:
        """The prompts this backend drafts from, as name -> 'name/version@content hash': what a
        stored run must share with a new one to be reused."""
        from agent import prompts
        from agent.extract import PROMPTS
        from agent.summarise import PROMPTS as SUMMARY_PROMPTS

        llm = self._model()
        extract = PROMPTS[llm.settings.extract_mode]
        summary = SUMMARY_PROMPTS[llm.summary_mode]
        return {name: f"{p.id}@{p.sha256[:12]}"
                for name in (extract, summary) for p in [prompts.load(name)]}

    def start_batch(self, requests: dict[str, dict[str, Any]]) -> str:
        """Send held-back model requests as a Batch API job (agent.llm); its id."""
        raise UsageError(f"the {self.info.name} backend has no batch API")

    def finish_batch(self, batch_id: str, keys: list[str], *, poll: float = 60.0,
                     max_wait: float = 24 * 3600.0) -> dict[str, dict[str, Any]]:
        """Wait for a Batch API job and return its answers by request key."""
        raise UsageError(f"the {self.info.name} backend has no batch API")

    def _model(self) -> LLM:
        if self.llm is None:
            raise NotImplementedError(f"{type(self).__name__} has no model: it must draft "
                                      "records and summaries itself")
        return self.llm

    def _summary_model(self) -> LLM:
        """The model that drafts summaries: the record's, unless a backend keeps another."""
        return self._model()

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
