"""A model's summary draft, mended section by section with the template's verified wording.

The re-asks hold a model's draft to the facts, but a small model does not always pass them, and
the reading grade and what the draft leaves out are not re-asked at all. A draft is not published
as the model wrote it when it fails the summary checks: each section that carries a fault (a
number that is not one of the facts, spin, a wrong direction or significance, a claim of safety
without a basis, a word the house style avoids) or that should carry what the draft leaves out
(the primary result, n, the groups compared, a serious safety finding) is replaced by the same
section of the template's summary, which says only what the record verifies; then, while the
body reads above the house style's grade, the model's hardest section goes the same way, and
while the summary is longer than the house style allows, its longest. The editor is told which
sections were replaced and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.house_style import HouseStyle
from agent.report import Check
from agent.schema import Span
from agent.summary_check import NOT_YET_CLEAR, reading_grade
from agent.summary_draft import SECTIONS, SummaryDraft

Layout = Callable[[SummaryDraft], tuple[str, dict[str, Span]]]
"""A draft -> its text as published and where each section stands in it."""

# Warnings that mark a section as wrong, not merely improvable.
_FAULT_WARNINGS = frozenset({"summary_spin", "summary_safety_claim", "summary_style",
                             "summary_endpoint"})
# What the draft leaves out, and the section of the template that tells it.
_GAPS = {"summary_missing_primary": "findings", "summary_missing_n": "participants",
         "summary_missing_arm": "tested", "summary_missing_safety": "side_effects"}
# Judged on the whole text, not on a section: the grade is mended on its own below.
_WHOLE_TEXT = frozenset({"summary_length", "summary_grade", "summary_caveat"})


@dataclass
class Mended:
    draft: SummaryDraft
    replaced: dict[str, str] = field(default_factory=dict)
    """Section -> why the template's wording replaced the model's."""

    def note(self) -> str | None:
        if not self.replaced:
            return None
        reasons = "; ".join(f"{name} ({why})" for name, why in self.replaced.items())
        return ("Sections of the model's draft replaced by the template's verified wording: "
                f"{reasons}.")


def mend(draft: SummaryDraft, template: SummaryDraft, layout: Layout,
         checks: Callable[[str], list[Check]], style: HouseStyle,
         model_sections: tuple[str, ...] = SECTIONS) -> Mended:
    """`model_sections`: the sections the model wrote (the others are the template's already)."""
    mended = Mended(draft)
    for _ in SECTIONS:  # each pass replaces at least one section, or stops
        text, spans = layout(mended.draft)
        own = {name: span for name, span in spans.items()
               if name in model_sections and name not in mended.replaced}
        faults = {name: why for name, why in _faulty_sections(checks(text), text, spans,
                                                              template).items()
                  if name in own}
        if not faults:
            faults = _hardest_section(template, text, own, style.max_grade)
        if not faults:
            faults = _longest_section(template, text, own, style.max_words)
        if not faults:
            break
        _replace(mended, template, faults)
    return mended


def _faulty_sections(found: list[Check], text: str, spans: dict[str, Span],
                     template: SummaryDraft) -> dict[str, str]:
    faulty: dict[str, str] = {}
    for check in found:
        if check.origin != "summary" or check.kind in _WHOLE_TEXT:
            continue
        if check.severity != "error" and check.kind not in _FAULT_WARNINGS | set(_GAPS):
            continue
        why = f"{check.text}: {check.message}" if check.text else check.message
        for name in _sections_of(check, text, spans):
            # a gap is filled only where the template has the section (a round-up has no
            # 'tested'): dropping the model's would leave out more
            if check.kind not in _GAPS or _section(template, name):
                faulty.setdefault(name, why)
    return faulty


def _sections_of(check: Check, text: str, spans: dict[str, Span]) -> list[str]:
    if check.span is not None:
        start, end = check.span
        return [name for name, (a, b) in spans.items() if a < end and start < b]
    if check.kind in _GAPS:
        return [_GAPS[check.kind]]
    if check.kind == "summary_not_yet_clear":
        return [name for name, (a, b) in spans.items() if NOT_YET_CLEAR.search(text[a:b])]
    return list(spans)  # a fault of the whole draft (another language): every section


def _hardest_section(template: SummaryDraft, text: str, own: dict[str, Span],
                     max_grade: float) -> dict[str, str]:
    """While the body reads above the house grade: the model's section that reads hardest."""
    body = text.split("\n\n", 1)[-1]
    if reading_grade(body) <= max_grade:
        return {}
    grades = _above_template(template, text, own, reading_grade)
    if not grades:
        return {}
    name = max(grades, key=lambda n: grades[n][0])
    return {name: f"reads at grade {grades[name][0]:.1f}; the body read at grade "
                  f"{reading_grade(body):.1f}, above the house style's {max_grade:g}"}


def _longest_section(template: SummaryDraft, text: str, own: dict[str, Span],
                     max_words: int) -> dict[str, str]:
    """While the summary is over the house style's length: the model's section longest against
    the template's (a model's lead around the template's body ran long)."""
    words = len(text.split())
    if words <= max_words:
        return {}
    lengths = _above_template(template, text, own, lambda t: len(t.split()))
    if not lengths:
        return {}
    name = max(lengths, key=lambda n: lengths[n][0] - lengths[n][1])
    extra = lengths[name][0] - lengths[name][1]
    return {name: f"{extra:.0f} words longer than the template's; the summary had {words} "
                  f"words, over the house style's {max_words}"}


def _above_template(template: SummaryDraft, text: str, own: dict[str, Span],
                    measure: Callable[[str], float]) -> dict[str, tuple[float, float]]:
    """The model's sections (of `own`, where each stands; not the headline) that measure more
    than the template's same section: name -> (the model's measure, the template's)."""
    measured = {name: (measure(text[a:b]), measure(_section(template, name)))
                for name, (a, b) in own.items() if name != "headline" and _section(template, name)}
    return {name: pair for name, pair in measured.items() if pair[1] < pair[0]}


def _replace(mended: Mended, template: SummaryDraft, faults: dict[str, str]) -> None:
    mended.draft = mended.draft.model_copy(
        update={name: getattr(template, name) for name in faults})
    mended.replaced.update(faults)


def _section(draft: SummaryDraft, name: str) -> str:
    value = getattr(draft, name)
    return value.strip() if isinstance(value, str) else ""
