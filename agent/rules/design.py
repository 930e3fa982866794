"""The trial's design: randomisation, blinding, phase, control, allocation ratio."""

from __future__ import annotations

import re

from agent.document import Document
from agent.draft import DraftArm, DraftDesign
from agent.rules.layout import Layout
from agent.schema import Span

_RANDOMISED = re.compile(
    r"\brandomi[sz]ed\b(?!\s+(?:controlled\s+)?trials\b)|\brandomly\s+(?:assigned|allocated)\b"
    r"|\brandomisiert|\brandomi[sz]ation\b", re.I)
_BLINDING = (("double-blind", re.compile(r"\bdouble[- ]blind|\bdoppelblind", re.I)),
             ("single-blind", re.compile(r"\bsingle[- ]blind", re.I)),
             ("observer-blind", re.compile(r"\bobserver[- ]blind", re.I)),
             ("open-label", re.compile(r"\bopen[- ]label|\boffen(?:e|en)?\b", re.I)))
_PHASE = re.compile(r"\bphase[\s-]?(?P<phase>(?:I{1,3}V?|IV|[1-4])(?:/(?:I{1,3}|[1-4]))?[ab]?)\b",
                    re.I)
_ALLOCATION_CONTEXT = re.compile(
    r"(?:randomi[sz]ed|randomly\s+assigned|randomisiert|assigned|allocated|Verhältnis|ratio)"
    r"[^.;]{0,40}$|^[^.;]{0,12}\b(?:ratio|Verhältnis)", re.I)


def design_of(doc: Document, layout: Layout, arms: list[DraftArm]) -> DraftDesign:
    text = doc.text
    end = doc.body_end
    parts = [(s.start, s.end) for s in layout.sections if s.kind == "design"]
    if not parts:
        parts = [(layout.body_start(), end)]
    region = " ".join(text[s:e] for s, e in parts)
    blinding = next((name for name, regex in _BLINDING if regex.search(region)), None)
    phase = _PHASE.search(region) or _PHASE.search(text[:end])
    placebo = bool(re.search(r"placebo-?\s?controlled|placebokontrolliert", region, re.I)) or any(
        "placebo" in a.label.lower() for a in arms)
    return DraftDesign(
        randomised=True if _RANDOMISED.search(region) else None,
        blinding=blinding,
        phase=phase.group("phase") if phase else None,
        placebo_controlled=True if placebo else None,
        crossover=True if re.search(r"\bcross-?over\s+(?:trial|design|study)", region, re.I)
        else None,
        non_inferiority=True if re.search(r"\bnon-?inferior", region, re.I) else None,
        allocation=_allocation(doc, parts),
    )


# A condition's words: no clause punctuation, but a decimal point ('1.73 m²') and an
# abbreviation in brackets that the words run on from ('receptor (HR)-positive').
_CONDITION_WORD = r"(?:[^,.;:()\[\]]|(?<=\d)\.(?=\d)|\([A-Za-z0-9]{1,8}\)(?=[-\u2013]\w))"
_PEOPLE_WITH = re.compile(
    r"\b(?:in|among|of|enrolled|included|recruited|[Ii]n\s+total,)\s+(?:\d[\d,.\u2009]*\s+)?(?:[\w-]+\s+)?"
    r"(?P<who>(?:people|patients|adults|children|participants|women|men|individuals|infants"
    r"|adolescents|Patient(?:inn)?en|Erwachsenen?)\s+(?:aged\s+[\w\s-]{2,20}?\s+)?"
    r"(?:with|who\s+had|mit)\s+(?P<cond>" + _CONDITION_WORD + r"{3,80}?))"
    r"(?=\s*(?:\((?![A-Za-z0-9]{1,8}\)[-\u2013]\w)|,|\.(?!\d)|;|:|\bwho\b|\bwhose\b|\bthat\b"
    r"|\bwere\b|\bwas\b|\bhad\b|\breceiv|\bundergoing\b|\bin\s+(?:a|the|this|\d{4})\b"
    r"|\bat\b(?!\s+least)|\bfrom\b|$"
    # a clause goes on: a verb ('... is meant to'), or a second group ('... and among all')
    r"|\b(?:is|are|has|have|will|would|can|could|may|might|did|does|contributed|participated"
    r"|took\s+part)\b"
    r"|\b(?:and|or)\s+(?:among|in|of|with)\b|\b(?:and|or)\s*[,.;:]))")
# '12.1% of patients with <drug> and 14.3% with placebo': after a share, the words name an arm.
_AFTER_A_SHARE = re.compile(r"\d\s?%\s+of\s+$")


def population_of(doc: Document, layout: Layout) -> tuple[str | None, str | None]:
    """'in people with <condition> (<abbreviation>)': in whom (as written), and the
    condition. The first such phrase in the body that does not follow a share of an arm."""
    for m in _PEOPLE_WITH.finditer(doc.text, layout.body_start(), doc.body_end):
        if not _AFTER_A_SHARE.search(doc.text, max(0, m.start() - 12), m.start("who")):
            return m.group("who").strip(), m.group("cond").strip()
    return None, None


def _allocation(doc: Document, parts: list[Span]) -> str | None:
    """The ratio token printed next to 'randomised', 'assigned' or 'ratio' in the design."""
    for t in doc.tokens:
        if t.kind != "ratio" or not any(s <= t.start < e for s, e in parts):
            continue
        before = doc.text[max(0, t.start - 60):t.start]
        after = doc.text[t.end:t.end + 20]
        if _ALLOCATION_CONTEXT.search(before) or _ALLOCATION_CONTEXT.search(after):
            return t.text
    return None
