"""Draft -> TrialRecord: every number is re-read from the article at the place the draft cites.

The draft says "estimate '0.82', quote '(HR 0.82; 95% CI, 0.70–0.96; P=0.41)'". Here the quote
is found in the article, the number is found inside the quote, and the `Number` takes the text
and the value the parser reads *at that span*. What the model wrote is kept only as
`model_text` when it differs. A number that cannot be found keeps `span=None`; verify flags it.
"""

from __future__ import annotations

from agent.document import Document, Role, analyse, direction_at
from agent.draft import DraftRecord, DraftResult, DraftSafety
from agent.numbers import Token, matching_tokens, parse_number
from agent.schema import Arm, Design, Number, Quote, Result, SafetyFinding, Span, TrialRecord
from agent.textmatch import find_in

# Roles a field's number may have in the article, best first.
FIELD_ROLES: dict[str, tuple[Role, ...]] = {
    "estimate": ("estimate", "percent", "other", "rate", "time", "count", "n"),
    "ci_lower": ("ci_lower",),
    "ci_upper": ("ci_upper",),
    "ci_level": ("ci_level",),
    "p": ("p",),
    "n": ("n", "count", "other"),
    "value": ("percent", "estimate", "count", "other", "rate"),
}


def number_from_token(token: Token, model_text: str | None = None,
                      comparator: str | None = None) -> Number:
    cmp = comparator if comparator in ("<", "<=", ">", ">=") else None
    return Number(
        text=token.text, value=token.float_value, span=token.span,
        comparator=cmp,
        model_text=model_text if model_text is not None and model_text != token.text else None,
    )


def unanchored(raw: str, comma_decimal: bool) -> Number:
    parsed = parse_number(raw, comma_decimal)
    cmp = parsed.comparator if parsed and parsed.comparator in ("<", "<=", ">", ">=") else None
    return Number(text=raw, value=float(parsed.value) if parsed else None, span=None,
                  comparator=cmp)


def locate(doc: Document, raw: str | None, field: str, within: Span | None,
           exclude: set[Span] | frozenset[Span] = frozenset()) -> Number | None:
    """The article's own reading of the number `raw`, searched inside `within` first."""
    if raw is None or not raw.strip():
        return None
    parsed = parse_number(raw, doc.comma_decimal)
    if parsed is None:
        return Number(text=raw, value=None, span=None)
    window = within or (0, len(doc.text))
    candidates = [t for t in _candidates(doc, raw, window) if t.span not in exclude]
    found = _pick(doc, candidates, field)
    if found is None and within is not None:
        found = _pick(doc, _candidates(doc, raw, (0, len(doc.text))), field, unique_only=True)
    if found is None:
        return unanchored(raw, doc.comma_decimal)
    return number_from_token(found, raw.strip(), parsed.comparator)


def _candidates(doc: Document, raw: str, window: Span) -> list[Token]:
    segment = doc.text[window[0]:window[1]]
    local = matching_tokens(segment, raw, doc.comma_decimal)
    by_start = {t.start: t for t in doc.tokens}
    return [by_start[t.start + window[0]] for t in local if t.start + window[0] in by_start]


def _pick(doc: Document, tokens: list[Token], field: str, unique_only: bool = False
          ) -> Token | None:
    tokens = [t for t in tokens if not doc.outside_body(t.start)]
    if not tokens:
        return None
    roles = FIELD_ROLES.get(field, ())
    for role in roles:
        with_role = [t for t in tokens if doc.role(t) == role]
        if with_role and (not unique_only or len(with_role) == 1):
            return with_role[0]
    if unique_only and len(tokens) > 1:
        return None
    return tokens[0]


def locate_quote(doc: Document, quote: str | None) -> Quote | None:
    if not quote:
        return None
    span = find_in(doc.text, quote)
    return Quote(text=doc.text[span[0]:span[1]] if span else quote, span=span)


def anchor_result(doc: Document, draft: DraftResult) -> Result:
    quote = locate_quote(doc, draft.quote)
    within = quote.span if quote else None
    result = Result(
        endpoint=draft.endpoint, is_primary=draft.is_primary, measure=draft.measure,
        estimate=locate(doc, draft.estimate, "estimate", within),
        ci_level=_level(doc, draft.ci_level, within),
        ci_lower=locate(doc, draft.ci_lower, "ci_lower", within),
        ci_upper=locate(doc, draft.ci_upper, "ci_upper", within),
        p=locate(doc, draft.p, "p", within),
        timepoint=draft.timepoint, arm=draft.arm,
        n=locate(doc, draft.n, "n", None),
        comparison=draft.comparison, trial=draft.trial, quote=quote,
    )
    if result.estimate is not None and result.estimate.span is not None:
        result.direction = direction_at(doc.text, *result.estimate.span)
    return result


def _level(doc: Document, raw: str | None, within: Span | None) -> Number | None:
    """The CI level: '95%' as printed; else the level the quote prints in words ('95 percent
    confidence interval'), when it is the same value."""
    if not raw:
        return _level_in(doc, within)
    located = locate(doc, _level_text(raw), "ci_level", within)
    if located is not None and located.span is None:
        printed = _level_in(doc, within)
        if printed is not None and printed.value == located.value:
            return printed
    return located


def _level_in(doc: Document, within: Span | None) -> Number | None:
    """The CI level printed in the quote ('95% CI'), when there is exactly one."""
    if within is None:
        return None
    levels = [t for t in doc.tokens_in(*within) if doc.role(t) == "ci_level"]
    return number_from_token(levels[0]) if len(levels) == 1 else None


def _level_text(level: str | None) -> str | None:
    if level is None:
        return None
    return level if level.strip().endswith("%") else f"{level.strip()}%"


def anchor_safety(doc: Document, draft: DraftSafety) -> SafetyFinding:
    quote = locate_quote(doc, draft.quote)
    return SafetyFinding(
        event=draft.event, arm=draft.arm,
        value=locate(doc, draft.value, "value", quote.span if quote else None),
        quote=quote,
    )


def _anchor_arms(doc: Document, draft: DraftRecord) -> list[Arm]:
    """Arms of equal size ('n=1,602' twice) cite distinct occurrences, in order."""
    arms: list[Arm] = []
    used: set[Span] = set()
    for arm in draft.arms:
        number = locate(doc, arm.n, "n", None, exclude=used)
        if number is not None and number.span is not None:
            used.add(number.span)
        arms.append(Arm(label=arm.label, n=number))
    return arms


def anchor_record(draft: DraftRecord, text: str) -> TrialRecord:
    doc = analyse(text)
    return TrialRecord(
        is_trial_report=draft.is_trial_report,
        trial_names=draft.trial_names, registry_ids=draft.registry_ids,
        congress=draft.congress, presenter=draft.presenter, condition=draft.condition,
        population=draft.population, design=Design(**draft.design.model_dump()),
        arms=_anchor_arms(doc, draft),
        n_total=locate(doc, draft.n_total, "n", None),
        primary_endpoint=draft.primary_endpoint,
        primary_endpoint_met=draft.primary_endpoint_met,
        primary_met_quote=locate_quote(doc, draft.primary_met_quote),
        results=[anchor_result(doc, r) for r in draft.results],
        safety=[anchor_safety(doc, s) for s in draft.safety],
        conclusion=draft.conclusion,
    )
