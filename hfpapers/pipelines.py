"""Item pipelines over a whole day: normalize, dedupe, rank by likes."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from hfpapers.items import DailyPapers, Paper
from hfpapers.text import clean_text, strip_version

logger = logging.getLogger(__name__)


class _DayPipeline:
    def __init__(self, crawler: Crawler):
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)


def normalize_paper(paper: Paper) -> Paper:
    paper.arxiv_id = strip_version(paper.arxiv_id)
    paper.title = clean_text(paper.title)
    paper.abstract = clean_text(paper.abstract)
    paper.authors = [name for a in paper.authors if (name := clean_text(a))]
    if paper.organization is not None:
        paper.organization = clean_text(paper.organization) or None
    for name in ("arxiv_comment", "journal_ref", "ai_summary"):
        value = getattr(paper, name)
        if value is not None:
            setattr(paper, name, clean_text(value) or None)
    paper.ai_keywords = [k for kw in paper.ai_keywords if (k := clean_text(kw))]
    paper.upvotes = max(paper.upvotes, 0)
    return paper


class NormalizePipeline(_DayPipeline):
    """Unicode NFC, no control characters, whitespace collapsed, ids without vN."""

    def process_item(self, item: DailyPapers) -> DailyPapers:
        item.papers = [normalize_paper(p) for p in item.papers]
        return item


def dedupe(papers: list[Paper]) -> tuple[list[Paper], int]:
    """One paper per arXiv id, keeping the one with the most likes."""
    best: dict[str, Paper] = {}
    for paper in papers:
        kept = best.get(paper.arxiv_id)
        if kept is None or paper.upvotes > kept.upvotes:
            best[paper.arxiv_id] = paper
    return list(best.values()), len(papers) - len(best)


class DedupePipeline(_DayPipeline):
    def process_item(self, item: DailyPapers) -> DailyPapers:
        item.papers, dropped = dedupe(item.papers)
        if dropped:
            self.stats.inc_value("papers/duplicates", dropped)
            logger.info("%s: %d duplicate entries merged", item.date, dropped)
        return item


def rank_by_likes(papers: list[Paper]) -> list[Paper]:
    """Sort by likes, then comments, then arXiv id; competition ranks (1, 2, 2, 4)."""
    ordered = sorted(papers, key=lambda p: (-p.upvotes, -p.comments, p.arxiv_id))
    for position, paper in enumerate(ordered, 1):
        previous = ordered[position - 2] if position > 1 else None
        same = previous is not None and previous.upvotes == paper.upvotes
        paper.rank = previous.rank if same and previous is not None else position
    return ordered


class RankPipeline(_DayPipeline):
    """Ranks the day and applies the spider's optional ``top`` limit."""

    def process_item(self, item: DailyPapers) -> DailyPapers:
        item.papers = rank_by_likes(item.papers)
        top = getattr(self.crawler.spider, "top", None)
        if top:
            item.papers = item.papers[:top]
        item.total_papers = len(item.papers)
        self.stats.inc_value("papers/posted", item.total_papers)
        return item
