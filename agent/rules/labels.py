"""Endpoint labels for results the clause-reading in `endpoints` could not name.

Congress pages often print a value far from the words that name it: a list item above a
bullet ('1. <endpoint> %' over '• <drug>: X%'), a '..., respectively' clause, a
sentence that opens with the source ('Data from the phase 2 X trial showed ...') or with the
speaker ('according to Prof. Y'). Such a result gets the endpoint term the article uses nearest
to its value: a term of the field's vocabulary (survival, response, remission, bleeding ...) or
one the article defines with an abbreviation ('<endpoint words> (<ABBR>)'), or the
list item it stands under.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agent.document import Document
from agent.rules.factsheet import list_item_above
from agent.rules.text import NOT_ENDPOINTS
from agent.schema import Span

# The head nouns congress news uses for endpoints, across specialties.
_TERMS = (
    r"(?:(?:progression|event|disease|invasive\s+disease|metastasis|relapse|recurrence|"
    r"distant\s+metastasis|leukemia|lymphoma)[- ]free\s+survival(?:\s+rates?)?"
    r"|overall\s+survival|survival\s+rates?|objective\s+response(?:\s+rates?)?"
    r"|(?:complete|overall|partial|major\s+molecular|pathologic(?:al)?\s+complete)\s+"
    r"(?:response|remission)(?:\s+rates?)?|disease\s+control(?:\s+rates?)?"
    r"|(?:clinical|endoscopic|sustained|complete)\s+remission|remission"
    r"|(?:annuali[sz]ed\s+)?(?:relapse|exacerbation)\s+rates?|exacerbations?"
    r"|(?:all-cause\s+|cardiovascular\s+|CV\s+)?(?:mortality|death)"
    r"|(?:ischa?emic\s+|haemorrhagic\s+|hemorrhagic\s+)?stroke|myocardial\s+infarction"
    r"|(?:major\s+|clinically\s+relevant\s+)?bleeding(?:\s+events?)?"
    r"|(?:heart\s+failure\s+)?(?:re-?)?hospitali[sz]ations?|time\s+in\s+range|time\s+(?:above|below)\s+range"
    r"|mean\s+glucose|weight\s+loss|body\s+weight|HbA1c|LDL[- ]C(?:holesterol)?"
    r"|blood\s+pressure|functional\s+outcome|disability|stent\s+thrombosis|revasculari[sz]ation"
    r"|(?:venous\s+)?thromboembolism|pulmonary\s+embolism|thrombosis"
    r"|(?:serious\s+|treatment-related\s+|grade\s+[345]\s+)?adverse\s+events?"
    r"|discontinu(?:ations?|ed)|infections?|hypotension|hyperkal[a]?emia|MACE|PFS|OS|EFS|DFS|i?DFS|ORR|DCR"
    r"|pCR|MRD[- ]negativity|HiSCR\d*|PASI\s?\d+|ACR[- ]?\d+|EASI[- ]?\d+|FEV1|survival"
    # German: the words a German report names its endpoints with
    r"|(?:progressionsfreies\s+|Gesamt)?Überleben|Progress(?:ionsrisiko)?|Ansprech(?:en|rate)"
    r"|Krankheitskontrollrate|Remission(?:srate)?|Mortalität|Sterblichkeit|Todesfälle"
    r"|Hospitalisierung(?:en)?|Endpunktereignisse|Schlaganf(?:a|ä)lle?|Blutung(?:en)?)"
)
TERMS = _TERMS
_TERM = re.compile(r"(?<!\w)" + _TERMS + r"(?!\w)", re.I)
# '(<ABBR>)' after '<endpoint words>': an endpoint the article names and shortens.
_DEFINED = re.compile(r"(?<![\w-])(?P<long>(?:[a-z][\w-]*\s+){1,5}?[a-z][\w-]*)\s+\("
                      r"(?P<short>[A-Za-z][A-Za-z0-9-]{1,9})\)")
_WEAK = re.compile(
    r"^(?:respectively|additionally|however|moreover|furthermore|overall|notably|also"
    r"|(?:the\s+)?corresponding"
    r"|in\s+addition|according\s+to|data\s+from|as\s+compared|compared"
    r"|comparing|(?:\d+-\w+\s+)?rates?\b(?!\s+(?:of|for)\s)|participants|patients|those|nach|the\s+(?:trial"
    r"|study)|(?:hazard|odds|rate)\s+ratio)\b|\b(?:trial|study|Prof\.|Dr\.?)\s"
    r"|\b(?:group|arm|cohort)s?$"
    # German function words open a clause, not an endpoint: 'nach 16 Wochen hatten je'
    r"|^(?:nach|es|je|bei|unter|mit|im|in\s+(?:der|den|dem))\b"
    # a pronoun or a verb that opens a clause: 'there', 'it', 'did not', 'er'
    r"|^(?:there|it|this|that|these|they|did|does|was|were|is|are|not|er|sie|il|elle)\b", re.I)


def weak_label(label: str) -> bool:
    """A label that names no endpoint: a placeholder, a connective, a source or a speaker."""
    return bool(_WEAK.search(label.strip())) and not _TERM.search(label)


# 'X% (95% CI, ...) less time above range': the endpoint the comparative after a value names.
_COMPARATIVE_AFTER = re.compile(
    r"\s?(?:\([^()]*\)\s*)?(?:higher|lower|more|less|fewer|greater|longer|shorter)\s+"
    r"(?P<ep>[A-Za-z][^,;.()]{2,60}?)(?=\s+(?:than|compared|versus|vs\.?|with|in|during|at)\b"
    r"|[,;.(]|$)")


_DEFINED_TAIL = re.compile(r"\s+(?:in|at|of)\s+[a-z][\w\s-]{1,40}?"
                           r"(?=\s*\([A-Za-z][A-Za-z0-9-]{1,9}\))")


def comparative_after(text: str, end: int, sentence_end: int) -> str | None:
    """The endpoint a comparative right after a value (and its CI) names: 'X% (95% CI ...)
    less time above range' -> 'time above range'."""
    m = _COMPARATIVE_AFTER.match(text, end, sentence_end)
    if m is None:
        return None
    # '... higher overnight time in target range (TIRo) than ...': the defined term runs on
    defined = _DEFINED_TAIL.match(text, m.end("ep"), sentence_end)
    return (m.group("ep") + (defined.group(0) if defined else "")).strip()


def label_near(doc: Document, value: Span, unnamed: str) -> str | None:
    """The endpoint a comparative right after the value names; else the endpoint term nearest
    before the value in its sentence, else after it; else the list item the value stands
    under; else the last term of the sentence before ('... HiSCR75 was lower. The rates were
    X% and Y%')."""
    sentence = doc.sentence_of(value[0])
    comparative = _COMPARATIVE_AFTER.match(doc.text, value[1], sentence[1])
    if comparative:
        return comparative.group("ep").strip()
    before = list(_terms_in(doc, sentence[0], value[0]))
    if before:
        return before[-1]
    after = list(_terms_in(doc, value[1], sentence[1]))
    if after:
        return after[0]
    listed = list_item_above(doc.text, value[0], unnamed)
    if listed:
        return listed
    previous = [s for s in doc.sentences if s[1] <= sentence[0]]
    if previous and "\n\n" not in doc.text[previous[-1][1]:sentence[0]]:
        earlier = list(_terms_in(doc, *previous[-1]))
        if earlier:
            return earlier[-1]
    return None


@lru_cache(maxsize=32)
def _defined_in(text: str) -> dict[str, str]:
    """The endpoints an article names and shortens: abbreviation -> words."""
    return {m.group("short"): m.group("long") for m in _DEFINED.finditer(text)
            if m.group("short") not in NOT_ENDPOINTS}


def _terms_in(doc: Document, start: int, end: int) -> list[str]:
    defined = _defined_in(doc.text)
    found: list[tuple[int, str]] = [(m.start(), m.group(0)) for m in _TERM.finditer(doc.text,
                                                                                    start, end)]
    for short, long in defined.items():
        for m in re.finditer(r"(?<![\w-])" + re.escape(short) + r"(?![\w-])", doc.text[start:end]):
            found.append((start + m.start(), f"{long} ({short})"))
        for m in re.finditer(re.escape(long), doc.text[start:end]):
            found.append((start + m.start(), f"{long} ({short})"))
    return [term for _, term in sorted(found)]
