"""`KoreanPostExporter`: one `DailyPapers` item to a Jekyll (Chirpy) post."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, time
from typing import IO, Any

from dateutil import tz
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter

from exporters.markdown import escape_markdown, inline_markdown, liquid_safe, yaml_list, yaml_scalar

logger = logging.getLogger(__name__)

_SAFE_URL_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
AUTHORS_SHOWN = 3


def shorten_authors(authors: list[str], shown: int = AUTHORS_SHOWN) -> str:
    """``A, B, C 외 N명``, the way Korean papers lists cite long author lists."""
    if len(authors) <= shown:
        return ", ".join(authors)
    return f"{', '.join(authors[:shown])} 외 {len(authors) - shown}명"


def post_datetime(day: str, at: str, zone: str, now: datetime | None = None) -> datetime:
    """The post's date: ``at`` local time on ``day``, but never in the future.

    Jekyll does not publish posts dated after the build (``future: false``).
    """
    tzinfo = tz.gettz(zone)
    if tzinfo is None:
        raise ValueError(f"unknown time zone {zone!r}")
    hour, minute = (int(part) for part in at.split(":"))
    wanted = datetime.combine(datetime.fromisoformat(day).date(), time(hour, minute), tzinfo)
    now = (now or datetime.now(UTC)).astimezone(tzinfo).replace(microsecond=0)
    return min(wanted, now)


def _link(url: str | None) -> str | None:
    return f"<{url}>" if url and _SAFE_URL_RE.match(url) else None


class KoreanPostExporter(BaseItemExporter):
    """Writes the Korean daily post for one `DailyPapers` item.

    Settings (read by `from_crawler`):
    ``POST_AUTHOR`` (``lim4349``), ``POST_CATEGORIES`` (``["Daily Papers", "일간"]``),
    ``POST_TAGS`` (``["huggingface", "papers", "daily", "ai"]``),
    ``POST_TIME`` (``"09:15"``) and ``POST_TIMEZONE`` (``"Asia/Seoul"``).
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        author: str = "",
        categories: list[str] | None = None,
        tags: list[str] | None = None,
        post_time: str = "09:15",
        post_timezone: str = "Asia/Seoul",
        now: datetime | None = None,
        **kwargs: Any,
    ):
        super().__init__(dont_fail=True, **kwargs)
        self.stream = io.TextIOWrapper(file, encoding="utf-8", newline="\n", write_through=True)
        self.author = author
        self.categories = categories or []
        self.tags = tags or []
        self.post_time = post_time
        self.post_timezone = post_timezone
        self.now = now

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> KoreanPostExporter:
        s = crawler.settings
        return cls(
            file,
            author=s.get("POST_AUTHOR", ""),
            categories=s.getlist("POST_CATEGORIES"),
            tags=s.getlist("POST_TAGS"),
            post_time=s.get("POST_TIME", "09:15"),
            post_timezone=s.get("POST_TIMEZONE", "Asia/Seoul"),
            **kwargs,
        )

    def export_item(self, item: Any) -> None:
        self.stream.write(self.render(item))

    def finish_exporting(self) -> None:
        self.stream.detach()

    def render(self, item: Any) -> str:
        # Adapters, not asdict(): a deep copy of every author list costs more than the rest.
        day = ItemAdapter(item)
        date = day["date"]
        papers = [ItemAdapter(paper) for paper in day["papers"]]
        entries = [self._entry(n, paper) for n, paper in enumerate(papers, 1)]
        has_math = any(math for _, math in entries)
        when = post_datetime(date, self.post_time, self.post_timezone, self.now)
        front = [
            "---",
            f"title: {yaml_scalar(f'Hugging Face Daily Papers - {date}')}",
            f"date: {when.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"categories: {yaml_list(self.categories)}",
            f"tags: {yaml_list(self.tags)}",
        ]
        if self.author:
            front.append(f"author: {yaml_scalar(self.author)}")
        if has_math:
            front.append("math: true")
        front.append("---")
        body = [
            f"# Hugging Face Daily Papers - {date}",
            "",
            f"총 **{len(papers)}개**의 논문이 수집되었습니다.",
            "",
            "## 📊 좋아요 순위",
            "",
            *(text for text, _ in entries),
        ]
        return "\n".join(front) + "\n\n" + liquid_safe("\n".join(body))

    def _entry(self, number: int, paper: ItemAdapter) -> tuple[str, bool]:
        title = escape_markdown(paper["title"])
        lines = [f"{number}. **{title}** - 👍 {paper['upvotes']}"]

        def item(text: str) -> None:
            lines.append(f"   - {text}")

        if paper.get("organization"):
            item(f"기관: {escape_markdown(paper['organization'])}")
        if paper.get("authors"):
            item(f"저자: {escape_markdown(shorten_authors(paper['authors']))}")
        if paper.get("categories"):
            item(f"분야: {escape_markdown(', '.join(paper['categories']))}")
        code = _link(paper.get("github_repo"))
        if code:
            stars = paper.get("github_stars")
            item(f"코드: {code}" + (f" (⭐ {stars})" if stars is not None else ""))
        project = _link(paper.get("project_page"))
        if project and paper.get("project_page") != paper.get("github_repo"):
            item(f"프로젝트: {project}")
        if paper.get("comments"):
            item(f"댓글: {paper['comments']}개")
        item(f"[HF 페이지]({paper['hf_url']})")
        item(f"[논문 링크]({paper['arxiv_url']})")
        abstract, has_math = inline_markdown(paper.get("abstract") or "")
        item(f"Abstract: {abstract}")
        return "\n".join(lines) + "\n", has_math
