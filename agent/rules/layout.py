"""The article's layout: headline, the presented-by line, sections, and who presented where."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.document import Document
from agent.pagetext import lines, read_page
from agent.rules.text import body_end
from agent.schema import Span

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


def read_layout(text: str) -> Layout:
    """The page's headline (`pagetext`: never a paragraph nor a menu; an empty span where the
    copied page has none), the byline after it, and the sections of the body."""
    page = read_page(text)
    headline = page.headline or (page.body_start, page.body_start)
    spans = [span for span in lines(text) if text[span[0]:span[1]].strip()
             and span[0] >= headline[1] and span[0] < page.body_end]
    byline = None
    rest = spans
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


def candidate_sentences(doc: Document, layout: Layout) -> list[Span]:
    """Body sentences, those of the design section first (where arms and endpoints are set)."""
    limit = body_end(doc)
    design = [s for s in doc.sentences if layout.kind_at(s[0]) == "design" and s[0] < limit]
    rest = [s for s in doc.sentences if s not in design and layout.body_start() <= s[0] < limit
            and not doc.in_injection(s[0])]
    return design + rest


def body_sentences(doc: Document, layout: Layout) -> list[Span]:
    """The sentences after the byline and before the references, less headings and injections."""
    limit = body_end(doc)
    return [s for s in doc.sentences if layout.body_start() <= s[0] < limit
            and not doc.in_injection(s[0]) and s not in layout.headings]


def conclusion(doc: Document, layout: Layout) -> str | None:
    """The first sentence of the conclusion section."""
    for section in layout.sections:
        if section.kind != "conclusion":
            continue
        for start, end in doc.sentences:
            if section.start <= start < section.end and (start, end) not in layout.headings:
                sentence = doc.text[start:end].strip()
                if sentence and sentence != section.title:
                    return sentence
    return None


# --- presenter and congress ----------------------------------------------------------------------

_PRESENTER_CUT = re.compile(
    r"\s+(?:on behalf of|for the|im Namen|in the|with a response|and colleagues|and the)\b"
    r"|,\s*(?:MD|PhD|FESC|FACP|MBBS|MPH|DPhil|FRCP|principal investigator|with|and colleagues)\b"
    r"|,\s+(?:[A-Z][\w.]*\s+)*(?:University|Hospital|Institute|Center|Centre)\b")


def presenter_and_congress(text: str, layout: Layout, roundup: bool, body_end: int
                           ) -> tuple[str | None, str | None]:
    if layout.byline is None:
        presenter, congress = people_in_body(text, layout.body_start(), body_end)
        return (None if roundup else presenter), congress
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


_TITLED = (r"(?:Dr\.?|Prof\.?|Professor|Doctor)\s+(?P<a>[A-Z][\w'-]+(?:\s+(?:[A-Z][\w'.-]+|van"
           r"|von|de|der|da|di|le|la)){1,3})")
_DEGREED = r"(?P<b>[A-Z][\w'-]+(?:\s+[A-Z][\w'.-]+){1,3}),\s+(?:MD|PhD|MBBS|DPhil|FRCP)\b"
_SPEAKER = re.compile(_TITLED + "|" + _DEGREED)
_SPEAKS = re.compile(r"\b(?:said|says|explained|presented|reported|noted|commented|stated"
                     r"|according\s+to|lead\s+investigator|principal\s+investigator|first\s+author"
                     r"|erklärte|berichtete|sagte)\b", re.I)
_AT_CONGRESS = re.compile(
    r"\b(?:presented|reported|unveiled|shown|announced|vorgestellt|präsentiert)\s+(?:\w+\s+){0,3}?"
    r"(?:at|during|auf|beim)\s+(?:the\s+|der\s+|dem\s+)?(?P<c>(?:(?:19|20)\d{2}\s+)?[A-Z][\w&.-]*"
    r"(?:\s+(?:[A-Z0-9][\w&.-]*|of|and|for|on|the|annual|meeting|congress|conference"
    r"|sessions?|symposium|summit)){0,10})")
_CONGRESS_TAIL = re.compile(r"(?:\s+(?:of|and|for|on|the|in))+$")


def people_in_body(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """Who presented (a titled or degreed name in a sentence that has them speak or present)
    and where ('presented at ECTRIMS 2026'), for pages without a byline."""
    presenter = None
    for m in _SPEAKER.finditer(text, start, end):
        window = text[max(start, m.start() - 80):m.end() + 120]
        if _SPEAKS.search(window):
            presenter = _clean_presenter(m.group("a") or m.group("b"))
            break
    where = _AT_CONGRESS.search(text, start, end)
    congress = _CONGRESS_TAIL.sub("", where.group("c").rstrip(".")).strip() if where else None
    return presenter, congress or None


def _clean_presenter(raw: str) -> str | None:
    who = re.sub(r"\s*\([^)]*\)", "", raw)
    cut = _PRESENTER_CUT.search(who)
    if cut:
        who = who[:cut.start()]
    who = who.strip(" ,;")
    return who or None
