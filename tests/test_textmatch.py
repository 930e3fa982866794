"""Finding a quote a model copied: exact, through typography it rewrites, and without a full
stop it added to a clause cut from mid-sentence."""

from __future__ import annotations

import pytest

from agent.textmatch import find_all, find_in

TEXT = ("Stroke occurred in 4.1% vs 5.3% (HR 0.77; 95% CI 0.61\u20130.97), and bleeding "
        "was rarer.\u00a0The effect was  consistent\nacross subgroups.")


def test_exact_quote_gives_its_span() -> None:
    quote = "bleeding was rarer."
    span = find_in(TEXT, quote)
    assert span is not None and TEXT[span[0]:span[1]] == quote


@pytest.mark.parametrize("quote", [
    "HR 0.77; 95% CI 0.61-0.97",         # hyphen for the en dash
    "rarer. The effect was consistent across subgroups",  # spaces and newline collapsed
    "STROKE OCCURRED in 4.1%",           # case
])
def test_typography_the_model_changed_is_tolerated(quote: str) -> None:
    span = find_in(TEXT, quote)
    assert span is not None
    assert TEXT[span[0]:span[1]].lower().replace("\u2013", "-").split() == \
        quote.lower().split()


@pytest.mark.parametrize("quote, expected", [
    ("Stroke occurred in 4.1% vs 5.3%.", "Stroke occurred in 4.1% vs 5.3%"),
    ("(HR 0.77; 95% CI 0.61\u20130.97),;", "(HR 0.77; 95% CI 0.61\u20130.97)"),
    ("bleeding was rarer.", "bleeding was rarer."),  # the article's own full stop is kept
])
def test_a_closing_mark_the_article_does_not_have_is_left_out(quote: str,
                                                              expected: str) -> None:
    span = find_in(TEXT, quote)
    assert span is not None and TEXT[span[0]:span[1]] == expected


@pytest.mark.parametrize("quote", [
    "Stroke occurred in 4.2% vs 5.3%.",  # a changed digit is not punctuation
    "...",
    "",
    "bleeding was rarer still.",
])
def test_anything_else_is_not_found(quote: str) -> None:
    assert find_in(TEXT, quote) is None


def test_find_all_returns_every_occurrence() -> None:
    text = "4.1% and 4.1%."
    assert [(a, b) for a, b in find_all(text, "4.1%")] == [(0, 4), (9, 13)]
