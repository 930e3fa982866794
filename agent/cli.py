"""Command line: parse arguments -> pipeline -> render.

The only place where errors become one line and an exit code: 0 verified, 1 done but needs
review, 2 usage or input error, 3 fetch error, 4 LLM/backend error. Nothing is written half:
files are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent import __version__
from agent.backends import Backend, open_backend
from agent.config import Settings, load_settings
from agent.errors import InputError, TrialbriefError, redact
from agent.fetch import FetchSettings, fetch
from agent.files import write_atomic
from agent.newsroom.digest import Digested, digest_into
from agent.newsroom.openai_batch import digest_batched
from agent.newsroom.outdir import merge_index, output_name
from agent.newsroom.runner import Tally, run_jobs
from agent.newsroom.watch import Digesting, Pass, watch, work_forever
from agent.output import Output, Summary
from agent.pipeline import check_record, digest
from agent.render import render
from agent.schema import TrialRecord
from agent.store import Store, default_db_url

EXIT_INPUT = 2
err = Console(stderr=True, highlight=False)
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Congress news article -> checked trial record -> plain-language draft.")


class Format(StrEnum):
    json = "json"
    markdown = "markdown"
    html = "html"


class BackendChoice(StrEnum):
    openai = "openai"
    llamacpp = "llamacpp"
    rules = "rules"


FormatOpt = Annotated[Format | None, typer.Option(
    "--format", "-f", help="Output format (default: from --out's suffix, else json).")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")]
LanguageOpt = Annotated[str | None, typer.Option(
    "--language", help="The summary's language (en, de, fr; default en, or the config's).")]
StyleOpt = Annotated[Path | None, typer.Option(
    "--house-style", help="A house-style TOML file for the summary (default: the shipped one).")]
BackendOpt = Annotated[BackendChoice | None, typer.Option(help="Default: automatic.")]
ModelOpt = Annotated[str | None, typer.Option(help="Model name for the openai backend.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="The store: a SQLAlchemy URL (sqlite:///path, postgresql+psycopg://...); "
                 "default TRIALBRIEF_DB, else ~/.local/share/trialbrief/trialbrief.db.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, max=64,
                                      help="Articles digested at once.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Run again even when the store has this text with this backend, model "
                    "and prompts.")]
CongressOpt = Annotated[str | None, typer.Option(
    "--congress", help="The congress the articles come from (kept with them; a queue filter).")]


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redacting())


class _Redacting(logging.Filter):
    """Log lines pass through `redact`: a library may log a server's error body, key and all."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


@app.command("digest")
def digest_command(
    source: Annotated[str, typer.Argument(help="URL, .html/.htm/.txt/.md file, or - for stdin.")],
    backend: BackendOpt = None,
    model: ModelOpt = None,
    model_path: Annotated[Path | None, typer.Option(help="GGUF file for llamacpp.")] = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    summary: Annotated[bool, typer.Option(help="Draft the lay summary.")] = True,
    language: LanguageOpt = None,
    house_style: StyleOpt = None,
) -> None:
    """Turn one article into a checked trial record and a plain-language summary draft."""
    settings = _settings(backend, model, model_path, summary, language, house_style)
    fmt = _format(fmt, out)
    _check_writable(out)  # before the pipeline runs, not after
    with _opened(settings) as chosen:
        try:
            output = digest(source, settings, chosen, stdin=sys.stdin)
        except TrialbriefError as exc:
            if exc.partial is not None:  # save what was done, marked failed, then fail
                _emit(exc.partial, fmt, out)
            raise
    _emit(output, fmt, out)
    raise typer.Exit(output.exit_code)


@app.command("check")
def check_command(
    article: Annotated[str, typer.Argument(help="The article the record was made from.")],
    record: Annotated[Path, typer.Argument(help="RECORD.json: a record or a whole digest output.")],
    fmt: FormatOpt = None,
    out: OutOpt = None,
    language: LanguageOpt = None,
    house_style: StyleOpt = None,
) -> None:
    """Re-run the checks on a record an editor edited. Exit 1 on any error finding."""
    fmt = _format(fmt, out)
    _check_writable(out)
    fetched = fetch(article, stdin=sys.stdin)
    trial_record, summary, sha = _read_record(record)
    if sha is not None and sha != fetched.sha256:
        raise InputError(f"{record} was made from a different text than {article} (sha256 "
                         f"{sha[:12]}… vs {fetched.sha256[:12]}…): its spans would not line up",
                         hint="pass the same article the record was made from")
    output = check_record(fetched, trial_record, summary,
                          load_settings(language=language, house_style=house_style))
    _emit(output, fmt, out)
    _list_errors(output)
    raise typer.Exit(output.exit_code)


@app.command("batch")
def batch_command(
    sources: Annotated[list[str], typer.Argument(help="Articles, or a .list file of them.")],
    out_dir: Annotated[Path | None, typer.Option(
        "--out-dir", help="Also write one output per article here (and index.json).")] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    language: LanguageOpt = None,
    house_style: StyleOpt = None,
    db: DbOpt = None,
    jobs: JobsOpt = 1,
    force: ForceOpt = False,
    congress: CongressOpt = None,
    openai_batch: Annotated[bool, typer.Option(
        "--openai-batch", help="Send the model requests through the OpenAI Batch API (half "
                               "the price; answers within 24 h; the command waits).")] = False,
    batch_poll: Annotated[str, typer.Option(
        help="With --openai-batch: how often to ask whether the batch is done.")] = "60s",
) -> None:
    """Digest many articles into the store; a failed article never stops the others. A text
    already digested with the same backend, model and prompts is not run again (--force does).
    Exit: the worst code."""
    settings = _settings(backend, model, None, True, language, house_style)
    items = _expand(sources)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []

    def keep(result: Digested) -> None:
        rows.append(_batch_row(result, fmt, out_dir))

    with _opened(settings) as chosen, Store.open(db) as store:
        if openai_batch:
            tally = Tally()
            for result in digest_batched(store, items, settings, chosen, congress=congress,
                                         force=force, jobs=jobs, poll=_duration(batch_poll),
                                         on_result=keep):
                tally.add(result)
        else:
            _, tally = run_jobs(items, lambda source: digest_into(
                store, source, settings, chosen, congress=congress, force=force),
                jobs=jobs, console=err, on_result=keep)
    if out_dir is not None:
        merge_index(out_dir, rows)
    _batch_table(rows)
    err.print(f"[dim]{tally.done} digested: {tally.line()}, model calls {tally.model_calls}; "
              f"store: {escape(_db_label(db))}[/dim]")
    raise typer.Exit(max((int(str(r["exit_code"])) for r in rows), default=0))


@app.command("watch")
def watch_command(
    sources: Annotated[list[str], typer.Argument(
        help="RSS/Atom feeds, XML sitemaps or congress index pages.")],
    every: Annotated[str, typer.Option(help="Time between passes: 90s, 15m, 1h.")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    depth: Annotated[int, typer.Option(
        min=1, max=20, help="Index pages (or sitemaps) followed per source.")] = 3,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    language: LanguageOpt = None,
    house_style: StyleOpt = None,
    db: DbOpt = None,
    jobs: JobsOpt = 1,
    force: ForceOpt = False,
    congress: CongressOpt = None,
    public_only: Annotated[bool, typer.Option(
        "--public-only", help="Refuse listed links to private or loopback addresses.")] = False,
) -> None:
    """Watch congress listings: queue new or changed articles and digest them into the store.
    An article already digested is not fetched again; a failure is retried later."""
    interval = _duration(every)
    settings = _settings(backend, model, None, True, language, house_style)
    fetching = FetchSettings(allow_private=not public_only)
    with _opened(settings) as chosen, Store.open(db) as store:
        how = Digesting(settings, chosen, jobs=jobs, force=force, fetch_settings=fetching,
                        console=err)
        last = watch(store, sources, how, congress=congress, depth=depth, every=interval,
                     once=once, on_pass=_pass_line)
    raise typer.Exit(3 if last.listing_errors and not last.listed else 0)


@app.command("worker")
def worker_command(
    db: DbOpt = None,
    jobs: JobsOpt = 1,
    poll: Annotated[str, typer.Option(help="Wait between looks at an empty queue.")] = "30s",
    once: Annotated[bool, typer.Option("--once", help="Work until the queue is empty.")] = False,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    language: LanguageOpt = None,
    house_style: StyleOpt = None,
    force: ForceOpt = False,
) -> None:
    """Digest queued articles from a shared store (run one per machine against PostgreSQL)."""
    interval = _duration(poll)
    settings = _settings(backend, model, None, True, language, house_style)
    with _opened(settings) as chosen, Store.open(db) as store:
        how = Digesting(settings, chosen, jobs=jobs, force=force, console=err)
        total = work_forever(store, how, poll=interval, once=once,
                             on_round=lambda t: err.print(f"[dim]{t.done} digested: "
                                                          f"{t.line()}[/dim]"))
    err.print(f"{total.done} digested: {total.line()}")


@app.command("eval")
def eval_command(
    backend: Annotated[list[str] | None, typer.Option(help="Backends to score.")] = None,
    cases: Annotated[Path | None, typer.Option(help="A folder of cases (corpus format).")] = None,
    record: Annotated[bool, typer.Option(help="Re-record cassettes.")] = False,
    record_step: Annotated[str | None, typer.Option(
        help="Re-record one step's exchanges only (labels, extract or summary); the others "
             "replay.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write scores here.")] = None,
    gate: Annotated[bool, typer.Option(help="Fail below the pinned baseline.")] = True,
    update_baseline: Annotated[bool, typer.Option(help="Raise the pins to these scores.")] = False,
    allow_lower: Annotated[bool, typer.Option(help="Let --update-baseline lower pins.")] = False,
    summary: Annotated[bool, typer.Option(
        help="Draft and score summaries (--no-summary: records only).")] = True,
) -> None:
    """Score backends on gold cases from replayed model calls (see evals/)."""
    try:
        from evals.runner import run_cli
    except ImportError as exc:
        raise InputError("the eval runner is only available in a source checkout",
                         hint="run it from a clone of the repository") from exc
    code = run_cli(backends=backend, cases=cases, record=record, record_step=record_step,
                   report=report,
                   json_out=json_out, gate=gate, update_baseline=update_baseline,
                   allow_lower=allow_lower, console=err, summary=summary)
    raise typer.Exit(code)


@app.command("version")
def version_command() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(
        help="Address to listen on. Beyond loopback it needs --token or --proxy-user-header."
    )] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8765,
    db: DbOpt = None,
    token: Annotated[str | None, typer.Option(
        envvar="TRIALBRIEF_TOKEN", show_default=False,
        help="Shared access token (16+ characters); prefer the environment variable, which "
             "other users cannot see in the process list.")] = None,
    proxy_user_header: Annotated[str | None, typer.Option(
        help="A header a trusted reverse proxy sets to the signed-in user (X-Forwarded-User); "
             "the proxy must strip it from client requests.")] = None,
) -> None:
    """Serve the review app: the queue, the editor, approvals and exports."""
    from agent.web import checked_auth, serve  # the web stack loads for this command only

    auth = checked_auth(host, token, proxy_user_header)  # a refusal opens no database
    with Store.open(db) as store:
        serve(store, auth, host=host, port=port)


@app.command("export")
def export_command(
    fmt: FormatOpt = None,
    out: OutOpt = None,
    run: Annotated[int | None, typer.Option(
        "--run", help="One run (default: every approved run).")] = None,
    db: DbOpt = None,
) -> None:
    """Export approved runs with their provenance: Markdown, HTML or JSON."""
    from agent.render.export import approved, render_export

    fmt = _format(fmt, out)
    _check_writable(out)
    with Store.open(db) as store:
        items = approved(store, run)
    if run is not None and not items:
        raise InputError(f"run {run} is not approved: only approved runs are exported",
                         hint="approve it in the review app (trialbrief serve)")
    text = render_export(items, _suffix(fmt))
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
        err.print(f"wrote {escape(str(out))}: {len(items)} approved run(s)")


# -- helpers ---------------------------------------------------------------------------------

def _settings(backend: BackendChoice | None, model: str | None, model_path: Path | None,
              summary: bool, language: str | None = None,
              house_style: Path | None = None) -> Settings:
    return load_settings(backend=backend.value if backend else None, model=model,
                         model_path=model_path, summary=summary, language=language,
                         house_style=house_style)


@contextmanager
def _opened(settings: Settings) -> Iterator[Backend]:
    chosen = open_backend(settings)
    err.print(f"[dim]backend: {chosen.info.name}"
              + (f" ({chosen.info.model})" if chosen.info.model else "") + "[/dim]")
    try:
        yield chosen
    finally:
        chosen.close()


_SUFFIX_FORMATS = {".html": Format.html, ".htm": Format.html, ".md": Format.markdown,
                   ".markdown": Format.markdown, ".json": Format.json}


def _format(fmt: Format | None, out: Path | None) -> Format:
    """--format if given; else what --out's suffix names (out.html is HTML); else JSON."""
    if fmt is not None:
        return fmt
    return _SUFFIX_FORMATS.get(out.suffix.lower(), Format.json) if out else Format.json


def _check_writable(out: Path | None) -> None:
    """Refuse an --out that cannot be written before any work is done."""
    if out is None:
        return
    if out.is_dir():
        raise InputError(f"--out {out} is a directory", hint="give a file name")
    folder = next((p for p in (out.parent, *out.parent.parents) if p.exists()), Path("."))
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write --out {out}: {folder} is not a writable folder",
                         hint="choose another path")


def _emit(output: Output, fmt: Format, out: Path | None) -> None:
    text = render(output, fmt.value)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_atomic(out, text)
        err.print(f"wrote {escape(str(out))}")
    _status_line(output)


def _status_line(output: Output) -> None:
    report = output.report
    grounded = sum(1 for c in report.checks if c.status == "grounded")
    colour = {"verified": "green", "needs_review": "yellow", "not_a_trial": "cyan",
              "failed": "red"}[output.status]
    err.print(f"[{colour}]{output.status.replace('_', ' ')}[/{colour}]: {grounded} numbers "
              f"grounded, {len(report.errors)} errors, {len(report.warnings)} warnings")


def _list_errors(output: Output) -> None:
    for check in output.report.errors:
        err.print(f"  [red]error[/red] {check.field}: {escape(check.message)}")


def _read_record(path: Path) -> tuple[TrialRecord, Summary | None, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", hint="pass a JSON record") from exc
    try:
        if isinstance(data, dict) and "record" in data and "source" in data:
            output = Output.model_validate(data)
            if output.record is None:
                raise InputError(f"{path} holds a failed run without a record")
            return output.record, output.summary, output.source.sha256
        return TrialRecord.model_validate(data), None, None
    except ValidationError as exc:
        raise InputError(f"{path} is not a valid record: {exc.errors()[0]['msg']} at "
                         f"{'/'.join(str(p) for p in exc.errors()[0]['loc'])}",
                         hint="fix the field, or start from a digest output") from exc


def _expand(sources: list[str]) -> list[str]:
    items: list[str] = []
    for source in sources:
        if source.endswith(".list") and Path(source).is_file():
            lines = Path(source).read_text(encoding="utf-8").splitlines()
            items += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
        else:
            items.append(source)
    return items


def _batch_row(result: Digested, fmt: Format, out_dir: Path | None) -> dict[str, object]:
    if result.status == "failed":
        err.print(f"[red]failed[/red] {escape(result.source)}: {escape(result.error or '')}")
    target = ""
    if out_dir is not None and result.output is not None:
        path = out_dir / output_name(result.source, _suffix(fmt))
        write_atomic(path, render(result.output, fmt.value))
        target = str(path)
    return {"source": result.source, "status": result.status, "exit_code": result.exit_code,
            "output": target, "run_id": result.run_id, "reused": result.reused,
            "error": result.error}


def _duration(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*", text)
    if match is None:
        raise InputError(f"cannot read the duration {text!r}", hint="write e.g. 90s, 15m or 1h")
    return float(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2] or "s"]


def _pass_line(done: Pass) -> None:
    for source, error in done.listing_errors.items():
        err.print(f"[red]cannot read[/red] {escape(source)}: {escape(error)}")
    err.print(f"[dim]{done.listed} listed: {done.new} new, {done.changed} changed, "
              f"{done.known} known; {done.tally.done} digested: {done.tally.line()}[/dim]")


def _db_label(db: str | None) -> str:
    return redact(db or default_db_url())


def _suffix(fmt: Format) -> str:
    return {"json": "json", "markdown": "md", "html": "html"}[fmt.value]


def _batch_table(rows: list[dict[str, object]]) -> None:
    table = Table(title="trialbrief batch")
    for column in ("source", "status", "exit", "run", "output"):
        table.add_column(column)
    for row in rows:
        run = f"{row['run_id']}" + (" (reused)" if row["reused"] else "") if row["run_id"] else ""
        table.add_row(str(row["source"]), str(row["status"]), str(row["exit_code"]), run,
                      str(row["output"]))
    err.print(table)


def _unexpected(exc: BaseException) -> str:
    detail = redact(str(exc).strip().splitlines()[0][:200]) if str(exc).strip() else ""
    return (f"could not process the input ({type(exc).__name__}"
            + (f": {detail}" if detail else "") + "); if the input is sound, please report it")


def _tolerant_streams() -> None:
    """Under a C/POSIX locale, text with characters the terminal cannot encode (decoded from
    bad input bytes) must not crash the output: escape them instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds, so a started llama.cpp server is stopped


def main() -> None:
    """Entry point. Click handles usage errors (exit 2) and typer.Exit; trialbrief's own errors
    become one line on stderr and their exit code."""
    signal.signal(signal.SIGTERM, _terminate)
    _tolerant_streams()
    try:
        app()
    except TrialbriefError as exc:
        err.print(f"[red]error:[/red] {escape(exc.one_line())}")
        sys.exit(exc.exit_code)
    except (OSError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
        # The error boundary: whatever slipped past the stages is still one line and an exit
        # code of the contract, never a traceback (a bug: the message asks for a report).
        err.print(f"[red]error:[/red] {escape(_unexpected(exc))}")
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
