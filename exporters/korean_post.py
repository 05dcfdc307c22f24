"""`KoreanPostExporter`: one `PaperList` item to a Jekyll (Chirpy) post."""

from __future__ import annotations

import functools
import io
import json
import logging
import re
from collections import Counter
from datetime import UTC, datetime, time
from pathlib import Path
from typing import IO, Any

from dateutil import tz
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter
from scrapy.settings import BaseSettings

from exporters.markdown import (
    escape_markdown,
    inline_markdown,
    link,
    liquid_safe,
    plain_text,
    yaml_list,
    yaml_scalar,
)
from hfpapers.items import PaperList
from hfpapers.periods import Period
from hfpapers.previous import MARKER, is_site_path
from hfpapers.safeio import read_text_capped
from hfpapers.site import Site

logger = logging.getLogger(__name__)

Fields = dict[str, Any]  # a Paper's fields, vars(paper)
_SAFE_URL_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
AUTHORS_SHOWN = 3
ALT_LIMIT = 160  # characters of the image's caption, like the description's


def shorten_authors(authors: list[str], shown: int = AUTHORS_SHOWN) -> str:
    """``A, B, C 외 N명``, the way Korean papers lists cite long author lists."""
    if len(authors) <= shown:
        return ", ".join(authors)
    return f"{', '.join(authors[:shown])} 외 {len(authors) - shown}명"


def post_datetime(period: Period, at: str, zone: str, now: datetime | None = None) -> datetime:
    """The post's date: ``at`` local time on the day of the list, or for a week or
    a month on the day after it ends (when the shipped schedule writes it), but
    never in the future: Jekyll does not publish posts dated after the build
    (``future: false``). A re-run after that day keeps the same date.
    """
    tzinfo = tz.gettz(zone)
    if tzinfo is None:
        raise ValueError(f"unknown time zone {zone!r}")
    hour, minute = (int(part) for part in at.split(":"))
    wanted = datetime.combine(period.post_day, time(hour, minute), tzinfo)
    now = (now or datetime.now(UTC)).astimezone(tzinfo).replace(microsecond=0)
    return min(wanted, now)


def _link(url: str | None) -> str | None:
    return link(url) if url and _SAFE_URL_RE.match(url) else None


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


def rank_labels(papers: list[Fields]) -> list[str]:
    """``1위``, ``2위``, ``2위``, ``4위``: each paper's competition rank.

    Mermaid's x-axis is a band scale that merges equal labels (two bars drawn
    on one spot), so a tied label gets zero-width spaces, one more for each
    paper before it with the same rank: the same text to a reader.
    """
    seen: Counter[int] = Counter()
    labels = []
    for position, paper in enumerate(papers, 1):
        rank = paper.get("rank") or position
        labels.append(f"{rank}위" + "\u200b" * seen[rank])
        seen[rank] += 1
    return labels


def likes_chart(papers: list[Fields], top: int, color: str) -> str:
    """A Mermaid bar chart of the top papers' likes, labelled by rank (no web text).

    The bars' colour is set in the diagram (``plotColorPalette``): Mermaid's
    default palette starts at #FFF4DD, near white on Chirpy's light theme.
    """
    shown = papers[:top]
    labels = ", ".join(f'"{label}"' for label in rank_labels(shown))
    likes = [int(p["upvotes"]) for p in shown]
    init = {"themeVariables": {"xyChart": {"plotColorPalette": color}}}
    return "\n".join(
        [
            "```mermaid",
            f"%%{{init: {json.dumps(init)}}}%%",
            "xychart-beta",
            f'    title "좋아요 상위 {len(shown)}"',
            f"    x-axis [{labels}]",
            f'    y-axis "좋아요" 0 --> {max(likes, default=0) + 1}',
            f"    bar [{', '.join(str(n) for n in likes)}]",
            "```",
        ]
    )


def _variant_key(name: str) -> str:
    """``Large-Language Models`` and ``large language model`` are one keyword."""
    words = re.sub(r"[\s_-]+", " ", name.strip().lower()).split()
    if (
        words
        and len(words[-1]) > 3
        and words[-1].endswith("s")
        and not words[-1].endswith(("ss", "is", "us"))
    ):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def top_counts(values: list[str], n: int) -> list[tuple[str, int]]:
    """The ``n`` most common values, case, plural ``s`` and hyphens merged, each
    shown in its most common spelling; ties by name."""
    spellings: dict[str, Counter[str]] = {}
    for value in values:
        spellings.setdefault(_variant_key(value), Counter())[value] += 1
    merged = []
    for counts in spellings.values():
        shown = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merged.append((shown, counts.total()))
    return sorted(merged, key=lambda kv: (-kv[1], kv[0]))[:n]


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def description(period: Period, papers: list[Fields], limit: int = 160, found: int = 0) -> str:
    """The card's one plain sentence: ``논문 13편 · 1위 "GLM-5: …" (좋아요 15)``
    (``논문 13편 중 상위 3편 · …`` when ``-a top=3`` kept 3 of the 13 ``found``).

    Chirpy prints it unescaped in the home page, the post's header and the
    feed, and MathJax reads the header: `plain_text` leaves nothing to run.
    """
    if not papers:
        return f"{period.span_ko} 논문 0편"
    top = papers[0]
    count = f"{found}편 중 상위 {len(papers)}편" if found > len(papers) else f"{len(papers)}편"
    head, tail = f'논문 {count} · 1위 "', f'" (좋아요 {top["upvotes"]})'
    room = limit - len(head) - len(tail)
    if room < 2:  # a count no real list has: the title's "…" alone, and the whole line cut
        return shorten(f"{head}…{tail}", limit)
    return head + shorten(plain_text(top["title"]), room) + tail


@functools.cache
def known_author(site_root: Path, author: str) -> bool:
    """Whether the site's ``_data/authors.yml`` names ``author`` (Chirpy prints an
    empty "By" for one it does not). Warns once per site and author."""
    for name in ("authors.yml", "authors.yaml"):
        try:
            text = read_text_capped(site_root / "_data" / name, 1024 * 1024)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            logger.warning("%s: unreadable (%s)", site_root / "_data" / name, exc)
            break
        keys = {m.group(1) or m.group(2) or m.group(3) for m in _YAML_KEY_RE.finditer(text)}
        if author in keys:
            return True
        break
    logger.warning(
        "POST_AUTHOR %r is not in %s/_data/authors.yml: posts get no author line, so Chirpy shows"
        " the site's own author (add %r there, or set POST_AUTHOR to one of its keys)",
        author,
        site_root,
        author,
    )
    return False


# A top-level key of a YAML mapping: a line that starts with no space.
_YAML_KEY_RE = re.compile(r"""^(?:"([^"\n]+)"|'([^'\n]+)'|([^\s#'"\-][^:\n]*?))[ \t]*:(?:[ \t]|$)""", re.M)


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
        self.settings = settings  # POST_CATEGORIES, POST_TAGS, POST_TIME: per kind (Period.of_kind)
        self.category_tags = settings.getint("POST_CATEGORY_TAGS")
        self.chart_top = settings.getint("POST_CHART_TOP")
        self.period_top = settings.getint("POST_PERIOD_TOP")
        self.ai_summary = settings.getbool("POST_AI_SUMMARY")
        self.post_timezone = settings.get("POST_TIMEZONE")
        self.chart_color = settings.get("POST_CHART_COLOR")
        self.image = settings.getbool("POST_IMAGE")
        self.site_root = Site.from_settings(settings).root
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
        kind = period.of_kind
        if period.is_day:
            body, has_math = self._daily_body(item.replaces_post, papers, item.found_papers)
        else:
            body, has_math = self._period_body(papers)
        primaries = [p["primary_category"] for p in papers if p.get("primary_category")]
        field_tags = [c.lower() for c, _ in top_counts(primaries, self.category_tags)]
        tags = self.settings.getlist(kind.setting("POST_TAGS"))
        when = post_datetime(
            period, self.settings.get(kind.setting("POST_TIME")), self.post_timezone, self.now
        )
        front = ["---", f"title: {yaml_scalar(period.title)}"]
        if item.permalink:
            # Bare, as the blog's own posts write it, when it is a plain path.
            url = item.permalink if is_site_path(item.permalink) else yaml_scalar(item.permalink)
            front.append(f"permalink: {url}")
        front += [
            f"date: {when.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"description: {yaml_scalar(description(period, papers, found=item.found_papers))}",
            f"categories: {yaml_list(self.settings.getlist(kind.setting('POST_CATEGORIES')))}",
            f"tags: {yaml_list(tags + [t for t in field_tags if t not in tags])}",
        ]
        if self.author and known_author(self.site_root, self.author):
            front.append(f"author: {yaml_scalar(self.author)}")
        thumbnail = papers[0].get("thumbnail") if papers and self.image else None
        if thumbnail:
            front += [
                "image:",
                f"  path: {thumbnail}",
                # One line, as long as the description at most: a theme prints it as it is.
                f"  alt: {yaml_scalar(shorten(plain_text(papers[0]['title']), ALT_LIMIT))}",
            ]
        if has_math:
            front.append("math: true")
        if papers and self.chart_top:
            front.append("mermaid: true")
        front += [f"{MARKER}: {kind.name}", "---"]
        return "\n".join(front) + "\n\n" + liquid_safe("\n".join(body))

    def _chart(self, papers: list[Fields]) -> list[str]:
        return (
            [likes_chart(papers, self.chart_top, self.chart_color), ""] if papers and self.chart_top else []
        )

    def _entries(self, papers: list[Fields], replaces: bool) -> list[tuple[str, bool]]:
        entries = []
        expected = 1  # the number the browser gives an item without a value
        for position, paper in enumerate(papers, 1):
            rank = paper.get("rank") or position
            entries.append(self._entry(rank, paper, movement(paper, replaces), numbered=rank == expected))
            expected = rank + 1
        return entries

    def _daily_body(self, replaces: bool, papers: list[Fields], found: int) -> tuple[list[str], bool]:
        # No "# title": Chirpy's post layout shows the front-matter title as the page's H1.
        entries = self._entries(papers, replaces)
        if found > len(papers):  # -a top=N: say what was left out
            count = f"총 **{found}편** 중 좋아요 상위 **{len(papers)}편**을 소개합니다."
        else:
            count = f"총 **{len(papers)}개**의 논문이 수집되었습니다."  # the old script's words
        body = [
            count,
            "",
            *self._chart(papers),
            "## 📊 좋아요 순위",
            "",
            *(text for text, _ in entries),
        ]
        return body, any(math for _, math in entries)

    def _period_body(self, papers: list[Fields]) -> tuple[list[str], bool]:
        likes = sum(int(p["upvotes"]) for p in papers)
        days = {str(p.get("submitted_on_daily_at") or "")[:10] for p in papers} - {""}
        entries = self._entries(papers[: self.period_top], False)
        categories = top_counts([c for p in papers for c in p.get("categories") or []], 10)
        keywords = top_counts([k for p in papers for k in p.get("ai_keywords") or []], 15)
        average = f"{likes / len(papers):.1f}" if papers else "0"
        body = [
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

    def _entry(self, rank: int, paper: Fields, moved: str, numbered: bool) -> tuple[str, bool]:
        """One ranked paper. kramdown numbers a list 1, 2, 3 whatever the source says:
        a tie, and the paper after it, set their number (``value``) themselves."""
        title = escape_markdown(paper["title"])
        value = "" if numbered else f'{{: value="{rank}"}} '
        lines = [f"{rank}. {value}**{title}** - 👍 {paper['upvotes']}" + (f" {moved}" if moved else "")]

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
