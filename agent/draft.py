"""The record as a model (or a gold file) writes it: numbers as strings, evidence as quotes.

A draft is what the model is asked to fill in. Its validators run with the article as
validation context and reject an answer whose quote is not in the article, or whose numbers
are not in their quote; instructor feeds these messages back to the model (re-ask).
`anchor.anchor_record` then turns a draft into a `TrialRecord` whose numbers are read from the
article text by the deterministic parser.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from agent.numbers import matching_tokens, parse_number
from agent.schema import Measure, PrimaryMet
from agent.textmatch import find_in


def _compact(schema: dict[str, Any]) -> None:
    """Property titles repeat the names: drop them, every prompt token counts on a small model."""
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        prop.pop("default", None)


class DraftModel(BaseModel):
    # In the schema the model sees, every key is required (null where the article is silent):
    # a small model under a grammar otherwise skips the optional numbers altogether.
    # The error text goes back to the model on a re-ask: the message, not a dump of the input.
    model_config = ConfigDict(extra="ignore", json_schema_mode_override="serialization",
                              json_schema_serialization_defaults_required=True,
                              json_schema_extra=_compact, hide_input_in_errors=True)


def _article(info: ValidationInfo) -> str | None:
    context = info.context
    if isinstance(context, dict):
        article = context.get("article")
        return article if isinstance(article, str) else None
    return None


def _strip_p(raw: str) -> str:
    """'P < 0.001' -> '< 0.001'; 'p=.03' -> '.03' (the parser reads comparators itself)."""
    text = raw.strip()
    if text[:1] in "Pp" and len(text) > 1 and not text[1].isalpha():
        text = text[1:].lstrip()
    if text.startswith("=") and not text.startswith("=<"):
        text = text[1:].lstrip()
    return text


class DraftDesign(DraftModel):
    randomised: bool | None = None
    blinding: str | None = Field(default=None, description="open-label, single- or double-blind")
    phase: str | None = Field(default=None, description="e.g. '3', '2b'")
    placebo_controlled: bool | None = None
    crossover: bool | None = None
    non_inferiority: bool | None = None
    allocation: str | None = Field(default=None, description="e.g. '1:1'")


def _number_or_none(value: Any) -> Any:
    """'low', 'not reported', 'NR': words where a number goes mean the article gives none.
    Asking the model again costs a whole extraction and changes nothing."""
    if isinstance(value, str) and value.strip() and not _reads_as_number(value):
        return None
    return value


def _reads_as_number(raw: str) -> bool:
    """A number in either convention: 'X.Y%', or 'X,Y %' as a German page writes it."""
    return parse_number(raw) is not None or parse_number(raw, True) is not None


class DraftArm(DraftModel):
    label: str = Field(description="The arm as the article names it, with dose if given.")
    n: str | None = Field(default=None, description="Arm size exactly as written, e.g. '1,602'.")


class DraftResult(DraftModel):
    endpoint: str = Field(description="What was measured, in a few words.")
    is_primary: bool | None = Field(default=None, description="True for the primary endpoint.")
    measure: Measure = Field(default="other")
    estimate: str | None = Field(default=None, description="The estimate exactly as written.")
    ci_lower: str | None = None
    ci_upper: str | None = None
    p: str | None = Field(default=None, description="P value as written, e.g. '<0.001'.")
    arm: str | None = Field(default=None, description="The arm, for a per-arm value.")
    timepoint: str | None = Field(default=None, description="e.g. 'week 40', '90 days'.")
    quote: str = Field(description="The clause of the article that holds the numbers, copied "
                                   "verbatim.")
    # Gold files and the rules extractor give these too; the model is not asked for them
    # (each key costs output tokens on a small model): anchoring reads the CI level from the
    # quote, and the rest are optional detail.
    ci_level: SkipJsonSchema[str | None] = None
    n: SkipJsonSchema[str | None] = None
    comparison: SkipJsonSchema[str | None] = None
    trial: SkipJsonSchema[str | None] = None

    @field_validator("estimate", "ci_lower", "ci_upper", mode="before")
    @classmethod
    def _words_are_not_numbers(cls, value: Any) -> Any:
        return _number_or_none(value)

    @field_validator("ci_level", mode="before")
    @classmethod
    def _level_as_text(cls, value: Any) -> Any:
        if isinstance(value, int | float):
            return f"{value:g}"
        return value

    @field_validator("p")
    @classmethod
    def _p_text(cls, value: str | None) -> str | None:
        return _number_or_none(_strip_p(value)) if value else value

    @model_validator(mode="after")
    def _numbers_in_quote(self, info: ValidationInfo) -> DraftResult:
        article = _article(info)
        if article is None:
            return self
        if find_in(article, self.quote) is None:
            raise ValueError(
                f"quote {self.quote!r} is not in the article: copy the clause that holds the "
                "numbers exactly as it is written"
            )
        for name in ("estimate", "ci_lower", "ci_upper", "p"):
            raw = getattr(self, name)
            if raw is None:
                continue
            if not _reads_as_number(raw):
                raise ValueError(f"{name} {raw!r} is not a number: give the number as written")
            if not matching_tokens(self.quote, raw):
                raise ValueError(
                    f"{name} {raw!r} does not appear in its quote {self.quote!r}: quote the "
                    "clause where this number is printed, or leave the field null"
                )
        return self


class DraftSafety(DraftModel):
    event: str
    arm: str | None = None
    value: str | None = Field(default=None, description="The rate or count exactly as written.")
    quote: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _words_are_not_numbers(cls, value: Any) -> Any:
        return _number_or_none(value)

    @model_validator(mode="after")
    def _value_in_quote(self, info: ValidationInfo) -> DraftSafety:
        article = _article(info)
        if article is None or self.quote is None:
            return self
        if find_in(article, self.quote) is None:
            raise ValueError(f"safety quote {self.quote!r} is not in the article: copy it exactly")
        if self.value and not matching_tokens(self.quote, self.value):
            raise ValueError(f"safety value {self.value!r} is not in its quote {self.quote!r}")
        return self


class DraftRecord(DraftModel):
    is_trial_report: bool = Field(
        default=True, description="False when the article reports no trial or study results.")
    trial_names: list[str] = Field(default_factory=list)
    registry_ids: list[str] = Field(default_factory=list)
    congress: str | None = None
    presenter: str | None = None
    condition: str | None = None
    population: str | None = None
    design: DraftDesign = Field(default_factory=DraftDesign)
    arms: list[DraftArm] = Field(default_factory=list)
    n_total: str | None = Field(default=None, description="Total number enrolled, as written.")
    primary_endpoint: str | None = None
    primary_endpoint_met: PrimaryMet = Field(
        default="not_stated", description="What the article states: yes, no or not_stated.")
    primary_met_quote: str | None = None
    results: list[DraftResult] = Field(default_factory=list)
    safety: list[DraftSafety] = Field(default_factory=list)
    # Read from the article's conclusion section instead (see extract.py): copying it cost a
    # small model many output tokens and added nothing the text does not say.
    conclusion: SkipJsonSchema[str | None] = None

    @field_validator("primary_endpoint_met", mode="before")
    @classmethod
    def _met_words(cls, value: Any) -> Any:
        mapping: dict[Any, Literal["yes", "no", "not_stated"]] = {
            True: "yes", False: "no", None: "not_stated", "true": "yes", "false": "no",
            "not stated": "not_stated", "unknown": "not_stated", "null": "not_stated",
        }
        return mapping.get(value, value)

    @model_validator(mode="after")
    def _numbers_in_article(self, info: ValidationInfo) -> DraftRecord:
        article = _article(info)
        if article is None:
            return self
        for label, raw in [("n_total", self.n_total), *((f"arm {a.label!r} n", a.n)
                                                       for a in self.arms)]:
            if raw and not matching_tokens(article, raw):
                raise ValueError(f"{label} {raw!r} is not written in the article: give it as "
                                 "written, or null")
        return self
