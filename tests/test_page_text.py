"""A whole page copied from a browser as text: the headline where the page has one, the body
between the menus and the trailer, and a complete record read from the body only."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.backends.rules import RulesBackend
from agent.extract import extract
from agent.fetch import fetch
from agent.pagetext import headline_of, read_page
from agent.schema import TrialRecord
from agent.verify import verify

PAGE = Path(__file__).parent / "fixtures" / "articles" / "vantori-ms-page.txt"
FURNITURE = {"NMOSD", "MOGAD", "PPMS", "RRMS", "DMTs", "HEAD", "OFFICE", "BTK", "PIRA", "RMS"}


@pytest.fixture(scope="module")
def page_record() -> TrialRecord:
    return extract(fetch(str(PAGE)), RulesBackend()).record


def test_a_page_without_a_headline_line_has_no_title() -> None:
    article = fetch(str(PAGE))
    assert article.title is None  # never the first paragraph, a menu or a breadcrumb


def test_the_body_ends_before_the_trailer() -> None:
    text = PAGE.read_text(encoding="utf-8")
    page = read_page(text)
    assert text[page.body_start:].startswith("In a small randomised")
    assert text[page.body_end:].startswith("« Previous Article")


def test_the_record_of_a_copied_page(page_record: TrialRecord) -> None:
    record = page_record
    assert record.trial_names == ["VANTORI-MS"]
    assert not FURNITURE & set(" ".join(record.trial_names).split())
    assert record.n_total is not None and record.n_total.text == "24"
    assert [arm.label for arm in record.arms] == ["2 million cells/kg", "saline"]
    assert record.design.crossover and record.design.randomised
    assert record.design.placebo_controlled
    assert record.primary_endpoint == "multimodal evoked potential score at 9 months"
    assert record.primary_endpoint_met == "no"
    assert record.presenter == "Ingrid Solvang-Berg" and record.congress == "ECTRIMS 2026"
    assert record.condition == "progressive multiple sclerosis"


def test_the_primary_result_is_marked_primary(page_record: TrialRecord) -> None:
    (primary,) = [r for r in page_record.results if r.is_primary]
    assert primary.estimate is not None and primary.estimate.text == "-0.28"
    assert primary.p is not None and primary.p.text == "0.62"


def test_directions_and_safety(page_record: TrialRecord) -> None:
    directions = {r.estimate.text: r.direction for r in page_record.results if r.estimate}
    # 'fell by 18.4%' and 'rose by 2.1%' are not two bare positive numbers
    assert directions["18.4%"] == "decrease" and directions["2.1%"] == "increase"
    (finding,) = page_record.safety
    assert finding.value is not None and finding.value.text == "20.8%"
    assert "headache" in finding.event


def test_nothing_from_the_trailer_or_the_references(page_record: TrialRecord) -> None:
    text = PAGE.read_text(encoding="utf-8")
    end = read_page(text).body_end
    for result in page_record.results:
        assert result.quote is not None and result.quote.span is not None
        assert result.quote.span[1] <= end
    assert all(r.estimate is None or r.estimate.text != "0.48" for r in page_record.results)


def test_the_copied_page_is_verified(page_record: TrialRecord) -> None:
    report = verify(page_record, PAGE.read_text(encoding="utf-8"))
    assert report.status == "verified", report.errors


@pytest.mark.parametrize(("text", "headline"), [
    ("Skip to main content\nHome > Cardiology > ESC 2026\nLog In\n"
     "ORBIT-HF: early initiation of a new drug lowers readmissions\n\nA total of 1,200 ...",
     "ORBIT-HF: early initiation of a new drug lowers readmissions"),
    ("In order to bring you the best experience, this site uses Javascript and cookies, "
     "which your browser has disabled, so please enable them for this site to work.\n"
     "Hot Line 3: ORBIT-HF\n\n31 Aug 2026\nThe trial enrolled ...", "Hot Line 3: ORBIT-HF"),
    ("N Engl J Med\nORBIT-HF: early initiation lowers readmissions\nMay 2, 2026\n",
     "ORBIT-HF: early initiation lowers readmissions"),
    ("Early initiation of the drug lowered readmissions in the ORBIT-HF trial, presented at "
     "ESC 2026 by investigators from ten countries.\nMore text.", None),
])
def test_headlines_of_copied_pages(text: str, headline: str | None) -> None:
    assert headline_of(text) == headline


def test_a_sources_line_above_the_article_ends_nothing() -> None:
    from agent.document import analyse

    text = ("Sources:\nORBIT-HF: early initiation lowers readmissions\n\nIn ORBIT-HF, 1,200 "
            "patients were randomised; readmissions fell (HR 0.80; 95% CI 0.70-0.91).\n")
    doc = analyse(text)
    assert doc.body_end == len(text) and len(doc.tuples) == 1
