"""Property-based tests of the parser and the consistency checks.

- any statistic rendered in any supported style is parsed back to its exact values;
- generated consistent result tuples raise no flag;
- each kind of generated inconsistency raises exactly its flag.
"""

from __future__ import annotations

import math
from decimal import Decimal
from statistics import NormalDist

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agent.anchor import anchor_record
from agent.document import analyse
from agent.draft import DraftArm, DraftRecord
from agent.schema import TrialRecord
from agent.verify import verify

CONSISTENCY_KINDS = {
    "ci_order", "estimate_outside_ci", "ci_asymmetry", "p_ci_mismatch", "p_ci_doubt",
    "significance_claim_ci_crosses_null", "impossible_percentage", "arm_sum_mismatch",
    "rrr_hr_mismatch", "primary_met_mismatch",
}
RATIO_LABELS = ["HR", "hazard ratio", "OR", "odds ratio", "RR", "risk ratio", "IRR",
                "rate ratio", "GMR", "aHR", "adjusted odds ratio"]
DIFF_LABELS = ["mean difference", "β", "risk difference", "LS mean difference"]


def fmt(value: Decimal, decimals: int, *, minus: str = "−", dot: str = ".") -> str:
    text = f"{abs(value):.{decimals}f}".replace(".", dot)
    return (minus + text) if value < 0 else text


def fmt_p(p: Decimal, style: int, dot: str = ".") -> str:
    text = f"{p}"
    if style == 1 and text.startswith("0."):
        text = text[1:]
    return text.replace(".", dot)


# (template, dot, minus, comma locale)
STYLES = [
    ("{L} {e} (95% CI {l}–{u}; P={p})", ".", "−"),
    ("{L} {e}; 95% CI, {l}-{u}; P = {p}", ".", "-"),
    ("({L}, {e}; 95% CI, {l} to {u}; p={p})", ".", "−"),
    ("{L} {e}, 95% CI {l}–{u}; p={p}", "·", "−"),
    ("the {L} was {e} (95% CI {l}, {u}), P = {p}", ".", "−"),
    ("{L} {e} (95%CI: {l} to {u}; P={p})", ".", "-"),
    ("{L} {e} (95% Cl {l}–{u}; P={p})", ".", "−"),
    ("{L} {e} (CI 95% {l} to {u}; P={p})", ".", "−"),
    ("{L} {e} [95% CI, {l}-{u}], P={p}", ".", "−"),
    ("{L} {e} (95%-KI {l}–{u}; p = {p})", ",", "−"),
]


@st.composite
def rendered_tuples(draw: st.DrawFn) -> tuple[str, str, Decimal, Decimal, Decimal, Decimal]:
    ratio = draw(st.booleans())
    decimals = draw(st.integers(1, 3))
    unit = Decimal(1).scaleb(-decimals)
    if ratio:
        label = draw(st.sampled_from(RATIO_LABELS))
        low = draw(st.integers(1, 300)) * unit * 10 ** (decimals - 1) / 10 ** (decimals - 1)
        low = max(low, unit)
    else:
        label = draw(st.sampled_from(DIFF_LABELS))
        low = draw(st.integers(-500, 400)) * unit
    width_e = draw(st.integers(1, 200)) * unit
    width_u = draw(st.integers(1, 200)) * unit
    estimate, upper = low + width_e, low + width_e + width_u
    p = draw(st.sampled_from([Decimal("0.04"), Decimal("0.001"), Decimal("0.63"),
                              Decimal("0.0007"), Decimal("0.2")]))
    template, dot, minus = draw(st.sampled_from(STYLES))
    if dot == "," and draw(st.booleans()):
        minus = "-"
    text = template.format(L=label, e=fmt(estimate, decimals, minus=minus, dot=dot),
                           l=fmt(low, decimals, minus=minus, dot=dot),
                           u=fmt(upper, decimals, minus=minus, dot=dot),
                           p=fmt_p(p, draw(st.integers(0, 1)) if dot != "," else 0, dot=dot))
    return text, label, estimate, low, upper, p


@settings(max_examples=400, deadline=None)
@given(rendered_tuples(), st.sampled_from(["Results: ", "", "In the trial, "]))
def test_any_rendered_statistic_parses_back_exactly(
    case: tuple[str, str, Decimal, Decimal, Decimal, Decimal], prefix: str
) -> None:
    text, _label, estimate, low, upper, p = case
    doc = analyse(prefix + text + ".")
    with_ci = [t for t in doc.tuples if t.ci is not None]
    assert len(with_ci) == 1, (text, doc.tuples)
    tup = with_ci[0]
    assert tup.estimate is not None and tup.ci is not None
    assert tup.estimate.value == estimate, text
    assert (tup.ci.lower.value, tup.ci.upper.value) == (low, upper), text
    assert tup.p is not None and tup.p.token is not None and tup.p.token.value == p, text


def _p_text(p: float) -> str:
    if p < 0.001:
        return "<0.001"
    if p < 0.01:
        return f"={p:.3f}"
    return f"={p:.2f}"


@st.composite
def consistent_tuples(draw: st.DrawFn) -> tuple[str, bool]:
    """A result as a trial would print it: estimate, 95% CI and P from one normal model."""
    ratio = draw(st.booleans())
    theta = draw(st.floats(-1.2, 1.2))
    se = draw(st.floats(0.04, 0.45))
    decimals = 2
    z = NormalDist().inv_cdf(0.975)
    p = 2 * (1 - NormalDist().cdf(abs(theta / se)))
    if ratio:
        e, lo, hi = (round(math.exp(x), decimals) for x in (theta, theta - z * se, theta + z * se))
        label = draw(st.sampled_from(["HR", "OR", "rate ratio", "RR"]))
    else:
        scale = draw(st.sampled_from([1.0, 10.0]))
        e, lo, hi = (round(scale * x, decimals) for x in (theta, theta - z * se, theta + z * se))
        label = draw(st.sampled_from(["mean difference", "β"]))
    assume(lo > 0 or not ratio)
    assume(hi - lo >= 4 * 10 ** -decimals)
    pieces = [f"{x:.{decimals}f}".replace("-", "−") for x in (e, lo, hi)]
    text = f"The {label} was {pieces[0]} (95% CI {pieces[1]} to {pieces[2]}; P{_p_text(p)})."
    return text, ratio


def flags(text: str, record: TrialRecord | None = None) -> set[str]:
    report = verify(record or TrialRecord(), text)
    return {c.kind for c in report.checks if c.kind in CONSISTENCY_KINDS}


@settings(max_examples=400, deadline=None)
@given(consistent_tuples())
def test_consistent_tuples_raise_no_flag(case: tuple[str, bool]) -> None:
    text, _ = case
    assert flags(text) == set(), text


@settings(max_examples=200, deadline=None)
@given(consistent_tuples(), st.sampled_from(["far", "flip"]))
def test_a_p_value_that_contradicts_its_ci_raises_exactly_p_ci_mismatch(
    case: tuple[str, bool], how: str
) -> None:
    text, _ = case
    doc = analyse(text)
    (tup,) = doc.tuples
    assert tup.p is not None and tup.ci is not None and tup.estimate is not None
    ratio = tup.measure in {"HR", "OR", "rate ratio", "RR"}
    null = 1 if ratio else 0
    excludes = tup.ci.lower.value > null or tup.ci.upper.value < null
    bad = "=0.62" if excludes else "<0.001"
    if how == "flip" and excludes:
        bad = "=0.31"
    if not excludes:
        # a CI that includes the null can only disagree with a small P
        assume(tup.ci.lower.value < null - Decimal("0.02") and tup.ci.upper.value > null
               + Decimal("0.02"))
    mutated = text[:tup.p.span[0]] + "P" + bad + text[tup.p.span[1]:]
    assert flags(mutated) == {"p_ci_mismatch"}, mutated


@settings(max_examples=200, deadline=None)
@given(consistent_tuples(), st.floats(1.15, 3.0))
def test_an_estimate_outside_its_ci_raises_exactly_that(case: tuple[str, bool],
                                                         factor: float) -> None:
    text, _ = case
    doc = analyse(text)
    (tup,) = doc.tuples
    assert tup.ci is not None and tup.estimate is not None and tup.p is not None
    upper = float(tup.ci.upper.value)
    width = float(tup.ci.upper.value - tup.ci.lower.value)
    outside = upper + factor * width
    new = f"{outside:.2f}".replace("-", "−")
    mutated = (text[:tup.estimate.start] + new + text[tup.estimate.end:tup.p.span[0]].rstrip("; ")
               + ")."
               )
    assert flags(mutated) == {"estimate_outside_ci"}, mutated


@settings(max_examples=100, deadline=None)
@given(st.integers(70, 99), st.integers(3, 25), st.integers(3, 25))
def test_significance_claim_with_a_ci_across_one(estimate: int, below: int, above: int) -> None:
    e = estimate / 100
    lo, hi = round(e - below / 100, 2), round(max(e + above / 100, 1.02), 2)
    assume(lo > 0)
    text = (f"The drug significantly reduced the primary outcome (HR {e:.2f}; "
            f"95% CI {lo:.2f}–{hi:.2f}).")
    found = flags(text)
    assert "significance_claim_ci_crosses_null" in found
    assert found <= {"significance_claim_ci_crosses_null", "ci_asymmetry"}


@settings(max_examples=100, deadline=None)
@given(st.integers(50, 95), st.integers(6, 30))
def test_a_relative_reduction_that_does_not_match_the_ratio(estimate: int, off: int) -> None:
    e = estimate / 100
    lo, hi = round(e * 0.85, 2), round(min(e / 0.85, 0.99), 2)
    assume(lo < e < hi)
    claimed = round(100 * (1 - e)) + off
    text = (f"Events were fewer with the drug (HR {e:.2f}; 95% CI {lo:.2f}–{hi:.2f}), "
            f"a {claimed}% relative reduction.")
    assert flags(text) - {"ci_asymmetry", "p_ci_mismatch"} == {"rrr_hr_mismatch"}
    right = text.replace(f"a {claimed}%", f"a {round(100 * (1 - e))}%")
    assert "rrr_hr_mismatch" not in flags(right)


@settings(max_examples=200, deadline=None)
@given(st.integers(5, 400), st.data())
def test_k_percent_of_n_phrases(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    right = f"{100 * k / n:.1f}"
    assert flags(f"The event occurred in {k} ({right}%) of {n} patients.") == set()
    wrong = data.draw(st.floats(0, 100).map(lambda x: f"{x:.1f}"))
    assume(abs(float(wrong) - 100 * k / n) > 0.06)
    assert flags(f"The event occurred in {k} ({wrong}%) of {n} patients.") == {
        "impossible_percentage"}


@settings(max_examples=100, deadline=None)
@given(st.integers(20, 3000), st.integers(20, 3000), st.integers(-40, 40))
def test_arms_that_do_not_add_up(a: int, b: int, delta: int) -> None:
    total = a + b + delta
    text = (f"In all, {total:,} patients were randomised to drug (n={a:,}) or placebo "
            f"(n={b:,}).")
    draft = DraftRecord(n_total=f"{total:,}", arms=[DraftArm(label="drug", n=f"{a:,}"),
                                                     DraftArm(label="placebo", n=f"{b:,}")])
    record = anchor_record(draft, text)
    expected = set() if delta == 0 else {"arm_sum_mismatch"}
    assert flags(text, record) == expected
