"""digest(source, settings, backend): fetch -> extract -> verify -> summarise, as plain data.

A failure after the article was fetched still yields an `Output` (status "failed", the error
said, whatever was done kept): the exception carries it as `partial` so the CLI can save it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TextIO

import httpx

from agent.backends.base import Backend
from agent.config import Settings
from agent.errors import BackendError, TrialbriefError
from agent.extract import extract
from agent.fetch import FetchSettings, fetch
from agent.grounding import with_statuses
from agent.house_style import load_house_style
from agent.output import Output, Source, Summary
from agent.schema import Article, BackendInfo, TrialRecord, Usage
from agent.summarise import congress_report, summarise
from agent.summary_check import SummaryInput
from agent.verify import verify

log = logging.getLogger("trialbrief.pipeline")


def now() -> datetime:
    return datetime.now(UTC)


def digest(source: str, settings: Settings, backend: Backend, *, stdin: TextIO | None = None,
           http_client: httpx.Client | None = None,
           fetch_settings: FetchSettings | None = None) -> Output:
    article = fetch(source, settings=fetch_settings, stdin=stdin, client=http_client)
    return digest_article(article, settings, backend)


def digest_article(article: Article, settings: Settings, backend: Backend) -> Output:
    usage: list[Usage] = []
    prompts: dict[str, str] = {}
    try:
        extraction = extract(article, backend)
    except BackendError as exc:
        usage += exc.usage
        raise _with_partial(exc, _failed(article, backend, None, usage, prompts, exc)) from None
    usage += extraction.usage
    if extraction.prompt:
        prompts["extract"] = extraction.prompt
    record = extraction.record
    report = verify(record, article.text)
    summary: Summary | None = None
    if settings.summary:
        style = load_house_style(settings.house_style)
        try:
            summarised = summarise(record, report, article.text, backend, style,
                                   settings.language)
        except BackendError as exc:
            usage += exc.usage
            partial = _failed(article, backend, record, usage, prompts, exc)
            partial.checks = report.checks
            raise _with_partial(exc, partial) from None
        usage += summarised.usage
        if summarised.prompt:
            prompts["summary"] = summarised.prompt
        summary = summarised.summary
        report = verify(record, article.text, summary_input(summary, record, article, settings))
    return Output(source=Source.of(article), backend=backend.info,
                  record=with_statuses(record, report.checks), checks=report.checks,
                  summary=summary, status=report.status, usage=usage, prompts=prompts,
                  generated_at=now())


def summary_input(summary: Summary, record: TrialRecord, article: Article,
                  settings: Settings) -> SummaryInput:
    return SummaryInput(summary.text, language=settings.language,
                        style=load_house_style(settings.house_style),
                        congress_report=congress_report(record, article.text))


def check_record(article: Article, record: TrialRecord, summary: Summary | None,
                 settings: Settings | None = None) -> Output:
    """Re-run every check on a record an editor edited (and on its summary, if given)."""
    settings = settings or Settings()
    report = verify(record, article.text,
                    summary_input(summary, record, article, settings) if summary else None)
    return Output(source=Source.of(article), backend=BackendInfo(name="check"),
                  record=with_statuses(record, report.checks), checks=report.checks,
                  summary=summary, status=report.status, generated_at=now())


def _failed(article: Article, backend: Backend, record: TrialRecord | None, usage: list[Usage],
            prompts: dict[str, str], exc: TrialbriefError) -> Output:
    return Output(source=Source.of(article), backend=backend.info, record=record, checks=[],
                  summary=None, status="failed", error=exc.one_line(), usage=usage,
                  prompts=prompts, generated_at=now())


def _with_partial(exc: BackendError, partial: Output) -> BackendError:
    exc.partial = partial
    return exc
