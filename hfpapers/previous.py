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

_ARXIV_IN_URL_RE = re.compile(
    r"/(?:papers|abs|pdf)/([0-9]{4}\.[0-9]{4,5}|[a-z-]+(?:\.[A-Z]{2})?/[0-9]{7})(?:v\d+)?/?$"
)
_PERMALINK_RE = re.compile(r"^permalink:\s*(\S+)\s*$", re.M)
# A site path, nothing else: no quotes, spaces or markup from a hand-edited post.
_SAFE_PATH_RE = re.compile(r"^/[A-Za-z0-9._~%/+-]*$")


@dataclass
class PreviousData:
    """A list's existing data file: each paper's rank and likes in the post it backs."""

    papers: dict[str, dict[str, Any]]
    """arXiv id -> ``rank``, ``upvotes`` (and ours: ``previous_rank``, ``previous_upvotes``)."""
    replaces_post: bool
    """Whether that post showed rank movement."""

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
        if isinstance(papers, list) and all(isinstance(p, dict) and "arxiv_id" in p for p in papers):
            by_id = {str(p["arxiv_id"]): p for p in papers}
            return cls(by_id, bool(data.get("replaces_post")))
        if isinstance(papers, list) and all(isinstance(p, dict) and "likes" in p for p in papers):
            return cls(_old_script_papers(papers), False)
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


def retired_posts(site: Site, period: Period) -> list[Path]:
    """The old script's posts for the list under its older name, ``DATE-daily-papers-<unix time>.md``."""
    current = site.post(period)
    pattern = re.compile(re.escape(current.stem) + r"-[0-9]+\.md")
    if not current.parent.is_dir():
        return []
    return sorted(p for p in current.parent.glob(f"{current.stem}-*.md") if pattern.fullmatch(p.name))


def permalink_of(post: Path) -> str | None:
    """The ``permalink:`` a post's front matter sets, when it is a plain site path."""
    try:
        text = post.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    front = text.split("\n---", 1)[0] if text.startswith("---") else ""
    match = _PERMALINK_RE.search(front)
    value = match.group(1).strip("'\"") if match else ""
    return value if is_site_path(value) else None


def is_site_path(value: str) -> bool:
    """A plain path on the site, safe as a bare YAML value: ``/posts/daily-papers-2026-02-18/``."""
    return bool(_SAFE_PATH_RE.match(value))
