"""The backend interface shared by every way of producing drafts."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from agent.schema import BackendInfo

if TYPE_CHECKING:
    from agent.llm import LLM


class Backend:
    """A source of drafts. `llm` is None for the rules backend (no model at all)."""

    info: BackendInfo
    llm: LLM | None = None

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
