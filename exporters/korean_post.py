"""`KoreanPostExporter`: one `PaperList` item to a Jekyll (Chirpy) post."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from datetime import UTC, date, datetime, time
from typing import IO, Any

from dateutil import tz
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter
from scrapy.settings import BaseSettings

from hfpapers.exporters.markdown import escape_markdown, inline_markdown, liquid_safe, yaml_list, yaml_scalar
from hfpapers.items import PaperList
from hfpapers.periods import Period
from hfpapers.previous import is_site_path

logger = logging.getLogger(__name__)

Fields = dict[str, Any]  # a Paper's fields, vars(paper)
_SAFE_URL_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
AUTHORS_SHOWN = 3


def shorten_authors(authors: list[str], shown: int = AUTHORS_SHOWN) -> str:
    """``A, B, C 외 N명``, the way Korean papers lists cite long author lists."""
    if len(authors) <= shown:
        return ", ".join(authors)
    return f"{', '.join(authors[:shown])} 외 {len(authors) - shown}명"


def post_datetime(day: date, at: str, zone: str, now: datetime | None = None) -> datetime:
    """The post's date: ``at`` local time on ``day``, but never in the future.

    Jekyll does not publish posts dated after the build (``future: false``).
    """
    tzinfo = tz.gettz(zone)
    if tzinfo is None:
        raise ValueError(f"unknown time zone {zone!r}")
    hour, minute = (int(part) for part in at.split(":"))
    wanted = datetime.combine(day, time(hour, minute), tzinfo)
    now = (now or datetime.now(UTC)).astimezone(tzinfo).replace(microsecond=0)
    return min(wanted, now)


def _link(url: str | None) -> str | None:
    return f"<{url}>" if url and _SAFE_URL_RE.match(url) else None


def movement(paper: Fields, replaces_post: bool) -> str:
    """``▲2``, ``▼1``, ``NEW`` against the post this run replaces; "" when unchanged."""
    if not replaces_post:
        return ""
    before, now = paper.get("previous_rank"), paper.get("rank")
    if before is None:
        return "NEW"
    if now is None or before == now:
        return ""
    return f"▲{before - now}" if before > now else f"▼{now - before}"


def likes_chart(papers: list[Fields], top: int) -> str:
    """A Mermaid bar chart of the top papers' likes, labelled by place (no web text)."""
    shown = papers[:top]
    labels = ", ".join(f'"{n}위"' for n in range(1, len(shown) + 1))
    likes = [int(p["upvotes"]) for p in shown]
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "좋아요 상위 {len(shown)}"',
            f"    x-axis [{labels}]",
            f'    y-axis "좋아요" 0 --> {max(likes, default=0) + 1}',
            f"    bar [{', '.join(str(n) for n in likes)}]",
            "```",
        ]
    )


def top_counts(values: list[str], n: int) -> list[tuple[str, int]]:
    """The ``n`` most common values, ties by name."""
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def period_title(period: Period) -> str:
    first, last = period.first, period.last
    if period.kind == "monthly":
        return f"{first.year}년 {first.month}월"
    year, week, _ = first.isocalendar()
    return f"{year}년 {week}주차 ({first.month}월 {first.day}일 ~ {last.month}월 {last.day}일)"


class KoreanPostExporter(BaseItemExporter):
    """Renders one `PaperList` as a Chirpy post: a day's ranking, or a week's or
    a month's statistics, top papers, fields and keywords.

    Reads the ``POST_*`` settings (see settings.py for each and its default).
    Registered in ``FEED_EXPORTERS`` as ``korean_post``; `ListWriter` calls it.
    """

    def __init__(
        self, file: IO[bytes], *, settings: BaseSettings, now: datetime | None = None, **kwargs: Any
    ):
        super().__init__(dont_fail=True, **kwargs)
        self.stream = io.TextIOWrapper(file, encoding="utf-8", newline="\n", write_through=True)
        self.author = settings.get("POST_AUTHOR")
        self.categories = {
            "daily": settings.getlist("POST_CATEGORIES"),
            "weekly": settings.getlist("POST_CATEGORIES_WEEKLY"),
            "monthly": settings.getlist("POST_CATEGORIES_MONTHLY"),
        }
        self.tags = {
            "daily": settings.getlist("POST_TAGS"),
            "weekly": settings.getlist("POST_TAGS_WEEKLY"),
            "monthly": settings.getlist("POST_TAGS_MONTHLY"),
        }
        self.category_tags = settings.getint("POST_CATEGORY_TAGS")
        self.chart_top = settings.getint("POST_CHART_TOP")
        self.period_top = settings.getint("POST_PERIOD_TOP")
        self.ai_summary = settings.getbool("POST_AI_SUMMARY")
        self.post_times = {
            "daily": settings.get("POST_TIME"),
            "weekly": settings.get("POST_TIME"),
            "monthly": settings.get("POST_TIME_MONTHLY"),
        }
        self.post_timezone = settings.get("POST_TIMEZONE")
        self.now = now

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> KoreanPostExporter:
        return cls(file, settings=crawler.settings, **kwargs)

    def export_item(self, item: Any) -> None:
        self.stream.write(self.render(item))

    def finish_exporting(self) -> None:
        self.stream.detach()

    def render(self, item: PaperList) -> str:
        # Each paper's own field dict: no copy (asdict() deep-copies every author list).
        papers = [vars(paper) for paper in item.papers]
        period = item.period
        kind = period.kind
        if kind == "daily":
            title = f"Hugging Face Daily Papers - {period.key}"
            body, has_math = self._daily_body(title, item.replaces_post, papers)
        elif kind == "weekly":
            title = f"Hugging Face 주간 논문 - {period_title(period)}"
            body, has_math = self._period_body(title, papers)
        else:
            # The blog's monthly series (2025-11-01-monthly-papers-summary.md) is titled so.
            title = f"Hugging Face Papers Monthly Summary - {period_title(period)}"
            body, has_math = self._period_body(title, papers)
        primaries = [p["primary_category"] for p in papers if p.get("primary_category")]
        field_tags = [c.lower() for c, _ in top_counts(primaries, self.category_tags)]
        tags = self.tags[kind]
        when = post_datetime(period.first, self.post_times[kind], self.post_timezone, self.now)
        front = ["---", f"title: {yaml_scalar(title)}"]
        if item.permalink:
            # Bare, as the blog's own posts write it, when it is a plain path.
            url = item.permalink if is_site_path(item.permalink) else yaml_scalar(item.permalink)
            front.append(f"permalink: {url}")
        front += [
            f"date: {when.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"categories: {yaml_list(self.categories[kind])}",
            f"tags: {yaml_list(tags + [t for t in field_tags if t not in tags])}",
        ]
        if self.author:
            front.append(f"author: {yaml_scalar(self.author)}")
        if has_math:
            front.append("math: true")
        if papers and self.chart_top:
            front.append("mermaid: true")
        front.append("---")
        return "\n".join(front) + "\n\n" + liquid_safe("\n".join(body))

    def _chart(self, papers: list[Fields]) -> list[str]:
        return [likes_chart(papers, self.chart_top), ""] if papers and self.chart_top else []

    def _daily_body(self, title: str, replaces: bool, papers: list[Fields]) -> tuple[list[str], bool]:
        entries = [self._entry(n, paper, movement(paper, replaces)) for n, paper in enumerate(papers, 1)]
        body = [
            f"# {title}",
            "",
            f"총 **{len(papers)}개**의 논문이 수집되었습니다.",
            "",
            *self._chart(papers),
            "## 📊 좋아요 순위",
            "",
            *(text for text, _ in entries),
        ]
        return body, any(math for _, math in entries)

    def _period_body(self, title: str, papers: list[Fields]) -> tuple[list[str], bool]:
        likes = sum(int(p["upvotes"]) for p in papers)
        days = {str(p.get("submitted_on_daily_at") or "")[:10] for p in papers} - {""}
        entries = [self._entry(n, paper, "") for n, paper in enumerate(papers[: self.period_top], 1)]
        categories = top_counts([c for p in papers for c in p.get("categories") or []], 10)
        keywords = top_counts([k for p in papers for k in p.get("ai_keywords") or []], 15)
        average = f"{likes / len(papers):.1f}" if papers else "0"
        body = [
            f"# {title}",
            "",
            "## 📈 통계",
            "",
            f"- 논문 수: **{len(papers)}개**",
            f"- 총 좋아요: **{likes}** (평균 {average})",
            f"- 수집 일수: **{len(days)}일**",
            "",
            *self._chart(papers),
            f"## 🏆 좋아요 상위 {len(entries)}",
            "",
            *(text for text, _ in entries),
        ]
        for heading, counts in (("## 🏷️ 주요 분야", categories), ("## 🔑 주요 키워드", keywords)):
            if counts:
                body += [heading, "", *(f"- {escape_markdown(name)}: {n}편" for name, n in counts), ""]
        return body, any(math for _, math in entries)

    def _entry(self, number: int, paper: Fields, moved: str) -> tuple[str, bool]:
        title = escape_markdown(paper["title"])
        lines = [f"{number}. **{title}** - 👍 {paper['upvotes']}" + (f" {moved}" if moved else "")]

        def item(text: str) -> None:
            lines.append(f"   - {text}")

        if paper.get("organization"):
            item(f"기관: {escape_markdown(paper['organization'])}")
        if paper.get("authors"):
            item(f"저자: {escape_markdown(shorten_authors(paper['authors']))}")
        math = False
        if paper.get("summary_ko"):
            # A model's answer: untrusted text, escaped like an abstract.
            summary, math = inline_markdown(paper["summary_ko"])
            item(f"요약: {summary}")
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
        if self.ai_summary and paper.get("ai_summary"):
            summary, _ = inline_markdown(paper["ai_summary"])
            item(f"AI 요약: {summary}")
        abstract, has_math = inline_markdown(paper.get("abstract") or "")
        item(f"Abstract: {abstract}")
        return "\n".join(lines) + "\n", has_math or math
