"""`KoreanPostExporter`: one `PaperList` item to a Jekyll (Chirpy) post."""

from __future__ import annotations

import functools
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
    break_free,
    escape_markdown,
    inline_markdown,
    liquid_safe,
    plain_line,
    title_markdown,
    url_markdown,
    yaml_list,
    yaml_scalar,
)
from hfpapers.items import PaperList
from hfpapers.periods import Period
from hfpapers.previous import MARKER, is_site_path
from hfpapers.safeio import read_text_capped
from hfpapers.seal import POST_LINE, seal_post_bytes
from hfpapers.site import Site

logger = logging.getLogger(__name__)

Fields = dict[str, Any]  # a Paper's fields, vars(paper)
_SAFE_URL_RE = re.compile(r"https?://[^\s<>\"{}|\\^`]+")  # whole (fullmatch): "$" would pass a final "\n"
AUTHORS_SHOWN = 3
ALT_LIMIT = 160  # characters of the image's caption, like the description's
CHART_OPEN = '<pre><code class="language-mermaid"><script type="text/x-mermaid">'
CHART_CLOSE = "</script></code></pre>"


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
    """A paper's code or project URL as kramdown: a link when https, else its text."""
    return url_markdown(url) if url and _SAFE_URL_RE.fullmatch(url) else None


def movement(paper: Fields, compared: bool) -> str:
    """``▲2``, ``▼1``, ``NEW`` against the earlier version of the post; "" when unchanged
    (or when this version is compared with nothing)."""
    if not compared:
        return ""
    before, now = paper.get("previous_rank"), paper.get("rank")
    if before is None:
        return "NEW"
    if now is None or before == now:
        return ""
    return f"▲{before - now}" if before > now else f"▼{now - before}"


def movement_legend(compared_with: int) -> str:
    """The one line that says what the marks compare against."""
    return f"순위 변화(▲▼)와 NEW는 이 글을 앞서 쓸 때 수집한 논문 {compared_with}편과 비교한 것입니다."


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

    Written as the element kramdown makes of a ``mermaid`` code block
    (``pre > code.language-mermaid``, which Chirpy hands to Mermaid by its
    ``textContent``), with the source inside a ``<script>`` that runs nothing:
    Chirpy's search index and read-time take a post's text through Liquid's
    ``strip_html``, which drops a script with its content, so the chart's source
    is no post's search snippet.
    """
    shown = papers[:top]
    labels = ", ".join(f'"{label}"' for label in rank_labels(shown))
    likes = [int(p["upvotes"]) for p in shown]
    init = {"themeVariables": {"xyChart": {"plotColorPalette": color}}}
    return "\n".join(
        [
            f"{CHART_OPEN}%%{{init: {json.dumps(init)}}}%%",
            "xychart-beta",
            f'    title "좋아요 상위 {len(shown)}"',
            f"    x-axis [{labels}]",
            f'    y-axis "좋아요" 0 --> {max(likes, default=0) + 1}',
            f"    bar [{', '.join(str(n) for n in likes)}]",
            CHART_CLOSE,
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


def description(period: Period, papers: list[Fields], limit: int = 160, found: int = 0, tied: int = 0) -> str:
    """The card's one plain sentence: ``논문 13편 · 1위 "GLM-5: …" (좋아요 15)``
    (``논문 13편 중 상위 3편 · …`` when ``-a top=3`` kept 3 of the 13 ``found``;
    ``공동 1위 "A" · "B" (좋아요 각 10)`` when two share the first place, ``공동 1위
    3편: "A" 외 2편 …`` when more do: ``tied`` counts them in the whole list).

    Chirpy prints it unescaped in the home page, the post's header and the
    feed, and MathJax reads the header: `plain_text` leaves nothing to run.
    """
    if not papers:
        return f"{period.span_ko} 논문 0편"
    top = papers[0]
    count = f"{found}편 중 상위 {len(papers)}편" if found > len(papers) else f"{len(papers)}편"
    first = [p for p in papers if top.get("rank") is not None and p.get("rank") == top["rank"]] or [top]
    tied = max(tied, len(first))
    likes = top["upvotes"]
    if tied == 1:
        return _fitted(f'논문 {count} · 1위 "', [top], f'" (좋아요 {likes})', limit)
    if tied == 2 and len(first) == 2:
        return _fitted(f'논문 {count} · 공동 1위 "', first, f'" (좋아요 각 {likes})', limit)
    return _fitted(
        f'논문 {count} · 공동 1위 {tied}편: "', [top], f'" 외 {tied - 1}편 (좋아요 각 {likes})', limit
    )


def _fitted(head: str, papers: list[Fields], tail: str, limit: int) -> str:
    """``head`` + the papers' titles (each cut to an equal share of the room) + ``tail``,
    safe to print unescaped as a whole (a pair of ``$`` may span two titles)."""
    between = '" · "'
    room = (limit - len(head) - len(tail) - len(between) * (len(papers) - 1)) // len(papers)
    if room < 2:  # a count no real list has: the title's "…" alone, and the whole line cut
        return shorten(head + between.join("…" for _ in papers) + tail, limit)
    return break_free(head + between.join(shorten(plain_line(p["title"]), room) for p in papers) + tail)


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
        self.file = file
        self.author = settings.get("POST_AUTHOR")
        self.settings = settings  # POST_CATEGORIES, POST_TAGS, POST_TIME: per kind (Period.of_kind)
        self.category_tags = settings.getint("POST_CATEGORY_TAGS")
        self.chart_top = settings.getint("POST_CHART_TOP")
        self.period_top = settings.getint("POST_PERIOD_TOP")
        self.ai_summary = settings.getbool("POST_AI_SUMMARY")
        self.post_timezone = settings.get("POST_TIMEZONE")
        self.chart_color = settings.get("POST_CHART_COLOR")
        self.image = settings.getbool("POST_IMAGE")
        # Only an author is looked up in the site (its _data/authors.yml): no path resolved without one.
        self.site_root = Site.from_settings(settings).root if self.author else None
        self.now = now

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> KoreanPostExporter:
        return cls(file, settings=crawler.settings, **kwargs)

    def export_item(self, item: Any) -> None:
        self.file.write(self.render_utf8(item))

    def render(self, item: PaperList) -> str:
        return self.render_utf8(item).decode("utf-8")

    def render_utf8(self, item: PaperList) -> bytes:
        """The post as its file holds it: UTF-8, sealed (the seal is the hash of these bytes)."""
        # Each paper's own field dict: no copy (asdict() deep-copies every author list).
        papers = [vars(paper) for paper in item.papers]
        period = item.period
        kind = period.of_kind
        if period.is_day:
            body, has_math = self._daily_body(item.compared_with, papers, item.found_papers)
        else:
            body, has_math = self._period_body(papers)
        tags = self.settings.getlist(kind.setting("POST_TAGS"))
        when = post_datetime(
            period, self.settings.get(kind.setting("POST_TIME")), self.post_timezone, self.now
        )
        tied = sum(1 for found in item.found if found.get("rank") == 1)
        front = ["---", f"title: {yaml_scalar(period.title)}"]
        if item.permalink:
            # Bare, as the blog's own posts write it, when it is a plain path.
            url = item.permalink if is_site_path(item.permalink) else yaml_scalar(item.permalink)
            front.append(f"permalink: {url}")
        card = description(period, papers, found=item.found_papers, tied=tied)
        front += [
            # Once written, a post keeps its date: a refresh moves it neither on the home page nor feed.
            f"date: {item.post_date or when.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"description: {yaml_scalar(card)}",
            f"categories: {yaml_list(self.settings.getlist(kind.setting('POST_CATEGORIES')))}",
            f"tags: {yaml_list(tags + self._category_tags(papers, tags))}",
        ]
        if self.site_root is not None and known_author(self.site_root, self.author):
            front.append(f"author: {yaml_scalar(self.author)}")
        thumbnail = papers[0].get("thumbnail") if papers and self.image else None
        if thumbnail:
            # One line, as long as the description at most: a theme prints it as it is, also
            # (jekyll-seo-tag) inside an attribute's quotes.
            alt = break_free(shorten(plain_line(papers[0]["title"]), ALT_LIMIT), attribute=True)
            front += ["image:", f"  path: {thumbnail}", f"  alt: {yaml_scalar(alt)}"]
        if has_math:
            front.append("math: true")
        if papers and self.chart_top:
            front.append("mermaid: true")
        # Last: the seal, the sha256 of the post itself, by which a later run knows it unedited.
        front += [f"{MARKER}: {kind.name}", POST_LINE, "---"]
        return seal_post_bytes(("\n".join(front) + "\n\n" + liquid_safe("\n".join(body))).encode("utf-8"))

    def _category_tags(self, papers: list[Fields], tags: list[str]) -> list[str]:
        """The most common arXiv primary categories, spelled as the 분야 line spells them
        (``cs.CL``); none unless POST_CATEGORY_TAGS asks: tags every post carries push the
        blog's own off Chirpy's Trending Tags."""
        if self.category_tags <= 0:
            return []
        primaries = [p["primary_category"] for p in papers if p.get("primary_category")]
        taken = {tag.lower() for tag in tags}
        return [c for c, _ in top_counts(primaries, self.category_tags) if c.lower() not in taken]

    def _chart(self, papers: list[Fields]) -> list[str]:
        return (
            [likes_chart(papers, self.chart_top, self.chart_color), ""] if papers and self.chart_top else []
        )

    def _entries(self, papers: list[Fields], compared: bool) -> list[tuple[str, bool]]:
        entries = []
        expected = 1  # the number the browser gives an item without a value
        for position, paper in enumerate(papers, 1):
            rank = paper.get("rank") or position
            entries.append(self._entry(rank, paper, movement(paper, compared), numbered=rank == expected))
            expected = rank + 1
        return entries

    def _daily_body(self, compared_with: int, papers: list[Fields], found: int) -> tuple[list[str], bool]:
        # No "# title": Chirpy's post layout shows the front-matter title as the page's H1.
        entries = self._entries(papers, compared_with > 0)
        if found > len(papers):  # -a top=N: say what was left out
            count = f"총 **{found}편** 중 좋아요 상위 **{len(papers)}편**을 소개합니다."
        else:
            count = f"총 **{len(papers)}개**의 논문이 수집되었습니다."  # the old script's words
        shown = any(movement(p, compared_with > 0) for p in papers)
        body = [
            count,
            "",
            *self._chart(papers),
            "## 📊 좋아요 순위",
            "",
            *([movement_legend(compared_with), ""] if shown else []),
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

    def _skim(self, paper: Fields) -> tuple[str, str] | None:
        """The paper's one line to skim: its Korean summary, else Hugging Face's own
        (POST_AI_SUMMARY), labelled as Hugging Face's; None when there is neither."""
        if paper.get("summary_ko"):
            return "요약", paper["summary_ko"]
        if self.ai_summary and paper.get("ai_summary"):
            return "AI 요약 (HF)", paper["ai_summary"]
        return None

    def _entry(self, rank: int, paper: Fields, moved: str, numbered: bool) -> tuple[str, bool]:
        """One ranked paper: its title line, its one line to skim, and the rest (who, where,
        the abstract) folded in ``<details>``, which kramdown reads as Markdown inside.

        kramdown numbers a list 1, 2, 3 whatever the source says: a tie, and the paper
        after it, set their number (``value``) themselves. The rank's movement stands
        after the likes with its word (``순위 ▲1``), never as a bare number beside them.
        """
        marker = f"{rank}. "
        # The fold lines up with the item's text (``10. `` is four wide): kramdown ends an item
        # at an HTML block indented less. A nested list line it takes at three, as always.
        indent = " " * len(marker)
        value = "" if numbered else f'{{: value="{rank}"}} '
        mark = "" if not moved else " · NEW" if moved == "NEW" else f" · 순위 {moved}"
        lines = [f"{marker}{value}**{title_markdown(paper['title'])}** - 👍 {paper['upvotes']}{mark}"]
        math = False
        skim = self._skim(paper)
        if skim:
            # Untrusted text (a model's answer, Hugging Face's), escaped like an abstract.
            text, math = inline_markdown(skim[1])
            lines.append(f"   - {skim[0]}: {text}")
        folded = []
        if paper.get("organization"):
            folded.append(f"기관: {escape_markdown(paper['organization'])}")
        if paper.get("authors"):
            folded.append(f"저자: {escape_markdown(shorten_authors(paper['authors']))}")
        if paper.get("categories"):
            folded.append(f"분야: {escape_markdown(', '.join(paper['categories']))}")
        code = _link(paper.get("github_repo"))
        if code:
            stars = paper.get("github_stars")
            folded.append(f"코드: {code}" + (f" (⭐ {stars})" if stars is not None else ""))
        project = _link(paper.get("project_page"))
        if project and paper.get("project_page") != paper.get("github_repo"):
            folded.append(f"프로젝트: {project}")
        if paper.get("comments"):
            folded.append(f"댓글: {paper['comments']}개")
        folded += [f"[HF 페이지]({paper['hf_url']})", f"[논문 링크]({paper['arxiv_url']})"]
        label = "초록 · 저자 · 링크" if paper.get("abstract") else "저자 · 링크"
        if paper.get("abstract"):
            abstract, has_math = inline_markdown(paper["abstract"])
            folded.append(f"Abstract: {abstract}")
            math = math or has_math
        lines += [
            f'{indent}<details markdown="1"><summary>{label}</summary>',
            "",
            *(f"{indent}- {text}" for text in folded),
            "",
            f"{indent}</details>",
        ]
        return "\n".join(lines) + "\n", math
