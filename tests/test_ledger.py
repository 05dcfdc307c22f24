"""The run ledger: each list's outcome as data, a bug of ours as an ERROR with its
traceback that fails its list alone, and a stray ERROR that fails the run once."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.log import get_scrapy_root_handler

from fixture_server import FixtureServer
from hfpapers import arxiv, hf
from hfpapers import settings as project
from hfpapers.items import PaperList
from hfpapers.ledger import RunLedger
from hfpapers.outcome import RunRecord
from hfpapers.periods import from_key

DAYS = {"start": "2026-02-16", "end": "2026-02-18"}


@deferred_f_from_coro_f
async def test_the_record_is_read_from_the_ledger(crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args=DAYS)
    assert result.crawler is not None
    record = RunLedger.of(result.crawler).record
    assert record is not None and record.ok
    assert [(o.key, o.status) for o in record.lists] == [(d, "written") for d in DAYS_LIST]
    assert all(o.period is not None and o.period.key == o.key for o in record.lists)
    assert result.stats["hfpapers/outcome"] == "ok"


DAYS_LIST = ["2026-02-16", "2026-02-17", "2026-02-18"]


@deferred_f_from_coro_f
async def test_a_bug_reading_one_days_page_fails_that_day_with_its_traceback(
    crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    real = hf.paper_from_entry

    def buggy(entry: Any) -> Any:
        paper = real(entry)
        if (entry.get("paper") or {}).get("submittedOnDailyAt", "").startswith("2026-02-17"):
            raise KeyError("authors")  # what a slip in our own parser raises
        return paper

    monkeypatch.setattr(hf, "paper_from_entry", buggy)
    result = await crawl(args=DAYS)
    statuses = {o.key: (o.status, o.reason) for o in result.record.lists}
    assert statuses["2026-02-16"][0] == statuses["2026-02-18"][0] == "written"
    assert statuses["2026-02-17"] == ("failed", "2026-02-17: KeyError: 'authors'")
    assert "Traceback (most recent call last)" in result.log and "in buggy" in result.log
    assert not result.record.ok and result.record.errors == []  # the ERROR is the list's


@deferred_f_from_coro_f
async def test_bad_data_from_hugging_face_is_one_line_without_a_traceback(server, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.page_without_payload = True
    server.faults.api_truncated = True  # the API's JSON cut short
    result = await crawl(args={"date": "2026-02-18"})
    [outcome] = result.record.lists
    assert outcome.status == "failed" and "is not JSON" in outcome.reason
    assert "Traceback" not in result.log


@deferred_f_from_coro_f
async def test_a_bug_reading_arxiv_fails_the_lists_waiting_on_it(
    crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    def buggy(body: str) -> Any:
        raise KeyError("entry")

    monkeypatch.setattr(arxiv, "parse_atom", buggy)
    result = await crawl(args={"date": "2026-02-18"})
    [outcome] = result.record.lists
    assert outcome.status == "failed"
    assert outcome.reason == "2026-02-18: reading arXiv's answer for 13 ids: KeyError: 'entry'"
    assert "Traceback (most recent call last)" in result.log
    assert not list(result.root.rglob("*.md"))


class BreaksOnTheSecondDay:
    """A bug in a pipeline of ours: Scrapy logs it (item_error); the ledger owns it."""

    def process_item(self, item: PaperList) -> PaperList:
        if item.period.key == "2026-02-17":
            raise TypeError("a pipeline's slip")
        return item


@deferred_f_from_coro_f
async def test_a_pipeline_error_fails_its_list_alone(crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(
        args=DAYS, settings={"ITEM_PIPELINES": {"tests.test_ledger.BreaksOnTheSecondDay": 50}}
    )
    statuses = {o.key: (o.status, o.reason) for o in result.record.lists}
    assert statuses["2026-02-17"] == ("failed", "TypeError: a pipeline's slip")
    assert statuses["2026-02-16"][0] == statuses["2026-02-18"][0] == "written"
    assert result.record.errors == []
    assert result.stats["log_count/ERROR"] == 1


@deferred_f_from_coro_f
async def test_one_stray_error_fails_the_run_once_and_writes_nothing(crawl, site) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args=DAYS, settings={"ITEM_PIPELINES": {"tests.test_faults.LogsAnError": 50}})
    # LogsAnError logs one ERROR per list: three lines no list owns, said as one problem.
    assert result.record.errors == ["3 ERRORs in the log that no list caused"]
    assert [p for p in result.record.problems() if p.startswith("error:")] == [
        "error: 3 ERRORs in the log that no list caused"
    ]
    assert {o.reason for o in result.record.lists} == {"not written: the run had errors that no list caused"}
    assert not list(site.rglob("*.md"))


# --- lists that fail after they were read ------------------------------------------------


@deferred_f_from_coro_f
async def test_lists_failing_after_they_were_read_never_stall_a_backfill(
    server, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from hfpapers.spiders.papers import PapersSpider

    real = PapersSpider._finished

    def buggy(self: PapersSpider, item: PaperList) -> Any:
        if item.period.key in ("2026-02-16", "2026-02-17"):
            raise KeyError("a slip after the list was read")
        return real(self, item)

    monkeypatch.setattr(PapersSpider, "_finished", buggy)
    result = await crawl(args={"start": "2026-02-13", "end": "2026-02-20"})
    statuses = {o.key: o.status for o in result.record.lists}
    assert server.count()["hf_page"] == 8  # every day asked for, once
    assert [k for k, s in statuses.items() if s == "failed"] == ["2026-02-16", "2026-02-17"]
    assert {statuses[d] for d in ("2026-02-13", "2026-02-18", "2026-02-19", "2026-02-20")} == {"written"}


@deferred_f_from_coro_f
async def test_a_bug_after_arxiv_answered_fails_the_lists_waiting_on_it(
    crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from hfpapers.assembler import ListAssembler

    real = ListAssembler.resolved

    def buggy(self: ListAssembler, ids: Any, records: Any = None, source: str = "") -> Any:
        if source == "arxiv_api":
            raise RuntimeError("a slip while enriching")
        return real(self, ids, records, source)

    monkeypatch.setattr(ListAssembler, "resolved", buggy)
    result = await crawl(args={"date": "2026-02-18"})
    [outcome] = result.record.lists
    assert outcome.status == "failed" and "RuntimeError: a slip while enriching" in outcome.reason
    assert result.record.errors == [] and "Traceback (most recent call last)" in result.log


@deferred_f_from_coro_f
async def test_a_bug_reading_a_summary_fails_its_list_and_the_queue_goes_on(
    server, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from hfpapers.summaries import Summarizer
    from tests.test_summaries import summary_settings

    real = Summarizer.parse

    def buggy(self: Summarizer, response: Any, paper: Any) -> Any:
        if paper.arxiv_id == "2602.15763":
            raise KeyError("choices")
        return real(self, response, paper)

    monkeypatch.setattr(Summarizer, "parse", buggy)
    result = await crawl(args={"start": "2026-02-17", "end": "2026-02-18"}, settings=summary_settings(server))
    statuses = {o.key: (o.status, o.reason) for o in result.record.lists}
    assert (
        statuses["2026-02-18"][0] == "failed"
        and "reading the summary of 2602.15763: KeyError" in (statuses["2026-02-18"][1])
    )
    assert statuses["2026-02-17"] == ("written", "")  # asked for after the slip: the queue went on


@deferred_f_from_coro_f
async def test_a_handler_failing_at_the_end_fails_the_run(
    server, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Scrapy stops counting ERRORs when the spider closes: the ledger reads the handlers' answers."""
    from hfpapers.summaries import Summarizer
    from tests.test_summaries import summary_settings

    def broken(self: Summarizer) -> Any:
        raise RuntimeError("the cache could not be saved")

    monkeypatch.setattr(Summarizer, "save", broken)
    result = await crawl(args={"date": "2026-02-18"}, settings=summary_settings(server))
    assert not result.record.ok and result.stats["hfpapers/outcome"] == "failed"
    assert result.record.errors == [
        "KoreanSummaryPipeline.save_cache failed: RuntimeError: the cache could not be saved"
    ]
    assert [o.status for o in result.record.lists] == ["written"]  # its files are in place


@deferred_f_from_coro_f
async def test_the_progress_line_counts_every_page_of_a_list(server, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.page_without_payload = True
    result = await crawl(args={"start": "2026-02-13", "end": "2026-02-16"}, settings={"HF_API_PAGE_SIZE": 5})
    assert result.record.ok, result.log[-3000:]
    assert re.search(r"list \d/4: 2026-02-13, 31 papers", result.log)  # every API page counted


# --- the end of the run: each step answers with what it did ----------------------------------


def test_the_writer_answers_what_became_of_each_list(site: Path) -> None:
    """No signal back to the ledger: the files installed, or why not, come back as values."""
    from scrapy.crawler import Crawler

    from hfpapers.signals import list_failed
    from hfpapers.spiders.daily import DailySpider
    from hfpapers.writer import ListFiles, ListWriter
    from tests.conftest import Site, project_settings
    from tests.test_post_pages import ranked

    crawler = Crawler(DailySpider, project_settings(SITE_DIR=str(site)))
    writer = ListWriter(crawler)
    sent: list[Any] = []
    crawler.signals.connect(lambda **kwargs: sent.append(kwargs), signal=list_failed, weak=False)
    first, second = (from_key("daily", day) for day in ("2026-02-16", "2026-02-17"))
    for period in (first, second):
        writer.item_scraped(PaperList(period=period, papers=ranked(5, 3, 1), total_papers=3))
    # While the run went on, the owner wrote a post of their own at the second list's name.
    mine = Site(site).post(second.key)
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text("---\ntitle: my own notes\n---\nmine\n", encoding="utf-8")

    results = writer.write_lists([first, second])
    files = [Site(site).post(first.key), Site(site).data_file(first.key)]
    assert results[first] == ListFiles(
        files=[str(f) for f in files],
        written={str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files},
        before={str(f): None for f in files},  # nothing there before
    )
    assert results[second] == ListFiles(
        error=f"{mine} is not a papers post; left alone, and this list not written"
    )
    assert mine.read_text(encoding="utf-8") == "---\ntitle: my own notes\n---\nmine\n"
    assert sent == []
    assert not [p for p in site.rglob(".*") if p.is_file()]  # no temporary file left


@deferred_f_from_coro_f
async def test_the_record_logged_is_the_one_read_back(crawl, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    """The backfill reads a job's record from its log, by the run report's logger name."""
    from hfpapers.outcome import RECORD_PREFIX, RunRecord

    result = await crawl(args={"date": "2026-02-18"})
    [logged] = [r for r in caplog.records if r.getMessage().startswith(RECORD_PREFIX)]
    # Scrapy's LOG_FORMAT: "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    line = f"2026-02-18 00:15:01 [{logged.name}] {logged.levelname}: {logged.getMessage()}"
    assert RunRecord.from_log(f"{line}\n") == result.record


class LogsRawTitles:
    """A component that logs text from the web as it came: the first title of a day's page.

    Its lines go to the crawl's own log handler only: pytest's captured logs, sent between
    processes as UTF-8, cannot hold a lone surrogate either."""

    def __init__(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        self.logger = logging.getLogger("tests.raw")
        self.logger.propagate = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LogsRawTitles:
        return cls(crawler)

    def response_received(self, response: Response) -> None:
        if "/papers/date/" in response.url:
            handler = get_scrapy_root_handler()
            assert handler is not None
            self.logger.handlers = [handler]
            payload = hf.extract_payload(response.text)
            assert payload is not None
            self.logger.warning("first title: %s", payload["dailyPapers"][0]["paper"]["title"])
            self.logger.handlers = []


@pytest.fixture
def scrapy_log_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A root handler as `scrapy crawl` installs one (the crawl puts its own LOG_FILE in)."""
    import scrapy.utils.log

    monkeypatch.setattr(scrapy.utils.log, "_scrapy_root_handler", None)
    root = logging.getLogger()
    level = root.level
    scrapy.utils.log.install_scrapy_root_handler(Settings({"LOG_FILE": str(tmp_path / "started.log")}))
    try:
        yield tmp_path / "job.log"
    finally:
        handler = get_scrapy_root_handler()
        if handler is not None:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


@deferred_f_from_coro_f
async def test_a_log_file_loses_no_line_to_text_it_cannot_encode(  # type: ignore[no-untyped-def]
    crawl, server: FixtureServer, scrapy_log_file: Path
) -> None:
    """JSON's "\\ud800" is a lone surrogate, which a UTF-8 log file cannot hold: logging dropped
    the line, whoever logged it (with a traceback on stderr)."""
    title = server.edit_day("2026-02-18")[0]["paper"]["title"]
    server.edit_day("2026-02-18")[0]["paper"]["title"] = "\ud800" + title
    extensions = {**project.EXTENSIONS, "tests.test_ledger.LogsRawTitles": 0}
    result = await crawl(
        args={"date": "2026-02-18"}, settings={"LOG_FILE": str(scrapy_log_file), "EXTENSIONS": extensions}
    )
    assert result.record.ok
    log = scrapy_log_file.read_text(encoding="utf-8")
    assert f"[tests.raw] WARNING: first title: \\ud800{title}\n" in log
    assert RunRecord.from_log(log) == result.record
