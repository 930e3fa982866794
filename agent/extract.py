"""Article -> TrialRecord. One step, one prompt; the backend is passed in.

Whatever produced the draft (the model, or the rules extractor), `anchor_record` re-reads every
number from the article at the place the draft cites: numbers come from the text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agent import prompts, rules
from agent.anchor import anchor_record
from agent.backends.base import Backend
from agent.document import conclusion_of
from agent.draft import DraftRecord
from agent.errors import ExtractionError
from agent.llm import LLM
from agent.schema import Article, TrialRecord, Usage

log = logging.getLogger("trialbrief.extract")
PROMPT = "extract"


@dataclass
class Extraction:
    record: TrialRecord
    draft: DraftRecord
    usage: list[Usage] = field(default_factory=list)
    prompt: str | None = None
    """The prompt id (name/version) used, None for the rules backend."""


def extract(article: Article, backend: Backend, prompt_version: str | None = None) -> Extraction:
    """The backend's draft, anchored in the article: numbers re-read at the cited places."""
    return backend.draft_record(article, prompt_version)


def rules_extraction(article: Article) -> Extraction:
    """The rules extractor's draft (no model)."""
    draft = rules.extract_draft(article.text)
    return Extraction(_with_conclusion(anchor_record(draft, article.text), article.text), draft)


def model_extraction(llm: LLM, article: Article, prompt_version: str | None = None
                     ) -> Extraction:
    """A model's draft from the extract prompt, re-asked when it fails validation; after the
    last attempt the answer with the fewest faults is kept and its numbers are flagged."""
    prompt = prompts.load(PROMPT, prompt_version)
    messages = prompt.render(article=article.text)
    try:
        draft, usage = llm.structured(messages, DraftRecord, context={"article": article.text},
                                      step=PROMPT)
    except ExtractionError as exc:
        kept = exc.kept(DraftRecord)
        if kept is None:
            raise
        draft, usage = kept, list(exc.usage)
        log.warning("kept the model's answer with the fewest faults after %d attempts; its "
                    "ungrounded numbers are flagged", exc.attempts)
        record = _with_conclusion(anchor_record(draft, article.text), article.text)
        record.notes.append(
            f"No answer of the model passed validation in {exc.attempts} attempts; the one "
            "with the fewest faults was kept as it is and every number that is not in the "
            "article is flagged by the checks.")
        return Extraction(record, draft, usage, prompt.id)
    return Extraction(_with_conclusion(anchor_record(draft, article.text), article.text), draft,
                      usage, prompt.id)


def _with_conclusion(record: TrialRecord, text: str) -> TrialRecord:
    if record.conclusion is None:
        record.conclusion = conclusion_of(text)
    return record
