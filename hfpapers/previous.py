"""What the blog already holds for a list: its post and data file, ours or the old script's.

The old script (the blog's crawler before hfpapers) named its posts
``DATE-daily-papers.md``, and before 2026-01-04 ``DATE-daily-papers-<unix time>.md``;
its data files ``_data/papers/daily-DATE.json`` hold
``{date, crawled_at, total_papers, papers: [{title, url, likes, paper_link, ...}]}``
sorted by likes, and its monthly ones ``_data/papers/monthly-YYYY-MM.json``
``{year, month, total_papers, top_papers: [same entries]}``. Ours hold
``papers: [{arxiv_id, rank, upvotes, ...}]``.

Everything here was written by someone else, maybe by hand: it is read only
from regular files, never through a symbolic link, with a size cap (`hfpapers.safeio`).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hfpapers.periods import Period
from hfpapers.safeio import loads_bounded, read_capped, read_text_capped
from hfpapers.site import Site

logger = logging.getLogger(__name__)

# The front-matter key every post hfpapers writes carries (its value: the kind of list).
MARKER = "hfpapers"

# A monthly data file holds about 2 MB; 64 MB is no data file, nor a post.
MAX_DATA_FILE = 64 * 1024 * 1024
# Front matter is read from a post's first 64 KiB.
FRONT_MATTER_BYTES = 64 * 1024

_ARXIV_IN_URL_RE = re.compile(
    r"/(?:papers|abs|pdf)/([0-9]{4}\.[0-9]{4,5}|[a-z-]+(?:\.[A-Z]{2})?/[0-9]{7})(?:v\d+)?/?$"
)
# A site path, nothing else: no quotes, spaces or markup from a hand-edited post.
_SAFE_PATH_RE = re.compile(r"/[A-Za-z0-9._~%/+-]*")  # whole (fullmatch): "$" would pass a final "\n"


@dataclass
class PreviousData:
    """A list's existing data file: what its post showed, and what its run found."""

    papers: dict[str, dict[str, Any]]
    """arXiv id -> ``rank``, ``upvotes`` (and ours: ``previous_rank``, ``previous_upvotes``)
    of each paper the post shows."""
    listed: int
    """How many papers that post lists (an entry this run cannot read still counts)."""
    found: dict[str, dict[str, Any]] | None = None
    """arXiv id -> ``rank``, ``upvotes``, ``previous_rank``, ``previous_upvotes`` of every paper
    that run found, shown or not (``-a top=N``); None when unknown: the old script's list,
    crawled at another time by other rules, or ours from a run that kept only part of it."""
    compared_with: int = 0
    """How many papers the version before it had found, when that post showed movement."""

    @classmethod
    def read(cls, path: Path, period: Period | None = None) -> PreviousData | None:
        """None when there is no data file, or one in no format known here for
        ``period``'s kind of list (with a warning)."""
        try:
            # Never through a link: the writer would not replace it, nor compare a list with it.
            data = loads_bounded(read_text_capped(path, MAX_DATA_FILE, follow_symlinks=False))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("%s: unreadable (%s); treated as no previous post", path, exc)
            return None
        papers = data.get("papers") if isinstance(data, dict) else None
        entries = [p for p in papers if isinstance(p, dict)] if isinstance(papers, list) else []
        # Told apart by their keys; an entry missing some is skipped, not the whole file.
        if isinstance(papers, list) and any("arxiv_id" in p for p in entries):
            by_id = {str(p["arxiv_id"]): _known_counts(p) for p in entries if "arxiv_id" in p}
            return cls(by_id, len(papers), _found(data, by_id), _whole(data.get("compared_with"), 1) or 0)
        if isinstance(papers, list) and ("crawled_at" in data or any("likes" in p for p in entries)):
            return cls(_old_script_papers(entries), len(papers))
        top = data.get("top_papers") if isinstance(data, dict) else None
        if (
            period is not None
            and period.of_kind.old_summary_file
            and isinstance(top, list)
            and "year" in data
        ):
            # The old script's monthly summary: its top papers, of total_papers in the month.
            total = data.get("total_papers")
            listed = total if isinstance(total, int) and total >= len(top) else len(top)
            return cls(_old_script_papers([p for p in top if isinstance(p, dict)]), listed)
        logger.warning(
            "%s: not a data file hfpapers or the old script wrote; treated as no previous post", path
        )
        return None

    def same_found(self, found: list[dict[str, Any]]) -> bool:
        """This run found the same papers with the same ranks and likes: nothing moved."""
        known = self.found
        return (
            known is not None
            and len(found) == len(known)
            and all(
                (old := known.get(entry["arxiv_id"])) is not None
                and (old["rank"], old["upvotes"]) == (entry["rank"], entry["upvotes"])
                for entry in found
            )
        )


def _found(data: dict[str, Any], shown: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]] | None:
    """Every paper our run found: its ``found`` list, or, from a data file without one
    (written before it was kept), the papers shown when they were all it found."""
    found = data.get("found")
    if isinstance(found, list):
        return {
            str(e["arxiv_id"]): _known_counts(e) for e in found if isinstance(e, dict) and "arxiv_id" in e
        }
    if "found" not in data and _whole(data.get("found_papers"), 0) in (None, len(shown)):
        return shown
    return None


def _whole(value: Any, least: int) -> int | None:
    """A rank (least 1) or a like count (least 0) from a file someone may have edited:
    an int, not a bool, not below ``least``; anything else is unknown (None)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= least else None


def _known_counts(paper: dict[str, Any]) -> dict[str, Any]:
    """Our entry with its ranks and likes as numbers or None: a hand-edited ``"1"`` must
    not reach the comparisons (str against int fails the list on every later run)."""
    return {
        **paper,
        "rank": _whole(paper.get("rank"), 1),
        "previous_rank": _whole(paper.get("previous_rank"), 1),
        "upvotes": _whole(paper.get("upvotes"), 0),
        "previous_upvotes": _whole(paper.get("previous_upvotes"), 0),
    }


def _old_script_papers(papers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The old list, sorted by likes: a paper's rank is its place in it."""
    by_id: dict[str, dict[str, Any]] = {}
    for place, paper in enumerate(papers, 1):
        for link in (paper.get("url"), paper.get("paper_link")):
            match = _ARXIV_IN_URL_RE.search(str(link or ""))
            if match:
                by_id.setdefault(match.group(1), {"rank": place, "upvotes": _whole(paper.get("likes"), 0)})
                break
    return by_id


def front_matter(post: Path) -> tuple[str, str] | None:
    """A post's front matter and the first line of its body, or None when it has none.

    Read from the first 64 KiB of a regular file only: a FIFO or a device
    behind a post's name must not hold the run, and a symbolic link is no
    post of the site's (hfpapers never reads or writes through one).
    """
    try:
        head = read_capped(post, FRONT_MATTER_BYTES, head=True, follow_symlinks=False)
    except (OSError, ValueError):
        return None
    return parse_front_matter(head)


def parse_front_matter(text: bytes) -> tuple[str, str] | None:
    """The front matter and first body line of a post's bytes (its first 64 KiB count)."""
    head = text[:FRONT_MATTER_BYTES].decode("utf-8", "replace")
    # Jekyll reads a post with a byte-order mark and CRLF lines (an editor's save) the same.
    head = head.removeprefix("\ufeff").replace("\r\n", "\n")
    if not head.startswith("---"):
        return None
    front, _, body = head[3:].partition("\n---")
    body = body.partition("\n")[2].lstrip("\n")
    return front, body.partition("\n")[0].rstrip()


def front_matter_value(post: Path, key: str) -> str | None:
    """A top-level ``key: value`` of a post's front matter, unquoted, without a comment."""
    found = front_matter(post)
    return None if found is None else _value(found[0], key)


def _value(front: str, key: str) -> str | None:
    values = _values(front, key)
    if not values:
        return None
    value = values[-1]  # a key given twice: YAML (Psych, so Jekyll) keeps the last
    if value[:1] in ("'", '"') and value.count(value[0]) >= 2:
        return _unquote(value)
    return value.split(" #", 1)[0].strip()


def _values(front: str, key: str) -> list[str]:
    """Every top-level ``key:`` line's value in a front matter, in order."""
    return re.findall(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*$", front, re.M)


def _unquote(value: str) -> str:
    """A quoted YAML scalar's text: JSON rules for double quotes (what we write)."""
    if value[0] == '"':
        try:
            loaded = json.loads(value)
        except ValueError:
            return value[1 : value.index('"', 1)]
        return loaded if isinstance(loaded, str) else value
    if value.endswith("'"):
        return value[1:-1].replace("''", "'")
    return value[1 : value.index("'", 1)]


def is_papers_post(post: Path | bytes, period: Period) -> bool:
    """Whether a post (a file, or its bytes) is this list's papers post, which a run may
    replace or remove.

    Only what hfpapers or the old script wrote: the list's exact title, and
    either the mark every hfpapers post carries (``hfpapers: daily``) or, for
    posts from before it, the old script's body, which opens with that title
    as a heading. A post of the user's own that merely starts like ours stays.
    """
    found = parse_front_matter(post) if isinstance(post, bytes) else front_matter(post)
    if found is None:
        return False
    front, first_line = found  # one read: the title, the mark and the heading of one version
    if _value(front, "title") != period.title:
        return False
    marks = _values(front, MARKER)
    return (bool(marks) and marks[-1] == period.kind) or first_line in period.old_headings


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
        if not match or post == current or not post.is_file():
            continue
        if is_papers_post(post, period):
            found.append((int(match.group("time") or 0), str(post), post))
        else:
            logger.warning(
                "%s: named like %s's post but not one hfpapers or the old script wrote; left alone",
                post,
                period,
            )
    return [post for _, _, post in sorted(found)]


# A post's date as hfpapers writes it, and as Jekyll reads it with a zone: 2026-02-18 09:15:00 +0900.
_POST_DATE_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2})(:[0-9]{2})? ([+-][0-9]{2}):?([0-9]{2})", re.ASCII
)


def post_date_of(post: Path, now: datetime | None = None) -> str:
    """The ``date:`` a post's front matter sets, as hfpapers writes it, when it has a zone and
    is not in the future (Jekyll would not publish it); "" otherwise."""
    value = front_matter_value(post, "date")
    match = _POST_DATE_RE.fullmatch(value) if value is not None else None
    if match is None:
        return ""
    day, minutes, seconds, hours_off, minutes_off = match.groups()
    try:
        when = datetime.strptime(
            f"{day} {minutes}{seconds or ':00'} {hours_off}{minutes_off}", "%Y-%m-%d %H:%M:%S %z"
        )
    except ValueError:
        return ""
    if when > (now or datetime.now(UTC)):
        return ""
    return when.strftime("%Y-%m-%d %H:%M:%S %z")


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
    return bool(_SAFE_PATH_RE.fullmatch(value))
