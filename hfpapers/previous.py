"""What the blog already holds for a list: its post and data file, ours or the old script's.

The old script (the blog's crawler before hfpapers) named its posts
``DATE-daily-papers.md``, and before 2026-01-04 ``DATE-daily-papers-<unix time>.md``;
its data files ``_data/papers/daily-DATE.json`` hold
``{date, crawled_at, total_papers, papers: [{title, url, likes, paper_link, ...}]}``
sorted by likes. Ours hold ``papers: [{arxiv_id, rank, upvotes, ...}]``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfpapers.periods import Period
from hfpapers.site import Site

logger = logging.getLogger(__name__)

# The front-matter key every post hfpapers writes carries (its value: the kind of list).
MARKER = "hfpapers"

_ARXIV_IN_URL_RE = re.compile(
    r"/(?:papers|abs|pdf)/([0-9]{4}\.[0-9]{4,5}|[a-z-]+(?:\.[A-Z]{2})?/[0-9]{7})(?:v\d+)?/?$"
)
# A site path, nothing else: no quotes, spaces or markup from a hand-edited post.
_SAFE_PATH_RE = re.compile(r"^/[A-Za-z0-9._~%/+-]*$")


@dataclass
class PreviousData:
    """A list's existing data file: each paper's rank and likes in the post it backs."""

    papers: dict[str, dict[str, Any]]
    """arXiv id -> ``rank``, ``upvotes`` (and ours: ``previous_rank``, ``previous_upvotes``)."""
    replaces_post: bool
    """Whether that post showed rank movement."""
    listed: int
    """How many papers that post lists (an entry this run cannot read still counts)."""

    @classmethod
    def read(cls, path: Path) -> PreviousData | None:
        """None when there is no data file, or one in neither format (with a warning)."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("%s: unreadable (%s); treated as no previous post", path, exc)
            return None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        papers = data.get("papers") if isinstance(data, dict) else None
        entries = [p for p in papers if isinstance(p, dict)] if isinstance(papers, list) else []
        # Told apart by their keys; an entry missing some is skipped, not the whole file.
        if isinstance(papers, list) and any("arxiv_id" in p for p in entries):
            by_id = {str(p["arxiv_id"]): p for p in entries if "arxiv_id" in p}
            return cls(by_id, bool(data.get("replaces_post")), len(papers))
        if isinstance(papers, list) and ("crawled_at" in data or any("likes" in p for p in entries)):
            return cls(_old_script_papers(entries), False, len(papers))
        logger.warning(
            "%s: not a data file hfpapers or the old script wrote; treated as no previous post", path
        )
        return None

    def same_ranking(self, papers: list[Any]) -> bool:
        """The same papers with the same ranks and likes: nothing moved."""
        return len(papers) == len(self.papers) and all(
            (old := self.papers.get(p.arxiv_id)) is not None
            and (old.get("rank"), old.get("upvotes")) == (p.rank, p.upvotes)
            for p in papers
        )


def _old_script_papers(papers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The old list, sorted by likes: a paper's rank is its place in it."""
    by_id: dict[str, dict[str, Any]] = {}
    for place, paper in enumerate(papers, 1):
        for link in (paper.get("url"), paper.get("paper_link")):
            match = _ARXIV_IN_URL_RE.search(str(link or ""))
            if match:
                likes = paper.get("likes")
                by_id.setdefault(
                    match.group(1), {"rank": place, "upvotes": likes if isinstance(likes, int) else None}
                )
                break
    return by_id


def front_matter_value(post: Path, key: str) -> str | None:
    """A top-level ``key: value`` of a post's front matter, unquoted, without a comment."""
    try:
        with post.open(encoding="utf-8") as file:
            head = file.read(64 * 1024)
    except (OSError, ValueError):
        return None
    if not head.startswith("---"):
        return None
    front = head[3:].split("\n---", 1)[0]
    match = re.search(rf"^{key}:[ \t]*(.*?)[ \t]*$", front, re.M)
    if not match:
        return None
    value = match.group(1)
    if value[:1] in ("'", '"') and value.count(value[0]) >= 2:
        return value[1 : value.index(value[0], 1)]
    return value.split(" #", 1)[0].strip()


_TITLES = {
    "daily": ("Hugging Face Daily Papers - {key}",),
    "weekly": ("Hugging Face 주간 논문 - ",),
    "monthly": ("Hugging Face Papers Monthly Summary - ", "Hugging Face 월간 논문 - "),
}


def is_papers_post(post: Path, period: Period) -> bool:
    """Whether a post is this list's papers post (ours or the old script's), by its title."""
    title = front_matter_value(post, "title") or ""
    return any(title.startswith(start.format(key=period.key)) for start in _TITLES[period.kind])


def retired_posts(site: Site, period: Period) -> list[Path]:
    """Other papers posts for the list, which the new post replaces, oldest first.

    The old script's ``DATE-daily-papers-<unix time>.md`` (its names before
    2026-01-04), and a post of the same name in a folder of ``_posts`` (Jekyll
    reads those too). Only papers posts, by their title: nobody else's.
    """
    current = site.post(period)
    if not current.parent.is_dir():
        return []
    old_name = re.compile(re.escape(current.stem) + r"(?:-(?P<time>[0-9]{9,10}))?\.md")
    found = []
    for post in current.parent.rglob(f"{current.stem}*.md"):
        match = old_name.fullmatch(post.name)
        if match and post != current and post.is_file() and is_papers_post(post, period):
            found.append((int(match.group("time") or 0), str(post), post))
    return [post for _, _, post in sorted(found)]


def permalink_of(post: Path) -> str | None:
    """The ``permalink:`` a post's front matter sets, when it is a plain site path."""
    value = front_matter_value(post, "permalink")
    if value is None:
        return None
    if is_site_path(value):
        return value
    logger.warning("%s: its permalink %r is not a plain site path; not kept", post, value[:100])
    return None


def is_site_path(value: str) -> bool:
    """A plain path on the site, safe as a bare YAML value: ``/posts/daily-papers-2026-02-18/``."""
    return bool(_SAFE_PATH_RE.match(value))
