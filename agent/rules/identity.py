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
_NAME_RE = re.compile(r"(?<![\w/-])(" + _NAME + r")(?![\w-])")
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
    r"^[\s-]?(?:trial|study|studies|investigators|Investigators|trialists|Trialists|study group"
    r"|Study Group|steering committee|Steering Committee|Executive Committee|trial group"
    r"|Registry|registry|Collaboration|Studiengruppe|Studie|investigator)\b")
_NAME_VERB = re.compile(
    r"^\s(?:tested|asked|evaluated|compared|randomi[sz]ed|enrolled|showed|assessed|examined"
    r"|was an?|is an?|was one|is one|was the|is the|untersuchte)\b")


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
    for m in _NAME_RE.finditer(text, 0, limit):
        name = m.group(1)
        if not _name_shape_ok(name) or doc.in_injection(m.start()):
            continue
        mentions.append((m.start(), name))
        first.setdefault(name, m.start())
        score = _mention_score(text, m, layout)
        if any(s <= m.start() < e for s, e in layout.headings):
            score = max(score, 2)
            heading_hits.add(name)
        scores[name] += score
    for name in _listed_names(doc, limit):
        scores[name] += 2
    counts = Counter(name for _, name in mentions)
    accepted = [n for n, s in scores.items()
                if s + (1 if counts[n] >= 3 else 0) >= 2 and n not in abbreviations]
    accepted = [n for n in accepted
                if not any(n != a and n.startswith(a + "-") for a in accepted)]
    accepted.sort(key=lambda n: first[n])
    names = [_with_registry_suffix(text, layout, n) for n in accepted]
    kept = [(start, _with_registry_suffix(text, layout, n)) for start, n in mentions
            if n in accepted]
    roundup = len(accepted) >= 2 and len(heading_hits & set(accepted)) >= 2
    return TrialNames(names, kept, roundup)


def _name_shape_ok(name: str) -> bool:
    if name in GENERIC_ACRONYMS or sum(c.isupper() for c in name) < 3:
        return False
    parts = re.split(r"[-/]", name)
    first_letters = sum(c.isalpha() for c in parts[0])
    if first_letters >= 4:
        return True
    # Short first parts (IL-23, PD-L1, T-DXd) are abbreviations unless a longer word follows.
    return len(parts) > 1 and any(sum(c.isalpha() for c in p) >= 3 for p in parts[1:])


def _defined_abbreviations(text: str) -> set[str]:
    """'<drug name> (A-BCd)': a parenthesised abbreviation after lower-case words."""
    return {m.group(2) for m in re.finditer(r"\b([a-z][a-z-]+)\s\((" + _NAME + r")\)", text)}


def _mention_score(text: str, m: re.Match[str], layout: Layout) -> int:
    after = text[m.end():m.end() + 40]
    before = text[max(0, m.start() - 30):m.start()]
    score = 0
    if m.start() == layout.headline[0] and re.match(r"^(?:\s[\w-]+){0,4}:", after):
        score = 3
    if re.match(r"^\s?\((?:NCT|ISRCTN|EudraCT|ChiCTR|ACTRN|DRKS|CTRI)", after):
        score = max(score, 3)
    if _GROUP_WORDS.match(after) or _NAME_VERB.match(after):
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
