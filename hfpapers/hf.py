"""Parsing of Hugging Face Daily Papers payloads (page and API)."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from parsel import Selector

from hfpapers.items import ARXIV_ID_PATTERN, THUMBNAIL_PATTERN, Paper
from hfpapers.safeio import UnsafeInputError, loads_bounded
from hfpapers.text import strip_version

logger = logging.getLogger(__name__)

ARXIV_ID_RE = re.compile(ARXIV_ID_PATTERN, re.ASCII)

PUBLIC_HF = "https://huggingface.co"
PUBLIC_ARXIV = "https://arxiv.org"


class PayloadError(ValueError):
    """The page or API answer is not what Daily Papers serves."""


# The component's two attributes as Hugging Face writes them; other markup goes
# through the HTML parser below. Double-quoted values cannot hold a raw quote.
_PROPS_RE = re.compile(r'data-target="DailyPapers"\s+data-props="([^"]*)"')


def extract_payload(page: str) -> dict[str, Any] | None:
    """The ``data-props`` JSON of the DailyPapers component, or None if absent."""
    match = _PROPS_RE.search(page)
    if match:
        # A literal "&" is always "&amp;", so every "&quot;" is a quote: replacing
        # them first spares html.unescape most of its (slow) work.
        props: str | None = html.unescape(match.group(1).replace("&quot;", '"'))
    else:
        # Attributes in another order or quoting: let the HTML parser find them.
        props = Selector(text=page, type="html").css('[data-target="DailyPapers"]::attr(data-props)').get()
    if props is None:
        return None
    try:
        # Scrapy's DOWNLOAD_MAXSIZE bounds the page; the parser's depth is bounded here.
        payload = loads_bounded(props)
    except UnsafeInputError as exc:
        raise PayloadError(f"DailyPapers data-props: {exc}") from None
    except ValueError as exc:
        raise PayloadError(f"DailyPapers data-props is not JSON: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("dailyPapers"), list):
        raise PayloadError("DailyPapers data-props has no dailyPapers list")
    return payload


def payload_day(payload: dict[str, Any]) -> str | None:
    """The day a page payload is about: ``dateString`` (current) or ``date`` (2024)."""
    value = payload.get("dateString") or payload.get("date")
    return str(value)[:10] if value else None


def parse_api(body: str) -> list[dict[str, Any]]:
    """The ``/api/daily_papers`` answer: a JSON array of entries."""
    try:
        entries = loads_bounded(body)
    except UnsafeInputError as exc:
        raise PayloadError(f"daily_papers API answer: {exc}") from None
    except ValueError as exc:
        raise PayloadError(f"daily_papers API answer is not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise PayloadError("daily_papers API answer is not a list")
    return entries


def entry_day(entry: Any) -> str | None:
    """UTC day the paper was put on the daily list (None on pre-2025 data, or none given)."""
    paper = entry.get("paper") if isinstance(entry, dict) else None
    value = paper.get("submittedOnDailyAt") if isinstance(paper, dict) else None
    return str(value)[:10] if value else None


def _str_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value).strip()
    return value or None


# A count as a string: ASCII digits only (str.isdigit also takes "²" and "١٢", which
# int() refuses or reads), and no more than any real count has: 5,000 digits is no count.
_COUNT_RE = re.compile(r"-?[0-9]{1,12}", re.ASCII)
_MAX_COUNT = 10**12


def _read_count(value: Any) -> int | None:
    """A count as Hugging Face sends it: a whole number, or one as a string ("12").
    None for anything else, and for a number past any real count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _COUNT_RE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and abs(value) < _MAX_COUNT:
        return value
    return None


def _likes(paper: dict[str, Any], arxiv_id: str) -> int:
    raw = paper.get("upvotes")
    if raw is None:
        return 0
    likes = _read_count(raw)
    if likes is None or likes < 0:
        raise PayloadError(f"{arxiv_id}: likes {raw!r} is not a count")
    return likes


THUMBNAIL_RE = re.compile(THUMBNAIL_PATTERN, re.ASCII)


def _thumbnail(value: Any, arxiv_id: str) -> str | None:
    """An image on a Hugging Face host, whole (fullmatch: "$" would let a final newline
    through, and the schema would then drop the paper); anything else costs the image alone."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) < 500 and THUMBNAIL_RE.fullmatch(value):
        return value
    logger.warning("%s: dropped the thumbnail %r: not an image on huggingface.co", arxiv_id, str(value)[:200])
    return None


def describe(entry: Any) -> str:
    """How a warning names an entry: its id and title as far as it has them."""
    paper = entry.get("paper") if isinstance(entry, dict) else None
    if not isinstance(paper, dict):
        return repr(entry)[:80]
    return f"{str(paper.get('id'))[:40]!r} ({str(paper.get('title'))[:60]!r})"


def paper_from_entry(entry: Any) -> Paper:
    """One ``dailyPapers`` entry to a `Paper` with Hugging Face's data only.

    Raises `PayloadError` for an entry that cannot be a paper: no object, no
    arXiv id (an id goes into URLs: nothing else may), no title, negative likes.
    """
    paper = entry.get("paper") if isinstance(entry, dict) else None
    if not isinstance(paper, dict):
        raise PayloadError("an entry without a paper")
    raw_id = paper.get("id")
    arxiv_id = strip_version(raw_id) if isinstance(raw_id, str) else ""
    if not ARXIV_ID_RE.fullmatch(arxiv_id):
        raise PayloadError(f"paper id {raw_id!r} is not an arXiv id")
    title = paper.get("title") or entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PayloadError(f"{arxiv_id}: no title")
    org = entry.get("organization") or paper.get("organization") or {}
    authors = [
        str(a["name"])
        for a in paper.get("authors") or []
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"] and not a.get("hidden")
    ]
    comments = _read_count(entry.get("numComments"))
    stars = _read_count(paper.get("githubStars"))
    summary = paper.get("summary") or entry.get("summary")
    keywords = paper.get("ai_keywords")
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        upvotes=_likes(paper, arxiv_id),
        hf_url=f"{PUBLIC_HF}/papers/{arxiv_id}",
        arxiv_url=f"{PUBLIC_ARXIV}/abs/{arxiv_id}",
        pdf_url=f"{PUBLIC_ARXIV}/pdf/{arxiv_id}",
        authors=authors,
        organization=_str_or_none(org.get("fullname")) if isinstance(org, dict) else None,
        comments=comments if comments is not None and comments >= 0 else 0,
        abstract=summary if isinstance(summary, str) else "",
        published_at=_str_or_none(paper.get("publishedAt")),
        github_repo=_str_or_none(paper.get("githubRepo")),
        github_stars=stars if stars is not None and stars >= 0 else None,
        project_page=_str_or_none(paper.get("projectPage")),
        ai_summary=_str_or_none(paper.get("ai_summary")),
        ai_keywords=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
        thumbnail=_thumbnail(entry.get("thumbnail"), arxiv_id),
        submitted_on_daily_at=_str_or_none(paper.get("submittedOnDailyAt")),
    )
