"""Verified record -> plain-language summary draft. One step, one prompt; the backend is passed in.

The model (or the template, for the rules backend) sees only the verified facts: numbers that
failed grounding are left out. Its answer is checked by `summary_check` like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import textstat
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from agent import prompts, rules
from agent.backends.base import Backend
from agent.errors import ExtractionError
from agent.numbers import decimals_of, tokenize
from agent.output import Summary
from agent.report import Report
from agent.schema import RATIO_MEASURES, Number, Result, TrialRecord, Usage
from agent.stats import Written, excludes_null
from agent.summary_check import (
    APPROXIMATE,
    Known,
    described_numbers,
    known_numbers,
    match_number,
    primary_established,
)

PROMPT = "summary"
_PUBLISHED = re.compile(r"simultaneous(?:ly)? publi|published (?:simultaneously )?in|"
                        r"\b(?:Lancet|N Engl J Med|NEJM|JAMA|BMJ)\b", re.I)


class SummaryDraft(BaseModel):
    """What the model writes; the sections become one text in this order."""

    # The error text goes back to the model on a re-ask: the message, not a dump of the input.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    headline: str = Field(description="A plain headline of at most 15 words.")
    tested: str = Field(description="What was tested and why, in 1-2 short sentences.")
    participants: str = Field(description="Who took part and how many, in 1-2 sentences.")
    findings: str = Field(description="What was found for the main outcome, then others.")
    side_effects: str | None = Field(default=None, description="Side effects, if reported.")
    meaning: str = Field(description="What it means for patients, and its limits.")

    @model_validator(mode="after")
    def _numbers_are_known(self, info: ValidationInfo) -> SummaryDraft:
        context = info.context if isinstance(info.context, dict) else {}
        known = context.get("known")
        if known is None:
            return self
        allowed = context.get("described", set())
        for name, text in self.named_sections():
            for token in tokenize(text):
                approx = bool(APPROXIMATE.search(text[max(0, token.start - 20):token.start]))
                if match_number(token, approx, known) is None and token.float_value not in allowed:
                    raise ValueError(_unknown_number(name, token.text,
                                                     context.get("main_result_given", True)))
        return self

    def named_sections(self) -> list[tuple[str, str]]:
        parts = [("headline", self.headline), ("tested", self.tested),
                 ("participants", self.participants), ("findings", self.findings),
                 ("side_effects", self.side_effects or ""), ("meaning", self.meaning)]
        return [(name, text) for name, text in parts if text.strip()]

    def sections(self) -> list[str]:
        return [text for _, text in self.named_sections()]


def _unknown_number(section: str, number: str, main_result_given: bool) -> str:
    # Sent back to the model on a re-ask: where, what, and what to write instead (told only
    # that a number was not in the facts, the 1.5B model kept it every time).
    advice = ("Use only the numbers given, written the same way" if main_result_given else
              "The facts give no number for the main outcome, so describe it in words")
    return f"{section}: do not write {number!r}, it is not one of the facts. {advice}"


@dataclass
class Summarised:
    summary: Summary
    usage: list[Usage] = field(default_factory=list)
    prompt: str | None = None


def summarise(record: TrialRecord, report: Report, article_text: str, backend: Backend,
              prompt_version: str | None = None) -> Summarised:
    caveat = peer_review_caveat(record, article_text)
    known = known_numbers(record, report)
    if backend.llm is None:
        return Summarised(assemble(template_summary(record, report), caveat))
    prompt = prompts.load(PROMPT, prompt_version)
    messages = prompt.render(facts=facts(record, report, caveat),
                             primary_status=primary_rule(record, report))
    try:
        draft, usage = backend.llm.structured(
            messages, SummaryDraft, step=PROMPT,
            context={"known": known, "described": described_numbers(record),
                     "main_result_given": main_result_given(record, report)})
    except ExtractionError as exc:
        kept = exc.kept(SummaryDraft)
        if kept is None:
            raise
        summary = assemble(kept, caveat)
        summary.notes.append(f"No summary of the model passed validation in {exc.attempts} "
                             "attempts; the one with the fewest faults is kept as it is "
                             "and its unverified numbers are flagged.")
        return Summarised(summary, list(exc.usage), prompt.id)
    return Summarised(assemble(draft, caveat), usage, prompt.id)


def peer_review_caveat(record: TrialRecord, article_text: str) -> str | None:
    if _PUBLISHED.search(article_text):
        return "The results were also published in a medical journal."
    if record.congress or re.search(r"\bpresent(?:ed|ation)\b|congress", article_text, re.I):
        where = f" at {record.congress}" if record.congress else " at a medical congress"
        return (f"These results were presented{where}. They have not yet been peer-reviewed, "
                "which means other experts have not yet checked them in detail.")
    return None


def assemble(draft: SummaryDraft, caveat: str | None) -> Summary:
    paragraphs = [draft.headline.strip(),
                  " ".join(_sentence(x) for x in (draft.tested, draft.participants) if x.strip()),
                  _sentence(draft.findings), _sentence(draft.side_effects or ""),
                  _sentence(draft.meaning), caveat or ""]
    text = "\n\n".join(p for p in paragraphs if p)
    body = "\n\n".join(p for p in paragraphs[1:] if p)
    return Summary(headline=draft.headline.strip(), text=text,
                   reading_grade=round(float(textstat.flesch_kincaid_grade(body)), 1)
                   if body else None,
                   words=len(text.split()), peer_review_caveat=bool(caveat and "peer" in caveat))


def _sentence(text: str) -> str:
    text = text.strip()
    return text + "." if text and text[-1] not in ".!?\"”)" else text


# -- what the model is told ------------------------------------------------------------------

def primary_rule(record: TrialRecord, report: Report) -> str:
    if primary_established(record, report):
        return ("The trial met its main goal: you may say the treatment helped on the main "
                "outcome, with its numbers.")
    if record.primary_endpoint_met == "no":
        return ("The trial did NOT meet its main goal. Say so plainly. Do not say the treatment "
                "worked, helped, lowered, reduced or improved anything; other results are "
                "uncertain and must be called uncertain.")
    return ("It is not established that the treatment worked. Do not claim a benefit; describe "
            "the results as reported and uncertain.")


def _verified(number: Number | None, grounded: set[str], pointer: str) -> str | None:
    return number.text if number is not None and pointer in grounded else None


def facts(record: TrialRecord, report: Report, caveat: str | None) -> str:
    grounded = report.grounded_fields()
    lines: list[str] = []
    names = ", ".join(record.trial_names) or "an unnamed study"
    design = ", ".join(x for x in (record.design.phase and f"phase {record.design.phase}",
                                   record.design.blinding,
                                   "randomised" if record.design.randomised else None) if x)
    lines.append(f"Trial: {names}" + (f" ({design})" if design else ""))
    if record.condition or record.population:
        lines.append(f"Who: {record.population or record.condition}")
    total = _verified(record.n_total, grounded, "/n_total")
    if total:
        lines.append(f"Number of people: {total}")
    for i, arm in enumerate(record.arms):
        size = _verified(arm.n, grounded, f"/arms/{i}/n")
        lines.append(f"Group: {arm.label}" + (f" ({size} people)" if size else ""))
    if record.primary_endpoint:
        lines.append(f"Main outcome: {record.primary_endpoint}")
    lines.append(f"Main goal met: {record.primary_endpoint_met.replace('_', ' ')}")
    for i, result in enumerate(record.results):
        line = _result_fact(result, grounded, f"/results/{i}")
        if line:
            lines.append(line)
    for i, finding in enumerate(record.safety):
        value = _verified(finding.value, grounded, f"/safety/{i}/value")
        if value:
            lines.append(f"Side effect: {finding.event}: {value}"
                         + (f" ({finding.arm})" if finding.arm else ""))
    if caveat:
        lines.append(f"Status: {caveat}")
    return "\n".join(f"- {line}" for line in lines)


def main_result_given(record: TrialRecord, report: Report) -> bool:
    """Whether the facts hold a number for the primary endpoint (a verified estimate)."""
    grounded = report.grounded_fields()
    return any(result.is_primary and f"/results/{i}/estimate" in grounded
               for i, result in enumerate(record.results))


def _result_fact(result: Result, grounded: set[str], base: str) -> str | None:
    estimate = _verified(result.estimate, grounded, f"{base}/estimate")
    if estimate is None:
        return None
    label = "main outcome" if result.is_primary else "other outcome"
    text = f"Result ({label}): {result.endpoint}"
    if result.arm:
        text += f", {result.arm}"
    text += f": {result.measure} {estimate}"
    lower = _verified(result.ci_lower, grounded, f"{base}/ci_lower")
    upper = _verified(result.ci_upper, grounded, f"{base}/ci_upper")
    if lower and upper:
        text += f" (95% CI {lower} to {upper})"
    p = _verified(result.p, grounded, f"{base}/p")
    if p:
        text += f", P {p}"
    if result.measure in RATIO_MEASURES and result.estimate and result.estimate.value:
        value = result.estimate.value
        if 0 < value < 1:
            text += f"; in plain words about {round(100 * (1 - value))}% lower"
        elif value > 1:
            text += f"; in plain words about {round(100 * (value - 1))}% higher"
    return text


# -- the template summary of the rules backend -----------------------------------------------

def template_summary(record: TrialRecord, report: Report) -> SummaryDraft:
    """The rules backend's summary: fixed sentences around the verified numbers only."""
    grounded = report.grounded_fields()
    name = record.trial_names[0] if record.trial_names else "The study"
    if not record.is_trial_report:
        return SummaryDraft(
            headline=f"{name}: no trial results to report",
            tested="This article does not report the results of a clinical trial.",
            participants="", findings="There are no trial results to summarise.",
            meaning="It gives no evidence for or against any treatment.")
    arms = [a.label for a in record.arms]
    established = primary_established(record, report)
    return SummaryDraft(
        headline=_template_headline(record, name, arms, established),
        tested=(f"{name} compared {' with '.join(arms[:2])}." if len(arms) >= 2
                else f"{name} tested a treatment"
                + (f" for {record.condition}." if record.condition else ".")),
        participants=(f"{total} people took part." if (total := _verified(
            record.n_total, grounded, "/n_total")) else ""),
        findings=_template_findings(record, grounded, arms, established),
        side_effects=_template_side_effects(record, grounded),
        meaning=_template_meaning(record, established))


def _template_headline(record: TrialRecord, name: str, arms: list[str],
                       established: bool) -> str:
    treatment = arms[0] if arms else "the treatment"
    if established:
        return f"{name}: {treatment} met the trial's main goal"
    if record.primary_endpoint_met == "no":
        return f"{name}: {treatment} did not meet the trial's main goal"
    return f"{name}: results for {record.primary_endpoint or 'the main outcome'}"


def _template_findings(record: TrialRecord, grounded: set[str], arms: list[str],
                       established: bool) -> str:
    primary = [(i, r) for i, r in enumerate(record.results) if r.is_primary]
    compared = [_plain_comparison(r, grounded, f"/results/{i}", arms, established)
                for i, r in primary if r.ci_lower is not None]
    per_arm = _plain_per_arm([(i, r) for i, r in primary if r.ci_lower is None and r.arm],
                             grounded)
    sentences = [s for s in (*compared[:2], *per_arm[:2]) if s]
    return " ".join(sentences) or "The article gives no verified result for the main outcome."


def _plain_comparison(result: Result, grounded: set[str], base: str, arms: list[str],
                      established: bool) -> str:
    """A between-group result in words. A benefit is worded as one only when the trial met its
    main goal and the CI excludes 'no difference': anything else would be spin."""
    estimate = _verified(result.estimate, grounded, f"{base}/estimate")
    if estimate is None:
        return ""
    lower = _verified(result.ci_lower, grounded, f"{base}/ci_lower")
    upper = _verified(result.ci_upper, grounded, f"{base}/ci_upper")
    interval = f" The likely range was {lower} to {upper}." if lower and upper else ""
    value = result.estimate.value if result.estimate else None
    measure = _measure_words(result.measure)
    if _crosses_null(result):
        return (f"There was no clear difference in {result.endpoint} between the groups "
                f"({measure} {estimate}).{interval}")
    if established and result.measure in RATIO_MEASURES and value and 0 < value < 1 and len(
            arms) >= 2:
        change = f"about {round(100 * (1 - value))}% lower with {arms[0]} than with {arms[1]}"
        return f"The chance of {result.endpoint} was {change} ({measure} {estimate}).{interval}"
    return f"For {result.endpoint}, the {measure} between the groups was {estimate}.{interval}"


def _crosses_null(result: Result) -> bool:
    """The CI does not surely exclude 'no difference' (1 for ratios, 0 for differences), by the
    same rounding-aware test the consistency checks use."""
    lower, upper = _written(result.ci_lower), _written(result.ci_upper)
    if lower is None or upper is None:
        return False
    return not excludes_null(lower, upper, ratio=result.measure in RATIO_MEASURES)


def _written(number: Number | None) -> Written | None:
    if number is None or number.value is None:
        return None
    return Written.of(number.value, decimals_of(number.text))


def _plain_per_arm(results: list[tuple[int, Result]], grounded: set[str]) -> list[str]:
    by_endpoint: dict[str, list[str]] = {}
    for i, result in results:
        value = _verified(result.estimate, grounded, f"/results/{i}/estimate")
        if value:
            by_endpoint.setdefault(result.endpoint, []).append(f"{value} with {result.arm}")
    return [f"For {endpoint}: {' and '.join(values)}." for endpoint, values
            in by_endpoint.items()]


def _template_side_effects(record: TrialRecord, grounded: set[str]) -> str | None:
    by_event: dict[str, list[str]] = {}
    for i, finding in enumerate(record.safety):
        value = _verified(finding.value, grounded, f"/safety/{i}/value")
        if value and finding.event != rules.UNNAMED:
            by_event.setdefault(finding.event, []).append(
                f"{value} with {finding.arm}" if finding.arm else value)
    if not by_event:
        return None
    parts = [f"{event}: {' and '.join(values)}" for event, values in list(by_event.items())[:3]]
    return "Side effects: " + "; ".join(parts) + "."


def _template_meaning(record: TrialRecord, established: bool) -> str:
    if established:
        return "The trial met its main goal."
    if record.primary_endpoint_met == "no":
        return "The trial did not show that the treatment works on its main goal."
    return "The article does not say that the trial met its main goal, so it is not yet clear "\
           "whether the treatment works."


def _measure_words(measure: str) -> str:
    return {"HR": "hazard ratio", "OR": "odds ratio", "RR": "risk ratio", "percent": "rate",
            "IRR": "rate ratio", "rate ratio": "rate ratio", "GMR": "ratio",
            "mean difference": "average difference", "mean change": "average change",
            "risk difference": "difference in risk", "RRR": "relative reduction",
            "beta": "estimated effect", "other": "result"}.get(measure, "result")


__all__ = ["Known", "Summarised", "SummaryDraft", "summarise"]
