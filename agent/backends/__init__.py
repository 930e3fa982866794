"""Backends: one interface, three ways to get a draft record and a summary draft.

- `openai`: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, a llama.cpp server).
- `llamacpp`: the embedded LLM: a local llama.cpp server started and stopped for the run.
- `rules`: no LLM at all; the deterministic extractor and a template summary.
"""

from __future__ import annotations

from importlib.util import find_spec

from agent.backends.base import Backend
from agent.config import Settings, choose_backend
from agent.errors import ConfigError


def llamacpp_installed() -> bool:
    return find_spec("llama_cpp") is not None


def open_backend(settings: Settings) -> Backend:
    """The backend the settings ask for (or the automatic choice). Use it as a context manager."""
    name = choose_backend(settings, llamacpp_installed())
    if name == "openai":
        from agent.backends.openai_compat import OpenAIBackend

        return OpenAIBackend(settings)
    if name == "llamacpp":
        from agent.backends.llamacpp import LlamaCppBackend

        return LlamaCppBackend(settings)
    from agent.backends.rules import RulesBackend

    if settings.summary and settings.language != "en":
        raise ConfigError(f"the rules backend writes summaries in English only, not "
                          f"{settings.language!r}",
                          hint="use --language en, --no-summary, or a model backend")
    return RulesBackend()


__all__ = ["Backend", "llamacpp_installed", "open_backend"]
