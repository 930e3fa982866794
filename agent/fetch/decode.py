"""Bytes -> str, the way browsers do it: a byte-order mark first, then the declared charset
(HTTP header or <meta>), else UTF-8; but a body that is valid UTF-8 is read as UTF-8 whatever
legacy charset it declares. Also tells HTML from text, and binary files from both."""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger("trialbrief.fetch")

# Magic numbers of the binary files people are most likely to pass by mistake.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (a .docx, .epub or .zip file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    # Still compressed after Content-Encoding was undone: gzip twice under one label, a .gz.
    (b"\x1f\x8b\x08", "a gzip-compressed file"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers decode these labels as windows-1252 (WHATWG Encoding Standard). News pages that
# declare ISO-8859-1 often contain cp1252 dashes and quotes: latin-1 would turn the en dash of
# a CI ("0.59–1.03") into the control character U+0096.
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252", "latin-1": "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|meta|title|article|main|div|section|p|h[1-6])\b",
    re.I | re.S,
)
_SNIFF_BYTES = 4096
# Codecs that can tell about themselves: never overruled by the UTF-8 check in `decode`.
_UNICODE_CODECS = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                             "utf-32", "utf-32-le", "utf-32-be"})


def strip_bom(data: bytes) -> tuple[str | None, bytes]:
    """A byte-order mark decides the encoding (it outranks any declaration, as in browsers)."""
    for bom, charset in _BOMS:
        if data.startswith(bom):
            return charset, data[len(bom):]
    return None, data


def meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace")
    # A byte stream that can carry an ASCII <meta> tag is not UTF-16 (WHATWG: read as UTF-8).
    return "utf-8" if label.lower().startswith(("utf-16", "utf16")) else label


def decode(data: bytes, charset: str | None) -> str:
    """Bytes -> str with the declared charset, else UTF-8; bad bytes become U+FFFD.

    A legacy charset (ISO-8859-1, windows-1252, ...) loses to a body that decodes cleanly as
    UTF-8: servers and CMS templates keep declaring ISO-8859-1 for pages written in UTF-8,
    and read as windows-1252 the thin space in "1 842" (U+2009) becomes "â€‰" and the minus
    of "−0.5" becomes "âˆ’", numbers the checks can no longer find. The reverse mistake is
    next to impossible: legacy text with accents is almost never valid UTF-8 by chance."""
    codec = _codec(charset)
    if codec not in _UNICODE_CODECS and _is_utf8(data):
        logger.warning("declared charset %s, but the bytes are valid UTF-8; decoding as UTF-8",
                       charset)
        codec = "utf-8"
    text = data.decode(codec, errors="replace")
    if "\ufffd" in text:
        logger.warning("undecodable bytes replaced with U+FFFD (decoded as %s)", codec)
    return text


def _is_utf8(data: bytes) -> bool:
    """True for bytes with non-ASCII characters that are valid UTF-8. A multi-byte character
    cut at the end (a sniffed prefix) does not count against it."""
    if data.isascii():
        return False  # ASCII reads the same in every charset declared here
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _codec(label: str | None) -> str:
    if label:
        try:
            name = codecs.lookup(label.strip().strip("\"'")).name
        except LookupError:
            logger.warning("unknown charset %r; decoding as UTF-8", label)
            return "utf-8"
        return _WHATWG_ALIASES.get(name, name)
    return "utf-8"


def binary_kind(data: bytes, *, check_nul: bool = True) -> str | None:
    """What binary file DATA is ('a PDF', ...), or None for what may be text."""
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            return kind
    charset, body = strip_bom(data)
    if check_nul and charset is None and b"\x00" in body[:8192]:
        return "a binary file"
    return None


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:_SNIFF_BYTES]))


def sniff_html(body: bytes, charset: str | None) -> bool:
    """True when the start of BODY, decoded, looks like an HTML document."""
    return looks_like_html(decode(body[:_SNIFF_BYTES], charset))
