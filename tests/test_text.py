"""`clean_text`'s checks that spare most text the junk pattern give what the pattern gives."""

from __future__ import annotations

import sys
import unicodedata
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfpapers.text import (
    _JUNK_RE,
    _PLAIN_LINK_RE,
    JUNK_SPACES,
    _parsed_link_problem,
    clean_text,
    link_problem,
)

EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


def cleaned_by_the_pattern(value: str) -> str:
    """What `clean_text` makes of any text: the junk pattern over its NFC, whitespace collapsed."""
    return " ".join(_JUNK_RE.sub("", unicodedata.normalize("NFC", value)).split())


def test_every_junk_character_is_unprintable_or_a_junk_space() -> None:
    junk = set(_JUNK_RE.findall(EVERY_CHARACTER))
    assert len(junk) > 2000  # surrogates, controls, format characters, noncharacters
    spaces = {char for char in junk if char.isspace()}
    assert spaces == set(JUNK_SPACES)
    assert not [f"U+{ord(char):04X}" for char in junk - spaces if char.isprintable()]


@pytest.mark.slow  # thousands of inputs: the full run checks them
def test_every_character_is_cleaned_as_the_pattern_cleans_it() -> None:
    """Each code point of the BMP, and every junk or whitespace one beyond it, between words
    after a line break (ASCII text that is not printable) and beside a letter beyond ASCII
    (text NFC may change)."""
    beyond = [char for char in _JUNK_RE.findall(EVERY_CHARACTER) if char > "\uffff"]
    chars = [*EVERY_CHARACTER[:0x10000], *beyond, *(c for c in EVERY_CHARACTER[0x10000:] if c.isspace())]
    wrong = []
    for char in chars:
        for value in (f"a\n{char}b ", f"é{char}b\t"):
            if clean_text(value) != cleaned_by_the_pattern(value):
                wrong.append(value)
    assert wrong == []


@pytest.mark.slow  # thousands of inputs: the full run checks them
def test_every_pair_of_ascii_characters_is_cleaned_as_the_pattern_cleans_it() -> None:
    """In a name's length and in an abstract's (which is checked for controls another way)."""
    pairs = [f"{a}{b}" for a in map(chr, range(128)) for b in map(chr, range(128))]
    texts = [text for pair in pairs for text in (f" x{pair}y  ", f"{'a word ' * 10}{pair}\n")]
    assert [text for text in texts if clean_text(text) != cleaned_by_the_pattern(text)] == []


def test_long_runs_of_spaces_collapse_to_one() -> None:
    assert clean_text(" " * 100_000 + "a" + " " * 65_537 + "b\n\n\n" + "\t" * 1000) == "a b"


# Text the checks see differently: ASCII letters and spaces, every kind of whitespace, controls,
# format characters, combining marks NFC composes, a lone surrogate, noncharacters, Hangul.
_ALPHABET = st.sampled_from(
    [
        *"ab  .",
        *(" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000"),
        *("\x00", "\x07", "\x7f", "\x9f", "\u00ad", "\u200b", "\u202e", "\ufeff", "\U000e0041"),
        *("e\u0301", "\u0301", "\u1100", "\u1161", "\ud800", "\ufdd0", "\uffff", "\U0010ffff", "한"),
    ]
)


@pytest.mark.slow  # thousands of inputs: the full run checks them
@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_is_cleaned_as_the_pattern_cleans_it(value: str) -> None:
    assert clean_text(value) == cleaned_by_the_pattern(value)


_URL_PIECES = st.sampled_from(
    [
        *("http://", "https://", "HTTP://", "ftp://", "http:", "//", "a", "Z", "0", ".", "-", "_", "~"),
        *(":", ":80", ":99999", ":x", "@", "[", "]", "[::1]", "/", "?", "#", "%", "=", "&", "\\"),
        *(" ", "\t", "\n", "\x00", "\x7f", "\u00a0", "\u200b", "\u202e", "é", "한", "\ud800", "\U000f0000"),
    ]
)


@pytest.mark.slow  # thousands of inputs: the full run checks them
@settings(max_examples=400, deadline=None)
@given(
    st.tuples(st.sampled_from(["http://", "https://", ""]), st.lists(_URL_PIECES, max_size=12).map("".join))
)
def test_a_plain_link_is_what_parsing_it_finds(parts: tuple[str, str]) -> None:
    """The links taken without parsing them are links parsing finds nothing wrong with."""
    url = "".join(parts)
    assert link_problem(url) == _parsed_link_problem(url)
    if _PLAIN_LINK_RE.fullmatch(url):
        split = urlsplit(url)
        assert split.scheme in ("http", "https") and split.hostname and split.port is None
