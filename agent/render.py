"""Render an `Output` as JSON (the contract), Markdown (a brief for an editor) or HTML (a review
page that shows every number of the record where it stands in the article).

Pure: no I/O. Renderers read the checks to mark the text and never change the output.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from agent.errors import UsageError
from agent.grounding import cited_numbers
from agent.output import Output, Source, Summary
from agent.report import Check, Severity
from agent.schema import Design, Number, Result, Span, TrialRecord

Format = Literal["json", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("json", "markdown", "html")

_RANK: dict[str, int] = {"ok": 0, "warning": 1, "error": 2}
_ICON: dict[str, str] = {"ok": "✓", "warning": "⚠", "error": "❌"}
# ❌ is an emoji that many fonts lack; the page uses a symbol every system font has
_HTML_ICON: dict[str, str] = {"ok": "✓", "warning": "⚠", "error": "✖"}
_STATUS_WORDS: dict[str, str] = {
    "verified": "✅ verified", "needs_review": "⚠ needs review", "failed": "❌ failed",
}
_HTML_STATUS: dict[str, str] = {
    "verified": "✓ verified", "needs_review": "⚠ needs review", "failed": "✖ failed",
}
_MET_WORDS: dict[str, str] = {"yes": "yes", "no": "no", "not_stated": "not stated"}


def render(output: Output, fmt: Format) -> str:
    renderers: dict[str, Callable[[Output], str]] = {
        "json": render_json, "markdown": render_markdown, "html": render_html,
    }
    renderer = renderers.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown output format {fmt!r}", hint="use json, markdown or html")
    return renderer(output)


# --------------------------------------------------------------------------------------------
# Shared: which checks belong to which number


@dataclass(frozen=True)
class NumberRef:
    """A number the record cites, the checks on its field, and where it stands in the article."""

    pointer: str
    number: Number
    span: Span | None
    checks: tuple[Check, ...]

    @property
    def severity(self) -> Severity | None:
        """The worst severity of the checks on this field; None when nothing checked it."""
        return worst(self.checks) if self.checks else None


def worst(checks: Iterable[Check]) -> Severity:
    found: Severity = "ok"
    for check in checks:
        if _RANK[check.severity] > _RANK[found]:
            found = check.severity
    return found


def valid_span(span: Span | None, text: str) -> Span | None:
    if span is None:
        return None
    start, end = span
    return (start, end) if 0 <= start < end <= len(text) else None


def by_field(checks: Iterable[Check]) -> dict[str, list[Check]]:
    grouped: dict[str, list[Check]] = {}
    for check in checks:
        grouped.setdefault(check.field, []).append(check)
    return grouped


def number_refs(output: Output) -> list[NumberRef]:
    if output.record is None:
        return []
    grouped = by_field(output.checks)
    refs = []
    for cited in cited_numbers(output.record):
        checks = tuple(grouped.get(cited.pointer, ()))
        span = valid_span(cited.number.span, output.source.text)
        if span is None:
            # no span in the record: grounding may still have found the number in the article
            found = [c.span for c in checks if c.kind == "grounding" and c.status == "grounded"]
            span = valid_span(found[0], output.source.text) if found else None
        refs.append(NumberRef(cited.pointer, cited.number, span, checks))
    return refs


def findings(output: Output) -> list[Check]:
    return [c for c in output.checks if c.severity != "ok"]


def is_summary_check(check: Check) -> bool:
    return check.field == "/summary" or check.field.startswith("/summary/")


def title_of(output: Output) -> str:
    if output.source.title:
        return output.source.title
    if output.record is not None and output.record.trial_names:
        return ", ".join(output.record.trial_names)
    return "Untitled article"


def counts_line(output: Output) -> str:
    report = output.report
    errors, warnings = len(report.errors), len(report.warnings)
    return (f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}")


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


_COMPARATOR = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def number_display(number: Number) -> str:
    """The number as the article writes it, with its comparator: '<0.001'."""
    sign = _COMPARATOR.get(number.comparator or "", "")
    text = number.text
    if sign and not text.lstrip().startswith(("<", ">", "≤", "≥")):
        return sign + text
    return text


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------------------------
# JSON


def render_json(output: Output) -> str:
    """The contract: pydantic's own serialisation, fields in declaration order, spans as
    [start, end] lists, non-ASCII characters written as themselves (valid UTF-8 JSON)."""
    return output.model_dump_json(indent=2)


# --------------------------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(text: str | None) -> str:
    """Inline Markdown text: special characters escaped, one line."""
    if text is None:
        return ""
    flat = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_flags(checks: Iterable[Check]) -> str:
    flags = [f"{_ICON[c.severity]} {md(c.message)}" for c in checks if c.severity != "ok"]
    return " " + "; ".join(flags) if flags else ""


class _MarkdownBrief:
    def __init__(self, output: Output) -> None:
        self.output = output
        self.grouped = by_field(output.checks)

    def flags(self, pointer: str) -> str:
        return md_flags(self.grouped.get(pointer, ()))

    def number(self, number: Number | None, pointer: str) -> str:
        if number is None:
            return "—"
        return md(number_display(number)) + self.flags(pointer)

    def render(self) -> str:
        lines = [*self.header()]
        if self.output.record is not None:
            lines += self.record(self.output.record)
        else:
            lines += ["", "No trial record was produced."]
        lines += self.summary()
        lines += self.findings()
        lines += self.uncovered()
        return "\n".join(lines).rstrip() + "\n"

    def header(self) -> Iterator[str]:
        out, source = self.output, self.output.source
        yield f"# {md(title_of(out))}"
        yield ""
        yield f"**Status:** {_STATUS_WORDS[out.status]} ({counts_line(out)})  "
        yield f"**Backend:** {md(backend_line(out))}  "
        where = source.url or source.path
        origin = f"{md(where)} · " if where else ""
        date = f"{md(source.date)} · " if source.date else ""
        yield f"**Source:** {origin}{date}sha256 {md(source.sha256[:12])}  "
        yield f"**Generated:** {out.generated_at.isoformat(timespec='seconds')}"
        if out.error:
            yield ""
            yield f"> **Run failed:** {md(out.error)}"

    def record(self, record: TrialRecord) -> Iterator[str]:
        yield from self.identity(record)
        yield from self.design(record)
        yield from self.arms(record)
        yield from self.primary(record)
        yield from self.results(record)
        yield from self.safety(record)
        if record.conclusion:
            yield from ("", "## Conclusion", "", md(record.conclusion))
        if record.notes:
            yield from ("", "## Notes", "")
            yield from (f"- {md(n)}" for n in record.notes)

    def identity(self, record: TrialRecord) -> Iterator[str]:
        yield from ("", "## Trial", "")
        rows = [
            ("Trial names", ", ".join(record.trial_names)),
            ("Registry ids", ", ".join(record.registry_ids)),
            ("Congress", record.congress), ("Presenter", record.presenter),
            ("Condition", record.condition),
        ]
        for label, value in rows:
            yield f"- **{label}:** {md(value) or '—'}"
        if not record.is_trial_report:
            yield "- **Note:** the article is not a report of a trial" + self.flags(
                "/is_trial_report")

    def design(self, record: TrialRecord) -> Iterator[str]:
        yield from ("", "## Design and population", "")
        words = design_words(record.design)
        yield f"- **Design:** {md(', '.join(words)) or '—'}" + self.flags("/design")
        yield f"- **Population:** {md(record.population) or '—'}"
        yield f"- **Total enrolled:** {self.number(record.n_total, '/n_total')}"

    def arms(self, record: TrialRecord) -> Iterator[str]:
        if not record.arms:
            return
        yield from ("", "## Arms", "")
        for i, arm in enumerate(record.arms):
            what = f" ({md(arm.intervention)})" if arm.intervention else ""
            n = self.number(arm.n, f"/arms/{i}/n")
            yield f"- {md(arm.label)}{what}: n = {n}" + self.flags(f"/arms/{i}")

    def primary(self, record: TrialRecord) -> Iterator[str]:
        yield from ("", "## Primary endpoint", "")
        yield f"{md(record.primary_endpoint) or 'Not stated.'}" + self.flags("/primary_endpoint")
        yield ""
        met = _MET_WORDS[record.primary_endpoint_met]
        quote = record.primary_met_quote
        said = f" — “{md(quote.text)}”" if quote is not None else ""
        yield f"**Met:** {met}{said}" + self.flags("/primary_endpoint_met")

    def results(self, record: TrialRecord) -> Iterator[str]:
        yield from ("", "## Results", "")
        if not record.results:
            yield "No results in the record."
            return
        yield "| # | Endpoint | Measure | Estimate | CI | P | Primary |"
        yield "|---|---|---|---|---|---|---|"
        for i, r in enumerate(record.results):
            base = f"/results/{i}"
            endpoint = md(r.endpoint)
            if context := result_context(r):
                endpoint += f" ({md(context)})"
            endpoint += self.flags(base)
            ci = "—"
            if r.ci_lower is not None or r.ci_upper is not None:
                ci = (f"{md(ci_label(r))} {self.number(r.ci_lower, base + '/ci_lower')} to "
                      f"{self.number(r.ci_upper, base + '/ci_upper')}")
            if r.ci_level is not None:
                ci += self.flags(base + "/ci_level")
            p = self.number(r.p, base + "/p")
            primary = {True: "yes", False: "no", None: "—"}[r.is_primary]
            estimate = self.number(r.estimate, base + "/estimate")
            if r.n is not None:
                estimate += f" (n = {self.number(r.n, base + '/n')})"
            yield (f"| {i} | {endpoint} | {md(r.measure)} | {estimate} | {ci} | {p} | "
                   f"{primary} |")

    def safety(self, record: TrialRecord) -> Iterator[str]:
        if not record.safety:
            return
        yield from ("", "## Safety", "")
        for i, s in enumerate(record.safety):
            arm = f" ({md(s.arm)})" if s.arm else ""
            value = f": {self.number(s.value, f'/safety/{i}/value')}" if s.value else ""
            n = f" (n = {self.number(s.n, f'/safety/{i}/n')})" if s.n else ""
            yield f"- {md(s.event)}{arm}{value}{n}" + self.flags(f"/safety/{i}")

    def summary(self) -> Iterator[str]:
        summary = self.output.summary
        yield from ("", "## Plain-language summary", "")
        if summary is None:
            yield "No summary was written."
            return
        yield f"### {md(summary.headline)}"
        yield ""
        body = summary.text
        if body.startswith(summary.headline):
            body = body[len(summary.headline):]
        paras = [md(p) for p in re.split(r"\n\s*\n", body) if p.strip()]
        yield "\n>\n".join(f"> {p}" for p in paras)
        yield ""
        yield summary_meta(summary)
        flagged = [c for c in self.output.checks if is_summary_check(c) and c.severity != "ok"]
        if flagged:
            yield ""
            yield "Summary checks:"
            yield ""
            for c in flagged:
                quoted = f" “{md(c.text)}”" if c.text else ""
                yield f"- {_ICON[c.severity]}{quoted}: {md(c.message)}"

    def findings(self) -> Iterator[str]:
        found = findings(self.output)
        yield from ("", f"## Findings ({len(found)})", "")
        if not found:
            yield "No findings: every check passed."
            return
        for i, c in enumerate(found, 1):
            origin = f", {c.origin}" if c.origin else ""
            yield (f"{i}. {_ICON[c.severity]} **{c.severity}** `{c.field}` "
                   f"({md(c.kind)}{origin}): {md(c.message)}")

    def uncovered(self) -> Iterator[str]:
        missed = [c for c in self.output.checks if c.status == "uncovered"]
        if not missed:
            return
        yield from ("", "## The record missed", "")
        text = self.output.source.text
        for c in missed:
            span = valid_span(c.span, text)
            excerpt = text[span[0]:span[1]] if span else (c.text or "")
            where = f" (characters {span[0]}–{span[1]})" if span else ""
            yield f"- “{md(excerpt)}”{where}"


def summary_meta(summary: Summary) -> str:
    grade = (f"{summary.reading_grade:.1f}" if summary.reading_grade is not None
             else "not computed")
    caveat = "yes" if summary.peer_review_caveat else "no"
    return (f"Reading grade: {grade} (target 8 or below) · {plural(summary.words, 'word')} · "
            f"peer-review caveat: {caveat}")


def render_markdown(output: Output) -> str:
    return _MarkdownBrief(output).render()


# --------------------------------------------------------------------------------------------
# HTML: marking spans in a text


@dataclass
class Annotation:
    """An element laid over [start, end) of a text. Crossing annotations are split into pieces;
    only the first piece carries the id, and `after` follows the last piece."""

    start: int
    end: int
    tag: str
    attrs: dict[str, str]
    ident: str | None = None
    href: str | None = None
    """Makes the text a link, unless it already stands inside another annotation's link."""
    after: str = ""
    """HTML emitted right after the annotation closes for the last time (footnote marks)."""


@dataclass
class _Open:
    index: int
    ann: Annotation
    linked: bool


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())


def annotate(text: str, annotations: list[Annotation]) -> str:
    """Escape `text` and lay the annotations over it as properly nested elements.

    Annotations are ordered outer-first by (start, -end): a container opens before what it
    contains, and where two cross, the one that starts later is closed and reopened.
    Annotations with an empty or out-of-range span are dropped.
    """
    anns = [a for a in annotations if 0 <= a.start < a.end <= len(text)]
    points = sorted({0, len(text)} | {a.start for a in anns} | {a.end for a in anns})
    order = sorted(range(len(anns)), key=lambda i: (anns[i].start, -anns[i].end, i))
    out: list[str] = []
    stack: list[_Open] = []
    opened: set[int] = set()
    for lo, hi in itertools.pairwise(points):
        active = [i for i in order if anns[i].start <= lo and hi <= anns[i].end]
        keep = 0
        while keep < min(len(stack), len(active)) and stack[keep].index == active[keep]:
            keep += 1
        out += [_close(o, lo) for o in reversed(stack[keep:])]
        del stack[keep:]
        for i in active[keep:]:
            in_link = any(o.linked for o in stack)
            o = _Open(i, anns[i], linked=anns[i].href is not None and not in_link)
            out.append(_open(o, first=i not in opened))
            opened.add(i)
            stack.append(o)
        out.append(html.escape(text[lo:hi], quote=False))
    out += [_close(o, len(text)) for o in reversed(stack)]
    return "".join(out)


def _open(o: _Open, first: bool) -> str:
    attrs = dict(o.ann.attrs)
    if first and o.ann.ident:
        attrs = {"id": o.ann.ident, **attrs}
    elif not first:
        attrs["class"] = (attrs.get("class", "") + " cont").strip()
    link = f'<a href="{html.escape(o.ann.href or "", quote=True)}">' if o.linked else ""
    return f"<{o.ann.tag}{_attrs(attrs)}>{link}"


def _close(o: _Open, at: int) -> str:
    link = "</a>" if o.linked else ""
    after = o.ann.after if at == o.ann.end else ""
    return f"{link}</{o.ann.tag}>{after}"


# --------------------------------------------------------------------------------------------
# HTML: the review page


def slug(pointer: str) -> str:
    """An id-safe form of a JSON pointer: /results/0/estimate -> results-0-estimate."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", pointer).strip("-")
    return cleaned or "root"


def span_id(span: Span, prefix: str = "src") -> str:
    return f"{prefix}-{span[0]}-{span[1]}"


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


@dataclass
class _Page:
    """Everything the page needs, worked out once: footnote numbers, marks and their links."""

    output: Output
    refs: list[NumberRef]
    found: list[Check]
    note: dict[int, int] = field(default_factory=dict)
    """id(check) -> its footnote number (1-based, the order of the findings list)."""
    grouped: dict[str, list[Check]] = field(default_factory=dict)
    target: dict[int, str] = field(default_factory=dict)
    """id(check) -> the anchor where the check is shown in a text (article or summary)."""
    ref_span: dict[str, Span] = field(default_factory=dict)
    """pointer -> the span of its mark in the article."""
    used: set[str] = field(default_factory=set)

    def unique(self, ident: str) -> str:
        """`ident`, or `ident-2`, `ident-3`... when the page already has it."""
        candidate, n = ident, 1
        while candidate in self.used:
            n += 1
            candidate = f"{ident}-{n}"
        self.used.add(candidate)
        return candidate

    @classmethod
    def of(cls, output: Output) -> _Page:
        found = findings(output)
        page = cls(output, number_refs(output), found)
        page.note = {id(c): i for i, c in enumerate(found, 1)}
        page.grouped = by_field(output.checks)
        page.ref_span = {r.pointer: r.span for r in page.refs if r.span is not None}
        return page

    def sup(self, check: Check, with_id: bool = False) -> str:
        n = self.note[id(check)]
        ident = f' id="fnref-{n}"' if with_id else ""
        return (f'<sup class="fn sev-{check.severity}"{ident}><a href="#finding-{n}" '
                f'title="{esc(check.message)}">{n}</a></sup>')

    def field_sups(self, pointer: str) -> str:
        return "".join(self.sup(c) for c in self.grouped.get(pointer, ()) if c.severity != "ok")


def _severity_class(severity: Severity | None) -> str:
    return f"sev-{severity}" if severity else "sev-none"


def _title(pointers: list[str], checks: list[Check]) -> str:
    lines = [", ".join(pointers)]
    lines += [f"{c.severity}: {c.message}" for c in checks]
    return "\n".join(lines)


def article_annotations(page: _Page) -> list[Annotation]:
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


def _number_mark(span: Span, refs: list[NumberRef], notes: list[Check], page: _Page) -> Annotation:
    checks = [c for r in refs for c in r.checks]
    checks += [c for c in notes if all(c is not k for k in checks)]
    # a finding shown on this number colours it too
    severity: Severity | None = worst(checks) if checks else None
    pointers = [r.pointer for r in refs]
    attrs = {"class": f"num {_severity_class(severity)}",
             "title": _title(pointers or ["a number the summary cites"], checks)}
    if pointers:
        attrs["data-field"] = " ".join(pointers)
    href = f"#rec-{slug(pointers[0])}" if pointers else None
    sups = "".join(page.sup(c, with_id=True) for c in notes)
    for c in notes:
        page.target[id(c)] = span_id(span)
    return Annotation(span[0], span[1], "mark", attrs, ident=span_id(span), href=href,
                      after=sups)


def _flag_region(span: Span, check: Check, page: _Page) -> Annotation:
    n = page.note[id(check)]
    page.target.setdefault(id(check), f"flag-{n}")
    attrs = {"class": f"flag sev-{check.severity} kind-{slug(check.kind)}",
             "title": f"[{n}] {check.severity}: {check.message}", "data-field": check.field}
    return Annotation(span[0], span[1], "span", attrs, ident=f"flag-{n}",
                      after=page.sup(check, with_id=True))


def summary_annotations(page: _Page, summary: Summary) -> list[Annotation]:
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


def _summary_mark(span: Span, check: Check, page: _Page) -> Annotation:
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


# --------------------------------------------------------------------------------------------
# HTML: sections


def _num_cell(page: _Page, number: Number | None, pointer: str) -> str:
    if number is None:
        return '<span class="none">—</span>'
    ref = next((r for r in page.refs if r.pointer == pointer), None)
    severity = ref.severity if ref is not None else None
    checks = page.grouped.get(pointer, [])
    title = esc(_title([pointer], checks))
    shown = esc(number_display(number))
    if number.model_text and number.model_text not in (number.text, number_display(number)):
        shown += f' <span class="model-text">(model wrote {esc(number.model_text)})</span>'
    span = page.ref_span.get(pointer)
    ident = f"rec-{slug(pointer)}"
    cls = f"num {_severity_class(severity)}"
    if span is None:
        body = (f'<span class="{cls}" id="{ident}" title="{title}">{shown}</span>'
                '<span class="nospan" title="no span in the article">∅</span>')
    else:
        body = f'<a class="{cls}" id="{ident}" href="#{span_id(span)}" title="{title}">{shown}</a>'
    return body + page.field_sups(pointer)


def _kv_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{cells}</table>'


def _opt(text: str | None) -> str:
    return esc(text) if text else '<span class="none">—</span>'


def section_record(page: _Page, record: TrialRecord) -> str:
    parts = ['<section id="record"><h2>Trial record</h2>']
    design = ", ".join(design_words(record.design))
    met = _MET_WORDS[record.primary_endpoint_met]
    quote = record.primary_met_quote
    if quote is not None:
        met += f' — <q>{esc(quote.text)}</q>'
    rows = [
        ("Trial names", _opt(", ".join(record.trial_names))),
        ("Registry ids", _opt(", ".join(record.registry_ids))),
        ("Congress", _opt(record.congress)), ("Presenter", _opt(record.presenter)),
        ("Condition", _opt(record.condition)),
        ("Design", _opt(design) + page.field_sups("/design")),
        ("Population", _opt(record.population)),
        ("Total enrolled", _num_cell(page, record.n_total, "/n_total")),
        ("Primary endpoint", _opt(record.primary_endpoint) + page.field_sups("/primary_endpoint")),
        ("Primary endpoint met", met + page.field_sups("/primary_endpoint_met")),
        ("Conclusion", _opt(record.conclusion)),
    ]
    if not record.is_trial_report:
        rows.insert(0, ("Article type", "not a trial report" + page.field_sups(
            "/is_trial_report")))
    if record.notes:
        rows.append(("Notes", "<br>".join(esc(n) for n in record.notes)))
    parts.append(_kv_table(rows))
    parts.append(_arms_table(page, record))
    parts.append(_results_table(page, record))
    parts.append(_safety_table(page, record))
    parts.append("</section>")
    return "\n".join(parts)


def _arms_table(page: _Page, record: TrialRecord) -> str:
    if not record.arms:
        return ""
    rows = "".join(
        f'<tr id="rec-arms-{i}"><td>{esc(a.label)}{page.field_sups(f"/arms/{i}")}</td>'
        f"<td>{_opt(a.intervention)}</td><td>{_num_cell(page, a.n, f'/arms/{i}/n')}</td></tr>"
        for i, a in enumerate(record.arms))
    return ("<h3>Arms</h3><table><thead><tr><th>Arm</th><th>Intervention</th><th>n</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


def _results_table(page: _Page, record: TrialRecord) -> str:
    if not record.results:
        return '<h3>Results</h3><p class="none">No results in the record.</p>'
    head = ("<tr><th>#</th><th>Endpoint</th><th>Measure</th><th>Estimate</th><th>CI</th>"
            "<th>P</th><th>n</th><th>Primary</th></tr>")
    rows = [_result_row(page, i, r) for i, r in enumerate(record.results)]
    return (f'<h3>Results</h3><table class="results"><thead>{head}</thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _result_row(page: _Page, i: int, r: Result) -> str:
    base = f"/results/{i}"
    context = result_context(r)
    endpoint = esc(r.endpoint) + (f'<div class="ctx">{esc(context)}</div>' if context else "")
    endpoint += page.field_sups(base)
    ci = '<span class="none">—</span>'
    if r.ci_lower is not None or r.ci_upper is not None:
        level = _num_cell(page, r.ci_level, base + "/ci_level") if r.ci_level else ""
        ci = (f'{level + " " if level else ""}CI <span class="ci">'
              f"{_num_cell(page, r.ci_lower, base + '/ci_lower')} to "
              f"{_num_cell(page, r.ci_upper, base + '/ci_upper')}</span>")
    primary = {True: '<span class="primary">primary</span>', False: "secondary",
               None: '<span class="none">—</span>'}[r.is_primary]
    cls = ' class="is-primary"' if r.is_primary else ""
    return (f'<tr id="rec-{slug(base)}"{cls}><td>{i}</td><td>{endpoint}</td>'
            f"<td>{esc(r.measure)}</td><td>{_num_cell(page, r.estimate, base + '/estimate')}</td>"
            f"<td>{ci}</td><td>{_num_cell(page, r.p, base + '/p')}</td>"
            f"<td>{_num_cell(page, r.n, base + '/n')}</td><td>{primary}</td></tr>")


def _safety_table(page: _Page, record: TrialRecord) -> str:
    if not record.safety:
        return ""
    rows = "".join(
        f'<tr id="rec-safety-{i}"><td>{esc(s.event)}{page.field_sups(f"/safety/{i}")}</td>'
        f"<td>{_opt(s.arm)}</td><td>{_num_cell(page, s.value, f'/safety/{i}/value')}</td>"
        f"<td>{_num_cell(page, s.n, f'/safety/{i}/n')}</td></tr>"
        for i, s in enumerate(record.safety))
    return ("<h3>Safety</h3><table><thead><tr><th>Event</th><th>Arm</th><th>Value</th>"
            f"<th>n</th></tr></thead><tbody>{rows}</tbody></table>")


def section_article(page: _Page) -> str:
    source = page.output.source
    body = annotate(source.text, article_annotations(page))
    return ('<section id="article"><h2>Article</h2>'
            f'<div class="meta">{_source_meta(source)}</div>'
            f'<div class="text article-text">{body}</div></section>')


def _source_meta(source: Source) -> str:
    bits = []
    if source.url:
        bits.append(f'<a href="{esc(source.url)}" rel="noreferrer noopener">{esc(source.url)}</a>'
                    if source.url.startswith(("http://", "https://")) else esc(source.url))
    if source.path:
        bits.append(f"<code>{esc(source.path)}</code>")
    if source.date:
        bits.append(esc(source.date))
    bits.append(f'sha256 <code title="{esc(source.sha256)}">{esc(source.sha256[:12])}</code>')
    bits.append(f"{len(source.text):,} characters")
    return " · ".join(bits)


def section_summary(page: _Page) -> str:
    summary = page.output.summary
    if summary is None:
        return ('<section id="summary"><h2>Plain-language summary</h2>'
                '<p class="none">No summary was written.</p></section>')
    body = annotate(summary.text, summary_annotations(page, summary))
    headline = ""
    if not summary.text.startswith(summary.headline):
        headline = f'<p class="headline">{esc(summary.headline)}</p>'
    unplaced = [c for c in page.found if is_summary_check(c)
                and valid_span(c.span, summary.text) is None]
    notes = "".join(f'<li class="sev-{c.severity}">{_HTML_ICON[c.severity]} {esc(c.message)} '
                    f"{page.sup(c)}</li>" for c in unplaced)
    grade = summary.reading_grade
    grade_cls = "sev-ok" if grade is not None and grade <= 8 else "sev-warning"
    return ('<section id="summary"><h2>Plain-language summary</h2>'
            f'<div class="meta"><span class="pill {grade_cls}">{esc(summary_meta(summary))}'
            f'</span></div>{headline}<div class="text summary-text">{body}</div>'
            + (f'<ul class="notes">{notes}</ul>' if notes else "") + "</section>")


def section_findings(page: _Page) -> str:
    if not page.found:
        return ('<section id="findings"><h2>Findings</h2>'
                '<p class="sev-ok pill">No findings: every check passed.</p></section>')
    items = [_finding_item(page, c) for c in page.found]
    return (f'<section id="findings"><h2>Findings ({len(page.found)})</h2>'
            f'<ol class="findings">{"".join(items)}</ol></section>')


def _finding_item(page: _Page, c: Check) -> str:
    n = page.note[id(c)]
    links = []
    target = page.target.get(id(c))
    if target is not None:
        where = "summary" if is_summary_check(c) else "article"
        links.append(f'<a href="#{target}">show in {where}</a>')
    if page.output.record is not None and not is_summary_check(c):
        rec = _record_anchor(c.field, page.output.record)
        if rec is not None:
            links.append(f'<a href="#{rec}">record</a>')
    origin = f' <span class="origin">{esc(c.origin)}</span>' if c.origin else ""
    text = f' <q>{esc(c.text)}</q>' if c.text and c.text not in c.message else ""
    return (f'<li id="finding-{n}" class="finding sev-{c.severity}">'
            f'<span class="badge sev-{c.severity}">{_HTML_ICON[c.severity]} {esc(c.severity)}'
            "</span> "
            f'<code>{esc(c.field)}</code> <span class="kind">{esc(c.kind)}</span>{origin}'
            f'<div class="msg">{esc(c.message)}{text}</div>'
            f'<div class="links">{" · ".join(links)}</div></li>')


def _record_anchor(pointer: str, record: TrialRecord) -> str | None:
    """The id of the record cell or row that shows a pointer, if the page has one."""
    m = re.fullmatch(r"/(results|arms|safety)/(\d+)(/\w+)?", pointer)
    if m:
        sizes = {"results": len(record.results), "arms": len(record.arms),
                 "safety": len(record.safety)}
        if int(m.group(2)) >= sizes[m.group(1)]:
            return None
        if pointer in {c.pointer for c in cited_numbers(record)}:
            return f"rec-{slug(pointer)}"
        return f"rec-{m.group(1)}-{m.group(2)}"
    if pointer == "/n_total" and record.n_total is not None:
        return "rec-n-total"
    return "record" if pointer.startswith("/") and pointer != "/" else None


def section_header(output: Output) -> str:
    status = output.status
    run = []
    if output.prompts:
        run.append("prompts " + ", ".join(f"{esc(k)} {esc(v)}" for k, v in output.prompts.items()))
    if output.usage:
        tokens = sum(u.prompt_tokens + u.completion_tokens for u in output.usage)
        run.append(f"{plural(len(output.usage), 'model call')}, {tokens:,} tokens")
    run.append(f"generated {esc(output.generated_at.isoformat(timespec='seconds'))}")
    run.append(f"schema {esc(output.schema_version)}")
    error = (f'<div class="error-box" role="alert"><strong>The run failed.</strong> '
             f"{esc(output.error)}</div>" if output.error else "")
    nav = "".join(f'<a href="#{s}">{t}</a>' for s, t in (
        ("article", "Article"), ("record", "Record"), ("summary", "Summary"),
        ("findings", "Findings")))
    return (f'<header><h1>{esc(title_of(output))}</h1>'
            f'<div class="status-line"><span class="status status-{status}">'
            f"{esc(_HTML_STATUS[status])}</span> <span>{esc(counts_line(output))}</span>"
            f' <span class="backend">backend <strong>{esc(output.backend.name)}</strong>'
            f'{" · model " + esc(output.backend.model) if output.backend.model else ""}'
            f'</span></div><div class="meta">{" · ".join(run)}</div>{error}'
            f"<nav>{nav}</nav>{LEGEND}</header>")


LEGEND = (
    '<div class="legend"><mark class="num sev-ok">0.72</mark> number of the record found at its '
    'span · <mark class="num sev-warning">0.72</mark> warning · '
    '<mark class="num sev-error">0.72</mark> error · '
    '<span class="flag sev-warning">flagged passage</span><sup class="fn sev-warning">'
    "<a>1</a></sup> reason in the findings list (hover for it) · click a number to jump between "
    "the article and the record</div>"
)

CSS = """
:root { --ok:#1e7b3c; --ok-bg:#dcf3e3; --warn:#a35d00; --warn-bg:#ffefc2; --err:#b42318;
  --err-bg:#fde1de; --ink:#1d2330; --muted:#5b6475; --line:#dde1e8; --panel:#f7f8fa; }
* { box-sizing: border-box; }
body { margin:0; background:#eef0f3; color:var(--ink); line-height:1.55;
  font:15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; }
main { max-width:980px; margin:24px auto; background:#fff; padding:28px 36px 40px;
  border-radius:10px; box-shadow:0 1px 3px rgba(0,0,0,.08); }
h1 { font-size:1.45rem; line-height:1.3; margin:0 0 10px; }
h2 { font-size:1.15rem; margin:34px 0 10px; padding-bottom:6px;
  border-bottom:1px solid var(--line); }
h3 { font-size:1rem; margin:22px 0 8px; color:var(--muted); }
a { color:#1d4ed8; }
.meta { color:var(--muted); font-size:.85rem; margin:4px 0 10px; }
.status-line { display:flex; gap:14px; align-items:center; flex-wrap:wrap; }
.status { font-weight:600; padding:3px 10px; border-radius:999px; }
.status-verified { background:var(--ok-bg); color:var(--ok); }
.status-needs_review { background:var(--warn-bg); color:var(--warn); }
.status-failed { background:var(--err-bg); color:var(--err); }
.backend { color:var(--muted); }
nav { display:flex; gap:16px; margin:12px 0; font-size:.9rem; }
.legend { background:var(--panel); border:1px solid var(--line); border-radius:6px;
  padding:8px 12px; font-size:.82rem; color:var(--muted); }
.error-box { background:var(--err-bg); color:var(--err); border:1px solid #f5b5ae;
  border-radius:6px; padding:10px 14px; margin:10px 0; }
.text { white-space:pre-wrap; overflow-wrap:anywhere; background:var(--panel);
  border:1px solid var(--line); border-radius:6px; padding:16px 20px; font-size:.95rem; }
mark.num { border-radius:3px; padding:0 2px; color:inherit; }
mark.num a, a.num { color:inherit; text-decoration:none; }
.num.sev-ok { background:var(--ok-bg); box-shadow:inset 0 -2px 0 var(--ok); }
.num.sev-warning { background:var(--warn-bg); box-shadow:inset 0 -2px 0 var(--warn); }
.num.sev-error { background:var(--err-bg); box-shadow:inset 0 -2px 0 var(--err); }
.num.sev-none { background:#e8ebf0; }
a.num { padding:0 3px; border-radius:3px; font-variant-numeric:tabular-nums; }
.flag { border-bottom:2px dashed; }
.flag.sev-warning { border-color:var(--warn); background:rgba(255,200,60,.12); }
.flag.sev-error { border-color:var(--err); background:rgba(220,50,40,.08); }
.flag.kind-injection { background:repeating-linear-gradient(135deg, rgba(255,200,60,.18) 0 6px,
  transparent 6px 12px); }
sup.fn { font-size:.7rem; font-weight:700; margin:0 1px; }
sup.fn a { text-decoration:none; padding:0 3px; border-radius:3px; color:#fff; }
sup.fn.sev-warning a { background:var(--warn); }
sup.fn.sev-error a { background:var(--err); }
.nospan { color:var(--muted); font-size:.75rem; margin-left:2px; }
.model-text { color:var(--muted); font-size:.8rem; }
table { border-collapse:collapse; width:100%; font-size:.9rem; }
th, td { text-align:left; vertical-align:top; padding:6px 8px;
  border-bottom:1px solid var(--line); }
thead th { background:var(--panel); font-weight:600; }
table.kv th { width:190px; color:var(--muted); font-weight:500; }
tr.is-primary td { background:#f5f8ff; }
table.results td:nth-child(n+4):nth-child(-n+7) { white-space:nowrap; }
.primary { font-weight:600; color:#1d4ed8; }
.ctx { color:var(--muted); font-size:.8rem; }
.none { color:#9aa1ad; }
.headline { font-weight:700; }
.pill { display:inline-block; padding:2px 10px; border-radius:999px; font-size:.82rem; }
.pill.sev-ok { background:var(--ok-bg); color:var(--ok); }
.pill.sev-warning { background:var(--warn-bg); color:var(--warn); }
ol.findings { padding-left:0; list-style:none; counter-reset:f; }
li.finding { border:1px solid var(--line); border-left:4px solid; border-radius:6px;
  padding:8px 12px; margin:8px 0; scroll-margin-top:20px; }
li.finding::before { counter-increment:f; content:counter(f) "."; font-weight:700;
  margin-right:6px; }
li.finding.sev-warning { border-left-color:var(--warn); }
li.finding.sev-error { border-left-color:var(--err); }
.badge { font-size:.75rem; font-weight:700; padding:1px 7px; border-radius:999px; }
.badge.sev-warning { background:var(--warn-bg); color:var(--warn); }
.badge.sev-error { background:var(--err-bg); color:var(--err); }
.kind, .origin { color:var(--muted); font-size:.82rem; }
.origin::before { content:"· origin "; }
.msg { margin-top:4px; }
.msg q { color:var(--muted); }
.links { font-size:.8rem; margin-top:2px; }
ul.notes { padding-left:18px; font-size:.9rem; }
ul.notes li.sev-warning { color:var(--warn); }
ul.notes li.sev-error { color:var(--err); }
:target { outline:3px solid #3b82f6; outline-offset:2px; }
footer { color:var(--muted); font-size:.8rem; margin-top:30px; }
@media print { body { background:#fff; } main { box-shadow:none; margin:0; } }
"""


def render_html(output: Output) -> str:
    page = _Page.of(output)
    article = section_article(page)  # first: it decides where each finding is shown
    summary = section_summary(page)
    if output.record is not None:
        record = section_record(page, output.record)
    else:
        record = ('<section id="record"><h2>Trial record</h2><p class="none">No trial record '
                  "was produced"
                  + (f": {esc(output.error)}" if output.error else ".") + "</p></section>")
    body = "\n".join([section_header(output), article, record, summary,
                      section_findings(page)])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title_of(output))} · trialbrief review</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        '<footer>Generated by trialbrief. Numbers are checked against the article text; '
        "a green number was found where the record says it stands, not judged true.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )
