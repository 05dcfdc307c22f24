"""`ListReader`: what one Hugging Face answer holds for a list, and what to ask next.

A list's page embeds its papers; a page that lost them (no payload, or one cut
short) sends the reader to the ``/api/daily_papers`` API, which pages a long
list ``HF_API_PAGE_SIZE`` papers at a time, at most ``HF_API_MAX_PAGES`` pages,
and never a page that repeats the one before (an API that ignores ``p``). A
page that shows another day (a weekend redirects to Friday) holds none of the
list's papers. A bad entry is dropped alone, with a warning. Bad data in the
answer as a whole raises `hf.PayloadError`: that list fails. The spider turns
each `Reading` into requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from hfpapers import hf
from hfpapers.items import Paper
from hfpapers.periods import Period
from hfpapers.responses import key_in_url, text_of

logger = logging.getLogger(__name__)


@dataclass
class Reading:
    papers: list[Paper]
    """The list's papers in this answer."""
    next_page: int | None = None
    """The API page to ask for next; None when the list's last page is in."""


class ListReader:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.page_size = crawler.settings.getint("HF_API_PAGE_SIZE")
        self.max_pages = crawler.settings.getint("HF_API_MAX_PAGES")

    @property
    def stats(self) -> StatsCollector:
        # Scrapy sets the crawler's stats once the crawl starts, after the spider is made.
        assert self.crawler.stats is not None
        return self.crawler.stats

    def page(self, response: Response, period: Period) -> Reading:
        """The list's page: its papers, or the API's first page to ask for instead."""
        self.stats.inc_value("hfpapers/requests/hf_page")
        try:
            payload = hf.extract_payload(text_of(response, hf.PayloadError))
            missing = f"no DailyPapers payload in {response.url}"
        except hf.PayloadError as exc:  # cut short, or not the shape Daily Papers serves
            payload, missing = None, f"{exc} in {response.url}"
        if payload is None:
            logger.warning("%s: %s; using the API", period, missing)
            self.stats.inc_value("hfpapers/api_fallback")
            return Reading([], next_page=0)
        shown_key = key_in_url(response.url)
        # Only a day's payload names its day; week and month pages carry other keys.
        named = hf.payload_day(payload) if period.is_day else None
        entries = payload["dailyPapers"]
        if shown_key not in (None, period.key) or named not in (None, period.key):
            logger.info(
                "%s: the page shows %s instead", period, shown_key if shown_key != period.key else named
            )
            self.stats.inc_value("papers/other_day", len(entries))
            entries = []
        return Reading(self.papers_of(period, entries))

    def api(self, response: Response, period: Period, page: int, known: Callable[[str], bool]) -> Reading:
        """One page of the API's answer (``known``: whether the list already holds an arXiv id)."""
        self.stats.inc_value("hfpapers/requests/hf_api")
        entries = hf.parse_api(text_of(response, hf.PayloadError))
        papers = self.papers_of(period, entries)
        more = len(entries) >= self.page_size
        if more and papers and all(known(p.arxiv_id) for p in papers):
            # An API that ignores p answers the same page forever.
            logger.warning("%s: API page %d repeats papers already listed; stopping there", period, page)
            papers, more = [], False
        elif more and page + 1 >= self.max_pages:
            logger.warning("%s: stopping after %d API pages (HF_API_MAX_PAGES)", period, page + 1)
            more = False
        return Reading(papers, next_page=page + 1 if more else None)

    def papers_of(self, period: Period, entries: list[Any]) -> list[Paper]:
        """The list's papers among the entries; a bad entry is dropped alone, with a warning."""
        papers = []
        for entry in entries:
            try:
                listed_on = hf.entry_day(entry)
                if listed_on is not None and not period.covers(listed_on):
                    self.stats.inc_value("papers/other_day")
                    continue
                papers.append(hf.paper_from_entry(entry))
            except hf.PayloadError as exc:
                logger.warning("%s: dropped the entry %s: %s", period, hf.describe(entry), exc)
                self.stats.inc_value("papers/dropped")
        return papers
