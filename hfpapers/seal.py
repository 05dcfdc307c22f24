"""The seal every post and data file hfpapers writes carries: the sha256 of the file itself.

A post holds it as a front-matter line ``hfpapers_sha256: <hex>``, a data file as the key
``"hfpapers_sha256": "<hex>"``. The hash is taken over the file's text with the seal's own
value blanked (``hfpapers_sha256: ``, ``"hfpapers_sha256": ""``) and every CRLF read as LF,
so the line endings a checkout converts (``.gitattributes`` ``eol=crlf``) change nothing.

A file whose seal holds is hfpapers' as written, whatever else is around it (a data file of
another version, a killed run's half-installed pair); one whose seal fails was changed since
it was written: the owner's edit. A file without a seal (the old script's, or hfpapers'
before it sealed its files) says nothing either way.
"""

from __future__ import annotations

import enum
import hashlib
import re

KEY = "hfpapers_sha256"
# The line the post renderer puts in its front matter, and the key of the data file, unfilled.
POST_LINE = f"{KEY}: "
DATA_VALUE = ""

_HEX = rb"[0-9a-f]{64}"
BOM = b"\xef\xbb\xbf"  # an editor may put it before a post's front matter
# In a post, a line of its front matter (the text between its first two "---" lines).
_POST_RE = re.compile(rb"^" + re.escape(KEY.encode()) + rb": (" + _HEX + rb"|)$", re.M)
# In a data file, the key at any depth: a title that reads like it is escaped (\"), so never this.
_DATA_RE = re.compile(rb'"' + re.escape(KEY.encode()) + rb'": "(' + _HEX + rb'|)"')


class Seal(enum.Enum):
    NONE = "none"  # no seal: a file of the old script's, or of hfpapers before it sealed them
    INTACT = "intact"  # hfpapers' file as written
    BROKEN = "broken"  # changed since hfpapers wrote it


def seal_post(text: str) -> str:
    """A rendered post with its front matter's ``hfpapers_sha256: `` line filled in."""
    return seal_post_bytes(text.encode("utf-8")).decode("utf-8")


def seal_post_bytes(data: bytes) -> bytes:
    """`seal_post` of a rendered post as UTF-8, as its file holds it."""
    return _filled(data, _POST_RE, _front_matter_end(data))


def seal_data(text: str) -> str:
    """A rendered data file with its ``"hfpapers_sha256": ""`` filled in."""
    return seal_data_bytes(text.encode("utf-8")).decode("utf-8")


def seal_data_bytes(data: bytes) -> bytes:
    """`seal_data` of a rendered data file as UTF-8, as its file holds it."""
    return _filled(data, _DATA_RE, None)


def seal_of(data: bytes) -> Seal:
    """Whether ``data`` (a post or a data file, as read from disk) is hfpapers' as written."""
    text = data.replace(b"\r\n", b"\n")
    if text.removeprefix(BOM).startswith(b"---\n"):  # a post: its front matter (a mark is a change)
        pattern, end = _POST_RE, _front_matter_end(text)
    else:
        pattern, end = _DATA_RE, None
    matches = list(pattern.finditer(text, 0, len(text) if end is None else end))
    if not matches:
        return Seal.NONE
    if len(matches) > 1 or not matches[0].group(1):
        return Seal.BROKEN  # a seal added by hand, or never filled
    match = matches[0]
    blanked = text[: match.start(1)] + text[match.end(1) :]
    return Seal.INTACT if hashlib.sha256(blanked).hexdigest().encode() == match.group(1) else Seal.BROKEN


def _front_matter_end(text: bytes) -> int:
    """Where a post's front matter ends (its closing ``---`` line); 0 when it has none."""
    start = len(BOM) if text.startswith(BOM) else 0
    if not text.startswith(b"---\n", start):
        return 0
    end = text.find(b"\n---", start + 3)
    return 0 if end < 0 else end


def _filled(text: bytes, pattern: re.Pattern[bytes], end: int | None) -> bytes:
    matches = list(pattern.finditer(text, 0, len(text) if end is None else end))
    if len(matches) != 1 or matches[0].group(1):
        raise ValueError(f"no single blank {KEY} to fill in")
    at = matches[0].start(1)
    # Looking for a CR costs a tenth of what replacing CRLF costs in a text that has none.
    digest = hashlib.sha256(text.replace(b"\r\n", b"\n") if b"\r" in text else text).hexdigest().encode()
    return text[:at] + digest + text[at:]
