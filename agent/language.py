"""Which language a text is in, and numbers written the way a language writes them.

The summary is written in the editor's language (`--language`, English by default) whatever
the article's language; its numbers are re-written in that language's format from the value
the parser read, so "2,4" of a German article reads "2.4" in an English summary and still
traces to the same number of the record.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from agent.numbers import INVISIBLE, MINUS_CHARS
from agent.schema import Number

LANGUAGES: dict[str, str] = {"en": "English", "de": "German", "fr": "French"}
"""The languages a summary can be asked for (a model writes them; the template writes English)."""

# Short function words that nearly every paragraph of a language uses, and few others do.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"the", "and", "of", "with", "was", "were", "than", "for", "in", "to", "a",
                     "an", "is", "are", "by", "that", "this", "who", "had", "have", "not", "it",
                     "on", "or", "as", "from", "at", "people"}),
    "de": frozenset({"der", "die", "das", "und", "mit", "bei", "den", "dem", "des", "ein",
                     "eine", "war", "wurde", "wurden", "nicht", "im", "zu", "von", "auf", "ist",
                     "sind", "als", "für", "oder", "auch", "sich", "patienten"}),
    "fr": frozenset({"le", "la", "les", "des", "et", "avec", "une", "un", "du", "est", "sont",
                     "dans", "pour", "que", "qui", "au", "aux", "par", "pas", "sur", "été",
                     "ont", "chez", "patients"}),
}
_WORD = re.compile(r"[^\W\d_]+")
_QUOTED = re.compile(r"[\"“„«‚‘][^\"“”„«»‘’‚]{0,200}[\"”»’‘“]")


def stopwords(language: str) -> frozenset[str]:
    return _STOPWORDS.get(language, frozenset())


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the text quotes a passage (a term kept in the article's own language)."""
    return [m.span() for m in _QUOTED.finditer(text)]


def unquoted(text: str) -> str:
    """The text without its quoted passages."""
    return _QUOTED.sub(" ", text)


def guess_language(text: str, minimum: int = 4) -> str | None:
    """The language whose function words the text uses most, or None when too few are seen
    to tell (a headline, a list of numbers)."""
    words = [w.lower() for w in _WORD.findall(text)]
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if counts[best] < minimum:
        return None
    ranked = sorted(counts.values(), reverse=True)
    return best if ranked[0] > ranked[1] else None


def decimals_written(number: Number) -> int:
    """Decimal places as written: '10,70' has 2, '1.635' (German thousands, 1635) has 0."""
    if number.value is None:
        return 0
    text = "".join(c for c in number.text if c not in INVISIBLE)
    groups = re.findall(r"\d+", text.replace("\u00a0", "").replace(" ", ""))
    if len(groups) < 2:
        return 0
    last = groups[-1]
    if number.value == int(number.value) and abs(number.value) >= 1000 and len(last) == 3:
        return 0
    return len(last)


def format_number(number: Number, language: str = "en") -> str:
    """The number written the way `language` writes it, from its parsed value: decimal point
    and thousands comma in English, decimal comma and thousands point in German, decimal comma
    and thin-space thousands in French. Signs and a percent sign are kept; a comparator
    ('<0.001') is kept in front."""
    if number.value is None:
        return number.text
    decimals = decimals_written(number)
    value = Decimal(str(abs(number.value))).quantize(Decimal(1).scaleb(-decimals),
                                                     rounding=ROUND_HALF_UP)
    digits = f"{value:,.{decimals}f}"
    if language == "de":
        digits = digits.replace(",", "\0").replace(".", ",").replace("\0", ".")
    elif language == "fr":
        digits = digits.replace(",", "\u202f").replace(".", ",")
    sign = "−" if number.value < 0 or (number.value == 0 and number.text.lstrip()[:1]
                                        in MINUS_CHARS) else ""
    if number.value == 0:
        sign = ""
    comparator = number.comparator if number.comparator and number.comparator != "=" else ""
    percent = "%" if "%" in number.text else ""
    return f"{comparator}{sign}{digits}{percent}"
