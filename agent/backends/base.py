"""The backend interface shared by every way of producing drafts."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from agent.schema import BackendInfo

if TYPE_CHECKING:
    from agent.llm import LLM
    from agent.summarise import Summarised, SummaryRequest


class Backend:
    """A source of drafts. `llm` is None for the rules backend (no model at all)."""

    info: BackendInfo
    llm: LLM | None = None

    def draft_summary(self, request: SummaryRequest) -> Summarised:
        """The summary draft of this backend: a model's, from the summary prompt."""
        from agent.summarise import model_summary

        if self.llm is None:
            raise NotImplementedError(f"{type(self).__name__} has no model: override "
                                      "draft_summary")
        return model_summary(self.llm, request)

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
