"""`weekly` and `monthly`: the lists Hugging Face keeps per ISO week and per month.

``scrapy crawl weekly -a week=2026-W08`` (default: the previous week) and
``scrapy crawl monthly -a month=2026-02`` (default: the previous month).
"""

from __future__ import annotations

from hfpapers.spiders.papers import PapersSpider


class WeeklySpider(PapersSpider):
    name = "weekly"
    kind = "weekly"


class MonthlySpider(PapersSpider):
    name = "monthly"
    kind = "monthly"
