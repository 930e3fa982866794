"""Settings, frozen once read: flags > TRIALBRIEF_* / OPENAI_* environment > config file > defaults.

The API key is a SecretStr: it never appears in a repr, a log line, an output or a cassette.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from agent.errors import ConfigError, register_secret
from agent.language import LANGUAGES

BackendName = Literal["openai", "llamacpp", "rules"]
StructuredMode = Literal["auto", "tools", "json_schema", "json_object_schema", "json"]
BACKENDS: tuple[BackendName, ...] = ("openai", "llamacpp", "rules")
STRUCTURED_MODES: tuple[StructuredMode, ...] = (
    "auto", "tools", "json_schema", "json_object_schema", "json")
ExtractMode = Literal["labels", "record"]
EXTRACT_MODES: tuple[ExtractMode, ...] = ("labels", "record")
SummaryMode = Literal["lead", "whole"]
SUMMARY_MODES: tuple[SummaryMode, ...] = ("lead", "whole")


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "trialbrief" / "config.toml"


def default_model_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trialbrief" / "models"


@dataclass(frozen=True)
class Settings:
    backend: BackendName | None = None
    """None: choose automatically (see `choose_backend`)."""
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = field(default=None, repr=False)
    model_path: Path | None = None
    model_dir: Path = field(default_factory=default_model_dir)
    structured_mode: StructuredMode = "auto"
    extract_mode: ExtractMode = "labels"
    """How a model backend drafts a record: "labels" (the parser finds the numbers, the model
    labels them: agent.labels) or "record" (the model writes the whole record, prompt extract)."""
    temperature: float = 0.0
    seed: int | None = 7
    max_reasks: int = 1
    """Re-asks after an answer fails validation (each costs a whole extraction)."""
    reask_temperature: float = 0.4
    """Sampling temperature of a re-ask only: at the first answer's temperature of 0, a small
    model repeated its rejected answer word for word in every recorded re-ask."""
    max_transport_retries: int = 3
    max_retry_wait: float = 60.0
    request_timeout: float = 600.0
    call_deadline: float | None = None
    """Seconds one model call may take in all, retries included; None: 180 (900 for the
    embedded llama.cpp server)."""
    context_window: int | None = None
    max_output_tokens: int = 2048
    n_threads: int | None = None
    summary: bool = True
    summary_mode: SummaryMode | None = None
    """How much of a summary a model writes: "whole" (every section), or "lead" (headline,
    standfirst and what it means; the template writes the sections that carry the numbers).
    None: lead for the embedded small model (llamacpp), whole for any other server."""
    language: str = "en"
    """The language summaries are written in, whatever the article's (see agent.language)."""
    house_style: Path | None = None
    """The editor's house-style file; None: the default shipped with the package."""

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_ENV = {
    "backend": "TRIALBRIEF_BACKEND",
    "model": "TRIALBRIEF_MODEL",
    "base_url": "OPENAI_BASE_URL",
    "api_key": "OPENAI_API_KEY",
    "model_path": "TRIALBRIEF_MODEL_PATH",
    "model_dir": "TRIALBRIEF_MODEL_DIR",
    "structured_mode": "TRIALBRIEF_STRUCTURED_MODE",
    "extract_mode": "TRIALBRIEF_EXTRACT_MODE",
    "summary_mode": "TRIALBRIEF_SUMMARY_MODE",
    "context_window": "TRIALBRIEF_CONTEXT_WINDOW",
    "n_threads": "TRIALBRIEF_THREADS",
    "language": "TRIALBRIEF_LANGUAGE",
    "house_style": "TRIALBRIEF_HOUSE_STYLE",
}


def _coerce(name: str, raw: Any) -> Any:
    try:
        if name == "api_key":
            register_secret(str(raw) if raw else None)  # redacted from every message
            return SecretStr(str(raw)) if raw else None
        if name in ("model_path", "model_dir", "house_style"):
            return Path(str(raw)).expanduser()
        if name in ("temperature", "reask_temperature", "max_retry_wait", "request_timeout",
                    "call_deadline"):
            return float(raw)
        if name in ("seed", "max_reasks", "max_transport_retries", "context_window",
                    "max_output_tokens", "n_threads"):
            return int(raw)
        if name == "summary":
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
    except ValueError as exc:
        raise ConfigError(f"setting {name!r} has an invalid value {raw!r}") from exc
    if name == "backend" and raw not in BACKENDS:
        raise ConfigError(f"unknown backend {raw!r}", hint=f"choose one of {', '.join(BACKENDS)}")
    if name == "language" and raw not in LANGUAGES:
        raise ConfigError(f"unknown summary language {raw!r}",
                          hint=f"choose one of {', '.join(LANGUAGES)}")
    if name == "extract_mode" and raw not in EXTRACT_MODES:
        raise ConfigError(f"unknown extract mode {raw!r}",
                          hint=f"choose one of {', '.join(EXTRACT_MODES)}")
    if name == "summary_mode" and raw not in SUMMARY_MODES:
        raise ConfigError(f"unknown summary mode {raw!r}",
                          hint=f"choose one of {', '.join(SUMMARY_MODES)}")
    if name == "structured_mode" and raw not in STRUCTURED_MODES:
        raise ConfigError(f"unknown structured mode {raw!r}",
                          hint=f"choose one of {', '.join(STRUCTURED_MODES)}")
    return raw


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}",
                          hint="fix the TOML or remove the file") from exc
    known = {f.name for f in fields(Settings)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"config file {path} has unknown keys: {', '.join(sorted(unknown))}",
                          hint=f"known keys: {', '.join(sorted(known))}")
    if "api_key" in data:
        raise ConfigError(f"config file {path} holds an api_key",
                          hint="keep secrets out of files: set OPENAI_API_KEY instead")
    return data


def load_settings(env: Mapping[str, str] | None = None, config_path: Path | None = None,
                  **flags: Any) -> Settings:
    env = os.environ if env is None else env
    path = config_path or Path(env.get("TRIALBRIEF_CONFIG", "") or default_config_path())
    values: dict[str, Any] = dict(read_config_file(path))
    for name, var in _ENV.items():
        if env.get(var):
            values[name] = env[var]
    values.update({k: v for k, v in flags.items() if v is not None})
    return Settings(**{k: _coerce(k, v) for k, v in values.items()})


def find_local_model(settings: Settings) -> Path | None:
    if settings.model_path is not None:
        return settings.model_path
    if settings.model_dir.is_dir():
        models = sorted(settings.model_dir.glob("*.gguf"), key=_model_preference)
        return models[0] if models else None
    return None


def _model_preference(path: Path) -> tuple[int, str]:
    # Prefer the larger instruction model over the tiny loading-test model.
    return (0 if "1.5b" in path.name.lower() else 1, path.name)


def choose_backend(settings: Settings, llamacpp_installed: bool) -> BackendName:
    """--backend > config > OPENAI_API_KEY set -> openai > a local model -> llamacpp > rules."""
    if settings.backend is not None:
        return settings.backend
    if settings.api_key is not None:
        return "openai"
    if llamacpp_installed and find_local_model(settings) is not None:
        return "llamacpp"
    return "rules"
