"""Non-inferiority and one-sided P values, and arm sizes that do not add up: whose mistake?"""

from __future__ import annotations

from datetime import UTC, datetime

from agent.anchor import anchor_record
from agent.backends.rules import RulesBackend
from agent.draft import DraftArm, DraftRecord
from agent.extract import extract
from agent.report import Check
from agent.schema import Article
from agent.verify import verify

HEAD = ("TALVERA-AF: shorter therapy after stenting\nIn TALVERA-AF, 2,040 patients were "
        "randomised to 1-month therapy (n=1,020) or 12-month therapy (n=1,020). The primary "
        "endpoint was net adverse clinical events. ")


def findings(text: str) -> list[Check]:
    article = Article(text=text, fetched_at=datetime.now(UTC), sha256="0" * 64)
    record = extract(article, RulesBackend()).record
    return verify(record, text).findings()


def test_a_correct_non_inferiority_report_raises_nothing() -> None:
    labelled = HEAD + ("One-month therapy was non-inferior: events occurred in 5.1% and 5.7% "
                       "(risk difference −0.6 points; 95% CI −1.9 to 0.7; P<0.001 for "
                       "non-inferiority). The trial met its primary endpoint.\n")
    unlabelled_ci = HEAD + ("One-month therapy was non-inferior (difference −1.4%, 95% CI −3.8% "
                            "to 1.0%), meeting the primary endpoint.\n")
    assert findings(labelled) == []
    assert findings(unlabelled_ci) == []


def test_an_unlabelled_p_that_only_fits_non_inferiority_is_a_warning_that_says_so() -> None:
    text = HEAD + "One-month therapy was non-inferior (HR 1.08; 95% CI 0.85-1.37; P=0.02).\n"
    (check,) = findings(text)
    assert (check.kind, check.severity, check.origin) == ("p_ci_mismatch", "warning", "article")
    assert "may test non-inferiority" in check.message


def test_a_p_that_fits_a_one_sided_test_is_a_warning_that_says_so() -> None:
    text = HEAD + ("Events were fewer with one-month therapy (HR 0.70; 95% CI 0.56-0.88; "
                   "P=.0004).\n")
    (check,) = findings(text)
    assert check.kind == "p_ci_mismatch" and check.severity == "warning"
    assert "one-sided" in check.message


def test_arms_that_do_not_add_up_in_the_article_are_its_own_inconsistency() -> None:
    text = ("Hyperkalaemia\nWe analysed 806 patients who received a dose (n=806). Hyperkalaemia "
            "occurred in 50/270 (18.5%) on drug A, 42/268 (15.7%) on drug B and 24/263 (9.1%) "
            "on drug C.\n")
    draft = DraftRecord(n_total="806", arms=[DraftArm(label="A", n="270"),
                                             DraftArm(label="B", n="268"),
                                             DraftArm(label="C", n="263")])
    (check,) = verify(anchor_record(draft, text), text).of_kind("arm_sum_mismatch")
    assert (check.severity, check.origin) == ("warning", "article")


def test_a_record_whose_total_is_an_arm_size_is_in_error() -> None:
    text = HEAD + "Events occurred in 5.1% and 5.7% (HR 0.90; 95% CI 0.61-1.32; P=0.59).\n"
    draft = DraftRecord(n_total="1,020", arms=[DraftArm(label="1-month", n="1,020"),
                                               DraftArm(label="12-month", n="1,020")])
    (check,) = verify(anchor_record(draft, text), text).of_kind("arm_sum_mismatch")
    assert (check.severity, check.origin) == ("error", "record")
    assert "the article gives 2,040" in check.message
