"""`KoreanPostExporter`: one `DailyPapers` item to a Jekyll (Chirpy) post."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
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


def movement(paper: ItemAdapter, replaces_post: bool) -> str:
    """``▲2``, ``▼1``, ``NEW`` against the post this run replaces; "" when unchanged."""
    if not replaces_post:
        return ""
    before, now = paper.get("previous_rank"), paper.get("rank")
    if before is None:
        return "NEW"
    if now is None or before == now:
        return ""
    return f"▲{before - now}" if before > now else f"▼{now - before}"


def likes_chart(papers: list[ItemAdapter], top: int) -> str:
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


def period_title(item: ItemAdapter) -> str:
    first = datetime.fromisoformat(item["date"]).date()
    if item["kind"] == "monthly":
        return f"{first.year}년 {first.month}월"
    last = datetime.fromisoformat(item["last_day"]).date()
    year, week, _ = first.isocalendar()
    return f"{year}년 {week}주차 ({first.month}월 {first.day}일 ~ {last.month}월 {last.day}일)"


class KoreanPostExporter(BaseItemExporter):
    """Writes the Korean post for one list: a `DailyPapers` day, or a `PeriodPapers`
    week or month (statistics, top papers, fields and keywords).

    Settings (read by `from_crawler`):
    ``POST_AUTHOR`` (``lim4349``), ``POST_CATEGORIES`` (``["Daily Papers", "일간"]``),
    ``POST_CATEGORIES_WEEKLY`` (``["Daily Papers", "주간"]``),
    ``POST_CATEGORIES_MONTHLY`` (``["Daily Papers", "월간"]``),
    ``POST_TAGS`` (``["huggingface", "papers", "daily", "ai"]``; weekly and monthly
    posts use ``weekly``/``monthly`` for ``daily``), ``POST_CATEGORY_TAGS`` (3: the
    most common arXiv primary categories added as tags), ``POST_CHART_TOP`` (10),
    ``POST_PERIOD_TOP`` (20), ``POST_AI_SUMMARY`` (False),
    ``POST_TIME`` (``"09:15"``) and ``POST_TIMEZONE`` (``"Asia/Seoul"``).
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        author: str = "",
        categories: dict[str, list[str]] | None = None,
        tags: list[str] | None = None,
        category_tags: int = 3,
        chart_top: int = 10,
        period_top: int = 20,
        ai_summary: bool = False,
        post_time: str = "09:15",
        post_timezone: str = "Asia/Seoul",
        now: datetime | None = None,
        **kwargs: Any,
    ):
        super().__init__(dont_fail=True, **kwargs)
        self.stream = io.TextIOWrapper(file, encoding="utf-8", newline="\n", write_through=True)
        self.author = author
        self.categories = categories or {}
        self.tags = tags or []
        self.category_tags = category_tags
        self.chart_top = chart_top
        self.period_top = period_top
        self.ai_summary = ai_summary
        self.post_time = post_time
        self.post_timezone = post_timezone
        self.now = now

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> KoreanPostExporter:
        s = crawler.settings
        return cls(
            file,
            author=s.get("POST_AUTHOR", ""),
            categories={
                "daily": s.getlist("POST_CATEGORIES"),
                "weekly": s.getlist("POST_CATEGORIES_WEEKLY"),
                "monthly": s.getlist("POST_CATEGORIES_MONTHLY"),
            },
            tags=s.getlist("POST_TAGS"),
            category_tags=s.getint("POST_CATEGORY_TAGS", 3),
            chart_top=s.getint("POST_CHART_TOP", 10),
            period_top=s.getint("POST_PERIOD_TOP", 20),
            ai_summary=s.getbool("POST_AI_SUMMARY"),
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
        adapter = ItemAdapter(item)
        papers = [ItemAdapter(paper) for paper in adapter["papers"]]
        kind = adapter.get("kind", "daily")
        if kind == "daily":
            title = f"Hugging Face Daily Papers - {adapter['date']}"
            body, has_math = self._daily_body(title, adapter, papers)
        else:
            label = "주간" if kind == "weekly" else "월간"
            title = f"Hugging Face {label} 논문 - {period_title(adapter)}"
            body, has_math = self._period_body(title, papers)
        primaries = [p["primary_category"] for p in papers if p.get("primary_category")]
        field_tags = [c.lower() for c, _ in top_counts(primaries, self.category_tags)]
        tags = [kind if t == "daily" else t for t in self.tags]
        when = post_datetime(adapter["date"], self.post_time, self.post_timezone, self.now)
        front = [
            "---",
            f"title: {yaml_scalar(title)}",
            f"date: {when.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"categories: {yaml_list(self.categories.get(kind, []))}",
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

    def _chart(self, papers: list[ItemAdapter]) -> list[str]:
        return [likes_chart(papers, self.chart_top), ""] if papers and self.chart_top else []

    def _daily_body(self, title: str, day: ItemAdapter, papers: list[ItemAdapter]) -> tuple[list[str], bool]:
        replaces = bool(day.get("replaces_post"))
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

    def _period_body(self, title: str, papers: list[ItemAdapter]) -> tuple[list[str], bool]:
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

    def _entry(self, number: int, paper: ItemAdapter, moved: str) -> tuple[str, bool]:
        title = escape_markdown(paper["title"])
        lines = [f"{number}. **{title}** - 👍 {paper['upvotes']}" + (f" {moved}" if moved else "")]

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
        if self.ai_summary and paper.get("ai_summary"):
            summary, _ = inline_markdown(paper["ai_summary"])
            item(f"AI 요약: {summary}")
        abstract, has_math = inline_markdown(paper.get("abstract") or "")
        item(f"Abstract: {abstract}")
        return "\n".join(lines) + "\n", has_math
