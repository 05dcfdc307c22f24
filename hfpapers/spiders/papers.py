"""`PapersSpider`: Hugging Face lists (days, weeks, months) enriched from arXiv.

Per list: one Hugging Face page request (the API only if the page lost its
payload). Per run: arXiv API requests of up to 100 ids, batched across
lists; abstract pages only for ids the API did not return. Subclasses say
which lists a run covers (`daily`, `weekly`, `monthly`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from hfpapers import arxiv, hf
from hfpapers.args import RunPlan, plan_run
from hfpapers.items import DailyPapers, Paper, PeriodPapers, list_id
from hfpapers.periods import Period

logger = logging.getLogger(__name__)

HF_SLOT = "huggingface"
ARXIV_API_SLOT = "arxiv-api"
ARXIV_ABS_SLOT = "arxiv-abs"
API_PAGE_SIZE = 100


@dataclass
class Listing:
    period: Period
    papers: dict[str, Paper] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)
    listed: bool = False


def output_feeds(site_dir: str, period: Period) -> dict[str, dict[str, Any]]:
    """The post and the data file of one list, each taking only that list's item."""
    common = {
        "item_filter": "hfpapers.spiders.papers.ListFilter",
        "list_id": (period.kind, period.key),
        "overwrite": True,
    }
    return {
        f"{site_dir}/_posts/{period.post_name}": {"format": "korean_post", **common},
        # One item per file: the file is one JSON object, like the old data files.
        f"{site_dir}/_data/papers/{period.data_name}": {"format": "jsonlines", **common},
    }


class ListFilter:
    """Feed item filter: accepts the list (day, week, month) the feed is for."""

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        self.list_id = tuple((feed_options or {}).get("list_id", ()))

    def accepts(self, item: Any) -> bool:
        return isinstance(item, DailyPapers) and list_id(item) == self.list_id


class PapersSpider(Spider):
    kind = "daily"

    def __init__(self, *args: Any, **kwargs: Any):
        # Scrapyd adds _job (and maybe other _ arguments); they are not ours.
        self.arguments = {k: v for k, v in kwargs.items() if not k.startswith("_")}
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k in ("name",)})
        self.lists: dict[str, Listing] = {}
        self.queue: list[str] = []
        # arXiv id -> days listing it, so each answer touches only its papers.
        self.listed_on: dict[str, set[str]] = {}
        self.in_flight: set[str] = set()
        self.hf_pending = 0
        self.lists_total = self.lists_listed = 0
        self.top: int | None = None
        self.force = False
        self.site_dir = "."
        self.hf_base = self.arxiv_api = self.arxiv_base = ""
        self.batch_size = 100

    @classmethod
    def plan(cls, arguments: dict[str, Any], settings: Any) -> RunPlan:
        """Check the arguments (also called by the crawl command, before Scrapy starts)."""
        return plan_run(arguments, settings, kind=cls.kind)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PapersSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        plan = cls.plan(spider.arguments, settings)
        spider.top = plan.top
        spider.force = plan.force
        spider.site_dir = str(plan.site_dir)
        spider.lists = {p.key: Listing(p) for p in plan.periods}
        feeds: dict[str, Any] = {}
        for period in plan.periods:
            feeds.update(output_feeds(spider.site_dir, period))
        settings.set("FEEDS", feeds, priority="spider")
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for slot, delay_setting in (
            (HF_SLOT, "HF_PAGE_DELAY"),
            (ARXIV_API_SLOT, "ARXIV_API_DELAY"),
            (ARXIV_ABS_SLOT, "ARXIV_ABS_DELAY"),
        ):
            slots.setdefault(
                slot,
                {"concurrency": 1, "delay": settings.getfloat(delay_setting), "jitter": 0},
            )
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        spider.hf_base = settings.get("HF_BASE_URL").rstrip("/")
        spider.arxiv_api = settings.get("ARXIV_API_URL")
        spider.arxiv_base = settings.get("ARXIV_BASE_URL").rstrip("/")
        spider.batch_size = settings.getint("ARXIV_BATCH_SIZE", 100)
        return spider

    # --- Hugging Face -----------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # Counted up front: the last arXiv batch waits until every day is listed,
        # however Scrapy interleaves start requests and responses.
        self.hf_pending = self.lists_total = len(self.lists)
        for key, listing in self.lists.items():
            yield self._hf_request(f"{self.hf_base}{listing.period.page_path}", self.parse_page, key)

    def _hf_request(self, url: str, callback: Any, day: str, **kwargs: Any) -> Request:
        return Request(
            url,
            callback=callback,
            errback=self.hf_failed,
            cb_kwargs={"day": day, **kwargs},
            meta={"download_slot": HF_SLOT},
            dont_filter=True,
        )

    def parse_page(self, response: Response, day: str) -> Iterator[Any]:
        self.hf_pending -= 1
        self.crawler.stats.inc_value("hfpapers/requests/hf_page")
        shown = _key_in_url(response.url)
        payload = hf.extract_payload(response.text)
        if payload is None:
            logger.warning("%s: no DailyPapers payload in %s; using the API", day, response.url)
            self.crawler.stats.inc_value("hfpapers/api_fallback")
            yield self._api_request(day, 0)
            return
        # Only a day's payload names its day; week and month pages carry other keys.
        named = hf.payload_day(payload) if self.lists[day].period.kind == "daily" else None
        if shown not in (None, day) or named not in (None, day):
            logger.info("%s: the page shows %s instead", day, shown if shown != day else named)
            self._add_entries(day, payload["dailyPapers"], all_other_day=True)
        else:
            self._add_entries(day, payload["dailyPapers"])
        yield from self._after_listing(day)

    def _api_request(self, day: str, page: int) -> Request:
        self.hf_pending += 1
        param = self.lists[day].period.api_param
        query = urlencode({param: day, "limit": API_PAGE_SIZE, "p": page})
        return self._hf_request(f"{self.hf_base}/api/daily_papers?{query}", self.parse_api, day, page=page)

    def parse_api(self, response: Response, day: str, page: int) -> Iterator[Any]:
        self.hf_pending -= 1
        self.crawler.stats.inc_value("hfpapers/requests/hf_api")
        entries = hf.parse_api(response.text)
        self._add_entries(day, entries)
        if len(entries) >= API_PAGE_SIZE:
            yield self._api_request(day, page + 1)
            return
        yield from self._after_listing(day)

    def _add_entries(self, day: str, entries: list[dict[str, Any]], all_other_day: bool = False) -> None:
        stats = self.crawler.stats
        state = self.lists[day]
        for entry in entries:
            listed_on = hf.entry_day(entry)
            if all_other_day or (listed_on is not None and not state.period.covers(listed_on)):
                stats.inc_value("papers/other_day")
                continue
            paper = hf.paper_from_entry(entry)
            stats.inc_value("papers/found")
            kept = state.papers.get(paper.arxiv_id)
            if kept is not None:
                # Keep both for the dedupe pipeline to choose and count.
                state.papers[f"{paper.arxiv_id}#{len(state.papers)}"] = paper
                continue
            state.papers[paper.arxiv_id] = paper

    def _after_listing(self, day: str) -> Iterator[Any]:
        state = self.lists[day]
        state.listed = True
        self.lists_listed += 1
        if not state.papers:
            logger.info("no papers for %s", day)
        if self.lists_total > 1:
            logger.info(
                "day %d/%d: %s, %d papers", self.lists_listed, self.lists_total, day, len(state.papers)
            )
        ids = {p.arxiv_id for p in state.papers.values()}
        state.waiting = set(ids)
        fresh = []
        for arxiv_id in sorted(ids):
            self.listed_on.setdefault(arxiv_id, set()).add(day)
            if arxiv_id not in self.in_flight:
                self.in_flight.add(arxiv_id)
                fresh.append(arxiv_id)
        # An id listed on an earlier day of a backfill is already on its way.
        self.queue.extend(fresh)
        yield from self._flush(final=self.hf_pending == 0)
        yield from self._finished_days([day])

    def hf_failed(self, failure: Failure) -> Iterator[Any]:
        self.hf_pending -= 1
        request = failure.request  # type: ignore[attr-defined]
        logger.error("Hugging Face failed for %s: %s", request.cb_kwargs["day"], failure.getErrorMessage())
        yield from self._flush(final=self.hf_pending == 0)

    # --- arXiv ------------------------------------------------------------

    def _flush(self, final: bool) -> Iterator[Request]:
        """API requests of ``batch_size`` ids; the rest too once every day is listed."""
        while len(self.queue) >= self.batch_size or (final and self.queue):
            batch, self.queue = self.queue[: self.batch_size], self.queue[self.batch_size :]
            query = urlencode({"id_list": ",".join(batch), "max_results": len(batch)})
            yield Request(
                f"{self.arxiv_api}?{query}",
                callback=self.parse_atom,
                errback=self.arxiv_api_failed,
                cb_kwargs={"ids": batch},
                # The API answers malformed ids with 400 and an error feed worth reading.
                meta={
                    "download_slot": ARXIV_API_SLOT,
                    "handle_httpstatus_list": [400],
                    # export.arxiv.org is the API; its terms, not robots.txt, govern it.
                    "dont_obey_robotstxt": True,
                    # Giving up on arXiv is survived (Hugging Face's data), so not an error.
                    "give_up_log_level": "WARNING",
                },
                dont_filter=True,
            )

    def parse_atom(self, response: Response, ids: list[str]) -> Iterator[Any]:
        stats = self.crawler.stats
        stats.inc_value("hfpapers/requests/arxiv_api")
        try:
            records = arxiv.parse_atom(response.text)
        except arxiv.ArxivError as exc:
            logger.warning("arXiv API refused %d ids (%s); keeping Hugging Face's data", len(ids), exc)
            stats.inc_value("hfpapers/arxiv_api_failed")
            yield from self._resolve(ids)
            return
        for arxiv_id in ids:
            record = records.get(arxiv_id)
            if record is None:
                stats.inc_value("hfpapers/arxiv_api_missing")
                yield Request(
                    f"{self.arxiv_base}/abs/{arxiv_id}",
                    callback=self.parse_abs,
                    errback=self.arxiv_abs_failed,
                    cb_kwargs={"arxiv_id": arxiv_id},
                    meta={"download_slot": ARXIV_ABS_SLOT, "give_up_log_level": "WARNING"},
                    dont_filter=True,
                )
                continue
            self._apply(arxiv_id, record, "arxiv_api")
        yield from self._resolve([i for i in ids if i in records])

    def arxiv_api_failed(self, failure: Failure) -> Iterator[Any]:
        ids = failure.request.cb_kwargs["ids"]  # type: ignore[attr-defined]
        logger.warning(
            "arXiv API failed for %d ids (%s); keeping Hugging Face's data",
            len(ids),
            failure.getErrorMessage(),
        )
        self.crawler.stats.inc_value("hfpapers/arxiv_api_failed")
        yield from self._resolve(ids)

    def parse_abs(self, response: Response, arxiv_id: str) -> Iterator[Any]:
        self.crawler.stats.inc_value("hfpapers/requests/arxiv_abs")
        try:
            self._apply(arxiv_id, arxiv.parse_abs_page(response.text, arxiv_id), "arxiv_abs")
        except arxiv.ArxivError as exc:
            logger.warning("%s; keeping Hugging Face's abstract", exc)
        yield from self._resolve([arxiv_id])

    def arxiv_abs_failed(self, failure: Failure) -> Iterator[Any]:
        arxiv_id = failure.request.cb_kwargs["arxiv_id"]  # type: ignore[attr-defined]
        logger.warning(
            "arXiv page of %s failed (%s); keeping Hugging Face's abstract",
            arxiv_id,
            failure.getErrorMessage(),
        )
        yield from self._resolve([arxiv_id])

    def _apply(self, arxiv_id: str, record: arxiv.ArxivRecord, source: str) -> None:
        for day in self.listed_on.get(arxiv_id, ()):
            for paper in self.lists[day].papers.values():
                if paper.arxiv_id == arxiv_id:
                    arxiv.enrich(paper, record, source)

    def _resolve(self, ids: list[str]) -> Iterator[Any]:
        touched: set[str] = set()
        for arxiv_id in ids:
            self.in_flight.discard(arxiv_id)
            for day in self.listed_on.get(arxiv_id, ()):
                self.lists[day].waiting.discard(arxiv_id)
                touched.add(day)
        yield from self._finished_days(sorted(touched))

    def _finished_days(self, dates: list[str]) -> Iterator[DailyPapers]:
        for date in dates:
            state = self.lists.get(date)
            if state is None or not state.listed or state.waiting:
                continue
            del self.lists[date]
            for paper in state.papers.values():
                days = self.listed_on.get(paper.arxiv_id)
                if days is not None:
                    days.discard(date)
                    if not days:
                        del self.listed_on[paper.arxiv_id]
            if state.papers:
                for paper in state.papers.values():
                    self.crawler.stats.inc_value(f"papers/abstract_from/{paper.abstract_source}")
                yield self.make_item(state.period, list(state.papers.values()))

    def make_item(self, period: Period, papers: list[Paper]) -> DailyPapers:
        if period.kind == "daily":
            return DailyPapers(date=period.key, papers=papers)
        return PeriodPapers(
            date=period.first.isoformat(),
            papers=papers,
            kind=period.kind,
            period=period.key,
            last_day=period.last.isoformat(),
        )


def _key_in_url(url: str) -> str | None:
    """``/papers/date/2026-02-20`` -> ``2026-02-20`` after any redirect (weeks and months alike)."""
    parts = urlparse(url).path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2] in ("date", "week", "month") else None
