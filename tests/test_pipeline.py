"""The whole pipeline with the rules backend on every project case (and the shared corpus)."""

from __future__ import annotations

import pytest

from agent.backends.rules import RulesBackend
from agent.config import load_settings
from agent.grounding import cited_numbers
from agent.output import Output
from agent.pipeline import digest_article
from evals.cases import Case, load_cases
from evals.record import article_of
from tests.conftest import shared_corpus

CASES = load_cases()


def digest(case: Case) -> Output:
    return digest_article(article_of(case), load_settings(env={}, backend="rules"),
                          RulesBackend())


def assert_every_number_grounded_or_flagged(output: Output) -> None:
    assert output.record is not None
    text = output.source.text
    flagged = {c.field for c in output.checks if c.severity != "ok"}
    for cited in cited_numbers(output.record):
        number = cited.number
        at_span = text[slice(*number.span)] if number.span else None
        if at_span != number.text:
            assert cited.pointer in flagged, (cited.pointer, number.text, at_span)
        else:
            assert number.status in ("grounded", "mismatch", "ambiguous")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rules_digest_of_each_case(case: Case) -> None:
    output = digest(case)
    assert output.backend.name == "rules"
    trial = output.record is not None and output.record.is_trial_report
    assert output.status in (("verified", "needs_review") if trial else ("not_a_trial",
                                                                         "needs_review"))
    assert_every_number_grounded_or_flagged(output)
    assert output.summary is not None and output.summary.text
    summary_errors = [c for c in output.checks
                      if c.field.startswith("/summary") and c.severity == "error"]
    assert not summary_errors, summary_errors
    # the round trip through JSON is lossless: the contract other tools read
    assert Output.model_validate_json(output.model_dump_json()) == output


def test_injected_numbers_never_become_results() -> None:
    (case,) = [c for c in CASES if c.id.startswith("e25")]
    output = digest(case)
    assert output.record is not None
    values = [n.number.text for n in cited_numbers(output.record)]
    assert "0.10" not in values
    assert any(c.kind == "injection" for c in output.checks)


CORPUS = shared_corpus()


@pytest.mark.skipif(not CORPUS, reason="../shared/corpus is not present on this machine")
@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_rules_digest_of_the_shared_corpus(case: Case) -> None:
    assert_every_number_grounded_or_flagged(digest(case))
