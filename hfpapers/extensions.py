"""`RunSummary`: one log block at the end of every run, from the stats."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

from hfpapers.storage import run_is_clean

logger = logging.getLogger(__name__)

FIGURES = (
    ("papers found", "papers/found"),
    ("papers of another day, dropped", "papers/other_day"),
    ("duplicates merged", "papers/duplicates"),
    ("papers posted", "papers/posted"),
    ("abstracts from the arXiv API", "papers/abstract_from/arxiv_api"),
    ("abstracts from arXiv pages", "papers/abstract_from/arxiv_abs"),
    ("Hugging Face abstract only", "papers/abstract_from/huggingface"),
    ("Hugging Face requests", "hfpapers/requests/hf_page"),
    ("Hugging Face API requests", "hfpapers/requests/hf_api"),
    ("arXiv API requests", "hfpapers/requests/arxiv_api"),
    ("arXiv page requests", "hfpapers/requests/arxiv_abs"),
    ("retries", "retry/count"),
    ("files written", "hfpapers/outputs_written"),
    ("files left untouched", "hfpapers/outputs_discarded"),
    ("git commits", "hfpapers/git_commits"),
)


class RunSummary:
    """Logs the run's figures after the feeds were stored.

    Always on; it only reads the stats the other components keep.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        # After the feeds are stored: the summary names the files written.
        crawler.signals.connect(self.summarize, signal=signals.feed_exporter_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    def summarize(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        width = max(len(label) for label, _ in FIGURES)
        lines = [f"  {label:<{width}}  {stats.get_value(key, 0)}" for label, key in FIGURES]
        lines += [f"  wrote {path}" for path in stats.get_value("hfpapers/written_files", [])]
        reason = stats.get_value("finish_reason")
        logger.info("Run summary (%s):\n%s", reason, "\n".join(lines))
        # The last word for whoever reads only the log (a Scrapyd job, a backfill report).
        if run_is_clean(self.crawler):
            logger.info("Run outcome: ok")
        else:
            errors = stats.get_value("log_count/ERROR", 0)
            logger.error("Run outcome: failed (finish reason %s, %d errors)", reason, errors)
