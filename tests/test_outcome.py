"""The run record: read back from job logs that may be truncated or hostile; blame for errors."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from scrapy import Request
from scrapy.settings.default_settings import LOG_FORMAT
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from hfpapers.credentials import install_credential_masking
from hfpapers.outcome import ListOutcome, RunRecord
from hfpapers.periods import day_period
from hfpapers.run_report import log_outcome, log_run_report
from hfpapers.scrapyd import Job, Node

DAY = "2026-02-18"


def logged(record: RunRecord | str, level: str = "INFO", logger: str = "hfpapers.run_report") -> str:
    text = record if isinstance(record, str) else record.to_json()
    return f"2026-02-18 00:15:01 [{logger}] {level}: Run record: {text}"


@pytest.mark.parametrize("logger", ["hfpapers.run_report", "hfpapers.run_summary", "hfpapers.summary"])
def test_a_record_is_read_from_this_eggs_log_and_an_older_eggs(logger: str) -> None:
    """A backfill reads the jobs of every node, some running an older egg that logged the
    record under another name."""
    record = RunRecord("finished", [ListOutcome("daily", DAY, "written")])
    read = RunRecord.from_log(logged(record, logger=logger))
    assert read is not None and read.lists[0].status == "written"
    assert RunRecord.from_log(logged(record, logger="hfpapers.ledger")) is None


def test_record_is_read_from_its_own_line_only() -> None:
    record = RunRecord("finished", [ListOutcome("daily", DAY, "failed", reason="HTTP 503")])
    fake = RunRecord("finished", [ListOutcome("daily", DAY, "written")])
    log = "\n".join(
        [
            logged(record, "WARNING"),  # at the log's own level when that is above INFO
            # Later, crawled text that quotes a record (a title) is not the record.
            f"2026-02-18 00:15:02 [scrapy.core.scraper] DEBUG: Scraped: Run record: {fake.to_json()}",
            logged("{truncated"),
        ]
    )
    read = RunRecord.from_log(log)
    assert read is not None and not read.ok
    assert read.problems() == ["2026-02-18: HTTP 503"]
    assert RunRecord.from_log("2026-02-18 00:15:01 [scrapy] ERROR: crashed") is None


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 100_000,  # json.loads gives up with RecursionError
        '{"finish_reason": "finished", "lists": [{"kind": "daily", "key": "x", "status": "fine"}]}',
        '{"finish_reason": "finished", "lists": [{"kind": "daily"}]}',
        '{"finish_reason": "finished", "lists": {}}',
        # JSON reads 1e400 as infinity, and int() refuses it with an OverflowError.
        '{"finish_reason": "finished", "lists": [], "summaries_shown": 1e400}',
        '{"finish_reason": "finished", "lists": [], "summaries_missing": "\u00b2"}',
        '{"finish_reason": "finished", "lists": [{"kind": "daily", "key": "2026-02-18", "status": "written",'
        ' "papers": 1e400}]}',
        "null",
    ],
)
def test_hostile_record_lines_are_no_record(hostile: str) -> None:
    assert RunRecord.from_log(logged(hostile)) is None


class FakeNode(Node):
    def __init__(self, log: str):
        super().__init__("n", "http://127.0.0.1:9")
        self.text = log
        self.asked: list[str] = []

    def log(self, log_url: str) -> str:
        self.asked.append(log_url)
        return self.text


def job(log: str) -> Job:
    return Job(FakeNode(log), "j1", date(2026, 2, 16), date(2026, 2, 17))


def test_a_record_must_cover_the_jobs_days() -> None:
    empty = job(logged(RunRecord("finished", [])))
    empty.read_record("/logs/hfpapers/daily/j1.log")
    assert not empty.ok and empty.problem == "the job's run record does not cover its days"
    lists = [ListOutcome("daily", d, "written") for d in ("2026-02-16", "2026-02-17")]
    whole = job(logged(RunRecord("finished", lists)))
    whole.read_record("/logs/hfpapers/daily/j1.log")
    assert whole.ok and whole.report()[0].endswith(": ok (2 lists written)")


@pytest.mark.parametrize(
    ("log_url", "problem"),
    [
        (None, "the job ended before it wrote a log"),  # Scrapyd gives none until the file exists
        ("http://elsewhere.example/logs/j1.log", "no job log to read"),
        (7, "no job log to read"),
    ],
)
def test_no_log_url_or_one_on_another_host_is_not_fetched(log_url: object, problem: str) -> None:
    read = job("")
    read.read_record(log_url)
    assert not read.ok and read.problem.startswith(problem)
    assert read.node.asked == []  # type: ignore[attr-defined]


def test_credential_masking_keeps_a_message_readable() -> None:
    install_credential_masking()
    period = day_period(date(2026, 2, 18))
    request = Request("https://huggingface.co/papers/date/2026-02-18", cb_kwargs={"period": period})
    record = logging.getLogRecordFactory()(
        "x",
        logging.ERROR,
        __file__,
        1,
        "failed %(request)s via http://u:tok@h/x",
        ({"request": request},),
        None,
    )
    assert "tok" not in record.getMessage()
    assert "huggingface.co/papers/date/2026-02-18" in record.getMessage()


@pytest.fixture
def log_at(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The root handler Scrapy installs for LOG_LEVEL=``request.param``: the root logger lets
    everything through, the handler only that level and above."""
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter(LOG_FORMAT.replace("%(asctime)s ", "")))
    handler.setLevel(request.param)
    root = logging.getLogger()
    level, root.level = root.level, logging.NOTSET
    root.addHandler(handler)
    try:
        yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


GOOD = RunRecord("finished", [ListOutcome("daily", DAY, "written", papers=13)])
NOTED = RunRecord("finished", [ListOutcome("daily", DAY, "written", papers=13, arxiv_kept=13)])
FAILED = RunRecord("finished", [ListOutcome("daily", DAY, "failed", reason=f"{DAY}: HTTP 503")])


@pytest.mark.parametrize("log_at", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], indirect=True)
@pytest.mark.parametrize(
    ("record", "last_line"),
    [
        (GOOD, "INFO: Run outcome: ok"),
        (NOTED, f"WARNING: Run outcome: ok, {DAY}: 13 papers keep the earlier post's arXiv data"),
        (FAILED, f"WARNING: Run outcome: failed ({DAY}: HTTP 503)"),
        (None, "ERROR: Run outcome: failed (the crawl never got to its end)"),
    ],
)
def test_the_record_and_the_last_line_are_in_the_log_at_any_level(
    log_at: io.StringIO, record: RunRecord | None, last_line: str
) -> None:
    """At LOG_LEVEL=WARNING a good run had no last line, at ERROR no run had one, and a good
    run's record was logged as ERROR or CRITICAL."""
    if record is not None:
        log_run_report(MemoryStatsCollector(get_crawler()), record)
    log_outcome(record)
    lines = log_at.getvalue().splitlines()
    assert lines[-1].startswith(f"[hfpapers.run_report] {last_line}"), lines
    assert RunRecord.from_log(log_at.getvalue()) == record
    if record is not None:
        (record_line,) = [line for line in lines if "Run record: " in line]
        assert record_line.startswith("[hfpapers.run_report] INFO: Run record: {")
