"""One exception root. Each error carries the exit code the CLI turns it into and a next step.

Exit codes (the CLI contract): 0 verified, 1 needs review, 2 usage or input error,
3 fetch error, 4 LLM/backend error, 5 store (database) error.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


# Shapes of credentials a server may echo back in an error body: OpenAI-style keys, bearer
# tokens, and 'api_key=...'-style pairs (the label is kept, the value goes).
_SECRET_SHAPES = re.compile(
    r"(?P<label>)\bsk-[A-Za-z0-9_-]{12,}"
    r"|(?P<label2>(?i:\bbearer)\s+)[A-Za-z0-9._~+/-]{12,}=*"
    r"|(?P<label3>(?i:\b(?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|"
    r"x-api-key))[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}]{8,}")
_KNOWN_SECRETS: set[str] = set()
REDACTED = "[redacted]"


def register_secret(value: str | None) -> None:
    """A secret of this run (the configured API key): `redact` removes it wherever it shows."""
    if value and len(value) >= 6:
        _KNOWN_SECRETS.add(value)


def redact(text: str) -> str:
    """The text without any registered secret and without anything shaped like a credential."""
    for secret in _KNOWN_SECRETS:
        text = text.replace(secret, REDACTED)
    return _SECRET_SHAPES.sub(
        lambda m: (m.group("label2") or m.group("label3") or "") + REDACTED, text)


class TrialbriefError(Exception):
    """Root of every error trialbrief raises on purpose. Its message and hint are redacted:
    they reach stderr, logs and saved outputs."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.hint = redact(hint) if hint else hint
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


class StoreError(TrialbriefError):
    """The database cannot be opened, migrated or written."""

    exit_code = 5
