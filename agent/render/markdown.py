"""The Markdown brief for an editor: the record, the summary and every finding, with the
problems flagged inline next to the number or field they are about."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from agent.output import Output
from agent.render.labels import (
    MET_WORDS,
    backend_line,
    ci_label,
    counts_line,
    design_words,
    number_display,
    result_context,
    summary_meta,
    title_of,
)
from agent.render.refs import by_field, findings, flagged, is_summary_check, valid_span
from agent.report import Check
from agent.schema import Number, TrialRecord

_ICON: dict[str, str] = {"ok": "✓", "warning": "⚠", "error": "❌"}
_STATUS_WORDS: dict[str, str] = {
    "verified": "✅ verified", "needs_review": "⚠ needs review",
    "not_a_trial": "ℹ not a trial report", "failed": "❌ failed",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def render_markdown(output: Output) -> str:
    return _MarkdownBrief(output).render()


def md(text: str | None) -> str:
    """Inline Markdown text: special characters escaped, one line."""
    if text is None:
        return ""
    flat = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_flags(checks: Iterable[Check]) -> str:
    flags = [f"{_ICON[c.severity]} {md(c.message)}" for c in flagged(checks)]
    return " " + "; ".join(flags) if flags else ""


def _heading(title: str) -> tuple[str, ...]:
    """A section heading with the blank lines around it."""
    return ("", f"## {title}", "")


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
            yield from (*_heading("Conclusion"), md(record.conclusion))
        if record.notes:
            yield from _heading("Notes")
            yield from (f"- {md(n)}" for n in record.notes)

    def identity(self, record: TrialRecord) -> Iterator[str]:
        yield from _heading("Trial")
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
        yield from _heading("Design and population")
        words = design_words(record.design)
        yield f"- **Design:** {md(', '.join(words)) or '—'}" + self.flags("/design")
        yield f"- **Population:** {md(record.population) or '—'}"
        yield f"- **Total enrolled:** {self.number(record.n_total, '/n_total')}"

    def arms(self, record: TrialRecord) -> Iterator[str]:
        if not record.arms:
            return
        yield from _heading("Arms")
        for i, arm in enumerate(record.arms):
            what = f" ({md(arm.intervention)})" if arm.intervention else ""
            n = self.number(arm.n, f"/arms/{i}/n")
            yield f"- {md(arm.label)}{what}: n = {n}" + self.flags(f"/arms/{i}")

    def primary(self, record: TrialRecord) -> Iterator[str]:
        yield from _heading("Primary endpoint")
        yield f"{md(record.primary_endpoint) or 'Not stated.'}" + self.flags("/primary_endpoint")
        yield ""
        met = MET_WORDS[record.primary_endpoint_met]
        quote = record.primary_met_quote
        said = f" — “{md(quote.text)}”" if quote is not None else ""
        yield f"**Met:** {met}{said}" + self.flags("/primary_endpoint_met")

    def results(self, record: TrialRecord) -> Iterator[str]:
        yield from _heading("Results")
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
        yield from _heading("Safety")
        for i, s in enumerate(record.safety):
            arm = f" ({md(s.arm)})" if s.arm else ""
            value = f": {self.number(s.value, f'/safety/{i}/value')}" if s.value else ""
            n = f" (n = {self.number(s.n, f'/safety/{i}/n')})" if s.n else ""
            yield f"- {md(s.event)}{arm}{value}{n}" + self.flags(f"/safety/{i}")

    def summary(self) -> Iterator[str]:
        summary = self.output.summary
        yield from _heading("Plain-language summary")
        if summary is None:
            yield "No summary was written."
            return
        yield f"### {md(summary.headline)}"
        yield ""
        body = summary.text.removeprefix(summary.headline)
        paras = [md(p) for p in re.split(r"\n\s*\n", body) if p.strip()]
        yield "\n>\n".join(f"> {p}" for p in paras)
        yield ""
        yield summary_meta(summary)
        if summary.notes:
            yield from ("", "Summary notes:", "")
            yield from (f"- {md(n)}" for n in summary.notes)
        problems = flagged(c for c in self.output.checks if is_summary_check(c))
        if problems:
            yield from ("", "Summary checks:", "")
            for c in problems:
                quoted = f" “{md(c.text)}”" if c.text else ""
                yield f"- {_ICON[c.severity]}{quoted}: {md(c.message)}"

    def findings(self) -> Iterator[str]:
        found = findings(self.output)
        yield from _heading(f"Findings ({len(found)})")
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
        yield from _heading("The record missed")
        text = self.output.source.text
        for c in missed:
            span = valid_span(c.span, text)
            excerpt = text[span[0]:span[1]] if span else (c.text or "")
            where = f" (characters {span[0]}–{span[1]})" if span else ""
            yield f"- “{md(excerpt)}”{where}"
