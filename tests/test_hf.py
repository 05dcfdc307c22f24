"""Parsing the real Hugging Face payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixture_server import FIXTURES, PAGE_TEMPLATE
from hfpapers import hf

API = FIXTURES / "hf_api_daily_papers"


def load(day: str) -> list[dict]:
    return json.loads((API / f"{day}.json").read_text(encoding="utf-8"))


def test_real_page_payload_is_found_and_unescaped() -> None:
    payload = hf.extract_payload(PAGE_TEMPLATE.read_text(encoding="utf-8"))
    assert payload is not None
    assert hf.payload_day(payload) == "2024-08-01"
    papers = [hf.paper_from_entry(e) for e in payload["dailyPapers"]]
    assert len(papers) == 13
    assert papers[0].title == "The Llama 3 Herd of Models"
    assert papers[0].comments == 5
    assert papers[0].hf_url == "https://huggingface.co/papers/2407.21783"


def test_page_without_payload_gives_none() -> None:
    assert hf.extract_payload("<html><body><div data-target='Other'></div></body></html>") is None


def test_broken_payload_is_an_error() -> None:
    page = '<div data-target="DailyPapers" data-props="{&quot;dailyPapers&quot;: [">'
    with pytest.raises(hf.PayloadError):
        hf.extract_payload(page)


def test_organizations_are_hf_fullnames_and_never_invented() -> None:
    papers = [hf.paper_from_entry(e) for e in load("2026-02-18")]
    orgs = {p.arxiv_id: p.organization for p in papers if p.organization}
    assert sorted(orgs.values()) == ["Google", "MTSAIR", "Tsinghua University"]
    assert sum(p.organization is None for p in papers) == 10


@pytest.mark.parametrize("path", sorted(API.glob("*.json")), ids=lambda p: Path(p).stem)
def test_every_real_day_parses(path: Path) -> None:
    entries = json.loads(path.read_text(encoding="utf-8"))
    papers = [hf.paper_from_entry(e) for e in entries]
    assert all(p.arxiv_id and p.title and p.upvotes >= 0 for p in papers)
    days = {hf.entry_day(e) for e in entries}
    # 2024 data has no submittedOnDailyAt; from 2025 on it matches the list's day.
    assert days == ({None} if path.stem < "2025" else {path.stem})


def test_hidden_authors_are_left_out() -> None:
    entry = load("2026-02-18")[0]
    entry["paper"]["authors"][1]["hidden"] = True
    paper = hf.paper_from_entry(entry)
    assert entry["paper"]["authors"][1]["name"] not in paper.authors
    assert len(paper.authors) == len(entry["paper"]["authors"]) - 1


def test_api_answer_must_be_a_list() -> None:
    with pytest.raises(hf.PayloadError):
        hf.parse_api('{"error": "Invalid date"}')
    with pytest.raises(hf.PayloadError):
        hf.parse_api('[{"paper": ')


def test_a_name_that_does_not_resolve_points_to_the_offline_demo() -> None:
    """The offline failure says where to go (no DNS traffic: the failure is built here)."""
    from scrapy import Request
    from twisted.internet.error import ConnectionRefusedError, DNSLookupError
    from twisted.python.failure import Failure

    from hfpapers.spiders.papers import why_failed

    def failed(error: Exception) -> Failure:
        failure = Failure(error)
        failure.request = Request("https://huggingface.co/papers/date/2026-02-18")  # type: ignore[attr-defined]
        return failure

    assert why_failed(failed(DNSLookupError("huggingface.co"))) == (
        "DNSLookupError from huggingface.co: DNS lookup failed: huggingface.co."
        " (offline? ./scripts/demo.sh crawls recorded data without the internet)"
    )
    assert "demo.sh" not in why_failed(failed(ConnectionRefusedError()))


@pytest.mark.parametrize(
    "thumbnail",
    [
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2602.15763.png\n",  # "$" let it by
        "https://cdn-thumbnails.huggingface.co.evil.example/x.png",
        "https://evil.example/huggingface.co/x.png",
        "https://cdn-thumbnails.huggingface.co/x.png\u202e",
        ["https://cdn-thumbnails.huggingface.co/x.png"],
    ],
)
def test_a_thumbnail_that_is_no_hugging_face_image_costs_the_image_alone(
    thumbnail: object, caplog: pytest.LogCaptureFixture
) -> None:
    entry = load("2026-02-18")[0]
    entry["thumbnail"] = thumbnail
    paper = hf.paper_from_entry(entry)
    assert paper.thumbnail is None
    assert f"{paper.arxiv_id}: dropped the thumbnail " in caplog.text


def test_every_real_thumbnail_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    entries = [e for path in sorted(API.glob("*.json")) for e in json.loads(path.read_text(encoding="utf-8"))]
    papers = [hf.paper_from_entry(e) for e in entries]
    assert (
        sum(p.thumbnail is not None for p in papers) == sum(bool(e.get("thumbnail")) for e in entries) > 100
    )
    assert "dropped" not in caplog.text
