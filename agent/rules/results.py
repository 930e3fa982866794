"""Results: the result tuples, relative risk reductions, loose figures and per-arm values turned
into `DraftResult`s (and per-arm safety values into `DraftSafety`s), each with its endpoint,
whether it is primary, its time point and its quote."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.document import Document, StatTuple
from agent.draft import DraftArm, DraftResult, DraftSafety
from agent.rules.arms import fractions
from agent.rules.endpoints import (
    EFFECT_OBJECT,
    NOT_PRIMARY,
    PRIMARY_WORDS,
    SUBGROUP,
    endpoint_phrase,
    matches_primary,
    names_primary,
    timepoint_in,
)
from agent.rules.identity import TrialNames
from agent.rules.labels import TERMS, comparative_after
from agent.rules.layout import Layout, body_sentences
from agent.rules.met import MET_NO, MET_YES
from agent.rules.percents import (
    SAFETY_WORDS,
    ArmGroup,
    arm_groups,
    clause_start,
    match_arm,
    per_arm_measure,
    percent_value,
)
from agent.rules.quotes import quote_span
from agent.rules.stats import Stat, loose_figures, measure_for, p_text, reductions
from agent.schema import Span

_CLAUSE_BREAK = re.compile(r"[;:]|(?<!\d),\s+(?:and|while|whereas|but)\s+")
UNNAMED = "unnamed endpoint"
_MEASURE_ONLY = re.compile(
    r"^(?:the\s+)?(?:(?:adjusted|unadjusted|mean|absolute|relative|between-group|treatment)\s+)*"
    r"(?:difference|change|effect|ratio|hazard\s+ratio|odds\s+ratio|risk\s+ratio|estimate)"
    r"(?:\s+(?:versus|vs\.?|compared\s+with|relative\s+to|against|with|between)\b.*)?$", re.I)


@dataclass
class Context:
    doc: Document
    layout: Layout
    trials: TrialNames
    arms: list[DraftArm]
    primary: str | None
    follow_up: str | None

    @property
    def text(self) -> str:
        return self.doc.text

    def trial_at(self, pos: int) -> str | None:
        """The trial a result at `pos` belongs to, when the article reports several."""
        return self.trials.at(pos) if len(self.trials.names) > 1 else None

    def timepoint(self, sentence: str, is_primary: bool) -> str | None:
        """The time point the sentence states; for a primary result, failing that, follow-up."""
        return timepoint_in(sentence) or (self.follow_up if is_primary else None)

    def primary_name(self, endpoint: str | None, is_primary: bool) -> str | None:
        """A primary result named only as 'the primary endpoint', or only by its measure ('the
        adjusted difference versus saline'), gets the endpoint's definition."""
        if is_primary and self.primary and (endpoint is None or PRIMARY_WORDS.search(endpoint)
                                            or _MEASURE_ONLY.match(endpoint)):
            return self.primary
        return endpoint


def stat_results(ctx: Context, stats: list[Stat]
                 ) -> tuple[list[DraftResult], list[tuple[StatTuple, bool]]]:
    """A result for each tuple, and the primary tuples with whether each is significant."""
    results: list[DraftResult] = []
    primary_tuples: list[tuple[StatTuple, bool]] = []
    text = ctx.text
    for stat in stats:
        same_sentence = [s for s in stats if s.sentence == stat.sentence]
        k = same_sentence.index(stat)
        segment_start = same_sentence[k - 1].span[1] if k else stat.sentence[0]
        prefix = text[segment_start:stat.estimate.start]
        if k and not re.search(r"[A-Za-z]{3,}", prefix):
            prefix = text[stat.sentence[0]:same_sentence[0].span[0]]
        earlier = [(s.sentence, r.endpoint) for s, r in zip(stats, results, strict=False)
                   if r.endpoint != UNNAMED]
        endpoint = _endpoint_after(ctx, stat, same_sentence, k)
        named_after = comparative_after(text, stat.span[1], stat.sentence[1])
        if named_after:  # 'X% (95% CI ...) less time above range': named right after
            endpoint = endpoint_phrase(named_after) or endpoint
        elif not (k and endpoint):
            endpoint = (_prefix_endpoint(prefix) or endpoint
                        or _endpoint_in_context(ctx, stat.sentence, earlier))
        is_primary = _is_primary(ctx, stat, same_sentence, k, endpoint)
        endpoint = ctx.primary_name(endpoint, is_primary)
        q = quote_span(text, stat.span, stat.sentence)
        result = DraftResult(
            endpoint=endpoint or UNNAMED,
            is_primary=is_primary,
            measure=measure_for(ctx.doc, stat),
            estimate=stat.estimate.text,
            ci_level=stat.ci.level.text if stat.ci and stat.ci.level else None,
            ci_lower=stat.lower.text if stat.lower else None,
            ci_upper=stat.upper.text if stat.upper else None,
            p=p_text(ctx.doc, stat.p),
            timepoint=ctx.timepoint(text[stat.sentence[0]:stat.sentence[1]], is_primary),
            trial=ctx.trial_at(stat.span[0]),
            quote=text[q[0]:q[1]],
        )
        results.append(result)
        if is_primary:
            primary_tuples.append((stat.source, stat.significant(result.measure)))
    return results, primary_tuples


def _sentence_index(ctx: Context, sentence: Span) -> int:
    """The position of `sentence` in the document's sentences, or -1."""
    sentences = ctx.doc.sentences
    return sentences.index(sentence) if sentence in sentences else -1


def _endpoint_after(ctx: Context, stat: Stat, same_sentence: list[Stat], k: int) -> str | None:
    """'hazard ratios of X for new MI and Y for cardiac death': named after the number."""
    stop = same_sentence[k + 1].estimate.start if k + 1 < len(same_sentence) else stat.sentence[1]
    m = re.match(r"^[)\]]?\s*for\s+(?:the\s+)?(?P<ep>[^,;()]{2,60}?)(?=\s+(?:and|or)\s|[,;.()]|$)",
                 ctx.text[stat.span[1]:stop])
    return endpoint_phrase(m.group("ep")) if m else None


def _prefix_endpoint(prefix: str) -> str | None:
    """The endpoint named in the words before a result: in its last clause, or in all of them."""
    breaks = list(_CLAUSE_BREAK.finditer(prefix))
    tail = prefix[breaks[-1].end():] if breaks else prefix
    if not re.search(r"[A-Za-z]{3,}", tail):
        tail = prefix
    return endpoint_phrase(tail) or endpoint_phrase(prefix)


def _endpoint_in_context(ctx: Context, sentence: Span,
                         earlier: list[tuple[Span, str]]) -> str | None:
    """For a result whose own words name no endpoint: the endpoint of the result before it in the
    same sentence or section ('... was X (95% CI ...), compared with Y (95% CI ...)'), or
    the effect the sentence before states ('All doses lowered HbA1c. The mean changes were ...')."""
    section = ctx.layout.section_at(sentence[0])
    for span, endpoint in reversed(earlier):
        if span == sentence or (section is not None and section.start <= span[0] < section.end):
            return endpoint
    sentences = ctx.doc.sentences
    i = _sentence_index(ctx, sentence)
    if i > 0 and ctx.layout.kind_at(sentences[i - 1][0]) == ctx.layout.kind_at(sentence[0]):
        obj = EFFECT_OBJECT.search(ctx.text, sentences[i - 1][0], sentences[i - 1][1])
        if obj:
            return endpoint_phrase(obj.group("ep"))
    return None


def _is_primary(ctx: Context, stat: Stat, same_sentence: list[Stat], k: int,
                endpoint: str | None) -> bool:
    text = ctx.text
    if SUBGROUP.search(text[stat.sentence[0]:stat.sentence[1]]):
        return False
    last = k == len(same_sentence) - 1
    before_start = same_sentence[k - 1].span[1] if k else stat.sentence[0]
    after_end = stat.sentence[1] if last else same_sentence[k + 1].span[0]
    if names_primary(text[before_start:stat.span[1]]) or (
            last and names_primary(text[stat.span[1]:after_end])):
        return True
    if endpoint and matches_primary(endpoint, ctx.primary):
        return True
    if k == 0:
        # '<treatment> shifted the mRS distribution ...: the odds ratio for ... was X'
        head = text[stat.sentence[0]:stat.span[0]]
        cut = max(head.rfind(":"), head.rfind(";"))
        obj = EFFECT_OBJECT.search(head[:cut]) if cut > 0 else None
        if obj and matches_primary(obj.group("ep"), ctx.primary):
            return True
    return k == 0 and _next_sentence_states_met(ctx, stat.sentence)


def _next_sentence_states_met(ctx: Context, sentence: Span) -> bool:
    """The next sentence, which reports no result of its own, says whether the primary was met."""
    sentences = ctx.doc.sentences
    i = _sentence_index(ctx, sentence)
    if i < 0 or i + 1 >= len(sentences):
        return False
    start, end = sentences[i + 1]
    if any(start <= t.span[0] < end for t in ctx.doc.tuples):
        return False
    nxt = ctx.text[start:end]
    return bool(MET_YES.search(nxt) or MET_NO.search(nxt))


def reduction_results(ctx: Context, stats: list[Stat], results: list[DraftResult]
                      ) -> list[DraftResult]:
    """'a Y% relative reduction in risk': about the endpoint of the ratio it restates."""
    out: list[DraftResult] = []
    for red in reductions(ctx.doc):
        sentence = ctx.doc.sentence_of(red.token.start)
        ratio = _ratio_for(ctx, stats, results, red.token.start, sentence)
        if ratio is not None:
            endpoint, is_primary, timepoint = ratio.endpoint, ratio.is_primary, ratio.timepoint
        else:
            sentence_text = ctx.text[sentence[0]:sentence[1]]
            is_primary = bool(PRIMARY_WORDS.search(sentence_text))
            endpoint = (ctx.primary if is_primary and ctx.primary else
                        _reduced_endpoint(ctx.text[red.quote[1]:sentence[1]])
                        or endpoint_phrase(ctx.text[sentence[0]:red.quote[0]]) or UNNAMED)
            timepoint = ctx.follow_up if is_primary else None
        out.append(DraftResult(
            endpoint=endpoint, is_primary=is_primary, measure="RRR", estimate=red.token.text,
            timepoint=timepoint, quote=ctx.text[red.quote[0]:red.quote[1]],
            trial=ctx.trial_at(red.token.start),
        ))
    return out


# '... reduction in the risk of <endpoint>', '... reduced likelihood of <endpoint>'.
_REDUCED_OF = re.compile(
    r"^\s*(?:in\s+(?:the\s+)?(?:risk|rate|likelihood|odds|incidence)\s+)?of\s+(?:the\s+)?"
    r"(?P<ep>[A-Za-z][^,;.()]{2,80}?)(?=\s+(?:compared|versus|vs\.?|with|than|among|at|over"
    r"|relative)\b|[,;.()]|$)", re.I)


def _reduced_endpoint(after: str) -> str | None:
    """The endpoint named right after a reduction that restates no ratio."""
    m = _REDUCED_OF.match(after)
    return m.group("ep").strip() if m else None


def _ratio_for(ctx: Context, stats: list[Stat], results: list[DraftResult], pos: int,
               sentence: Span) -> DraftResult | None:
    """The ratio result a reduction at `pos` restates: before it in its sentence, after it, or
    last in the sentence before."""
    ratios = [(s, r) for s, r in zip(stats, results, strict=False)
              if r.measure in ("HR", "OR", "RR", "IRR", "rate ratio")]
    same = [r for s, r in ratios if s.sentence == sentence and s.span[0] <= pos]
    if same:
        return same[-1]
    later = [r for s, r in ratios if s.sentence == sentence]
    if later:
        return later[0]
    i = _sentence_index(ctx, sentence)
    if i > 0:
        previous = [r for s, r in ratios if s.sentence == ctx.doc.sentences[i - 1]]
        if previous:
            return previous[-1]
    return None


def figure_results(ctx: Context, stats: list[Stat], results: list[DraftResult]
                   ) -> list[DraftResult]:
    """Differences and numbers needed to treat printed without a CI."""
    used = {s.estimate.start for s in stats}
    out: list[DraftResult] = []
    text = ctx.text
    for fig in loose_figures(ctx.doc, ctx.layout, used):
        sentence = ctx.doc.sentence_of(fig.estimate.start)
        same = [r for s, r in zip(stats, results, strict=False)
                if s.sentence == sentence and s.span[0] < fig.span[0]]
        sentence_text = text[sentence[0]:sentence[1]]
        if same:
            endpoint, is_primary = same[-1].endpoint, same[-1].is_primary
        else:
            is_primary = bool(PRIMARY_WORDS.search(sentence_text)) and not SUBGROUP.search(
                sentence_text) and not NOT_PRIMARY.search(sentence_text)
            endpoint = endpoint_phrase(text[sentence[0]:fig.span[0]]) or UNNAMED
            if is_primary and ctx.primary:
                endpoint = ctx.primary
        if fig.measure == "other":
            endpoint = f"{endpoint}: number needed to treat"
        q = quote_span(text, fig.span, sentence)
        out.append(DraftResult(
            endpoint=endpoint, is_primary=is_primary, measure=fig.measure,
            estimate=fig.estimate.text,
            ci_level=fig.level.text if fig.level else None,
            ci_upper=fig.upper.text if fig.upper else None,
            timepoint=timepoint_in(sentence_text), quote=text[q[0]:q[1]],
            trial=ctx.trial_at(fig.span[0]),
        ))
    return out


def arm_results(ctx: Context, stats: list[Stat]) -> tuple[list[DraftResult], list[DraftSafety]]:
    """Per-arm values: results, or safety findings where the section or the words say so."""
    results: list[DraftResult] = []
    safety: list[DraftSafety] = []
    text = ctx.text
    for group in arm_groups(ctx.doc, ctx.layout, ctx.arms):
        sentence_text = text[group.sentence[0]:group.sentence[1]]
        first = group.values[0].token
        end = max(v.end for v in group.values)
        start = group.clause_start
        for stat in stats:
            if stat.sentence == group.sentence and start <= stat.span[1] <= first.start:
                start = clause_start(ctx.doc, stat.span[1], first.start)
        breaks = list(_CLAUSE_BREAK.finditer(text, start, first.start))
        if breaks and re.search(r"[A-Za-z]{3,}", text[breaks[-1].end():first.start]):
            start = breaks[-1].end()
        q = quote_span(text, (start, end), group.sentence)
        quote = text[q[0]:q[1]].strip().rstrip(".")
        endpoint = _group_endpoint(ctx, group, start)
        clause = text[group.clause_start:min(group.sentence[1], end + 80)]
        is_safety = ctx.layout.kind_at(first.start) == "safety" or bool(
            SAFETY_WORDS.search(text[group.clause_start:end])
            and not _FOR_LACK_OF_EFFICACY.search(clause))
        is_primary = _group_is_primary(ctx, stats, group, endpoint, end)
        event = ctx.primary_name(endpoint, is_primary) or UNNAMED
        for value in group.values:
            if is_safety and not is_primary:
                safety.append(DraftSafety(event=event, arm=value.arm, value=value.token.text,
                                          quote=quote))
                continue
            results.append(DraftResult(
                endpoint=event, is_primary=is_primary,
                measure=per_arm_measure(text[start:end], group.percent),
                estimate=value.token.text, arm=value.arm, n=value.n,
                timepoint=ctx.timepoint(sentence_text, is_primary),
                trial=ctx.trial_at(first.start),
                quote=quote,
            ))
    return results, safety


# 'A% of patients given X had <endpoint> vs B% of those given Y': the endpoint after the arm's
# words (or, for the second value, before it: 'had <endpoint> vs B% ...').
_HAD = re.compile(
    r"\s*(?:had|achieved|developed|experienced|reached|attained)\s+(?:an?\s+|the\s+)?"
    r"(?P<ep>[A-Za-z][^,;()%]{2,60}?)(?=,?\s+(?:vs\.?|versus|compared\s+with|than)\s|\s*[,;.]"
    r"|\s*$)")


def _group_endpoint(ctx: Context, group: ArmGroup, start: int) -> str | None:
    """The endpoint of per-arm values whose clause starts at `start`: named before them, before
    the colon they follow ('<endpoint> was lower with X than with Y: A versus B'), after 'had'
    around the first value, after the values ('..., respectively, stopped treatment'), or in
    the sentence before."""
    text = ctx.text
    first = group.values[0].token.start
    colon = re.search(r":\s*$", text[group.sentence[0]:start]) and not re.search(
        r"[A-Za-z]", text[start:first])
    return (_prefix_endpoint(text[start:first])
            or (_prefix_endpoint(text[group.sentence[0]:start]) if colon else None)
            or _endpoint_had(text, start, first)
            or _endpoint_had(text, group.values[0].end, _next_value(group))
            or _endpoint_after_values(text, group)
            or _endpoint_in_context(ctx, group.sentence, []))


# What per-arm values are, told after them: 'A% and B%, respectively, stopped treatment
# because of an adverse event', 'A% versus B% of patients stopped the study drug because of an
# adverse event'.
_WHAT_AFTER = re.compile(
    r"(?:,?\s*respectively,?\s+|\s+(?:of\s+(?:the\s+)?(?:patients|participants|people)\s+)?"
    r"(?=(?:had|experienced|developed|reported|stopped|discontinued|withdrew|quit)\b))"
    r"(?:(?:had|experienced|developed|reported)\s+(?:an?\s+|the\s+)?)?"
    r"(?P<ep>[a-z][^,;()%]{2,80}?)(?=\s*[,;.]|\s*$)")


def _endpoint_after_values(text: str, group: ArmGroup) -> str | None:
    m = _WHAT_AFTER.match(text, max(v.end for v in group.values), group.sentence[1])
    if m is None:
        return None
    what = " ".join(m.group("ep").split())
    # the name a reader of trial reports knows for 'stopped treatment because of an adverse event'
    return _STOPPED_FOR_HARM.sub("discontinuation due to adverse events", what)


_STOPPED_FOR_HARM = re.compile(
    r"^(?:stopped|discontinued|withdrew from|quit)\s+(?:the\s+)?(?:study\s+)?(?:treatment|drug|"
    r"medication|therapy|trial)?\s*(?:because\s+of|due\s+to|owing\s+to)\s+(?:an?\s+)?"
    r"(?:adverse\s+events?|side\s+effects?)$", re.I)


def _endpoint_had(text: str, start: int, end: int) -> str | None:
    m = _HAD.match(text, start, end)
    return endpoint_phrase(m.group("ep")) if m else None


def _next_value(group: ArmGroup) -> int:
    """Where the group's second value starts, or its sentence ends."""
    return group.values[1].token.start if len(group.values) > 1 else group.sentence[1]


# 'in-hospital mortality was X%', 'Survival after surgery was Y% at 2 years': an endpoint
# term, a verb of being, a percentage (a cohort's rate, with no arm to compare).
_COHORT_RATE = re.compile(
    r"(?<![\w-])(?P<ep>(?:[\w-]+\s+){0,2}?" + TERMS + r"(?:\s+[\w-]+){0,6}?)\s+(?:was|were|of"
    r"|reached|stood\s+at|lag\s+bei|betrug|occurred\s+in\s+(?:\d[\d,]*\s*\()?)\s*"
    r"(?:about\s+|approximately\s+|nearly\s+|(?:low|high|rare|similar)\s+\()?"
    r"(?P<v>\d[\d.,]*\s?%)", re.I)


# 'Some N (X%) patients received <endpoint>': a count, its share, what they had.
_COUNT_SHARE = re.compile(
    r"(?<![\w.,])\d[\d,.\u2009]*\s+\((?P<v>\d+(?:[.,]\d+)?\s?%)\)\s+(?:of\s+(?:the\s+)?)?(?:patients"
    r"|participants|people|individuals)\s+(?:received|had|underwent|developed|achieved|reached"
    r"|experienced|required)\s+(?P<ep>[a-z][^,.;()]{2,60}?)(?=\s+(?:within|at|by|after|in|during"
    r"|compared|versus|vs\.?|including)\b|[,.;()]|$)", re.I)
# 'the median <endpoint> was V minutes': a median with its unit of time.
_NOT_AN_OUTCOME = (r"(?:duration\s+of\s+)?follow[- ]?up|age|duration|observation|exposure"
                   r"|treatment\s+duration|time\s+(?:from|since|to)\s+(?:\w+\s+){0,2}"
                   r"(?:admission|randomi[sz]ation|diagnosis|enrol\w*|data|surgery)")
_MEDIAN_WAS = re.compile(
    r"\bmedian\s+(?!" + _NOT_AN_OUTCOME + r")(?P<ep>[a-z][\w\s-]{2,50}?)\s+(?:was|of|reached)\s+"
    r"(?:about\s+)?(?P<v>\d[\d.,]*)\s+(?:minutes|hours|days|weeks|months|years)\b", re.I)


# Stopping a treatment because it did not work is an efficacy result, not a harm.
_FOR_LACK_OF_EFFICACY = re.compile(r"\b(?:lack|loss)\s+of\s+(?:efficacy|response)\b"
                                   r"|\binefficacy\b", re.I)


# (reader, measure, whether its value must read as a rate): the readers of `stated_values`
_STATED = ((_COHORT_RATE, "percent", True), (_COUNT_SHARE, "percent", False),
           (_MEDIAN_WAS, "other", False))


def stated_values(ctx: Context, results: list[DraftResult], safety: list[DraftSafety]
                  ) -> list[DraftResult]:
    """Values a sentence states with the words that name them, which no other reader took:
    '<endpoint term> was Y%', 'N (X%) patients received <endpoint>', 'the median <endpoint>
    was V minutes'."""
    text = ctx.text
    taken = taken_values(text, results, safety)
    out: list[DraftResult] = []
    for sentence in body_sentences(ctx.doc, ctx.layout):
        for regex, measure, rate in _STATED:
            for m in regex.finditer(text, *sentence):
                token = ctx.doc.token_at(m.start("v"))
                if token is None or token.start in taken or (rate and not (
                        ctx.doc.role(token) == "percent"
                        and percent_value(ctx.doc, token, sentence))):
                    continue
                taken.add(token.start)
                q = quote_span(text, (m.start(), m.end()), sentence)
                out.append(DraftResult(
                    endpoint=_tidy_endpoint(m.group("ep")), measure=measure,
                    estimate=token.text, trial=ctx.trial_at(token.start),
                    timepoint=timepoint_in(text[sentence[0]:sentence[1]]),
                    quote=text[q[0]:q[1]]))
    return out


def fraction_results(ctx: Context, results: list[DraftResult]) -> list[DraftResult]:
    """'k/N (p%) <arm A>, k/M (q%) <arm B>': a per-arm rate with its denominator."""
    text = ctx.text
    taken = taken_values(text, results, [])
    out: list[DraftResult] = []
    for sentence in body_sentences(ctx.doc, ctx.layout):
        for fraction in fractions(ctx.doc, sentence):
            k = match_arm(fraction.label, ctx.arms) if ctx.arms else None
            if k is None or fraction.percent[0] in taken:
                continue
            q = quote_span(text, fraction.percent, sentence)
            out.append(DraftResult(
                endpoint=UNNAMED, measure="percent", estimate=text[slice(*fraction.percent)],
                arm=ctx.arms[k].label, n=text[slice(*fraction.n)], quote=text[q[0]:q[1]]))
    return out


def _tidy_endpoint(words: str) -> str:
    return re.sub(r"^(?:the|a|an|and|in|of|with)\s+", "", " ".join(words.split()), flags=re.I)


_SAFETY_SENTENCE = re.compile(r"\b(?:safety|side[- ]effects?|tolerab\w*|adverse)\b", re.I)


def lone_safety(ctx: Context, results: list[DraftResult], safety: list[DraftSafety]
                ) -> list[DraftSafety]:
    """'Safety was acceptable: <event> occurred in X% of participants': a percentage in a
    sentence about harm that no arm claims (a single-arm study, a crossover, a pooled rate)."""
    text = ctx.text
    taken = taken_values(text, results, safety)
    out: list[DraftSafety] = []
    for sentence in body_sentences(ctx.doc, ctx.layout):
        in_section = ctx.layout.kind_at(sentence[0]) == "safety"
        for t in ctx.doc.tokens_in(*sentence):
            if (not t.percent or t.start in taken or ctx.doc.role(t) != "percent"
                    or not percent_value(ctx.doc, t, sentence)):
                continue
            clause = clause_start(ctx.doc, sentence[0], t.start)
            # The words before the value speak of harm ('<event> occurred in'), or the
            # sentence opens on safety; a benefit in a sentence that also praises safety does not.
            opens_on_safety = re.match(r"\W*Safety\b", text[sentence[0]:sentence[1]])
            lead = text[sentence[0] if opens_on_safety else clause:t.start]
            if not (in_section or SAFETY_WORDS.search(lead) or _SAFETY_SENTENCE.search(lead)):
                continue
            event = endpoint_phrase(text[clause:t.start]) or UNNAMED
            q = quote_span(text, (clause, t.end), sentence)
            out.append(DraftSafety(event=event, value=t.text, quote=text[q[0]:q[1]]))
    return out


def taken_values(text: str, results: list[DraftResult], safety: list[DraftSafety]) -> set[int]:
    """Where the values the other readers took start: a value is read once."""
    return ({value_at(text, r.estimate, r.quote) for r in results}
            | {value_at(text, f.value, f.quote) for f in safety})


def value_at(text: str, value: str | None, quote: str | None) -> int:
    """Where a draft's value stands: in the first place its quote is, or -1."""
    if not value or not quote:
        return -1
    at = text.find(quote)
    return text.find(value, at) if at >= 0 else -1


def _group_is_primary(ctx: Context, stats: list[Stat], group: ArmGroup, endpoint: str | None,
                      end: int) -> bool:
    text = ctx.text
    if SUBGROUP.search(text[group.sentence[0]:group.sentence[1]]):
        return False
    prefix = text[group.sentence[0]:end]
    if PRIMARY_WORDS.search(prefix):
        return names_primary(prefix)
    if endpoint and matches_primary(endpoint, ctx.primary):
        return True
    in_sentence = [s for s in stats if s.sentence == group.sentence]
    return bool(in_sentence) and _is_primary(ctx, in_sentence[0], in_sentence, 0, None)
