"""One exception root. Each error carries the exit code the CLI turns it into and a next step.

Exit codes (the CLI contract): 0 verified, 1 needs review, 2 usage or input error,
3 fetch error, 4 LLM/backend error.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class TrialbriefError(Exception):
    """Root of every error trialbrief raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.partial: Any = None
        """What was done before the failure (an agent.output.Output), saved by the CLI."""

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(TrialbriefError):
    """The command line or a configuration value is wrong."""


class ConfigError(UsageError):
    """A setting is missing or invalid."""


class InputError(TrialbriefError):
    """A local input (file, stdin, record) cannot be used."""


class FetchError(TrialbriefError):
    """A URL could not be fetched, or what came back is not an article."""

    exit_code = 3

    def __init__(
        self, message: str, *, hint: str | None = None, url: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.status_code = status_code


class BackendError(TrialbriefError):
    """The LLM backend failed: unreachable, misconfigured, or unusable output."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.usage: list[Any] = []
        """Token usage of the attempts made before the failure (agent.schema.Usage)."""


class BackendUnavailable(BackendError):
    """A backend cannot start: missing extra, missing model, server that does not answer."""


class ExtractionError(BackendError):
    """The model's answers never became a valid record within the retry budget."""

    def __init__(self, message: str, *, hint: str | None = None, attempts: int = 0,
                 kept_output: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.attempts = attempts
        self.kept_output = kept_output
        """The answer to keep, if any: of the rejected ones, the one with the fewest faults."""

    def kept(self, model: type[M]) -> M | None:
        """The kept answer as `model`, validated without the article: its quotes and numbers
        may be wrong (the checks flag them), but malformed JSON is not kept."""
        if not self.kept_output:
            return None
        try:
            return model.model_validate_json(self.kept_output)
        except ValidationError:
            return None


class ModelRefusal(BackendError):
    """The model declined to answer."""


class ContextTooLong(BackendError):
    """The article and prompt do not fit the model's context window."""
