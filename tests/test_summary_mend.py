"""A model's summary draft mended with the template's verified wording: each section that fails
the summary checks is replaced, and sections that keep the body above the house grade."""

from __future__ import annotations

from functools import partial

from agent.house_style import load_house_style
from agent.rules.summary import template_summary
from agent.summarise import SummaryRequest, layout, mended_summary
from agent.summary_check import (
    SummaryInput,
    check_summary,
    described_numbers,
    known_numbers,
    reading_grade,
)
from agent.summary_draft import SummaryDraft
from agent.summary_facts import build_facts
from agent.verify import verify
from tests.test_summary import TEXT, draft

CAVEAT = "These results were presented at a congress and have not yet been peer-reviewed."

# A draft that passes every check: each test spoils one section of it.
GOOD = {"headline": "Tarnexin cut heart failure events",
        "standfirst": "In 1,200 people with heart failure, tarnexin lowered the risk of "
                      "hospital stays or death.",
        "tested": "Tarnexin was tested against placebo.",
        "participants": "1,200 people with heart failure took part.",
        "findings": "The main goal was met. The risk was about 24% lower with tarnexin "
                    "(hazard ratio 0.76). Death alone did not differ.",
        "side_effects": "Serious bleeding was 2.1% with tarnexin and 1.9% with placebo.",
        "meaning": "The drug may help people with heart failure. More work is needed."}


def request() -> SummaryRequest:
    record = draft()
    report = verify(record, TEXT)
    style = load_house_style()
    summary_input = partial(SummaryInput, congress_report=True, style=style)
    return SummaryRequest(build_facts(record, report, TEXT, caveat=CAVEAT), style,
                          known_numbers(record, report), described_numbers(record),
                          checks=lambda text: check_summary(summary_input(text), record, report))


def model_draft(**changed: str) -> SummaryDraft:
    return SummaryDraft.model_validate({**GOOD, **changed})


def test_the_layout_tells_where_each_section_stands_in_the_published_text() -> None:
    text, spans = layout(model_draft(), CAVEAT)
    assert text.endswith(CAVEAT)
    for name, (start, end) in spans.items():
        assert text[start:end].rstrip(".") == GOOD[name].rstrip(".")
    assert text.split("\n\n")[2] == f"{GOOD['tested']} {GOOD['participants']}"


def test_a_draft_that_passes_the_checks_is_published_whole() -> None:
    summary = mended_summary(model_draft(), request())
    assert summary.template_sections == []
    assert summary.notes == []
    assert GOOD["findings"] in summary.text


def test_a_section_with_an_invented_number_gets_the_templates_wording() -> None:
    req = request()
    summary = mended_summary(model_draft(findings="The risk was 45% lower with tarnexin."), req)
    assert summary.template_sections == ["findings"]
    template = template_summary(req.facts, req.style)
    assert template.findings in summary.text and "45%" not in summary.text
    assert GOOD["tested"] in summary.text  # the sections without a fault stay the model's
    (note,) = summary.notes
    assert note.startswith("Sections of the model's draft replaced") and "45%" in note


def test_a_claim_of_benefit_the_record_does_not_support_is_replaced() -> None:
    negative = draft(met="no", estimate="0.91", lower="0.76", upper="1.09", p="0.31")
    text = TEXT.replace("HR 0.76; 95% CI 0.62–0.93; P=0.007", "HR 0.91; 95% CI 0.76–1.09; "
                                                                "P=0.31")
    report = verify(negative, text)
    style = load_house_style()
    req = SummaryRequest(
        build_facts(negative, report, text, caveat=CAVEAT), style,
        known_numbers(negative, report), described_numbers(negative),
        checks=lambda t: check_summary(SummaryInput(t, congress_report=True, style=style),
                                       negative, report))
    spun = model_draft(headline="Tarnexin works for heart failure",
                       standfirst="Tarnexin helped 1,200 people with heart failure.",
                       findings="Death alone did not differ.")
    summary = mended_summary(spun, req)
    assert {"headline", "standfirst"} <= set(summary.template_sections)
    assert "Tarnexin works" not in summary.text and "helped" not in summary.text
    assert not [c for c in req.checks(summary.text) if c.kind == "summary_spin"]  # type: ignore[misc]


def test_a_draft_without_the_number_of_people_gets_the_templates_participants() -> None:
    summary = mended_summary(model_draft(participants="People with heart failure took part.",
                                         standfirst="Tarnexin lowered the risk of hospital "
                                                    "stays or death."), request())
    assert summary.template_sections == ["participants"]
    assert "1,200" in summary.text


def test_the_hardest_sections_go_until_the_body_reads_at_the_house_grade() -> None:
    hard = ("Randomised investigations characterising pharmacological interventions "
            "demonstrated considerable cardiovascular improvements, notwithstanding "
            "methodological considerations regarding generalisability of observations.")
    req = request()
    summary = mended_summary(model_draft(meaning=hard), req)
    assert "meaning" in summary.template_sections
    assert "grade" in summary.notes[-1]
    assert reading_grade(summary.text.partition("\n\n")[2]) <= req.style.max_grade
    assert GOOD["tested"] in summary.text


def test_without_checks_the_draft_is_published_as_the_model_wrote_it() -> None:
    req = request()
    bare = SummaryRequest(req.facts, req.style, req.known, req.described)
    spoiled = model_draft(findings="The risk was 45% lower with tarnexin.")
    assert "45%" in mended_summary(spoiled, bare).text


def test_a_draft_that_never_names_the_comparator_gets_the_templates_tested() -> None:
    req = request()
    silent = model_draft(tested="Tarnexin was tested.",
                         side_effects="Serious bleeding was 2.1% with tarnexin.")
    assert [c.kind for c in req.checks(layout(silent, CAVEAT)[0])  # type: ignore[misc]
            if c.kind.startswith("summary_missing")] == ["summary_missing_arm"]
    summary = mended_summary(silent, req)
    assert summary.template_sections == ["tested"] and "placebo" in summary.text


def test_only_the_sections_the_model_wrote_are_mended() -> None:
    """Lead mode: the body is the template's already; a fault found there is not the model's,
    and a section of the template is never listed as replaced."""
    req = request()
    lead = req.template.model_copy(update={"meaning": "The risk was 45% lower with tarnexin.",
                                             "findings": "The risk was 45% lower."})
    summary = mended_summary(lead, req, ("headline", "standfirst", "meaning"))
    assert summary.template_sections == ["meaning"]
    assert summary.model_sections == ["headline", "standfirst"]
    assert "The risk was 45% lower." in summary.text  # not the model's section: left to the checks


def test_a_lead_that_makes_the_summary_too_long_gives_way_to_the_templates() -> None:
    req = request()
    long_meaning = "The drug may help people. " * 40
    summary = mended_summary(model_draft(meaning=long_meaning), req)
    assert summary.template_sections == ["meaning"]
    assert "over the house style's 220" in summary.notes[-1]
    assert len(summary.text.split()) <= req.style.max_words
    assert GOOD["standfirst"] in summary.text  # the shorter sections stay the model's
