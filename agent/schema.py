"""The plain data that flows between the stages.

`Article` leaves fetch; `TrialRecord` leaves extract; both go to verify. Every number in a record
is a `Number`: the text as written in the article, the value the deterministic parser read from
that text, and its character span in `Article.text`. The model never supplies a value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[int, int]

Measure = Literal[
    "HR", "OR", "RR", "IRR", "rate ratio", "GMR", "beta", "mean difference", "mean change",
    "percent", "risk difference", "RRR", "other",
]
RATIO_MEASURES: frozenset[str] = frozenset({"HR", "OR", "RR", "IRR", "rate ratio", "GMR"})
DIFFERENCE_MEASURES: frozenset[str] = frozenset(
    {"beta", "mean difference", "risk difference", "mean change"}
)

GroundStatus = Literal["grounded", "not_found", "mismatch", "ambiguous"]
Comparator = Literal["=", "<", "<=", ">", ">="]
PrimaryMet = Literal["yes", "no", "not_stated"]
Direction = Literal["increase", "decrease"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Article(Model):
    """One article as fetched. All character offsets anywhere in the output refer to `text`."""

    url: str | None = None
    path: str | None = None
    title: str | None = None
    date: str | None = None
    text: str
    fetched_at: datetime
    sha256: str


class Number(Model):
    """A number as it stands in the article."""

    text: str = Field(description="The number as written in the article, e.g. '0·75', '1,635'.")
    value: float | None = Field(description="The value the parser read from `text`.")
    span: Span | None = Field(default=None, description="[start, end) in the article text.")
    comparator: Comparator | None = Field(
        default=None, description="For P values and bounds written as '<0.001'."
    )
    status: GroundStatus | None = Field(
        default=None, description="Grounding status, stamped by verify."
    )
    model_text: str | None = Field(
        default=None, description="What the model wrote, when it differs from `text`."
    )


class Quote(Model):
    text: str
    span: Span | None = None


class Design(Model):
    randomised: bool | None = None
    blinding: str | None = None
    phase: str | None = None
    placebo_controlled: bool | None = None
    crossover: bool | None = None
    non_inferiority: bool | None = None
    allocation: str | None = None


class Arm(Model):
    label: str
    intervention: str | None = None
    n: Number | None = None


class Result(Model):
    endpoint: str
    is_primary: bool | None = None
    measure: Measure = "other"
    estimate: Number | None = None
    ci_level: Number | None = None
    ci_lower: Number | None = None
    ci_upper: Number | None = None
    p: Number | None = None
    timepoint: str | None = None
    arm: str | None = None
    n: Number | None = None
    comparison: str | None = None
    trial: str | None = None
    quote: Quote | None = None
    direction: Direction | None = Field(
        default=None, description="What the article's words say the value did ('fell by "
        "X%': decrease), read from the text next to the estimate, never from a model.")


class SafetyFinding(Model):
    event: str
    arm: str | None = None
    value: Number | None = None
    n: Number | None = None
    quote: Quote | None = None


class Disagreement(Model):
    """Where a model's label and the rules' reading of the text differ: which was kept, why."""

    field: str
    """A JSON pointer into the record."""
    rules: str | None
    model: str | None
    kept: Literal["rules", "model"]
    why: str


class TrialRecord(Model):
    """What the article says about one trial (or, for round-ups, about several)."""

    is_trial_report: bool = True
    trial_names: list[str] = Field(default_factory=list)
    registry_ids: list[str] = Field(default_factory=list)
    congress: str | None = None
    presenter: str | None = None
    condition: str | None = None
    population: str | None = None
    design: Design = Field(default_factory=Design)
    arms: list[Arm] = Field(default_factory=list)
    n_total: Number | None = None
    primary_endpoint: str | None = None
    primary_endpoint_met: PrimaryMet = "not_stated"
    primary_met_quote: Quote | None = None
    results: list[Result] = Field(default_factory=list)
    safety: list[SafetyFinding] = Field(default_factory=list)
    conclusion: str | None = None
    notes: list[str] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    """Labels on which the model and the rules differed (labels mode); the checks show them."""


class Usage(Model):
    """Token use of one model call; retries are separate entries."""

    step: str
    attempt: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    outcome: Literal["ok", "invalid", "error"] = "ok"


class BackendInfo(Model):
    name: str
    model: str | None = None
