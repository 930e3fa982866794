"""The verification report: a flat list of checks, each with a severity.

Verification never decides what happens next; the CLI reads `Report.status` to pick the exit
code and renderers read the checks to mark the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.schema import Span

CheckStatus = Literal[
    "grounded", "not_found", "mismatch", "inconsistent", "ambiguous", "uncovered"
]
Severity = Literal["ok", "warning", "error"]
# Where an inconsistency lives: introduced by the extraction ("record"), present in the article
# itself ("article"), or in the lay summary ("summary").
Origin = Literal["record", "article", "summary"]
# "not_a_trial": checked, no error, but the article reports no trial (a guideline, an
# interview, a round-up of news): nothing there for "verified" to vouch for.
RunStatus = Literal["verified", "needs_review", "not_a_trial", "failed"]


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    """A JSON pointer into `record` (e.g. /results/0/estimate) or into `summary`."""
    text: str | None
    """The number as written (or the claim, for summary claims)."""
    status: CheckStatus
    span: Span | None
    """[start, end) in source.text; for fields under /summary, in summary.text."""
    severity: Severity
    message: str
    kind: str
    """Machine-readable finding: grounding, p_ci_mismatch, estimate_outside_ci, ..."""
    origin: Origin | None = None
    source_span: Span | None = None
    """For summary checks: where the matching record number stands in source.text."""


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checks: list[Check]
    trial_report: bool = True
    """The record says the article reports a trial."""

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.severity == "error"]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.severity == "warning"]

    @property
    def status(self) -> RunStatus:
        if self.errors:
            return "needs_review"
        return "verified" if self.trial_report else "not_a_trial"

    def grounded_fields(self) -> set[str]:
        """Pointers of the numbers found in the source: the only ones a summary may use."""
        return {c.field for c in self.checks if c.status == "grounded"}

    def of_kind(self, *kinds: str) -> list[Check]:
        return [c for c in self.checks if c.kind in kinds]

    def findings(self) -> list[Check]:
        """Checks that say something is wrong (everything but 'grounded, ok')."""
        return [c for c in self.checks if c.severity != "ok"]

    @classmethod
    def merge(cls, parts: Iterable[Iterable[Check]]) -> Report:
        return cls(checks=[c for part in parts for c in part])
