"""`monthly`: the list Hugging Face keeps per month.

``scrapy crawl monthly -a month=2026-02`` (default: the previous month).
"""

from __future__ import annotations

from hfpapers.spiders.papers import PapersSpider


class MonthlySpider(PapersSpider):
    name = "monthly"
    kind = "monthly"
