"""Prompt templates: versioned YAML files loaded by name, rendered strictly.

Templates live in the repository's prompts/<name>/<version>.yaml and are shipped inside the
wheel as agent/_prompts. Rendering fails on a missing or unexpected variable, so a prompt and
the code that fills it cannot drift apart silently.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from agent.errors import ConfigError

_VERSION = re.compile(r"^v(\d+)$")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    variables: tuple[str, ...]
    messages: tuple[tuple[str, str], ...]
    sha256: str

    @property
    def id(self) -> str:
        return f"{self.name}/{self.version}"

    def render(self, **variables: Any) -> list[dict[str, str]]:
        missing = set(self.variables) - set(variables)
        extra = set(variables) - set(self.variables)
        if missing or extra:
            raise ConfigError(
                f"prompt {self.id} expects {sorted(self.variables)}; missing {sorted(missing)}, "
                f"unexpected {sorted(extra)}",
                hint="the prompt file and the code that fills it disagree",
            )
        env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        try:
            return [{"role": role, "content": env.from_string(text).render(**variables)}
                    for role, text in self.messages]
        except TemplateError as exc:
            raise ConfigError(f"prompt {self.id} cannot be rendered: {exc}") from exc


def prompts_root() -> Path:
    """The installed templates, or the repository's prompts/ folder in a source checkout."""
    packaged = resources.files("agent") / "_prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "prompts"


def versions(name: str) -> list[str]:
    folder = prompts_root() / name
    found = [p.stem for p in folder.glob("v*.yaml") if _VERSION.match(p.stem)]
    return sorted(found, key=lambda v: int(v[1:]))


@lru_cache(maxsize=16)
def load(name: str, version: str | None = None) -> Prompt:
    """The prompt `name` at `version` (the newest when None)."""
    available = versions(name)
    if not available:
        raise ConfigError(f"no prompt named {name!r} in {prompts_root()}",
                          hint="reinstall trialbrief or check the prompts/ folder")
    version = version or available[-1]
    if version not in available:
        raise ConfigError(f"prompt {name!r} has no version {version!r}",
                          hint=f"available: {', '.join(available)}")
    path = prompts_root() / name / f"{version}.yaml"
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    try:
        messages = tuple((m["role"], m["content"]) for m in data["messages"])
        variables = tuple(data.get("variables", []))
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"prompt file {path} is malformed: {exc}") from exc
    return Prompt(name, version, variables, messages, hashlib.sha256(raw).hexdigest())
