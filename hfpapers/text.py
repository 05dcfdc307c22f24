"""Text clean-up shared by the parsers and the normalize pipeline."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_VERSION_RE = re.compile(r"v[0-9]+\Z")
# Unicode's format characters (category Cf): invisible, and some reorder what a reader sees
# (bidi controls: ".../\u202egnp.exe" reads ".../exe.png") or hide text (zero widths, the
# tag characters U+E0020-E007F). As of Unicode 15; a test holds it to the running Python's.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# C0/C1 controls other than whitespace (NEL too), lone surrogates that cannot be UTF-8,
# format characters, and Unicode's noncharacters (U+FDD0-FDEF, U+xFFFE/U+xFFFF of every
# plane): YAML refuses U+FFFE/U+FFFF in a document, and Jekyll then publishes the post
# without its front matter. (U+2028/2029, YAML line breaks, are whitespace to str.split below.)
_JUNK_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + FORMAT_CHARACTERS
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17))
    + "]"
)
URL_RE = re.compile(r"https?://[^\s<>\"{}\[\]|\\^`]+")
_PLACEHOLDER_RE = re.compile(r"\bthis (?:https?|ftp) URL\b")
_TRAILING_PUNCT = ".,;:!?'"


def strip_version(arxiv_id: str) -> str:
    """``2602.15763v2`` -> ``2602.15763``."""
    return _VERSION_RE.sub("", arxiv_id.strip())


# The characters `_JUNK_RE` removes that ``str.split`` takes for whitespace. Every other
# one it removes is not printable (``str.isprintable``); a test holds both to every code point.
JUNK_SPACES = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"


def clean_text(value: str) -> str:
    """NFC, no control or format characters, lone surrogates or noncharacters, whitespace collapsed.

    `_JUNK_RE`, a class of many ranges, costs some 100 times more per character than the
    checks that show most text (names, titles, abstracts with line breaks) has nothing for it.
    """
    if value.isascii():
        if len(value) < 64 and value.isprintable() and "  " not in value and value == value.strip():
            return value  # the common case (most names and keywords), already clean
        # NFC changes no ASCII; its only characters that are not printable are controls, of
        # which tab, line feed and carriage return are whitespace and every other one junk.
        if not _printable_ascii(value):
            spaced = value.replace("\n", " ").replace("\r", " ").replace("\t", " ")
            if not _printable_ascii(spaced):
                return " ".join(_JUNK_RE.sub("", value).split())
            value = spaced
        return _collapse_spaces(value)
    value = unicodedata.normalize("NFC", value)
    collapsed = " ".join(value.split())
    if collapsed.isprintable() and not any(char in value for char in JUNK_SPACES):
        return collapsed  # nothing unprintable left, and no junk among the whitespace dropped
    return " ".join(_JUNK_RE.sub("", value).split())


_ASCII_CONTROLS = bytes([*range(0x20), 0x7F])


def _printable_ascii(text: str) -> bool:
    """``text.isprintable()`` for ASCII: for an abstract's length, deleting the control bytes
    costs a quarter of looking up every character's category."""
    if len(text) < 64:
        return text.isprintable()
    data = text.encode("ascii")
    return len(data.translate(None, _ASCII_CONTROLS)) == len(data)


def _collapse_spaces(text: str) -> str:
    """Printable ASCII with its runs of spaces made one and none at either end: what
    ``" ".join(text.split())`` makes of it, without a list of every word. Each pass halves
    every run, so a run of n spaces takes log2(n) passes."""
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


# An http(s) URL with a host of letters, digits, dots and hyphens (no user, no port), then
# printable ASCII: one `_parsed_link_problem` finds nothing wrong with (a test holds the two
# together), at a tenth of the cost of parsing it.
_PLAIN_LINK_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][!-~]*)?")


def link_problem(url: str) -> str | None:
    """Why ``url`` cannot be a link as it is, or None: an http(s) URL with a host, and no
    whitespace, control or format character (which a reader cannot see, or which turns
    what they see around), no lone surrogate, private-use or unassigned code point."""
    return None if _PLAIN_LINK_RE.fullmatch(url) else _parsed_link_problem(url)


def _parsed_link_problem(url: str) -> str | None:
    """`link_problem`, with the URL read character by character and parsed."""
    plain = url.isascii() and url.isprintable() and " " not in url  # the common case
    for char in () if plain else url:
        category = unicodedata.category(char)
        if char.isspace() or category[0] in "CZ":
            return f"a character a link cannot hold (U+{ord(char):04X}, {category})"
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError for a port that is no number, or out of range
    except ValueError:
        return "no valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "no http(s) URL with a host"
    return None


def trim_url(url: str) -> str:
    """Drop sentence punctuation and an unbalanced ``)`` from a URL's end.

    One pass from the end with the brackets counted once: linear in the URL, whatever
    runs of ``)`` or ``.`` a hostile text ends it with."""
    end = len(url)
    unbalanced = url.count(")") - url.count("(")
    while end:
        char = url[end - 1]
        if char == ")" and unbalanced > 0:
            unbalanced -= 1
        elif char not in _TRAILING_PUNCT:
            break
        end -= 1
    return url[:end]


def find_urls(text: str) -> list[str]:
    return [trim_url(m.group(0)) for m in URL_RE.finditer(text)]


def restore_urls(text: str, known_urls: list[str]) -> str:
    """Replace arXiv's ``this https URL`` placeholders with real URLs, in order.

    Placeholders left over when there are fewer known URLs stay as they are:
    guessing a link is worse than showing arXiv's words.
    """
    urls = iter(known_urls)

    def _sub(match: re.Match[str]) -> str:
        return next(urls, match.group(0))

    return _PLACEHOLDER_RE.sub(_sub, text)
