"""Renderers: the JSON contract, the Markdown brief and the HTML review page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from agent.errors import UsageError
from agent.grounding import cited_numbers
from agent.numbers import parse_number
from agent.output import Output, Source, Summary
from agent.render import (
    FORMATS,
    Annotation,
    annotate,
    render,
    render_html,
    render_json,
    render_markdown,
)
from agent.report import Check
from agent.schema import Arm, Number, Quote, Result, Span, TrialRecord
from agent.summary_check import SummaryInput
from agent.verify import verify
from evals.cases import CASES_DIR, gold_record, load_case

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})

# --------------------------------------------------------------------------------------------
# Building outputs


def make_output(text: str, record: TrialRecord | None, summary: str | None = None, *,
                checks: list[Check] | None = None, title: str = "Test article",
                error: str | None = None) -> Output:
    if checks is None:
        report = verify(record, text, SummaryInput(summary) if summary else None) \
            if record is not None else None
        checks = report.checks if report is not None else []
    errors = any(c.severity == "error" for c in checks)
    status = "failed" if error else "needs_review" if errors else "verified"
    return Output.model_validate({
        "source": Source(title=title, sha256="0" * 64, text=text, path="x.txt"),
        "backend": {"name": "rules"}, "record": record, "checks": checks,
        "summary": Summary(headline=summary.split("\n")[0], text=summary, reading_grade=7.2,
                           words=len(summary.split())) if summary else None,
        "status": status, "error": error, "generated_at": NOW,
    })


def num(text: str, needle: str, occurrence: int = 0) -> Number:
    """A Number for the `occurrence`-th `needle` in `text`, with its span."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    comparator = "<" if needle.startswith("<") else None
    parsed = parse_number(needle.lstrip("<"), False)
    assert parsed is not None
    value = float(parsed.value)
    begin = start + (1 if comparator else 0)
    return Number(text=needle.lstrip("<"), value=value, span=(begin, start + len(needle)),
                  comparator=comparator)


ARTICLE = (
    "FOLARIS: drug X lowers events\n"
    "Presented at Heart Congress 2026.\n\n"
    "FOLARIS (NCT01234567) randomised 1,000 patients to drug X (n=500) or placebo (n=500).\n"
    "The primary endpoint occurred less often with drug X: HR 0.80 (95% CI 0.70–0.90; "
    "P<0.001).\n"
    "Hospitalisation was also lower, HR 0.75 (95% CI 0.60–0.94; P=0.01).\n\n"
    "Readers wrote <script>alert(1)</script> & asked \"why?\" {{ config }} {% if x %}."
)


def folaris_record(estimate: str = "0.80") -> TrialRecord:
    t = ARTICLE
    primary = Result(
        endpoint="major cardiovascular events", is_primary=True, measure="HR",
        estimate=num(t, "0.80") if estimate == "0.80" else Number(
            text=estimate, value=float(estimate), span=num(t, "0.80").span),
        ci_level=num(t, "95%"), ci_lower=num(t, "0.70"), ci_upper=num(t, "0.90"),
        p=num(t, "<0.001"), quote=Quote(text="HR 0.80 (95% CI 0.70–0.90; P<0.001)"),
    )
    return TrialRecord(
        trial_names=["FOLARIS"], registry_ids=["NCT01234567"], congress="Heart Congress 2026",
        arms=[Arm(label="drug X", n=num(t, "500")), Arm(label="placebo", n=num(t, "500", 1))],
        n_total=num(t, "1,000"), primary_endpoint="major cardiovascular events",
        primary_endpoint_met="yes", results=[primary],
    )


SUMMARY = ("Drug X lowered heart events\n\n"
           "In a study of 1,000 people, drug X cut the risk of heart events by 20%. "
           "About 777 people had side effects. The results are not yet peer-reviewed.")


@pytest.fixture
def folaris() -> Output:
    return make_output(ARTICLE, folaris_record(), SUMMARY)


@pytest.fixture
def quillon() -> Output:
    """A project case whose article prints a P that contradicts its CI; the record leaves out
    one result (uncovered) and misquotes another (mismatch)."""
    case = load_case(CASES_DIR / "e14-quillon-uc-trap.json")
    record = gold_record(case)
    record.results = [r for r in record.results if not (r.estimate and r.estimate.text == "1.52")]
    last = record.results[-1]
    assert last.estimate is not None
    last.estimate = Number(text="0.41", value=0.41, span=last.estimate.span)
    summary = "Remission drug helps\n\nThe drug cut flares by 44%, an odds ratio of 1.44."
    return make_output(case.text, record, summary, title=case.title)


def failed_output() -> Output:
    return make_output("Some <b>article</b> text with 12 numbers.", None,
                       error="the backend did not answer: <timeout> after 30 s")


# --------------------------------------------------------------------------------------------
# An HTML checker


@dataclass
class Capture:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return "".join(self.text)


class PageParser(HTMLParser):
    """Fails on an unbalanced or misnested tag; collects elements with their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[Capture] = []
        self.elements: list[Capture] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Capture(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Capture(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1].tag != tag:
            open_tag = self.stack[-1].tag if self.stack else None
            self.problems.append(f"</{tag}> closes <{open_tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text.append(data)

    def by_id(self) -> dict[str, Capture]:
        found: dict[str, Capture] = {}
        for e in self.elements:
            if "id" in e.attrs:
                assert e.attrs["id"] not in found, f"duplicate id {e.attrs['id']}"
                found[e.attrs["id"]] = e
        return found

    def find(self, tag: str, cls: str | None = None) -> list[Capture]:
        return [e for e in self.elements if e.tag == tag
                and (cls is None or cls in e.attrs.get("class", "").split())]


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    assert parser.problems == []
    assert [e.tag for e in parser.stack] == []
    return parser


def text_without_sups(fragment: str) -> str:
    """The text of an annotated fragment, leaving out the footnote numbers."""

    class Strip(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.out: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.depth += tag == "sup"

        def handle_endtag(self, tag: str) -> None:
            self.depth -= tag == "sup"

        def handle_data(self, data: str) -> None:
            if not self.depth:
                self.out.append(data)

    s = Strip()
    s.feed(fragment)
    s.close()
    return "".join(s.out)


def article_div(parser: PageParser) -> Capture:
    return parser.find("div", "article-text")[0]


# --------------------------------------------------------------------------------------------
# JSON


def test_json_round_trips(quillon: Output) -> None:
    text = render_json(quillon)
    assert Output.model_validate_json(text) == quillon
    assert render(quillon, "json") == text


def test_json_is_the_contract(folaris: Output) -> None:
    text = render_json(folaris)
    data = json.loads(text)
    assert list(data) == list(Output.model_fields)
    estimate = folaris.record.results[0].estimate if folaris.record else None
    assert estimate is not None and estimate.span is not None
    assert data["record"]["results"][0]["estimate"]["span"] == list(estimate.span)
    assert all(isinstance(c["span"], list) for c in data["checks"] if c["span"] is not None)
    assert "–" in text and "\\u2013" not in text  # non-ASCII stays readable
    assert text == folaris.model_dump_json(indent=2)


# --------------------------------------------------------------------------------------------
# Markdown


def test_markdown_flags_numbers_inline(quillon: Output) -> None:
    text = render_markdown(quillon)
    assert "0.41 ❌ the record says 0.41, the article says 2.3% here" in text
    assert "0.21 ⚠ P=0.21 does not agree with OR 1.44" in text
    assert "**Status:** ⚠ needs review (5 errors, 5 warnings)" in text
    assert "**Backend:** rules (no model)" in text


def test_markdown_lists_findings_and_uncovered(quillon: Output) -> None:
    text = render_markdown(quillon)
    findings = text.split("## Findings (10)")[1]
    assert "❌ **error** `/results/9/estimate`" in findings
    assert "❌ **error** `/results` (uncovered, record)" in findings
    missed = text.split("## The record missed")[1]
    assert "OR 1.52 (95% CI 1.17–1.98), P=0.002" in missed
    assert "(characters 1386–1421)" in missed


def test_markdown_shows_the_record_and_summary(folaris: Output) -> None:
    text = render_markdown(folaris)
    assert text.startswith("# Test article\n")
    assert "- **Registry ids:** NCT01234567" in text
    assert "| 0 | major cardiovascular events | HR | 0.80 | 95% CI 0.70 to 0.90 | <0.001 | yes |" \
        in text.replace("\\<", "<")
    assert "- drug X: n = 500" in text
    assert "**Met:** yes" in text
    assert "Reading grade: 7.2 (target 8 or below)" in text
    assert "777" in text.split("Summary checks:")[1]


def test_markdown_escapes_markup() -> None:
    out = make_output(ARTICLE, folaris_record(), checks=[], title="A <b>bold</b> | claim")
    text = render_markdown(out)
    assert "# A \\<b\\>bold\\</b\\> \\| claim" in text


# --------------------------------------------------------------------------------------------
# HTML


def test_html_is_balanced_with_unique_ids(quillon: Output, folaris: Output) -> None:
    for output in (quillon, folaris):
        page = render_html(output)
        assert page.startswith("<!DOCTYPE html>")
        parse(page).by_id()
        assert "<script" not in page.split("</style>")[1] or "&lt;script" in page


def test_every_cited_number_is_a_mark_of_its_text(quillon: Output, folaris: Output) -> None:
    for output in (quillon, folaris):
        assert output.record is not None
        ids = parse(render_html(output)).by_id()
        spans = {tuple(c.number.span) for c in cited_numbers(output.record) if c.number.span}
        assert spans
        for start, end in spans:
            mark = ids[f"src-{start}-{end}"]
            assert mark.tag == "mark"
            assert mark.content == output.source.text[start:end]


def test_marks_link_record_and_article_both_ways(folaris: Output) -> None:
    parser = parse(render_html(folaris))
    ids = parser.by_id()
    estimate = folaris.record.results[0].estimate  # type: ignore[union-attr]
    assert estimate is not None and estimate.span is not None
    mark = ids[f"src-{estimate.span[0]}-{estimate.span[1]}"]
    assert "num" in mark.attrs["class"] and "sev-ok" in mark.attrs["class"]
    assert "/results/0/estimate" in mark.attrs["title"]
    link = [a for a in parser.find("a") if a.attrs.get("href") == "#rec-results-0-estimate"]
    assert link and link[0].content == "0.80"
    cell = ids["rec-results-0-estimate"]
    assert cell.attrs["href"] == f"#src-{estimate.span[0]}-{estimate.span[1]}"
    # two arms cite different 500s; both are marked, each linking to its own field
    assert ids["rec-arms-0-n"].attrs["href"] != ids["rec-arms-1-n"].attrs["href"]


def test_flagged_checks_are_visible(quillon: Output) -> None:
    parser = parse(render_html(quillon))
    ids = parser.by_id()
    findings = parser.find("li", "finding")
    assert len(findings) == 10
    messages = [c for c in quillon.checks if c.severity != "ok"]
    for n, check in enumerate(messages, 1):
        item = ids[f"finding-{n}"]
        assert check.message in item.content
        assert check.severity in item.attrs["class"]
    # the tuple the record missed is a flagged region holding the numbers' text
    uncovered = next(c for c in messages if c.status == "uncovered")
    n = messages.index(uncovered) + 1
    region = ids[f"flag-{n}"]
    assert uncovered.span is not None
    assert region.content == quillon.source.text[slice(*uncovered.span)]
    assert uncovered.message in region.attrs["title"]
    assert ids[f"fnref-{n}"].tag == "sup"
    # the misquoted estimate: a red mark with its footnote
    mismatch = messages[0]
    assert mismatch.span is not None
    mark = ids[f"src-{mismatch.span[0]}-{mismatch.span[1]}"]
    assert "sev-error" in mark.attrs["class"]
    assert mismatch.message in mark.attrs["title"]


def test_tuple_level_check_nests_its_numbers(quillon: Output) -> None:
    page = render_html(quillon)
    parser = parse(page)
    p_ci = next(c for c in quillon.checks if c.kind == "p_ci_mismatch")
    n = [c for c in quillon.checks if c.severity != "ok"].index(p_ci) + 1
    region = parser.by_id()[f"flag-{n}"]
    assert p_ci.span is not None
    assert region.content == quillon.source.text[p_ci.span[0]:p_ci.span[1]]
    # the P mark inside is amber: its field carries the warning
    p = quillon.record.results[0].p  # type: ignore[union-attr]
    assert p is not None and p.span is not None
    assert "sev-warning" in parser.by_id()[f"src-{p.span[0]}-{p.span[1]}"].attrs["class"]


def test_article_text_is_escaped_and_kept(folaris: Output) -> None:
    page = render_html(folaris)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ config }} {% if x %}" in page
    parser = parse(page)
    assert not parser.find("script")
    assert text_without_sups(article_fragment(page)) == folaris.source.text


def article_fragment(page: str) -> str:
    start = page.index('<div class="text article-text">') + len('<div class="text article-text">')
    return page[start:page.index("</div></section>", start)]


def test_summary_numbers_link_to_the_article(folaris: Output) -> None:
    parser = parse(render_html(folaris))
    ids = parser.by_id()
    assert folaris.summary is not None
    grounded = [c for c in folaris.checks if c.kind == "summary_number" and c.source_span]
    assert grounded
    for check in grounded:
        assert check.span is not None and check.source_span is not None
        mark = next(m for m in parser.find("mark") if m.attrs.get("data-field") == check.field)
        assert mark.content == folaris.summary.text[check.span[0]:check.span[1]]
        link = f"src-{check.source_span[0]}-{check.source_span[1]}"
        assert link in ids
        assert any(a.attrs.get("href") == f"#{link}" and a.content == mark.content
                   for a in parser.find("a"))
    unknown = next(c for c in folaris.checks if c.text == "777")
    assert unknown.severity == "error"
    assert unknown.message in render_html(folaris)


def test_overlapping_spans_keep_nesting_and_numbers_whole() -> None:
    text = "The result was HR 0.80 (95% CI 0.70-0.90) in all of the patients enrolled."
    estimate = num(text, "0.80")
    record = TrialRecord(results=[Result(endpoint="events", measure="HR", estimate=estimate,
                                         ci_lower=num(text, "0.70"))])

    def check(span: Span, kind: str, severity: str = "warning") -> Check:
        return Check.model_validate({
            "field": "/results/0", "text": None, "status": "inconsistent", "span": span,
            "severity": severity, "message": f"{kind} <here> & \"there\"", "kind": kind})

    tuple_span = (text.index("HR"), text.index(")") + 1)
    assert estimate.span is not None
    checks = [
        check(tuple_span, "tuple"),                               # contains the numbers
        check((estimate.span[0] + 2, text.index("all")), "cuts-a-number"),  # starts mid-number
        check((text.index("result"), estimate.span[0] + 1), "ends-mid-number", "error"),
        check((text.index("in all"), len(text)), "crosses"),
        check((text.index("all of"), len(text) + 40), "out-of-range"),
        check((5, 5), "empty"),
    ]
    out = make_output(text, record, checks=checks)
    page = render_html(out)
    parser = parse(page)
    ids = parser.by_id()
    assert ids[f"src-{estimate.span[0]}-{estimate.span[1]}"].content == "0.80"
    assert text_without_sups(article_fragment(page)) == text
    assert "cuts-a-number &lt;here&gt; &amp; &quot;there&quot;" in page
    # every finding, placed or not, is listed
    assert len(parser.find("li", "finding")) == len(checks)


def test_annotate_splits_crossing_annotations() -> None:
    text = "abcdefghij"
    anns = [Annotation(0, 6, "span", {"class": "a"}, ident="a", after="<sup>1</sup>"),
            Annotation(3, 9, "em", {}, ident="b", href="#x"),
            Annotation(4, 5, "mark", {}, href="#y"),
            Annotation(8, 20, "b", {})]
    fragment = annotate(text, anns)
    parse(f"<div>{fragment}</div>")
    assert text_without_sups(fragment) == text
    assert fragment.count('id="a"') == 1 and fragment.count('id="b"') == 1
    assert fragment.count("<sup>1</sup>") == 1
    assert '<a href="#y">' not in fragment  # no link inside a link
    assert "<b" not in fragment  # out of range: dropped


def test_failed_output_renders_everywhere() -> None:
    out = failed_output()
    assert Output.model_validate_json(render(out, "json")) == out
    md = render(out, "markdown")
    assert "❌ failed" in md and "No trial record was produced." in md
    assert "the backend did not answer: \\<timeout\\> after 30 s" in md
    page = render(out, "html")
    parser = parse(page)
    assert "&lt;timeout&gt;" in page and "<timeout>" not in page
    assert parser.find("div", "error-box")
    assert text_without_sups(article_fragment(page)) == out.source.text
    assert "No summary was written." in page


def test_spans_null_and_no_summary() -> None:
    record = folaris_record()
    for result in record.results:
        result.estimate = Number(text="0.80", value=0.8)  # no span: grounding finds it
    record.arms[0].n = Number(text="12,345", value=12345)  # not in the article
    out = make_output(ARTICLE, record)
    assert out.summary is None
    parser = parse(render_html(out))
    ids = parser.by_id()
    found = next(c for c in out.checks if c.field == "/results/0/estimate")
    assert found.span is not None
    assert ids[f"src-{found.span[0]}-{found.span[1]}"].content == "0.80"
    missing = ids["rec-arms-0-n"]
    assert "sev-error" in missing.attrs["class"] and "href" not in missing.attrs
    assert "12,345 ❌" in render_markdown(out)


def test_empty_record_and_unknown_format() -> None:
    out = make_output("Nothing to see.", TrialRecord(is_trial_report=False), checks=[])
    for fmt in FORMATS:
        assert render(out, fmt)
    parse(render_html(out))
    assert "No results in the record." in render_markdown(out)
    with pytest.raises(UsageError):
        render(out, "pdf")  # type: ignore[arg-type]


def test_summary_checks_overlap_and_share_fields() -> None:
    out = make_output(ARTICLE, folaris_record(), SUMMARY)
    assert out.summary is not None
    text = out.summary.text
    twenty = text.index("20%")
    extra = [
        Check.model_validate({  # a sentence-level flag that ends inside "20%"
            "field": "/summary/sentences/1", "text": None, "status": "inconsistent",
            "span": (text.index("In a study"), twenty + 1), "severity": "error",
            "message": "ends mid-number", "kind": "summary_spin", "origin": "summary"}),
        Check.model_validate({  # a second number check on a field that already has one
            "field": "/summary/numbers/0", "text": "20%", "status": "not_found",
            "span": (twenty, twenty + 3), "severity": "error", "message": "again",
            "kind": "summary_number", "origin": "summary"}),
    ]
    out = out.model_copy(update={"checks": [*out.checks, *extra]})
    page = render_html(out)
    parse(page).by_id()  # balanced, ids unique
    start = page.index('<div class="text summary-text">') + len('<div class="text summary-text">')
    fragment = page[start:page.index("</div>", start)]
    assert text_without_sups(fragment) == text
    assert "ends mid-number" in page


def test_the_summarys_notes_reach_the_editor(folaris: Output) -> None:
    """Which sections of a model's draft the template's wording replaced is said in the brief
    and on the review page, not only in the JSON."""
    assert folaris.summary is not None
    note = "Sections of the model's draft replaced by the template's verified wording: x (y)."
    folaris.summary.notes = [note]
    assert f"- {note}" in render_markdown(folaris).split("Summary notes:")[1]
    (item,) = parse(render_html(folaris)).find("li", "summary-note")
    assert item.content == note
