"""Where the page marks things in the texts: each number of the record at its span in the
article, each flagged passage with its footnote, and the numbers of the summary, linked to the
article number they match."""

from __future__ import annotations

from collections.abc import Iterable

from agent.output import Summary
from agent.render.page import Page, hover_title, severity_class, slug, span_id
from agent.render.refs import NumberRef, is_summary_check, valid_span, worst
from agent.render.spans import Annotation
from agent.report import Check, Severity
from agent.schema import Span


def article_annotations(page: Page) -> list[Annotation]:
    text = page.output.source.text
    spans: dict[Span, list[NumberRef]] = {}
    for ref in page.refs:
        if ref.span is not None:
            spans.setdefault(ref.span, []).append(ref)
    # summary numbers link to the article number they match: make sure it has an anchor
    for check in page.output.checks:
        src = valid_span(check.source_span, text) if is_summary_check(check) else None
        if src is not None:
            spans.setdefault(src, [])
    after: dict[Span, list[Check]] = {s: [] for s in spans}
    flags: list[tuple[Span, Check]] = []
    for check in page.found:
        if is_summary_check(check):
            continue
        span = valid_span(check.span, text)
        holder = _holder(span, check, spans, page.ref_span)
        if holder is not None:
            after[holder].append(check)
        elif span is not None:
            flags.append((_widen(span, spans), check))
    anns = [_number_mark(span, refs, after[span], page) for span, refs in spans.items()]
    anns += [_flag_region(span, check, page) for span, check in flags]
    return anns


def summary_annotations(page: Page, summary: Summary) -> list[Annotation]:
    text = summary.text
    anns: list[Annotation] = []
    if summary.headline and text.startswith(summary.headline):
        anns.append(Annotation(0, len(summary.headline), "span", {"class": "headline"}))
    placed = [(valid_span(c.span, text), c) for c in page.output.checks if is_summary_check(c)]
    numbers = [(span, c) for span, c in placed
               if span is not None and (c.kind == "summary_number" or c.severity == "ok")]
    anns += [_summary_mark(span, c, page) for span, c in numbers]
    number_spans = [span for span, _ in numbers]
    marked = {id(c) for _, c in numbers}
    for span, check in placed:
        if span is not None and id(check) not in marked:
            anns.append(_flag_region(_widen(span, number_spans), check, page))
    return anns


def _holder(span: Span | None, check: Check, spans: dict[Span, list[NumberRef]],
            ref_span: dict[str, Span]) -> Span | None:
    """The number mark a check is shown on: the one its span lies within, or (for a check
    without a span) the mark of the number it is about."""
    if span is not None:
        inside = [s for s in spans if s[0] <= span[0] and span[1] <= s[1]]
        return min(inside, key=lambda s: s[1] - s[0]) if inside else None
    return ref_span.get(check.field)


def _widen(span: Span, spans: Iterable[Span]) -> Span:
    """Stretch a flagged region over any number it cuts through, so that numbers stay whole."""
    start, end = span
    for s, e in spans:
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    return start, end


def _number_mark(span: Span, refs: list[NumberRef], notes: list[Check], page: Page) -> Annotation:
    checks = [c for r in refs for c in r.checks]
    checks += [c for c in notes if all(c is not k for k in checks)]
    # a finding shown on this number colours it too
    severity: Severity | None = worst(checks) if checks else None
    pointers = [r.pointer for r in refs]
    attrs = {"class": f"num {severity_class(severity)}",
             "title": hover_title(pointers or ["a number the summary cites"], checks)}
    if pointers:
        attrs["data-field"] = " ".join(pointers)
    href = f"#rec-{slug(pointers[0])}" if pointers else None
    sups = "".join(page.sup(c, with_id=True) for c in notes)
    for c in notes:
        page.target[id(c)] = span_id(span)
    return Annotation(span[0], span[1], "mark", attrs, ident=span_id(span), href=href,
                      after=sups)


def _flag_region(span: Span, check: Check, page: Page) -> Annotation:
    n = page.note[id(check)]
    page.target.setdefault(id(check), f"flag-{n}")
    attrs = {"class": f"flag sev-{check.severity} kind-{slug(check.kind)}",
             "title": f"[{n}] {check.severity}: {check.message}", "data-field": check.field}
    return Annotation(span[0], span[1], "span", attrs, ident=f"flag-{n}",
                      after=page.sup(check, with_id=True))


def _summary_mark(span: Span, check: Check, page: Page) -> Annotation:
    src = valid_span(check.source_span, page.output.source.text)
    href = f"#{span_id(src)}" if src is not None else None
    ident = page.unique(f"sum-{slug(check.field)}")
    after = ""
    if check.severity != "ok":
        after = page.sup(check, with_id=True)
        page.target.setdefault(id(check), ident)
    where = "" if src is None else f"\nin the article at characters {src[0]}–{src[1]}"
    attrs = {"class": f"num sev-{check.severity}", "data-field": check.field,
             "title": f"{check.field}\n{check.severity}: {check.message}{where}"}
    return Annotation(span[0], span[1], "mark", attrs, ident=ident, href=href, after=after)
