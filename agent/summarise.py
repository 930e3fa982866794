"""Verified record -> plain-language summary draft. The backend writes it; the checks read it.

`build_facts` turns the verified record into the facts a summary may tell (numbers that failed
grounding are left out); the backend drafts from them: the rules backend with its template, a
model backend from a prompt. Either draft is checked by `summary_check` like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from agent import prompts
from agent.backends.base import Backend
from agent.config import SummaryMode
from agent.document import analyse
from agent.errors import ExtractionError
from agent.house_style import HouseStyle
from agent.language import LANGUAGES
from agent.llm import LLM
from agent.output import Summary
from agent.report import Check, Report
from agent.rules.summary import plain_words, template_summary
from agent.schema import Span, TrialRecord, Usage
from agent.summary_check import (
    Known,
    SummaryInput,
    check_summary,
    described_numbers,
    known_numbers,
    reading_grade,
)
from agent.summary_draft import LEAD_SECTIONS, SECTIONS, SummaryDraft, SummaryLead
from agent.summary_facts import Comparison, SummaryFacts, build_facts
from agent.summary_mend import mend

PROMPT = "summary"
"""The summary step, and its prompt when a model writes the whole draft."""
PROMPTS: dict[SummaryMode, str] = {"whole": PROMPT, "lead": "summary_lead"}
LEAD_MAX_TOKENS = 400
"""A lead is about 60 words of JSON: more is a draft running away, cut off and re-asked."""
_PRESENTED = re.compile(r"\bpresent(?:ed|ation)\b|congress|\bKongress|\bvorgestellt|\bcongrès|"
                        r"\bprésenté", re.I)
_PUBLISHED = re.compile(r"simultaneous(?:ly)? publi|published (?:simultaneously )?in|"
                        r"\b(?:Lancet|N Engl J Med|NEJM|JAMA|BMJ)\b", re.I)


@dataclass
class Summarised:
    summary: Summary
    usage: list[Usage] = field(default_factory=list)
    prompt: str | None = None


@dataclass(frozen=True)
class SummaryRequest:
    """One summary to draft: the facts, the house style, and what a draft is validated with."""

    facts: SummaryFacts
    style: HouseStyle
    known: list[Known]
    described: set[float]
    prompt_version: str | None = None
    checks: Callable[[str], list[Check]] | None = None
    """The summary checks of a summary's text, as `verify` runs them on the published one."""

    @property
    def main_result_given(self) -> bool:
        return self.facts.main is not None or bool(self.facts.primary_values)

    def problems(self, text: str) -> list[str]:
        """The checks' errors on a draft's text (numbers aside: the validator words those),
        for the re-ask."""
        found = self.checks(text) if self.checks is not None else []
        return [f"{c.text or 'the summary'}: {c.message}" for c in found
                if c.severity == "error" and c.kind != "summary_number"]

    @cached_property
    def template(self) -> SummaryDraft:
        """The template's draft of the same facts: what a model's section is mended with."""
        return template_summary(self.facts, self.style)

    def validation_context(self) -> dict[str, object]:
        return {"known": self.known, "described": self.described,
                "main_result_given": self.main_result_given,
                "comma_decimal": self.facts.language != "en", "checker": self.problems}


def summarise(record: TrialRecord, report: Report, article_text: str, backend: Backend,
              style: HouseStyle, language: str = "en",
              prompt_version: str | None = None) -> Summarised:
    caveat = peer_review_caveat(record, article_text, style)
    facts = build_facts(record, report, article_text, caveat=caveat, language=language)
    summary_input = partial(SummaryInput, language=language, style=style,
                            congress_report=congress_report(record, article_text))

    doc = analyse(article_text)

    def checks(text: str) -> list[Check]:
        return check_summary(summary_input(text), record, report, doc)

    request = SummaryRequest(facts, style, known_numbers(record, report),
                             described_numbers(record), prompt_version, checks)
    if not record.is_trial_report:
        # nothing for a model to tell: asked anyway, a small model invents a study
        return template_summarised(request)
    return backend.draft_summary(request)


def template_summarised(request: SummaryRequest) -> Summarised:
    """The template's summary of the facts: the rules backend's draft, and every backend's
    for an article that reports no trial."""
    return Summarised(assemble(request.template, request.facts.caveat))


def model_summary(llm: LLM, request: SummaryRequest) -> Summarised:
    """A model's draft from the facts, re-asked (with what failed) when a number is not one of
    them or a check finds an error; after the last attempt the draft with the fewest faults is
    kept. Either is mended (`summary_mend`) before it is published. In lead mode the model
    writes the headline, standfirst and meaning around the template's other sections."""
    lead = llm.summary_mode == "lead"
    prompt = prompts.load(PROMPTS[llm.summary_mode], request.prompt_version)
    facts = request.facts
    variables = {"facts": facts_text(facts, lead=lead), "primary_status": primary_rule(facts),
                 "language": LANGUAGES.get(facts.language, facts.language),
                 "tone": request.style.tone}
    if not lead:
        variables["words"] = f"{request.style.min_words}-{request.style.max_words}"
    notes: list[str] = []
    shape: type[SummaryDraft | SummaryLead] = SummaryLead if lead else SummaryDraft
    try:
        # lead mode: the prompt describes the three keys; the whole draft's prompt leans on
        # the schema (pasted by instructor's JSON mode), as its cassettes were recorded
        answer, usage = llm.structured(prompt.render(**variables), shape, step=PROMPT,
                                       context=request.validation_context(),
                                       schema_in_prompt=not lead, strict=lead,
                                       max_tokens=LEAD_MAX_TOKENS if lead else None)
    except ExtractionError as exc:
        kept = exc.kept(shape)
        if kept is None:
            raise
        answer, usage = kept, list(exc.usage)
        notes.append(f"No summary of the model passed validation in {exc.attempts} attempts; "
                     "the one with the fewest faults is kept.")
    if isinstance(answer, SummaryLead):
        draft = request.template.model_copy(update=answer.model_dump())
        summary = mended_summary(draft, request, LEAD_SECTIONS)
        notes.append("The model was asked for the headline, standfirst and meaning only; the "
                     "template wrote the sections with the numbers.")
    else:
        summary = mended_summary(answer, request)
    summary.notes[:0] = notes
    return Summarised(summary, usage, prompt.id)


def mended_summary(draft: SummaryDraft, request: SummaryRequest,
                   model_sections: tuple[str, ...] = SECTIONS) -> Summary:
    """The model's draft with each of its sections that fails the checks (or keeps the body
    above the house grade) replaced by the template's; without checks, the draft as it is."""
    caveat = request.facts.caveat
    written = [name for name in model_sections if getattr(draft, name)]
    if request.checks is None:
        summary = assemble(draft, caveat)
        summary.model_sections = written
        return summary
    mended = mend(draft, request.template, lambda d: layout(d, caveat), request.checks,
                  request.style, model_sections)
    summary = assemble(mended.draft, caveat)
    summary.template_sections = list(mended.replaced)
    summary.model_sections = [name for name in written if name not in mended.replaced]
    note = mended.note()
    if note:
        summary.notes.append(note)
    return summary


def peer_review_caveat(record: TrialRecord, article_text: str, style: HouseStyle) -> str | None:
    if not record.is_trial_report:
        return None
    if _PUBLISHED.search(article_text):
        return style.caveat_published
    if congress_report(record, article_text):
        return style.congress_caveat(record.congress)
    return None


def congress_report(record: TrialRecord, article_text: str) -> bool:
    """Results presented at a meeting (and not said to be published): the caveat is due."""
    return not _PUBLISHED.search(article_text) and bool(
        record.congress or _PRESENTED.search(article_text))


_PARAGRAPHS = (("headline",), ("standfirst",), ("tested", "participants"), ("findings",),
               ("side_effects",), ("meaning",))


def layout(draft: SummaryDraft, caveat: str | None) -> tuple[str, dict[str, Span]]:
    """The draft as one text (its sections in paragraphs, the caveat last) and where each
    section stands in it."""
    paragraphs: list[str] = []
    spans: dict[str, Span] = {}
    at = 0
    for names in _PARAGRAPHS:
        pieces = [(name, _published(draft, name)) for name in names]
        pieces = [(name, text) for name, text in pieces if text]
        if not pieces:
            continue
        at += 2 if paragraphs else 0
        for name, text in pieces:
            spans[name] = (at, at + len(text))
            at += len(text) + 1
        at -= 1
        paragraphs.append(" ".join(text for _, text in pieces))
    if caveat:
        paragraphs.append(caveat)
    return "\n\n".join(paragraphs), spans


def _published(draft: SummaryDraft, name: str) -> str:
    """A section as the summary prints it: the headline as it is, the others as sentences."""
    text = getattr(draft, name) or ""
    return text.strip() if name == "headline" else _sentence(text)


def assemble(draft: SummaryDraft, caveat: str | None) -> Summary:
    text, _ = layout(draft, caveat)
    body = text.partition("\n\n")[2]
    return Summary(headline=draft.headline.strip(),
                   standfirst=_sentence(draft.standfirst) or None, text=text,
                   reading_grade=round(reading_grade(body), 1) if body else None,
                   words=len(text.split()), peer_review_caveat=caveat is not None)


def edited(text: str, previous: Summary | None = None) -> Summary:
    """A summary an editor wrote or changed: the first paragraph is the headline, the second
    the standfirst; the peer-review caveat counts only while the previous one is still there."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    body = "\n\n".join(paragraphs[1:])
    caveat = (previous is not None and previous.peer_review_caveat
              and previous.text.strip().split("\n\n")[-1].strip() in text)
    return Summary(headline=paragraphs[0] if paragraphs else "",
                   standfirst=paragraphs[1] if len(paragraphs) > 1 else None,
                   text="\n\n".join(paragraphs),
                   reading_grade=round(reading_grade(body), 1)
                   if body else None,
                   words=len(text.split()), peer_review_caveat=bool(caveat),
                   notes=["edited by an editor"])


def _sentence(text: str) -> str:
    text = text.strip()
    return text + "." if text and text[-1] not in ".!?\"”)" else text


# -- what the model is told ------------------------------------------------------------------

def primary_rule(facts: SummaryFacts) -> str:
    return {
        "met": "The article says the trial met its main goal: say so, and give the main "
               "result with its numbers and its direction.",
        "significant": "The article does not say whether the main goal was met, but the main "
                       "result was statistically significant: give it with its numbers and "
                       "its direction, and say it was statistically significant.",
        "not_met": "The trial did NOT meet its main goal. Say so plainly. Do not say the "
                   "treatment worked, helped, lowered, reduced or improved anything; other "
                   "results are uncertain and must be called uncertain.",
        "no_difference": "The main result was NOT statistically significant: say there was "
                         "no clear difference between the groups. Do not claim a benefit.",
        "doubted": "The article claims the main goal was met, but its own numbers do not "
                   "clearly support it: report the result without claiming a benefit.",
        "values_only": "The main result is given for each group without a test of the "
                       "difference: give the numbers and do not claim a benefit.",
    }.get(facts.outcome, "The facts give no result for the main outcome: say it is not yet "
                         "clear whether the treatment works, and claim no benefit.")


def facts_text(facts: SummaryFacts, *, lead: bool = False) -> str:
    """The facts as the model reads them: one line each, numbers as the summary writes them.
    `lead`: only what a headline, standfirst and meaning tell (who, what, the main result)."""
    lines = [f"Trial: {', '.join(facts.trials) or 'an unnamed study'}"
             + (f" ({', '.join(facts.design)})" if facts.design else "")]
    if facts.who:
        lines.append(f"Who: {facts.who}")
    if facts.n_total:
        lines.append(f"Number of people: {facts.n_total.text}")
    for arm in facts.arms:
        size = facts.arm_sizes.get(arm)
        lines.append(f"Group: {arm}" + (f" ({size.text} people)" if size else ""))
    if facts.primary_endpoint:
        lines.append(f"Main outcome: {facts.primary_endpoint}")
    lines.append(f"Main result: {_OUTCOME_WORDS[facts.outcome]}")
    wording = plain_words(facts, with_main=not lead)
    if not (lead and wording):
        # a lead is written from the template's wording of the main result where there is
        # one (a round-up of several trials has none: there, their results)
        lines += [_comparison_fact(c, "main outcome") for c in facts.primary]
        lines += [f"Result (main outcome): {v.endpoint}, {v.arm}: {v.value.text}"
                  + (f" ({v.direction})" if v.direction else "") for v in facts.primary_values]
    if not lead:
        lines += _other_facts(facts)
    lines += [f"Wording you may reuse: {sentence}" for sentence in wording]
    return "\n".join(f"- {line}" for line in lines)


def _other_facts(facts: SummaryFacts) -> list[str]:
    lines = [_comparison_fact(c, "other outcome") for c in facts.secondary[:4]]
    for fact in facts.safety[:4]:
        values = "; ".join(f"{v.text} ({arm})" if arm else v.text for arm, v in fact.values)
        lines.append(f"Side effect{' (serious)' if fact.serious else ''}: {fact.event}: "
                     f"{values}")
    if facts.caveat:
        lines.append(f"Status: {facts.caveat}")
    return lines


_OUTCOME_WORDS = {
    "met": "the trial met its main goal", "not_met": "the trial did not meet its main goal",
    "doubted": "the article says the main goal was met; its numbers do not clearly support it",
    "significant": "statistically significant (the article does not say if the goal was met)",
    "no_difference": "not statistically significant", "values_only":
        "a value per group, no test of the difference", "unknown": "no verified result"}


def _comparison_fact(c: Comparison, label: str) -> str:
    text = f"Result ({label}): {c.endpoint}" + (f" [{c.trial}]" if c.trial else "")
    text += f": {c.measure} {c.estimate.text}"
    if c.lower and c.upper:
        text += f" (95% CI {c.lower.text} to {c.upper.text})"
    if c.p:
        text += f", P{c.p.text}" if c.p.text[:1] in "<>≤≥" else f", P={c.p.text}"
    if c.significant is not None:
        text += "; statistically significant" if c.significant else "; not significant"
    if c.ratio and 0 < c.estimate.value < 1:
        text += f"; in plain words about {round(100 * (1 - c.estimate.value))}% lower"
    elif c.ratio and c.estimate.value > 1:
        text += f"; in plain words about {round(100 * (c.estimate.value - 1))}% higher"
    return text


__all__ = ["Known", "Summarised", "SummaryDraft", "SummaryRequest", "summarise"]
