"""Endpoints: the primary endpoint the article defines, the endpoint a result is about (from the
words before it), and time points."""

from __future__ import annotations

import re

from agent.document import Document
from agent.rules.layout import Layout, body_sentences, candidate_sentences
from agent.rules.text import NOT_ENDPOINTS, body_end, word_list

PRIMARY_WORDS = re.compile(
    r"\bprimary[- ](?:efficacy\s+)?(?:end[- ]?points?|outcomes?|composite)\b|\bco-primary\b"
    r"|\bprimäre[nr]?\s+Endpunkt|\bcritère\s+(?:de\s+jugement\s+)?principal", re.I)
NOT_PRIMARY = re.compile(r"\bprimary\s+safety\b|\bkey\s+secondary\b|\bsecondary\b", re.I)
SUBGROUP = re.compile(r"\bAmong the [\d,\u2009]+ (?:patients|participants)|\bsubgroup\b"
                      r"|\bIn (?:women|men)\b|\bsubstudy\b", re.I)
_PE_PATTERNS = (
    re.compile(r"\b[Tt]he\s+(?:prespecified\s+|pre-specified\s+)?(?:co-)?primary\s+(?:efficacy\s+)?"
               r"(?:end\s?point|outcome)s?(?:\s+of\s+the\s+(?:substudy|parent\s+trial))?\s+"
               r"(?:was|were|is|combined|comprised)\s+(?P<pe>[^;]+)"),
    re.compile(r"^(?P<pe>[A-Z][^;]{3,150}?)\s+(?:was|served\s+as)\s+the\s+primary\s+"
               r"(?:efficacy\s+)?(?:end\s?point|outcome)"),
    re.compile(r"\b(?:Primärer\s+Endpunkt|[Dd]er\s+primäre\s+Endpunkt)\s+war\s+(?P<pe>[^;]+)"),
    re.compile(r"\b[Ll]e\s+critère\s+(?:de\s+jugement\s+)?principal\s+(?:était|est)\s+"
               r"(?P<pe>[^;]+)"),
    # 'The primary outcome of <endpoint> at 3 months occurred in X% ...'
    re.compile(r"\b[Tt]he\s+(?:co-)?primary\s+(?:efficacy\s+)?(?:end\s?point|outcome)\s+of\s+"
               r"(?!the\s+(?:substudy|parent|trial|study)\b)(?P<pe>[^;]{3,150}?)\s+(?:occurred"
               r"|was\s+(?:reduced|lower|higher|similar|significantly|not)|were|fell|did|improved"
               r"|showed|favou?red|differed)\b"),
    # 'The primary endpoint, <acronym>, showed a statistically significant improvement'
    re.compile(r"\b[Tt]he\s+(?:co-)?primary\s+(?:efficacy\s+)?(?:end\s?point|outcome),\s+"
               r"(?P<pe>[^,;]{2,80}),(?=\s+(?:showed|was|were|is|improved|favou?red|reached|did"
               r"|met|fell|occurred)\b)"),
)
# A fact sheet: 'Primary Outcomes:' on a line, the endpoint(s) listed below it.
_PE_LIST = re.compile(
    r"(?:^|\n)[ \t]*(?:Co-?)?[Pp]rimary\s+(?:[Ee]fficacy\s+)?(?:[Ee]nd\s?points?|[Oo]utcomes?)"
    r"[ \t]*:[ \t]*\n\s*(?:[-\u2022*]|\d{1,2}[.)])?[ \t]*(?P<pe>[^\n:]{3,120})\n")
_PE_CUT = re.compile(r",\s+(?:defined|analysed|analyzed|and\s+the\s+primary|with\s+superiority"
                     r"|and\s+percent|assessed\s+by\s+blinded)|\.\s*$|;")
_STOPWORDS = word_list("""
the a an of or and in on at to for with by from as was were is be its their any first time
composite combined rate total change from baseline who whose that than vs versus mean median
""")


def find_primary_endpoint(doc: Document, layout: Layout) -> str | None:
    listed = _PE_LIST.search(doc.text, layout.body_start(), body_end(doc))
    if listed:
        return listed.group("pe").strip(" %.")
    for start, end in candidate_sentences(doc, layout):
        sentence = doc.text[start:end].strip()
        for regex in _PE_PATTERNS:
            m = regex.search(sentence)
            if m is None:
                continue
            pe = _PE_CUT.split(m.group("pe"))[0].strip(" ,.")
            pe = re.sub(r"^(?:the|a|an)\s+", "", pe)
            if pe:
                return pe
    return None


def names_primary(part: str) -> bool:
    """`part` speaks of the primary endpoint, not of a secondary or a primary safety one."""
    m = PRIMARY_WORDS.search(part)
    return m is not None and not NOT_PRIMARY.search(part[max(0, m.start() - 20):m.end()])


def _content_words(text: str) -> set[str]:
    words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z][\w-]*", text)}
    return {w for w in words if w not in _STOPWORDS and len(w) > 1}


_ABBREVIATION = re.compile(r"\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]*\b")


def _acronyms(text: str) -> set[str]:
    """'MACE', 'PFS', 'HiSCR50': the words of `text` with two capitals or more."""
    return {w for w in re.findall(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![\w-])", text)
            if sum(c.isupper() for c in w) >= 2}


def _initials(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][a-z]*", text)).upper()


# A primary endpoint's timeframe and unit ('percentage change ... over 96 weeks'): the text
# names the endpoint without them where it gives the result.
_WHEN_AND_HOW = word_list("""
over within after during until through week month year day hour percentage percent
""")


def matches_primary(endpoint: str, primary: str | None) -> bool:
    """`endpoint` names the primary endpoint: an acronym they share ('MACE'), an acronym of the
    other's words ('PFS' for 'progression-free survival'), or most of its content words."""
    if not primary or not endpoint:
        return False
    shared = _acronyms(primary) & _acronyms(endpoint)
    if shared - NOT_ENDPOINTS:
        return True
    for short, long in ((primary, endpoint), (endpoint, primary)):
        if short.strip() in _acronyms(short) and len(short.strip()) >= 2 and \
                short.strip().upper() in _initials(long):
            return True
    wanted = _content_words(re.sub(r"\([^)]*\)", "", primary))
    have = _content_words(endpoint)
    if len(wanted - _WHEN_AND_HOW) >= 2:  # not down to one word: 'LDL-C' is not the endpoint
        wanted, have = wanted - _WHEN_AND_HOW, have - _WHEN_AND_HOW
    if not wanted or not have:
        return False
    if have <= wanted and _ABBREVIATION.search(endpoint):
        return True  # "LDL-C" for "percentage change in LDL-C from baseline to week 24"
    if len(have) < 2:
        return _head_noun(primary) in have
    return len(wanted & have) / len(wanted) >= 0.7


_ADJECTIVE_PAIR = re.compile(
    r"\b(?:mild|moderate|severe|serious|major|minor|fatal|nonfatal|non-fatal|first|recurrent|new"
    r"|acute|chronic|symptomatic|asymptomatic)\s+(?:or|and|to)\s+(?=\w)", re.I)


def _head_noun(primary: str) -> str | None:
    """The word a single-outcome primary endpoint is about: 'exacerbations' in 'annualised rate
    of severe exacerbations'. None for a composite (a component is not the composite)."""
    head = re.split(r"\(|\bdefined\b|\bat\s+(?:week|month|day)|\bover\b|\bfrom\b", primary)[0]
    # 'moderate or severe exacerbations' is one outcome; 'death or stroke' is a composite
    head = _ADJECTIVE_PAIR.sub(" ", head)
    if re.search(r",|\bor\b|\band\b|\bcomposite\b|/", head, re.I):
        return None
    words = [word for w in re.findall(r"[a-z][a-z-]+", head.lower()) for word in _content_words(w)]
    return words[-1] if words else None


def mentions_primary(sentence: str, primary: str | None) -> bool:
    """The sentence speaks of the primary endpoint by name: an acronym of it, or its first
    content words ('<endpoint>' for '<endpoint> at week 52, defined as ...')."""
    if not primary:
        return False
    if (_acronyms(primary) - NOT_ENDPOINTS) & _acronyms(sentence):
        return True
    head = re.split(r"\(|,|\bdefined\b|\bat\s+(?:week|month|day)", primary)[0]
    wanted = _content_words(head)
    return 0 < len(wanted) <= 6 and len(wanted & _content_words(sentence)) / len(wanted) >= 0.7


# --- the endpoint a result is about --------------------------------------------------------------

_EFFECT_VERBS = (r"prolonged|improved|reduced|lowered|shifted|extended|cut|produced|decreased"
                 r"|increased|halved|doubled")
_VERBS = re.compile(
    r"\b(?:occurred|was|were|is|are|did|had|has|have|showed|favou?red|fell|rose|gave|led|declined"
    r"|remained|pointed|moved|achieved|reached|differed|affected|outperformed|" + _EFFECT_VERBS
    + r"|trat|betrug|verbesserte|zeigte|nahm|lag|beruhte|brachen)\b")
EFFECT_OBJECT = re.compile(
    r"\b(?:significantly\s+)?(?:" + _EFFECT_VERBS + r")\s+(?:the\s+)?(?:(?:risk|rate|incidence)\s+"
    r"of\s+(?:the\s+)?)?(?P<ep>[^,;()]{2,80}?)(?=\s+(?:compared|versus|vs\.?|relative|towards|than"
    r"|in|by|with|more|less)\b|[,;(:]|$)")
_DRIVEN_BY = re.compile(
    r"\b(?:driven\s+by|by|beruhte\s+(?:vor\s+allem\s+)?auf)\s+(?:fewer|more|lower|higher|weniger"
    r"|mehr)\s+(?P<ep>[^,;()]{3,80})")
_MEASURE_FOR = re.compile(
    r"(?:ratios?|HR|OR|RR|IRR|GMRs?|differences?|changes?|reductions?|β|beta)\b\s*(?:\[[A-Za-z]+\])?"
    r"\s+(?:for|in|of)\s+(?P<ep>[^,;()]{2,80}?)\s+(?:was|were|is|of)\b(?!\s+(?:a|an|the)\b)")
# Commas between digits are decimal commas (German), not clause breaks.
_NOT_A_CLAUSE_BREAK = r"(?:[^,]|(?<=\d),(?=\d))"
_LEADING_ADVERBIAL = re.compile(
    r"^\s*(?:(?:After|At|Over|During|In|Among|By|With|Within|When|Through|Compared\s+with|Overall"
    r"|Looking\s+at|Nach|Unter)\b" + _NOT_A_CLAUSE_BREAK + r"{0,90},\s*"
    r"|(?:At|After|By|Over)\s+(?:week|day|month)\s+\d+\s+)+")
_LEAD_FOR = re.compile(r"^\s*(?:For|Beim|Bei\s+der|Für)\s+(?:the\s+)?(?P<ep>[^,(]{3,80}?)\s*[,(]")
_GENERIC_SUBJECT = re.compile(
    r"^(?:the\s+)?(?:effect|effekt|difference|trial|study|analysis|result|results|this|it|they"
    r"|both|combination|doublet|triplet|drug|treatment|benefit|investigators?|overall|rate|risk"
    r"|(?:[\w-]+\s+)?(?:hazard|odds|rate|risk)\s+ratios?|HR|OR|(?:adjusted\s+)?(?:common\s+)?OR"
    r"|(?:mean\s+)?changes?|mean\s+(?:percent\s+)?changes?|each\s+\w+|all\s+\w+"
    r"|(?:a|adj)?HRs?|ORs?|RRs?|IRRs?|GMRs?|β|beta|rate\s+ratios?|(?:mean\s+)?differences?"
    r"|all\s+three\s+\w+)$", re.I)
# Words that say which endpoint a result is, not what it measured.
_WHICH_ENDPOINT = re.compile(r"^(?:[\w-]+\s+)?(?:co-)?(?:primary|secondary|main)\s+(?:efficacy\s+)?"
                             r"(?:end\s?point|outcome)s?$", re.I)
_NOT_AN_ENDPOINT = re.compile(
    r"[%=;:]|^\W|\d\s*%|\d[,\u2009]\d{3}|^(?:in|and|or|compared|with|versus|vs|of|among|to|for"
    r"|at|by|from|than|while|whereas|but|so|which|that)\b", re.I)


# An endpoint defined between dashes after the word for it: the definition is its name.
_DASH_DEFINED = re.compile(
    r"^\W*(?:the\s+)?(?:key\s+|co-?)?(?:primary|secondary|main)\s+(?:efficacy\s+|safety\s+)?"
    r"(?:end\s?point|outcome)\s*[—–]\s*(?P<ep>[^—–]{3,160}?)\s*(?:[—–]|$)", re.I)


def endpoint_phrase(prefix: str) -> str | None:
    """A short endpoint description from the words before a result in its clause."""
    clause = re.sub(r"\s*\([^()]*\)|[−-]?\d+(?:[.,·]\d+)?\s?%(?:\s+(?:versus|vs\.?|and)\s+[−-]?\d+"
                    r"(?:[.,·]\d+)?\s?%)?", "", prefix)
    clause = re.sub(r"\s*\([^()]*$", "", clause).strip()
    phrase = _endpoint_words(clause)
    if phrase is None or _NOT_AN_ENDPOINT.search(phrase) or not re.search(r"[A-Za-z]", phrase):
        return None
    return phrase


def _endpoint_words(clause: str) -> str | None:
    dash = _DASH_DEFINED.match(clause)
    if dash:
        return _tidy(dash.group("ep"))  # 'The primary endpoint—a composite of A, B or C—was'
    lead = _LEAD_FOR.match(clause)
    if lead and not _GENERIC_SUBJECT.match(lead.group("ep")):
        return _tidy(lead.group("ep"))
    measured = list(_MEASURE_FOR.finditer(clause))
    if measured:
        return _tidy(measured[-1].group("ep"))
    driven = _DRIVEN_BY.search(clause)
    if driven:
        return _tidy(driven.group("ep"))
    clause = _LEADING_ADVERBIAL.sub("", clause)
    clause = re.sub(r"^[\s,;)\]]*(?:(?:and|as\s+(?:was|were)|while|whereas|but)\s+)?", "", clause)
    led = re.match(r"^(?P<cause>[^,;]{3,60}?)\s+led\s+to\s+(?P<what>[^,;]{3,60}?)"
                   r"(?:\s+(?:in|of|by)\s*)?$", clause)
    if led:
        return _tidy(f"{_tidy(led.group('what'))} due to {led.group('cause')}")
    verb = _VERBS.search(clause)
    if verb and re.fullmatch(_EFFECT_VERBS, verb.group(0)):
        # '<drug> improved <endpoint>': the subject is the treatment.
        obj = EFFECT_OBJECT.search(clause, max(0, verb.start() - 14))
        if obj and not _GENERIC_SUBJECT.match(_tidy(obj.group("ep"))):
            return _tidy(obj.group("ep"))
    parts = _split_top_level(clause[:verb.start()] if verb else clause)
    subject = _tidy(parts[0])
    if len(parts) > 1 and _WHICH_ENDPOINT.match(subject):
        subject = _tidy(parts[1])  # 'The key secondary endpoint, <endpoint>, was ...'
    if subject and not _GENERIC_SUBJECT.match(subject) and len(subject.split()) <= 12:
        return subject
    return None


def _split_top_level(text: str) -> list[str]:
    """`text` split at commas outside brackets and between words (not '1,5')."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        decimal = 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
        if ch == "," and depth <= 0 and not decimal:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _tidy(phrase: str) -> str:
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,;:(")
    phrase = re.sub(r"^(?:(?:the|a|an|also|der|die|das|beim|eine|ein|einer)\s+)+", "", phrase,
                    flags=re.I)
    phrase = re.sub(r"(?:\s+(?:also|alone|again|as\s+well|in|occurred|was|were|bei|auf|of|by))+$",
                    "", phrase)
    words = phrase.split()
    if not words:
        return ""
    if words[0][0].isupper() and words[0][1:].islower() and len(words[0]) > 1:
        phrase = words[0][0].lower() + phrase[1:]
    return phrase


# --- time points ---------------------------------------------------------------------------------

_TIMEPOINT = re.compile(
    r"\b(?:at|after|by|through|over|within|to)\s+(?:week|day|month|year)\s+\d+\b"
    r"|\b(?:at|after|over|through|within|by)\s+(?:a\s+median\s+(?:follow-up\s+)?of\s+)?"
    r"(?:about\s+|approximately\s+|roughly\s+)?\d+(?:[.·,]\d+)?[\s-](?:days?|weeks?|months?|years?)"
    r"\b|\b(?:median\s+)?follow-up\s+(?:of|was)\s+(?:about\s+|approximately\s+)?\d+(?:[.·]\d+)?\s+"
    r"(?:months|years)\b|\b\d+-(?:day|week|month|year)\b|\bat\s+(?:the\s+)?first\s+interim\s+"
    r"analysis\b|\bnach\s+\d+\s+(?:Monaten|Wochen|Tagen)\b", re.I)
_FOLLOW_UP = re.compile(
    r"(?:[Mm]edian\s+follow-up\s+(?:was|of)|followed\s+for\s+a\s+median\s+of|[Oo]ver\s+a\s+median"
    r"\s+(?:follow-up\s+)?of|[Dd]uring\s+a\s+median\s+follow-up\s+of)\s+(?:about\s+|approximately\s+)?"
    r"(?P<t>\d+(?:[.·]\d+)?\s+(?:months|years))|mediane\s+Nachbeobachtung\s+betrug\s+"
    r"(?P<de>\d+(?:,\d+)?\s+Monate)")


def timepoint_in(sentence: str) -> str | None:
    m = _TIMEPOINT.search(sentence)
    if m is None:
        return None
    return re.sub(r"^(?:at|after|by|through|over|within|to)\s+", "", m.group(0), flags=re.I)


def follow_up(doc: Document, layout: Layout) -> str | None:
    for start, end in body_sentences(doc, layout):
        m = _FOLLOW_UP.search(doc.text, start, end)
        if m:
            return f"median follow-up {m.group('t') or m.group('de')}"
    return None
