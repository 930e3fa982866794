"""Approved runs as a publishable export: Markdown, HTML or JSON.

Each item is the summary an editor approved, every finding the approval stands over (an
approval may override a flag with a note; it never hides one), and a provenance footer: the
source and its hash, the backend and model, the checks' counts, who approved it and when.
`approved` reads the store it is given; the renderers are pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from agent.errors import UsageError
from agent.output import Output
from agent.render.labels import plural, title_of
from agent.render.markdown import md
from agent.render.page import esc
from agent.render.refs import findings

ExportFormat = Literal["md", "html", "json"]
MEDIA_TYPES: dict[ExportFormat, str] = {"md": "text/markdown; charset=utf-8",
                                        "html": "text/html; charset=utf-8",
                                        "json": "application/json"}


class _View(Protocol):
    @property
    def output(self) -> Output: ...


class _Approval(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def author(self) -> str: ...
    @property
    def note(self) -> str | None: ...


class ApprovalSource(Protocol):
    """What `approved` reads: agent.store.Store fits."""

    def queue(self, *, state: str | None = None) -> Sequence[Any]: ...
    def view(self, run_id: int) -> _View: ...
    def approval(self, run_id: int) -> _Approval | None: ...


@dataclass(frozen=True)
class Approved:
    run_id: int
    output: Output
    approved_by: str
    approved_at: datetime
    note: str | None = None

    def provenance(self) -> dict[str, Any]:
        source, checks = self.output.source, self.output.checks
        return {
            "run_id": self.run_id, "source_url": source.url, "source_path": source.path,
            "sha256": source.sha256, "backend": self.output.backend.name,
            "model": self.output.backend.model,
            "checks": {"passed": sum(c.severity == "ok" for c in checks),
                       "warnings": sum(c.severity == "warning" for c in checks),
                       "errors": sum(c.severity == "error" for c in checks)},
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(timespec="seconds"),
            "approval_note": self.note,
        }


def approved(store: ApprovalSource, run_id: int | None = None) -> list[Approved]:
    """The approved runs (or the one run, if it is approved), newest first."""
    ids = [run_id] if run_id is not None else [e.run_id for e in store.queue(state="approved")]
    items = []
    for ident in ids:
        approval = store.approval(ident)
        if approval is not None:  # not approved (or no longer): never exported
            items.append(Approved(ident, store.view(ident).output, approval.author, approval.at,
                                  approval.note))
    return items


def provenance_lines(item: Approved) -> list[tuple[str, str]]:
    """The footer as label, plain-text value pairs."""
    p = item.provenance()
    checks = p["checks"]
    rows = [("Source", p["source_url"] or p["source_path"] or "—"), ("sha256", p["sha256"]),
            ("Backend", p["backend"]), ("Model", p["model"] or "none"),
            ("Checks", f"{checks['passed']} passed, {plural(checks['warnings'], 'warning')}, "
                       f"{plural(checks['errors'], 'error')}"),
            ("Approved by", p["approved_by"]), ("Approved at", p["approved_at"])]
    if item.note:
        rows.append(("Approval note", item.note))
    rows.append(("Run", str(item.run_id)))
    return rows


def _paragraphs(output: Output) -> list[str]:
    summary = output.summary
    if summary is None:
        return []
    body = summary.text.removeprefix(summary.headline)
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


# -- Markdown ------------------------------------------------------------------------------

def export_markdown(items: Sequence[Approved]) -> str:
    if not items:
        return "# trialbrief export\n\nNo approved runs.\n"
    return "\n\n".join("\n".join(_markdown_item(i)) for i in items).rstrip() + "\n"


def _markdown_item(item: Approved) -> Iterator[str]:
    output = item.output
    yield f"# {md(title_of(output))}"
    yield ""
    if output.summary is None:
        yield "No summary was written."
    else:
        yield f"## {md(output.summary.headline)}"
        for paragraph in _paragraphs(output):
            yield from ("", md(paragraph))
    found = findings(output)
    if found:
        yield from ("", f"### Findings the approval stands over ({len(found)})", "")
        yield from (f"- **{c.severity}** `{c.field}`: {md(c.message)}" for c in found)
    yield from ("", "---", "", "**Provenance**", "")
    yield from (f"- **{label}:** {md(value)}" for label, value in provenance_lines(item))


# -- HTML ----------------------------------------------------------------------------------

_HTML_STYLE = (
    "body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "color:#1d2330}article{border-bottom:1px solid #dde1e8;padding-bottom:1.5rem}"
    ".sev-error{color:#b42318}.sev-warning{color:#a35d00}footer{font-size:.85rem;color:#5b6475}"
    "dt{font-weight:600;float:left;clear:left;width:9rem}dd{margin-left:10rem}")


def export_html(items: Sequence[Approved]) -> str:
    body = "\n".join(_html_item(i) for i in items) or "<p>No approved runs.</p>"
    title = esc(title_of(items[0].output)) if len(items) == 1 else "trialbrief export"
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="referrer" content="no-referrer">\n'
            f"<title>{title}</title>\n<style>{_HTML_STYLE}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")


def _html_item(item: Approved) -> str:
    output = item.output
    parts = [f'<article id="run-{item.run_id}"><h1>{esc(title_of(output))}</h1>']
    if output.summary is None:
        parts.append("<p>No summary was written.</p>")
    else:
        parts.append(f"<h2>{esc(output.summary.headline)}</h2>")
        parts += [f"<p>{esc(p)}</p>" for p in _paragraphs(output)]
    found = findings(output)
    if found:
        rows = "".join(f'<li class="sev-{c.severity}"><strong>{esc(c.severity)}</strong> '
                       f"<code>{esc(c.field)}</code>: {esc(c.message)}</li>" for c in found)
        parts.append(f"<h3>Findings the approval stands over ({len(found)})</h3><ul>{rows}</ul>")
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in provenance_lines(item))
    parts.append(f'<footer class="provenance"><h3>Provenance</h3><dl>{facts}</dl></footer>'
                 "</article>")
    return "\n".join(parts)


# -- JSON ----------------------------------------------------------------------------------

def export_json(items: Sequence[Approved]) -> str:
    runs = [{"provenance": i.provenance(), "output": i.output.model_dump(mode="json")}
            for i in items]
    return json.dumps({"runs": runs}, indent=2, ensure_ascii=False) + "\n"


EXPORTERS: dict[str, Callable[[Sequence[Approved]], str]] = {
    "md": export_markdown, "html": export_html, "json": export_json}


def render_export(items: Sequence[Approved], fmt: str) -> str:
    """`fmt`: md, html or json (a file suffix)."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise UsageError(f"unknown export format {fmt!r}", hint="use md, html or json")
    return exporter(items)
