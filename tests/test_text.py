"""`clean_text`'s checks that spare most text the junk pattern give what the pattern gives."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from hfpapers.text import _JUNK_RE, JUNK_SPACES, clean_text

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


def test_every_pair_of_ascii_characters_is_cleaned_as_the_pattern_cleans_it() -> None:
    ascii_pairs = [f"{a}{b}" for a in map(chr, range(128)) for b in map(chr, range(128))]
    assert [v for v in ascii_pairs if clean_text(f" x{v}y  ") != cleaned_by_the_pattern(f" x{v}y  ")] == []


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


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_is_cleaned_as_the_pattern_cleans_it(value: str) -> None:
    assert clean_text(value) == cleaned_by_the_pattern(value)
