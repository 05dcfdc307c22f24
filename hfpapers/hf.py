"""Parsing of Hugging Face Daily Papers payloads (page and API)."""

from __future__ import annotations

import html
import json
import logging
import re
from typing import Any

from parsel import Selector

from hfpapers.items import Paper
from hfpapers.text import strip_version

logger = logging.getLogger(__name__)

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
        payload = json.loads(props)
    except json.JSONDecodeError as exc:
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
        entries = json.loads(body)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"daily_papers API answer is not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise PayloadError("daily_papers API answer is not a list")
    return entries


def entry_day(entry: dict[str, Any]) -> str | None:
    """UTC day the paper was put on the daily list (None on pre-2025 data)."""
    value = (entry.get("paper") or {}).get("submittedOnDailyAt")
    return str(value)[:10] if value else None


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def paper_from_entry(entry: dict[str, Any]) -> Paper:
    """One ``dailyPapers`` entry to a `Paper` with Hugging Face's data only."""
    paper = entry.get("paper")
    if not isinstance(paper, dict) or not paper.get("id"):
        raise PayloadError("daily papers entry without paper.id")
    arxiv_id = strip_version(str(paper["id"]))
    org = entry.get("organization") or paper.get("organization") or {}
    authors = [
        str(a["name"])
        for a in paper.get("authors") or []
        if isinstance(a, dict) and a.get("name") and not a.get("hidden")
    ]
    return Paper(
        arxiv_id=arxiv_id,
        title=str(paper.get("title") or entry.get("title") or ""),
        upvotes=_int_or_none(paper.get("upvotes")) or 0,
        hf_url=f"{PUBLIC_HF}/papers/{arxiv_id}",
        arxiv_url=f"{PUBLIC_ARXIV}/abs/{arxiv_id}",
        pdf_url=f"{PUBLIC_ARXIV}/pdf/{arxiv_id}",
        authors=authors,
        organization=_str_or_none(org.get("fullname")) if isinstance(org, dict) else None,
        comments=_int_or_none(entry.get("numComments")) or 0,
        abstract=str(paper.get("summary") or entry.get("summary") or ""),
        published_at=_str_or_none(paper.get("publishedAt")),
        github_repo=_str_or_none(paper.get("githubRepo")),
        github_stars=_int_or_none(paper.get("githubStars")),
        project_page=_str_or_none(paper.get("projectPage")),
        ai_summary=_str_or_none(paper.get("ai_summary")),
        ai_keywords=[str(k) for k in paper.get("ai_keywords") or []],
        submitted_on_daily_at=_str_or_none(paper.get("submittedOnDailyAt")),
    )
