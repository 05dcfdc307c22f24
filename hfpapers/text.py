"""Text clean-up shared by the parsers and the normalize pipeline."""

from __future__ import annotations

import re
import unicodedata

_VERSION_RE = re.compile(r"v\d+$")
# C0/C1 controls other than whitespace (NEL too), lone surrogates that cannot be UTF-8,
# invisible characters: bidi controls (which can reorder what a reader sees) and zero
# widths, and Unicode's noncharacters (U+FDD0-FDEF, U+xFFFE/U+xFFFF of every plane):
# YAML refuses U+FFFE/U+FFFF in a document, and Jekyll then publishes the post without
# its front matter. (U+2028/2029, YAML line breaks, are whitespace to str.split below.)
_JUNK_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\u061c\ufeff"
    r"\ufdd0-\ufdef" + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17)) + "]"
)
URL_RE = re.compile(r"https?://[^\s<>\"{}\[\]|\\^`]+")
_PLACEHOLDER_RE = re.compile(r"\bthis (?:https?|ftp) URL\b")
_TRAILING_PUNCT = ".,;:!?'"


def strip_version(arxiv_id: str) -> str:
    """``2602.15763v2`` -> ``2602.15763``."""
    return _VERSION_RE.sub("", arxiv_id.strip())


def clean_text(value: str) -> str:
    """NFC, no control characters or lone surrogates, whitespace collapsed."""
    if value.isascii() and value.isprintable() and "  " not in value and value == value.strip():
        return value  # the common case (most author names), already clean
    value = _JUNK_RE.sub("", unicodedata.normalize("NFC", value))
    return " ".join(value.split())


def trim_url(url: str) -> str:
    """Drop sentence punctuation and an unbalanced ``)`` from a URL's end."""
    while url and (url[-1] in _TRAILING_PUNCT or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


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
