"""The arms (labels and, where printed, their sizes) and the number of patients in the trial."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from agent.document import Document
from agent.draft import DraftArm
from agent.numbers import Token
from agent.rules.layout import Layout, candidate_sentences
from agent.rules.text import NUM, body_end, count_text
from agent.schema import Span

N_EQ = re.compile(r"\(\s*[nN]\s?=\s?(?P<n>" + NUM + r")\s*\)")
# English, German and French words that end the text before an arm's label ('randomised to',
# 'randomisiert auf', 'ont reçu le') or join two labels ('or', 'oder', 'ou').
_LABEL_BOUNDARY = re.compile(
    r"\s(?:to|or|and|oder|und|auf|ou|versus|vs\.?)\s|\b(?:received|receive|erhielten|given|reçu"
    r"|recevaient)\s|:\s|,\s")
_LABEL_LEAD = re.compile(r"^(?:(?:to|or|and|oder|und|auf|ou|receive|the|a|an|le|la|les|un|une|du"
                         r"|matching|either)\s+)+", re.I)


def find_arms(doc: Document, layout: Layout) -> list[DraftArm]:
    """The arms of the first pattern, tried in order of trust, that names two or more of them
    in one candidate sentence."""
    sentences = candidate_sentences(doc, layout)
    finders: tuple[Callable[[Document, Span], list[DraftArm]], ...] = (
        _arms_with_n_equals, _arms_listed_with_counts, _arms_by_dose, _arms_without_n,
        _arms_from_fractions)
    for finder in finders:
        for sentence in sentences:
            arms = finder(doc, sentence)
            if len(arms) >= 2:
                return arms
    return []


def _arms_with_n_equals(doc: Document, sentence: Span) -> list[DraftArm]:
    """'<drug> 10 mg once daily (n=N) or placebo (n=M)'."""
    text = doc.text
    start, end = sentence
    matches = list(N_EQ.finditer(text, start, end))
    if len(matches) < 2:
        return []
    masked = _mask_parentheses(text, start, end, keep=[m.span() for m in matches])
    arms: list[DraftArm] = []
    previous = start
    for m in matches:
        segment = masked[previous - start:m.start() - start]
        cut = [b.end() for b in _LABEL_BOUNDARY.finditer(segment)]
        label_start = previous + (cut[-1] if cut else 0)
        label = _clean_label(text[label_start:m.start()])
        token = count_text(doc, m.start("n"), m.end("n"))
        if label and token:
            arms.append(DraftArm(label=label, n=token))
        previous = m.end()
    return arms


def _mask_parentheses(text: str, start: int, end: int, keep: list[Span]) -> str:
    """The sentence with the inside of parentheses blanked, except the spans in `keep`."""
    out = list(text[start:end])
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if any(s <= i < e for s, e in keep):
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            out[i - start] = " "
            continue
        if depth:
            out[i - start] = " "
    return "".join(out)


def _clean_label(raw: str) -> str:
    raw = raw.split("|")[-1] if "|" in raw.strip(" |") else raw.strip(" |")  # a table cell
    # A short acronym in brackets names the arm in later sentences ('EVT'): keep it.
    label = re.sub(r"\s*\((?![A-Za-z][A-Za-z0-9-]{1,8}\))[^()]*\)", "", raw)
    label = re.sub(r"\s+", " ", label).strip(" ,;:")
    label = _LABEL_LEAD.sub("", label).strip(" ,;:")
    if len(label.split()) > 8:
        label = re.split(r"\s(?:at|after|for|over|during|in addition to)\s", label)[0]
    return label if 0 < len(label.split()) <= 12 else ""


_FIRST_ITEM = re.compile(
    r"(?:(?<=[,:]\s)|(?<=of whom\s)|(?<=Of these,\s))(?P<n>" + NUM + r")\s+"
    r"(?:(?:patients|participants)\s+)?(?:(?:were|was)\s+)?"
    r"(?:(?:randomly\s+)?(?:assigned|allocated|randomi[sz]ed)\s+to|(?:treated|managed)\s+with"
    r"|received|to)\s+")
_NEXT_ITEM = re.compile(
    r"(?:,\s+(?:and\s+)?|\s+and\s+)(?P<n>" + NUM + r")\s+(?:(?:were\s+)?(?:assigned|allocated)"
    r"\s+)?(?:to\s+|with\s+|received\s+)?")


def _arms_listed_with_counts(doc: Document, sentence: Span) -> list[DraftArm]:
    """'N were assigned to <treatment> and M to no <treatment>'."""
    text = doc.text
    start, end = sentence
    first = _FIRST_ITEM.search(text, start, end)
    if first is None:
        return []
    items = [(first.start("n"), first.end("n"), first.end())]
    pos = first.end()
    while True:
        nxt = _NEXT_ITEM.search(text, pos, end)
        if nxt is None or re.search(r"[;.]", text[pos:nxt.start()]):
            break
        items.append((nxt.start("n"), nxt.end("n"), nxt.end()))
        pos = nxt.end()
    arms: list[DraftArm] = []
    for i, (n_start, n_end, label_start) in enumerate(items):
        label_end = items[i + 1][0] if i + 1 < len(items) else end
        label = re.split(r",\s|;|\.\s|\.$|\s+(?:and|for|during|over)\s",
                         text[label_start:label_end])[0]
        token = count_text(doc, n_start, n_end)
        label = _clean_label(label)
        if token is None or not label:
            break
        arms.append(DraftArm(label=label, n=token))
    return arms


# '3 mg, 12 mg or 36 mg': two doses or more of one drug.
_DOSE_LIST = r"\d[\d.,]*\s?mg(?:,\s*\d[\d.,]*\s?mg)*,?\s+(?:or|and)\s+\d[\d.,]*\s?mg"
_DOSE_ARMS = re.compile(
    r"\bto\s+(?:receive\s+|take\s+)?(?:(?:subcutaneous|oral|intravenous|inhaled)\s+)?"
    r"(?P<drug>[a-z][\w-]+)\s+(?P<doses>" + _DOSE_LIST + r")(?P<schedule>(?:\s+(?:once|twice)\s+"
    r"(?:daily|weekly)|\s+every\s+\d+\s+weeks)?)"
    r",?\s+(?:or|and)\s+(?:to\s+)?(?:an?\s+)?(?:matching\s+)?(?P<control>placebo)"
    r"(?:\s*\(\s*[nN]\s?=\s?(?P<n>" + NUM + r")\s+per\s+(?:group|arm)\s*\))?")


def _split_doses(doses: str) -> list[str]:
    return re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", doses)


def _arms_by_dose(doc: Document, sentence: Span) -> list[DraftArm]:
    """'randomised to <drug> 3 mg, 12 mg or 36 mg once daily, or placebo'."""
    m = _DOSE_ARMS.search(doc.text, *sentence)
    if m is None:
        return []
    # '(n=N per group)' is printed once for all groups: no arm can cite it as its own.
    schedule = m.group("schedule").strip()
    labels = [" ".join(x for x in (m.group("drug"), d.strip(), schedule) if x)
              for d in _split_doses(m.group("doses"))]
    return [DraftArm(label=label) for label in [*labels, m.group("control")]]


_TWO_ARMS = re.compile(
    r"\b(?:randomi[sz]ed|randomly\s+assigned|assigned|allocated)\s+(?:[\w\u2009 ,]+?\s+)??"
    r"(?:in\s+a\s+\d:\d\s+ratio\s+|\d:\d\s+)?to\s+(?:receive\s+|take\s+)?"
    r"(?P<a>[^;.]+?)\s+or\s+(?:to\s+)?(?:receive\s+)?(?P<b>[^;.,]+?)"
    r"(?=\s*(?:[;.]|,\s|\s(?:for|with|each|in addition|on top|and|then|who|before|after"
    r"|until|at)\b))")
_DOSES = re.compile(r"^(?P<drug>[A-Za-z][\w-]*)\s+(?P<doses>" + _DOSE_LIST + r")(?P<rest>.*)$")


def _arms_without_n(doc: Document, sentence: Span) -> list[DraftArm]:
    """'randomised to receive <treatment> or no <treatment>': labels only."""
    m = _TWO_ARMS.search(doc.text, *sentence)
    if m is None:
        return []
    first, second = m.group("a"), m.group("b")
    doses = _DOSES.match(first.rstrip(", "))
    if doses:
        labels = [f"{doses.group('drug')} {dose.strip()}"
                  for dose in _split_doses(doses.group("doses"))]
    else:
        labels = [_clean_label(first)]
    labels.append(_clean_label(second))
    if all(labels) and len(set(labels)) == len(labels):
        return [DraftArm(label=label) for label in labels]
    return []


_FRACTION_ARM = re.compile(
    r"(?<![\d/.,])\d+\s?/\s?(?P<n>" + NUM + r")\s*\(\s*(?P<pct>\d+(?:[.,]\d+)?\s?%)\s*\)\s+"
    r"(?:(?:on|with|in|for)\s+(?:the\s+)?)?(?P<label>[A-Za-z][\w+-]*(?:\s+[A-Za-z][\w+-]*){0,3}?)"
    r"(?=\s*(?:,|;|\.|$)|\s+(?:and|with|vs\.?|versus|group|arm)\b)")


@dataclass(frozen=True)
class Fraction:
    """'k/N (p%) <label>': a per-group count with its denominator and percentage."""

    label: str
    n: Span
    percent: Span


def fractions(doc: Document, sentence: Span) -> list[Fraction]:
    return [Fraction(m.group("label"), m.span("n"), m.span("pct"))
            for m in _FRACTION_ARM.finditer(doc.text, *sentence)]


def _arms_from_fractions(doc: Document, sentence: Span) -> list[DraftArm]:
    """'k/N (p%) <drug A>, k/M (p%) <combination>, and k/L (p%) <drug B>': the denominators
    of a per-arm count are the arms' sizes."""
    arms: list[DraftArm] = []
    for fraction in fractions(doc, sentence):
        token = count_text(doc, *fraction.n)
        label = _clean_label(fraction.label)
        if token is None or not label or label.lower() in ("patients", "participants"):
            return []
        arms.append(DraftArm(label=label, n=token))
    labels = [a.label.lower() for a in arms]
    return arms if len(set(labels)) == len(labels) else []


# --- sample size ---------------------------------------------------------------------------------

_TOTAL_AFTER = re.compile(
    r"^[^.;]{0,110}?\b(?:were|was|have\s+been|had\s+been|has\s+been)\s+(?:randomi[sz]ed"
    r"|randomly\s+(?:assigned|allocated)|included|enrolled|analy[sz]ed|recruited|studied)\b"
    r"|^\s(?:patients\s+)?took\s+part\b|^[^.;]{0,60}?\beingeschlossen\b")
_TOTAL_BEFORE = re.compile(
    r"(?:\b(?:enrolled|enrolling|randomi[sz]ed|randomi[sz]ing|randomly\s+assigned|included"
    r"|including|recruited|involving|analy[sz]ed|comprised)\s(?:a\s+total\s+of\s+)?"
    r"|\b(?:a\s+total\s+of|[Ii]n\s+total,?|insgesamt|All|[Oo]ut\s+of|data\s+(?:from|on|of))\s"
    r"|\b(?:trial|study|registry|analysis)(?:\s+(?:was\s+)?(?:conducted|done))?\s(?:in|of|with"
    r"|involving)\s|\btrial,\s)$")
_N_TOTAL_EQ = re.compile(
    r"(?:population|total|overall|intention-to-treat|\bITT\b|cohort|trial|study)[^.;()]{0,25}"
    r"\(\s*[nN]\s?=\s?$|\b[nN]\s?=\s?$")
_TOTAL_WORDS = re.compile(r"population|total|overall|intention|ITT|cohort|trial|study"
                          r"|analy[sz]ed|data from|enrolled|randomi[sz]ed|included")
# A fact sheet's line: 'Total number of enrollees: N', 'Patients:' over '• N patients'.
_TOTAL_LABEL = re.compile(
    r"(?:^|\n)[\s\-\u2022*]*(?:[Tt]otal(?:\s+number\s+of\s+\w+)?|[Nn]umber\s+of\s+(?:patients"
    r"|participants|enrollees|subjects)|[Ss]ample\s+size|[Pp]atients|[Pp]articipants"
    r"|[Ee]nrollment|[Ee]nrolment)\s*:?\s*(?:\n[\s\-\u2022*]*)?$")
_NOT_TOTAL_BEFORE = re.compile(r"\b(?:subgroup|substudy|subset|Substudie|Among|among|of\s+whom"
                               r"|Of\s+these)\b[^.;]*$")
_NOT_TOTAL_AFTER = re.compile(r"^[^.;,]{0,40}\b(?:screened|subgroup|substudy|subset)\b")
_APPROXIMATE = re.compile(r"\b(?:[Nn]early|[Aa]bout|[Aa]pproximately|[Mm]ore\s+than|[Oo]ver"
                          r"|[Aa]lmost|[Rr]oughly)\s$")


def find_n_total(doc: Document, layout: Layout, arms: list[DraftArm]) -> str | None:
    """The best-scored count of patients in the body; failing that, a count that is the sum of
    the arms' sizes."""
    text = doc.text
    limit = body_end(doc)
    best: tuple[float, int, str] | None = None
    arm_sum = _arm_sum(doc, arms)
    for t in doc.tokens:
        if not (layout.body_start() <= t.start < limit) or doc.in_injection(t.start):
            continue
        if t.percent or t.kind != "number" or t.decimals or t.value < 10:
            continue
        score: float = _total_score(doc, t, layout)
        if arm_sum is not None and t.value == arm_sum:
            score += 2
        if score >= 3 and _APPROXIMATE.search(text[max(0, t.start - 15):t.start]):
            score -= 0.5
        if score >= 2.5 and (best is None or score > best[0]):
            best = (score, t.start, t.text)
    if best is not None:
        return best[2]
    if arm_sum is not None:
        for t in doc.tokens:
            if t.start < limit and not t.percent and t.decimals == 0 and t.value == arm_sum:
                return t.text
    return None


def _total_score(doc: Document, t: Token, layout: Layout) -> int:
    text = doc.text
    sentence = doc.sentence_of(t.start)
    before = text[max(sentence[0], t.start - 60):t.start]
    after = text[t.end:sentence[1]]
    if _NOT_TOTAL_BEFORE.search(before) or _NOT_TOTAL_AFTER.search(after):
        return 0
    people = doc.role(t) == "n"
    score = 0
    if _N_TOTAL_EQ.search(before):
        inside_arms = len(N_EQ.findall(text[sentence[0]:sentence[1]])) >= 2
        if not inside_arms and (re.search(r"\($", before.rstrip("nN= ")) is None
                                or _TOTAL_WORDS.search(before)):
            score = 4
    if people and (_TOTAL_BEFORE.search(before) or _TOTAL_AFTER.search(after)):
        score = max(score, 3)
    if _TOTAL_LABEL.search(text[max(0, t.start - 60):t.start]):
        score = max(score, 4)
    if score and layout.kind_at(t.start) == "design":
        score += 1
    return score


def _arm_sum(doc: Document, arms: list[DraftArm]) -> Decimal | None:
    if len(arms) < 2 or any(a.n is None for a in arms):
        return None
    total = Decimal(0)
    for arm in arms:
        token = next((t for t in doc.tokens if t.text == arm.n), None)
        if token is None:
            return None
        total += token.value
    return total
