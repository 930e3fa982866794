"""Grounding: is each number of a record the number the article prints at the cited span?

Pure. One check per number: grounded, mismatch (a different value at the span or in the quote,
both values said), not_found, or ambiguous (the value occurs in several roles and no span says
which). Values compare as written, so 0.7 and 0.70 are equal and 0.70 and 0.71 are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from agent.anchor import FIELD_ROLES
from agent.document import Document, Role
from agent.numbers import INVISIBLE, Token, matching_tokens, parse_number
from agent.report import Check
from agent.schema import Number, Span, TrialRecord

DEFINITE_ROLES: frozenset[Role] = frozenset({"ci_lower", "ci_upper", "ci_level", "p"})


@dataclass(frozen=True)
class Cited:
    """A number of the record, where it lives in the record, and what it should be."""

    pointer: str
    number: Number
    field: str
    """The kind of field: estimate, ci_lower, ci_upper, ci_level, p, n, value."""
    within: Span | None = None
    """The span of the quote that holds it, when the record gives one."""


def cited_numbers(record: TrialRecord) -> Iterator[Cited]:
    if record.n_total is not None:
        yield Cited("/n_total", record.n_total, "n")
    for i, arm in enumerate(record.arms):
        if arm.n is not None:
            yield Cited(f"/arms/{i}/n", arm.n, "n")
    for i, result in enumerate(record.results):
        within = result.quote.span if result.quote else None
        for name in ("estimate", "ci_level", "ci_lower", "ci_upper", "p"):
            number = getattr(result, name)
            if number is not None:
                yield Cited(f"/results/{i}/{name}", number, name, within)
        if result.n is not None:
            yield Cited(f"/results/{i}/n", result.n, "n")
    for i, finding in enumerate(record.safety):
        if finding.value is not None:
            within = finding.quote.span if finding.quote else None
            yield Cited(f"/safety/{i}/value", finding.value, "value", within)
        if finding.n is not None:
            yield Cited(f"/safety/{i}/n", finding.n, "n")


def ground(doc: Document, cited: Cited) -> Check:
    number = cited.number
    parsed = parse_number(number.text, doc.comma_decimal)
    if parsed is None:
        return _check(cited, "not_found", "error", None,
                      f"{number.text!r} is not a number the parser can read")
    if number.value is not None and Decimal(repr(number.value)) != parsed.value:
        return _check(cited, "mismatch", "error", number.span,
                      f"the value {number.value:g} does not match its text {number.text!r}")
    if number.span is not None:
        return _ground_at_span(doc, cited, parsed.value, number.span)
    return _ground_without_span(doc, cited, parsed.value)


def _ground_at_span(doc: Document, cited: Cited, value: Decimal, span: Span) -> Check:
    start, end = span
    if not 0 <= start < end <= len(doc.text):
        return _check(cited, "not_found", "error", None,
                      f"span [{start}, {end}] lies outside the article "
                      f"({len(doc.text)} characters)")
    token = _token_covering(doc, start, end)
    if token is None:
        return _check(cited, "mismatch", "error", span,
                      f"the text at [{start}, {end}] is {doc.text[start:end]!r}, not the number "
                      f"{cited.number.text!r}")
    if token.value != value:
        return _check(cited, "mismatch", "error", token.span,
                      f"the record says {cited.number.text}, the article says {token.text} here")
    return _role_and_context(doc, cited, token)


def _token_covering(doc: Document, start: int, end: int) -> Token | None:
    for t in doc.tokens:
        if t.start <= start and end <= t.end:
            return t
        if start <= t.start and t.end <= end and doc.text[start:t.start].strip(" <>=≤≥Pp") == "":
            return t
    return None


def _role_and_context(doc: Document, cited: Cited, token: Token,
                      found: str = "found at the cited span") -> Check:
    role = doc.role(token)
    allowed = FIELD_ROLES.get(cited.field, ())
    if role in DEFINITE_ROLES and role not in allowed:
        return _check(cited, "mismatch", "error", token.span,
                      f"{token.text} is the {_role_words(role)} in the article, not the "
                      f"{_role_words(cited.field)}")
    if doc.in_injection(token.start):
        return _check(cited, "mismatch", "error", token.span,
                      f"{token.text} stands in text that reads as an instruction to the model, "
                      "not as a reported result", kind="injection")
    if doc.outside_body(token.start):
        return _check(cited, "mismatch", "error", token.span,
                      f"{token.text} is cited from the reference list")
    hidden = [c for c in token.text if c in INVISIBLE]
    if hidden:
        return _check(cited, "grounded", "warning", token.span,
                      f"{token.text!r} holds an invisible character (U+{ord(hidden[0]):04X}) "
                      "inside the number; it was read without it: check it against the original "
                      "page", kind="invisible_character")
    if token.damaged or doc.is_damaged(token.start - 4, token.end + 4):
        return _check(cited, "grounded", "warning", token.span,
                      f"{token.text} was read from text damaged by an encoding error: check it "
                      "against the original page", kind="damaged_text")
    return _check(cited, "grounded", "ok", token.span, f"{token.text} {found}")


def _role_words(role: str) -> str:
    return {"ci_lower": "lower CI bound", "ci_upper": "upper CI bound", "ci_level": "CI level",
            "p": "P value", "n": "sample size"}.get(role, role)


_LOCATED = "found in the article by its value (no span was cited; this one is now cited)"


def _ground_without_span(doc: Document, cited: Cited, value: Decimal) -> Check:
    text = cited.number.text
    matches = set(matching_tokens(doc.text, text, doc.comma_decimal))
    tokens = [t for t in doc.tokens if t in matches and not doc.outside_body(t.start)]
    if cited.within is not None:
        local = [t for t in tokens if cited.within[0] <= t.start < cited.within[1]]
        if local:
            return _role_and_context(doc, cited, local[0], _LOCATED)
        nearby = _same_role_nearby(doc, cited)
        if nearby is not None:
            return _check(cited, "mismatch", "error", nearby.span,
                          f"the record says {text}, the article prints {nearby.text} in the "
                          "quoted passage")
    if not tokens:
        return _check(cited, "not_found", "error", None,
                      f"{text} does not appear in the article")
    roles = {doc.role(t) for t in tokens}
    allowed = [t for t in tokens if doc.role(t) in FIELD_ROLES.get(cited.field, ())]
    if len(tokens) == 1 or len(roles) == 1 or len(allowed) == 1:
        return _role_and_context(doc, cited, (allowed or tokens)[0], _LOCATED)
    return _check(cited, "ambiguous", "warning", None,
                  f"{text} occurs {len(tokens)} times in different roles "
                  f"({', '.join(sorted(roles))}) and no span says which one is meant")


def _same_role_nearby(doc: Document, cited: Cited) -> Token | None:
    if cited.within is None:
        return None
    roles = FIELD_ROLES.get(cited.field, ())
    for t in doc.tokens_in(*cited.within):
        if doc.role(t) in roles[:1]:
            return t
    return None


def _check(cited: Cited, status: str, severity: str, span: Span | None, message: str,
           kind: str = "grounding") -> Check:
    return Check.model_validate({
        "field": cited.pointer, "text": cited.number.text, "status": status, "span": span,
        "severity": severity, "message": message, "kind": kind, "origin": "record",
    })


def ground_record(doc: Document, record: TrialRecord) -> list[Check]:
    return [ground(doc, cited) for cited in cited_numbers(record)]


def resolve(record: TrialRecord, pointer: str) -> object:
    """The object a JSON pointer such as /results/0/estimate names in the record."""
    node: object = record
    for part in pointer.strip("/").split("/"):
        if not part:
            continue
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return None
            node = node[int(part)]
        else:
            node = getattr(node, part, None)
        if node is None:
            return None
    return node


def with_statuses(record: TrialRecord, checks: list[Check]) -> TrialRecord:
    """A copy of the record whose numbers carry their grounding status (provenance in the
    schema), and the span grounding found for a number cited without one, so that every
    grounded number has its offsets; the checks stay the full story."""
    stamped = record.model_copy(deep=True)
    for check in checks:
        if check.origin != "record" or check.status not in GROUND_STATUSES:
            continue
        number = resolve(stamped, check.field)
        if not isinstance(number, Number):
            continue
        if number.status is None or check.severity != "ok":
            number.status = check.status  # type: ignore[assignment]
        if number.span is None and check.status == "grounded" and check.span is not None:
            number.span = check.span
    return stamped


GROUND_STATUSES = frozenset({"grounded", "not_found", "mismatch", "ambiguous"})
