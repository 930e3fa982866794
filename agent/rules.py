"""The `rules` backend: a deterministic extractor that needs no language model.

`extract_draft(text)` reads the article once with `document.analyse` and fills a `DraftRecord`
from patterns alone. It is the offline default and the baseline every model backend must beat.

Two promises hold for everything it writes:

* every number (estimate, CI bounds, P, n) is the text of a token the parser found, copied as
  written, so `anchor.anchor_record` re-reads it at its span;
* every quote is a slice of the article that contains its numbers.

It prefers an empty field to a guess: a wrong number is worse than a missing one, and the
verifier reports the result tuples a record leaves out. Text in the reference list and text that
reads as an instruction to a model (`Document.injection_spans`) never becomes a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from agent.document import CI, Document, PValue, StatTuple, analyse
from agent.draft import DraftArm, DraftDesign, DraftRecord, DraftResult, DraftSafety
from agent.numbers import Token
from agent.schema import Measure, PrimaryMet

Span = tuple[int, int]

# --- the article's layout ------------------------------------------------------------------------

_SECTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("references", re.compile(r"^(?:references?|bibliography|sources?|literatur)\b", re.I)),
    ("design", re.compile(r"\b(?:design|methods?|methoden|studiendesign|patients and methods)\b",
                          re.I)),
    ("results", re.compile(r"\b(?:results?|findings|ergebnisse|efficacy)\b", re.I)),
    ("safety", re.compile(r"\b(?:safety|sicherheit|adverse|tolerability|vertr[äa]glichkeit)\b",
                          re.I)),
    ("conclusion", re.compile(
        r"\b(?:conclusions?|interpretation|fazit|take-home|what it means|schlussfolgerung)\b",
        re.I)),
)
_BYLINE = re.compile(r"\b(?:Presented|Präsentiert|Reported|Based on|Released|presentations?)\b"
                     r"|\s\|\s")


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    start: int
    end: int


@dataclass
class Layout:
    """Headline, byline and sections (a heading is a short line without final punctuation)."""

    headline: Span
    byline: Span | None
    sections: list[Section]
    headings: list[Span]

    def section_at(self, pos: int) -> Section | None:
        for s in self.sections:
            if s.start <= pos < s.end:
                return s
        return None

    def kind_at(self, pos: int) -> str:
        section = self.section_at(pos)
        return section.kind if section else "lead"

    def body_start(self) -> int:
        return (self.byline or self.headline)[1]


def _lines(text: str) -> Iterator[Span]:
    pos = 0
    for line in text.split("\n"):
        yield (pos, pos + len(line))
        pos += len(line) + 1


def read_layout(text: str) -> Layout:
    lines = [span for span in _lines(text) if text[span[0]:span[1]].strip()]
    if not lines:
        return Layout((0, 0), None, [], [])
    headline = lines[0]
    byline = None
    rest = lines[1:]
    if rest and _BYLINE.search(text[rest[0][0]:rest[0][1]]):
        byline, rest = rest[0], rest[1:]
    headings = [span for span in rest if _is_heading(text[span[0]:span[1]])]
    sections: list[Section] = []
    for i, (start, end) in enumerate(headings):
        title = text[start:end].strip()
        stop = headings[i + 1][0] if i + 1 < len(headings) else len(text)
        sections.append(Section(_section_kind(title), title, start, stop))
    return Layout(headline, byline, sections, headings)


def _is_heading(line: str) -> bool:
    line = line.strip()
    return 0 < len(line.split()) <= 9 and not re.search(r"[.;,]$", line)


def _section_kind(title: str) -> str:
    for kind, regex in _SECTION_KINDS:
        if regex.search(title):
            return kind
    return "other"


# --- trial names and registry ids ----------------------------------------------------------------

_NAME = r"[A-Z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*"
_NAME_RE = re.compile(r"(?<![\w/-])(" + _NAME + r")(?![\w-])")
# Abbreviations that look like trial names but name a measure, a scale, a drug or a society.
def _word_list(words: str) -> frozenset[str]:
    return frozenset(words.split())


GENERIC_ACRONYMS: frozenset[str] = _word_list("""
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
    found: list[str] = []
    for m in _REGISTRY.finditer(text):
        if m.group(0) not in found:
            found.append(m.group(0))
    return found


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
    """'trastuzumab deruxtecan (T-DXd)': a parenthesised abbreviation after lower-case words."""
    return {m.group(2) for m in re.finditer(r"\b([a-z][a-z-]+)\s\((" + _NAME + r")\)", text)}


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
    limit = doc.references_start if doc.references_start is not None else len(text)
    abbreviations = _defined_abbreviations(text[:limit])
    scores: dict[str, int] = {}
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
        scores[name] = scores.get(name, 0) + score
    for name in _listed_names(doc, limit):
        scores[name] = scores.get(name, 0) + 2
    counts: dict[str, int] = {}
    for _, name in mentions:
        counts[name] = counts.get(name, 0) + 1
    accepted = [n for n, s in scores.items()
                if s + (1 if counts.get(n, 0) >= 3 else 0) >= 2 and n not in abbreviations]
    accepted = [n for n in accepted
                if not any(n != a and n.startswith(a + "-") for a in accepted)]
    accepted.sort(key=lambda n: first[n])
    names = [_with_registry_suffix(text, layout, n) for n in accepted]
    kept = [(start, _with_registry_suffix(text, layout, n)) for start, n in mentions
            if n in accepted]
    roundup = len(accepted) >= 2 and len(heading_hits & set(accepted)) >= 2
    return TrialNames(names, kept, roundup)


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
    """'Four trials qualified: REBOOT (Spain), BETAMI (Norway), DANBLOCK and CAPITAL-RCT'."""
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


# --- presenter and congress ----------------------------------------------------------------------

_PRESENTER_CUT = re.compile(
    r"\s+(?:on behalf of|for the|im Namen|in the|with a response|and colleagues|and the)\b"
    r"|,\s*(?:MD|PhD|FESC|FACP|MBBS|MPH|DPhil|FRCP|principal investigator|with|and colleagues)\b"
    r"|,\s+(?:[A-Z][\w.]*\s+)*(?:University|Hospital|Institute|Center|Centre)\b")


def presenter_and_congress(text: str, layout: Layout, roundup: bool
                           ) -> tuple[str | None, str | None]:
    if layout.byline is None:
        return None, None
    line = text[layout.byline[0]:layout.byline[1]]
    presenter = congress = None
    for part in (p.strip() for p in line.split("|")):
        who = re.match(r"^(?:Presented|Präsentiert|Based on the presentation)\b[^|]*?\b(?:by|von)"
                       r"\s+(?P<who>.+)$", part)
        if who:
            presenter = _clean_presenter(who.group("who"))
            inside = re.search(r"\)?\s+in the\s+(?P<c>.+)$", who.group("who"))
            if inside and congress is None:
                congress = inside.group("c").strip()
            continue
        if re.match(r"^(?:Presented|Released|Opening|Präsentiert)\b", part):
            continue
        reported = re.match(r"^Reported from (?:the )?(?P<c>.+)$", part)
        if congress is None:
            congress = (reported.group("c") if reported else part).split(";")[0].strip() or None
    if roundup:
        presenter = None
    return presenter, congress


def _clean_presenter(raw: str) -> str | None:
    who = re.sub(r"\s*\([^)]*\)", "", raw)
    cut = _PRESENTER_CUT.search(who)
    if cut:
        who = who[:cut.start()]
    who = who.strip(" ,;")
    return who or None


# --- design --------------------------------------------------------------------------------------

_RANDOMISED = re.compile(
    r"\brandomi[sz]ed\b(?!\s+(?:controlled\s+)?trials\b)|\brandomly\s+(?:assigned|allocated)\b"
    r"|\brandomisiert|\brandomi[sz]ation\b", re.I)
_BLINDING = (("double-blind", re.compile(r"\bdouble[- ]blind|\bdoppelblind", re.I)),
             ("single-blind", re.compile(r"\bsingle[- ]blind", re.I)),
             ("observer-blind", re.compile(r"\bobserver[- ]blind", re.I)),
             ("open-label", re.compile(r"\bopen[- ]label|\boffen(?:e|en)?\b", re.I)))
_PHASE = re.compile(r"\bphase[\s-]?(?P<phase>(?:I{1,3}V?|IV|[1-4])(?:/(?:I{1,3}|[1-4]))?[ab]?)\b",
                    re.I)
_ALLOCATION_CONTEXT = re.compile(
    r"(?:randomi[sz]ed|randomly\s+assigned|randomisiert|assigned|allocated|Verhältnis|ratio)"
    r"[^.;]{0,40}$|^[^.;]{0,12}\b(?:ratio|Verhältnis)", re.I)


def design_of(doc: Document, layout: Layout, arms: list[DraftArm]) -> DraftDesign:
    text = doc.text
    parts = [(s.start, s.end) for s in layout.sections if s.kind == "design"]
    if not parts:
        parts = [(layout.body_start(), doc.references_start or len(text))]
    region = " ".join(text[s:e] for s, e in parts)
    blinding = next((name for name, regex in _BLINDING if regex.search(region)), None)
    phase = _PHASE.search(region) or _PHASE.search(text[:doc.references_start or len(text)])
    placebo = bool(re.search(r"placebo-?\s?controlled|placebokontrolliert", region, re.I)) or any(
        "placebo" in a.label.lower() for a in arms)
    return DraftDesign(
        randomised=True if _RANDOMISED.search(region) else None,
        blinding=blinding,
        phase=phase.group("phase") if phase else None,
        placebo_controlled=True if placebo else None,
        crossover=True if re.search(r"\bcross-?over\s+(?:trial|design|study)", region, re.I)
        else None,
        non_inferiority=True if re.search(r"\bnon-?inferior", region, re.I) else None,
        allocation=_allocation(doc, parts),
    )


def _allocation(doc: Document, parts: list[Span]) -> str | None:
    for t in doc.tokens:
        if t.kind != "ratio" or not any(s <= t.start < e for s, e in parts):
            continue
        before = doc.text[max(0, t.start - 60):t.start]
        after = doc.text[t.end:t.end + 20]
        if _ALLOCATION_CONTEXT.search(before) or _ALLOCATION_CONTEXT.search(after):
            return t.text
    return None


# --- arms and sample size ------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:[,\u2009\u202f\u00a0 ]\d{3})+|\d+"
_N_EQ = re.compile(r"\(\s*[nN]\s?=\s?(?P<n>" + _NUM + r")\s*\)")
_LABEL_BOUNDARY = re.compile(
    r"\s(?:to|or|and|oder|und|versus|vs\.?)\s|\b(?:received|receive|erhielten|given)\s|:\s|,\s")
_LABEL_LEAD = re.compile(r"^(?:(?:to|or|and|oder|und|receive|the|a|an|matching|either)\s+)+",
                         re.I)


def find_arms(doc: Document, layout: Layout) -> list[DraftArm]:
    for finder in (_arms_with_n_equals, _arms_listed_with_counts, _arms_by_dose, _arms_without_n):
        arms = finder(doc, layout)
        if len(arms) >= 2:
            return arms
    return []


def _candidate_sentences(doc: Document, layout: Layout) -> list[Span]:
    limit = doc.references_start if doc.references_start is not None else len(doc.text)
    design = [s for s in doc.sentences if layout.kind_at(s[0]) == "design" and s[0] < limit]
    rest = [s for s in doc.sentences if s not in design and layout.body_start() <= s[0] < limit
            and not doc.in_injection(s[0])]
    return design + rest


def _arms_with_n_equals(doc: Document, layout: Layout) -> list[DraftArm]:
    text = doc.text
    for start, end in _candidate_sentences(doc, layout):
        matches = list(_N_EQ.finditer(text, start, end))
        if len(matches) < 2:
            continue
        masked = _mask_parentheses(text, start, end, keep=[m.span() for m in matches])
        arms: list[DraftArm] = []
        previous = start
        for m in matches:
            segment = masked[previous - start:m.start() - start]
            cut = [b.end() for b in _LABEL_BOUNDARY.finditer(segment)]
            label_start = previous + (cut[-1] if cut else 0)
            label = _clean_label(text[label_start:m.start()])
            token = _token_text(doc, m.start("n"), m.end("n"))
            if label and token:
                arms.append(DraftArm(label=label, n=token))
            previous = m.end()
        if len(arms) >= 2:
            return arms
    return []


def _mask_parentheses(text: str, start: int, end: int, keep: list[Span]) -> str:
    """The sentence with the inside of parentheses blanked, except the spans in `keep`."""
    out = list(text[start:end])
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if any(s <= i < e for s, e in keep):
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            out[i - start] = " "
            continue
        if depth:
            out[i - start] = " "
    return "".join(out)


def _clean_label(raw: str) -> str:
    # A short acronym in brackets names the arm in later sentences ('EVT'): keep it.
    label = re.sub(r"\s*\((?![A-Za-z][A-Za-z0-9-]{1,8}\))[^()]*\)", "", raw)
    label = re.sub(r"\s+", " ", label).strip(" ,;:")
    label = _LABEL_LEAD.sub("", label).strip(" ,;:")
    if len(label.split()) > 8:
        label = re.split(r"\s(?:at|after|for|over|during|in addition to)\s", label)[0]
    return label if 0 < len(label.split()) <= 12 else ""


def _token_text(doc: Document, start: int, end: int) -> str | None:
    token = doc.token_at(start)
    if token is None or token.end != end or token.percent:
        return None
    return token.text


_FIRST_ITEM = re.compile(
    r"(?:(?<=[,:]\s)|(?<=of whom\s)|(?<=Of these,\s))(?P<n>" + _NUM + r")\s+"
    r"(?:(?:patients|participants)\s+)?(?:(?:were|was)\s+)?"
    r"(?:(?:randomly\s+)?(?:assigned|allocated|randomi[sz]ed)\s+to|(?:treated|managed)\s+with"
    r"|received|to)\s+")
_NEXT_ITEM = re.compile(
    r"(?:,\s+(?:and\s+)?|\s+and\s+)(?P<n>" + _NUM + r")\s+(?:(?:were\s+)?(?:assigned|allocated)"
    r"\s+)?(?:to\s+|with\s+|received\s+)?")


def _arms_listed_with_counts(doc: Document, layout: Layout) -> list[DraftArm]:
    """'991 were assigned to a β blocker and 894 to no β blocker'."""
    text = doc.text
    for start, end in _candidate_sentences(doc, layout):
        first = _FIRST_ITEM.search(text, start, end)
        if first is None:
            continue
        items = [(first.start("n"), first.end("n"), first.end())]
        pos = first.end()
        while True:
            nxt = _NEXT_ITEM.search(text, pos, end)
            if nxt is None:
                break
            if re.search(r"[;.]", text[pos:nxt.start()]):
                break
            items.append((nxt.start("n"), nxt.end("n"), nxt.end()))
            pos = nxt.end()
        arms: list[DraftArm] = []
        for i, (n_start, n_end, label_start) in enumerate(items):
            label_end = items[i + 1][0] if i + 1 < len(items) else end
            label = re.split(r",\s|;|\.\s|\.$|\s+(?:and|for|during|over)\s", text[label_start:
                                                                                 label_end])[0]
            token = _token_text(doc, n_start, n_end)
            label = _clean_label(label)
            if token is None or not label:
                break
            arms.append(DraftArm(label=label, n=token))
        if len(arms) >= 2:
            return arms
    return []


_DOSE_ARMS = re.compile(
    r"\bto\s+(?:receive\s+|take\s+)?(?:(?:subcutaneous|oral|intravenous|inhaled)\s+)?"
    r"(?P<drug>[a-z][\w-]+)\s+(?P<doses>\d[\d.,]*\s?mg(?:,\s*\d[\d.,]*\s?mg)*,?\s+(?:or|and)\s+"
    r"\d[\d.,]*\s?mg)(?P<schedule>(?:\s+(?:once|twice)\s+(?:daily|weekly)|\s+every\s+\d+\s+weeks)?)"
    r",?\s+(?:or|and)\s+(?:to\s+)?(?:an?\s+)?(?:matching\s+)?(?P<control>placebo)"
    r"(?:\s*\(\s*[nN]\s?=\s?(?P<n>" + _NUM + r")\s+per\s+(?:group|arm)\s*\))?")


def _arms_by_dose(doc: Document, layout: Layout) -> list[DraftArm]:
    """'randomised to orforglipron 3 mg, 12 mg or 36 mg once daily, or placebo'."""
    text = doc.text
    for start, end in _candidate_sentences(doc, layout):
        m = _DOSE_ARMS.search(text, start, end)
        if m is None:
            continue
        # '(n=312 per group)' is printed once for all groups: no arm can cite it as its own.
        doses = re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", m.group("doses"))
        schedule = m.group("schedule").strip()
        labels = [" ".join(x for x in (m.group("drug"), d.strip(), schedule) if x) for d in doses]
        return [DraftArm(label=label) for label in [*labels, m.group("control")]]
    return []


_TWO_ARMS = re.compile(
    r"\b(?:randomi[sz]ed|randomly\s+assigned|assigned|allocated)\s+(?:[\w\u2009 ,]+?\s+)??"
    r"(?:in\s+a\s+\d:\d\s+ratio\s+|\d:\d\s+)?to\s+(?:receive\s+|take\s+)?"
    r"(?P<a>[^;.]+?)\s+or\s+(?:to\s+)?(?:receive\s+)?(?P<b>[^;.,]+?)"
    r"(?=\s*(?:[;.]|,\s|\s(?:for|with|each|in addition|on top)\b))")
_DOSES = re.compile(r"^(?P<drug>[A-Za-z][\w-]*)\s+(?P<doses>\d[\d.,]*\s?mg(?:,\s*\d[\d.,]*\s?mg)*"
                    r",?\s+(?:or|and)\s+\d[\d.,]*\s?mg)(?P<rest>.*)$")


def _arms_without_n(doc: Document, layout: Layout) -> list[DraftArm]:
    """'randomised to receive a beta-blocker or no beta-blocker': labels only."""
    text = doc.text
    for start, end in _candidate_sentences(doc, layout):
        m = _TWO_ARMS.search(text, start, end)
        if m is None:
            continue
        first, second = m.group("a"), m.group("b")
        doses = _DOSES.match(first.rstrip(", "))
        labels: list[str] = []
        if doses:
            for dose in re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", doses.group("doses")):
                labels.append(f"{doses.group('drug')} {dose.strip()}")
        else:
            labels.append(_clean_label(first))
        labels.append(_clean_label(second))
        if all(labels) and len(set(labels)) == len(labels):
            return [DraftArm(label=label) for label in labels]
    return []


_TOTAL_AFTER = re.compile(
    r"^[^.;]{0,110}?\b(?:were|was|have\s+been|had\s+been|has\s+been)\s+(?:randomi[sz]ed|randomly\s+(?:assigned|allocated)|included"
    r"|enrolled|analy[sz]ed|recruited|studied)\b|^\s(?:patients\s+)?took\s+part\b"
    r"|^[^.;]{0,60}?\beingeschlossen\b")
_TOTAL_BEFORE = re.compile(
    r"(?:\b(?:enrolled|randomi[sz]ed|randomly\s+assigned|included|recruited|involving|analy[sz]ed"
    r"|comprised)\s(?:a\s+total\s+of\s+)?|\b(?:a\s+total\s+of|[Ii]n\s+total,?|insgesamt|All)\s"
    r"|\b(?:trial|study|registry|analysis)(?:\s+(?:was\s+)?(?:conducted|done))?\s(?:in|of|with"
    r"|involving)\s|\btrial,\s)$")
_N_TOTAL_EQ = re.compile(
    r"(?:population|total|overall|intention-to-treat|\bITT\b|cohort|trial|study)[^.;()]{0,25}"
    r"\(\s*[nN]\s?=\s?$|\b[nN]\s?=\s?$")
_TOTAL_WORDS = re.compile(r"population|total|overall|intention|ITT|cohort|trial|study")
_NOT_TOTAL_BEFORE = re.compile(r"\b(?:subgroup|substudy|subset|Substudie|Among|among|of\s+whom"
                               r"|Of\s+these)\b[^.;]*$")
_NOT_TOTAL_AFTER = re.compile(r"^[^.;,]{0,40}\b(?:screened|subgroup|substudy|subset)\b")
_APPROXIMATE = re.compile(r"\b(?:[Nn]early|[Aa]bout|[Aa]pproximately|[Mm]ore\s+than|[Oo]ver"
                          r"|[Aa]lmost|[Rr]oughly)\s$")


def find_n_total(doc: Document, layout: Layout, arms: list[DraftArm]) -> str | None:
    text = doc.text
    limit = doc.references_start if doc.references_start is not None else len(text)
    best: tuple[float, int, str] | None = None
    arm_sum = _arm_sum(doc, arms)
    for t in doc.tokens:
        if not (layout.body_start() <= t.start < limit) or doc.in_injection(t.start):
            continue
        if t.percent or t.kind != "number" or t.decimals or t.value < 10:
            continue
        score: float = _total_score(doc, t, layout)
        if arm_sum is not None and t.value == arm_sum:
            score += 2
        if score >= 3 and _APPROXIMATE.search(text[max(0, t.start - 15):t.start]):
            score -= 0.5
        if score >= 2.5 and (best is None or score > best[0]):
            best = (score, t.start, t.text)
    if best is not None:
        return best[2]
    if arm_sum is not None:
        for t in doc.tokens:
            if t.start < limit and not t.percent and t.decimals == 0 and t.value == arm_sum:
                return t.text
    return None


def _total_score(doc: Document, t: Token, layout: Layout) -> int:
    text = doc.text
    sentence = doc.sentence_of(t.start)
    before = text[max(sentence[0], t.start - 60):t.start]
    after = text[t.end:sentence[1]]
    if _NOT_TOTAL_BEFORE.search(before) or _NOT_TOTAL_AFTER.search(after):
        return 0
    people = doc.role(t) == "n"
    score = 0
    if _N_TOTAL_EQ.search(before):
        inside_arms = len(_N_EQ.findall(text[sentence[0]:sentence[1]])) >= 2
        if not inside_arms and (re.search(r"\($", before.rstrip("nN= ")) is None
                                or _TOTAL_WORDS.search(before)):
            score = 4
    if people and _TOTAL_BEFORE.search(before):
        score = max(score, 3)
    if people and _TOTAL_AFTER.search(after):
        score = max(score, 3)
    if score and layout.kind_at(t.start) == "design":
        score += 1
    return score


def _arm_sum(doc: Document, arms: list[DraftArm]) -> Decimal | None:
    if len(arms) < 2 or any(a.n is None for a in arms):
        return None
    total = Decimal(0)
    for arm in arms:
        token = next((t for t in doc.tokens if t.text == arm.n), None)
        if token is None:
            return None
        total += token.value
    return total


# --- primary endpoint ----------------------------------------------------------------------------

_PRIMARY_WORDS = re.compile(
    r"\bprimary[- ](?:efficacy\s+)?(?:end[- ]?points?|outcomes?|composite)\b|\bco-primary\b"
    r"|\bprimäre[nr]?\s+Endpunkt", re.I)
_NOT_PRIMARY = re.compile(r"\bprimary\s+safety\b|\bkey\s+secondary\b|\bsecondary\b", re.I)
_SUBGROUP = re.compile(r"\bAmong the [\d,\u2009]+ (?:patients|participants)|\bsubgroup\b"
                       r"|\bIn (?:women|men)\b|\bsubstudy\b", re.I)
_PE_PATTERNS = (
    re.compile(r"\b[Tt]he\s+(?:prespecified\s+|pre-specified\s+)?(?:co-)?primary\s+(?:efficacy\s+)?"
               r"(?:end\s?point|outcome)s?(?:\s+of\s+the\s+(?:substudy|parent\s+trial))?\s+"
               r"(?:was|were|is|combined|comprised)\s+(?P<pe>[^;]+)"),
    re.compile(r"^(?P<pe>[A-Z][^;]{3,150}?)\s+(?:was|served\s+as)\s+the\s+primary\s+"
               r"(?:efficacy\s+)?(?:end\s?point|outcome)"),
    re.compile(r"\bPrimärer\s+Endpunkt\s+war\s+(?P<pe>[^;]+)"),
)
_PE_CUT = re.compile(r",\s+(?:defined|analysed|analyzed|and\s+the\s+primary|with\s+superiority"
                     r"|and\s+percent|assessed\s+by\s+blinded)|\.\s*$|;")
_STOPWORDS = _word_list("""
the a an of or and in on at to for with by from as was were is be its their any first time
composite combined rate total change from baseline who whose that than vs versus mean median
""")


def find_primary_endpoint(doc: Document, layout: Layout) -> str | None:
    for start, end in _candidate_sentences(doc, layout):
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


def _content_words(text: str) -> set[str]:
    words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z][\w-]*", text)}
    return {w for w in words if w not in _STOPWORDS and len(w) > 1}


def _acronyms(text: str) -> set[str]:
    return set(re.findall(r"\(([A-Za-z][A-Za-z0-9-]{1,9})\)", text))


def matches_primary(endpoint: str, primary: str | None) -> bool:
    if not primary or not endpoint:
        return False
    for acronym in _acronyms(primary):
        if re.search(r"(?<![\w-])" + re.escape(acronym) + r"(?![\w-])", endpoint):
            return True
    wanted = _content_words(re.sub(r"\([^)]*\)", "", primary))
    have = _content_words(endpoint)
    if len(have) < 2 or not wanted:
        return False
    return len(wanted & have) / len(wanted) >= 0.7


# --- whether the primary endpoint was met --------------------------------------------------------

_MET_NO = re.compile(
    r"\b(?:did\s+not|does\s+not|failed\s+to|didn't)\s+(?:meet|reach|achieve)\s+(?:its\s+|the\s+)?"
    r"(?:co-)?primary|\bprimary\s+(?:efficacy\s+)?(?:end\s?point|outcome)s?\s+(?:was|were)\s+"
    r"(?:therefore\s+)?not\s+(?:met|achieved|reached)\b|\bno\s+(?:statistically\s+)?significant\s+"
    r"difference\s+in\s+the\s+primary|\bprimäre\s+Endpunkt\s+(?:wurde\s+)?nicht\s+erreicht", re.I)
_MET_YES = re.compile(
    r"\b(?:met|meeting|achieved|reached)\s+(?:its|the|their|both|all)?\s*(?:co-)?primary\s+"
    r"(?:efficacy\s+)?(?:end\s?points?|outcomes?)\b|\b(?:co-)?primary\s+(?:efficacy\s+)?"
    r"(?:end\s?point|outcome)s?\s+(?:was|were)\s+(?:therefore\s+|thus\s+|also\s+)?"
    r"(?:met|achieved|reached)\b|\bmet\s+the\s+non-?inferiority\s+(?:criterion|margin)"
    r"|\bprimäre\s+Endpunkt\s+erreicht|\b(?:significantly\s+)?(?:reduced|lowered|improved|prolonged)"
    r"\s+the\s+(?:risk|rate|incidence)\s+of\s+the\s+primary\s+(?:end\s?point|outcome)", re.I)
_SIGNIFICANT_EFFECT = re.compile(
    r"\bsignificantly\s+(?:prolonged|improved|reduced|lowered|extended|shifted|decreased)\s+"
    r"(?P<ep>[^.;()]{2,80}?)(?=\s+(?:compared|versus|vs\.?|relative|than|with|in)\b|[,(.;]|$)",
    re.I)
_NEGATED = re.compile(r"\b(?:not|n't|no|failed|neither|nor|without)\b", re.I)
_NOT_DIFFERENT = re.compile(
    r"\bdid\s+not\s+(?:shift|improve|reduce|lessen|lower|differ|change|show)\b", re.I)


@dataclass(frozen=True)
class MetClaim:
    verdict: PrimaryMet
    sentence: Span


def primary_met(doc: Document, layout: Layout, primary: str | None,
                primary_results: list[tuple[StatTuple, bool]], non_inferiority: bool
                ) -> MetClaim | None:
    """What the article states about the primary endpoint, with the sentence that states it."""
    claims: list[MetClaim] = []
    for span in _body_sentences(doc, layout):
        sentence = doc.text[span[0]:span[1]]
        if _MET_NO.search(sentence):
            claims.append(MetClaim("no", span))
            continue
        yes = _MET_YES.search(sentence)
        if yes and not _NEGATED.search(_clause_before(sentence, yes.start())):
            claims.append(MetClaim("yes", span))
            continue
        for m in _SIGNIFICANT_EFFECT.finditer(sentence):
            ep = m.group("ep")
            if (_PRIMARY_WORDS.search(ep) or matches_primary(ep, primary)) and not _NEGATED.search(
                    _clause_before(sentence, m.start())):
                claims.append(MetClaim("yes", span))
                break
    if not claims and not non_inferiority:
        claims = list(_stated_null_results(doc, layout, primary_results))
    if not claims:
        claims = list(_stated_effects(doc, layout, primary_results))
    verdicts = {c.verdict for c in claims}
    if len(verdicts) != 1:
        return None
    return claims[0]


def _clause_before(sentence: str, pos: int) -> str:
    start = max(sentence.rfind(sep, 0, pos) for sep in (",", ";", ":", "("))
    return sentence[start + 1:pos]


def _stated_null_results(doc: Document, layout: Layout,
                         primary_results: list[tuple[StatTuple, bool]]) -> Iterator[MetClaim]:
    """'EVT did not shift the distribution of disability. The common OR ... was 0.90 (...)' and
    'The primary endpoint occurred in ... . The difference was not statistically significant'."""
    sentences = _body_sentences(doc, layout)
    for tup, significant in primary_results:
        if significant:
            continue
        i = next((k for k, s in enumerate(sentences) if s[0] <= tup.span[0] < s[1]), None)
        if i is None:
            continue
        own = doc.text[sentences[i][0]:sentences[i][1]]
        before = doc.text[sentences[i - 1][0]:sentences[i - 1][1]] if i else ""
        if _NOT_DIFFERENT.search(own) or _NOT_DIFFERENT.search(before):
            yield MetClaim("no", sentences[i] if _NOT_DIFFERENT.search(own) else sentences[i - 1])
    for i, span in enumerate(sentences[:-1]):
        sentence = doc.text[span[0]:span[1]]
        nxt = sentences[i + 1]
        if _PRIMARY_WORDS.search(sentence) and re.match(
                r"\s*(?:The|This)\s+difference\s+was\s+not\s+(?:statistically\s+)?significant",
                doc.text[nxt[0]:nxt[1]]):
            yield MetClaim("no", nxt)


_EFFECT_CLAIM = re.compile(
    r"\b(?:significantly\s+)?(?:reduced|lowered|improved|prolonged|shifted|extended|cut|slowed"
    r"|decreased|outperformed|halved)\b|\b\d+(?:[.·,]\d+)?\s?%\s+(?:relative\s+)?(?:risk\s+)?"
    r"(?:reduction|lower\s+risk)|\brelative\s+(?:risk\s+)?reduction\s+of\b|\bRisikoreduktion\b",
    re.I)


def _stated_effects(doc: Document, layout: Layout,
                    primary_results: list[tuple[StatTuple, bool]]) -> Iterator[MetClaim]:
    """'Thrombectomy shifted the mRS distribution ...: OR 1.7 (95% CI 1.05 to 2.8)', '(HR 0.73;
    95% CI 0.60–0.89; P=0.002), a 27% relative reduction in risk': the article states a benefit
    in the sentence that reports a statistically significant primary result."""
    sentences = _body_sentences(doc, layout)
    for tup, significant in primary_results:
        if not significant:
            continue
        i = next((k for k, s in enumerate(sentences) if s[0] <= tup.span[0] < s[1]), None)
        if i is None:
            continue
        for span in sentences[i:i + 2]:
            sentence = doc.text[span[0]:span[1]]
            claim = _EFFECT_CLAIM.search(sentence)
            if claim and not _NEGATED.search(_clause_before(sentence, claim.start())):
                yield MetClaim("yes", span)
                break


def _body_sentences(doc: Document, layout: Layout) -> list[Span]:
    limit = doc.references_start if doc.references_start is not None else len(doc.text)
    return [s for s in doc.sentences if layout.body_start() <= s[0] < limit
            and not doc.in_injection(s[0]) and s not in layout.headings]


# --- endpoints and time points -------------------------------------------------------------------

_EFFECT_VERBS = (r"prolonged|improved|reduced|lowered|shifted|extended|cut|produced|decreased"
                 r"|increased|halved|doubled")
_VERBS = re.compile(
    r"\b(?:occurred|was|were|is|are|did|had|has|have|showed|favou?red|fell|rose|gave|led|declined"
    r"|remained|pointed|moved|achieved|reached|differed|affected|outperformed|" + _EFFECT_VERBS
    + r"|trat|betrug|verbesserte|zeigte|nahm|lag|beruhte|brachen)\b")
_EFFECT_OBJECT = re.compile(
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
    r"^\s*(?:(?:After|At|Over|During|In|Among|By|With|Through|Compared\s+with|Overall|Looking\s+at"
    r"|Nach|Unter)\b" + _NOT_A_CLAUSE_BREAK + r"{0,90},\s*"
    r"|(?:At|After|By|Over)\s+(?:week|day|month)\s+\d+\s+)+")
_LEAD_FOR = re.compile(r"^\s*(?:For|Beim|Bei\s+der|Für)\s+(?:the\s+)?(?P<ep>[^,(]{3,80}?)\s*[,(]")
_GENERIC_SUBJECT = re.compile(
    r"^(?:the\s+)?(?:effect|effekt|difference|trial|study|analysis|result|results|this|it|they"
    r"|both|combination|doublet|triplet|drug|treatment|benefit|investigators?|overall|rate|risk"
    r"|(?:[\w-]+\s+)?(?:hazard|odds|rate|risk)\s+ratios?|HR|OR|(?:adjusted\s+)?(?:common\s+)?OR"
    r"|(?:mean\s+)?changes?|mean\s+(?:percent\s+)?changes?|each\s+\w+|all\s+\w+"
    r"|(?:a|adj)?HRs?|ORs?|RRs?|IRRs?|GMRs?|β|beta|rate\s+ratios?|(?:mean\s+)?differences?"
    r"|all\s+three\s+\w+)$", re.I)
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


_NOT_AN_ENDPOINT = re.compile(
    r"[%=;:]|^\W|\d\s*%|\d[,\u2009]\d{3}|^(?:in|and|or|compared|with|versus|vs|of|among|to|for"
    r"|at|by|from|than|while|whereas|but|so|which|that)\b", re.I)


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
        # 'T-DXd improved invasive disease-free survival': the subject is the treatment.
        obj = _EFFECT_OBJECT.search(clause, verb.start() - 14 if verb.start() >= 14 else 0)
        if obj and not _GENERIC_SUBJECT.match(_tidy(obj.group("ep"))):
            return _tidy(obj.group("ep"))
    subject = clause[:verb.start()] if verb else clause
    subject = _tidy(_split_top_level(subject)[0])
    if subject and not _GENERIC_SUBJECT.match(subject) and len(subject.split()) <= 12:
        return subject
    return None


def _split_top_level(text: str) -> list[str]:
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


def timepoint_in(sentence: str) -> str | None:
    m = _TIMEPOINT.search(sentence)
    if m is None:
        return None
    return re.sub(r"^(?:at|after|by|through|over|within|to)\s+", "", m.group(0), flags=re.I)


def follow_up(doc: Document, layout: Layout) -> str | None:
    for start, end in _body_sentences(doc, layout):
        m = _FOLLOW_UP.search(doc.text, start, end)
        if m:
            return f"median follow-up {m.group('t') or m.group('de')}"
    return None


# --- result tuples -------------------------------------------------------------------------------

_MEASURES: dict[str, Measure] = {
    "HR": "HR", "OR": "OR", "RR": "RR", "IRR": "IRR", "rate ratio": "rate ratio", "GMR": "GMR",
    "beta": "beta", "mean difference": "mean difference", "mean change": "mean change",
    "percent": "percent", "risk difference": "risk difference", "RRR": "RRR", "other": "other",
}
_UNIT_OR_TIME_BEFORE = re.compile(r"(?:\b(?:weeks?|days?|months?|years?|per|at|dose)|/)\s*$", re.I)
_UNIT_AFTER = re.compile(r"^\s?(?:m²|m2\b|mg\b|µg|mcg|IU\b|-mg)")
_QUALIFIED_P = frozenset({"interaction", "trend", "heterogeneity", "non-inferiority"})


@dataclass(frozen=True)
class Stat:
    """A result tuple as the extractor uses it: the parser's reading, corrected where needed."""

    measure: str | None
    estimate: Token
    ci: CI | None
    lower: Token | None
    upper: Token | None
    p: PValue | None
    span: Span
    sentence: Span
    source: StatTuple


def result_stats(doc: Document) -> list[Stat]:
    stats: list[Stat] = []
    for tup in doc.tuples:
        if _excluded(doc, tup.span[0]):
            continue
        estimate = _better_estimate(doc, tup) if tup.estimate else _estimate_far(doc, tup)
        if estimate is None:
            continue
        lower = tup.ci.lower if tup.ci else None
        upper = tup.ci.upper if tup.ci else None
        start = min(tup.span[0], estimate.start)
        stats.append(Stat(tup.measure, estimate, tup.ci, lower, upper, tup.p,
                          (start, tup.span[1]), tup.sentence, tup))
    return sorted(stats, key=lambda s: s.span[0])


def _excluded(doc: Document, pos: int) -> bool:
    return doc.in_references(pos) or doc.in_injection(pos)


def _better_estimate(doc: Document, tup: StatTuple) -> Token:
    """'1·9 mL/min per 1·73 m² (95% CI ...)', '21 m further ... at week 24 (95% CI ...)': the
    parser takes the number just before the CI; when that number is a unit, a time or a dose,
    the estimate is the number before it, provided it lies inside the CI."""
    estimate = tup.estimate
    assert estimate is not None
    if tup.ci is None or not _unit_like(doc, estimate):
        return estimate
    earlier = [t for t in doc.tokens if tup.sentence[0] <= t.start and t.end <= estimate.start]
    for candidate in reversed(earlier[-3:]):
        if estimate.start - candidate.end > 60 or _unit_like(doc, candidate):
            continue
        if candidate.kind != "number" or candidate.percent != tup.ci.lower.percent:
            break
        if tup.ci.lower.value <= candidate.value <= tup.ci.upper.value:
            return candidate
        break
    return estimate


def _estimate_far(doc: Document, tup: StatTuple) -> Token | None:
    """'improved by 4.5 points more with X than with placebo (95% CI 1.9 to 7.1)': the parser
    reads no estimate when words stand between it and the CI; take the nearest number before
    the CI in its sentence when it lies inside the CI and is not a unit, time or dose."""
    ci = tup.ci
    if ci is None:
        return None
    earlier = [t for t in doc.tokens if tup.sentence[0] <= t.start and t.end <= ci.span[0]]
    for candidate in reversed(earlier[-3:]):
        if ci.span[0] - candidate.end > 90:
            return None
        if _unit_like(doc, candidate) or doc.role(candidate) in ("dose", "year", "p", "n"):
            continue
        if candidate.kind != "number" or candidate.percent != ci.lower.percent:
            return None
        if ci.lower.value <= candidate.value <= ci.upper.value:
            return candidate
        return None
    return None


def _unit_like(doc: Document, token: Token) -> bool:
    before = doc.text[max(0, token.start - 12):token.start]
    after = doc.text[token.end:token.end + 6]
    return bool(_UNIT_OR_TIME_BEFORE.search(before) or _UNIT_AFTER.match(after))


def measure_for(doc: Document, stat: Stat) -> Measure:
    if stat.measure in _MEASURES and stat.measure != "percent":
        return _MEASURES[stat.measure]
    sentence = doc.text[stat.sentence[0]:stat.sentence[1]].lower()
    near = doc.text[max(stat.sentence[0], stat.estimate.start - 120):stat.estimate.end + 25].lower()
    if re.search(r"\babsolute\b|\brisk difference|\bincidence difference", near):
        return "risk difference"
    if "percentage point" in near or "prozentpunkt" in near:
        if re.search(r"\bmean\b|\bchang|\bvolume\b|\bweight\b", sentence):
            return "mean difference"
        return "risk difference"
    if re.search(r"differen|placebo-adjusted|\bmore than\b|\bmehr als\b|\bfurther than\b"
                 r"|\bless steep\b|\bslower\b|\bfavou?red\b[^.;]{0,80}\bby\b", near):
        return "mean difference"
    if stat.estimate.percent:
        return "percent"
    return "other"


def quote_span(text: str, span: Span, sentence: Span) -> Span:
    """`span` widened to balanced brackets, and to a parenthesis that opens right before it."""
    start, end = span
    for _ in range(4):
        segment = text[start:end]
        opened = _unbalanced_open(segment)
        closed = _unbalanced_close(segment)
        if closed is not None:
            opener = _matching_open(text, start, sentence[0], closed)
            if opener is None:
                break
            start = opener
            continue
        if opened is not None:
            closer = _matching_close(text, end, sentence[1], opened)
            if closer is None:
                break
            end = closer + 1
            continue
        break
    # '(hazard ratio [HR] 0.47; 95% CI 0.34–0.66; p<0.0001)': take the parenthesis it sits in
    # when only a few words of it lie outside the span.
    opener = _matching_open(text, start, max(sentence[0], start - 30), "(")
    if opener is not None:
        closer = _matching_close(text, end, min(sentence[1], end + 3), "(")
        if closer is not None:
            start, end = opener, closer + 1
    return start, end


_PAIRS = {"(": ")", "[": "]"}


def _unbalanced_open(segment: str) -> str | None:
    stack: list[str] = []
    for ch in segment:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in _PAIRS.values() and stack:
            stack.pop()
    return stack[-1] if stack else None


def _unbalanced_close(segment: str) -> str | None:
    depth: dict[str, int] = {"(": 0, "[": 0}
    for ch in segment:
        if ch in _PAIRS:
            depth[ch] += 1
        for opener, closer in _PAIRS.items():
            if ch == closer:
                if depth[opener] == 0:
                    return opener
                depth[opener] -= 1
    return None


def _matching_open(text: str, pos: int, limit: int, opener: str) -> int | None:
    closer = _PAIRS[opener]
    depth = 0
    for i in range(pos - 1, max(limit, pos - 200) - 1, -1):
        if text[i] == closer:
            depth += 1
        elif text[i] == opener:
            if depth == 0:
                return i
            depth -= 1
    return None


def _matching_close(text: str, pos: int, limit: int, opener: str) -> int | None:
    closer = _PAIRS[opener]
    depth = 0
    for i in range(pos, min(limit, pos + 200)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            if depth == 0:
                return i
            depth -= 1
    return None


def p_text(doc: Document, p: PValue | None) -> str | None:
    """The P value as written, with its comparator: '<0.0001', '< .001', '0·031'."""
    if p is None or p.token is None or p.not_significant or p.qualifier in _QUALIFIED_P:
        return None
    token = p.token
    if p.comparator == "=":
        return token.text
    lead = doc.text[p.span[0]:token.start]
    m = re.search(r"(?:<=|>=|=<|[<>≤≥⩽⩾])\s*$", lead)
    return (m.group(0) if m else p.comparator + " ") + token.text


# --- per-arm values ------------------------------------------------------------------------------

_THRESHOLD_BEFORE = re.compile(
    r"(?:at\s+least|more\s+than|less\s+than|fewer\s+than|greater\s+than|below|above|over|under"
    r"|up\s+to|exceeding|between|ranged\s+from|of\s+≥|[≥≤<>])\s*$|\bLVEF\b[^.;]{0,20}$", re.I)
_THRESHOLD_AFTER = re.compile(
    r"^\s*(?:or\s+(?:more|higher|greater|lower|less|above|below)|(?:to|–|-)\s*[−-]?\d"
    r"|(?:relative|reduction|lower|higher|increase|decrease|decline|improvement|weight\s+loss"
    r"|loss|of\s+(?:their|the)\s+body))\b", re.I)
_BASELINE = re.compile(r"\b(?:were\s+women|were\s+men|were\s+female|were\s+male|mean\s+age"
                       r"|median\s+age|(?<!who\s)underwent|presented\s+with"
                       r"|of\s+the\s+people\s+enrolled)\b", re.I)
_AFTER_UNIT_VALUE = re.compile(r"\d\s?(?:kg|mg/dL|mmol/L|points?|mm\s?Hg|cm|lb)\s\($")
_SAFETY_WORDS = re.compile(
    r"\badverse\b|\bdiscontinu|\bstopped\s+(?:the\s+)?(?:study\s+drug|treatment)|\bgrade\s+(?:[3-5]"
    r"|≥\s?3)|\btoxicit|\bunerwünscht|\bTherapieabbruch|\bbrachen\b", re.I)
_REF_PREPOSITION = re.compile(
    r"^(?:of\s+(?:the\s+)?(?:patients|participants|those|people|adults)\s+)?"
    r"(?:in\s+the|of\s+the|with\s+the|with|on|given|receiving|taking|assigned\s+to|treated\s+with"
    r"|allocated\s+to|who\s+received|who\s+underwent|who\s+were\s+given|while\s+(?:patients|they)"
    r"\s+took|who|during|in|unter|mit)"
    r"\s+(?P<ref>[\w][\w\s./+-]{0,50}?)(?:\s+(?:group|arm|groups|patients|dose|period|treatment))?"
    r"\s*$|^of\s+(?:the\s+)?(?P<treated>[\w-]+)-treated\s+(?:patients|participants)")
_REF_CUT = re.compile(
    r"\s(?:and|vs\.?|versus|compared|whereas|but|while|und|bzw\.|had|have|remained|reached"
    r"|achieved|were|was|showed|stopped)\s|[,;:(]|\)(?!\s*(?:of\b|assigned|in\b|given|receiving))")
_DOSE_WORD = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?[\s-]?mg\b")
_CONTROL_WORDS = frozenset({"placebo", "control", "comparator", "standard"})
_TIGHT = re.compile(r"^\s*\)?\s*(?:,\s*)?(?:and|vs\.?|versus|und|bzw\.|compared\s+with|against)?"
                    r"\s*(?:by\s+)?$")
_OF_THE_N = re.compile(r"^\s*(?:Of|Among|In)\s+the\s+(?P<n>" + _NUM + r")\s+(?:patients|"
                       r"participants)\s+(?P<ref>[^,]{3,90}),")
_IN_THE_GROUP = re.compile(r"^\s*In\s+the\s+(?P<ref>[\w\s-]{2,40}?)\s+(?:group|arm),")
_PER = r"per\s+1(?:[,\u2009]?000|00)(?:\s+(?:patient|person)-years)?"
_UNIT = re.compile(
    r"^\s?(?:(?:months?|hours?|minutes?|days?|weeks?|years?|(?:percentage\s+)?points?|mm\s?Hg"
    r"|mmHg|kg|m\b|mL|mg/dL|mmol/L|(?:[\w-]+\s){0,4}events)(?:\s" + _PER + r")?|" + _PER + r")\b")
_NUMBER_BEFORE_EXCLUDED = re.compile(
    r"(?:\b(?:week|day|month|year|for|within|after|through|every|aged?|up\s+to|NIHSS|grade"
    r"|score\s+of|least|than|dose\s+of|baseline\s+mean\s+of|from|dem|n\s?=)|[-/×x])\s*$", re.I)
_PERCENT_IN_BRACKETS = re.compile(r"^\s*\(\s*[−-]?\d[\d.,·]*\s?%\s*\)")
_ARM_REF_START = re.compile(r"^\s*(?:with|on|in\s+the|for\s+the|unter|mit|while\s+(?:patients"
                            r"|they)\s+took)\b")
_CONNECTOR_AFTER = re.compile(r"^\s*(?:,\s*)?(?:versus|vs\.?|and|compared\s+with|respectively)\b"
                              r"|^\s*,\s*respectively")
_CONNECTOR_BEFORE = re.compile(r"\d[^\d]{0,25}?\s(?:versus|vs\.?|and|compared\s+with)\s+$")


@dataclass(frozen=True)
class ArmValue:
    token: Token
    arm: str | None
    n: str | None
    end: int


@dataclass(frozen=True)
class ArmGroup:
    values: list[ArmValue]
    clause_start: int
    sentence: Span
    percent: bool


@dataclass(frozen=True)
class Ref:
    """What follows a per-arm value: the words naming its arm, where they end, a denominator."""

    words: str
    end: int
    n: str | None


def _word_set(text: str) -> set[str]:
    words = set()
    for w in re.findall(r"[A-Za-zÄÖÜäöüß][\w-]*", text):
        for part in [w, *w.split("-")]:
            part = part.lower()
            words.add(part[:-1] if len(part) > 3 and part.endswith("s") else part)
    return words


def _arm_keys(arm: DraftArm) -> tuple[set[str], set[str]]:
    label = arm.label
    doses = {re.sub(r"[\s-]", "", d) for d in _DOSE_WORD.findall(label)}
    words = {w for w in _word_set(label) if len(w) > 2}
    words -= {"mg", "once", "twice", "daily", "weekly", "monthly", "every", "week", "plus", "dose",
              "single", "oral", "the", "with", "followed", "täglich", "zweimal", "einmal", "then",
              "month", "matching", "therapy", "treatment", "regimen"}
    if label.lower().startswith(("no ", "without ")):
        words |= {"no", "without", "control"}
    if "placebo" in label.lower():
        words |= {"placebo"}
    return words, doses


def _match_arm(ref: str, arms: list[DraftArm], ties: bool = False) -> int | None:
    """The index of the arm that `ref` names; None when none or several do (-1 for several
    when `ties`)."""
    ref_words = _word_set(ref)
    ref_doses = {re.sub(r"[\s-]", "", d) for d in _DOSE_WORD.findall(ref)}
    scores = []
    for i, arm in enumerate(arms):
        words, doses = _arm_keys(arm)
        score = len(words & ref_words) + 2 * len(doses & ref_doses)
        if ref_doses and doses and not doses & ref_doses:
            score = 0
        if i == len(arms) - 1 and len(arms) == 2 and ref_words & _CONTROL_WORDS and not (
                ref_words & words):
            score = max(score, 1)
        if ref_words & {"no", "without"} and not words & {"no", "without"}:
            score = 0
        scores.append(score)
    best = max(scores, default=0)
    if best == 0:
        return None
    if scores.count(best) > 1:
        return -1 if ties else None
    return scores.index(best)


def arm_groups(doc: Document, layout: Layout, arms: list[DraftArm]) -> list[ArmGroup]:
    """Per-arm values: '14.2% of patients in the X group and 17.1% in the placebo group'."""
    groups: list[ArmGroup] = []
    for sentence in _joined_sentences(doc, layout):
        if _BASELINE.search(doc.text[sentence[0]:sentence[1]]):
            continue
        tokens = doc.tokens_in(*sentence)
        percents = [t for t in tokens if _percent_value(doc, t, sentence)]
        others = [t for t in tokens if arms and _plain_value(doc, t, sentence)]
        found: list[tuple[list[Token], bool]] = [(r, True) for r in _runs(doc, percents)]
        found += [(r, False) for r in _runs(doc, others) if len(r) >= 2]
        found.sort(key=lambda item: item[0][0].start)
        previous_end = sentence[0]
        for run, percent in found:
            pieces = _chunks(doc, run, arms) if arms else _pairs(doc, run)
            for chunk in pieces:
                values = _assign(doc, chunk, arms, sentence, percent)
                if values:
                    start = _clause_start(doc, previous_end, chunk[0].start)
                    groups.append(ArmGroup(values, start, sentence, percent))
                previous_end = max(previous_end, max(v.end for v in values) if values
                                   else chunk[-1].end)
    return groups


def _joined_sentences(doc: Document, layout: Layout) -> list[Span]:
    """Sentences, rejoined where the splitter broke after an abbreviation ('9,6% bzw. 8,8%')."""
    joined: list[Span] = []
    for span in _body_sentences(doc, layout):
        previous = joined[-1] if joined else None
        if previous and span[0] - previous[1] <= 2 and re.search(
                r"\b(?:bzw|ca|vgl|resp|approx)\.$", doc.text[previous[0]:previous[1]]):
            joined[-1] = (joined[-1][0], span[1])
        else:
            joined.append(span)
    return joined


def _percent_value(doc: Document, t: Token, sentence: Span) -> bool:
    if not t.percent or t.kind != "number" or doc.role(t) != "percent":
        return False
    before = doc.text[max(sentence[0], t.start - 30):t.start]
    after = doc.text[t.end:t.end + 30]
    if _THRESHOLD_BEFORE.search(before) or _THRESHOLD_AFTER.match(after):
        return False
    if re.search(r"\bfrom\s*$", before) and re.match(r"^\s*to\b", after):
        return False
    return not _AFTER_UNIT_VALUE.search(doc.text[max(0, t.start - 16):t.start])


def _plain_value(doc: Document, t: Token, sentence: Span) -> bool:
    """'6.9 months with dexoritinib', '0.11 with brivanolimod', '14.1 versus 12.0 months'."""
    if t.percent or t.kind != "number" or doc.role(t) not in ("other", "time", "rate", "count"):
        return False
    before = doc.text[max(sentence[0], t.start - 25):t.start]
    if _NUMBER_BEFORE_EXCLUDED.search(before) or _THRESHOLD_BEFORE.search(before):
        return False
    after = doc.text[t.end:t.end + 60]
    unit = _UNIT.match(after)
    rest = after[unit.end():] if unit else after
    rest = _PERCENT_IN_BRACKETS.sub("", rest)
    if re.match(r"^\s*(?:to|–|-)\s*\d", after):
        return False
    if _ARM_REF_START.match(rest) or _CONNECTOR_AFTER.match(rest):
        return True
    return bool(unit) and bool(_CONNECTOR_BEFORE.search(doc.text[max(sentence[0], t.start - 40):
                                                                 t.start]))


def _runs(doc: Document, values: list[Token]) -> list[list[Token]]:
    if not values:
        return []
    runs: list[list[Token]] = [[values[0]]]
    for prev, nxt in pairwise(values):
        between = doc.text[prev.end:nxt.start]
        if len(between) > 120 or ";" in between or re.search(
                r"\((?:HR|OR|RR|hazard|odds|risk|rate)", between):
            runs.append([nxt])
        else:
            runs[-1].append(nxt)
    return runs


def _chunks(doc: Document, run: list[Token], arms: list[DraftArm]) -> list[list[Token]]:
    """Four values for two arms are two comparisons: '(6.1% vs 4.3%), as were (1.9% vs 0.4%)'."""
    if len(arms) < 2:
        return [run]
    size = len(arms)
    if len(run) <= size or len(run) % size:
        return [run]
    chunks = [run[i:i + size] for i in range(0, len(run), size)]
    if all(_chunk_break(doc, a[-1], b[0]) for a, b in pairwise(chunks)):
        return chunks
    return [run]


def _pairs(doc: Document, run: list[Token]) -> list[list[Token]]:
    """Without known arms, a run breaks where the words after a value's arm are not a plain
    connector: '15.5% with EVT vs. 14% without, and the higher rate ... (5.9% vs. 2.6%)'."""
    pieces: list[list[Token]] = [[run[0]]]
    for prev, nxt in pairwise(run):
        ref = _ref_of(doc, prev, nxt.start)
        if _TIGHT.match(doc.text[ref.end:nxt.start]) or _TIGHT.match(doc.text[prev.end:nxt.start]):
            pieces[-1].append(nxt)
        else:
            pieces.append([nxt])
    return pieces


def _chunk_break(doc: Document, last: Token, first: Token) -> bool:
    between = doc.text[last.end:first.start]
    return not _TIGHT.match(between) and bool(re.search(r"[A-Za-z]{3,}", between))


def _clause_start(doc: Document, previous_end: int, first_value: int) -> int:
    segment = doc.text[previous_end:first_value]
    cut = max(segment.rfind(";"), segment.rfind(":"))
    start = previous_end + cut + 1 if cut >= 0 else previous_end
    while start < first_value and doc.text[start] in " ,)]":
        start += 1
    return start


def _ref_of(doc: Document, value: Token, limit: int) -> Ref:
    """The words that follow a value up to the next value: 'of patients in the X group'."""
    raw = doc.text[value.end:limit]
    n = None
    denominator = re.match(r"^\)?\s*of\s+(?:the\s+)?(?P<n>" + _NUM + r")\b", raw)
    if denominator:
        token = doc.token_at(value.end + denominator.start("n"))
        n = token.text if token is not None and not token.percent else None
    unit = _UNIT.match(raw)
    body = raw[unit.end():] if unit and not value.percent else raw
    if not value.percent:
        body = _PERCENT_IN_BRACKETS.sub("", body)
    offset = len(raw) - len(body)
    cut = _REF_CUT.search(body)
    words = body[:cut.start()] if cut else body
    end = value.end + offset + len(words.rstrip())
    return Ref(words.strip(" )"), end, n)


def _prefix_ref(doc: Document, sentence: Span, value: Token) -> Ref | None:
    """'Of the 14 patients in the X group who had ..., 25.0% had a response'."""
    prefix = doc.text[sentence[0]:value.start]
    m = _OF_THE_N.match(prefix)
    if m:
        token = doc.token_at(sentence[0] + m.start("n"))
        n = token.text if token is not None and not token.percent else None
        return Ref(m.group("ref"), value.end, n)
    m = _IN_THE_GROUP.match(prefix)
    if m:
        return Ref("in the " + m.group("ref") + " group", value.end, None)
    return None


def _assign(doc: Document, run: list[Token], arms: list[DraftArm], sentence: Span,
            percent: bool) -> list[ArmValue]:
    refs = []
    for i, t in enumerate(run):
        limit = run[i + 1].start if i + 1 < len(run) else min(sentence[1], t.end + 90)
        refs.append(_ref_of(doc, t, limit))
    if len(run) == 1:
        prefix = _prefix_ref(doc, sentence, run[0])
        if prefix is not None and _match_arm(refs[0].words, arms) is None:
            refs[0] = Ref(prefix.words, refs[0].end, refs[0].n or prefix.n)
    matched: list[int | None] = [_match_arm(r.words, arms) if arms else None for r in refs]
    for i, ref in enumerate(refs):
        by_n = [k for k, arm in enumerate(arms) if ref.n is not None and arm.n == ref.n]
        if matched[i] is None and len(by_n) == 1:
            matched[i] = by_n[0]
    _fill_by_order(doc, run, arms, sentence, refs, matched)
    out: list[ArmValue] = []
    used: set[int] = set()
    for t, ref, m in zip(run, refs, matched, strict=True):
        if m is not None and m not in used:
            used.add(m)
            arm = arms[m]
            n = ref.n or (arm.n if percent else None)
            out.append(ArmValue(t, arm.label, n, ref.end))
        elif not arms and percent:
            label = _ref_label(ref.words)
            if label is not None or (len(run) == 2 and _tight_pair(doc, run, refs)):
                out.append(ArmValue(t, label, ref.n, ref.end))
        elif arms and percent and _match_arm(ref.words, arms, ties=True) == -1:
            # 'of the 936 patients given solvakinumab' when three arms get solvakinumab
            label = _ref_label(ref.words)
            if label is not None and ref.n is not None:
                out.append(ArmValue(t, label, ref.n, ref.end))
    if not percent and len(out) < 2:
        return []
    if not arms and len(out) == 1 and not re.search(
            r"\b(?:group|arm)\b|\b(?:given|receiving|treated\s+with|assigned\s+to|who)\b|-treated",
            refs[0].words):
        return []
    return out


def _tight_pair(doc: Document, run: list[Token], refs: list[Ref]) -> bool:
    return bool(_TIGHT.match(doc.text[refs[0].end:run[1].start])
                or _TIGHT.match(doc.text[run[0].end:run[1].start]))


def _tight_run(doc: Document, run: list[Token]) -> bool:
    return all(_TIGHT.match(doc.text[a.end:b.start]) for a, b in pairwise(run))


def _fill_by_order(doc: Document, run: list[Token], arms: list[DraftArm], sentence: Span,
                   refs: list[Ref], matched: list[int | None]) -> None:
    """'6.2% and 5.0% of patients, respectively', '(6.1% vs 4.3%)': arms in the order listed."""
    if not arms or len(run) != len(arms) or len(run) < 2:
        return
    respectively = "respectively" in doc.text[sentence[0]:sentence[1]]
    group_refs = all(re.search(r"\b(?:group|arm)\b", r.words) for r in refs)
    some = any(m is not None for m in matched)
    if (_tight_run(doc, run) or respectively or group_refs or some) and all(
            m in (None, i) for i, m in enumerate(matched)):
        matched[:] = list(range(len(run)))
        return
    free = [i for i in range(len(arms)) if i not in matched]
    if len(free) == 1 and matched.count(None) == 1:
        matched[matched.index(None)] = free[0]


def _ref_label(ref: str) -> str | None:
    m = _REF_PREPOSITION.search(ref.strip())
    if m is None:
        return None
    raw = m.group("ref") or m.group("treated") or ""
    label = re.sub(r"^(?:the|those|patients|participants)\s+", "", raw.strip())
    label = re.sub(r"\s+(?:group|arm)$", "", label)
    if not label or label.lower() in ("patients", "participants", "those", "them", "each group",
                                      "did not", "not"):
        return None
    return label


def per_arm_measure(clause: str, percent: bool) -> Measure:
    if re.search(r"\bmedian\b", clause, re.I):
        return "other"
    if re.search(r"\bchang|\bfell\s+by|\bfallen\s+by|\brisen\s+by|\brose\s+by|\bdeclined\s+by"
                 r"|\bimproved\s+by|\blost\b", clause, re.I):
        return "mean change"
    return "percent" if percent else "other"


# --- relative risk reductions --------------------------------------------------------------------

_RRR = re.compile(
    r"(?:an?\s+)?(?P<v>\d+(?:[.·,]\d+)?\s?%)\s+(?:relative\s+)?(?:risk\s+)?(?:reduction|lower\s+risk"
    r"|lower\s+rate)\b(?:\s+in\s+(?:the\s+)?(?:risk|rate)\b)?"
    r"|relative\s+(?:risk\s+)?reduction\s+of\s+(?P<v2>\d+(?:[.·,]\d+)?\s?%)"
    r"|relativen\s+Risikoreduktion\s+von\s+(?P<v3>\d+(?:,\d+)?\s?%)"
    r"|(?:reduced|lowered|cut|decreased)\s+the\s+(?:risk|rate|hazard)[^.;%]{0,60}?\s+by\s+"
    r"(?P<v4>\d+(?:[.·,]\d+)?\s?%)", re.I)


@dataclass(frozen=True)
class Reduction:
    token: Token
    quote: Span


def reductions(doc: Document) -> list[Reduction]:
    found: list[Reduction] = []
    for m in _RRR.finditer(doc.text):
        group = next(g for g in ("v", "v2", "v3", "v4") if m.group(g))
        token = doc.token_at(m.start(group))
        if token is None or not token.percent or _excluded(doc, m.start()):
            continue
        if "point" in doc.text[m.end():m.end() + 12]:
            continue
        found.append(Reduction(token, (m.start(), m.end())))
    return found


# --- differences and numbers needed to treat printed without a CI --------------------------------

_NUMBER_TOKEN = r"[−-]?\d+(?:[.·,]\d+)?"
_DIFFERENCE = re.compile(
    r"\b(?:absolute\s+(?:risk\s+)?(?:difference|reduction)|risk\s+difference)\s+(?:of|was|:)\s+"
    r"(?P<v>" + _NUMBER_TOKEN + r")\s+percentage\s+points?"
    r"(?:\s*\(upper\s+(?:limit|bound)\s+of\s+the\s+one-sided\s+(?P<level>\d+(?:\.\d+)?\s?%)\s+CI,?\s+"
    r"(?P<upper>" + _NUMBER_TOKEN + r"))?", re.I)
_NNT = re.compile(r"\b(?:number\s+needed\s+to\s+treat|NNT)\s+(?:\(NNT\)\s+)?(?:of|was|:)\s+"
                  r"(?P<v>\d+)\b")


@dataclass(frozen=True)
class Figure:
    """A result printed without a CI: 'an absolute difference of 15.5 percentage points'."""

    measure: Measure
    estimate: Token
    level: Token | None
    upper: Token | None
    span: Span


def loose_figures(doc: Document, layout: Layout, used: set[int]) -> list[Figure]:
    found: list[Figure] = []
    for m in _DIFFERENCE.finditer(doc.text):
        token = doc.token_at(m.start("v"))
        if token is None or token.start in used or _excluded(doc, m.start()):
            continue
        level = doc.token_at(m.start("level")) if m.group("level") else None
        upper = doc.token_at(m.start("upper")) if m.group("upper") else None
        if (level is None) != (upper is None):
            level = upper = None
        found.append(Figure("risk difference", token, level, upper, (m.start(), m.end())))
    for m in _NNT.finditer(doc.text):
        token = doc.token_at(m.start("v"))
        if token is None or token.start in used or _excluded(doc, m.start()):
            continue
        if layout.kind_at(m.start()) not in ("results", "lead", "other"):
            continue
        found.append(Figure("other", token, None, None, (m.start(), m.end())))
    return found


# --- assembling the record -----------------------------------------------------------------------

_TRIAL_WORDS = re.compile(
    r"\brandomi[sz]ed\b|\brandomly\s+assigned|\bdouble[- ]blind|\bopen[- ]label|\bplacebo"
    r"|\bphase[\s-]?(?:I{1,3}|[1-4])\b|\benrolled\b|\bregistry\b|\bmeta-analysis\b|\bcohort\b"
    r"|\brandomisiert|\bdoppelblind", re.I)


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


def extract_draft(text: str) -> DraftRecord:
    """The draft record the rules find in `text`: numbers as written, quotes as slices."""
    doc = analyse(text)
    layout = read_layout(text)
    trials = find_trial_names(doc, layout)
    arms = [] if trials.roundup else find_arms(doc, layout)
    primary = None if trials.roundup else find_primary_endpoint(doc, layout)
    ctx = Context(doc, layout, trials, arms, primary, follow_up(doc, layout))
    stats = result_stats(doc)
    results, primary_tuples = _stat_results(ctx, stats)
    results += _reduction_results(ctx, stats, results)
    results += _figure_results(ctx, stats, results)
    arm_results, safety = _arm_results(ctx, stats)
    results += arm_results
    results.sort(key=lambda r: text.find(r.quote))
    presenter, congress = presenter_and_congress(text, layout, trials.roundup)
    design = design_of(doc, layout, arms)
    is_trial = bool(stats) or bool(_TRIAL_WORDS.search(
        text[layout.body_start():doc.references_start or len(text)]))
    met = None
    if is_trial and not trials.roundup:
        met = primary_met(doc, layout, primary, primary_tuples, bool(design.non_inferiority))
    return DraftRecord(
        is_trial_report=is_trial,
        trial_names=trials.names,
        registry_ids=registry_ids(text),
        congress=congress,
        presenter=presenter,
        design=design,
        arms=arms,
        n_total=None if trials.roundup else find_n_total(doc, layout, arms),
        primary_endpoint=primary,
        primary_endpoint_met="not_stated" if met is None else met.verdict,
        primary_met_quote=_sentence_text(text, met.sentence) if met else None,
        results=results if is_trial else [],
        safety=safety if is_trial else [],
        conclusion=_conclusion(doc, layout),
    )


def _sentence_text(text: str, span: Span) -> str:
    return text[span[0]:span[1]].strip()


def _stat_results(ctx: Context, stats: list[Stat]
                  ) -> tuple[list[DraftResult], list[tuple[StatTuple, bool]]]:
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
                   if r.endpoint != "unnamed endpoint"]
        named_after = _endpoint_after(ctx, stat, same_sentence, k)
        endpoint: str | None = named_after
        if not (k and named_after):
            endpoint = (endpoint_phrase(_clause_tail(prefix)) or endpoint_phrase(prefix)
                        or named_after or _endpoint_near(ctx, prefix, stat.sentence, earlier))
        is_primary = _is_primary(ctx, stat, same_sentence, k, endpoint)
        if is_primary and ctx.primary and (endpoint is None or _PRIMARY_WORDS.search(endpoint)):
            endpoint = ctx.primary
        sentence_text = text[stat.sentence[0]:stat.sentence[1]]
        timepoint = timepoint_in(sentence_text) or (ctx.follow_up if is_primary else None)
        q = quote_span(text, stat.span, stat.sentence)
        result = DraftResult(
            endpoint=endpoint or "unnamed endpoint",
            is_primary=is_primary,
            measure=measure_for(ctx.doc, stat),
            estimate=stat.estimate.text,
            ci_level=stat.ci.level.text if stat.ci and stat.ci.level else None,
            ci_lower=stat.lower.text if stat.lower else None,
            ci_upper=stat.upper.text if stat.upper else None,
            p=p_text(ctx.doc, stat.p),
            timepoint=timepoint,
            trial=ctx.trials.at(stat.span[0]) if len(ctx.trials.names) > 1 else None,
            quote=text[q[0]:q[1]],
        )
        results.append(result)
        if is_primary:
            primary_tuples.append((stat.source, _significant(stat, result.measure)))
    return results, primary_tuples


_CLAUSE_BREAK = re.compile(r"[;:]|(?<!\d),\s+(?:and|while|whereas|but)\s+")


def _endpoint_after(ctx: Context, stat: Stat, same_sentence: list[Stat], k: int) -> str | None:
    """'hazard ratios of 0·77 for new MI and 0·55 for cardiac death': named after the number."""
    stop = same_sentence[k + 1].estimate.start if k + 1 < len(same_sentence) else stat.sentence[1]
    m = re.match(r"^[)\]]?\s*for\s+(?:the\s+)?(?P<ep>[^,;()]{2,60}?)(?=\s+(?:and|or)\s|[,;.()]|$)",
                 ctx.text[stat.span[1]:stop])
    return endpoint_phrase(m.group("ep")) if m else None


def _clause_tail(prefix: str) -> str:
    """The part of `prefix` after its last clause break (';', ':', ', and'), if it has words."""
    breaks = list(_CLAUSE_BREAK.finditer(prefix))
    tail = prefix[breaks[-1].end():] if breaks else prefix
    return tail if re.search(r"[A-Za-z]{3,}", tail) else prefix


def _endpoint_near(ctx: Context, prefix: str, sentence: Span,
                   earlier: list[tuple[Span, str]] | None = None) -> str | None:
    """The endpoint named before a result; failing that, the endpoint of the result before it
    in the same section ('... was 0.69 (95% CI ...), compared with 0.89 (95% CI ...)'), or the
    effect the sentence before states ('All doses lowered HbA1c. The mean changes were ...')."""
    found = endpoint_phrase(_clause_tail(prefix)) or endpoint_phrase(prefix)
    if found is not None:
        return found
    section = ctx.layout.section_at(sentence[0])
    for span, endpoint in reversed(earlier or []):
        if span == sentence or (section is not None and section.start <= span[0] < section.end):
            return endpoint
    sentences = ctx.doc.sentences
    i = sentences.index(sentence) if sentence in sentences else -1
    if i > 0 and ctx.layout.kind_at(sentences[i - 1][0]) == ctx.layout.kind_at(sentence[0]):
        obj = _EFFECT_OBJECT.search(ctx.text, sentences[i - 1][0], sentences[i - 1][1])
        if obj:
            return endpoint_phrase(obj.group("ep"))
    return None


def _is_primary(ctx: Context, stat: Stat, same_sentence: list[Stat], k: int,
                endpoint: str | None) -> bool:
    text = ctx.text
    sentence_text = text[stat.sentence[0]:stat.sentence[1]]
    if _SUBGROUP.search(sentence_text):
        return False
    before_start = same_sentence[k - 1].span[1] if k else stat.sentence[0]
    segment = text[before_start:stat.span[1]]
    after = text[stat.span[1]:(same_sentence[k + 1].span[0] if k + 1 < len(same_sentence)
                               else stat.sentence[1])]
    for part in (segment, after if k == len(same_sentence) - 1 else ""):
        m = _PRIMARY_WORDS.search(part)
        if m and not _NOT_PRIMARY.search(part[max(0, m.start() - 20):m.end()]):
            return True
    if endpoint and matches_primary(endpoint, ctx.primary):
        return True
    if k == 0:
        # 'Thrombectomy shifted the mRS distribution ...: the odds ratio for ... was 1.7'
        head = text[stat.sentence[0]:stat.span[0]]
        cut = max(head.rfind(":"), head.rfind(";"))
        obj = _EFFECT_OBJECT.search(head[:cut]) if cut > 0 else None
        if obj and matches_primary(obj.group("ep"), ctx.primary):
            return True
    return k == 0 and _next_sentence_states_met(ctx, stat.sentence)


def _next_sentence_states_met(ctx: Context, sentence: Span) -> bool:
    sentences = ctx.doc.sentences
    i = sentences.index(sentence) if sentence in sentences else -1
    if i < 0 or i + 1 >= len(sentences):
        return False
    nxt = ctx.text[sentences[i + 1][0]:sentences[i + 1][1]]
    if ctx.doc.tuples and any(sentences[i + 1][0] <= t.span[0] < sentences[i + 1][1]
                              for t in ctx.doc.tuples):
        return False
    return bool(_MET_YES.search(nxt) or _MET_NO.search(nxt))


def _significant(stat: Stat, measure: str) -> bool:
    """The CI excludes the null and the P value, if printed, is below 0.05."""
    ratio = measure in ("HR", "OR", "RR", "IRR", "rate ratio", "GMR")
    null = Decimal(1) if ratio else Decimal(0)
    by_ci = None
    if stat.lower is not None and stat.upper is not None:
        by_ci = not (stat.lower.value <= null <= stat.upper.value)
    by_p = None
    if stat.p is not None and stat.p.token is not None:
        by_p = stat.p.token.value < Decimal("0.05") or (
            stat.p.comparator in ("<", "<=") and stat.p.token.value <= Decimal("0.05"))
    known = [v for v in (by_ci, by_p) if v is not None]
    return bool(known) and all(known)


def _reduction_results(ctx: Context, stats: list[Stat], results: list[DraftResult]
                       ) -> list[DraftResult]:
    out: list[DraftResult] = []
    for red in reductions(ctx.doc):
        sentence = ctx.doc.sentence_of(red.token.start)
        ratio = _ratio_for(ctx, stats, results, red.token.start, sentence)
        if ratio is not None:
            endpoint, is_primary, timepoint = ratio.endpoint, ratio.is_primary, ratio.timepoint
        else:
            sentence_text = ctx.text[sentence[0]:sentence[1]]
            is_primary = bool(_PRIMARY_WORDS.search(sentence_text))
            endpoint = (ctx.primary if is_primary and ctx.primary else
                        endpoint_phrase(ctx.text[sentence[0]:red.quote[0]]) or "unnamed endpoint")
            timepoint = ctx.follow_up if is_primary else None
        out.append(DraftResult(
            endpoint=endpoint, is_primary=is_primary, measure="RRR", estimate=red.token.text,
            timepoint=timepoint, quote=ctx.text[red.quote[0]:red.quote[1]],
            trial=ctx.trials.at(red.token.start) if len(ctx.trials.names) > 1 else None,
        ))
    return out


def _figure_results(ctx: Context, stats: list[Stat], results: list[DraftResult]
                    ) -> list[DraftResult]:
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
            m = _PRIMARY_WORDS.search(sentence_text)
            is_primary = bool(m) and not _SUBGROUP.search(sentence_text) and not (
                _NOT_PRIMARY.search(sentence_text))
            endpoint = endpoint_phrase(text[sentence[0]:fig.span[0]]) or "unnamed endpoint"
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
            trial=ctx.trials.at(fig.span[0]) if len(ctx.trials.names) > 1 else None,
        ))
    return out


def _ratio_for(ctx: Context, stats: list[Stat], results: list[DraftResult], pos: int,
               sentence: Span) -> DraftResult | None:
    ratios = [(s, r) for s, r in zip(stats, results, strict=False)
              if r.measure in ("HR", "OR", "RR", "IRR", "rate ratio")]
    same = [r for s, r in ratios if s.sentence == sentence and s.span[0] <= pos]
    if same:
        return same[-1]
    later = [r for s, r in ratios if s.sentence == sentence]
    if later:
        return later[0]
    sentences = ctx.doc.sentences
    i = sentences.index(sentence) if sentence in sentences else -1
    if i > 0:
        previous = [r for s, r in ratios if s.sentence == sentences[i - 1]]
        if previous:
            return previous[-1]
    return None


def _arm_results(ctx: Context, stats: list[Stat]) -> tuple[list[DraftResult], list[DraftSafety]]:
    results: list[DraftResult] = []
    safety: list[DraftSafety] = []
    text = ctx.text
    for group in arm_groups(ctx.doc, ctx.layout, ctx.arms):
        sentence_text = text[group.sentence[0]:group.sentence[1]]
        first = group.values[0].token
        end = max(v.end for v in group.values)
        clause_start = group.clause_start
        for stat in stats:
            if stat.sentence == group.sentence and clause_start <= stat.span[1] <= first.start:
                clause_start = _clause_start(ctx.doc, stat.span[1], first.start)
        breaks = list(_CLAUSE_BREAK.finditer(text, clause_start, first.start))
        if breaks and re.search(r"[A-Za-z]{3,}", text[breaks[-1].end():first.start]):
            clause_start = breaks[-1].end()
        q = quote_span(text, (clause_start, end), group.sentence)
        quote = text[q[0]:q[1]].strip().rstrip(".")
        endpoint = _endpoint_near(ctx, text[clause_start:first.start], group.sentence)
        is_safety = ctx.layout.kind_at(first.start) == "safety" or bool(
            _SAFETY_WORDS.search(text[group.clause_start:end]))
        is_primary = _group_is_primary(ctx, stats, group, endpoint, end)
        if is_primary and ctx.primary and (endpoint is None or _PRIMARY_WORDS.search(endpoint)):
            endpoint = ctx.primary
        event = endpoint or "unnamed endpoint"
        for value in group.values:
            if is_safety and not is_primary:
                safety.append(DraftSafety(event=event, arm=value.arm, value=value.token.text,
                                          quote=quote))
                continue
            results.append(DraftResult(
                endpoint=event, is_primary=is_primary,
                measure=per_arm_measure(text[clause_start:end], group.percent),
                estimate=value.token.text, arm=value.arm, n=value.n,
                timepoint=timepoint_in(sentence_text) or (ctx.follow_up if is_primary else None),
                trial=ctx.trials.at(first.start) if len(ctx.trials.names) > 1 else None,
                quote=quote,
            ))
    return results, safety


def _group_is_primary(ctx: Context, stats: list[Stat], group: ArmGroup, endpoint: str | None,
                      end: int) -> bool:
    text = ctx.text
    if _SUBGROUP.search(text[group.sentence[0]:group.sentence[1]]):
        return False
    prefix = text[group.sentence[0]:end]
    m = _PRIMARY_WORDS.search(prefix)
    if m:
        return not _NOT_PRIMARY.search(prefix[max(0, m.start() - 20):m.end()])
    if endpoint and matches_primary(endpoint, ctx.primary):
        return True
    in_sentence = [s for s in stats if s.sentence == group.sentence]
    return bool(in_sentence) and _is_primary(
        ctx, in_sentence[0], in_sentence, 0, None)


def _conclusion(doc: Document, layout: Layout) -> str | None:
    for section in layout.sections:
        if section.kind != "conclusion":
            continue
        for start, end in doc.sentences:
            if section.start <= start < section.end and (start, end) not in layout.headings:
                sentence = doc.text[start:end].strip()
                if sentence and sentence != section.title:
                    return sentence
    return None


def iter_numbers(draft: DraftRecord) -> Iterable[str]:
    """Every number the draft cites, as written (for tests and evals)."""
    if draft.n_total:
        yield draft.n_total
    for arm in draft.arms:
        if arm.n:
            yield arm.n
    for result in draft.results:
        for raw in (result.estimate, result.ci_lower, result.ci_upper, result.p, result.n):
            if raw:
                yield raw
    for finding in draft.safety:
        if finding.value:
            yield finding.value
