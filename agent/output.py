"""The digest output: the JSON contract other tools rely on, and what every renderer reads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from agent.report import Check, Report, RunStatus
from agent.schema import Article, BackendInfo, TrialRecord, Usage

SCHEMA_VERSION = "1"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    path: str | None = None
    title: str | None = None
    date: str | None = None
    sha256: str
    text: str
    fetched_at: datetime | None = None

    @classmethod
    def of(cls, article: Article) -> Source:
        return cls(url=article.url, path=article.path, title=article.title, date=article.date,
                   sha256=article.sha256, text=article.text, fetched_at=article.fetched_at)


class Summary(BaseModel):
    """The plain-language draft. Offsets in summary checks refer to `text`."""

    model_config = ConfigDict(extra="forbid")

    headline: str
    standfirst: str | None = None
    """One sentence under the headline: who, what was compared, the main result."""
    text: str
    """The whole summary as one text: headline, standfirst, then the paragraphs."""
    reading_grade: float | None = None
    """Flesch-Kincaid grade of `text` (soft signal; target 8 or below)."""
    words: int = 0
    peer_review_caveat: bool = False
    model_sections: list[str] = Field(default_factory=list)
    """Sections published in a model's words (none for the template's summary)."""
    template_sections: list[str] = Field(default_factory=list)
    """Sections of a model's draft that failed the summary checks, replaced by the template's
    verified wording (agent.summary_mend)."""
    notes: list[str] = Field(default_factory=list)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    source: Source
    backend: BackendInfo
    record: TrialRecord | None
    checks: list[Check] = Field(default_factory=list)
    summary: Summary | None = None
    status: RunStatus
    error: str | None = None
    """Why the run failed or stopped early (status 'failed'); the rest is what was done."""
    usage: list[Usage] = Field(default_factory=list)
    prompts: dict[str, str] = Field(default_factory=dict)
    """Prompt name -> version used."""
    generated_at: datetime

    @property
    def exit_code(self) -> int:
        """The CLI's contract: 0 verified, 1 anything an editor must look at."""
        return 0 if self.status == "verified" else 1

    @property
    def report(self) -> Report:
        return Report(checks=self.checks,
                      trial_report=self.record is None or self.record.is_trial_report)
