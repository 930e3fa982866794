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
from agent.config import ExtractMode
from agent.document import conclusion_of
from agent.draft import DraftRecord
from agent.errors import ExtractionError
from agent.labels import candidate_list, candidates_of, labels_model, marked_article, merge
from agent.llm import LLM
from agent.schema import Article, TrialRecord, Usage

log = logging.getLogger("trialbrief.extract")
PROMPT = "extract"
LABELS_PROMPT = "labels"
PROMPTS: dict[ExtractMode, str] = {"labels": LABELS_PROMPT, "record": PROMPT}
"""The prompt each extract mode drafts a record from."""
LABEL_TOKENS = 48
"""Output tokens a candidate's label may take (max_tokens is sized to the candidates)."""
TRIAL_TOKENS = 320


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


def labelled_extraction(llm: LLM, article: Article, prompt_version: str | None = None
                        ) -> Extraction:
    """The rules' draft with a model's labels (agent.labels): the parser finds the numbers,
    the model names them. When no answer of the model validates, the rules' draft stands and
    a note says so: the numbers never depended on the model."""
    text = article.text
    draft = rules.extract_draft(text)
    found = candidates_of(draft, text)
    prompt = prompts.load(LABELS_PROMPT, prompt_version)
    messages = prompt.render(article=marked_article(text, found),
                             candidates=candidate_list(found))
    try:
        answer, usage = llm.structured(
            messages, labels_model([c.id for c in found]), context={"article": text},
            step=LABELS_PROMPT, schema_in_prompt=False, strict=True,
            max_tokens=TRIAL_TOKENS + LABEL_TOKENS * len(found))
    except ExtractionError as exc:
        log.warning("no valid labels from the model after %d attempts; the rules' reading "
                    "stands", exc.attempts)
        record = _with_conclusion(anchor_record(draft, text), text)
        record.notes.append(f"The model's labels were not usable ({exc.one_line()}); the "
                            "record is the rules' reading of the article.")
        return Extraction(record, draft, list(exc.usage), prompt.id)
    merged = merge(draft, answer, found, text)
    record = _with_conclusion(anchor_record(merged.draft, text), text)
    record.disagreements = merged.disagreements
    record.notes += merged.notes
    return Extraction(record, merged.draft, usage, prompt.id)


def _with_conclusion(record: TrialRecord, text: str) -> TrialRecord:
    if record.conclusion is None:
        record.conclusion = conclusion_of(text)
    return record
