"""The summary that tells the finding: the facts read from a verified record, the template's
wording of a positive, a negative and a silent trial, the checks on direction, significance,
coverage, language and house style, and articles in German and French."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import cli
from agent.anchor import anchor_record
from agent.backends.rules import RulesBackend
from agent.config import load_settings
from agent.draft import DraftArm, DraftDesign, DraftRecord, DraftResult, DraftSafety
from agent.errors import ConfigError
from agent.house_style import HouseStyle, load_house_style
from agent.language import format_number, guess_language
from agent.output import Output
from agent.pipeline import digest
from agent.report import Check
from agent.schema import Number, TrialRecord
from agent.summarise import facts_text, peer_review_caveat, summarise
from agent.summary_check import SummaryInput
from agent.summary_facts import SummaryFacts, build_facts
from agent.verify import verify

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"

# An invented trial, written for these tests.
TEXT = ("TARN-2: fictional\nPresented at the Lakeside Cardiology Meeting 2026. TARN-2 randomised "
        "1,200 patients with heart failure to tarnexin (n=600) or placebo (n=600). The primary "
        "endpoint, heart failure hospitalisation or death, occurred in 12.5% with tarnexin and "
        "16.0% with placebo (HR 0.76; 95% CI 0.62–0.93; P=0.007). Death alone did not differ "
        "(HR 0.97; 95% CI 0.75–1.26; P=0.82). Serious bleeding occurred in 2.1% and 1.9%.\n")
NEGATIVE = TEXT.replace("HR 0.76; 95% CI 0.62–0.93; P=0.007", "HR 0.91; 95% CI 0.76–1.09; "
                        "P=0.31")


def draft(text: str = TEXT, met: str = "yes", estimate: str = "0.76", lower: str = "0.62",
          upper: str = "0.93", p: str = "0.007") -> TrialRecord:
    quote = f"(HR {estimate}; 95% CI {lower}–{upper}; P={p})"
    primary = DraftResult(endpoint="heart failure hospitalisation or death", is_primary=True,
                          measure="HR", estimate=estimate, ci_lower=lower, ci_upper=upper, p=p,
                          quote=quote)
    death = DraftResult(endpoint="death", measure="HR", estimate="0.97", ci_lower="0.75",
                        ci_upper="1.26", p="0.82", quote="(HR 0.97; 95% CI 0.75–1.26; P=0.82)")
    arms = [DraftArm(label="tarnexin", n="600"), DraftArm(label="placebo", n="600")]
    safety = [DraftSafety(event="serious bleeding", arm="tarnexin", value="2.1%"),
              DraftSafety(event="serious bleeding", arm="placebo", value="1.9%")]
    record = DraftRecord(trial_names=["TARN-2"], n_total="1,200", primary_endpoint_met=met,
                         primary_endpoint="heart failure hospitalisation or death",
                         congress="Lakeside Cardiology Meeting 2026", arms=arms,
                         design=DraftDesign(randomised=True),
                         results=[primary, death], safety=safety)
    return anchor_record(record, text)


def facts_of(record: TrialRecord, text: str = TEXT) -> SummaryFacts:
    return build_facts(record, verify(record, text), text, caveat=None)


def template(record: TrialRecord, text: str = TEXT) -> tuple[str, list[Check]]:
    """The rules backend's summary of the record, and the summary checks on it."""
    report = verify(record, text)
    summary = summarise(record, report, text, RulesBackend(), load_house_style()).summary
    checks = verify(record, text, SummaryInput(summary.text, congress_report=True)).checks
    return summary.text, [c for c in checks if c.origin == "summary" and c.severity != "ok"]


def summary_checks(text: str, record: TrialRecord | None = None, article: str = TEXT,
                   **options: object) -> list[Check]:
    rec = record or draft()
    checks = verify(rec, article, SummaryInput(text, **options)).checks  # type: ignore[arg-type]
    return [c for c in checks if c.origin == "summary" and c.severity != "ok"]


def kinds(checks: list[Check]) -> list[str]:
    return [c.kind for c in checks]


# -- the facts ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("met", "text", "outcome"), [
    ("yes", TEXT, "met"), ("no", NEGATIVE, "not_met"), ("not_stated", TEXT, "significant"),
    ("not_stated", NEGATIVE, "no_difference")])
def test_the_verdict_is_the_articles_statement_else_the_primary_ci(
        met: str, text: str, outcome: str) -> None:
    estimate = "0.76" if text == TEXT else "0.91"
    lower, upper, p = ("0.62", "0.93", "0.007") if text == TEXT else ("0.76", "1.09", "0.31")
    record = draft(text, met, estimate, lower, upper, p)
    assert facts_of(record, text).outcome == outcome


def test_a_met_claim_the_ci_contradicts_is_doubted() -> None:
    record = draft(NEGATIVE, "yes", "0.91", "0.76", "1.09", "0.31")
    assert facts_of(record, NEGATIVE).outcome == "doubted"


def test_without_a_verified_primary_result_the_verdict_is_unknown() -> None:
    record = draft(met="not_stated")
    record.results = record.results[1:]
    assert facts_of(record).outcome == "unknown"
    assert not facts_of(record).primary_known


def test_only_grounded_numbers_reach_the_facts() -> None:
    record = draft()
    record.n_total = Number(text="1,300", value=1300, span=record.n_total.span)  # type: ignore
    facts = facts_of(record)
    assert facts.n_total is None
    assert facts.main is not None and facts.main.estimate.text == "0.76"


# -- the template ------------------------------------------------------------------------------

def test_a_positive_trial_is_told_as_positive_with_its_size_and_numbers() -> None:
    text, checks = template(draft())
    assert "met the trial's main goal" in text
    assert "about 24% lower with tarnexin than with placebo" in text
    assert "tarnexin" in text and "placebo" in text and "1,200" in text
    assert "0.76" in text and "0.62" in text and "peer-reviewed" in text
    assert "not yet clear" not in text
    assert not [c for c in checks if c.severity == "error"], checks


def test_a_negative_trial_is_told_as_negative_without_benefit_words() -> None:
    record = draft(NEGATIVE, "no", "0.91", "0.76", "1.09", "0.31")
    text, checks = template(record, NEGATIVE)
    assert "did not meet the trial's main goal" in text
    assert "no clear difference" in text and "0.91" in text
    assert "not yet clear" not in text and "lower with" not in text
    assert "summary_spin" not in kinds(checks)
    assert not [c for c in checks if c.severity == "error"], checks


def test_a_silent_article_gets_the_verdict_of_the_primary_ci() -> None:
    text, _ = template(draft(met="not_stated"))
    assert "The difference was statistically significant" in text
    record = draft(NEGATIVE, "not_stated", "0.91", "0.76", "1.09", "0.31")
    text, checks = template(record, NEGATIVE)
    assert "not statistically significant" in text
    assert not [c for c in checks if c.severity == "error"], checks


def test_not_yet_clear_only_without_a_primary_result() -> None:
    record = draft(met="not_stated")
    record.results = record.results[1:]
    text, _ = template(record)
    assert "not yet clear" in text
    assert "not yet clear" not in template(draft(met="not_stated"))[0]


def test_the_template_keeps_to_the_house_style_length() -> None:
    text, checks = template(draft())
    style = load_house_style()
    assert style.min_words <= len(text.split()) <= style.max_words
    assert "summary_length" not in kinds(checks)


# -- the checks ------------------------------------------------------------------------------

def test_a_fall_beside_a_number_that_says_a_rise_is_an_error() -> None:
    (flag,) = [c for c in summary_checks("Deaths were 3% higher with tarnexin (HR 0.97).")
               if c.kind == "summary_direction"]
    assert flag.severity == "error" and "3%" in flag.message
    assert "summary_direction" not in kinds(summary_checks(
        "The risk was about 24% lower with tarnexin (HR 0.76)."))


def test_higher_with_the_comparator_reads_the_other_way_round() -> None:
    assert "summary_direction" not in kinds(summary_checks(
        "The risk was about 24% higher with placebo than with tarnexin (HR 0.76)."))
    assert "summary_direction" in kinds(summary_checks(
        "The risk was about 24% higher with tarnexin than with placebo (HR 0.76)."))


def test_no_difference_over_a_significant_result_is_an_error() -> None:
    checks = summary_checks("There was no clear difference in the main outcome (HR 0.76).")
    assert "summary_significance" in kinds(checks)
    assert "summary_significance" not in kinds(summary_checks(
        "Death alone did not differ: there was no clear difference (HR 0.97)."))


def test_significant_over_a_result_whose_ci_includes_no_difference_is_an_error() -> None:
    checks = summary_checks("Deaths were significantly reduced (HR 0.97).")
    assert "summary_significance" in kinds(checks)


STROKE = TEXT.replace("Serious bleeding", "Stroke did not differ (HR 1.02; 95% CI 0.80–1.30; "
                                          "P=0.88) in patients at risk of stroke. Serious bleeding")


def stroke_record() -> TrialRecord:
    record = draft(STROKE)
    stroke = DraftResult(endpoint="stroke", measure="HR", estimate="1.02", ci_lower="0.80",
                         ci_upper="1.30", p="0.88", quote="(HR 1.02; 95% CI 0.80–1.30; P=0.88)")
    record.results.append(anchor_record(DraftRecord(results=[stroke]), STROKE).results[0])
    return record


@pytest.mark.parametrize(("summary", "flagged"), [
    ("Tarnexin also cut strokes.", True),
    ("Tarnexin Reduces Hospital Stays and Strokes.", True),
    ("Tarnexin lowered heart failure events, while strokes were similar.", False),
    ("It was a large trial. Tarnexin lowered heart failure events, while strokes were similar.",
     False),
    ("Strokes did not differ.", False),
    ("Tarnexin cut strokes (HR 1.02).", False),  # a number: significance_checks reads it
    ("Tarnexin cut heart failure events at 90 days.", False)])
def test_a_benefit_claimed_in_words_for_an_outcome_without_a_difference_is_an_error(
        summary: str, flagged: bool) -> None:
    record = stroke_record()
    checks = [c for c in summary_checks(summary + " Not yet peer-reviewed.", record, STROKE)
              if c.kind == "summary_significance" and "whose result's CI" in c.message]
    assert bool(checks) is flagged
    if flagged:
        assert "'stroke'" in checks[0].message and checks[0].severity == "error"


def test_an_endpoint_named_improvement_is_not_a_claim() -> None:
    record = draft(NEGATIVE, "no", "0.91", "0.76", "1.09", "0.31")
    record.results[1].endpoint = "symptom improvement"
    checks = summary_checks("For symptom improvement, the hazard ratio was 0.97.", record,
                            NEGATIVE)
    assert "summary_spin" not in kinds(checks)


def test_leaving_out_the_primary_result_n_or_a_serious_harm_is_a_warning() -> None:
    checks = summary_checks("Tarnexin was tested against placebo. The results are not yet "
                            "peer-reviewed.")
    found = {c.kind: c.severity for c in checks}
    assert found["summary_missing_primary"] == "warning"
    assert found["summary_missing_n"] == "warning"
    assert found["summary_missing_safety"] == "warning"


def test_not_yet_clear_despite_a_primary_result_is_a_warning() -> None:
    checks = summary_checks("It is not yet clear whether tarnexin works (HR 0.76).")
    assert "summary_not_yet_clear" in kinds(checks)


def test_a_summary_in_another_language_than_the_editors_is_an_error() -> None:
    german = ("Die Studie zeigte, dass die Patienten mit Tarnexin seltener ins Krankenhaus "
              "kamen als mit Placebo, und die Ergebnisse sind noch nicht begutachtet.")
    (flag,) = [c for c in summary_checks(german) if c.kind == "summary_language"]
    assert flag.severity == "error" and "German" in flag.message
    assert "summary_language" not in kinds(summary_checks(german, language="de"))


def test_quoted_terms_of_the_articles_language_are_not_a_language_error() -> None:
    text = ("The main outcome was “Tod oder Krankenhausaufnahme wegen Herzinsuffizienz” and it "
            "was about 24% lower with tarnexin than with placebo in the trial (HR 0.76).")
    assert "summary_language" not in kinds(summary_checks(text))


def test_the_house_style_is_read_and_held_to(tmp_path: Path) -> None:
    path = tmp_path / "style.toml"
    path.write_text('min_words = 5\nmax_words = 12\navoid = ["breakthrough"]\n'
                    'caveat_marker = "preliminary"\n', encoding="utf-8")
    style = load_house_style(path)
    assert style.max_words == 12 and style.avoid == ("breakthrough",)
    text = "A breakthrough: the risk was about 24% lower with tarnexin (HR 0.76). Preliminary."
    checks = summary_checks(text, style=style, congress_report=True)
    assert "summary_style" in kinds(checks) and "summary_length" in kinds(checks)
    assert "summary_caveat" not in kinds(checks)  # the house's own caveat word counts
    assert "summary_caveat" in kinds(summary_checks(text, congress_report=True))


def test_a_house_style_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "style.toml"
    path.write_text("max_wordz = 12\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_wordz"):
        load_house_style(path)


def test_the_shipped_house_style_has_every_field() -> None:
    shipped = load_house_style()
    assert shipped != HouseStyle() and shipped.avoid and "{congress}" not in \
        shipped.congress_caveat("the Lakeside Meeting")


def test_a_not_a_trial_article_gets_no_caveat() -> None:
    record = draft()
    record.is_trial_report = False
    assert peer_review_caveat(record, TEXT, load_house_style()) is None


# -- languages -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "language", "expected"), [
    ("1.206", 1206, "en", "1,206"), ("0,74", 0.74, "en", "0.74"), ("2,5", 2.5, "en", "2.5"),
    ("1 318", 1318, "en", "1,318"), ("0·47", 0.47, "en", "0.47"), ("−1,8", -1.8, "en", "−1.8"),
    ("10,70", 10.7, "en", "10.70"), ("11,2 %", 11.2, "en", "11.2%"), ("0.74", 0.74, "de", "0,74"),
    ("1,206", 1206, "de", "1.206"), ("1,318", 1318, "fr", "1\u202f318")])
def test_numbers_are_written_the_way_the_summary_language_writes_them(
        text: str, value: float, language: str, expected: str) -> None:
    assert format_number(Number(text=text, value=value), language) == expected


def test_the_language_of_a_text_is_told_by_its_function_words() -> None:
    assert guess_language("Die Patienten in der Studie wurden mit dem Wirkstoff behandelt") == "de"
    assert guess_language("Les patients de l'essai ont reçu le traitement et le placebo") == "fr"
    assert guess_language("The patients in the trial were given the drug or placebo") == "en"
    assert guess_language("HR 0.76 (0.62-0.93)") is None


@pytest.mark.parametrize("name", ["lindwurm-ckd-de.txt", "gaspard-hta-fr.txt"])
def test_german_and_french_articles_get_english_summaries_with_traced_numbers(
        name: str) -> None:
    output: Output = digest(str(ARTICLES / name), load_settings(env={}, backend="rules"),
                            RulesBackend())
    assert output.summary is not None
    summary = output.summary.text
    assert guess_language(summary.replace("“", '"').replace("”", '"')) in ("en", None)
    numbers = [c for c in output.checks if c.kind == "summary_number"]
    assert numbers and all(c.severity == "ok" for c in numbers)
    assert not [c for c in output.checks if c.origin == "summary" and c.severity == "error"]
    assert "," not in "".join(c.text or "" for c in numbers if "." in (c.text or ""))
    assert "peer-reviewed" in summary


def test_the_german_article_summary_reports_the_verdict_and_converted_numbers() -> None:
    output = digest(str(ARTICLES / "lindwurm-ckd-de.txt"),
                    load_settings(env={}, backend="rules"), RulesBackend())
    assert output.summary is not None
    text = output.summary.text
    assert "met the trial's main goal" in text and "2,412" in text and "0.74" in text
    assert "0,74" not in text


def test_the_french_article_summary_reports_a_negative_trial() -> None:
    output = digest(str(ARTICLES / "gaspard-hta-fr.txt"),
                    load_settings(env={}, backend="rules"), RulesBackend())
    assert output.summary is not None
    text = output.summary.text
    assert "did not meet" in text and "1,318" in text and "−1.8" in text


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["trialbrief", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    return int(done.value.code or 0)


def test_the_rules_backend_refuses_a_summary_language_it_cannot_write(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    article = str(ARTICLES / "gaspard-hta-fr.txt")
    assert run(monkeypatch, "digest", article, "--backend", "rules", "--language", "de") == 2
    assert "English only" in capsys.readouterr().err
    assert run(monkeypatch, "digest", article, "--backend", "rules", "--language", "xx") == 2
    assert "unknown summary language" in capsys.readouterr().err


def test_a_roundup_tells_each_study_with_its_own_significance() -> None:
    text = ("Highlights from the Lakeside Meeting 2026\n\nIn ALDER-1 (fictional), alderin lowered "
            "weight (mean difference −6.1 kg; 95% CI −7.4 to −4.8). In BIRCH-2 (fictional), "
            "birchumab did not reduce events (HR 0.96; 95% CI 0.81–1.14).\n")
    draft = DraftRecord(trial_names=["ALDER-1", "BIRCH-2"], congress="Lakeside Meeting 2026",
                        results=[
                            DraftResult(endpoint="weight", measure="mean difference",
                                        estimate="−6.1", ci_lower="−7.4", ci_upper="−4.8",
                                        trial="ALDER-1", quote="−6.1 kg; 95% CI −7.4 to −4.8"),
                            DraftResult(endpoint="events", measure="HR", estimate="0.96",
                                        ci_lower="0.81", ci_upper="1.14", trial="BIRCH-2",
                                        quote="HR 0.96; 95% CI 0.81–1.14")])
    record = anchor_record(draft, text)
    summary, checks = template(record, text)
    assert "two studies" in summary
    assert "In ALDER-1, for weight" in summary and "statistically significant" in summary
    assert "In BIRCH-2, there was no clear difference in events" in summary
    assert not [c for c in checks if c.severity == "error"], checks


def test_met_its_main_goal_is_the_articles_statement_to_make() -> None:
    met = "TARN-2 met its main goal: the risk was about 24% lower with tarnexin (HR 0.76)."
    silent = draft(met="not_stated")
    (flag,) = [c for c in summary_checks(met, silent) if c.kind == "summary_goal"]
    assert flag.severity == "warning" and "statistically significant" in flag.message
    record = draft(NEGATIVE, "no", "0.91", "0.76", "1.09", "0.31")
    wrong = "TARN-2 met its main goal (HR 0.91)."
    assert [c.severity for c in summary_checks(wrong, record, NEGATIVE)
            if c.kind == "summary_goal"] == ["error"]
    assert "summary_goal" not in kinds(summary_checks("TARN-2 did not meet its main goal.",
                                                      record, NEGATIVE))


def test_the_size_of_a_negative_difference_may_be_told_with_its_direction() -> None:
    text = ("MORA-1: fictional\nPresented at the Lakeside Meeting 2026. In MORA-1, 600 patients "
            "were randomised to moratin or placebo. The primary endpoint, LDL cholesterol, "
            "changed by a mean difference of −41.5% (95% CI −45.0% to −38.0%; P<0.001).\n")
    draft = DraftRecord(trial_names=["MORA-1"], n_total="600", results=[DraftResult(
        endpoint="LDL cholesterol", is_primary=True, measure="mean difference",
        estimate="−41.5%", ci_lower="−45.0%", ci_upper="−38.0%", p="<0.001",
        quote="−41.5% (95% CI −45.0% to −38.0%; P<0.001)")])
    record = anchor_record(draft, text)
    fell = summary_checks("LDL cholesterol fell by 41.5% with moratin.", record, text)
    assert not [c for c in fell if c.severity == "error"], fell
    rose = summary_checks("LDL cholesterol rose by 41.5% with moratin.", record, text)
    assert "summary_direction" in kinds(rose)


def test_a_number_that_is_part_of_a_name_is_not_a_result() -> None:
    named = verify(draft(), TEXT, SummaryInput("Grade 4 bleeding was rare.")).checks
    (number,) = [c for c in named if c.kind == "summary_number"]
    assert number.severity == "ok" and "part of a name" in number.message
    counted = verify(draft(), TEXT, SummaryInput("4 in 10 did better.")).checks
    (number,) = [c for c in counted if c.kind == "summary_number"]
    assert number.severity == "error"  # a count the record does not hold stays an error


def test_a_model_writing_the_lead_is_shown_the_main_finding_only() -> None:
    record = draft()
    facts = build_facts(record, verify(record, TEXT), TEXT, caveat="Not yet peer-reviewed.")
    whole, lead = facts_text(facts), facts_text(facts, lead=True)
    assert "Side effect" in whole and "Status:" in whole and "P=0.007" in whole
    assert "Side effect" not in lead and "Status:" not in lead and "P=0.007" not in lead
    assert "Number of people: 1,200" in lead and "Wording you may reuse" in lead
