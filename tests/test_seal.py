"""The seal a post and a data file carry: their own sha256, which holds until anyone changes them."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from hfpapers.seal import Seal, seal_data, seal_data_bytes, seal_of, seal_post, seal_post_bytes

POST = (
    "---\ntitle: Hugging Face Daily Papers - 2026-02-18\nhfpapers: daily\nhfpapers_sha256: \n---\n\n"
    "1. **hfpapers_sha256: 0000** - 👍 3\n"
)
DATA = json.dumps({"papers": [{"title": '"hfpapers_sha256": "x"'}], "hfpapers_sha256": ""}) + "\n"


def test_the_seal_is_the_sha256_of_the_file_with_the_seal_blank() -> None:
    sealed = seal_post(POST)
    digest = hashlib.sha256(POST.encode()).hexdigest()
    assert sealed == POST.replace("hfpapers_sha256: \n", f"hfpapers_sha256: {digest}\n")
    assert json.loads(seal_data(DATA))["hfpapers_sha256"] == hashlib.sha256(DATA.encode()).hexdigest()
    assert json.loads(seal_data(DATA))["papers"] == json.loads(DATA)["papers"]  # a title that reads like it


@pytest.mark.parametrize("text", [seal_post(POST), seal_data(DATA)], ids=["post", "data file"])
def test_it_holds_as_written_and_across_crlf_and_fails_for_any_other_change(text: str) -> None:
    data = text.encode()
    assert seal_of(data) is Seal.INTACT
    assert seal_of(data.replace(b"\n", b"\r\n")) is Seal.INTACT  # a checkout's eol=crlf
    assert seal_of(data.replace(b"3", b"4", 1)) is Seal.BROKEN
    assert seal_of(data + b"\n") is Seal.BROKEN
    assert seal_of(b"\xef\xbb\xbf" + data) is Seal.BROKEN  # an editor's byte-order mark is a change
    digest = re.search(rb"[0-9a-f]{64}", data)
    assert digest is not None
    assert seal_of(data.replace(digest[0], b"")) is Seal.BROKEN  # blanked again by hand


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_the_file_s_bytes_are_sealed_as_its_text_is(line_end: str) -> None:
    """The exporters seal the UTF-8 they write, as `seal_post` and `seal_data` seal text: a
    CRLF counts as LF, and a CR alone as itself."""
    post = POST.removesuffix("\n") + line_end  # the body's line; the front matter's stay LF
    data = DATA.removesuffix("\n") + line_end
    for sealed, blank in ((seal_post_bytes(post.encode()), post), (seal_data_bytes(data.encode()), data)):
        assert sealed == (seal_post(blank) if blank is post else seal_data(blank)).encode()
        digest = hashlib.sha256(blank.replace("\r\n", "\n").encode()).hexdigest().encode()
        assert sealed.replace(digest, b"", 1) == blank.encode()
        assert seal_of(sealed) is Seal.INTACT


def test_a_file_without_a_seal_says_nothing() -> None:
    assert seal_of(POST.replace("hfpapers_sha256: \n", "").encode()) is Seal.NONE
    assert seal_of(b'{"papers": []}\n') is Seal.NONE
    # Only the front matter's line counts: the same line in the body is the text of a title.
    body_only = "---\ntitle: x\n---\n\nhfpapers_sha256: " + "0" * 64 + "\n"
    assert seal_of(body_only.encode()) is Seal.NONE
