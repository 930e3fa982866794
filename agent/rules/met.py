"""Whether the primary endpoint was met, as the article states it, and the sentence that does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from agent.document import Document, StatTuple
from agent.rules.endpoints import PRIMARY_WORDS, matches_primary, mentions_primary
from agent.rules.layout import Layout, body_sentences
from agent.schema import PrimaryMet, Span

MET_NO = re.compile(
    r"\b(?:did\s+not|does\s+not|failed\s+to|didn't)\s+(?:meet|reach|achieve)\s+(?:its\s+|the\s+)?"
    r"(?:co-)?primary|\bprimary\s+(?:efficacy\s+)?(?:end\s?point|outcome)s?\s+(?:was|were)\s+"
    r"(?:therefore\s+)?not\s+(?:met|achieved|reached)\b|\bno\s+(?:statistically\s+)?significant\s+"
    r"difference\s+in\s+the\s+primary|\bprimäre\s+Endpunkt\s+(?:wurde\s+)?nicht\s+erreicht"
    r"|\bcritère\s+(?:de\s+jugement\s+)?principal\s+n'a\s+pas\s+été\s+atteint", re.I)
MET_YES = re.compile(
    r"\b(?:met|meeting|achieved|reached)\s+(?:its|the|their|both|all)?\s*(?:co-)?primary\s+"
    r"(?:efficacy\s+)?(?:end\s?points?|outcomes?)\b|\b(?:co-)?primary\s+(?:efficacy\s+)?"
    r"(?:end\s?point|outcome)s?\s+(?:was|were)\s+(?:therefore\s+|thus\s+|also\s+)?"
    r"(?:met|achieved|reached)\b|\bmet\s+the\s+non-?inferiority\s+(?:criterion|margin)"
    r"|\bprimäre\s+Endpunkt\s+(?:wurde\s+)?erreicht|\bcritère\s+(?:de\s+jugement\s+)?principal\s+"
    r"(?:a\s+été|est)\s+atteint|\b(?:significantly\s+)?(?:reduced|lowered|improved|prolonged)"
    r"\s+the\s+(?:risk|rate|incidence)\s+of\s+the\s+primary\s+(?:end\s?point|outcome)", re.I)
_SIGNIFICANT_EFFECT = re.compile(
    r"\bsignificantly\s+(?:prolonged|improved|reduced|lowered|extended|shifted|decreased)\s+"
    r"(?P<ep>[^.;()]{2,80}?)(?=\s+(?:compared|versus|vs\.?|relative|than|with|in)\b|[,(.;]|$)",
    re.I)
_SIGNIFICANT = re.compile(
    r"\b(?:statistically\s+)?significant(?:ly)?\s+(?:higher|lower|greater|fewer|more|better"
    r"|improvement|reduction|benefit|reduced|improved|prolonged|longer|decreased|increased)\b",
    re.I)
_NEGATED = re.compile(r"\b(?:not|n't|no|failed|neither|nor|without)\b", re.I)
_NOT_DIFFERENT = re.compile(
    r"\bdid\s+not\s+(?:shift|improve|reduce|lessen|lower|differ|change|show)\b", re.I)
_EFFECT_CLAIM = re.compile(
    r"\b(?:significantly\s+)?(?:reduced|lowered|improved|prolonged|shifted|extended|cut|slowed"
    r"|decreased|outperformed|halved|fewer)\b|\b\d+(?:[.·,]\d+)?\s?%\s+(?:relative\s+)?(?:risk\s+)?"
    r"(?:reduction|lower\s+risk)|\brelative\s+(?:risk\s+)?reduction\s+of\b|\bRisikoreduktion\b",
    re.I)


@dataclass(frozen=True)
class MetClaim:
    verdict: PrimaryMet
    sentence: Span


def primary_met(doc: Document, layout: Layout, primary: str | None,
                primary_results: list[tuple[StatTuple, bool]], non_inferiority: bool
                ) -> MetClaim | None:
    """What the article states about the primary endpoint, with the sentence that states it.

    `primary_results` are the primary result tuples, each with whether it is significant."""
    claims: list[MetClaim] = []
    for span in body_sentences(doc, layout):
        sentence = doc.text[span[0]:span[1]]
        if MET_NO.search(sentence):
            claims.append(MetClaim("no", span))
            continue
        yes = MET_YES.search(sentence)
        if yes and not _NEGATED.search(_clause_before(sentence, yes.start())):
            claims.append(MetClaim("yes", span))
            continue
        for m in _SIGNIFICANT_EFFECT.finditer(sentence):
            ep = m.group("ep")
            if (PRIMARY_WORDS.search(ep) or matches_primary(ep, primary)) and not _NEGATED.search(
                    _clause_before(sentence, m.start())):
                claims.append(MetClaim("yes", span))
                break
        else:
            if _significant_about_primary(sentence, primary):
                claims.append(MetClaim("yes", span))
    if not claims and not non_inferiority:
        claims = list(_stated_null_results(doc, layout, primary_results))
    if not claims:
        claims = list(_stated_effects(doc, layout, primary_results))
    verdicts = {c.verdict for c in claims}
    if len(verdicts) != 1:
        return None
    return claims[0]


def _significant_about_primary(sentence: str, primary: str | None) -> bool:
    """'... was associated with a significantly lower risk of <endpoint acronym>', 'The primary
    endpoint, <acronym>, showed a statistically significant improvement': significance stated
    for the primary endpoint, named or called primary, and not for a secondary one."""
    m = _SIGNIFICANT.search(sentence)
    if m is None or _NEGATED.search(_clause_before(sentence, m.start())):
        return False
    if re.search(r"\bsecondary\b|\bsubgroups?\b", sentence, re.I):
        return False
    return bool(PRIMARY_WORDS.search(sentence)) or mentions_primary(sentence, primary)


def _clause_before(sentence: str, pos: int) -> str:
    start = max(sentence.rfind(sep, 0, pos) for sep in (",", ";", ":", "("))
    return sentence[start + 1:pos]


def _holding(sentences: list[Span], primary_results: list[tuple[StatTuple, bool]],
             significant: bool) -> Iterator[int]:
    """The index in `sentences` of each primary result that is (or is not) significant."""
    for tup, is_significant in primary_results:
        if is_significant != significant:
            continue
        i = next((k for k, s in enumerate(sentences) if s[0] <= tup.span[0] < s[1]), None)
        if i is not None:
            yield i


def _stated_null_results(doc: Document, layout: Layout,
                         primary_results: list[tuple[StatTuple, bool]]) -> Iterator[MetClaim]:
    """'<treatment> did not shift the distribution of disability. The common OR ... was X (...)' and
    'The primary endpoint occurred in ... . The difference was not statistically significant'."""
    sentences = body_sentences(doc, layout)
    for i in _holding(sentences, primary_results, significant=False):
        own = doc.text[sentences[i][0]:sentences[i][1]]
        before = doc.text[sentences[i - 1][0]:sentences[i - 1][1]] if i else ""
        if _NOT_DIFFERENT.search(own) or _NOT_DIFFERENT.search(before):
            yield MetClaim("no", sentences[i] if _NOT_DIFFERENT.search(own) else sentences[i - 1])
    for i, span in enumerate(sentences[:-1]):
        sentence = doc.text[span[0]:span[1]]
        nxt = sentences[i + 1]
        if PRIMARY_WORDS.search(sentence) and re.match(
                r"\s*(?:The|This)\s+difference\s+was\s+not\s+(?:statistically\s+)?significant",
                doc.text[nxt[0]:nxt[1]]):
            yield MetClaim("no", nxt)


def _stated_effects(doc: Document, layout: Layout,
                    primary_results: list[tuple[StatTuple, bool]]) -> Iterator[MetClaim]:
    """'<treatment> shifted the mRS distribution ...: OR X (95% CI L to U)', '(HR X; 95% CI
    L–U; P=p), a Y% relative reduction in risk': the article states a benefit
    in the sentence that reports a statistically significant primary result."""
    sentences = body_sentences(doc, layout)
    for i in _holding(sentences, primary_results, significant=True):
        for span in sentences[i:i + 2]:
            sentence = doc.text[span[0]:span[1]]
            claim = _EFFECT_CLAIM.search(sentence)
            if claim and not _NEGATED.search(_clause_before(sentence, claim.start())):
                yield MetClaim("yes", span)
                break
