"""A refresh never writes a worse post: a paper arXiv gives nothing for this time keeps the
arXiv data the existing post has for it (or the post is kept), and once written, a post keeps
its date.

Real crawls in this process against the fixture server, one after the other on one site.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers import seal
from hfpapers.outcome import ListOutcome, RunRecord
from hfpapers.previous import post_date_of
from hfpapers.run_report import log_outcome

DAY = "2026-02-18"
ARXIV_DOWN = {"RETRY_TIMES": "0"}


def with_categories(server: FixtureServer) -> None:
    server.categories = {entry["paper"]["id"]: ["cs.CL", "cs.AI"] for entry in server.days[DAY]}


def post_text(site: Path) -> str:
    return (site / "_posts" / f"{DAY}-daily-papers.md").read_text(encoding="utf-8")


def front_date(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("date: "))


@deferred_f_from_coro_f
async def test_a_refresh_while_arxiv_is_down_keeps_the_earlier_arxiv_data(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, site: Path
) -> None:
    with_categories(server)
    morning = await crawl(args={"date": DAY})
    assert morning.record.ok, morning.log[-3000:]
    before = post_text(site)
    assert before.count("분야: cs.CL, cs.AI") == 13
    server.faults.arxiv_api_status = 503
    top = server.edit_day(DAY)[0]["paper"]
    top["upvotes"] += 7  # the refresh's news: fresh likes
    evening = await crawl(args={"date": DAY}, settings=ARXIV_DOWN)
    assert evening.record.ok, evening.log[-3000:]
    after = post_text(site)
    assert after.count("분야: cs.CL, cs.AI") == 13
    papers = {p["arxiv_id"]: p for p in evening.data(DAY)["papers"]}
    assert {p["abstract_source"] for p in papers.values()} == {"arxiv_api"}
    assert papers[top["id"]]["upvotes"] == top["upvotes"] and papers[top["id"]]["categories"] == [
        "cs.CL",
        "cs.AI",
    ]
    (outcome,) = evening.record.lists
    assert (outcome.status, outcome.arxiv_kept) == ("written", 13)
    assert evening.record.notes() == [
        f"{DAY}: 13 papers keep the earlier post's arXiv data (arXiv gave none)"
    ]
    assert f"{DAY}: arXiv gave no data for 13 papers this run; they keep the existing post's" in evening.log


@deferred_f_from_coro_f
async def test_arxiv_data_that_cannot_be_kept_keeps_the_post(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, site: Path
) -> None:
    """A data file hfpapers wrote (its seal holds: another version's, say) is still read
    as untrusted: what it holds passes every check a paper passes, or the existing post,
    which has arXiv's data, stays."""
    with_categories(server)
    assert (await crawl(args={"date": DAY})).record.ok
    data_file = site / "_data" / "papers" / f"daily-{DAY}.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    data["papers"][0]["abstract"] = ["not", "text"]
    data[seal.KEY] = seal.DATA_VALUE
    data_file.write_text(seal.seal_data(json.dumps(data, ensure_ascii=False) + "\n"), encoding="utf-8")
    before = post_text(site)
    server.faults.arxiv_api_status = 503
    kept = await crawl(args={"date": DAY}, settings=ARXIV_DOWN)
    (outcome,) = kept.record.lists
    assert kept.record.ok and outcome.status == "kept"
    assert outcome.reason == "the existing post has arXiv's data for 1 papers this run has none for"
    assert post_text(site) == before
    forced = await crawl(args={"date": DAY, "force": "1"}, settings=ARXIV_DOWN)
    assert forced.record.lists[0].status == "written"
    assert post_text(site).count("분야:") == 12


def test_the_last_line_says_which_posts_kept_earlier_arxiv_data(caplog: pytest.LogCaptureFixture) -> None:
    record = RunRecord("finished", [ListOutcome("daily", DAY, "written", arxiv_kept=13)])
    log_outcome(record)
    assert caplog.records[-1].getMessage() == (
        f"Run outcome: ok, {DAY}: 13 papers keep the earlier post's arXiv data (arXiv gave none)"
    )


# --- The post's date ---------------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_once_written_a_post_keeps_its_date(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """A weekly post written at 09:15 was moved to 09:30 by the evening run, and committed
    and deployed a second time for that alone."""
    first = await crawl(args={"date": DAY}, settings={"POST_TIME": "08:05"})
    assert first.record.ok, first.log[-3000:]
    assert front_date(post_text(site)) == f"date: {DAY} 08:05:00 +0900"
    server.edit_day(DAY)[0]["paper"]["upvotes"] += 1
    refresh = await crawl(args={"date": DAY}, settings={"POST_TIME": "09:15"})
    assert refresh.record.lists[0].status == "written"
    assert front_date(post_text(site)) == f"date: {DAY} 08:05:00 +0900"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("2026-02-18 09:15:00 +0900", "2026-02-18 09:15:00 +0900"),
        ("2026-02-18 09:15 +09:00", "2026-02-18 09:15:00 +0900"),
        ('"2026-02-18 09:15:00 +0900"', "2026-02-18 09:15:00 +0900"),
        ("2026-02-18 09:15:00", ""),  # no zone: Jekyll would read it in the site's
        ("2026-02-30 09:15:00 +0900", ""),
        ("2999-01-01 00:00:00 +0000", ""),  # in the future: Jekyll would not publish it
        ("tomorrow", ""),
        ("2026-02-18 09:15:00 +0900\u202e", ""),
    ],
)
def test_the_date_a_post_keeps_is_one_jekyll_publishes(written: str, kept: str, tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text(f"---\ntitle: x\ndate: {written}\n---\n", encoding="utf-8")
    assert post_date_of(post, now=datetime(2026, 12, 1, tzinfo=UTC)) == kept
