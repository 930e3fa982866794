"""The rules extractor on wording as congress pages write it: trial names (several words, glued
to a German word for 'study', given after a study's full name) and the words that only look like
names; the number of patients; the primary endpoint and whether it was met."""

from __future__ import annotations

import pytest

from agent.document import analyse
from agent.rules import extract_draft
from agent.rules.identity import find_trial_names
from agent.rules.layout import read_layout


def names(text: str) -> list[str]:
    return find_trial_names(analyse(text), read_layout(text)).names


def arm_values(text: str) -> set[tuple[str | None, str | None]]:
    """(arm, estimate) of every result the rules read in `text`."""
    return {(r.arm, r.estimate) for r in extract_draft(text).results}


@pytest.mark.parametrize(("sentence", "name"), [
    ("The double-blind CORVINA ACT HF-TIMI 71 trial tested early initiation.",
     "CORVINA ACT HF-TIMI 71"),
    ("Early cooling did not help, the SWIFTCARE 3 trial showed.",
     "SWIFTCARE 3"),
    ("Data from the phase 2 ORBITAL-Lung 104 study (NCT01234567) showed a response.",
     "ORBITAL-Lung 104"),
    ("The EARLY PCI trial enrolled patients with stable angina.", "EARLY PCI"),
    ("Die FESTINA-4-Studie lief in 31 Zentren.", "FESTINA-4"),
    ("Die Phase-III-Studie KORALLE-12 verglich zwei Dosierungen.", "KORALLE-12"),
    ("Data come from the Nordic Valve Registry (NOVARE), set up in 2011.", "NOVARE"),
    ("The phase 3 IMpetra150 trial compared the two regimens.", "IMpetra150"),
])
def test_names_as_written(sentence: str, name: str) -> None:
    text = f"Congress news\n\n{sentence} Rates were 12.1% and 14.0%."
    assert names(text) == [name]


def test_two_trials_of_one_family_keep_their_numerals() -> None:
    text = ("Congress news\n\nAdults enrolled in the phase 3 LUMEN SKY I trial and LUMEN SKY "
            "II trial. Response rates were 44.1% and 49.6%.")
    assert names(text) == ["LUMEN SKY I", "LUMEN SKY II"]


def test_a_measure_after_a_coded_name_is_not_part_of_it() -> None:
    text = "Congress news\n\nThe FERRANTE-MS MRI substudy found fewer lesions (41.0% vs 55.2%)."
    assert names(text) == ["FERRANTE-MS"]


def test_a_number_after_a_name_in_a_list_of_counts_is_not_part_of_it() -> None:
    text = ("Congress news\n\nFour trials were pooled. ALDER contributed 801 patients, BIRCHWOOD "
            "377, CEDARLINE 512 and DOGWOOD-RCT 61, a total of 1,751 patients (12.9% died).")
    assert "BIRCHWOOD 377" not in names(text)


def test_a_trial_only_mentioned_is_not_reported() -> None:
    text = ("Early cooling did not improve recovery, the PARAMEDIC BP trial showed.\n"
            "Good outcome was seen in 51.3% and 50.2% of patients (OR 1.03, 95% CI 0.90-1.18).\n"
            "Earlier work, the NITRO-9 trial of patches in hospital, had pointed the same way."
            "\nTargets differ between stroke types.")
    assert names(text) == ["PARAMEDIC BP"]


def test_menu_acronyms_and_glued_compounds_are_not_names() -> None:
    text = ("NMOSD\nMOGAD\nHEAD OFFICE\nESC-Kongress: Neues aus Paris\n\n"
            "The QUILLON trial randomised 400 patients; 31.0% and 22.4% relapsed. "
            "HER2-positiven Patientinnen profitierten.")
    assert names(text) == ["QUILLON"]


# -- the number of patients ---------------------------------------------------------------------

@pytest.mark.parametrize(("body", "n"), [
    ("Key facts\n- Total number of enrollees: 7,310\n- Median follow-up: 41.5 months", "7,310"),
    ("Patients:\n\n• 4,122 patients\n\nInclusion criteria:\n\n• Prior stroke", "4,122"),
    ("We analyzed data from those who received at least one dose (n=612). Rates were 9.1%.",
     "612"),
    ("Out of 8204 patients who had surgery, 95.2% were followed up for a year.",
     "8204"),
    ("The team conducted a phase 3 trial enrolling 903 patients with advanced disease.", "903"),
])
def test_the_number_of_patients_as_pages_state_it(body: str, n: str) -> None:
    text = f"The PALOMAR trial: results\n\n{body}"
    assert extract_draft(text).n_total == n


def test_two_trials_in_the_headline_make_a_roundup_without_a_total() -> None:
    text = ("ALPHA-ONE and BETA-TWO: two trials, two answers on early surgery\n\n"
            "The ALPHA-ONE trial enrolled 812 patients; events fell by 45% (HR 0.55). "
            "The BETA-TWO trial enrolled 236 patients (HR 0.83).")
    draft = extract_draft(text)
    assert draft.trial_names == ["ALPHA-ONE", "BETA-TWO"] and draft.n_total is None


# -- the primary endpoint and whether it was met -------------------------------------------------

@pytest.mark.parametrize(("body", "primary"), [
    ("The primary outcome of CV death or stroke at 3 months occurred in 9.9% and 12.1%.",
     "CV death or stroke at 3 months"),
    ("The primary endpoint, EFS, showed a statistically significant improvement (HR 0.61).",
     "EFS"),
    ("Primary Outcomes:\n\n1. Major bleeding events %\n• Drug: 4.1%\n• Control: 4.9%\n",
     "Major bleeding events"),
])
def test_the_primary_endpoint_as_pages_name_it(body: str, primary: str) -> None:
    assert extract_draft(f"The PALOMAR trial\n\n{body}").primary_endpoint == primary


def test_an_appositive_that_is_no_noun_is_no_primary_endpoint() -> None:
    text = ("Reporting trials\n\nBoth agreed that reports should name the primary endpoint, say "
            "clearly whether it was met, and avoid spin.")
    assert extract_draft(text).primary_endpoint is None


@pytest.mark.parametrize("sentence", [
    "The primary outcome was three-point MACE. Drug X was associated with a significantly lower "
    "risk of MACE vs. placebo (HR 0.82; 95% CI 0.72-0.93).",
    "The primary endpoint was sustained remission. A significantly higher rate of participants "
    "given drug X achieved sustained remission versus placebo: 41.2% vs 25.5%.",
    "The primary endpoint, PFS, showed a statistically significant improvement with drug X "
    "(HR 0.58; 95% CI 0.44-0.77).",
])
def test_significance_stated_for_the_primary_endpoint_is_met(sentence: str) -> None:
    assert extract_draft(f"The PALOMAR trial\n\n{sentence}").primary_endpoint_met == "yes"


def test_significance_of_a_secondary_endpoint_is_not_met() -> None:
    text = ("The PALOMAR trial\n\nThe primary endpoint was sustained remission. Secondary "
            "endpoints showed a significantly lower steroid dose (P<0.001).")
    assert extract_draft(text).primary_endpoint_met == "not_stated"


# -- endpoint labels far from their values -----------------------------------------------------

def _labels(text: str) -> list[tuple[str, str | None]]:
    draft = extract_draft(text)
    return [(r.endpoint, r.estimate) for r in draft.results] + [
        (s.event, s.value) for s in draft.safety]


def test_a_bullet_value_takes_the_list_item_above_it() -> None:
    text = ("KESTREL-9 Trial\n\nPrimary Outcomes:\n\n1. Major bleeding events %\n"
            "• Drug A: 3.12%\n• Drug B: 3.90%\n• HR: 0.80, 95% CI: 0.62-1.03 (P = 0.08)\n")
    assert ("Major bleeding events", "0.80") in _labels(text)


def test_a_sentence_opening_with_its_source_takes_the_endpoint_term() -> None:
    text = ("Highlights\n\nAccording to the phase 2 KESTREL-9 trial (NCT01234567), at 5 years "
            "event-free survival reached 90.3% and 92.6% (HR, 1.21; 95% CI, 0.58-2.52; "
            "P = .61).\n")
    labels = dict((v, e) for e, v in _labels(text))
    assert labels["1.21"].startswith("event-free survival")


def test_an_abbreviation_the_article_defines_names_its_endpoint() -> None:
    text = ("KESTREL-9\n\nParticipants given the device had a 10.8% (95% CI, 8.1-13.5) higher "
            "overnight time in target range (TIRo) than with usual care.\n")
    assert any("time in target range" in e for e, v in _labels(text) if v == "10.8%")


# -- arms and per-arm values --------------------------------------------------------------------

def test_respectively_with_fewer_values_than_arms_follows_the_arms_named() -> None:
    text = ("MERIDIAN-GCA\n\nPatients received drug 7.5 mg (n=110), drug 15 mg (n=205), or "
            "placebo (n=114) once daily. More participants in the drug 15 mg group achieved "
            "sustained remission versus placebo at week 52: 44.4% and 28.1%, respectively "
            "(P=0.002).\n")
    values = [(r.arm, r.estimate, r.n) for r in extract_draft(text).results]
    assert values == [("drug 15 mg", "44.4%", "205"), ("placebo", "28.1%", "114")]


def test_the_denominators_of_per_arm_counts_are_the_arm_sizes() -> None:
    text = ("LANTERN-CKD\n\nWe analysed those who received a dose (n=806). Hyperkalaemia "
            "occurred in 113 (14.0%) patients: 51/275 (18.5%) lirenone, 39/271 (14.4%) COMBO, "
            "and 24/269 (8.9%) gliflozin with few discontinuations.\n")
    draft = extract_draft(text)
    assert [(a.label, a.n) for a in draft.arms] == [
        ("lirenone", "275"), ("COMBO", "271"), ("gliflozin", "269")]
    assert draft.n_total == "806"


FACT_SHEET = """ARGON-4 Trial: Shorter Therapy after Stenting
Design:
• An open label, randomized trial
Patients:
• 4,120 patients
Comparison:
• Drug A alone (5 mg/day) (n = 2,061)
• Versus
• Drug A + Drug B (n = 2,059)
Primary Outcomes:
1. Major bleeding %
• Drug A alone: 3.12%
• Drug A + Drug B: 3.90%
• HR: 0.80, 95% CI: 0.62-1.03 (P = 0.08)
Secondary Outcomes:
1. Stent thrombosis %
• Drug A alone: 0.61%
• Drug A + Drug B: 0.22%
"""


def test_a_fact_sheet_lists_arms_and_per_arm_values() -> None:
    draft = extract_draft(FACT_SHEET)
    assert [(a.label, a.n) for a in draft.arms] == [("Drug A alone", "2,061"),
                                                   ("Drug A + Drug B", "2,059")]
    assert draft.n_total == "4,120"
    rows = {(r.endpoint, r.arm, r.estimate, r.is_primary) for r in draft.results}
    assert ("Major bleeding", "Drug A alone", "3.12%", True) in rows
    assert ("Major bleeding", "Drug A + Drug B", "3.90%", True) in rows
    assert ("Major bleeding", None, "0.80", True) in rows
    assert ("Stent thrombosis", "Drug A alone", "0.61%", False) in rows


def test_a_rate_close_to_a_possible_proportion_is_no_finding() -> None:
    from agent.anchor import anchor_record
    from agent.verify import verify

    record = anchor_record(extract_draft(FACT_SHEET), FACT_SHEET)
    # 3.12% of 2,061 is 64.3 patients: a Kaplan-Meier rate, within 0.05 points of 64/2,061
    assert not verify(record, FACT_SHEET).of_kind("impossible_percentage")


def test_a_markdown_table_of_arms_and_endpoints() -> None:
    text = ("Drug A beats drug B in the CORONA-7 trial\n\nThe CORONA-7 trial randomised 410 "
            "patients. Results:\n"
            "| Metric | Drug A (n=206) | Drug B (n=204) |\n"
            "| ------ | -------------- | -------------- |\n"
            "| Median PFS | 10.2 months | 6.1 months |\n"
            "| Objective Response Rate (ORR) | 47.1% | 35.3% |\n")
    draft = extract_draft(text)
    assert [(a.label, a.n) for a in draft.arms] == [("Drug A", "206"), ("Drug B", "204")]
    rows = {(r.endpoint, r.arm, r.estimate) for r in draft.results}
    assert {("Median PFS", "Drug A", "10.2"), ("Objective Response Rate (ORR)", "Drug B",
                                                "35.3%")} <= rows


def test_a_percent_sign_printed_once_serves_both_numbers() -> None:
    text = ("ORCA-3 trial\n\nThe ORCA-3 trial randomised 400 patients to drug A (n=200) or drug B "
            "(n=200). Disease control: 88.1 versus 71.4% with drug A and drug B, "
            "respectively.\n")
    assert {("drug A", "88.1"), ("drug B", "71.4%")} <= arm_values(text)


def test_a_cohort_rate_with_no_arm() -> None:
    text = ("Valve registry: one-year outcomes\n\nOut of 6120 patients in the registry, "
            "in-hospital mortality was 4.1% and one-year mortality was 17.9%. A weight loss of "
            "5% or more is no outcome here.\n")
    rows = {(r.endpoint, r.estimate) for r in extract_draft(text).results}
    assert rows == {("in-hospital mortality", "4.1%"), ("one-year mortality", "17.9%")}


def test_german_endpoint_words_name_a_result() -> None:
    text = ("Kongressbericht\n\nIn der Phase-III-Studie KORALLE-12 sprachen 71,3 versus 40,2% "
            "der Patientinnen auf die Therapie an. Die Krankheitskontrollrate betrug 91,0 versus "
            "70,4%.\n")
    endpoints = {r.endpoint for r in extract_draft(text).results if r.estimate == "91,0"}
    assert any("krankheitskontrollrate" in e.lower() for e in endpoints)


def test_a_comparative_after_the_value_names_its_endpoint() -> None:
    labels = dict((v, e) for e, v in _labels(
        "KESTREL-9\n\nWith the device, patients spent 9.7% (95% CI, 6.9-12.5) less time above "
        "range than with usual care.\n"))
    assert labels["9.7%"] == "time above range"


def test_the_sentence_before_names_the_rates() -> None:
    text = ("KESTREL-9\n\nThe KESTREL-9 trial enrolled 220 patients on drug A or drug B. "
            "PASI 90 responses were less frequent. Among those in the second trial, the rates "
            "were 31.2% and 36.0% with drug A and drug B.\n")
    endpoints = {e for e, v in _labels(text) if v in ("31.2%", "36.0%")}
    assert endpoints and all("PASI 90" in e for e in endpoints)


def test_time_points_listed_after_a_plural_unit_are_no_values() -> None:
    text = ("ORCA-5 trial\n\nThe ORCA-5 trial randomised 300 patients to drug A (n=150) or "
            "placebo (n=150). Key secondary end points included changes in FEV1 at weeks 12 "
            "and 52.\n")
    assert not [r for r in extract_draft(text).results if r.estimate in ("12", "52")]


def test_a_german_percentage_with_a_space_keeps_its_value_and_names_its_endpoint() -> None:
    text = ("Psoriasis-Arthritis\n\nIn der randomisierten Studie ORCA-DE wurden 600 Patienten "
            "behandelt. Nach 16 Wochen zeigten je 51,4 % unter 150 mg und 60,2 % unter 300 mg "
            "ein ACR-20-Ansprechen, aber nur 21,7 % unter Plazebo.\n")
    rows = [(r.endpoint, r.estimate) for r in extract_draft(text).results]
    assert ("ACR-20", "51,4 %") in rows


def test_per_arm_counts_with_denominators_are_per_arm_rates() -> None:
    text = ("LANTERN-CKD\n\nIn this prespecified analysis we analysed those who received a "
            "dose (n=806). Hyperkalaemia occurred in 113 (14.0%) patients: 51/275 (18.5%) "
            "lirenone, 39/271 (14.4%) COMBO, and 24/269 (8.9%) gliflozin with few "
            "discontinuations.\n")
    rows = {(r.arm, r.estimate, r.n) for r in extract_draft(text).results}
    assert {("lirenone", "18.5%", "275"), ("gliflozin", "8.9%", "269"), (None, "14.0%", None)
            } <= rows


def test_a_dosing_code_names_an_arm_without_a_known_arm() -> None:
    text = ("ORCA-9\n\nIn the randomised ORCA-9 trial, PASI 90 was achieved by 44.1% of "
            "patients in Q4W (P=0.02 vs placebo), by 46.0% in Q2W (P=0.004 vs placebo) and by "
            "21.5% in the placebo group.\n")
    assert {("Q4W", "44.1%"), ("Q2W", "46.0%")} <= arm_values(text)


# -- results as congress pages word them (invented sentences) ----------------------------------

def results_of(sentence: str) -> list[tuple[str, str, str | None, str | None]]:
    text = ("PELTA-3: fictional\n\nIn the randomised PELTA-3 trial, 840 patients took part. "
            + sentence)
    return [(r.endpoint, r.measure, r.estimate, r.arm) for r in extract_draft(text).results]


@pytest.mark.parametrize(("sentence", "endpoint", "estimate"), [
    ("Patients on peltamab had a 23% reduced likelihood of relapse over two years.",
     "relapse", "23%"),
    ("The drug showed a 31% reduction in the risk of disease progression or death.",
     "disease progression or death", "31%"),
])
def test_a_stated_relative_reduction_names_the_endpoint_after_it(
        sentence: str, endpoint: str, estimate: str) -> None:
    (found,) = [r for r in results_of(sentence) if r[1] == "RRR"]
    assert found[0] == endpoint and found[2] == estimate


def test_a_german_relative_reduction_is_read() -> None:
    text = ("PELTA-3: fiktiv\n\nIn der randomisierten Studie PELTA-3 war das Risiko für einen "
            "Rückfall unter Peltamab um 41% gesenkt (HR 0,59; 95%-KI 0,44–0,79).")
    assert "41%" in {r.estimate for r in extract_draft(text).results if r.measure == "RRR"}


def test_a_comparative_after_the_ci_names_the_endpoint() -> None:
    found = results_of("The device arm spent 9.7% (95% CI, 6.1–13.3) less time above "
                       "target than the control group.")
    assert ("time above target", "9.7%") in {(r[0], r[2]) for r in found}


def test_values_in_brackets_after_the_arm_they_belong_to() -> None:
    found = results_of("Death or stroke was less frequent in the peltamab group (12.4%) than "
                       "in the placebo group (17.9%), with a hazard ratio of 0.67 (95% CI "
                       "0.50-0.89).")
    assert {(r[2], r[3]) for r in found if r[1] == "percent"} == {
        ("12.4%", "peltamab"), ("17.9%", "placebo")}


def test_a_difference_given_at_two_time_points_is_two_results() -> None:
    found = results_of("Lung function favoured peltamab, with a mean difference at week 16 of "
                       "74 ml (P<0.001) and at week 48 of 55 ml (P=0.03).")
    assert {r[2] for r in found if r[1] == "mean difference"} == {"74", "55"}


def test_respectively_after_a_sentence_that_named_the_groups() -> None:
    found = results_of("Remission was reached in 41.2% of patients in Q2W, 38.0% in Q4W and "
                       "19.5% in the placebo group. In the second cohort the rates were "
                       "44.1% (P<0.01), 40.3% (P<0.01), and 21.7%, respectively.")
    assert {(r[2], r[3]) for r in found} >= {("44.1%", "Q2W"), ("40.3%", "Q4W"),
                                              ("21.7%", "placebo group.")}


def test_a_rate_stated_as_low_in_brackets() -> None:
    found = results_of("Rehospitalisation for bleeding was low (4.4%).")
    assert ("4.4%", "percent") in {(r[2], r[1]) for r in found}


def test_an_estimate_whose_ci_follows_a_comparison() -> None:
    found = results_of("With the device, fasting glucose was 0.9 mmol/L lower than with "
                       "usual care (95% CI, 0.5–1.3).")
    assert ("fasting glucose", "0.9") in {(r[0], r[2]) for r in found}


def test_a_count_with_its_share_and_what_they_received() -> None:
    found = results_of("In all, 5,210 (64.3%) patients received rescue therapy within a day.")
    assert ("rescue therapy", "percent", "64.3%") in {(r[0], r[1], r[2]) for r in found}


def test_a_median_time_with_its_unit_but_not_the_follow_up() -> None:
    found = results_of("The median follow-up was 14.2 months. The median time to the first "
                       "rescue dose was 47 minutes.")
    values = {(r[0], r[2]) for r in found}
    assert ("time to the first rescue dose", "47") in values
    assert not any(v == "14.2" for _, v in values)


def test_values_followed_by_their_groups_respectively() -> None:
    found = results_of("Treatment was halted for loss of response in 3% vs 11% [with "
                       "peltamab and placebo, respectively].")
    assert {(r[2], r[3], r[1]) for r in found} >= {("3%", "peltamab", "percent"),
                                                   ("11%", "placebo", "percent")}


def test_a_ratio_named_by_the_primary_endpoints_head_noun_is_primary() -> None:
    text = ("PELTA-3: fictional\n\nIn the randomised PELTA-3 trial, 840 patients took part. The "
            "primary endpoint was the annualised rate of moderate or severe flares. Flares were "
            "rarer with peltamab: the rate ratio was 0.64 (95% CI 0.51–0.80).\n")
    (ratio,) = [r for r in extract_draft(text).results if r.measure == "rate ratio"]
    assert ratio.is_primary


def test_a_component_of_a_composite_is_not_the_primary_result() -> None:
    from agent.rules.endpoints import matches_primary

    assert not matches_primary("stroke", "death or stroke")
    assert matches_primary("flares", "annualised rate of moderate or severe flares")


def test_a_result_named_without_the_primary_endpoints_timeframe_and_unit_is_primary() -> None:
    from agent.rules.endpoints import matches_primary

    primary = "annualised percentage change in lung volume over 48 weeks"
    assert matches_primary("annualised lung volume change", primary)
    assert not matches_primary("annualised heart volume change", primary)


def test_a_primary_result_under_a_clause_fragment_takes_the_primary_endpoint() -> None:
    text = ("PELTA-3: fictional\n\nIn PELTA-3, 840 patients were randomised to peltamab (n=420) "
            "or placebo (n=420). The primary endpoint was total flares and hospital stays. After "
            "two years, there were "
            "412 primary-endpoint events in the peltamab group and 530 in the placebo group.\n")
    found = {(r.endpoint, r.estimate) for r in extract_draft(text).results if r.is_primary}
    assert {estimate for _, estimate in found} == {"412", "530"}
    assert all(endpoint.startswith("total flares") for endpoint, _ in found), found


def test_a_percentage_with_its_count_in_brackets_names_its_arm_after_the_count() -> None:
    text = ("PELTA-3: fictional\n\nIn the randomised PELTA-3 trial, 722 patients took part. "
            "Within 12 months, 4.2% (n = 15/360) of patients who received peltamab had early "
            "relapse vs 9.1% (n = 33/362) of those who received placebo.\n")
    rows = {(r.endpoint, r.estimate, r.arm, r.n) for r in extract_draft(text).results}
    assert {("early relapse", "4.2%", "peltamab", "360"),
            ("early relapse", "9.1%", "placebo.", "362")} <= rows


def test_each_respective_arm_follows_the_arms_the_sentence_before_named() -> None:
    found = results_of("Early relapse occurred in 4.2% of patients given peltamab and 9.1% of "
                       "those given placebo. When deaths were counted too, the rates of relapse "
                       "or death were 6.0% (n = 22/360) and 12.4% (n = 45/362) in each "
                       "respective arm.")
    assert {(r[0], r[2], r[3]) for r in found} >= {
        ("rates of relapse or death", "6.0%", "peltamab"),
        ("rates of relapse or death", "12.4%", "placebo.")}
    assert not any(r[3] and "respective" in r[3] for r in found)


def test_a_cohort_percentage_with_its_count_is_no_arm_value() -> None:
    found = results_of("Overall, 5.0% (n = 36/722) of patients had early relapse.")
    assert not any(r[3] for r in found if r[2] == "5.0%")


def test_rates_of_an_endpoint_are_a_label_but_rates_alone_are_not() -> None:
    from agent.rules.labels import weak_label

    assert weak_label("rates")
    assert weak_label("12-month rates")
    assert not weak_label("rates of early relapse")


def three_arm_values(sentence: str) -> set[tuple[str, str, str | None]]:
    """(endpoint, estimate, arm) read from `sentence` in a fictional three-arm trial."""
    text = ("PELTA-3: fictional\n\nIn PELTA-3, 840 patients were randomised to peltamab 10 mg "
            "(n=280), peltamab 20 mg (n=280) or placebo (n=280). " + sentence + "\n")
    return {(r.endpoint, r.estimate, r.arm or "") for r in extract_draft(text).results}


def test_an_amount_in_mg_printed_once_after_a_pair_is_a_per_arm_value() -> None:
    found = three_arm_values("The median total steroid dose was lower with peltamab 20 mg "
                             "compared with placebo: 1,240 versus 1,980 mg (P<0.001).")
    assert {("median total steroid dose", "1,240", "peltamab 20 mg"),
            ("median total steroid dose", "1,980", "placebo")} <= found


def test_doses_compared_in_mg_are_no_per_arm_values() -> None:
    found = three_arm_values("The steroid taper started lower with peltamab 20 mg compared "
                             "with placebo: 10 versus 20 mg.")
    assert not {estimate for _, estimate, _ in found} & {"10", "20"}


def test_the_endpoint_named_after_which_endpoint_it_is() -> None:
    found = results_of("The key secondary endpoint, severe flares, was less frequent with "
                       "peltamab: 2.4% versus 4.0% (HR 0.61, 95% CI 0.44-0.85).")
    assert {r[0] for r in found if r[2] in ("2.4%", "4.0%", "0.61")} == {"severe flares"}


def test_an_endpoint_defined_between_dashes_is_named_by_its_definition() -> None:
    found = results_of("The primary endpoint\u2014a composite of death, stroke, or urgent "
                       "hospitalisation\u2014was lower with peltamab (18.2%) than with placebo "
                       "(24.5%), with a hazard ratio of 0.71 (95% CI, 0.58\u20130.87).")
    assert {r[0] for r in found if r[2] in ("18.2%", "24.5%", "0.71")} == {
        "composite of death, stroke, or urgent hospitalisation"}


@pytest.mark.parametrize(("sentence", "condition"), [
    # a verb, a second group, a year or a verb of taking part ends the condition
    ("Early peltamab in patients with acute gout is meant to shorten flares.", "acute gout"),
    ("Response was higher in patients with KRX2 mutations and among all patients.",
     "KRX2 mutations"),
    ("The registry enrolled patients with large strokes in 2021.", "large strokes"),
    ("In total, 640 adults with chronic gout and two flares a year took part.",
     "chronic gout and two flares a year"),
    # 'at least', a decimal point and a term that runs on from its abbreviation do not
    ("The trial enrolled 1,200 patients with AF and at least one risk factor.",
     "AF and at least one risk factor"),
    ("The trial enrolled adults with an eGFR of 20 to 45 ml/min/1.73 m2.",
     "an eGFR of 20 to 45 ml/min/1.73 m2"),
    ("It enrolled patients with kinase receptor (KR)–positive tumours, all pretreated.",
     "kinase receptor (KR)–positive tumours"),
    # an abbreviation in brackets that nothing runs on from still ends it
    ("It enrolled patients with chronic kidney disease (CKD), all on dialysis.",
     "chronic kidney disease"),
])
def test_the_condition_ends_where_its_words_end(sentence: str, condition: str) -> None:
    text = f"PELTA-3: fictional\n\n{sentence} Flares fell by 31% (95% CI 12-46).\n"
    assert extract_draft(text).condition == condition


def test_the_words_after_an_arms_share_are_no_population() -> None:
    text = ("PELTA-3: fictional\n\nFlares occurred in 8.1% of patients with peltamab and 9.9% "
            "with placebo (HR 0.81, 95% CI 0.66-0.99). PELTA-3 enrolled 600 adults with "
            "chronic gout.\n")
    draft = extract_draft(text)
    assert (draft.population, draft.condition) == ("adults with chronic gout", "chronic gout")


@pytest.mark.parametrize(("sentence", "reductions"), [
    ("Adding peltamab reduced the incidence of flares (22% for first and 17% for any flare).",
     {"22%", "17%"}),
    ("Peltamab significantly reduced the risk of relapse (by 31%) over two years.", {"31%"}),
    # per-arm rates, a change over time and an adjective 'reduced' are no reductions
    ("Peltamab reduced the incidence of flares (8.1% vs 10.2%).", set()),
    ("Peltamab reduced the rate of flares (from 12% to 9%).", set()),
    ("A reduced peltamab dose was used in 240 of 840 patients (28.6%).", set()),
])
def test_relative_reductions_in_brackets_after_the_verb(sentence: str,
                                                        reductions: set[str]) -> None:
    found = results_of(sentence)
    assert {r[2] for r in found if r[1] == "RRR"} == reductions
    assert all(r[0] == "flares" or r[0] == "relapse" for r in found if r[1] == "RRR")
