"""The editor's voice: length, tone, words to avoid and the caveat, read from a TOML file.

The template writes to it, a model is told it, and the summary checks hold every draft to it.
The default ships with the package (agent/house_style.toml); the `house_style` setting points
at an editor's own copy.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from agent.errors import ConfigError


@dataclass(frozen=True)
class HouseStyle:
    min_words: int = 100
    max_words: int = 220
    max_grade: float = 8.0
    tone: str = "calm and factual"
    avoid: tuple[str, ...] = ()
    caveat_congress: str = ("These results were presented {congress}. They have not yet been "
                            "peer-reviewed.")
    caveat_published: str = "The results were also published in a medical journal."
    caveat_marker: str = "peer-review"

    def avoided(self) -> re.Pattern[str] | None:
        """One pattern for every word to avoid, or None when there is none."""
        if not self.avoid:
            return None
        words = sorted(self.avoid, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])",
                          re.I)

    def congress_caveat(self, congress: str | None) -> str:
        return self.caveat_congress.format(
            congress=f"at {congress}" if congress else "at a medical congress")

    def has_caveat(self, text: str) -> bool:
        marker = re.escape(self.caveat_marker).replace(r"\-", "[- ]?")
        return bool(re.search(marker, text, re.I))


def _from_mapping(data: dict[str, Any], where: str) -> HouseStyle:
    known = {f.name for f in fields(HouseStyle)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"house style {where} has unknown keys: {', '.join(sorted(unknown))}",
                          hint=f"known keys: {', '.join(sorted(known))}")
    values = dict(data)
    if "avoid" in values:
        values["avoid"] = tuple(str(w) for w in values["avoid"])
    try:
        style = HouseStyle(**values)
        style.congress_caveat(None)
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"house style {where} has an invalid value: {exc}",
                          hint="compare it with the default agent/house_style.toml") from exc
    if style.min_words > style.max_words:
        raise ConfigError(f"house style {where}: min_words is above max_words")
    return style


@lru_cache(maxsize=8)
def load_house_style(path: Path | None = None) -> HouseStyle:
    """The house style at `path`, or the default shipped with the package."""
    if path is None:
        text = resources.files("agent").joinpath("house_style.toml").read_text(encoding="utf-8")
        where = "(default)"
    else:
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read house style {path}: {exc.strerror or exc}",
                              hint="check the house_style setting") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"house style {where} is not valid TOML: {exc}") from exc
    return _from_mapping(data, where)
