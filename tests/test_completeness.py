"""What the article states and the record leaves out: each makes the record need review."""

from __future__ import annotations

import pytest

from agent.anchor import anchor_record
from agent.draft import DraftArm, DraftRecord, DraftResult, DraftSafety
from agent.schema import TrialRecord
from agent.verify import verify

TEXT = ("ORCHARD-2: a fictional trial\n"
        "A total of 1,204 patients were randomised to velmitide 20 mg or placebo. The primary "
        "endpoint was time to first flare. Flares fell (HR 0.71; 95% CI 0.60-0.84; P<0.001). "
        "Serious adverse events occurred in 4.1% and 4.3% of patients.\n")
RESULT = DraftResult(endpoint="time to first flare", is_primary=True, measure="HR",
                     estimate="0.71", ci_lower="0.60", ci_upper="0.84", p="<0.001",
                     quote="(HR 0.71; 95% CI 0.60-0.84; P<0.001)")
SAFETY = [DraftSafety(event="serious adverse events", arm=arm, value=value,
                      quote="Serious adverse events occurred in 4.1% and 4.3% of patients")
          for arm, value in (("velmitide", "4.1%"), ("placebo", "4.3%"))]


def complete(text: str = TEXT, **changes: object) -> TrialRecord:
    fields: dict[str, object] = {
        "trial_names": ["ORCHARD-2"], "n_total": "1,204", "primary_endpoint": "time to first "
        "flare", "arms": [DraftArm(label="velmitide 20 mg"), DraftArm(label="placebo")],
        "results": [RESULT], "safety": SAFETY}
    fields.update(changes)
    return anchor_record(DraftRecord.model_validate(fields), text)


def missing_kinds(record: TrialRecord, text: str = TEXT) -> set[str]:
    return {c.kind for c in verify(record, text).errors if c.kind.startswith("missing_")}


def test_a_complete_record_is_verified() -> None:
    report = verify(complete(), TEXT)
    assert report.status == "verified", report.errors


@pytest.mark.parametrize(("change", "kind"), [
    ({"primary_endpoint": None}, "missing_primary_endpoint"),
    ({"n_total": None}, "missing_n"),
    ({"arms": []}, "missing_arms"),
    ({"safety": []}, "missing_safety"),
])
def test_each_stated_item_the_record_lacks_is_an_error(change: dict[str, object],
                                                        kind: str) -> None:
    record = complete(**change)
    assert missing_kinds(record) == {kind}
    assert verify(record, TEXT).status == "needs_review"


def test_an_arm_size_stands_in_for_the_total() -> None:
    arms = [DraftArm(label="velmitide 20 mg", n="1,204"), DraftArm(label="placebo")]
    assert "missing_n" not in missing_kinds(complete(n_total=None, arms=arms))


def test_nothing_is_missing_where_the_article_says_nothing() -> None:
    text = "ORCHARD-2\nFlares fell with velmitide (HR 0.71; 95% CI 0.60-0.84; P<0.001).\n"
    record = anchor_record(DraftRecord(trial_names=["ORCHARD-2"], results=[RESULT]), text)
    assert missing_kinds(record, text) == set()


def test_a_primary_endpoint_named_in_german_counts() -> None:
    text = ("ORCHARD-2\nDer primäre Endpunkt war die Zeit bis zum ersten Schub (HR 0,71; "
            "95%-KI 0,60–0,84; p<0,001).\n")
    draft = DraftResult(endpoint="Zeit bis zum ersten Schub", measure="HR", estimate="0,71",
                        ci_lower="0,60", ci_upper="0,84", p="<0,001",
                        quote="(HR 0,71; 95%-KI 0,60–0,84; p<0,001)")
    record = anchor_record(DraftRecord(trial_names=["ORCHARD-2"], results=[draft]), text)
    assert missing_kinds(record, text) == {"missing_primary_endpoint"}


def test_an_article_without_a_trial_has_its_own_status() -> None:
    text = "Guideline news\nThe new guideline recommends earlier screening for all adults.\n"
    record = anchor_record(DraftRecord(is_trial_report=False), text)
    report = verify(record, text)
    assert report.status == "not_a_trial" and not report.errors


def test_the_not_a_trial_badge_in_markdown_html_and_batch_index(tmp_path: object) -> None:
    from datetime import UTC, datetime

    from agent.output import Output, Source
    from agent.render import render
    from agent.schema import Article, BackendInfo

    text = "Guideline news\nThe new guideline recommends earlier screening for all adults.\n"
    record = anchor_record(DraftRecord(is_trial_report=False), text)
    report = verify(record, text)
    article = Article(text=text, fetched_at=datetime.now(UTC), sha256="0" * 64)
    output = Output(source=Source.of(article), backend=BackendInfo(name="rules"), record=record,
                    checks=report.checks, status=report.status, generated_at=datetime.now(UTC))
    assert "not a trial report" in render(output, "markdown")
    assert 'status-not_a_trial">ℹ not a trial report' in render(output, "html")


def test_compared_percentages_the_record_leaves_out_are_an_error() -> None:
    text = TEXT + "Remission was reached by 41.0% with velmitide versus 22.5% with placebo.\n"
    record = complete(text)
    assert missing_kinds(record, text) == set()
    (check,) = verify(record, text).of_kind("uncovered_values")
    assert check.severity == "error" and "41.0%" in text[slice(*check.span)]


def test_baseline_percentages_are_no_result_left_out() -> None:
    text = TEXT + "Women made up 41.0% of the velmitide group versus 42.5% of the placebo group.\n"
    record = complete(text)
    assert not verify(record, text).of_kind("uncovered_values")
