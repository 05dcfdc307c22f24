"""Faults from the sites: survived, or reported loudly, never a worse post.

Real crawls in this process (the spider, the pipelines, the ListWriter)
against the fixture server; exit statuses are in test_process.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from scrapy.http import Response
from scrapy.utils.defer import deferred_f_from_coro_f

from exporters.korean_post import CHART_CLOSE
from fixture_server import FixtureServer
from hfpapers.hf import PayloadError
from hfpapers.responses import text_of

DAY = "2026-02-18"
GOLDEN = Path(__file__).parent / "golden" / f"{DAY}-daily-papers.md"
FAST_RETRY = {"RETRY_BACKOFF_BASE": "0.05"}


def seed_existing(site: Path, day: str = DAY) -> dict[Path, str]:
    """A good post and data file from an earlier run; returns their digests."""
    posts, data = site / "_posts", site / "_data" / "papers"
    posts.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    (posts / f"{day}-daily-papers.md").write_text(earlier_post(day))
    (data / f"daily-{day}.json").write_text(json.dumps({"date": day, "papers": []}) + "\n")
    return digests(site)


def earlier_post(day: str) -> str:
    return f"---\ntitle: Hugging Face Daily Papers - {day}\nhfpapers: daily\n---\nan earlier good post\n"


def digests(site: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.rglob("*")) if p.is_file()}


@deferred_f_from_coro_f
async def test_503_twice_then_success_writes_the_same_post(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.hf_fail_times = 2
    result = await crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert result.record.ok, result.log[-3000:]
    assert result.post(DAY).read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
    assert result.stats["retry/count"] == 2
    assert server.count()["hf_page"] == 3
    # The summary counts what was tried as well as what was read.
    assert (result.stats["hfpapers/tried/huggingface"], result.stats["hfpapers/requests/hf_page"]) == (3, 1)
    assert re.search(r"Hugging Face requests tried\s+3\n", result.log)


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_429_waits_for_retry_after(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.hf_fail_times = 1
    server.faults.hf_fail_status = 429
    server.faults.retry_after = "1"
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert "waiting 1.0 s before retrying" in result.log
    assert server.count()["hf_page"] == 2


@deferred_f_from_coro_f
async def test_timeout_is_retried(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.hf_slow_times = 1
    server.faults.hf_slow_seconds = 1.5
    result = await crawl(args={"date": DAY}, settings={"DOWNLOAD_TIMEOUT": "0.5", **FAST_RETRY})
    assert result.record.ok, result.log[-3000:]
    assert result.post(DAY).read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
    assert result.stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("page_without_payload", "no DailyPapers payload"),
        ("page_payload_cut", "DailyPapers data-props is not JSON"),
    ],
)
@deferred_f_from_coro_f
async def test_a_page_without_a_readable_payload_uses_the_api(
    server: FixtureServer, crawl, fault: str, said: str
) -> None:  # type: ignore[no-untyped-def]
    setattr(server.faults, fault, True)
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert said in result.log and "using the API" in result.log
    assert server.count() == {"robots": 1, "hf_page": 1, "hf_api": 1, "arxiv_api": 1}
    assert result.post(DAY).read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_long_api_list_is_paged(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.page_without_payload = True
    result = await crawl(args={"date": DAY}, settings={"HF_API_PAGE_SIZE": 5})
    assert result.record.ok, result.log[-3000:]
    assert server.count()["hf_api"] == 3  # 5 + 5 + 3 papers
    assert result.data(DAY)["total_papers"] == 13


@deferred_f_from_coro_f
async def test_hugging_face_down_keeps_existing_post(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    before = seed_existing(site)
    server.faults.hf_status = 503
    result = await crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert not result.record.ok
    assert result.record.problems() == ["Hugging Face failed for 2026-02-18: HTTP 503"]
    assert digests(site) == before  # same files, same bytes, and no temporary file left


@deferred_f_from_coro_f
async def test_truncated_api_json_fails_the_list(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    before = seed_existing(site)
    server.faults.page_without_payload = True
    server.faults.api_truncated = True
    result = await crawl(args={"date": DAY})
    [problem] = result.record.problems()
    assert problem.startswith("2026-02-18: daily_papers API answer is not JSON")
    assert digests(site) == before


@deferred_f_from_coro_f
async def test_arxiv_down_posts_from_hugging_face(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_status = 503
    result = await crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert result.record.ok, result.log[-3000:]
    assert "arXiv API failed for 13 ids" in result.log
    papers = result.data(DAY)["papers"]
    assert len(papers) == 13
    assert {p["abstract_source"] for p in papers} == {"huggingface"}
    assert server.count()["arxiv_api"] == 4  # first try and RETRY_TIMES=3 retries


@deferred_f_from_coro_f
async def test_arxiv_error_feed_posts_from_hugging_face(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_error_feed = True
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert "arXiv API refused 13 ids (incorrect id format for abc)" in result.log
    assert {p["abstract_source"] for p in result.data(DAY)["papers"]} == {"huggingface"}


@deferred_f_from_coro_f
async def test_missing_ids_come_from_abstract_pages(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_omit = {"2602.15763"}
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert server.count() == {"robots": 1, "hf_page": 1, "arxiv_api": 1, "arxiv_abs": 1}
    glm = next(p for p in result.data(DAY)["papers"] if p["arxiv_id"] == "2602.15763")
    assert glm["abstract_source"] == "arxiv_abs"
    assert glm["abstract"].endswith("available at https://github.com/zai-org/GLM-5.")
    assert result.stats["hfpapers/tried/arxiv-abs"] == 1 and "hfpapers/arxiv_abs_failed" not in result.stats


@deferred_f_from_coro_f
async def test_weekend_shows_friday_and_writes_nothing(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": "2026-02-21"})
    assert result.record.ok
    assert [(o.key, o.status) for o in result.record.lists] == [("2026-02-21", "empty")]
    assert "no papers for 2026-02-21" in result.log
    assert result.stats["papers/other_day"] == 13
    assert not any(site.iterdir())


@deferred_f_from_coro_f
async def test_top_limits_the_post(crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": DAY, "top": "5"})
    assert result.record.ok
    assert result.data(DAY)["total_papers"] == 5
    assert result.post(DAY).read_text(encoding="utf-8").count("\n   - Abstract: ") == 5


@deferred_f_from_coro_f
async def test_fewer_papers_keep_the_existing_post_unless_forced(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    assert (await crawl(args={"date": DAY})).record.ok
    before = digests(site)
    del server.edit_day(DAY)[5:]  # Hugging Face answers with a partial list
    smaller = await crawl(args={"date": DAY})
    assert smaller.record.ok
    assert [(o.status, o.reason) for o in smaller.record.lists] == [
        ("kept", "the existing post lists 13 papers, this run found 5")
    ]
    assert "keeping the existing post: it lists 13 papers, this run found 5" in smaller.log
    assert digests(site) == before
    forced = await crawl(args={"date": DAY, "force": "1"})
    assert forced.record.ok
    assert forced.data(DAY)["total_papers"] == 5


@deferred_f_from_coro_f
async def test_bad_entries_are_dropped_alone_and_counted(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    entries = server.edit_day(DAY)
    entries[0]["paper"]["upvotes"] = -3  # 2602.15763, GLM-5
    entries[1]["paper"]["title"] = entries[1]["title"] = None
    entries[2]["paper"]["id"] = "../../etc/passwd"
    entries[3]["paper"]["id"] = "2602.15xyz"
    entries.append(None)  # type: ignore[arg-type]
    entries[4]["paper"]["upvotes"] = "12"  # a count sent as a string is still a count
    strings_id = entries[4]["paper"]["id"]
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert result.stats["papers/dropped"] == 5
    assert "dropped the entry '2602.15763' ('GLM-5: from Vibe Coding to Agentic Engineering'): " in result.log
    assert "2602.15763: likes -3 is not a count" in result.log
    assert "paper id '../../etc/passwd' is not an arXiv id" in result.log
    papers = {p["arxiv_id"]: p for p in result.data(DAY)["papers"]}
    assert len(papers) == 13 - 4 and papers[strings_id]["upvotes"] == 12
    report = result.log.split("Run report (finished):", 1)[1]
    assert re.search(r"bad entries, dropped\s+5", report)
    assert "etc" not in "".join(server.paths)  # the bad id was never put in a URL


@deferred_f_from_coro_f
async def test_categories_that_are_not_arxiv_categories_are_dropped(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    ids = [e["paper"]["id"] for e in server.days[DAY]]
    server.categories = {i: ["cs.CL", "cs.AI\n## Owned\n1. **fake entry**", "physics.comp-ph"] for i in ids}
    server.faults.arxiv_api_omit = {ids[0]}
    server.faults.abs_subjects = (
        '<span class="primary-subject">Bad (<img src=x onerror=alert(1)>)</span>; ML (cs.LG)'
    )
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    post = result.post(DAY).read_text(encoding="utf-8")
    assert "Owned" not in post and "fake entry" not in post and "onerror" not in post
    assert "not an arXiv category" in result.log
    papers = {p["arxiv_id"]: p for p in result.data(DAY)["papers"]}
    assert papers[ids[1]]["categories"] == ["cs.CL", "physics.comp-ph"]
    assert papers[ids[0]]["abstract_source"] == "arxiv_abs" and papers[ids[0]]["categories"] == ["cs.LG"]


@deferred_f_from_coro_f
async def test_invisible_characters_are_removed(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    paper = server.edit_day(DAY)[0]["paper"]
    paper["title"] = "GLM\u202e-5\u200b: from Vibe\ufeff Coding"
    paper["authors"][0]["name"] = "Aohan\u2066 Zeng\u200d"
    server.faults.arxiv_api_status = 404  # keep Hugging Face's text
    result = await crawl(args={"date": DAY}, settings={"RETRY_TIMES": 0})
    post = result.post(DAY).read_text(encoding="utf-8")
    assert "**GLM-5: from Vibe Coding**" in post and "Aohan Zeng" in post
    # The chart's tied labels carry zero-width spaces of our own (see rank_labels); no web text does.
    chart_end = post.index(CHART_CLOSE) + len(CHART_CLOSE)
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b-\u200d\ufeff]", post[chart_end:])


@deferred_f_from_coro_f
async def test_error_no_list_caused_fails_the_whole_run(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """An ERROR that names no list: nothing is written, even for clean lists."""
    result = await crawl(
        args={"date": DAY},
        settings={"ITEM_PIPELINES": {"tests.test_faults.LogsAnError": 50}},
    )
    assert not result.record.ok
    # Found by the log_count/ERROR stat, not by reading log records.
    assert result.record.errors == ["1 ERROR in the log that no list caused"]
    assert "something broke that no list caused" in result.log
    assert result.record.lists[0].reason == "not written: the run had errors that no list caused"
    assert not list(site.rglob("*.md")) and not list(site.rglob("*.tmp"))


class LogsAnError:
    def process_item(self, item: object) -> object:
        import logging

        logging.getLogger("elsewhere").error("something broke that no list caused")
        return item


@deferred_f_from_coro_f
async def test_unreadable_arxiv_answer_is_survived_by_every_day(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_binary = True
    result = await crawl(args={"start": "2026-02-16", "end": "2026-02-18"})
    assert result.record.ok, result.log[-3000:]
    assert [o.status for o in result.record.lists] == ["written"] * 3
    assert "arXiv API sent an unreadable answer for" in result.log
    assert {p["abstract_source"] for p in result.data(DAY)["papers"]} == {"huggingface"}


@deferred_f_from_coro_f
async def test_api_that_ignores_the_page_is_not_paged_forever(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.page_without_payload = True
    server.faults.api_ignores_page = True
    result = await crawl(args={"date": DAY}, settings={"HF_API_PAGE_SIZE": 5})
    assert result.record.ok, result.log[-3000:]
    assert server.count()["hf_api"] == 2
    assert "2026-02-18: API page 1 repeats papers already listed; stopping there" in result.log
    assert result.data(DAY)["total_papers"] == 5


@deferred_f_from_coro_f
async def test_api_paging_stops_at_the_page_limit(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.page_without_payload = True
    result = await crawl(args={"date": DAY}, settings={"HF_API_PAGE_SIZE": 5, "HF_API_MAX_PAGES": 2})
    assert result.record.ok, result.log[-3000:]
    assert server.count()["hf_api"] == 2
    assert "2026-02-18: stopping after 2 API pages (HF_API_MAX_PAGES)" in result.log
    assert result.data(DAY)["total_papers"] == 10


@deferred_f_from_coro_f
async def test_a_list_whose_files_cannot_all_be_written_keeps_its_old_post(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    seed_existing(site)
    data_file = site / "_data" / "papers" / f"daily-{DAY}.json"
    data_file.unlink()
    data_file.mkdir()  # a folder where the data file goes: its rename fails
    (data_file / "x").write_text("x")
    result = await crawl(args={"date": DAY})
    [outcome] = result.record.lists
    assert outcome.status == "failed"
    assert outcome.reason == f"{data_file} is not a regular file; left alone, and this list not written"
    assert result.post(DAY).read_text() == earlier_post(DAY)
    assert not [p for p in site.rglob(".*") if p.is_file()]  # no temporary or backup file left


@deferred_f_from_coro_f
async def test_stale_temporary_files_of_a_killed_run_are_swept(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    import os
    import time

    posts = site / "_posts"
    posts.mkdir()
    stale, fresh = posts / f".{DAY}-daily-papers.md.abc.tmp", posts / f".{DAY}-daily-papers.md.def.tmp"
    for path in (stale, fresh):
        path.write_text("half a post")
    three_days_ago = time.time() - 3 * 24 * 3600
    os.utime(stale, (three_days_ago, three_days_ago))
    result = await crawl(args={"date": DAY})
    assert result.record.ok
    assert not stale.exists()
    assert fresh.exists()  # may be another run's, working right now


@deferred_f_from_coro_f
async def test_a_huge_arxiv_answer_is_dropped_like_a_failed_one(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_padding = 3 * 1024 * 1024
    result = await crawl(args={"date": DAY}, settings={"DOWNLOAD_MAXSIZE": 1024 * 1024, "RETRY_TIMES": 0})
    assert result.record.ok, result.log[-3000:]
    assert "arXiv API failed for 13 ids" in result.log
    assert {p["abstract_source"] for p in result.data(DAY)["papers"]} == {"huggingface"}


@deferred_f_from_coro_f
async def test_a_huge_hugging_face_answer_fails_its_list(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    before = seed_existing(site)
    result = await crawl(args={"date": DAY}, settings={"DOWNLOAD_MAXSIZE": 64 * 1024, "RETRY_TIMES": 0})
    [problem] = result.record.problems()
    assert problem.startswith("Hugging Face failed for 2026-02-18:")
    assert digests(site) == before


@deferred_f_from_coro_f
async def test_an_answer_cut_at_the_size_limit_says_so(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """An answer that does not announce its size is cut where it passes DOWNLOAD_MAXSIZE, and
    Scrapy's error for it has no message: the reason read "DownloadCancelledError from host: "."""
    server.faults.unsized = True
    result = await crawl(args={"date": DAY}, settings={"DOWNLOAD_MAXSIZE": 64 * 1024, "RETRY_TIMES": 0})
    host = server.url.split("//")[1]
    assert result.record.problems() == [
        f"Hugging Face failed for {DAY}: DownloadCancelledError from {host}: the answer was cut off:"
        " larger than DOWNLOAD_MAXSIZE (65,536 bytes)"
    ]
    assert server.count()["hf_page"] == 1


def test_an_answer_that_is_no_text_is_named_by_the_start_of_its_type() -> None:
    """Twisted takes header lines of up to 16 kB: a reason holds only their start."""
    url = f"https://huggingface.co/papers/date/{DAY}"
    answer = Response(url, headers={"Content-Type": "image/" + "x" * 16_000})
    with pytest.raises(PayloadError) as raised:
        text_of(answer, PayloadError)
    assert str(raised.value).startswith(f"{url} answered with no text (b'image/xxx")
    assert len(str(raised.value)) < len(url) + 100


@deferred_f_from_coro_f
async def test_an_arxiv_answer_cut_at_the_size_limit_says_so(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.unsized, server.faults.arxiv_api_padding = True, 3 * 1024 * 1024
    result = await crawl(args={"date": DAY}, settings={"DOWNLOAD_MAXSIZE": 1024 * 1024, "RETRY_TIMES": 0})
    assert result.record.ok, result.log[-3000:]
    host = server.url.split("//")[1]
    assert (
        f"arXiv API failed for 13 ids (DownloadCancelledError from {host}: the answer was cut off:"
        " larger than DOWNLOAD_MAXSIZE (1,048,576 bytes)); keeping Hugging Face's data" in result.log
    )


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_run_deadline_keeps_what_finished(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """A day still being read at the deadline is written once its page is in (the close waits
    for it), with Hugging Face's data: no request goes out after the deadline's wind-down."""
    server.faults.slow_paths = {"/papers/date/2026-02-18": 3.0}
    # Batches of exactly the first day's ids: it need not wait for the slow day's listing.
    first_day = len({e["paper"]["id"] for e in server.days["2026-02-17"]})
    result = await crawl(
        args={"start": "2026-02-17", "end": DAY},
        settings={"CLOSESPIDER_TIMEOUT": 1.5, "ARXIV_BATCH_SIZE": first_day},
    )
    record = result.record
    assert record.finish_reason == "closespider_timeout" and not record.ok
    assert [(o.key, o.status) for o in record.lists] == [("2026-02-17", "written"), (DAY, "written")]
    assert {p["abstract_source"] for p in result.data("2026-02-17")["papers"]} == {"arxiv_api"}
    assert {p["abstract_source"] for p in result.data(DAY)["papers"]} == {"huggingface"}
    assert server.count()["arxiv_api"] == 1


@deferred_f_from_coro_f
async def test_no_robots_txt_is_no_error(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.robots_broken = True
    result = await crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert result.record.ok, result.log[-3000:]
    [warning] = [
        line
        for line in result.log.splitlines()
        if line.startswith("WARNING  scrapy.downloadermiddlewares.robotstxt")
    ]
    # It names robots.txt, the file that could not be read, not the page that asked for it.
    assert f"Cannot read {server.url}/robots.txt (" in warning and "/papers/date/" not in warning
    assert "log_count/ERROR" not in result.stats
    assert result.post(DAY).exists()


@deferred_f_from_coro_f
async def test_a_redirect_to_another_host_is_refused(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    before = seed_existing(site)
    server.faults.redirect_paths = {"/papers/date/": "http://127.0.0.2:9/internal"}
    result = await crawl(args={"date": DAY})
    [problem] = result.record.problems()
    host = server.url.removeprefix("http://")
    refused = f"IgnoreRequest from {host}: refused a redirect from {host} to 127.0.0.2:9"
    assert problem == f"Hugging Face failed for 2026-02-18: {refused}"
    assert digests(site) == before


@deferred_f_from_coro_f
async def test_an_arxiv_redirect_elsewhere_keeps_hugging_faces_data(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.redirect_paths = {"/api/query": "http://127.0.0.2:9/feed"}
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    host = server.url.split("//")[1]
    assert (
        f"arXiv API failed for 13 ids (IgnoreRequest from {host}: refused a redirect from {host} to"
        " 127.0.0.2:9); keeping Hugging Face's data" in result.log
    )
    assert {p["abstract_source"] for p in result.data(DAY)["papers"]} == {"huggingface"}


@deferred_f_from_coro_f
async def test_a_redirect_on_the_same_host_is_followed(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.redirect_paths = {"/papers/date/2026-02-22": "/papers/date/2026-02-20"}  # as on weekends
    result = await crawl(args={"date": "2026-02-22"})
    assert result.record.ok and [o.status for o in result.record.lists] == ["empty"]
    assert "2026-02-22: the page shows 2026-02-20 instead" in result.log


def test_scrapys_own_unresolved_host_error_points_to_the_offline_demo() -> None:
    """Scrapy 2.19 raises CannotResolveHostError, not Twisted's DNSLookupError, for a name
    that does not resolve: both say where to go offline."""
    from scrapy.exceptions import CannotResolveHostError

    from hfpapers.responses import why_failed

    error = CannotResolveHostError("DNS lookup failed: no results for hostname lookup: huggingface.co.")
    assert why_failed(error, "https://huggingface.co/papers/date/2026-02-18") == (
        "CannotResolveHostError from huggingface.co: DNS lookup failed: no results for hostname lookup:"
        " huggingface.co. (offline? ./scripts/demo.sh crawls recorded data without the internet)"
    )
