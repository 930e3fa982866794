"""Per-arm values: 'A% of patients in the X group and B% in the placebo group', 'A months with
X versus B months with placebo', each assigned to the arm its words name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from agent.document import Document
from agent.draft import DraftArm
from agent.numbers import Token
from agent.rules.layout import Layout, body_sentences
from agent.rules.text import NUM, count_text
from agent.schema import Measure, Span

_THRESHOLD_BEFORE = re.compile(
    r"(?:at\s+least|more\s+than|less\s+than|fewer\s+than|greater\s+than|below|above|over|under"
    r"|up\s+to|exceeding|between|ranged\s+from|of\s+≥|[≥≤<>])\s*$|\bLVEF\b[^.;]{0,20}$", re.I)
_THRESHOLD_AFTER = re.compile(
    r"^\s*(?:or\s+(?:more|higher|greater|lower|less|above|below)|(?:to|–|-)\s*[−-]?\d"
    r"|(?:relative|reduction|lower|higher|increase|decrease|decline|improvement|weight\s+loss"
    r"|loss|of\s+(?:their|the)\s+body))\b", re.I)
_BASELINE = re.compile(r"\b(?:were\s+women|were\s+men|were\s+female|were\s+male|mean\s+age"
                       r"|median\s+age|(?<!who\s)underwent|presented\s+with"
                       r"|of\s+the\s+people\s+enrolled)\b", re.I)
_AFTER_UNIT_VALUE = re.compile(r"\d\s?(?:kg|mg/dL|mmol/L|points?|mm\s?Hg|cm|lb)\s\($")
SAFETY_WORDS = re.compile(
    r"\badverse\b|\bdiscontinu|\bstopped\s+(?:the\s+)?(?:study\s+drug|treatment)|\bgrade\s+(?:[3-5]"
    r"|≥\s?3)|\btoxicit|\bunerwünscht|\bTherapieabbruch|\bbrachen\b", re.I)
_REF_PREPOSITION = re.compile(
    r"^(?:of\s+(?:the\s+)?(?:patients|participants|those|people|adults)\s+)?"
    r"(?:in\s+the|of\s+the|with\s+the|with|on|given|receiving|taking|assigned\s+to|treated\s+with"
    r"|allocated\s+to|who\s+received|who\s+underwent|who\s+were\s+given|while\s+(?:patients|they)"
    r"\s+took|who|during|in|unter|mit)"
    r"\s+(?P<ref>[\w][\w\s./+-]{0,50}?)(?:\s+(?:group|arm|groups|patients|dose|period|treatment))?"
    r"\s*$|^of\s+(?:the\s+)?(?P<treated>[\w-]+)-treated\s+(?:patients|participants)")
_REF_CUT = re.compile(
    r"\s(?:and|vs\.?|versus|compared|whereas|but|while|und|bzw\.|had|have|remained|reached"
    r"|achieved|were|was|showed|stopped)\s|[,;:(]|\)(?!\s*(?:of\b|assigned|in\b|given|receiving))")
_DOSE_WORD = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?[\s-]?mg\b")
_CONTROL_WORDS = frozenset({"placebo", "control", "comparator", "standard"})
# '(n = k/N)', '(k of N)': the count and denominator behind a percentage, printed after it.
_COUNT_AFTER = (r"\(\s*(?:[nN]\s?=\s?)?(?:" + NUM + r")\s?(?:/|of)\s?(?P<n>" + NUM
                + r")\s*\)")
_BRACKETED_COUNT = re.compile(r"^\s*" + _COUNT_AFTER)
# Only a connector between two values (a P value, or the count behind a percentage, in
# brackets may stand after the first).
_TIGHT = re.compile(r"^\s*(?:\(\s*[Pp]\s?[<>=≤≥][^()]{1,15}\)\s*|"
                    + _COUNT_AFTER.replace("?P<n>", "?:") + r"\s*)?\)?\s*(?:,\s*)?"
                    r"(?:and|vs\.?|versus|und|bzw\.|compared\s+with|against)?\s*(?:by\s+)?$")
_OF_THE_N = re.compile(r"^\s*(?:Of|Among|In)\s+the\s+(?P<n>" + NUM + r")\s+(?:patients|"
                       r"participants)\s+(?P<ref>[^,]{3,90}),")
_IN_THE_GROUP = re.compile(r"^\s*In\s+the\s+(?P<ref>[\w\s-]{2,40}?)\s+(?:group|arm),")
_PER = r"per\s+1(?:[,\u2009]?000|00)(?:\s+(?:patient|person)-years)?"
_UNIT = re.compile(
    r"^\s?(?:(?:months?|hours?|minutes?|days?|weeks?|years?|(?:percentage\s+)?points?|mm\s?Hg"
    r"|mmHg|kg|m\b|mL|mg/dL|mmol/L|(?:[\w-]+\s){0,4}events)(?:\s" + _PER + r")?|" + _PER + r")\b")
_NUMBER_BEFORE_EXCLUDED = re.compile(
    r"(?:\b(?:week|day|month|year|for|within|after|through|every|aged?|up\s+to|NIHSS|grade"
    r"|score\s+of|least|than|dose\s+of|baseline\s+mean\s+of|from|dem|n\s?=)|[-/×x])\s*$", re.I)
# 'at weeks 12 and 52': time points listed after a plural unit.
_TIME_LIST_BEFORE = re.compile(r"\b(?:weeks|days|months|years|Wochen|Monaten)\s+"
                               r"(?:\d+\s*(?:,|and|or|und|to|-)\s*)*$", re.I)
_PERCENT_IN_BRACKETS = re.compile(r"^\s*\(\s*[−-]?\d[\d.,·]*\s?%\s*\)")
_ARM_REF_START = re.compile(r"^\s*(?:with|on|in\s+the|for\s+the|unter|mit|while\s+(?:patients"
                            r"|they)\s+took)\b")
_CONNECTOR_AFTER = re.compile(r"^\s*(?:,\s*)?(?:versus|vs\.?|and|compared\s+with|respectively)\b"
                              r"|^\s*,\s*respectively")
_CONNECTOR_BEFORE = re.compile(r"\d[^\d]{0,25}?\s(?:versus|vs\.?|and|compared\s+with)\s+$")


@dataclass(frozen=True)
class ArmValue:
    token: Token
    arm: str | None
    n: str | None
    end: int


@dataclass(frozen=True)
class ArmGroup:
    values: list[ArmValue]
    clause_start: int
    sentence: Span
    percent: bool


@dataclass(frozen=True)
class Ref:
    """What follows a per-arm value: the words naming its arm, where they end, a denominator."""

    words: str
    end: int
    n: str | None


def arm_groups(doc: Document, layout: Layout, arms: list[DraftArm]) -> list[ArmGroup]:
    """Per-arm values: 'A% of patients in the X group and B% in the placebo group'."""
    groups: list[ArmGroup] = []
    for sentence in _joined_sentences(doc, layout):
        if _BASELINE.search(doc.text[sentence[0]:sentence[1]]):
            continue
        tokens = doc.tokens_in(*sentence)
        percents = [t for t in tokens if percent_value(doc, t, sentence)
                    or _shares_percent_sign(doc, t, tokens)]
        others = [t for t in tokens if arms and _plain_value(doc, t, sentence)]
        found: list[tuple[list[Token], bool]] = [(r, True) for r in _runs(doc, percents)]
        found += [(r, False) for r in _runs(doc, others) if len(r) >= 2]
        found.sort(key=lambda item: item[0][0].start)
        previous_end = sentence[0]
        for run, percent in found:
            pieces = _chunks(doc, run, arms) if arms else _pairs(doc, run)
            for chunk in pieces:
                values = _assign(doc, chunk, arms, sentence, percent)
                if all(v.arm is None for v in values):  # no group named: '..., respectively'
                    values = (_respectively(doc, chunk, sentence, groups, percent)
                              or _respectively_listed(doc, chunk, sentence, percent) or values)
                if values:
                    start = clause_start(doc, previous_end, chunk[0].start)
                    groups.append(ArmGroup(values, start, sentence, percent))
                previous_end = max(previous_end, max(v.end for v in values) if values
                                   else chunk[-1].end)
    return groups


def per_arm_measure(clause: str, percent: bool) -> Measure:
    if re.search(r"\bmedian\b", clause, re.I):
        return "other"
    if re.search(r"\bchang|\bfell\s+by|\bfallen\s+by|\brisen\s+by|\brose\s+by|\bdeclined\s+by"
                 r"|\bimproved\s+by|\blost\b", clause, re.I):
        return "mean change"
    return "percent" if percent else "other"


def clause_start(doc: Document, previous_end: int, first_value: int) -> int:
    """Where the clause of a value at `first_value` starts: after the last ';' or ':' since
    `previous_end`, past spaces, commas and closing brackets."""
    segment = doc.text[previous_end:first_value]
    cut = max(segment.rfind(";"), segment.rfind(":"))
    start = previous_end + cut + 1 if cut >= 0 else previous_end
    while start < first_value and doc.text[start] in " ,)]":
        start += 1
    return start


# --- which values ---------------------------------------------------------------------------------

def _joined_sentences(doc: Document, layout: Layout) -> list[Span]:
    """Sentences, rejoined where the splitter broke after an abbreviation ('9,6% bzw. 8,8%')."""
    joined: list[Span] = []
    for span in body_sentences(doc, layout):
        previous = joined[-1] if joined else None
        if previous and span[0] - previous[1] <= 2 and re.search(
                r"\b(?:bzw|ca|vgl|resp|approx)\.$", doc.text[previous[0]:previous[1]]):
            joined[-1] = (joined[-1][0], span[1])
        else:
            joined.append(span)
    return joined


_SHARED_SIGN = re.compile(r"^\s+(?:versus|vs\.?|und|and|bzw\.?|or|oder|to)\s+$")


def _shares_percent_sign(doc: Document, t: Token, tokens: list[Token]) -> bool:
    """'A.B versus C.D%', 'A,B bzw. C,D%': the sign printed once serves both numbers."""
    if t.percent or t.kind != "number" or not t.decimals:
        return False
    nxt = next((u for u in tokens if u.start > t.start), None)
    return (nxt is not None and nxt.percent and nxt.decimals == t.decimals
            and bool(_SHARED_SIGN.match(doc.text[t.end:nxt.start])))


# '..., respectively', '... in each respective arm': values in the order the groups were named.
_RESPECTIVELY = re.compile(r"\brespectively\b|\b(?:each|the)\s+respective\s+(?:arm|group)s?\b")


def _respectively(doc: Document, run: list[Token], sentence: Span, groups: list[ArmGroup],
                  percent: bool) -> list[ArmValue]:
    """'In the second cohort the rates were A%, B% and C%, respectively': no arms known, the
    groups the sentence before named, one value each, in that order."""
    text = doc.text[sentence[0]:sentence[1]]
    if not percent or len(run) < 2 or not _RESPECTIVELY.search(text) or not groups:
        return []
    before = [g for g in groups if g.sentence[1] <= sentence[0]]
    if not before:
        return []
    last = before[-1].sentence
    return _in_order(doc, run, [v.arm for g in before if g.sentence == last for v in g.values])


# '... at A% vs B% [in <arm A> and <arm B>, respectively]': the arms listed after the values.
_LISTED_AFTER = re.compile(r"[\[(]?\s*(?:in|with|for|among|on)\s+(?:the\s+)?"
                           r"(?P<list>[^\[\]()%\d]{3,90}?),?\s+respectively")


def _respectively_listed(doc: Document, run: list[Token], sentence: Span,
                         percent: bool) -> list[ArmValue]:
    """Values followed by the groups they belong to, in order, with 'respectively'."""
    if not percent or len(run) < 2:
        return []
    m = _LISTED_AFTER.search(doc.text, run[-1].end, sentence[1])
    if m is None:
        return []
    return _in_order(doc, run, [x.strip() for x in re.split(r",\s*(?:and\s+)?|\s+and\s+",
                                                            m.group("list"))])


def _in_order(doc: Document, run: list[Token], labels: list[str | None]) -> list[ArmValue]:
    """One value per group, in order: only when the counts agree, every group has a name and
    nothing but connectors stands between the values."""
    tight = all(_TIGHT.match(doc.text[a.end:b.start]) for a, b in pairwise(run))
    if len(labels) != len(run) or not all(labels) or not tight:
        return []
    return [ArmValue(t, label, None, t.end) for t, label in zip(run, labels, strict=True)]


def percent_value(doc: Document, t: Token, sentence: Span) -> bool:
    """A percentage that is a value, not a threshold ('at least 50%') or a change's size."""
    if not t.percent or t.kind != "number" or doc.role(t) != "percent":
        return False
    before = doc.text[max(sentence[0], t.start - 30):t.start]
    after = doc.text[t.end:t.end + 30]
    if _THRESHOLD_BEFORE.search(before) or _THRESHOLD_AFTER.match(after):
        return False
    if re.search(r"\bfrom\s*$", before) and re.match(r"^\s*to\b", after):
        return False
    return not _AFTER_UNIT_VALUE.search(doc.text[max(0, t.start - 16):t.start])


def _plain_value(doc: Document, t: Token, sentence: Span) -> bool:
    """'X months with <drug>', 'X with <drug>', 'X versus Y months'."""
    if t.percent or t.kind != "number":
        return False
    if doc.role(t) == "dose":
        return _amount_after_pair(doc, t, sentence)
    if doc.role(t) not in ("other", "time", "rate", "count"):
        return False
    before = doc.text[max(sentence[0], t.start - 25):t.start]
    if (_NUMBER_BEFORE_EXCLUDED.search(before) or _THRESHOLD_BEFORE.search(before)
            or _TIME_LIST_BEFORE.search(before)):
        return False
    after = doc.text[t.end:t.end + 60]
    unit = _UNIT.match(after)
    rest = after[unit.end():] if unit else after
    rest = _PERCENT_IN_BRACKETS.sub("", rest)
    if re.match(r"^\s*(?:to|–|-)\s*\d", after):
        return False
    if _ARM_REF_START.match(rest) or _CONNECTOR_AFTER.match(rest):
        return True
    return bool(unit) and bool(_CONNECTOR_BEFORE.search(doc.text[max(sentence[0], t.start - 40):
                                                                 t.start]))


# 'the median cumulative dose was 1,240 versus 1,980 mg': a unit of mass printed once after a
# bare pair of numbers. Only a summary word (median, mean, total ...) tells an amount measured
# in each arm from the doses the arms were given ('10 versus 20 mg').
_BARE_PAIR_BEFORE = re.compile(r"(?<![\w.,])\d[\d,.]*\s+(?:versus|vs\.?|compared\s+with)\s+$")
_AMOUNT_WORDS = re.compile(r"\b(?:median|mean|average|cumulative|total)\b", re.I)


def _amount_after_pair(doc: Document, t: Token, sentence: Span) -> bool:
    before = doc.text[max(sentence[0], t.start - 40):t.start]
    return bool(_BARE_PAIR_BEFORE.search(before)
                and _AMOUNT_WORDS.search(doc.text, sentence[0], t.start))


# --- runs of values, and where they break into groups ---------------------------------------------

def _runs(doc: Document, values: list[Token]) -> list[list[Token]]:
    if not values:
        return []
    runs: list[list[Token]] = [[values[0]]]
    for prev, nxt in pairwise(values):
        between = doc.text[prev.end:nxt.start]
        if len(between) > 120 or ";" in between or re.search(
                r"\((?:HR|OR|RR|hazard|odds|risk|rate)", between):
            runs.append([nxt])
        else:
            runs[-1].append(nxt)
    return runs


def _chunks(doc: Document, run: list[Token], arms: list[DraftArm]) -> list[list[Token]]:
    """Four values for two arms are two comparisons: '(A% vs B%), as were (C% vs D%)'."""
    if len(arms) < 2:
        return [run]
    size = len(arms)
    if len(run) <= size or len(run) % size:
        return [run]
    chunks = [run[i:i + size] for i in range(0, len(run), size)]
    if all(_chunk_break(doc, a[-1], b[0]) for a, b in pairwise(chunks)):
        return chunks
    return [run]


def _chunk_break(doc: Document, last: Token, first: Token) -> bool:
    between = doc.text[last.end:first.start]
    return not _TIGHT.match(between) and bool(re.search(r"[A-Za-z]{3,}", between))


def _pairs(doc: Document, run: list[Token]) -> list[list[Token]]:
    """Without known arms, a run breaks where the words after a value's arm are not a plain
    connector: 'A% with <treatment> vs. B% without, and the higher rate ... (C% vs. D%)'."""
    pieces: list[list[Token]] = [[run[0]]]
    for prev, nxt in pairwise(run):
        if _tight(doc, prev, _ref_of(doc, prev, nxt.start), nxt) or _BRACKETED_PAIR.fullmatch(
                doc.text, prev.end, nxt.start):
            pieces[-1].append(nxt)
        else:
            pieces.append([nxt])
    return pieces


def _tight(doc: Document, prev: Token, ref: Ref, nxt: Token) -> bool:
    """Only a connector ('and', 'vs', ',') stands between `prev` (or its arm words) and `nxt`."""
    return bool(_TIGHT.match(doc.text[ref.end:nxt.start])
                or _TIGHT.match(doc.text[prev.end:nxt.start]))


# --- the words after a value, and the arm they name -----------------------------------------------

def _ref_of(doc: Document, value: Token, limit: int) -> Ref:
    """The words that follow a value up to the next value: 'of patients in the X group'."""
    raw = doc.text[value.end:limit]
    found = re.match(r"^\)?\s*of\s+(?:the\s+)?(?P<n>" + NUM + r")\b", raw)
    # 'A% (n = k/N) of patients who received X': the arm's words follow the count
    counted = _BRACKETED_COUNT.match(raw) if value.percent else None
    found = found or counted
    n = count_text(doc, value.end + found.start("n")) if found else None
    skip = counted.end() if counted else 0
    unit = _UNIT.match(raw)
    body = raw[unit.end():] if unit and not value.percent else raw[skip:]
    if not value.percent:
        body = _PERCENT_IN_BRACKETS.sub("", body)
    offset = len(raw) - len(body)
    cut = _REF_CUT.search(body)
    words = body[:cut.start()] if cut else body
    end = value.end + offset + len(words.rstrip())
    return Ref(words.strip(" )"), end, n)


# '... lower in the X group (A%) than in the Y group (B%)': the arm named before the bracket.
_ARM_BEFORE_BRACKET = re.compile(
    r"(?P<ref>\b(?:in|with|on|among|for|unter|mit)\s+(?:the\s+|der\s+|dem\s+)?[\w][\w\s./+-]{0,40}?"
    r"(?:\s+(?:group|arm|Gruppe|Arm))?)\s*\(\s*$")


# '... in the X group (A%) than in the Y group (B%)': two bracketed values, one comparison.
_BRACKETED_PAIR = re.compile(
    r"\s*\)\s*,?\s*(?:than|compared\s+with|versus|vs\.?|and|while|whereas)\s+(?:in|with|on|among"
    r"|for)\s+(?:the\s+)?[\w][\w\s./+-]{0,40}?\s*\(\s*")


def _bracket_ref(doc: Document, value: Token, sentence: Span) -> Ref | None:
    """A value alone in brackets right after the words naming its arm."""
    if not re.match(r"\s*\)", doc.text[value.end:value.end + 3]):
        return None
    m = _ARM_BEFORE_BRACKET.search(doc.text, max(sentence[0], value.start - 60), value.start)
    if m is None:
        return None
    return Ref(m.group("ref").strip(), value.end + 1, None)


def _prefix_ref(doc: Document, sentence: Span, value: Token) -> Ref | None:
    """'Of the N patients in the X group who had ..., A% had a response'."""
    prefix = doc.text[sentence[0]:value.start]
    m = _OF_THE_N.match(prefix)
    if m:
        return Ref(m.group("ref"), value.end, count_text(doc, sentence[0] + m.start("n")))
    m = _IN_THE_GROUP.match(prefix)
    if m:
        return Ref("in the " + m.group("ref") + " group", value.end, None)
    return None


def _word_set(text: str) -> set[str]:
    words = set()
    for w in re.findall(r"[A-Za-zÄÖÜäöüß][\w-]*", text):
        for part in [w, *w.split("-")]:
            part = part.lower()
            words.add(part[:-1] if len(part) > 3 and part.endswith("s") else part)
    return words


def _doses(text: str) -> set[str]:
    return {re.sub(r"[\s-]", "", d) for d in _DOSE_WORD.findall(text)}


def _arm_keys(arm: DraftArm) -> tuple[set[str], set[str]]:
    label = arm.label
    words = {w for w in _word_set(label) if len(w) > 2}
    words -= {"mg", "once", "twice", "daily", "weekly", "monthly", "every", "week", "plus", "dose",
              "single", "oral", "the", "with", "followed", "täglich", "zweimal", "einmal", "then",
              "month", "matching", "therapy", "treatment", "regimen"}
    if label.lower().startswith(("no ", "without ")):
        words |= {"no", "without", "control"}
    if "placebo" in label.lower():
        words |= {"placebo"}
    return words, _doses(label)


def match_arm(ref: str, arms: list[DraftArm], ties: bool = False) -> int | None:
    """The index of the arm that `ref` names; None when none or several do (-1 for several
    when `ties`)."""
    ref_words = _word_set(ref)
    ref_doses = _doses(ref)
    scores = []
    for i, arm in enumerate(arms):
        words, doses = _arm_keys(arm)
        score = len(words & ref_words) + 2 * len(doses & ref_doses)
        if ref_doses and doses and not doses & ref_doses:
            score = 0
        if i == len(arms) - 1 and len(arms) == 2 and ref_words & _CONTROL_WORDS and not (
                ref_words & words):
            score = max(score, 1)
        if ref_words & {"no", "without"} and not words & {"no", "without"}:
            score = 0
        scores.append(score)
    best = max(scores, default=0)
    if best == 0:
        return None
    if scores.count(best) > 1:
        return -1 if ties else None
    return scores.index(best)


# --- assigning values to arms ---------------------------------------------------------------------

def _assign(doc: Document, run: list[Token], arms: list[DraftArm], sentence: Span,
            percent: bool) -> list[ArmValue]:
    refs = []
    for i, t in enumerate(run):
        limit = run[i + 1].start if i + 1 < len(run) else min(sentence[1], t.end + 90)
        refs.append(_ref_of(doc, t, limit))
    if len(run) == 1:
        prefix = _prefix_ref(doc, sentence, run[0])
        if prefix is not None and match_arm(refs[0].words, arms) is None:
            refs[0] = Ref(prefix.words, refs[0].end, refs[0].n or prefix.n)
    for i, t in enumerate(run):
        bracketed = _bracket_ref(doc, t, sentence)
        if bracketed is not None and (not arms or match_arm(refs[i].words, arms) is None):
            refs[i] = bracketed
    matched: list[int | None] = [match_arm(r.words, arms) if arms else None for r in refs]
    for i, ref in enumerate(refs):
        by_n = [k for k, arm in enumerate(arms) if ref.n is not None and arm.n == ref.n]
        if matched[i] is None and len(by_n) == 1:
            matched[i] = by_n[0]
    _fill_by_order(doc, run, arms, sentence, refs, matched)
    out: list[ArmValue] = []
    used: set[int] = set()
    for t, ref, m in zip(run, refs, matched, strict=True):
        if m is not None and m not in used:
            used.add(m)
            arm = arms[m]
            n = ref.n or (arm.n if percent else None)
            out.append(ArmValue(t, arm.label, n, ref.end))
        elif not arms and percent:
            label = _ref_label(ref.words)
            if label is not None or (len(run) == 2 and _tight(doc, run[0], refs[0], run[1])):
                out.append(ArmValue(t, label, ref.n, ref.end))
        elif arms and percent and match_arm(ref.words, arms, ties=True) == -1:
            # 'of the N patients given <drug>' when three arms get <drug>
            label = _ref_label(ref.words)
            if label is not None and ref.n is not None:
                out.append(ArmValue(t, label, ref.n, ref.end))
    if not percent and len(out) < 2:
        return []
    if not arms and len(out) == 1 and not re.search(
            r"\b(?:group|arm)\b|\b(?:given|receiving|treated\s+with|assigned\s+to|who)\b|-treated"
            # 'in Q4W', 'in the 300 mg': a dosing code or a dose names an arm
            r"|\bin\s+(?:the\s+)?(?:[A-Z]+\d+[A-Z]*|\d+(?:[.,]\d+)?\s?mg)\b", refs[0].words):
        return []
    return out


def _fill_by_order(doc: Document, run: list[Token], arms: list[DraftArm], sentence: Span,
                   refs: list[Ref], matched: list[int | None]) -> None:
    """'A% and B% of patients, respectively', '(A% vs B%)': arms in the order listed."""
    if not arms or len(run) < 2:
        return
    if len(run) < len(arms):
        _fill_by_mention(doc, run, arms, sentence, matched)
        return
    if len(run) != len(arms):
        return
    respectively = "respectively" in doc.text[sentence[0]:sentence[1]]
    group_refs = all(re.search(r"\b(?:group|arm)\b", r.words) for r in refs)
    some = any(m is not None for m in matched)
    tight_run = all(_TIGHT.match(doc.text[a.end:b.start]) for a, b in pairwise(run))
    if (tight_run or respectively or group_refs or some) and all(
            m in (None, i) for i, m in enumerate(matched)):
        matched[:] = list(range(len(run)))
        return
    free = [i for i in range(len(arms)) if i not in matched]
    if len(free) == 1 and matched.count(None) == 1:
        matched[matched.index(None)] = free[0]


def _fill_by_mention(doc: Document, run: list[Token], arms: list[DraftArm], sentence: Span,
                     matched: list[int | None]) -> None:
    """'... in the 15 mg group achieved remission versus placebo: X% and Y%, respectively',
    '... was lower with 15 mg than with placebo: X versus Y': fewer values than arms, in the
    order the sentence names the arms (the values after a colon, or said to be respective)."""
    prefix = doc.text[sentence[0]:run[0].start]
    if not (_RESPECTIVELY.search(doc.text, run[-1].end, sentence[1])
            or re.search(r":\s*$", prefix)) or any(m is not None for m in matched):
        return
    order: list[int] = []
    for part in re.split(r"\b(?:versus|vs\.?|and|or|compared\s+with|than|with)\b|[,;]", prefix):
        m = match_arm(part, arms)
        if m is not None and m not in order:
            order.append(m)
    if len(order) == len(run):
        matched[:] = order


def _ref_label(ref: str) -> str | None:
    m = _REF_PREPOSITION.search(ref.strip())
    if m is None:
        return None
    raw = m.group("ref") or m.group("treated") or ""
    label = re.sub(r"^(?:the|those|patients|participants)\s+", "", raw.strip())
    label = re.sub(r"\s+(?:group|arm)$", "", label)
    if not label or _RESPECTIVELY.search(label) or label.lower() in (
            "patients", "participants", "those", "them", "each group", "did not", "not"):
        return None
    return label
