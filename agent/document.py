"""Reads an article's text once: sentences, numbers with roles, P values, CIs, result tuples.

This is the statistic layer on top of `numbers.tokenize`. A `StatTuple` is a result as printed:
measure, estimate, CI level and bounds, P, with the span of each part. Everything here is pure
and cached by text, so verify, the rules extractor and the summary check share one reading.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, pairwise
from typing import Literal

from agent.numbers import (
    MOJIBAKE_DASH,
    MOJIBAKE_MINUS,
    Token,
    comma_decimal_locale,
    tokenize,
)
from agent.pagetext import read_page
from agent.schema import Direction

Role = Literal[
    "estimate", "ci_level", "ci_lower", "ci_upper", "p", "n", "percent", "dose", "time",
    "year", "reference", "allocation", "frequency", "rate", "count", "other",
]
PQualifier = Literal["interaction", "trend", "heterogeneity", "non-inferiority", "superiority"]

_ABBREVIATION = re.compile(
    r"\b(?:vs|e\.g|i\.e|Dr|Prof|al|Fig|No|approx|Mr|Ms|Mrs|St|ca|cf|incl|resp|[A-Z])\.$"
)
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+(?=[\"“‘(\[]?[A-Z0-9ÄÖÜÉ])|\n+")

# Measure names, most specific first. Abbreviations are case-sensitive: "or" is a word.
_MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("IRR", re.compile(r"\bincidence rate ratios?\b|\bIRRs?\b", re.I)),
    ("rate ratio", re.compile(r"\brate ratios?\b", re.I)),
    ("GMR", re.compile(r"\bgeometric mean ratios?\b|\bGMRs?\b")),
    ("HR", re.compile(r"\bhazard ratios?\b|\b(?:a|adj)?HRs?\b|\bsHR\b", re.I)),
    ("OR", re.compile(r"\bodds ratios?\b|\b(?:a|c)?ORs?\b")),
    ("RR", re.compile(r"\b(?:relative risks?|risk ratios?)\b|\bRRs?\b")),
    ("RRR", re.compile(
        r"\brelative (?:risk )?reductions?\b|\bRRR\b|\d\s?% (?:relative )?(?:lower|reduction)",
        re.I)),
    ("beta", re.compile(
        r"β(?!\s?-?\s?blocker)|\bbeta\b(?![\s-]?blocker)|\bregression coefficients?\b", re.I)),
    ("mean change", re.compile(
        r"\b(?:LS |least[- ]squares )?mean (?:percent(?:age)? )?changes?\b", re.I)),
    ("mean difference", re.compile(
        r"\b(?:LS |least[- ]squares )?mean differences?\b|\bMD\b|\bdifference in means\b"
        r"|\bbetween-group differences?\b|\btreatment differences?\b", re.I)),
    ("risk difference", re.compile(
        r"\b(?:absolute )?risk differences?\b|\bincidence differences?\b"
        r"|\babsolute differences?\b|\bpercentage[- ]points?\b", re.I)),
    ("other", re.compile(r"\bmedians?\b", re.I)),
)

_CI_LABEL = re.compile(
    r"(?P<level>\d{2}(?:[.·]\d+)?)(?:\s?%|[\s-]per\s?cent)\s?-?\s?(?:CI|Cl|KI|IC|CrI"
    r"|confidence interval|"
    r"credible interval|Konfidenzintervall)\b"
    r"|\b(?:CI|Cl|IC|KI)\s?(?:à\s)?(?P<level2>\d{2})\s?%"
)
# '95% CI, ', '95%-Konfidenzintervall [KI]: ', '95% CI of '.
_CI_LEADIN = re.compile(r"(?:\s*[\[(](?:KI|CI|IC)[\])])?[\s:,;=]*(?:(?:of|was|from|is)\s+)?"
                        r"[(\[]?\s*")
_RANGE_SEP = re.compile(
    r"^\s*(?:[-\u2212\u2013\u2014\u2012\u2010\u2011]|to|,|;|and|bis|à|"
    + MOJIBAKE_DASH.pattern + r")\s*$"
)
_BRACKETED_RANGE = re.compile(r"^\s*[(\[]\s*$")
_NOT_A_CI = re.compile(r"\b(?:IQR|interquartile|range|SD|SE|s\.d\.)\b[\s:,]*$", re.I)

_P_LABEL = re.compile(
    r"(?<![A-Za-z])(?P<label>[Pp](?:\s?-?\s?values?)?(?:\s?(?:for|of)\s"
    r"(?P<q1>interaction|trend|heterogeneity|non-?inferiority|superiority))?"
    r"|[Pp]\s?[_(]?\s?(?P<q2>interaction|int|trend|heterogeneity|NI|non-?inferiority)\)?)"
    r"\s?(?:(?P<cmp><=|>=|=<|≤|≥|⩽|⩾|<|>|=|:|,|\bof\b|\bwas\b)\s?)"
    r"(?P<ns>NS\b|n\.s\.|not significant)?"
)
_P_QUALIFIER_AFTER = re.compile(
    r"[^.;()]{0,12}?\bfor\s+(?P<q>interaction|trend|heterogeneity|non-?inferiority|superiority"
    r"|all|each)\b", re.I)
_P_QUALIFIER_BEFORE = re.compile(
    r"\b(?P<q>interaction|trend|heterogeneity|non-?inferiority|superiority)\b[^.;]{0,25}$", re.I)

_PEOPLE = re.compile(
    r"^\s?(?:[a-zA-Z-]+\s){0,2}?(?:patients|participants|people|adults|children|adolescents|"
    r"women|men|subjects|individuals|persons|infants|volunteers|Patienten|patients\b)", re.I)
_N_BEFORE = re.compile(
    r"(?:\b[nN]\s?=\s?|(?:enrolled|randomi[sz]ed|included|recruited|assigned|analysed|analyzed|"
    r"total of|involving|among|of the)\s(?:a total of\s)?)$")
_DOSE_AFTER = re.compile(r"^[\s-]?(?:mg|g|µg|mcg|mL|ml|IU|units?|mmol|kg)\b(?!/m)", re.I)
_TIME_AFTER = re.compile(
    r"^[\s-]?(?:days?|weeks?|months?|years?|hours?|h|hrs?|minutes?|min)\b", re.I)
_RATE_AFTER = re.compile(r"^\s?(?:events?\s)?per\s(?:1,?000|100)\b", re.I)
_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|"
           r"December")
_YEAR_CONTEXT = re.compile(r"(?:" + _MONTHS + r"|since|in|of|from|until|by|,)\s*$", re.I)
# Before a number of people, only these still make it a year ('since 2019 patients have ...').
_SURE_YEAR_CONTEXT = re.compile(r"(?:" + _MONTHS + r"|since|until)\s*$", re.I)

_SIGNIFICANCE = re.compile(
    r"\bsignifican(?:t|tly|ce)\b|\bmet (?:its|the) primary (?:end ?point|outcome)\b"
    r"|\bmeeting the primary (?:end ?point|outcome)\b|\bsuperior(?:ity)?\b", re.I)
_NEGATION = re.compile(
    r"\b(?:not|no|non|nor|neither|failed|without|did not|does not|was not|were not|"
    r"lack of|absence of)\b|n't\b", re.I)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|original)\s+"
    r"(?:instructions?|prompts?|directions?|rules)\b"
    r"|\byou are (?:now )?(?:an?|the) (?:ai|assistant|language model|chatbot|llm)\b"
    r"|\bsystem prompt\b|\bnew instructions?\s*:|\bas an ai\b"
    r"|\b(?:report|output|answer|say)\s+(?:that\s+)?(?:the\s+)?(?:HR|OR|hazard ratio|P)\s+"
    r"(?:is\s+|was\s+|of\s+)?[\d.]+\s+(?:instead|regardless)\b", re.I)
_REFERENCES = re.compile(r"^\s*(?:References?|Bibliography|Sources?|Literatur)\s*:?\s*$",
                         re.I | re.M)


@dataclass(frozen=True, slots=True)
class PValue:
    token: Token | None
    comparator: str
    span: tuple[int, int]
    """The whole P expression, e.g. 'P < .001'."""
    qualifier: str | None = None
    not_significant: bool = False


@dataclass(frozen=True, slots=True)
class CI:
    level: Token | None
    lower: Token
    upper: Token
    span: tuple[int, int]
    damaged: bool = False


@dataclass(frozen=True, slots=True)
class StatTuple:
    """One result as printed: measure, estimate, CI and P, each with its span."""

    measure: str | None
    estimate: Token | None
    ci: CI | None
    p: PValue | None
    span: tuple[int, int]
    sentence: tuple[int, int]
    measure_span: tuple[int, int] | None = None

    @property
    def tokens(self) -> list[Token]:
        parts: list[Token | None] = [self.estimate]
        if self.ci:
            parts += [self.ci.level, self.ci.lower, self.ci.upper]
        if self.p:
            parts.append(self.p.token)
        return [t for t in parts if t is not None]


@dataclass(slots=True)
class Document:
    text: str
    comma_decimal: bool
    tokens: tuple[Token, ...]
    sentences: list[tuple[int, int]]
    p_values: list[PValue]
    cis: list[CI]
    tuples: list[StatTuple]
    roles: dict[int, Role] = field(default_factory=dict)
    """Token start offset -> role."""
    references_start: int | None = None
    article_start: int = 0
    """Where the article starts on a copied page: its headline, else its first paragraph."""
    body_end: int = 0
    """Where the article ends: its reference list, or the page's trailer ('Related articles',
    'Next article', a copyright line), whichever comes first; else the end of the text."""
    injection_spans: list[tuple[int, int]] = field(default_factory=list)
    damaged_spans: list[tuple[int, int]] = field(default_factory=list)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        for s, e in self.sentences:
            if s <= pos < e:
                return (s, e)
        return (pos, pos)

    def token_at(self, start: int, end: int | None = None) -> Token | None:
        for t in self.tokens:
            if t.start == start and (end is None or t.end == end):
                return t
        return None

    def tokens_in(self, start: int, end: int) -> list[Token]:
        found = []
        for t in self.tokens_from(start):
            if t.start >= end:
                break
            if t.end <= end:
                found.append(t)
        return found

    def tokens_from(self, start: int) -> Iterator[Token]:
        """The tokens that start at `start` or later, in order (a binary search, not a scan)."""
        i = bisect_left(self.tokens, start, key=lambda t: t.start)
        return iter(self.tokens[i:])

    def role(self, token: Token) -> Role:
        return self.roles.get(token.start, "other")

    def outside_body(self, pos: int) -> bool:
        """In the page's furniture or the reference list: never a result of the article."""
        return pos < self.article_start or pos >= self.body_end

    def in_injection(self, pos: int) -> bool:
        return any(s <= pos < e for s, e in self.injection_spans)

    def is_damaged(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.damaged_spans)


_CONCLUSION = re.compile(
    r"^\s*(?:Conclusions?|Interpretation|What it means|Take-home|Bottom line|Fazit)\s*:?\s*$",
    re.I | re.M)


_PRIMARY_NOT_MET = re.compile(
    r"\b(?:did not|didn't|does not|failed to|did not) (?:meet|reach|achieve) (?:its|the|their) "
    r"primary (?:end ?point|outcome)|\bprimary (?:end ?point|outcome) was not (?:met|reached)",
    re.I)
_PRIMARY_MET = re.compile(
    r"\b(?:met|meeting|achieved|reached) (?:its|the|their) primary (?:end ?point|outcome)"
    r"|\bprimary (?:end ?point|outcome) was (?:met|reached)", re.I)


def primary_met_statement(text: str) -> tuple[str, tuple[int, int]] | None:
    """What the article says in words about its primary endpoint: ('yes' | 'no', span)."""
    no = _PRIMARY_NOT_MET.search(text)
    yes = [m for m in _PRIMARY_MET.finditer(text)
           if not _NEGATION.search(text[max(0, m.start() - 25):m.start()])]
    if no and not yes:
        return "no", (no.start(), no.end())
    if yes and not no:
        return "yes", (yes[0].start(), yes[0].end())
    return None


def conclusion_of(text: str) -> str | None:
    """The first paragraph of the article's conclusion section, as written."""
    m = _CONCLUSION.search(text)
    if m is None:
        return None
    rest = text[m.end():].lstrip("\n")
    paragraph = rest.split("\n\n", 1)[0].split("\n", 1)[0].strip()
    return paragraph or None


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[m.start()] == "." and _ABBREVIATION.search(text, max(0, m.start() - 8),
                                                           m.start() + 1):
            continue
        if m.start() > start:
            spans.append((start, m.start() + (0 if text[m.start()] == "\n" else 1)))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def measure_of(fragment: str) -> tuple[str, int, int] | None:
    """The measure named last in `fragment` (nearest to what follows it)."""
    best: tuple[str, int, int] | None = None
    for name, regex in _MEASURES:
        for m in regex.finditer(fragment):
            if best is None or m.start() > best[1]:
                best = (name, m.start(), m.end())
    return best


def claims_significance(sentence: str) -> bool:
    """The sentence claims a significant effect and does not negate it."""
    for m in _SIGNIFICANCE.finditer(sentence):
        clause_start = max(sentence.rfind(sep, 0, m.start()) for sep in (",", ";", ":", "("))
        before = sentence[clause_start + 1:m.start()]
        if not _NEGATION.search(before) and not _NEGATION.search(sentence[m.end():m.end() + 12]):
            return True
    return False


def negated(sentence: str) -> bool:
    return bool(_NEGATION.search(sentence))


_FELL = (r"fell|fallen|dropped|declined|decreased|reduced|lowered|shrank|sank|went\s+down"
         r"|sanken?|sank|gesunken|reduziert")
_ROSE = r"rose|risen|increased|grew|climbed|went\s+up|stiegen?|gestiegen|erhöht"
_DIRECTION_BEFORE = re.compile(
    r"\b(?:(?P<down>" + _FELL + r")|(?P<up>" + _ROSE + r"))\s+(?:by\s+|um\s+)?(?:about\s+|"
    r"approximately\s+|nearly\s+|almost\s+|some\s+|an?\s+(?:average|mean|median)\s+of\s+)?$",
    re.I)
_DIRECTION_AFTER = re.compile(
    r"^\s?(?:(?:relative\s+|absolute\s+)?(?P<down>reduction|decrease|decline|drop|fall|lower"
    r"|fewer|less)|(?P<up>increase|rise|gain|higher|more))\b", re.I)


# 'the reduction in <endpoint> was X%': the change named before the endpoint it applies to.
_CHANGE_NAMED_BEFORE = re.compile(
    r"\b(?:(?P<down>reduction|decrease|decline|drop|fall|lowering)|(?P<up>increase|rise|gain))"
    r"\s+(?:in|of)\s+[^.;:()\d]{1,60}?\s+(?:was|were|reached|amounted\s+to)\s+(?:about\s+|"
    r"approximately\s+|nearly\s+|an?\s+(?:average|mean|median)\s+of\s+)?$", re.I)


def direction_at(text: str, start: int, end: int) -> Direction | None:
    """'fell by X%', 'a X% reduction', 'rose by X%', 'the reduction in Y was X%': the change
    the words around a value state, or None."""
    before = _DIRECTION_BEFORE.search(text[max(0, start - 40):start]) or \
        _CHANGE_NAMED_BEFORE.search(text[max(0, start - 100):start])
    m = before or _DIRECTION_AFTER.match(text[end:end + 30])
    if m is None:
        return None
    return "decrease" if m.group("down") else "increase"


@lru_cache(maxsize=32)
def analyse(text: str) -> Document:
    comma = comma_decimal_locale(text)
    tokens = tokenize(text, comma)
    doc = Document(text, comma, tokens, split_sentences(text), [], [], [])
    refs = list(_REFERENCES.finditer(text))
    doc.references_start = refs[-1].start() if refs else None
    page = read_page(text)
    doc.article_start = page.article_start
    # A 'Sources' or 'References' heading above the article (a page's top bar) ends nothing.
    ref_start = refs[-1].start() if refs else len(text)
    doc.body_end = min(page.body_end, ref_start if ref_start > doc.article_start else len(text))
    doc.injection_spans = _injections(doc)
    doc.damaged_spans = _damage(text)
    doc.p_values = _p_values(doc)
    doc.cis = _cis(doc)
    doc.tuples = _tuples(doc)
    doc.roles = _roles(doc)
    return doc


def _injections(doc: Document) -> list[tuple[int, int]]:
    return [(s, e) for s, e in doc.sentences if _INJECTION.search(doc.text, s, e)]


def _damage(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in MOJIBAKE_DASH.finditer(text)]
    for bad in (*MOJIBAKE_MINUS, "\u00c2\u00b7", "\u00c2\u00b0", "\u00c2\u00a0"):
        start = text.find(bad)
        while start >= 0:
            spans.append((start, start + len(bad)))
            start = text.find(bad, start + 1)
    return sorted(spans)


def _p_values(doc: Document) -> list[PValue]:
    text = doc.text
    found: list[PValue] = []
    by_start = {t.start: t for t in doc.tokens}
    for m in _P_LABEL.finditer(text):
        cmp = m.group("cmp")
        qualifier = m.group("q1") or m.group("q2")
        if m.group("ns"):
            end = m.end()
            found.append(PValue(None, "=", (m.start(), end), _norm_qualifier(qualifier), True))
            continue
        token = _token_starting_near(by_start, text, m.end())
        if token is None or token.percent or token.value > 1 or token.value < 0:
            continue
        comparator = {"≤": "<=", "⩽": "<=", "=<": "<=", "≥": ">=", "⩾": ">="}.get(cmp, cmp)
        if comparator in (":", ",", "of", "was"):
            comparator = "="
        after = _P_QUALIFIER_AFTER.match(text, token.end)
        if qualifier is None and after:
            qualifier = after.group("q")
        if qualifier is None:
            before = _P_QUALIFIER_BEFORE.search(text, max(0, m.start() - 40), m.start())
            qualifier = before.group("q") if before else None
        found.append(PValue(token, comparator, (m.start(), token.end),
                            _norm_qualifier(qualifier)))
    return found


def _norm_qualifier(q: str | None) -> str | None:
    if q is None:
        return None
    q = q.lower().replace("noninferiority", "non-inferiority")
    return {"int": "interaction", "ni": "non-inferiority"}.get(q, q)


def _token_starting_near(by_start: dict[int, Token], text: str, pos: int) -> Token | None:
    for offset in range(0, 3):
        token = by_start.get(pos + offset)
        if token is not None:
            return token
        if pos + offset < len(text) and text[pos + offset] not in " \u2009\u00a0":
            break
    return None


def _cis(doc: Document) -> list[CI]:
    text = doc.text
    cis: list[CI] = []
    by_start = {t.start: (i, t) for i, t in enumerate(doc.tokens)}
    for m in _CI_LABEL.finditer(text):
        level_pos = m.start("level") if m.group("level") else m.start("level2")
        level = by_start.get(level_pos, (None, None))[1]
        lead = _CI_LEADIN.match(text, m.end())
        pos = lead.end() if lead else m.end()
        bounds = _bounds_at(doc, pos)
        if bounds is None:
            continue
        lower, upper, damaged = bounds
        end = upper.end
        if end < len(text) and text[end] in ")]" and text[pos - 1:pos] in "([":
            end += 1
        cis.append(CI(level, lower, upper, (m.start(), end), damaged))
    cis += _unlabelled_cis(doc, {c.lower.start for c in cis})
    return sorted(cis, key=lambda c: c.span[0])


def _bounds_at(doc: Document, pos: int) -> tuple[Token, Token, bool] | None:
    """Two tokens starting at `pos`, separated by a range separator."""
    following = [t for t in doc.tokens if t.start >= pos][:2]
    if len(following) < 2:
        return None
    lower, upper = following
    if doc.text[pos:lower.start].strip(" \u2009\u00a0([") or lower.kind != "number":
        return None
    separator = doc.text[lower.end:upper.start]
    if not _RANGE_SEP.match(separator) or upper.kind != "number":
        return None
    return lower, upper, bool(MOJIBAKE_DASH.search(separator))


def _unlabelled_cis(doc: Document, taken: set[int]) -> list[CI]:
    """'aHR 0.81 (0.70–0.94)', 'aOR 1.8 [1.2–2.7]': bounds in brackets right after a measure."""
    found: list[CI] = []
    text = doc.text
    for i, estimate in enumerate(doc.tokens[:-2]):
        lower, upper = doc.tokens[i + 1], doc.tokens[i + 2]
        if lower.start in taken or estimate.percent != lower.percent:
            continue
        opening = text[estimate.end:lower.start]
        if not _BRACKETED_RANGE.match(opening) or not _RANGE_SEP.match(text[lower.end:upper.start]):
            continue
        closing = text[upper.end:upper.end + 1]
        if closing not in (")", "]"):
            continue
        s0 = doc.sentence_of(estimate.start)[0]
        # 'rate ratios were 0.62 (95% CI 0.50–0.77), 0.55 (0.44–0.69) and 0.51 (0.41–0.64)':
        # the measure named earlier in the sentence covers the list.
        if measure_of(text[s0:estimate.start]) is None:
            continue
        if _NOT_A_CI.search(text[max(s0, estimate.start - 20):estimate.start]):
            continue
        damaged = bool(MOJIBAKE_DASH.search(text[lower.end:upper.start]))
        found.append(CI(None, lower, upper, (lower.start - 1, upper.end + 1), damaged))
    return found


def _tuples(doc: Document) -> list[StatTuple]:
    tuples = [_tuple_for_ci(doc, ci) for ci in doc.cis]
    used = {t.start for tup in tuples for t in tup.tokens}
    tuples += _tuples_without_ci(doc, used)
    return sorted(tuples, key=lambda t: t.span[0])


def _tuple_for_ci(doc: Document, ci: CI) -> StatTuple:
    text = doc.text
    sentence = doc.sentence_of(ci.span[0])
    estimate = _estimate_before(doc, ci, sentence)
    measure = None
    measure_span = None
    if estimate is not None:
        window_start = max(sentence[0], estimate.start - 90)
        found = measure_of(text[window_start:estimate.start])
        if found:
            measure, measure_span = found[0], (window_start + found[1], window_start + found[2])
        elif estimate.percent:
            measure = "percent"
    p = _p_after(doc, ci.span[1], sentence[1])
    start = min(x for x in (ci.span[0], estimate.start if estimate else None,
                            measure_span[0] if measure_span else None) if x is not None)
    end = p.span[1] if p else ci.span[1]
    fragment = text[start:end]
    if end < len(text) and text[end] in ")]" and fragment.count("(") + fragment.count("[") > (
            fragment.count(")") + fragment.count("]")):
        end += 1
    return StatTuple(measure, estimate, ci, p, (start, end), sentence, measure_span)


# '4.1 mmol/L lower than usual care (95% CI': a unit and a comparison between the two.
_COMPARED_GAP = re.compile(r"\s?(?:[A-Za-z/%.]+\s)?(?:lower|higher|less|more|greater|fewer|longer"
                           r"|shorter)\s+than\s+[^()\d;]{1,40}[(\[,;]\s*$")


def _estimate_before(doc: Document, ci: CI, sentence: tuple[int, int]) -> Token | None:
    """The number printed just before the CI: 'HR 0.82; 95% CI', '0.47 (95% CI', '−6.4 mm Hg ('."""
    label_start = ci.span[0]
    candidates = [t for t in doc.tokens
                  if sentence[0] <= t.start and t.end <= label_start
                  and (ci.level is None or t.start != ci.level.start)]
    if not candidates:
        return None
    estimate = candidates[-1]
    gap = doc.text[estimate.end:label_start]
    if len(gap) > 60 or (len(re.findall(r"[A-Za-z]+", gap)) > 5
                         and not _COMPARED_GAP.match(gap)):
        return None
    if any(p.token is estimate for p in doc.p_values):
        return None
    return estimate


def _p_after(doc: Document, pos: int, limit: int) -> PValue | None:
    for p in doc.p_values:
        if pos <= p.span[0] <= min(limit, pos + 40):
            between = doc.text[pos:p.span[0]]
            if re.search(r"\d", between):
                return None
            return p
    return None


def _tuples_without_ci(doc: Document, used: set[int]) -> list[StatTuple]:
    """'HR 0·78', 'common odds ratio 1.03', 'hazard ratios of 0·77 for new MI and 0·55 ...'."""
    found: list[StatTuple] = []
    text = doc.text
    for name, regex in _MEASURES:
        if name in ("other", "risk difference", "mean change", "RRR"):
            continue
        for m in regex.finditer(text):
            for token in _numbers_after_measure(doc, m.end()):
                if token.start in used or doc.outside_body(token.start):
                    continue
                sentence = doc.sentence_of(token.start)
                p = _p_after(doc, token.end, sentence[1])
                end = p.span[1] if p else token.end
                found.append(StatTuple(name, token, None, p, (m.start(), end), sentence,
                                       (m.start(), m.end())))
                used.add(token.start)
    return found


_AT_TIME = r"at\s+(?:week|month|day|year)s?\s+\d+\s+"
_MEASURE_TO_NUMBER = re.compile(
    r"^(?:\s?\[[A-Za-z]+\])?(?:\s?\([A-Za-z]+\))?[\s,:=]*(?:(?:of|was|is|were|for [\w\s-]{1,30}?"
    r" (?:was|is|of)|" + _AT_TIME + r"(?:of|was))\s+)?(?:about\s|approximately\s)?$"
)
# '..., and Y', '... and Y', '... (P...) and at week M of Y'
_LIST_CONTINUATION = re.compile(r"^\s?(?:for [^,.;()\d]{1,40}?)?(?:,\s(?:and\s)?|\sand\s)$"
                                r"|^(?:\s?(?:ml|mL|mg|kg|points?)\b)?(?:\s?\([^()]{1,30}\))?,?\s"
                                r"(?:and\s)?" + _AT_TIME + r"of\s$")


_TIME_UNIT_BEFORE = re.compile(r"\b(?:week|month|day|year)s?\s$")


def _numbers_after_measure(doc: Document, pos: int) -> list[Token]:
    # 'at week N of X (P...) and at week M of Y': the weeks and the P values are words
    # between the measure and its values
    p_values = {p.token.start for p in doc.p_values if p.token is not None}
    tokens = list(islice((t for t in doc.tokens_from(pos) if t.start not in p_values
                          and not _TIME_UNIT_BEFORE.search(doc.text, t.start - 7, t.start)), 6))
    if not tokens or not _MEASURE_TO_NUMBER.match(doc.text[pos:tokens[0].start]):
        return []
    picked = [tokens[0]]
    for prev, nxt in pairwise(tokens):
        if not _LIST_CONTINUATION.match(doc.text[prev.end:nxt.start]):
            break
        picked.append(nxt)
    return [t for t in picked if t.kind == "number" and not t.percent and t.value > 0]


def _roles(doc: Document) -> dict[int, Role]:
    roles: dict[int, Role] = {}
    for tup in doc.tuples:
        if tup.estimate is not None:
            roles[tup.estimate.start] = "estimate"
        if tup.ci is not None:
            if tup.ci.level is not None:
                roles[tup.ci.level.start] = "ci_level"
            roles[tup.ci.lower.start] = "ci_lower"
            roles[tup.ci.upper.start] = "ci_upper"
    for ci in doc.cis:
        if ci.level is not None:
            roles.setdefault(ci.level.start, "ci_level")
        roles.setdefault(ci.lower.start, "ci_lower")
        roles.setdefault(ci.upper.start, "ci_upper")
    for p in doc.p_values:
        if p.token is not None:
            roles[p.token.start] = "p"
    for t in doc.tokens:
        if t.start not in roles:
            roles[t.start] = _context_role(doc, t)
    return roles


def _context_role(doc: Document, t: Token) -> Role:
    text = doc.text
    if doc.outside_body(t.start):
        return "reference"
    if t.kind == "ratio":
        return "allocation"
    if t.kind == "frequency":
        return "frequency"
    after = text[t.end:t.end + 40]
    before = text[max(0, t.start - 30):t.start]
    if t.percent:
        return "percent"
    if _RATE_AFTER.match(after):
        return "rate"
    if _DOSE_AFTER.match(after):
        return "dose"
    if _TIME_AFTER.match(after):
        return "time"
    # '2,0NN patients' is a count: a year is written as four bare digits.
    people = _PEOPLE.match(after)
    if t.decimals == 0 and 1900 <= t.value <= 2100 and t.text.isdigit() and (
        _SURE_YEAR_CONTEXT.search(before) if people else True
    ):
        return "year"
    if t.decimals == 0 and (_N_BEFORE.search(before) or people):
        return "n"
    if t.decimals == 0 and re.match(r"^\s?(?:\(|of\s)", after):
        return "count"
    return "other"
