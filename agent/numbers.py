"""The deterministic number parser: every number in a text, with its span, and the values.

Reads numbers as congress reports print them: unicode minus and dashes, "0·70" middle-dot
decimals, decimal commas in non-English text, thousands separators ("1,013", "1 013"),
"1 million", "1 × 10^6", percentages, allocation ratios ("1:1") and natural frequencies
("1 in 5"). Text damaged by a wrong encoding ("0.91â€“1.31") is read and the token is marked
`damaged` instead of guessed silently.

Values are exact `Decimal`s so that "0.7" and "0.70" compare equal while the number of decimals
written stays known (rounding is made explicit by the callers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

TokenKind = Literal["number", "ratio", "frequency"]

MINUS_CHARS = "-\u2212\u2013\u2014\u2012\u2010\u2011\ufe63\uff0d"
# Mojibake: UTF-8 read as Windows-1252 (or Latin-1, which leaves C1 controls behind).
MOJIBAKE_MINUS = ("\u00e2\u02c6\u2019", "\u00e2\x88\x92")
MOJIBAKE_DASH = re.compile("\u00e2(?:\u20ac[\u201c\u201d\u2013\u2014\"\u201e]|[\x80-\x9f]{1,2})?")
MOJIBAKE_DOT = "\u00c2\u00b7"
DOT_CHARS = ".\u00b7\u2219\u22c5"
THIN_SPACES = "\u2009\u202f\u00a0"

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_MULTIPLIER_WORDS = {"thousand": 3, "million": 6, "billion": 9}

_PEOPLE = (
    r"(?:patients|participants|people|adults|children|adolescents|women|men|subjects|"
    r"individuals|cases|deaths|events|persons|infants|volunteers)"
)

# A signed decimal number. The sign is validated afterwards (a dash right after a number is a
# range separator, not a sign). Mojibake decimal points and minus signs are accepted here.
_DEC = "(?:[" + DOT_CHARS + "]|" + MOJIBAKE_DOT + ")"
_SIGN = "(?P<sign>[+\\" + MINUS_CHARS + "]|" + "|".join(MOJIBAKE_MINUS) + ")?"
_NUM_DOT = (
    r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:[" + THIN_SPACES + r"]\d{3})+(?!\d)"
    r"|\d{1,3}(?: \d{3})+(?= " + _PEOPLE + r")|\d+)"
    r"(?P<frac>" + _DEC + r"\d+)?"
)
_NUM_COMMA = (
    r"(?P<int>\d{1,3}(?:[." + THIN_SPACES + r" ]\d{3})+(?!\d)|\d+)"
    r"(?P<frac>,\d+)?"
)
_BARE = r"(?P<bare>" + _DEC + r"\d+)"
_TAIL = (
    r"(?P<mult>\s?(?:[×xX*]\s?10\s?(?:\^\s?[-−]?\d+|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)|(?:thousand|million|billion)\b))?"
    r"(?P<pct>\s?%)?"
)
# Not glued to a word (HER2, NCT0597...), except to the "â" that mojibake leaves between numbers.
_LEFT = r"(?<!(?!\u00e2)[\w" + DOT_CHARS + r"\u00c2])"


def _number_regex(comma_decimal: bool) -> re.Pattern[str]:
    core = _NUM_COMMA if comma_decimal else _NUM_DOT
    return re.compile(_SIGN + _LEFT + "(?:" + core + "|" + _BARE + ")" + r"(?!\d)" + _TAIL)


_NUMBER_DOT = _number_regex(False)
_NUMBER_COMMA = _number_regex(True)
_RATIO = re.compile(r"(?<![\w.:])(\d{1,2})(?:\s?:\s?(\d{1,2})){1,3}(?![\w:]|\.\d)")
# Bounded digit runs: '1 in ' before 5,000 digits is no frequency (and int() would refuse it).
_FREQUENCY = re.compile(r"(?<![\w.])(\d{1,9}) in (\d{1,12}(?:,\d{3}){0,4})(?!\w|\.\d)")
_MAX_DIGITS = 40
"""A digit run longer than this is not a number an article reports (and is not read)."""
_MAX_EXPONENT = 30
_NAME_PREFIX = re.compile(r"[A-Za-z][\-/]$|[A-Za-z]\s?-\s?$")
# "week-52", "day-90", "month-12": a timepoint, not a name like GLP-1.
_TIMEPOINT_PREFIX = re.compile(r"\b(?:week|day|month|year|visit|cycle)s?-$", re.I)
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}\s?(?:am|pm|h)\b", re.I)


@dataclass(frozen=True, slots=True)
class Token:
    """One number in a text."""

    start: int
    end: int
    text: str
    value: Decimal
    decimals: int
    percent: bool = False
    kind: TokenKind = "number"
    damaged: bool = False
    comparator: str | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def float_value(self) -> float:
        return float(self.value)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A number read from a standalone string (a record field, a summary token)."""

    value: Decimal
    decimals: int
    percent: bool
    comparator: str | None
    damaged: bool


def comma_decimal_locale(text: str) -> bool:
    """True when the text writes decimals with a comma ("0,74"), as German or French reports do."""
    if re.search(r"\b\d{1,2}\s?%\s?-?\s?(?:KI|IC)\b", text):
        return True
    commas = len(re.findall(r"(?<![\d.,])\d{1,3},\d{1,2}(?![\d.,])", text))
    if not commas:
        return False
    # 'NN.000 Teilnehmer' may be a German thousands dot: a dot before exactly three digits
    # says nothing either way.
    dots = len(re.findall(r"(?<![\d.,])\d+\.(?!\d{3}(?![\d,]))\d+(?![\d,])", text))
    return commas > dots


def _int_digits(raw: str) -> str:
    return re.sub(r"[,." + THIN_SPACES + " ]", "", raw)


def _multiplier_exponent(raw: str | None) -> int:
    if not raw:
        return 0
    raw = raw.strip()
    for word, exponent in _MULTIPLIER_WORDS.items():
        if raw.endswith(word):
            return exponent
    power = raw.translate(_SUPERSCRIPTS)
    match = re.search(r"10\s?\^?\s?([-−]?\d+)$", power)
    if match is None:
        return 0
    if len(match.group(1)) > 4:
        return _MAX_EXPONENT + 1  # refused by the caller, before int() or scaleb() blow up
    return int(match.group(1).replace("−", "-"))


_ZERO_COMMA = re.compile(r"0,\d{3}")


def _value_from_match(m: re.Match[str]) -> tuple[Decimal, int, bool]:
    """(value, decimals, damaged) for a match of the number regex."""
    damaged = False
    if m.group("bare"):
        frac = m.group("bare")
        int_part = "0"
    elif _ZERO_COMMA.fullmatch(m.group("int")) and not m.group("frac"):
        # '0,095' is no thousands number (nothing starts with a zero group): a decimal comma
        int_part, frac = "0", "." + m.group("int")[2:]
    else:
        int_part = _int_digits(m.group("int"))
        frac = m.group("frac") or ""
    if frac.startswith(MOJIBAKE_DOT):
        damaged = True
        frac = frac[len(MOJIBAKE_DOT):]
    else:
        frac = frac[1:]
    digits = f"{int_part}.{frac}" if frac else int_part
    if len(digits) > _MAX_DIGITS:
        raise InvalidOperation(f"{len(digits)} digits")
    value = Decimal(digits)
    sign = m.group("sign")
    if sign:
        if sign in MOJIBAKE_MINUS:
            damaged = True
            value = -value
        elif sign != "+":
            value = -value
    exponent = _multiplier_exponent(m.group("mult"))
    if abs(exponent) > _MAX_EXPONENT:
        raise InvalidOperation(f"10^{exponent}")
    if exponent:
        value = value.scaleb(exponent)
    return value, len(frac), damaged


def _sign_is_range_dash(text: str, sign_start: int) -> bool:
    """A dash after a number (or after a number and spaces) separates a range."""
    i = sign_start - 1
    while i >= 0 and text[i] in " \t" + THIN_SPACES:
        i -= 1
    if i < 0:
        return False
    # "40%–49%" is a range; in "CI 95% −0.1 to 0.1" the dash after "95% " is a sign.
    return text[i].isdigit() or (text[i] == "%" and i == sign_start - 1)


def _after_timepoint(text: str, digits_start: int) -> bool:
    return bool(_TIMEPOINT_PREFIX.search(text[max(0, digits_start - 7):digits_start]))


def _is_name_part(text: str, start: int) -> bool:
    """Digits glued to a name: GLP-1, IL-23, KEYNOTE-905/EV-303, COVID-19."""
    if _after_timepoint(text, start):
        return False
    return bool(_NAME_PREFIX.search(text[max(0, start - 3):start]))


def _plain_tokens(text: str, comma_decimal: bool) -> list[Token]:
    regex = _NUMBER_COMMA if comma_decimal else _NUMBER_DOT
    tokens: list[Token] = []
    for m in regex.finditer(text):
        token = _token_from_match(text, m)
        if token is not None:
            tokens.append(token)
    return tokens


def _token_from_match(text: str, m: re.Match[str]) -> Token | None:
    digits_start = m.start("int") if m.group("int") is not None else m.start("bare")
    start, sign = m.start(), m.group("sign")
    if sign:
        before = text[start - 1] if start else ""
        if _after_timepoint(text, digits_start):
            start = digits_start  # "week-52": the dash joins a timepoint, not a sign
        elif before.isalpha() or before == "/":
            return None  # GLP-1, KEYNOTE-905/EV-303: the dash belongs to a name
        if _sign_is_range_dash(text, start):
            start = digits_start
    if start == digits_start and _is_name_part(text, digits_start):
        return None
    try:
        value, decimals, damaged = _value_from_match(m)
    except InvalidOperation:
        return None
    if sign and start == digits_start and sign != "+":
        value = -value  # the dash was a range separator or a joiner: undo the sign
    end = m.end()
    raw = text[start:end]
    return Token(start, end, raw, value, decimals, raw.endswith("%"), "number", damaged)


def _composite_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for m in _RATIO.finditer(text):
        if _TIME_OF_DAY.match(text, m.start()):
            continue
        parts = [int(p) for p in re.findall(r"\d+", m.group(0))]
        if len(parts) < 2 or parts[-1] == 0:
            continue
        value = Decimal(parts[0]) / Decimal(parts[1])
        tokens.append(Token(m.start(), m.end(), m.group(0), value, 0, False, "ratio"))
    for m in _FREQUENCY.finditer(text):
        a, b = int(m.group(1)), int(m.group(2).replace(",", ""))
        if b == 0 or a >= b:
            continue
        tokens.append(Token(m.start(), m.end(), m.group(0), Decimal(a) / Decimal(b), 0, False,
                            "frequency"))
    return tokens


def tokenize(text: str, comma_decimal: bool | None = None) -> tuple[Token, ...]:
    """Every number in `text`, in order, composites ("1:1", "1 in 5") replacing their parts."""
    return _tokenize(text, comma_decimal_locale(text) if comma_decimal is None else comma_decimal)


def _without_overlaps(tokens: list[Token]) -> list[Token]:
    """'1 in 5:1': the first composite keeps its characters; a later one that shares them goes."""
    kept: list[Token] = []
    for token in sorted(tokens, key=lambda t: (t.start, -t.end)):
        if not kept or token.start >= kept[-1].end:
            kept.append(token)
    return kept


INVISIBLE = "\u200b\u200c\u200d\u2060\u00ad\ufeff\u180e"
"""Zero-width and soft-hyphen characters: invisible on a page, they split "0.4\u200b7" in two."""
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


@lru_cache(maxsize=64)
def _tokenize(text: str, comma_decimal: bool) -> tuple[Token, ...]:
    """The tokens of the text read without its invisible characters, with spans (and texts)
    in the text as given; a token whose characters held one is marked damaged (flagged)."""
    if not _INVISIBLE.search(text):
        return _tokens_of(text, comma_decimal)
    kept = [i for i, c in enumerate(text) if c not in INVISIBLE]
    tokens = []
    for t in _tokens_of("".join(text[i] for i in kept), comma_decimal):
        start, end = kept[t.start], kept[t.end - 1] + 1
        raw = text[start:end]
        tokens.append(replace(t, start=start, end=end, text=raw,
                              damaged=t.damaged or raw != t.text))
    return tuple(tokens)


def _tokens_of(text: str, comma_decimal: bool) -> tuple[Token, ...]:
    composites = _without_overlaps(_composite_tokens(text))
    taken = [(t.start, t.end) for t in composites]
    plain = [t for t in _plain_tokens(text, comma_decimal)
             if not any(s <= t.start < e or s < t.end <= e for s, e in taken)]
    return tuple(sorted(composites + plain, key=lambda t: t.start))


_STANDALONE_CMP = re.compile(r"^\s*(?P<cmp><=|>=|≤|≥|⩽|⩾|=<|<|>|=)?\s*")
_CMP_NORMAL = {"≤": "<=", "⩽": "<=", "=<": "<=", "≥": ">=", "⩾": ">="}


def parse_number(raw: str, comma_decimal: bool | None = None) -> Parsed | None:
    """Read one number written as a string: '0·75', '<0.001', '−1.24%', '1 635', '.50'."""
    raw = _INVISIBLE.sub("", raw)
    m = _STANDALONE_CMP.match(raw)
    comparator = None
    rest = raw
    if m:
        cmp = m.group("cmp")
        comparator = _CMP_NORMAL.get(cmp, cmp) if cmp else None
        rest = raw[m.end():]
    rest = rest.strip()
    if not rest:
        return None
    locale = comma_decimal if comma_decimal is not None else _looks_comma_decimal(rest)
    regex = _NUMBER_COMMA if locale else _NUMBER_DOT
    match = regex.fullmatch(rest)
    if match is None:
        match = _lenient_match(rest, regex)
        if match is None:
            return None
    try:
        value, decimals, damaged = _value_from_match(match)
    except InvalidOperation:
        return None
    return Parsed(value, decimals, rest.endswith("%"), comparator, damaged)


def _looks_comma_decimal(s: str) -> bool:
    return bool(re.fullmatch(r"[^\d]*\d+,\d{1,2}%?|[^\d]*0,\d+%?", s))


def _lenient_match(s: str, regex: re.Pattern[str]) -> re.Match[str] | None:
    """Accept '1 635' with a plain space in a standalone field (no people noun follows)."""
    squeezed = re.sub(r"(?<=\d) (?=\d{3}\b)", "\u2009", s)
    return regex.fullmatch(squeezed) if squeezed != s else None


def same_number(a: Decimal, b: Decimal) -> bool:
    """Equal as written: 0.7 and 0.70 are the same number; 0.70 and 0.71 are not."""
    return a == b


def decimals_of(text: str) -> int:
    parsed = parse_number(text)
    return parsed.decimals if parsed else 0


def dash_damage(text: str, start: int, end: int) -> bool:
    """True when a separator between two numbers is mojibake of a dash."""
    return bool(MOJIBAKE_DASH.search(text[start:end]))


_FOLD = str.maketrans({c: "-" for c in MINUS_CHARS[1:]} | {"\u00b7": ".", "\u2219": ".",
                                                             "\u22c5": ".", "\u2009": " ",
                                                             "\u00a0": " "})


def _folded(text: str) -> str:
    return text.translate(_FOLD)


@lru_cache(maxsize=16)
def _token_index(text: str, comma_decimal: bool | None
                 ) -> tuple[dict[str, list[Token]], dict[Decimal, list[Token]]]:
    """The text's tokens by folded text and by value, built once per text: looking a number
    up is then constant time, not a scan of every token (which made grounding quadratic)."""
    by_text: dict[str, list[Token]] = {}
    by_value: dict[Decimal, list[Token]] = {}
    for token in tokenize(text, comma_decimal):
        by_text.setdefault(_folded(token.text), []).append(token)
        by_value.setdefault(token.value, []).append(token)
    return by_text, by_value


def matching_tokens(text: str, raw: str, comma_decimal: bool | None = None) -> list[Token]:
    """Tokens of `text` that are the number `raw`: same text as written (typography folded)
    first; failing that, the same value ("0.7" finds "0.70")."""
    parsed = parse_number(raw, comma_decimal)
    if parsed is None:
        return []
    by_text, by_value = _token_index(text, comma_decimal)
    same_text = by_text.get(_folded(raw.strip().lstrip("<>=≤≥ ")))
    if same_text:
        return list(same_text)
    return [t for t in by_value.get(parsed.value, []) if t.percent or not parsed.percent]
