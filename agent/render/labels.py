"""The words the Markdown brief and the HTML page share: titles, counts, design and result
labels, numbers as the article writes them. Plain text; each format escapes it its own way."""

from __future__ import annotations

from agent.output import Output, Summary
from agent.schema import Design, Number, Result

MET_WORDS: dict[str, str] = {"yes": "yes", "no": "no", "not_stated": "not stated"}
_COMPARATOR = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def title_of(output: Output) -> str:
    if output.source.title:
        return output.source.title
    if output.record is not None and output.record.trial_names:
        return ", ".join(output.record.trial_names)
    return "Untitled article"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def counts_line(output: Output) -> str:
    report = output.report
    return f"{plural(len(report.errors), 'error')}, {plural(len(report.warnings), 'warning')}"


def backend_line(output: Output) -> str:
    model = output.backend.model or "no model"
    return f"{output.backend.name} ({model})"


def design_words(design: Design) -> list[str]:
    words = []
    if design.randomised is not None:
        words.append("randomised" if design.randomised else "not randomised")
    if design.blinding:
        words.append(design.blinding)
    if design.placebo_controlled:
        words.append("placebo-controlled")
    if design.crossover:
        words.append("crossover")
    if design.non_inferiority:
        words.append("non-inferiority")
    if design.phase:
        phase = design.phase
        words.append(phase if phase.lower().startswith("phase") else f"phase {phase}")
    if design.allocation:
        words.append(f"allocation {design.allocation}")
    return words


def ci_label(result: Result) -> str:
    level = result.ci_level.text if result.ci_level is not None else None
    return f"{level.rstrip('%')}% CI" if level else "CI"


def result_context(result: Result) -> str:
    parts = [result.timepoint, result.arm, result.comparison, result.trial]
    return "; ".join(p for p in parts if p)


def number_display(number: Number) -> str:
    """The number as the article writes it, with its comparator: '<0.001'."""
    sign = _COMPARATOR.get(number.comparator or "", "")
    text = number.text
    if sign and not text.lstrip().startswith(("<", ">", "≤", "≥")):
        return sign + text
    return text


def summary_meta(summary: Summary) -> str:
    grade = (f"{summary.reading_grade:.1f}" if summary.reading_grade is not None
             else "not computed")
    caveat = "yes" if summary.peer_review_caveat else "no"
    return (f"Reading grade: {grade} (target 8 or below) · {plural(summary.words, 'word')} · "
            f"peer-review caveat: {caveat}")
