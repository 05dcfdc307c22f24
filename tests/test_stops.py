"""A stop (Ctrl-C, SIGTERM, Scrapyd's cancel) or the run's deadline loses no list whose Hugging
Face data is in, and waits for no more than one arXiv page; abstract pages are a bounded
fallback, never one per paper.

Real crawls in this process against the fixture server. A stop is the crawler's own graceful
stop, as Scrapy's signal handler calls it, at a given response.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_f_from_coro_f, deferred_from_coro

from fixture_server import FixtureServer
from hfpapers import settings as project
from hfpapers.middlewares import retry_after_seconds

DAY = "2026-02-18"
WEEK = [f"2026-02-{d}" for d in range(16, 24)]  # Monday to the next Monday: a weekend in it


class StopAt:
    """An extension that stops the crawl, as Ctrl-C does, once ``count`` responses whose path
    starts with ``path`` have come in (``headers``: once their headers have, before any
    middleware sees them)."""

    path: ClassVar[str] = ""
    count: ClassVar[int] = 1
    headers: ClassVar[bool] = False
    delay: ClassVar[float] = 0.0  # seconds between that response and the stop

    def __init__(self, crawler: Crawler) -> None:
        self.crawler, self.seen = crawler, 0
        signal = signals.headers_received if self.headers else signals.response_received
        crawler.signals.connect(self.received, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopAt:
        return cls(crawler)

    def received(self, request: Request | None = None, response: Response | None = None, **_: Any) -> None:
        url = response.url if response is not None else request.url if request is not None else ""
        if url.split("/", 3)[-1].startswith(self.path.lstrip("/")):
            self.seen += 1
            if self.seen == self.count:
                # Scrapy's SIGINT handler stops the crawler from the reactor, not in a callback.
                call_later(self.delay, lambda: deferred_from_coro(self.crawler.stop_async()))


def stop_at(
    monkeypatch: pytest.MonkeyPatch, path: str, count: int = 1, headers: bool = False, delay: float = 0.0
) -> dict[str, Any]:
    monkeypatch.setattr(StopAt, "delay", delay)
    monkeypatch.setattr(StopAt, "path", path)
    monkeypatch.setattr(StopAt, "count", count)
    monkeypatch.setattr(StopAt, "headers", headers)
    return {"EXTENSIONS": {**project.EXTENSIONS, "tests.test_stops.StopAt": 0}}


def ids_of(server: FixtureServer, day: str = DAY) -> list[str]:
    return [entry["paper"]["id"] for entry in server.days[day]]


def sources(result: Any, day: str = DAY) -> dict[str, int]:
    counted: dict[str, int] = {}
    for paper in result.data(day)["papers"]:
        counted[paper["abstract_source"]] = counted.get(paper["abstract_source"], 0) + 1
    return counted


# --- The abstract pages: a bounded fallback ------------------------------------------------------


@deferred_f_from_coro_f
async def test_an_answer_with_none_of_its_ids_is_a_failed_answer(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """An empty feed is not thirteen reasons to read thirteen pages, 15 s apart."""
    server.faults.arxiv_api_omit = set(ids_of(server))
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert server.count() == {"robots": 1, "hf_page": 1, "arxiv_api": 1}
    assert sources(result) == {"huggingface": 13}
    assert "arXiv API answered none of 13 ids; keeping Hugging Face's data" in result.log


@deferred_f_from_coro_f
async def test_a_run_reads_at_most_arxiv_abs_max_pages(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.arxiv_api_omit = set(ids_of(server)[1:])
    result = await crawl(args={"date": DAY}, settings={"ARXIV_ABS_MAX_PAGES": "3"})
    assert result.record.ok, result.log[-3000:]
    assert server.count()["arxiv_abs"] == 3
    assert sources(result) == {"arxiv_api": 1, "arxiv_abs": 3, "huggingface": 9}
    assert "ARXIV_ABS_MAX_PAGES pages asked for: 9 papers keep Hugging Face's abstract" in result.log


@deferred_f_from_coro_f
async def test_a_stop_waits_for_one_arxiv_page_not_for_every_page_queued(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.faults.arxiv_api_omit = set(ids_of(server)[1:])
    settings = {**stop_at(monkeypatch, "/abs/"), "ARXIV_ABS_MAX_PAGES": "20"}
    result = await crawl(args={"date": DAY}, settings=settings)
    assert server.count()["arxiv_abs"] == 1
    (outcome,) = result.record.lists
    assert (result.record.finish_reason, outcome.status) == ("shutdown", "written")
    assert sources(result) == {"arxiv_api": 1, "arxiv_abs": 1, "huggingface": 11}
    assert "the run was stopped: 11 papers keep Hugging Face's abstract" in result.log


@deferred_f_from_coro_f
async def test_a_stop_before_the_arxiv_answer_asks_for_no_page(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page asked for after the stop would never be sent, and its list never finished."""
    server.faults.arxiv_api_omit = set(ids_of(server)[1:])
    result = await crawl(args={"date": DAY}, settings=stop_at(monkeypatch, "/api/query"))
    assert server.count().get("arxiv_abs", 0) == 0
    assert [(o.status, o.reason) for o in result.record.lists] == [("written", "")]
    assert sources(result) == {"arxiv_api": 1, "huggingface": 12}


# --- Retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["\u00b2", "\u0661", "-5", "soon", "1.5"])
def test_a_retry_after_that_is_no_number_of_seconds_or_date_is_none(value: str) -> None:
    assert retry_after_seconds(value) is None


def test_a_retry_after_of_thousands_of_digits_waits_the_longest_wait() -> None:
    assert retry_after_seconds("9" * 5000) == float("inf")
    assert retry_after_seconds(" 120 ") == 120.0


@deferred_f_from_coro_f
async def test_an_odd_retry_after_is_a_retry_after_the_usual_wait(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """It failed the whole list: float("²") raised in the middleware."""
    server.faults.hf_fail_times, server.faults.retry_after = 1, "\u00b2"
    result = await crawl(args={"date": DAY}, settings={"RETRY_BACKOFF_BASE": "0.05"})
    assert result.record.ok, result.log[-3000:]
    assert server.count()["hf_page"] == 2


@deferred_f_from_coro_f
async def test_a_stop_ends_the_wait_before_a_retry(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first Ctrl-C or SIGTERM must not wait out a Retry-After of minutes; the retry could
    not be sent anyway, Scrapy sends nothing once it closes the spider."""
    server.faults.hf_fail_times, server.faults.retry_after = 1, "30"
    started = time.monotonic()
    result = await crawl(args={"date": DAY}, settings=stop_at(monkeypatch, "/papers/date/", headers=True))
    assert time.monotonic() - started < 10
    (outcome,) = result.record.lists
    assert (outcome.status, outcome.reason) == ("failed", f"Hugging Face failed for {DAY}: HTTP 503")
    assert "the run was stopped: not retrying" in result.log
    assert server.count()["hf_page"] == 1


@deferred_f_from_coro_f
async def test_a_stop_during_the_wait_before_a_retry_ends_it(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop comes a second into a Retry-After of 300 s: the wait ends then, not at its end."""
    server.faults.hf_fail_times, server.faults.retry_after = 1, "300"
    started = time.monotonic()
    result = await crawl(
        args={"date": DAY},
        settings={
            "RETRY_BACKOFF_MAX": "300",
            **stop_at(monkeypatch, "/papers/date/", headers=True, delay=1.0),
        },
    )
    assert time.monotonic() - started < 10
    assert "waiting 300.0 s before retrying" in result.log
    assert "the run was stopped: not retrying" in result.log
    assert [o.reason for o in result.record.lists] == [f"Hugging Face failed for {DAY}: HTTP 503"]
    assert server.count()["hf_page"] == 1


# --- A stop in a backfill --------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_a_stop_writes_every_list_whose_hugging_face_data_is_in(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The partial arXiv batch waited for the days not yet listed, and those were never asked
    for: the days read ended "not finished". Now they are written with Hugging Face's data."""
    result = await crawl(
        args={"start": WEEK[0], "end": WEEK[-1]}, settings=stop_at(monkeypatch, "/papers/date/", count=3)
    )
    read = {path.rsplit("/", 1)[-1] for path in server.paths if path.startswith("/papers/date/")}
    outcomes = {o.key: (o.status, o.reason) for o in result.record.lists}
    assert len(read) >= 3, outcomes
    for day, (status, reason) in outcomes.items():
        if day in read:
            assert status in ("written", "empty"), (day, reason)
        else:
            assert (status, reason) == ("failed", "not asked for: the run was stopped first")
    assert server.count().get("arxiv_api", 0) == 0  # no request goes out once Scrapy closes
    written = [day for day, (status, _) in outcomes.items() if status == "written"]
    assert written and all(sources(result, day).keys() == {"huggingface"} for day in written)


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_near_the_deadline_the_lists_read_get_their_arxiv_batch_at_once(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl
) -> None:
    """No list whose page was read ends "not finished": those listed when the deadline nears
    get the partial batch at once (the close waits for it), those read after it Hugging Face's data."""
    server.faults.delay = 0.3
    result = await crawl(args={"start": WEEK[0], "end": WEEK[-1]}, settings={"CLOSESPIDER_TIMEOUT": "2"})
    read = {path.rsplit("/", 1)[-1] for path in server.paths if path.startswith("/papers/date/")}
    assert result.record.finish_reason == "closespider_timeout"
    for outcome in result.record.lists:
        if outcome.key in read:
            assert outcome.status in ("written", "empty"), (outcome.key, outcome.reason)
        else:
            assert outcome.reason == "not asked for: CLOSESPIDER_TIMEOUT was near"
    assert server.count()["arxiv_api"] == 1
    written = [o.key for o in result.record.lists if o.status == "written"]
    assert any("arxiv_api" in sources(result, day) for day in written)
