"""The rules backend's summary: the verified facts worded by fixed sentences, in English.

It says what was tested against what, in whom and how many, the main result in words with its
numbers (direction and size), whether the trial met its main goal (as the article says, or,
where the article is silent, whether the primary result's CI excludes 'no difference'), other
results, the side effects that matter most, and the caveat. Words of direction ("lower",
"higher") are used only where a benefit is established (the goal met, or the primary result
significant); elsewhere results are given as numbers. "Not yet clear" only when the record holds
no verified primary result. Over the house style's length, the least important parts go first.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.house_style import HouseStyle
from agent.summary_draft import SummaryDraft
from agent.summary_facts import Comparison, GroupValue, SafetyFact, SummaryFacts

_MEASURE_WORDS = {"HR": "hazard ratio", "OR": "odds ratio", "RR": "risk ratio",
                  "IRR": "rate ratio", "rate ratio": "rate ratio", "GMR": "ratio",
                  "mean difference": "average difference", "risk difference":
                  "difference in risk", "RRR": "relative reduction", "beta": "estimated effect",
                  "percent": "rate", "mean change": "average change", "other": "result"}
_RISK_WORD = {"HR": "risk", "OR": "odds", "RR": "risk", "IRR": "rate", "rate ratio": "rate",
              "GMR": "level", "RRR": "risk"}
_COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten")
_POSITIVE = ("met", "significant")
_COMPARED = {"decrease": "lower", "increase": "higher"}
_NEGATIVE = ("not_met", "no_difference")


@dataclass(frozen=True)
class _Budget:
    """How much of the optional content to include."""

    secondary: int = 2
    safety: int = 3
    arm_sizes: bool = True
    group_values: bool = True


_BUDGETS = (_Budget(), _Budget(secondary=1), _Budget(secondary=1, safety=2),
            _Budget(secondary=1, safety=2, arm_sizes=False),
            _Budget(secondary=0, safety=1, arm_sizes=False),
            _Budget(secondary=0, safety=1, arm_sizes=False, group_values=False))


def template_summary(facts: SummaryFacts, style: HouseStyle) -> SummaryDraft:
    if not facts.is_trial_report:
        return _not_a_trial(facts)
    if len(facts.trials) > 1:
        return _roundup(facts)
    draft = _draft(facts, _BUDGETS[0])
    for budget in _BUDGETS[1:]:
        if _words(draft, facts) <= style.max_words:
            break
        draft = _draft(facts, budget)
    return draft


def _words(draft: SummaryDraft, facts: SummaryFacts) -> int:
    return sum(len(text.split()) for text in draft.sections()) + len(
        (facts.caveat or "").split())


def _draft(facts: SummaryFacts, budget: _Budget) -> SummaryDraft:
    name = _name(facts)
    return SummaryDraft(
        headline=_headline(facts, name), standfirst=_standfirst(facts),
        tested=_tested(facts, name), participants=_participants(facts, budget),
        findings=" ".join(s for s in (_main_result(facts, budget), _goal(facts),
                                      *_others(facts, budget)) if s),
        side_effects=_side_effects(facts.safety[:budget.safety]), meaning=_meaning(facts))


def _roundup(facts: SummaryFacts) -> SummaryDraft:
    """Several studies in one report: each told on its own, with the significance of its own
    result; no verdict across them."""
    count = _count(len(facts.trials))
    lines = [line for trial in facts.trials[:5] if (line := _trial_line(facts, trial))]
    where = f"at {facts.congress}" if facts.congress else "in this report"
    return SummaryDraft(
        headline=f"{_join(facts.trials[:3])}: results from {count} studies",
        standfirst=f"This report covers {count} studies presented {where}: "
                   f"{_join(facts.trials)}.",
        tested=f"They compared {facts.arms[0]} with {facts.arms[1]}." if len(facts.arms) == 2
        else "", participants=f"{facts.n_total.text} people took part in all."
        if facts.n_total else "",
        findings=" ".join([*lines, _ROUNDUP_GOAL.get(facts.outcome, "")]).strip()
        or "The article gives no verified number for these studies.",
        side_effects=_side_effects(facts.safety[:2]),
        meaning="The studies differ in what they tested, so each result stands on its own.")


_ROUNDUP_GOAL = {"met": "The article says the studies met their main goal.",
                 "not_met": "The article says the studies did not meet their main goal.",
                 "doubted": "The article says the studies met their main goal, but the numbers "
                            "it gives do not clearly support this."}


def _trial_line(facts: SummaryFacts, trial: str) -> str:
    comparisons = [c for c in (*facts.primary, *facts.secondary) if c.trial == trial]
    if comparisons:
        c = comparisons[0]
        if c.significant is False:
            return f"In {trial}, there was no clear difference in {c.endpoint}: {_measured(c)}."
        verdict = ", a statistically significant difference" if c.significant else ""
        return f"In {trial}, for {c.endpoint}, {_measured(c)}{verdict}."
    values = [v for v in facts.primary_values if v.trial == trial]
    if values:
        parts = [_moved(v, first=i == 0) for i, v in enumerate(values[:3])]
        return f"In {trial}, {values[0].endpoint} {_join(parts)}."
    return ""


def plain_words(facts: SummaryFacts, *, with_main: bool = True) -> list[str]:
    """The template's sentences for the main finding (standfirst, main result, verdict): a
    model is shown them as wording it may reuse, so it need not find the direction and the
    significance itself. `with_main=False`: without the main result's paragraph (its numbers
    and CI), for a model that writes only the lead."""
    if not facts.is_trial_report or len(facts.trials) > 1:
        return []
    main = _main_result(facts, _BUDGETS[-1]) if with_main else None
    return [s for s in (_standfirst(facts), main, _goal(facts), _meaning(facts)) if s]


def _not_a_trial(facts: SummaryFacts) -> SummaryDraft:
    name = facts.name or "This article"
    return SummaryDraft(
        headline=f"{name}: no trial results to report",
        standfirst="This article does not report the results of a clinical trial.",
        tested="", participants="", findings="There are no trial results to summarise.",
        meaning="It gives no evidence for or against any treatment.")


def _name(facts: SummaryFacts) -> str:
    main = facts.main
    if main is not None and main.trial:
        return main.trial
    return facts.name or "The study"


def _kind(facts: SummaryFacts) -> str:
    return "trial" if facts.randomised else "study"


# -- headline and standfirst -----------------------------------------------------------------

def _headline(facts: SummaryFacts, name: str) -> str:
    treatment = facts.intervention or "the treatment"
    main = facts.main
    if facts.outcome == "met":
        return f"{name}: {treatment} met the {_kind(facts)}'s main goal"
    if facts.outcome == "not_met":
        return f"{name}: {treatment} did not meet the {_kind(facts)}'s main goal"
    if facts.outcome == "no_difference":
        return f"{name}: no clear difference on the main outcome"
    if facts.outcome == "significant" and main is not None and main.direction:
        return f"{name}: main outcome {_COMPARED[main.direction]} with {treatment}"
    if len(facts.trials) > 1:
        return f"{_join(facts.trials[:3])}: results from {_count(len(facts.trials))} studies"
    return f"{name}: results for {treatment}"


def _standfirst(facts: SummaryFacts) -> str:
    who = _people(facts)
    main = facts.main
    versus = f" compared with {facts.comparator}" if facts.comparator else ""
    opening = f"In a {_kind(facts)} of {who}, " if who else f"In this {_kind(facts)}, "
    if main is not None and facts.outcome in _POSITIVE and main.direction:
        short = main.endpoint if len(main.endpoint.split()) <= 6 else "the main outcome"
        return opening + f"{_change_words(main, facts, short)}."
    if facts.outcome in _NEGATIVE and facts.intervention:
        return opening + f"{facts.intervention} made no clear difference to the main outcome" \
                         f"{versus}."
    if facts.outcome == "doubted":
        return opening + "the article reports a positive result that its own numbers do not " \
                         "clearly support."
    if facts.primary_values:
        return opening + "the article gives the main outcome for each group, without a test " \
                         "of the difference."
    if facts.intervention:
        return opening + f"{facts.intervention} was tested{versus}."
    return f"A {_kind(facts)} of {who} reports its results." if who else \
        "The article reports results."


def _people(facts: SummaryFacts) -> str | None:
    if facts.n_total is None:
        return facts.who
    who = facts.who or "people"
    if not who.lower().startswith(("people", "patients", "adults", "children", "women", "men",
                                   "participants")):
        who = f"people ({who})"
    return f"{facts.n_total.text} {who}"


# -- body ------------------------------------------------------------------------------------

def _tested(facts: SummaryFacts, name: str) -> str:
    design = " ".join(facts.design)
    kind = f"a {design} {_kind(facts)}" if design else f"a {_kind(facts)}"
    if len(facts.trials) > 1:
        return f"This report covers {_count(len(facts.trials))} studies: {_join(facts.trials)}."
    if len(facts.arms) == 2:
        return f"{name} was {kind} that compared {facts.arms[0]} with {facts.arms[1]}."
    if len(facts.arms) > 2:
        return f"{name} was {kind} that compared {_join(facts.arms)}."
    if facts.arms:
        return f"{name} was {kind} of {facts.arms[0]}."
    return f"{name} was {kind}."


def _participants(facts: SummaryFacts, budget: _Budget) -> str:
    sentences = []
    if facts.n_total is not None:
        sentences.append(f"{facts.n_total.text} people took part"
                         + (f": {facts.who}" if facts.who else "") + ".")
    elif facts.who:
        sentences.append(f"It included {facts.who}.")
    sizes = [f"{size.text} received {arm}" for arm, size in facts.arm_sizes.items()]
    if sizes and budget.arm_sizes:
        sentences.append(f"Of these, {_join(sizes[:3])}." if facts.n_total else
                         f"In all, {_join(sizes[:3])}.")
    return " ".join(sentences)


def _main_result(facts: SummaryFacts, budget: _Budget) -> str:
    endpoint = facts.primary_endpoint
    sentences = [f"The main outcome was {endpoint}."] if endpoint else []
    said = len(sentences)
    for i, c in enumerate(facts.primary[:2]):
        sentences.append(_comparison_sentence(c, facts, "this outcome" if endpoint and i == 0
                                              else c.endpoint, primary=True))
    if budget.group_values or not facts.primary:
        sentences += _group_sentences(facts.primary_values, facts)
    if len(sentences) == said:
        sentences.append("The article gives no verified number for the main outcome.")
    return " ".join(sentences)


def _comparison_sentence(c: Comparison, facts: SummaryFacts, endpoint: str, *,
                         primary: bool) -> str:
    """One between-group result in words. Direction words only where a benefit is established
    and the CI (or P) excludes 'no difference'; 'no clear difference' where it does not."""
    where = f"In {c.trial}, " if c.trial and c.trial != _name(facts) else ""
    if c.significant is False or (primary and facts.outcome in _NEGATIVE
                                  and c.significant is not True):
        return _cap(f"{where}there was no clear difference in {endpoint} between the groups. "
                    f"{_numbers(c)}.")
    if c.significant and c.direction and facts.outcome in _POSITIVE:
        return _cap(f"{where}{_change_words(c, facts, endpoint)}. {_numbers(c)}.")
    if c.measure == "RRR":  # a reduction is a claim of benefit: say what is not shown
        return _cap(f"{where}for {endpoint}, the article reports a relative reduction of "
                    f"{c.estimate.text}, but does not show that it is statistically "
                    "significant.")
    return _cap(f"{where}for {endpoint}, {_measured(c)}.")


def _change_words(c: Comparison, facts: SummaryFacts, endpoint: str) -> str:
    """'the risk of X was about 53% lower with A than with B' for a ratio; 'X was lower with A
    than with B' for a difference."""
    treatment = facts.intervention or "the treatment"
    versus = f" than with {facts.comparator}" if facts.comparator else ""
    compared = _COMPARED.get(c.direction or "", "different")
    if not c.ratio:
        return f"{endpoint} was {compared} with {treatment}{versus}"
    risk = _RISK_WORD.get(c.measure, "chance")
    value = c.estimate.value
    if c.direction == "increase" and value >= 2:
        return f"the {risk} of {endpoint} was {c.estimate.text} times as high with " \
               f"{treatment}{versus}"
    size = ""
    if 0 < value < 1 and c.direction == "decrease":
        size = f"about {round(100 * (1 - value))}% "
    elif value > 1 and c.direction == "increase":
        size = f"about {round(100 * (value - 1))}% "
    return f"the {risk} of {endpoint} was {size}{compared} with {treatment}{versus}"


def _numbers(c: Comparison) -> str:
    """'The hazard ratio was 0.74 (likely range 0.62 to 0.88)': a sentence of its own."""
    return _cap(_measured(c))


def _measured(c: Comparison) -> str:
    """'the hazard ratio was 0.74 (likely range 0.62 to 0.88)'."""
    text = f"the {_MEASURE_WORDS.get(c.measure, 'result')} was {c.estimate.text}"
    if c.lower and c.upper:
        text += f" (likely range {c.lower.text} to {c.upper.text})"
    return text


def _group_sentences(values: list[GroupValue], facts: SummaryFacts) -> list[str]:
    """'It fell by 52.6% with A and rose by 1.3% with B.' / 'X was 14.2% with A and 17.1% with
    B.': the value in each group, with the article's word for the change where it has one."""
    by_endpoint: dict[tuple[str | None, str], list[GroupValue]] = {}
    for v in values:
        by_endpoint.setdefault((v.trial, v.endpoint), []).append(v)
    sentences = []
    for (trial, endpoint), group in list(by_endpoint.items())[:2]:
        where = f"In {trial}, " if trial and trial != _name(facts) else ""
        subject = endpoint if len(endpoint.split()) <= 4 or not facts.primary_endpoint \
            or len(by_endpoint) > 1 else "it"
        parts = [_moved(v, first=i == 0) for i, v in enumerate(group[:4])]
        sentences.append(_cap(f"{where}{subject} {_join(parts)}."))
    return sentences


def _moved(v: GroupValue, *, first: bool) -> str:
    if v.direction == "decrease":
        return f"fell by {v.value.text} with {v.arm}"
    if v.direction == "increase":
        return f"rose by {v.value.text} with {v.arm}"
    return f"{'was ' if first else ''}{v.value.text} with {v.arm}"


def _goal(facts: SummaryFacts) -> str:
    kind = _kind(facts)
    return {
        "met": f"The article says the {kind} met its main goal.",
        "not_met": f"The article says the {kind} did not meet its main goal.",
        "doubted": f"The article says the {kind} met its main goal, but the numbers it gives "
                   "do not clearly support this.",
        "significant": "The difference was statistically significant. This means it is "
                       "unlikely to be due to chance.",
        "no_difference": "The difference was not statistically significant: it could be due "
                         "to chance.",
        "values_only": "The article does not say whether the difference between the groups "
                       "was statistically significant.",
    }.get(facts.outcome, "")


def _others(facts: SummaryFacts, budget: _Budget) -> list[str]:
    chosen = facts.secondary[:budget.secondary]
    if not chosen:
        return []
    sentences = [_comparison_sentence(c, facts, c.endpoint, primary=False) for c in chosen]
    if facts.outcome in (*_NEGATIVE, "doubted"):
        sentences.append("As the main result was not positive, these other results are not "
                         "conclusive.")
    return ["Among other results, " + sentences[0][0].lower() + sentences[0][1:],
            *sentences[1:]]


def _side_effects(safety: list[SafetyFact]) -> str | None:
    if not safety:
        return None
    parts = []
    for fact in safety:
        values = [f"{v.text} with {arm}" if arm else v.text for arm, v in fact.values[:3]]
        parts.append(f"{fact.event}: {_join(values)}")
    return "Side effects reported: " + "; ".join(parts) + "."


def _meaning(facts: SummaryFacts) -> str:
    treatment = facts.intervention or "the treatment"
    versus = f" than {facts.comparator}" if facts.comparator else ""
    kind = _kind(facts)
    if facts.outcome == "met" and facts.non_inferiority:
        return f"On its main outcome, {treatment} was shown to be no worse{versus}."
    if facts.outcome in _POSITIVE:
        return f"On its main outcome, {treatment} did better{versus} in this {kind}."
    if facts.outcome in _NEGATIVE:
        return f"The {kind} did not show that {treatment} works better{versus} on its main " \
               "outcome."
    if facts.outcome == "doubted":
        return "An editor should check the main result against the full report."
    if facts.outcome == "values_only":
        return "Without a test of the difference, the result should be read with care."
    return "The article gives no verified main result, so it is not yet clear whether the " \
           "treatment works."


def _count(n: int) -> str:
    return _COUNT_WORDS[n] if 0 <= n < len(_COUNT_WORDS) else "several"


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
