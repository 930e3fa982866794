"""The eval scorers: pure functions, checked on small hand-built records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from agent.output import Output, Source, Summary
from agent.report import Check, Report
from agent.schema import (
    Arm,
    BackendInfo,
    Number,
    Result,
    SafetyFinding,
    Span,
    TrialRecord,
    Usage,
)
from evals.faults import Fault
from evals.scorers import (
    FaultOutcome,
    Tally,
    at_span,
    gold_stance,
    ids_match,
    match_results,
    merge_by_key,
    n_total_match,
    names_match,
    primary_met_correct,
    score_cost,
    score_fault,
    score_fields,
    score_grounding,
    score_identity,
    score_results,
    score_summary,
    score_traps,
    score_verifier,
    summary_content,
    summary_stance,
)


def num(text: str, span: Span | None = None, value: float | None = None) -> Number:
    from agent.numbers import parse_number

    parsed = parse_number(text)
    if value is None and parsed is not None:
        value = float(parsed.value)
    return Number(text=text, value=value, span=span)


def hr(endpoint: str, est: str, lo: str | None = None, hi: str | None = None,
       measure: str = "HR", arm: str | None = None) -> Result:
    return Result.model_validate({
        "endpoint": endpoint, "measure": measure, "estimate": num(est),
        "ci_lower": num(lo) if lo else None, "ci_upper": num(hi) if hi else None, "arm": arm})


def gold_result(endpoint: str, est: str, lo: str | None = None, hi: str | None = None,
                measure: str = "HR", arm: str | None = None) -> dict[str, Any]:
    return {"endpoint": endpoint, "measure": measure, "estimate": est, "ci_lower": lo,
            "ci_upper": hi, "arm": arm}


def check(field: str, kind: str = "grounding", status: str = "grounded",
          severity: str = "ok", origin: str = "record") -> Check:
    return Check.model_validate({"field": field, "text": None, "status": status, "span": None,
                                 "severity": severity, "message": "", "kind": kind,
                                 "origin": origin})


def output(record: TrialRecord | None = None, checks: list[Check] | None = None,
           summary: Summary | None = None, usage: list[Usage] | None = None) -> Output:
    return Output(source=Source(sha256="0", text=""), backend=BackendInfo(name="test"),
                  record=record, checks=checks or [], summary=summary, status="verified",
                  usage=usage or [], generated_at=datetime(2026, 1, 1, tzinfo=UTC))


# -- counting ---------------------------------------------------------------------------------

def test_tally_adds_counts_and_has_no_rate_when_empty() -> None:
    assert Tally(1, 2) + Tally(3, 4) == Tally(4, 6)
    assert Tally(1, 4).rate == 0.25
    assert Tally().rate is None
    assert Tally.of(True) == Tally(1, 1) and Tally.of(False) == Tally(0, 1)


def test_merge_by_key_adds_per_key() -> None:
    merged = merge_by_key([{"HR": Tally(1, 2)}, {"HR": Tally(1, 1), "OR": Tally(0, 1)}])
    assert merged == {"HR": Tally(2, 3), "OR": Tally(0, 1)}


# -- identity ---------------------------------------------------------------------------------

def test_names_match_ignores_case_dash_style_and_spacing() -> None:
    assert names_match(["Altera\u2013HF"], ["ALTERA-HF"])
    assert names_match([], [])
    assert not names_match(["ALTERA-HF"], ["ALTERA-HF", "BOREAL"])


def test_registry_ids_are_a_set() -> None:
    assert ids_match(["nct01234567 ", "ISRCTN1"], ["ISRCTN1", "NCT01234567"])
    assert not ids_match([], ["NCT01234567"])


def test_n_total_compares_values_as_written() -> None:
    assert n_total_match(num("1635"), "1,635")
    assert n_total_match(Number(text="1\u2009635", value=1635.0), "1 635")
    assert n_total_match(None, None)
    assert not n_total_match(None, "1,635")
    assert not n_total_match(num("1,653"), "1,635")


def test_identity_of_a_missing_record_is_all_wrong() -> None:
    score = score_identity(None, {"trial_names": [], "registry_ids": [], "n_total": None})
    assert (score.trial_names, score.registry_ids, score.n_total) == (False, False, False)


@pytest.mark.parametrize(("said", "gold", "right"), [
    ("yes", True, True), ("no", False, True), ("not_stated", None, True), ("yes", None, False),
    ("no", True, False),
])
def test_primary_met(said: str, gold: bool | None, right: bool) -> None:
    record = TrialRecord.model_validate({"primary_endpoint_met": said})
    assert primary_met_correct(record, {"primary_endpoint_met": gold}) is right


def test_primary_met_without_a_record_is_wrong() -> None:
    assert not primary_met_correct(None, {"primary_endpoint_met": None})


# -- results ----------------------------------------------------------------------------------

def test_results_match_on_values_whatever_the_typography() -> None:
    record = TrialRecord(results=[hr("death", "0·75", "0·58", "0·97")])
    score = score_results(record, [gold_result("death", "0.75", "0.58", "0.97")])
    assert score.recall == Tally(1, 1) and score.precision == Tally(1, 1)
    assert score.recall_by_measure == {"HR": Tally(1, 1)}
    assert score.measure_agrees == Tally(1, 1)


def test_a_different_bound_is_no_match() -> None:
    record = TrialRecord(results=[hr("death", "0.75", "0.58", "0.98")])
    score = score_results(record, [gold_result("death", "0.75", "0.58", "0.97")])
    assert score.recall == Tally(0, 1) and score.precision == Tally(0, 1)
    assert score.missed == ("death: HR 0.75 (0.58 to 0.97)",)
    assert score.extra == ("death: HR 0.75 (0.58 to 0.98)",)


def test_endpoint_words_break_ties_between_equal_values() -> None:
    gold = [gold_result("stroke", "12.0%", measure="percent", arm="drug"),
            gold_result("bleeding", "12.0%", measure="percent", arm="drug")]
    record = TrialRecord(results=[hr("major bleeding", "12.0%", measure="percent"),
                                  hr("any stroke", "12%", measure="percent")])
    from evals.scorers import gold_results, record_results

    assert match_results(gold_results(gold), record_results(record)) == [(0, 1), (1, 0)]
    assert score_results(record, gold).recall == Tally(2, 2)


def test_matching_is_one_to_one() -> None:
    record = TrialRecord(results=[hr("death", "0.80"), hr("death", "0.80")])
    score = score_results(record, [gold_result("death", "0.80")])
    assert score.recall == Tally(1, 1) and score.precision == Tally(1, 2)


def test_safety_is_scored_apart_from_efficacy() -> None:
    record = TrialRecord(safety=[SafetyFinding(event="serious infections", value=num("2.7%")),
                                 SafetyFinding(event="hazard", value=num("0.80")),
                                 SafetyFinding(event="no value")],
                         results=[hr("death", "0.80")])
    gold = [gold_result("serious infections", "2.7%", measure="percent"),
            gold_result("death", "0.80", measure="HR")]
    score = score_results(record, gold)
    assert score.via_safety == 1
    assert score.recall == Tally(1, 1) and score.precision == Tally(1, 1)
    assert score.safety_recall == Tally(1, 1)
    assert score.safety_precision == Tally(1, 2)  # the finding without a value is not scored
    assert score.precision_by_measure == {"HR": Tally(1, 1), "safety": Tally(1, 2)}


def test_a_safety_finding_never_matches_a_ratio() -> None:
    record = TrialRecord(safety=[SafetyFinding(event="death", value=num("0.80"))])
    assert score_results(record, [gold_result("death", "0.80")]).recall == Tally(0, 1)


def test_equal_values_about_another_endpoint_are_no_match() -> None:
    record = TrialRecord(results=[hr("stroke", "0.80", "0.70", "0.90")])
    score = score_results(record, [gold_result("death", "0.80", "0.70", "0.90")])
    assert score.recall == Tally(0, 1) and score.precision == Tally(0, 1)


def test_label_words_alone_are_no_shared_endpoint() -> None:
    record = TrialRecord(results=[hr("primary endpoint", "0.80")])
    gold = [gold_result("cardiovascular death (primary endpoint)", "0.80")]
    assert score_results(record, gold).recall == Tally(0, 1)


def test_an_acronym_matches_the_words_it_abbreviates() -> None:
    record = TrialRecord(results=[hr("median PFS", "0.61", "0.48", "0.78")])
    gold = [gold_result("progression-free survival by central review", "0.61", "0.48", "0.78")]
    assert score_results(record, gold).recall == Tally(1, 1)


def test_a_different_p_is_no_match() -> None:
    result = hr("death", "0.80", "0.70", "0.90")
    result.p = num("0.04")
    gold = [{**gold_result("death", "0.80", "0.70", "0.90"), "p": "0.001"}]
    assert score_results(TrialRecord(results=[result]), gold).recall == Tally(0, 1)
    gold[0]["p"] = "0.04"
    assert score_results(TrialRecord(results=[result]), gold).recall == Tally(1, 1)


def test_fields_primary_endpoint_arms_population() -> None:
    from agent.schema import Arm

    record = TrialRecord(primary_endpoint="time to first relapse", population="adults with MS",
                         arms=[Arm(label="drug 10 mg", n=num("120")), Arm(label="placebo")])
    gold = {"primary_endpoint": "first relapse", "arms": [
        {"label": "drug 10 mg daily", "n": "120"}, {"label": "placebo", "n": "118"}]}
    score = score_fields(record, gold, "trial-report")
    assert score.primary_endpoint and score.population and score.intervention
    assert score.arms == Tally(1, 2)  # the placebo arm's n is missing
    assert not score_fields(TrialRecord(), gold, "trial-report").primary_endpoint
    assert score_fields(TrialRecord(), {"primary_endpoint": None}, "review").primary_endpoint
    assert score_fields(record, gold, "review").population is None


def test_measure_agreement_is_reported_apart_from_matching() -> None:
    record = TrialRecord(results=[hr("death", "0.80", measure="RR")])
    score = score_results(record, [gold_result("death", "0.80")])
    assert score.recall == Tally(1, 1) and score.measure_agrees == Tally(0, 1)


def test_empty_record_and_no_gold_results() -> None:
    none = score_results(TrialRecord(), [])
    assert none.recall.rate is None and none.precision.rate is None
    missing = score_results(None, [gold_result("death", "0.80")])
    assert missing.recall == Tally(0, 1) and missing.precision == Tally(0, 0)
    invented = score_results(TrialRecord(results=[hr("death", "0.80")]), [])
    assert invented.recall == Tally(0, 0) and invented.precision == Tally(0, 1)


def test_a_result_without_values_needs_shared_words() -> None:
    record = TrialRecord(results=[Result(endpoint="overall survival", measure="other")])
    assert score_results(record, [{"endpoint": "survival", "measure": "other"}]
                         ).recall == Tally(1, 1)
    assert score_results(record, [{"endpoint": "stroke", "measure": "other"}]
                         ).recall == Tally(0, 1)


# -- grounding --------------------------------------------------------------------------------

TEXT = "The hazard ratio was 0.72 (95% CI 0.61-0.85; P=0.001) in 2,408 patients."


def test_at_span_recomputes_the_number_from_the_text() -> None:
    assert at_span(num("0.72", (21, 25)), TEXT)
    assert at_span(num("0.001", (47, 52)), TEXT)
    assert at_span(num("0.001", (45, 52)), TEXT)  # the span may start at "P="
    assert not at_span(num("0.73", (21, 25)), TEXT)
    assert not at_span(num("0.72"), TEXT)  # no span
    assert not at_span(num("0.72", (21, 25), value=0.73), TEXT)  # value disagrees with text
    assert not at_span(num("0.72", (200, 204)), TEXT)


def test_grounding_share_and_unflagged_numbers() -> None:
    record = TrialRecord(n_total=num("2,408", (57, 62)),
                         results=[Result(endpoint="x", measure="HR",
                                         estimate=num("0.73", (21, 25)))])
    flagged = score_grounding(record, [
        check("/n_total"), check("/results/0/estimate", status="mismatch", severity="error")],
        TEXT)
    assert flagged.grounded == Tally(1, 2)
    assert flagged.unflagged_ungrounded == ()
    passed = score_grounding(record, [check("/n_total"), check("/results/0/estimate")], TEXT)
    assert passed.grounded == Tally(2, 2)
    assert passed.unflagged_ungrounded == ("/results/0/estimate: '0.73'",)


def test_grounding_of_no_record_or_no_numbers() -> None:
    assert score_grounding(None, [], TEXT).grounded == Tally()
    assert score_grounding(TrialRecord(), [], TEXT).grounded.rate is None


# -- verifier ---------------------------------------------------------------------------------

def _report(*fields: str) -> Report:
    return Report(checks=[check(f, status="mismatch", severity="error") for f in fields])


def test_a_fault_is_detected_when_every_changed_field_has_an_error() -> None:
    fault = Fault("digit", frozenset({"/n_total"}), "", TrialRecord())
    assert score_fault(fault, _report("/n_total"), set()) == FaultOutcome("digit", True, True)
    assert score_fault(fault, _report("/n_total", "/arms/0/n"), set()) == FaultOutcome(
        "digit", True, False)
    # an error the clean record already had is not the fault's doing
    assert score_fault(fault, _report("/n_total", "/arms/0/n"), {"/arms/0/n"}).exact
    assert score_fault(fault, _report("/arms/0/n"), set()) == FaultOutcome("digit", False, False)
    swapped = Fault("swap_bounds", frozenset({"/results/0/ci_lower", "/results/0/ci_upper"}),
                    "", TrialRecord())
    assert not score_fault(swapped, _report("/results/0/ci_lower"), set()).detected


def test_verifier_score_adds_outcomes_by_kind() -> None:
    score = score_verifier([FaultOutcome("digit", True, True), FaultOutcome("digit", False,
                                                                            False),
                            FaultOutcome("shift_p", True, False)], [False, True])
    assert score.recall == Tally(2, 3) and score.exact == Tally(1, 3)
    assert score.false_flags == Tally(1, 2)
    assert score.recall_by_kind == {"digit": Tally(1, 2), "shift_p": Tally(1, 1)}
    assert score_verifier([], []).recall.rate is None


# -- traps ------------------------------------------------------------------------------------

def test_the_declared_trap_is_found() -> None:
    checks = [check("/results/2/p", "p_ci_mismatch", "inconsistent", "warning", "article")]
    score = score_traps({"p_ci_mismatch"}, checks)
    assert score.detected == Tally(1, 1) and not score.false_alarm and score.unrelated == ()
    assert score_traps({"estimate_outside_ci"}, checks).detected == Tally(0, 1)
    assert score_traps({"estimate_outside_ci"}, checks).unrelated == (
        "p_ci_mismatch at /results/2/p",)


def test_a_significance_trap_may_show_as_primary_met_mismatch() -> None:
    checks = [check("/primary_endpoint_met", "primary_met_mismatch", "inconsistent", "error")]
    assert score_traps({"significance_claim_ci_crosses_null"}, checks).detected == Tally(1, 1)


def test_false_alarms_are_article_findings_on_clean_cases() -> None:
    article = check("/results/0", "rrr_hr_mismatch", "inconsistent", "warning", "article")
    record = check("/results/0", "rrr_hr_mismatch", "inconsistent", "error", "record")
    other = check("/results", "uncovered", "uncovered", "warning", "record")
    assert score_traps(set(), [article]).false_alarm
    assert not score_traps(set(), [record, other]).false_alarm
    assert score_traps(set(), []).detected.rate is None


# -- summary and cost -------------------------------------------------------------------------

def test_summary_scores() -> None:
    summary = Summary(headline="h", text="h", reading_grade=7.5, words=90)
    checks = [check("/summary/numbers/0", "summary_number"),
              check("/summary/numbers/1", "summary_number", "not_found", "error", "summary"),
              check("/summary/sentences/2", "summary_spin", "inconsistent", "error", "summary"),
              check("/n_total")]
    score = score_summary(output(checks=checks, summary=summary))
    assert score is not None
    assert score.numbers_grounded == Tally(1, 2) and score.spin_flags == 1
    assert (score.reading_grade, score.words) == (7.5, 90)
    assert score_summary(output()) is None
    assert score_summary(None) is None


def _result(estimate: str, lower: str, upper: str, primary: bool = True) -> Result:
    return Result(endpoint="e", is_primary=primary, measure="HR",
                  estimate=Number(text=estimate, value=float(estimate)),
                  ci_lower=Number(text=lower, value=float(lower)),
                  ci_upper=Number(text=upper, value=float(upper)))


@pytest.mark.parametrize(("text", "stance"), [
    ("X: drug met the trial's main goal\n\nThe risk was 20% lower with drug.", "positive"),
    ("X: drug did not meet the trial's main goal\n\nIt met no goal.", "negative"),
    ("X: results\n\nThere was no clear difference between the groups.", "negative"),
    ("X: results\n\nThe difference was statistically significant.", "positive"),
    ("X: results\n\nThe difference was not statistically significant.", "negative"),
    ("X: results\n\nIt is not yet clear whether it works.", None),
    ("Drug improves walking\n\nThere was no clear difference in falls.", "positive"),
    ("X: results\n\nThe results were statistically significant.", "positive"),
    ("X: results\n\nThe odds were 58% higher in the drug group than with placebo.", "positive"),
    ("X: results\n\nThe drug has not improved walking.", None)])
def test_the_stance_of_a_summary_is_its_first_verdict(text: str, stance: str | None) -> None:
    assert summary_stance(text) == stance


def test_the_gold_stance_is_the_statement_else_the_ci_and_none_when_they_conflict() -> None:
    significant, crossing = _result("0.70", "0.55", "0.89"), _result("0.90", "0.75", "1.08")
    assert gold_stance(TrialRecord(primary_endpoint_met="yes", results=[significant])) == \
        "positive"
    assert gold_stance(TrialRecord(primary_endpoint_met="no")) == "negative"
    assert gold_stance(TrialRecord(results=[crossing])) == "negative"
    assert gold_stance(TrialRecord(results=[significant])) == "positive"
    assert gold_stance(TrialRecord(primary_endpoint_met="yes", results=[crossing])) is None
    assert gold_stance(TrialRecord(results=[_result("0.90", "0.75", "1.08", False)])) is None


def test_summary_content_counts_what_the_record_verifies_and_the_summary_tells() -> None:
    text = "T: drug helped\n\nDrug was compared with placebo in 1,200 people. Not peer-reviewed."
    record = TrialRecord(arms=[Arm(label="drug"), Arm(label="placebo")], congress="C 2026",
                         n_total=Number(text="1,200", value=1200, span=(0, 5)),
                         results=[_result("0.70", "0.55", "0.89")])
    grounded = [check("/n_total"), check("/results/0/estimate")]
    score = summary_content(output(record=record, checks=grounded,
                                   summary=Summary(headline="T", text=text)))
    # arms 2/2, n 1/1, primary result 0/1 (no number of it), caveat 1/1
    assert score == Tally(4, 5)


def test_cost_counts_every_attempt() -> None:
    usage = [Usage(step="extract", attempt=1, prompt_tokens=900, completion_tokens=300,
                   outcome="invalid"),
             Usage(step="extract", attempt=2, prompt_tokens=1000, completion_tokens=320),
             Usage(step="summary", attempt=1, prompt_tokens=500, completion_tokens=100)]
    cost = score_cost(output(usage=usage), 61.5)
    assert (cost.prompt_tokens, cost.completion_tokens, cost.attempts, cost.retries) == (
        2400, 720, 3, 1)
    assert cost.seconds == 61.5
    assert score_cost(None, 0.0).attempts == 0


def test_endpoint_words_are_compared_in_the_singular() -> None:
    from evals.scorers import words_of

    assert words_of("premature discontinuations") & words_of("discontinuation")
    assert words_of("class") == frozenset({"class"})
