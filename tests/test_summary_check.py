"""The checks of a plain-language summary against the verified record (numbers, spin, safety
claims, the peer-review caveat), on a hand-made article."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from agent.anchor import anchor_record
from agent.backends.openai_compat import OpenAIBackend
from agent.backends.rules import RulesBackend
from agent.config import load_settings
from agent.draft import DraftRecord, DraftResult
from agent.house_style import load_house_style
from agent.report import Check
from agent.schema import TrialRecord
from agent.summarise import SummaryDraft, SummaryRequest, summarise
from agent.summary_check import SummaryInput, described_numbers, known_numbers
from agent.summary_facts import build_facts
from agent.verify import verify
from tests.conftest import FakeModel

TEXT = ("WREN-3: fictional\nPresented at the Northern Heart Congress 2026. In WREN-3, 900 "
        "patients were randomised to wrenatide (n=450) or placebo (n=450). The primary endpoint "
        "occurred less often with wrenatide (HR 0.70; 95% CI 0.55–0.89; P=0.004). Death was "
        "similar (HR 0.96; 95% CI 0.74–1.25; P=0.77).\n")


def record(met: str = "yes") -> TrialRecord:
    primary = DraftResult(endpoint="primary endpoint", is_primary=True, measure="HR",
                          estimate="0.70", ci_lower="0.55", ci_upper="0.89", p="0.004",
                          quote="(HR 0.70; 95% CI 0.55–0.89; P=0.004)")
    death = DraftResult(endpoint="death", measure="HR", estimate="0.96", ci_lower="0.74",
                        ci_upper="1.25", p="0.77", quote="(HR 0.96; 95% CI 0.74–1.25; P=0.77)")
    draft = DraftRecord(trial_names=["WREN-3"], n_total="900", primary_endpoint_met=met,
                        congress="Northern Heart Congress 2026", results=[primary, death])
    return anchor_record(draft, TEXT)


def summary_checks(summary: str, rec: TrialRecord | None = None) -> list[Check]:
    report = verify(rec or record(), TEXT, SummaryInput(summary))
    return [c for c in report.checks if c.origin == "summary"]


def of_kind(checks: list[Check], kind: str) -> list[Check]:
    return [c for c in checks if c.kind == kind]


CAVEAT = " The results are not yet peer-reviewed."


def test_numbers_of_the_record_and_plain_forms_of_them_pass() -> None:
    checks = summary_checks("In 900 people, wrenatide cut the risk by 30%." + CAVEAT)
    numbers = of_kind(checks, "summary_number")
    assert [c.text for c in numbers] == ["900", "30%"]
    assert all(c.severity == "ok" for c in numbers)
    assert "1 − ratio" in numbers[1].message


def test_an_invented_number_is_an_error_with_its_span_in_the_summary() -> None:
    text = "Wrenatide cut the risk by 45%." + CAVEAT
    (flag,) = [c for c in of_kind(summary_checks(text), "summary_number")
               if c.severity == "error"]
    assert flag.span is not None and text[slice(*flag.span)] == "45%"
    assert "no number of the record or the article" in flag.message


def test_a_small_number_rounded_to_nothing_is_not_a_rounding() -> None:
    checks = of_kind(summary_checks("Wrenatide cut the risk (HR 0.7; P=0)." + CAVEAT),
                     "summary_number")
    assert [(c.text, c.severity) for c in checks] == [("0.7", "ok"), ("0", "error")]


def test_a_number_of_the_article_the_record_does_not_hold_is_named_as_such() -> None:
    rec = record()
    rec.results = rec.results[:1]  # the record left out the death result
    (flag,) = [c for c in of_kind(summary_checks("Death: HR 0.96." + CAVEAT, rec),
                                  "summary_number") if c.severity == "error"]
    assert flag.text == "0.96" and "not a verified number of the record" in flag.message


def test_benefit_claims_pass_when_the_primary_endpoint_was_met() -> None:
    assert not of_kind(summary_checks("Wrenatide lowered the risk." + CAVEAT), "summary_spin")


def test_a_benefit_claim_when_the_primary_endpoint_was_not_met_is_spin() -> None:
    text = "Wrenatide lowered the risk of heart problems." + CAVEAT
    (flag,) = of_kind(summary_checks(text, record(met="no")), "summary_spin")
    assert flag.severity == "error" and flag.span == (0, text.index(" The results"))
    assert "'lowered'" in flag.message and "not met" in flag.message


def test_a_hedged_sentence_is_not_spin() -> None:
    text = "Wrenatide did not lower the risk of heart problems." + CAVEAT
    assert not of_kind(summary_checks(text, record(met="no")), "summary_spin")


@pytest.mark.parametrize("sentence", [
    "WREN-3 compared wrenatide with placebo for preventing heart problems.",
    "The goal was to see if wrenatide works better than placebo.",
    "The study looked at the effectiveness of wrenatide in heart failure.",
    "Wrenatide doesn't help people with heart failure more than placebo.",
    "More research is needed to find out if wrenatide can help."])
def test_the_question_a_trial_asks_or_a_denied_benefit_is_not_spin(sentence: str) -> None:
    assert not of_kind(summary_checks(sentence + CAVEAT, record(met="no")), "summary_spin")


def test_a_benefit_claimed_after_the_trials_question_is_still_spin() -> None:
    text = ("The study set out to test wrenatide, and wrenatide reduced heart problems."
            + CAVEAT)
    (flag,) = of_kind(summary_checks(text, record(met="no")), "summary_spin")
    assert "'reduc" in flag.message


def test_a_met_claim_the_statistics_doubt_makes_benefit_claims_spin() -> None:
    # The record calls the death result (CI crossing 1) its met primary endpoint.
    rec = record()
    rec.results[0].is_primary, rec.results[1].is_primary = False, True
    checks = summary_checks("Wrenatide lowered the risk." + CAVEAT, rec)
    (flag,) = of_kind(checks, "summary_spin")
    assert flag.severity == "error" and "doubts" in flag.message


def test_calling_a_treatment_safe_is_a_warning_that_names_its_basis() -> None:
    text = "Wrenatide lowered the risk and was safe." + CAVEAT
    (flag,) = of_kind(summary_checks(text), "summary_safety_claim")
    assert flag.severity == "warning" and "'safe'" in flag.message
    assert "no safety finding" in flag.message
    hedged = "It is not yet known whether wrenatide is safe in the long term." + CAVEAT
    assert not of_kind(summary_checks(hedged), "summary_safety_claim")
    assert not of_kind(summary_checks("Safety results were reported." + CAVEAT),
                       "summary_safety_claim")


def test_a_congress_result_needs_the_peer_review_caveat() -> None:
    (flag,) = of_kind(summary_checks("Wrenatide lowered the risk."), "summary_caveat")
    assert flag.severity == "warning"
    assert not of_kind(summary_checks("Wrenatide lowered the risk." + CAVEAT), "summary_caveat")


def test_the_draft_validator_tells_the_model_where_the_invented_number_is() -> None:
    rec = record()
    report = verify(rec, TEXT)
    context = {"known": known_numbers(rec, report), "described": described_numbers(rec)}
    answer = {"headline": "A heart drug", "standfirst": "A trial.",
              "tested": "Wrenatide was tested.",
              "participants": "900 people took part.",
              "findings": "Events were rarer. The risk fell by 45% with wrenatide.",
              "meaning": "More studies are needed."}
    with pytest.raises(ValidationError) as info:
        SummaryDraft.model_validate(answer, context=context)
    message = str(info.value)
    assert ("findings: do not write '45%', it is not one of the facts. Use only the numbers "
            "given") in message
    assert "input_value" not in message
    answer["findings"] = "Events were rarer. The risk fell by 30% with wrenatide."
    assert SummaryDraft.model_validate(answer, context=context).findings.endswith("wrenatide.")


def request_for(rec: TrialRecord) -> SummaryRequest:
    report = verify(rec, TEXT)
    return SummaryRequest(build_facts(rec, report, TEXT, caveat=None), load_house_style(),
                          known_numbers(rec, report), described_numbers(rec))


def test_with_no_number_for_the_main_outcome_the_model_is_told_to_use_words() -> None:
    rec = record()
    rec.results = rec.results[1:]  # only the death result is left
    assert request_for(record()).main_result_given
    request = request_for(rec)
    assert not request.main_result_given
    answer = {"headline": "About 30% fewer events", "standfirst": "s", "tested": "t",
              "participants": "p",
              "findings": "f", "meaning": "m"}
    with pytest.raises(ValidationError) as info:
        SummaryDraft.model_validate(answer, context=request.validation_context())
    assert "no number for the main outcome, so describe it in words" in str(info.value)


def test_a_number_told_as_another_endpoints_result_is_a_warning() -> None:
    wrong = summary_checks("Death was about 30% lower with wrenatide." + CAVEAT)
    (flag,) = of_kind(wrong, "summary_endpoint")
    assert flag.severity == "warning" and "'primary endpoint'" in flag.message
    assert "'death'" in flag.message
    right = summary_checks("The primary endpoint was about 30% lower with wrenatide." + CAVEAT)
    assert not of_kind(right, "summary_endpoint")
    # a clause that names no endpoint, or the arm only, is not read as naming another one
    plain = summary_checks("With wrenatide it was about 30% lower." + CAVEAT)
    assert not of_kind(plain, "summary_endpoint")


def test_a_model_backend_writes_no_summary_of_an_article_without_a_trial(
        fake_model: Callable[[list[Any]], FakeModel]) -> None:
    rec = record()
    rec.is_trial_report = False
    model = fake_model([])  # any model call fails the test
    settings = load_settings(env={}, base_url="http://127.0.0.1:9/v1", model="fake-model")
    backend = OpenAIBackend(settings, http_client=model.client(), sleep=lambda _s: None)
    report, style = verify(rec, TEXT), load_house_style()
    drafted = summarise(rec, report, TEXT, backend, style).summary
    template = summarise(rec, report, TEXT, RulesBackend(), style).summary
    assert drafted.text == template.text
    assert "does not report the results of a clinical trial" in drafted.text
    assert model.requests == []
