"""Which trial the article reports: trial names (one, or several in a round-up) and registry ids."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from agent.document import Document
from agent.rules.layout import Layout
from agent.rules.text import body_end, word_list

_NAME = r"[A-Z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*"
# A trial name may run over several words: 'ABC DEF GH-IJKL 12', 'ABC XYZ II', 'EARLY ABCD',
# 'ABCDE-Lung 101'. Its first word has two capitals or a digit (not 'A' or 'The'); the words
# after it are upper case, a roman numeral or a short number that is not a decimal or a year.
_FIRST_WORD = r"(?![IVX]+\b)[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*"
# A number closes a name only where a word, a bracket or the line follows: 'ABCDE 4 trial',
# not 'ABCDE 422, FGHIJ 430' (a list of counts).
_MORE_WORDS = (r"(?:[ \u00a0](?:[A-Z][A-Z0-9]+(?:[-/][A-Za-z0-9]+)*|[IVX]{1,4}"
               r"|\d{1,3}(?=[ \u00a0](?:[A-Z(]|trial|study|Studie)|\)|:|\n|$))(?![\w-]))*")
_NAME_RE = re.compile(r"(?<![\w/.-])(" + _FIRST_WORD + _MORE_WORDS + r")(?![\w])")
_REGISTRY_PREFIX = r"\((?:NCT|ISRCTN|EudraCT|ChiCTR|ACTRN|DRKS|CTRI)"
# 'X (NCT...)', 'X trial (NCT...)': a registry id right after a name.
_REGISTRY_AFTER = re.compile(r"[\w\s-]{0,12}" + _REGISTRY_PREFIX)
# German compounds glue the word for trial to the name: 'ABCDE-5-Studie', 'ABC-HF-Studienleiter'.
_GLUED_SUFFIX = re.compile(r"-(?:Studie\w*|Extensionsstudie\w*|Register\w*|Trial|Study)$")
# Abbreviations that look like trial names but name a measure, a scale, a drug or a society.
GENERIC_ACRONYMS: frozenset[str] = word_list("""
HR CI OR RR IRR GMR RRR ARR NNT MRI CT PET SPECT CCTA NYHA LVEF HER2 ESMO ESC ESOC ASCO ADA AHA
ACC ISC EADV ECTRIMS EACTS EASD EHA ERA EULAR ATS ERS AASLD EASL ACR DDW UEGW WCN ASH SABCS
EVT mRS NIHSS PASI IGA MACE NACE DAPT PCI CABG MI STEMI NSTEMI TIA AF HF CKD CAD CCS ICU DOAC
DOACs VKA VKAs ADC ADCs FDA EMA NEJM JAMA BMJ IDFS DFS PFS OS EFS ORR BICR ITT SGLT2 PCSK9 KCCQ
KCCQ-CSS NT-proBNP HbA1c eGFR UACR LDL LDL-C HDL MIBC NSCLC SCLC HFpEF HFrEF HFmrEF RMS MS
CRNM IPD CNIC FESC FACP MD PhD MBBS USA UK EU DNA RNA BMI COPD FEV1 NLRP3 TL1A PRX7 CD40 CD40L
CHA2DS2-VASc BCG IL-23 GLP-1 PD-1 PD-L1 COVID-19 SARS-CoV-2 HIV ALT AST ULN PAM PIK3CA EGFR ALK
KRAS BRCA HER2-low HFpEF/HFmrEF HFmrEF/HFpEF TIMI BARC ISTH GUSTO ARNI MRA MRAs ACE ARB SGLT
NICE WHO CDC NIH MACCE TLR TVF DCB DES BMS TAVI TAVR SAVR ECG LV LAA OAC NOAC NOACs INR
""")
_REGISTRY = re.compile(
    r"\bNCT\d{8}\b|\bISRCTN\d{8}\b|\bACTRN\d{14}\b|\bDRKS\d{8}\b|\bjRCT\w?\d{9,10}\b"
    r"|\bUMIN\d{9}\b|\bChiCTR(?:-[A-Z]{2,4}-)?\d{8,11}\b|\bCTRI/\d{4}/\d{2,3}/\d{6}\b"
    r"|\bEudraCT\s\d{4}-\d{6}-\d{2}\b|\b(?<=EudraCT number )\d{4}-\d{6}-\d{2}\b"
    r"|\b(?<=EudraCT: )\d{4}-\d{6}-\d{2}\b|\b(?<=EudraCT No\. )\d{4}-\d{6}-\d{2}\b")
_GROUP_WORDS = re.compile(
    r"^[\s-]?(?:trials?|Trials?|study|Study|studies|investigators|Investigators|trialists"
    r"|Trialists|study group|Study Group|steering committee|Steering Committee"
    r"|Executive Committee|trial group|Registry|registry|Collaboration|Studiengruppe|Studie"
    r"|investigator|program|programme|extension|substudy|analysis)\b")
_NAME_VERB = re.compile(
    r"^\s(?:tested|asked|evaluated|compared|randomi[sz]ed|enrolled|showed|assessed|examined"
    r"|investigated|demonstrated|included|found|met|missed|failed|reported|was an?|is an?"
    r"|was one|is one|was the|is the|untersuchte|zeigte)\b")
# 'the phase 3 study ABCDE-123', 'die Phase-III-Studie ABCDE-123', 'in der Studie X'.
_TRIAL_WORD_BEFORE = re.compile(r"(?:\b[Ss]tud(?:y|ie)|\btrial|Phase-?[IV1-4]+-?Studie)\s$")
# 'Nordic Valve Registry (NOVARE)': the acronym a study's full name is given.
_FULL_NAME_BEFORE = re.compile(r"(?i)\b(?:registry|register|trial|study|studie)\s?\($")


def registry_ids(text: str) -> list[str]:
    """Trial registry ids (NCT, ISRCTN, EudraCT ...) in order of first mention, each once."""
    return list(dict.fromkeys(m.group(0) for m in _REGISTRY.finditer(text)))


@dataclass
class TrialNames:
    names: list[str]
    mentions: list[tuple[int, str]] = field(default_factory=list)
    roundup: bool = False

    def at(self, pos: int) -> str | None:
        """The trial most recently named before `pos` (for round-ups)."""
        before = [name for start, name in self.mentions if start <= pos]
        return before[-1] if before else None


def find_trial_names(doc: Document, layout: Layout) -> TrialNames:
    text = doc.text
    limit = body_end(doc)
    abbreviations = _defined_abbreviations(text[:limit])
    scores: Counter[str] = Counter()
    first: dict[str, int] = {}
    mentions: list[tuple[int, str]] = []
    heading_hits: set[str] = set()
    for m in _NAME_RE.finditer(text, doc.article_start, limit):
        name, glued = _without_glued_suffix(_without_generic_tail(m.group(1)))
        if not _name_shape_ok(name) or doc.in_injection(m.start()):
            continue
        mentions.append((m.start(), name))
        first.setdefault(name, m.start())
        score = 2 if glued else _mention_score(text, m, layout)
        if any(s <= m.start() < e for s, e in layout.headings):
            # A short line may be a menu item: a name there needs a second mention too.
            score = max(score, 1)
            heading_hits.add(name)
        scores[name] += score
    for name in _listed_names(doc, limit):
        scores[name] += 2
    counts = Counter(name for _, name in mentions)
    accepted = [n for n, s in scores.items() if n in first
                and s + (1 if counts[n] >= 2 else 0) >= 2 and n not in abbreviations]
    # 'ABC XYZ' names the pair 'ABC XYZ I' and 'ABC XYZ II'; 'X-2' is not a new trial.
    accepted = [n for n in accepted
                if not any(n != a and n.startswith(a + "-") for a in accepted)
                and sum(1 for a in accepted if a.startswith(n + " ")) < 2]
    accepted.sort(key=lambda n: first[n])
    accepted = _reported(doc, accepted, mentions, limit, heading_hits)
    names = [_with_registry_suffix(text, layout, n) for n in accepted]
    kept = [(start, _with_registry_suffix(text, layout, n)) for start, n in mentions
            if n in accepted]
    # Two trials with a heading each, or named together in the headline: a round-up.
    in_headline = {n for start, n in mentions if layout.headline[0] <= start < layout.headline[1]}
    roundup = len(accepted) >= 2 and (len(heading_hits & set(accepted)) >= 2
                                      or len(in_headline & set(accepted)) >= 2)
    return TrialNames(names, kept, roundup)


def _without_generic_tail(raw: str) -> str:
    """'ABCDE-MS MRI': a word that names a measure is not part of the trial's name."""
    words = raw.split()
    # ... but 'EARLY ABCD' needs its last word: a bare English word is no name by itself.
    while len(words) > 1 and words[-1] in GENERIC_ACRONYMS and re.search(r"[-\d]", words[0]):
        words.pop()
    return " ".join(words)


def _without_glued_suffix(raw: str) -> tuple[str, bool]:
    cut = _GLUED_SUFFIX.search(raw)
    return (raw[:cut.start()], True) if cut else (raw, False)


def _reported(doc: Document, names: list[str], mentions: list[tuple[int, str]], limit: int,
              headed: set[str]) -> list[str]:
    """The names the article reports on: a registry id after a mention, or a figure (a
    percentage, a decimal, a count of patients) in the name's stretch of text, which runs to
    the next sentence naming another trial. A trial only mentioned ('as in the earlier X
    trial', a heading cut off before its text) has neither; with no figure anywhere (an
    interview) every name stays."""
    if len(names) < 2:
        return names
    ordered = [(start, name) for start, name in mentions if name in names]
    figures = [t.start for t in doc.tokens if t.start < limit and not doc.in_injection(t.start)
               and (t.percent or t.decimals or doc.role(t) == "n")]
    counts = Counter(name for _, name in ordered)
    reported = {name for name in names if name in headed and counts[name] >= 2}
    for i, (start, name) in enumerate(ordered):
        sentence = doc.sentence_of(start)
        stop = next((s for s, other in ordered[i + 1:]
                     if other != name and s >= sentence[1]), limit)
        if any(start <= pos < stop for pos in figures) or _REGISTRY_AFTER.match(
                doc.text, start + len(name)):
            reported.add(name)
    return [n for n in names if n in reported] or names


def looks_like_trial_name(name: str) -> bool:
    """Whether a name offered for the trial (by a model) has the shape the rules accept: an
    acronym-like word ('ABCDE-3', 'ABC DEF II'), not a description, a drug, a congress."""
    name = " ".join(name.split())
    return bool(_NAME_RE.fullmatch(name)) and _name_shape_ok(name)


def _name_shape_ok(name: str) -> bool:
    words = name.split()
    if name in GENERIC_ACRONYMS or words[0] in GENERIC_ACRONYMS:
        return False
    parts = re.split(r"[-/]", words[0])
    if parts[0] in GENERIC_ACRONYMS:  # a society's 'X-Kongress', 'HER2-positiven'
        return False
    if len(words) > 1:
        return sum(c.isupper() for c in name) >= 3 and sum(c.isalpha() for c in name) >= 4
    capitals = sum(c.isupper() for c in name)
    # 'ABcdefg123': two capitals are enough for a word that carries a number.
    if capitals < 3 and not (capitals == 2 and any(c.isdigit() for c in name)
                             and sum(c.isalpha() for c in name) >= 5):
        return False
    first_letters = sum(c.isalpha() for c in parts[0])
    if first_letters >= 4:
        return True
    # Short first parts (IL-23, PD-L1) are abbreviations unless a longer word follows.
    return len(parts) > 1 and any(sum(c.isalpha() for c in p) >= 3 for p in parts[1:])


def _defined_abbreviations(text: str) -> set[str]:
    """'<drug name> (A-BCd)': a parenthesised abbreviation after lower-case words."""
    return {m.group(2) for m in re.finditer(r"\b([a-z][a-z-]+)\s\((" + _NAME + r")\)", text)}


def _mention_score(text: str, m: re.Match[str], layout: Layout) -> int:
    after = text[m.end():m.end() + 40]
    before = text[max(0, m.start() - 30):m.start()]
    score = 0
    if m.start() == layout.headline[0] and re.match(r"^(?:\s[\w-]+){0,4}\s?:", after):
        score = 3
    if re.match(r"^\s?" + _REGISTRY_PREFIX, after):
        score = max(score, 3)
    if _FULL_NAME_BEFORE.search(before) and after.startswith(")"):
        score = max(score, 3)
    if _GROUP_WORDS.match(after) or _NAME_VERB.match(after) or _TRIAL_WORD_BEFORE.search(before):
        score = max(score, 2)
    if re.search(r"\b(?:the|der|die)\s$", before) and re.match(r"^\s(?:trial|study)\b", after):
        score = max(score, 2)
    return score


def _listed_names(doc: Document, limit: int) -> Iterator[str]:
    """'Four trials qualified: ABCDE (Spain), FGHIJ (Norway), KLMNO and PQRST-RCT'."""
    for start, end in doc.sentences:
        if start >= limit:
            break
        sentence = re.sub(r"\s*\([^()]*\)", "", doc.text[start:end])
        items = re.split(r",\s+(?:and\s+)?|\s+and\s+|:\s+", sentence)
        run: list[str] = []
        for item in [*items, ""]:
            m = re.match(r"\s*(" + _NAME + r")(?![\w-])", item)
            if m and _name_shape_ok(m.group(1)):
                run.append(m.group(1))
                continue
            if len(run) >= 3:
                yield from run
            run = []


def _with_registry_suffix(text: str, layout: Layout, name: str) -> str:
    headline = text[layout.headline[0]:layout.headline[1]]
    if re.search(re.escape(name) + r" Registry\b", headline):
        return name + " Registry"
    return name
