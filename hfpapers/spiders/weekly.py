"""`weekly`: the list Hugging Face keeps per ISO week.

``scrapy crawl weekly -a week=2026-W08`` (default: the previous week).
"""

from __future__ import annotations

from hfpapers.spiders.papers import PapersSpider


class WeeklySpider(PapersSpider):
    name = "weekly"
    kind = "weekly"
