"""Parsing of Hugging Face Daily Papers payloads (page and API)."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from parsel import Selector

from hfpapers.items import (
    ARXIV_ID_PATTERN,
    MAX_ABSTRACT,
    MAX_AUTHORS,
    MAX_KEYWORDS,
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    THUMBNAIL_PATTERN,
    Paper,
)
from hfpapers.periods import parse_date
from hfpapers.responses import shown
from hfpapers.safeio import UnsafeInputError, loads_bounded
from hfpapers.text import clean_text, strip_version

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


# How Hugging Face writes a day or a time: "2026-02-18" or "2026-02-18T08:26:00.000Z".
_DAY_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ][0-9:.]{0,30}(?:Z|[+-][0-9:]{1,6})?)?", re.ASCII)


def read_day(value: Any) -> str:
    """The day of a date or time as Hugging Face writes it; ValueError for anything else (a
    number, a dict, a day that does not exist): another format must not pass for another day.
    Invisible characters do not count (they are cleaned out of every field)."""
    match = (
        _DAY_RE.fullmatch(clean_text(value)) if isinstance(value, str) and len(value) <= MAX_NAME else None
    )
    if match is None:
        raise ValueError(f"{shown(value)} is not a date")
    day = match.group(1)
    parse_date(day)  # ValueError for 2026-02-30
    return day


def payload_day(payload: dict[str, Any]) -> str | None:
    """The day a page payload is about: ``dateString`` (current) or ``date`` (2024); None when
    it names none. A day that cannot be read is bad data for the list (`PayloadError`)."""
    for key in ("dateString", "date"):
        value = payload.get(key)
        if value not in (None, ""):
            try:
                return read_day(value)
            except ValueError as exc:
                raise PayloadError(f"DailyPapers {key}: {exc}") from None
    return None


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
    """UTC day the paper was put on the daily list (None on pre-2025 data, or none given);
    `PayloadError` for a date that cannot be read: that entry is bad, not another day's."""
    paper = entry.get("paper") if isinstance(entry, dict) else None
    value = paper.get("submittedOnDailyAt") if isinstance(paper, dict) else None
    if value in (None, ""):
        return None
    try:
        return read_day(value)
    except ValueError as exc:
        raise PayloadError(f"submittedOnDailyAt: {exc}") from None


def _text(value: Any, limit: int, arxiv_id: str, name: str) -> str | None:
    """An optional text field: a string of at most ``limit`` characters, or None (anything
    else costs that field alone, with a warning; a missing or empty one is no warning)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) <= limit:
        return value.strip() or None
    _dropped(arxiv_id, name, value, limit)
    return None


def _dropped(arxiv_id: str, name: str, value: Any, limit: int) -> None:
    if isinstance(value, str):
        why = f"{len(value)} characters, over {limit}"
    elif isinstance(value, list):
        why = f"{len(value)} entries, over {limit}"
    else:
        why = f"a {type(value).__name__}, not text"
    logger.warning("%s: dropped the field %s (%s): %s", arxiv_id, name, why, shown(value, 40))


def _authors(value: Any, arxiv_id: str) -> list[str]:
    """The names of the listed authors who are not hidden; a list that is no list, or longer
    than any paper's, costs the authors alone; a name that is no name is left out."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_AUTHORS:
        _dropped(arxiv_id, "authors", value, MAX_AUTHORS)
        return []
    names, bad = [], 0
    for author in value:
        if isinstance(author, dict) and author.get("hidden"):
            continue
        name = author.get("name") if isinstance(author, dict) else None
        if isinstance(name, str) and name.strip() and len(name) <= MAX_NAME:
            names.append(name)
        else:
            bad += 1
    if bad:
        logger.warning(
            "%s: left out %d authors without a name of up to %d characters", arxiv_id, bad, MAX_NAME
        )
    return names


def _keywords(value: Any, arxiv_id: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_KEYWORDS:
        _dropped(arxiv_id, "ai_keywords", value, MAX_KEYWORDS)
        return []
    return [k for k in value if isinstance(k, str) and len(k) <= MAX_NAME]


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
        raise PayloadError(f"{arxiv_id}: likes {shown(raw, 40)} is not a count")
    return likes


THUMBNAIL_RE = re.compile(THUMBNAIL_PATTERN, re.ASCII)


def _thumbnail(value: Any, arxiv_id: str) -> str | None:
    """An image on a Hugging Face host, whole (fullmatch: "$" would let a final newline
    through, and the schema would then drop the paper); anything else costs the image alone."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) < 500 and THUMBNAIL_RE.fullmatch(value):
        return value
    logger.warning(
        "%s: dropped the thumbnail %s: not an image on huggingface.co", arxiv_id, shown(value, 200)
    )
    return None


def describe(entry: Any) -> str:
    """How a warning names an entry: its id and title as far as it has them."""
    paper = entry.get("paper") if isinstance(entry, dict) else None
    if not isinstance(paper, dict):
        return shown(entry, 80)
    return f"{shown(paper.get('id'), 40)} ({shown(paper.get('title'), 60)})"


def paper_from_entry(entry: Any) -> Paper:
    """One ``dailyPapers`` entry to a `Paper` with Hugging Face's data only.

    Raises `PayloadError` for an entry that cannot be a paper: no object, no
    arXiv id (an id goes into URLs: nothing else may), no title or one longer
    than any title, negative likes. Any other field of the wrong type or size
    costs that field alone, with a warning.
    """
    paper = entry.get("paper") if isinstance(entry, dict) else None
    if not isinstance(paper, dict):
        raise PayloadError("an entry without a paper")
    raw_id = paper.get("id")
    arxiv_id = strip_version(raw_id) if isinstance(raw_id, str) and len(raw_id) <= 40 else ""
    if not ARXIV_ID_RE.fullmatch(arxiv_id):
        raise PayloadError(f"paper id {shown(raw_id, 40)} is not an arXiv id")
    title = paper.get("title") or entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PayloadError(f"{arxiv_id}: no title")
    if len(title) > MAX_TITLE:
        raise PayloadError(f"{arxiv_id}: a title of {len(title)} characters, over {MAX_TITLE}")
    org = entry.get("organization") or paper.get("organization") or {}
    comments = _read_count(entry.get("numComments"))
    stars = _read_count(paper.get("githubStars"))
    summary = paper.get("summary") or entry.get("summary")
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        upvotes=_likes(paper, arxiv_id),
        hf_url=f"{PUBLIC_HF}/papers/{arxiv_id}",
        arxiv_url=f"{PUBLIC_ARXIV}/abs/{arxiv_id}",
        pdf_url=f"{PUBLIC_ARXIV}/pdf/{arxiv_id}",
        authors=_authors(paper.get("authors"), arxiv_id),
        organization=_text(org.get("fullname"), MAX_NAME, arxiv_id, "organization")
        if isinstance(org, dict)
        else None,
        comments=comments if comments is not None and comments >= 0 else 0,
        abstract=_text(summary, MAX_ABSTRACT, arxiv_id, "summary") or "",
        published_at=_text(paper.get("publishedAt"), MAX_NAME, arxiv_id, "publishedAt"),
        github_repo=_text(paper.get("githubRepo"), MAX_URL, arxiv_id, "githubRepo"),
        github_stars=stars if stars is not None and stars >= 0 else None,
        project_page=_text(paper.get("projectPage"), MAX_URL, arxiv_id, "projectPage"),
        ai_summary=_text(paper.get("ai_summary"), MAX_TEXT, arxiv_id, "ai_summary"),
        ai_keywords=_keywords(paper.get("ai_keywords"), arxiv_id),
        thumbnail=_thumbnail(entry.get("thumbnail"), arxiv_id),
        submitted_on_daily_at=_text(
            paper.get("submittedOnDailyAt"), MAX_NAME, arxiv_id, "submittedOnDailyAt"
        ),
    )
