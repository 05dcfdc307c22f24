"""Faults from the sites and from the user: survived, or reported loudly, never a worse post."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, CrawlResult, source_settings
from tests.fixture_server import FixtureServer

DAY = "2026-02-18"
GOLDEN = Path(__file__).parent / "golden" / f"{DAY}-daily-papers.md"
FAST_RETRY = {"RETRY_BACKOFF_BASE": "0.05"}


def seed_existing(site: Path) -> dict[Path, str]:
    """A good post and data file from an earlier run; returns their digests."""
    posts, data = site / "_posts", site / "_data" / "papers"
    posts.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    (posts / f"{DAY}-daily-papers.md").write_text(
        "---\ntitle: earlier good post\n---\nkeep me\n", encoding="utf-8"
    )
    (data / f"daily-{DAY}.json").write_text(json.dumps({"date": DAY, "papers": []}) + "\n", encoding="utf-8")
    return digests(site)


def digests(site: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.rglob("*")) if p.is_file()}


def assert_untouched(site: Path, before: dict[Path, str]) -> None:
    assert digests(site) == before  # same files, same bytes, and no temporary file left


def test_503_twice_then_success_writes_the_same_post(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.hf_fail_times = 2
    result: CrawlResult = crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.post(DAY).read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
    assert "'retry/count': 2" in result.stderr
    assert server.count()["hf_page"] == 3


def test_429_waits_for_retry_after(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.hf_fail_times = 1
    server.faults.hf_fail_status = 429
    server.faults.retry_after = "1"
    result = crawl(args={"date": DAY})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "waiting 1.0 s before retrying" in result.stderr
    assert server.count()["hf_page"] == 2


def test_timeout_is_retried(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.hf_slow_times = 1
    server.faults.hf_slow_seconds = 3
    result = crawl(args={"date": DAY}, settings={"DOWNLOAD_TIMEOUT": "1", **FAST_RETRY})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.post(DAY).read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
    assert "TimeoutError" in result.stderr or "timed out" in result.stderr


def test_page_without_payload_uses_the_api(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.page_without_payload = True
    result = crawl(args={"date": DAY})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no DailyPapers payload" in result.stderr and "using the API" in result.stderr
    assert server.count() == {"robots": 1, "hf_page": 1, "hf_api": 1, "arxiv_api": 1}
    assert result.post(DAY).read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


def test_hugging_face_down_keeps_existing_post(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    before = seed_existing(site)
    server.faults.hf_status = 503
    result = crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert result.returncode == 1
    assert "Hugging Face failed for 2026-02-18" in result.stderr
    assert_untouched(site, before)


def test_truncated_api_json_fails_loudly(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    before = seed_existing(site)
    server.faults.page_without_payload = True
    server.faults.api_truncated = True
    result = crawl(args={"date": DAY})
    assert result.returncode == 1
    assert "daily_papers API answer is not JSON" in result.stderr
    assert_untouched(site, before)


def test_arxiv_down_posts_from_hugging_face(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_status = 503
    result = crawl(args={"date": DAY}, settings=FAST_RETRY)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "arXiv API failed for 13 ids" in result.stderr
    papers = result.data(DAY)["papers"]
    assert len(papers) == 13
    assert {p["abstract_source"] for p in papers} == {"huggingface"}
    assert server.count()["arxiv_api"] == 4  # first try and RETRY_TIMES=3 retries


def test_arxiv_error_feed_posts_from_hugging_face(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_error_feed = True
    result = crawl(args={"date": DAY})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "arXiv API refused 13 ids (incorrect id format for abc)" in result.stderr
    assert {p["abstract_source"] for p in result.data(DAY)["papers"]} == {"huggingface"}


def test_empty_day_writes_nothing(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    result = crawl(args={"date": "2026-02-22"})
    assert result.returncode == 0
    assert "no papers for 2026-02-22" in result.stderr
    assert not any(site.iterdir())


def test_fewer_papers_keep_the_existing_post_unless_forced(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    assert crawl(args={"date": DAY}).returncode == 0
    before = digests(site)
    smaller = crawl(args={"date": DAY, "top": "5"})
    assert smaller.returncode == 0
    assert "keeping the existing post: it lists 13 papers, this run found 5" in smaller.stderr
    assert digests(site) == before
    forced = crawl(args={"date": DAY, "top": "5", "force": "1"})
    assert forced.returncode == 0
    assert forced.data(DAY)["total_papers"] == 5


def test_invalid_item_is_reported_and_fails(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    server.days["2026-02-18"][0]["paper"]["upvotes"] = -3
    try:
        result = crawl(args={"date": DAY})
    finally:
        server.days["2026-02-18"][0]["paper"]["upvotes"] = 15
    assert result.returncode == 1
    expected = "2026-02-18: invalid papers/12/upvotes = -3: upvotes must be bigger than or equal to 0"
    assert expected in result.stderr
    assert not any(site.iterdir())


def test_sigint_mid_crawl_leaves_existing_post(server: FixtureServer, site: Path) -> None:
    before = seed_existing(site)
    server.faults.slow_paths = {"/api/query": 4.0}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={DAY}"]
    for name, value in {**source_settings(server), "SITE_DIR": str(site)}.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while server.count()["arxiv_api"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.count()["arxiv_api"] == 1, "the crawl never reached arXiv"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr[-3000:]
    assert "shutdown" in stderr
    assert_untouched(site, before)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"date": "2023-01-01"}, "error: date: 2023-01-01 is before the first Daily Papers day (2023-05-04)"),
        ({"start": "2026-02-20", "end": "2026-02-13"}, "error: start: 2026-02-20 is after end 2026-02-13"),
        ({"start": "2026-02-13"}, "error: start/end: a backfill needs both start and end"),
        ({"date": DAY, "top": "0"}, "error: top: '0' is not a positive whole number"),
        ({"date": DAY, "force": "maybe"}, "error: force: 'maybe' is not a yes/no value (use 1 or 0)"),
    ],
)
def test_bad_arguments(server: FixtureServer, crawl, args: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = crawl(args=args)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert server.count() == {}


def test_site_dir_that_is_not_writable(server: FixtureServer, crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope"
    result = crawl(args={"date": DAY}, settings={"SITE_DIR": str(missing)})
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: SITE_DIR: {missing} is not a directory"
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "_posts").write_text("a file where the folder should be")
    result = crawl(args={"date": DAY}, settings={"SITE_DIR": str(blocked)})
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: SITE_DIR: {blocked / '_posts'} is not a writable directory"
    assert server.count() == {}
    assert os.listdir(blocked) == ["_posts"]
