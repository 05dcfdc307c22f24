"""Korean summaries as an item pipeline: what it asks, how it ends, and the cache it keeps.

In-process crawls against the fixture server's stand-in model; subprocesses only
for signals, exit statuses and the last line.
"""

from __future__ import annotations

import asyncio
import fcntl
import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers import assembler
from hfpapers.outcome import KEPT, WRITTEN
from hfpapers.spiders import papers
from hfpapers.summary_pipeline import KoreanSummaryPipeline
from tests.conftest import ROOT, linked_during_the_run, source_settings
from tests.test_summaries import DAY, summaries_in, summary_settings


def cache_of(site: Path) -> Path:
    return site / "_data" / "papers" / "summaries-ko.json"


def temporary_files(site: Path) -> list[Path]:
    return [p for p in site.rglob(".*") if p.is_file()]


async def wait_in_reactor(condition: object, seconds: float) -> bool:
    """`wait_for` for in-process crawls: the reactor goes on while it waits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


# --- what is asked, and by whom -------------------------------------------------------------


@deferred_f_from_coro_f
async def test_the_pipeline_asks_through_the_engine_not_the_spider(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": DAY}, settings=summary_settings(server, SUMMARY_DELAY=0.01))
    assert result.record.ok, result.log[-3000:]
    assert server.count()["summary"] == 13
    assert len(summaries_in(result.post(DAY).read_text(encoding="utf-8"))) == 13
    assert result.crawler is not None
    # Its own download slot, SUMMARY_DELAY apart, set up by the SummarySlot add-on.
    slots = result.crawler.settings.getdict("DOWNLOAD_SLOTS")
    assert slots["summary"] == {"concurrency": 2, "delay": 0.01, "jitter": 0}
    # The day's page and one arXiv batch went through the scheduler; no summary request did.
    assert result.stats["scheduler/enqueued"] == 2
    assert result.crawler.get_item_pipeline(KoreanSummaryPipeline) is not None


@deferred_f_from_coro_f
async def test_a_list_kept_back_costs_no_summary(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    assert (await crawl(args={"date": DAY})).record.ok  # a post of 13, without summaries
    del server.edit_day(DAY)[5:]  # Hugging Face answers with a partial list
    kept = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert [o.status for o in kept.record.lists] == [KEPT]
    assert "summary" not in server.count()
    assert kept.record.summaries_shown == 0


def test_the_spider_and_the_assembler_know_nothing_of_summaries() -> None:
    for module in (papers, assembler):
        assert "summar" not in inspect.getsource(module).lower(), module.__name__
    assert len(inspect.getsource(papers).splitlines()) <= 300


# --- the end: a stop or the deadline waits on no summary request ------------------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_at_the_deadline_a_hanging_endpoint_holds_nothing_back(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_hang = True
    started = time.monotonic()
    result = await crawl(
        args={"date": DAY}, settings=summary_settings(server, CLOSESPIDER_TIMEOUT=3, SUMMARY_TIMEOUT=60)
    )
    took = time.monotonic() - started
    [outcome] = result.record.lists
    assert outcome.status == WRITTEN, result.log[-3000:]
    assert "요약:" not in result.post(DAY).read_text(encoding="utf-8")
    assert took < 10, took  # at the deadline (2.7 s), not after SUMMARY_TIMEOUT (60 s)
    assert result.record.without_summaries() == (
        "without Korean summaries for 13 of 13 papers: CLOSESPIDER_TIMEOUT is near"
    )
    # SUMMARY_CONCURRENCY (2) asked; their connections are closed at the deadline, not left open.
    assert server.count()["summary"] == 2
    assert await wait_in_reactor(lambda: server.summary_hung_up == 2, 10), server.summary_hung_up


def hanging_crawl(server: FixtureServer, site: Path, **settings: str) -> subprocess.Popen[str]:
    server.faults.summary_hang = True
    merged = {**source_settings(server), "SITE_DIR": str(site), **summary_settings(server), **settings}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={DAY}"]
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_stop_writes_the_whole_list_at_once_and_a_second_signal_loses_nothing(
    server: FixtureServer, site: Path
) -> None:
    post = site / "_posts" / f"{DAY}-daily-papers.md"
    proc = hanging_crawl(server, site, SUMMARY_TIMEOUT="60")
    try:
        assert wait_for(lambda: server.count()["summary"] == 2, 30), "the crawl never reached the model"
        proc.send_signal(signal.SIGTERM)
        # Installed at once: no summary request holds the close (it would until SUMMARY_TIMEOUT).
        assert wait_for(post.exists, 5), "the post was not written within 5 s of the stop"
        proc.send_signal(signal.SIGTERM)  # what systemd sends again when a stop takes too long
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 1, f"exit status {proc.returncode}: {stderr[-3000:]}"
    assert stderr.rstrip().splitlines()[-1].endswith("Run outcome: failed (finish reason shutdown)")
    assert "the run was stopped: 13 Korean summaries still out are left out of the posts" in stderr
    assert len(json.loads((site / "_data" / "papers" / f"daily-{DAY}.json").read_text())["papers"]) == 13
    assert "요약:" not in post.read_text(encoding="utf-8")
    assert temporary_files(site) == []
    assert server.summary_hung_up == 2  # the process let go of both connections


@pytest.mark.slow
def test_closespider_timeout_with_a_hanging_endpoint_ends_in_seconds_with_the_post(
    server: FixtureServer, site: Path
) -> None:
    proc = hanging_crawl(server, site, CLOSESPIDER_TIMEOUT="8")
    started = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert time.monotonic() - started < 20
    assert proc.returncode == 0, stderr[-3000:]
    assert (
        stderr.rstrip()
        .splitlines()[-1]
        .endswith(
            "WARNING: Run outcome: ok, without Korean summaries for 13 of 13 papers:"
            " CLOSESPIDER_TIMEOUT is near"
        )
    )
    assert (site / "_posts" / f"{DAY}-daily-papers.md").exists()


@pytest.mark.slow
def test_summaries_that_cannot_work_say_so_on_the_last_line(server: FixtureServer, site: Path) -> None:
    with socket.socket() as closed:  # the README's Ollama line, and no Ollama running
        closed.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{closed.getsockname()[1]}"
    settings = {
        **source_settings(server),
        "SITE_DIR": str(site),
        "SUMMARY_API_URL": f"http://{host}/v1",
        "SUMMARY_MODEL": "qwen2.5:7b",
        "RETRY_BACKOFF_BASE": "0.01",
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={DAY}"]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stderr.rstrip().splitlines()[-1]
    assert last.endswith(
        "WARNING: Run outcome: ok, without Korean summaries for 13 of 13 papers:"
        f" connection refused by {host}"
    ), last
    assert (site / "_posts" / f"{DAY}-daily-papers.md").exists()


@deferred_f_from_coro_f
async def test_a_dead_endpoint_costs_three_warnings_and_is_named_once(crawl) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{closed.getsockname()[1]}"
    settings = {"SUMMARY_API_URL": f"http://{host}/v1", "SUMMARY_MODEL": "m", "SUMMARY_CONCURRENCY": 1}
    result = await crawl(args={"date": DAY}, settings={**settings, "SUMMARY_RETRY_TIMES": 0})
    assert result.record.ok, result.log[-3000:]
    warned = [
        line
        for line in result.log.splitlines()
        if line.startswith("WARNING") and "no Korean summary (" in line
    ]
    assert len(warned) == 3  # SUMMARY_MAX_FAILURES; the other ten are not asked, said at INFO
    assert all(line.endswith(f"no Korean summary (connection refused by {host})") for line in warned)
    assert result.log.count("no Korean summary asked: the endpoint kept failing") == 10
    assert result.record.without_summaries() == (
        f"without Korean summaries for 13 of 13 papers: connection refused by {host}"
    )


# --- the cache --------------------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_a_cache_holding_a_lone_surrogate_is_set_aside_once(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    poisoned = '{"2602.00001|m|0": {"model": "m", "summary": "\\ud800 요약"}}\n'  # valid JSON, no UTF-8
    cache_of(site).parent.mkdir(parents=True)
    cache_of(site).write_text(poisoned, encoding="utf-8")
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    [aside] = cache_of(site).parent.glob("summaries-ko.json.bad-*")
    assert aside.read_text(encoding="utf-8") == poisoned
    assert "surrogates not allowed" in result.log and "kept aside as" in result.log
    assert "Traceback" not in result.log
    assert len(json.loads(cache_of(site).read_bytes().decode("utf-8"))) == 13
    assert temporary_files(site) == []
    server.clear_counts()
    again = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert again.record.ok and "summary" not in server.count()  # the answers were kept


@deferred_f_from_coro_f
async def test_a_cache_save_that_waits_past_publish_timeout_fails_the_run(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = cache_of(site).parent
    folder.mkdir(parents=True)
    lock = os.open(folder, os.O_RDONLY)  # another run, saving its cache the whole time
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = await crawl(args={"date": DAY}, settings=summary_settings(server, PUBLISH_TIMEOUT=0.5))
    finally:
        os.close(lock)
    assert not result.record.ok and result.stats["hfpapers/outcome"] == "failed"
    assert result.record.errors == [
        f"cannot save {cache_of(site)}:"
        " another run held the summaries cache's lock for 0.5 s (PUBLISH_TIMEOUT)"
    ]
    assert [o.status for o in result.record.lists] == [WRITTEN]  # the post stays written
    assert result.record.shared_files == [] and not cache_of(site).exists()
    assert temporary_files(site) == []


@deferred_f_from_coro_f
async def test_a_cache_that_is_a_symlink_is_neither_read_nor_written_through(
    server: FixtureServer, crawl, site: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert (await crawl(args={"date": DAY}, settings=summary_settings(server))).record.ok
    outside = tmp_path / "outside.json"  # a file outside the site, with answers for every paper
    cache_of(site).rename(outside)
    before = outside.read_bytes()
    cache_of(site).symlink_to(outside)
    server.clear_counts()
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    assert server.count()["summary"] == 13  # nothing was read through the link
    [aside] = cache_of(site).parent.glob("summaries-ko.json.bad-*")
    assert aside.is_symlink() and aside.resolve() == outside
    assert f"a symbolic link to {outside}" in result.log
    assert outside.read_bytes() == before  # nothing was written through it either
    assert not cache_of(site).is_symlink() and len(json.loads(cache_of(site).read_text())) == 13
    assert result.record.shared_files == [str(cache_of(site))]


@deferred_f_from_coro_f
async def test_a_cache_folder_that_links_out_of_the_site_is_neither_read_nor_written(
    server: FixtureServer, crawl, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Linked while the run is on (the site check refuses a link there before it)."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "summaries-ko.json").write_text('{"someone": {"summary": "남의 것입니다"}}', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in outside.iterdir()}
    links = linked_during_the_run(monkeypatch, {"_data/papers": outside})
    result = await crawl(args={"date": DAY}, settings={**summary_settings(server), **links})
    assert server.count()["summary"] == 13  # nothing read through the link
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before  # nor written or moved
    assert [e for e in result.record.errors if e.startswith(f"cannot save {cache_of(site)}: ")], result.record
    assert not result.record.ok
