"""`daily`: the Hugging Face Daily Papers of one day, or of each day of a range.

``scrapy crawl daily -a date=YYYY-MM-DD`` (default: the current UTC day) or
``-a start=YYYY-MM-DD -a end=YYYY-MM-DD``; ``-a top=N``, ``-a force=1``.
"""

from __future__ import annotations

from hfpapers.spiders.papers import PapersSpider


class DailySpider(PapersSpider):
    name = "daily"
    kind = "daily"
