"""Items: one `Paper` per paper, one `PaperList` per Hugging Face list.

`paper.schema.json` beside this file is the JSON schema that
`ItemAdapter.get_json_schema(Paper)` derives from these type hints and
docstrings, written once by ``python -m hfpapers.items`` (deriving it reads
this file's source again for every field, too slow for every run); a test
keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hfpapers.periods import Period

# Schema patterns: fastjsonschema reads their "$" as the end of the text ("\Z"); Python code
# matches them with fullmatch (and re.ASCII: an id goes into URLs, in ASCII digits).
ARXIV_ID_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$"
# An image on a Hugging Face host with a plain path: it goes into front matter and an <img>.
THUMBNAIL_PATTERN = r"^https://([a-z0-9-]+\.)*huggingface\.co/[A-Za-z0-9._~/%-]+$"

# The most a field may hold where it enters from Hugging Face or arXiv, in characters (lists:
# in entries). Real titles are under 300 characters, real abstracts under 2,000, the longest
# author lists (physics collaborations) about 5,000 names. Past these a field is no paper's
# data: it is dropped where it enters, with a warning, before anything spends time on it.
MAX_TITLE = 1_000
MAX_ABSTRACT = 20_000
MAX_TEXT = 2_000
"""A line of text: Hugging Face's AI summary, an arXiv comment or journal reference."""
MAX_NAME = 300
"""A name: an author, an organization, a keyword, a category, a DOI, a date."""
MAX_URL = 2_000
MAX_AUTHORS = 10_000
MAX_KEYWORDS = 100


def _schema(**constraints: Any) -> Any:
    """JSON-schema constraints that `ItemAdapter.get_json_schema` merges in."""
    return {"json_schema_extra": constraints}


@dataclass
class Paper:
    arxiv_id: str = field(metadata=_schema(pattern=ARXIV_ID_PATTERN))
    """arXiv identifier without version suffix, e.g. ``2602.15763``."""
    title: str = field(metadata=_schema(minLength=1))
    """Title, NFC-normalised, whitespace collapsed."""
    upvotes: int = field(metadata=_schema(minimum=0))
    """Hugging Face likes at crawl time (never negative)."""
    hf_url: str = field(metadata=_schema(pattern=r"^https://huggingface\.co/papers/\S+$"))
    """Public Hugging Face paper page, ``https://huggingface.co/papers/ID``."""
    arxiv_url: str = field(metadata=_schema(pattern=r"^https://arxiv\.org/abs/\S+$"))
    """Public arXiv abstract page, ``https://arxiv.org/abs/ID``."""
    pdf_url: str = field(metadata=_schema(pattern=r"^https://arxiv\.org/pdf/\S+$"))
    """Public arXiv PDF link."""
    authors: list[str] = field(default_factory=list)
    """Author names in paper order (hidden authors left out)."""
    organization: str | None = None
    """Hugging Face ``organization.fullname``; None when HF names none."""
    comments: int = field(default=0, metadata=_schema(minimum=0))
    """Number of comments on the Hugging Face paper page."""
    abstract: str = ""
    """Abstract as plain text; links are written out as full URLs."""
    abstract_source: str = "huggingface"
    """Where the abstract came from: ``arxiv_api``, ``arxiv_abs`` or ``huggingface``."""
    primary_category: str | None = None
    """arXiv primary category, e.g. ``cs.CL``."""
    categories: list[str] = field(default_factory=list)
    """All arXiv categories, primary first."""
    arxiv_comment: str | None = None
    """Author comment on arXiv (pages, venue)."""
    journal_ref: str | None = None
    """arXiv journal reference."""
    doi: str | None = None
    """DOI when arXiv has one."""
    published_at: str | None = None
    """First submission to arXiv, ISO 8601 UTC."""
    github_repo: str | None = field(default=None, metadata=_schema(pattern=r"^https?://\S+$"))
    """Code repository linked on Hugging Face."""
    github_stars: int | None = field(default=None, metadata=_schema(minimum=0))
    """Stars of ``github_repo`` as Hugging Face reports them."""
    project_page: str | None = field(default=None, metadata=_schema(pattern=r"^https?://\S+$"))
    """Project page linked on Hugging Face."""
    ai_summary: str | None = None
    """Hugging Face's AI-written one-line summary."""
    ai_keywords: list[str] = field(default_factory=list)
    """Hugging Face's AI-extracted keywords."""
    thumbnail: str | None = field(default=None, metadata=_schema(pattern=THUMBNAIL_PATTERN))
    """Hugging Face's social thumbnail of the paper (an image on a huggingface.co host)."""
    summary_ko: str | None = None
    """A two- or three-sentence Korean summary from the SUMMARY_API_URL endpoint, one line."""
    submitted_on_daily_at: str | None = None
    """When the paper was put on the daily list, ISO 8601 UTC."""
    rank: int | None = field(default=None, metadata=_schema(minimum=1))
    """Competition rank by likes within the list (1, 2, 2, 4)."""
    previous_rank: int | None = field(default=None, metadata=_schema(minimum=1))
    """Rank in the post this run replaced; None if new there or there was none."""
    previous_upvotes: int | None = field(default=None, metadata=_schema(minimum=0))
    """Likes in the post this run replaced."""


@dataclass
class PaperList:
    """One Hugging Face list: a day, an ISO week or a month, and its papers.

    The spider yields a whole list at once because dedupe and ranking are
    operations on the list, and each list is one post and one data file.
    """

    period: Period
    """What the list covers; it names the post, the data file and the commit."""
    papers: list[Paper] = field(default_factory=list)
    """The list's papers: every candidate as listed, then merged and ranked by the pipelines."""
    total_papers: int = 0
    """Number of papers in the post (after dedupe and any ``top`` limit)."""
    found_papers: int = 0
    """Number of papers the list has (after dedupe, before any ``top`` limit)."""
    found: list[dict[str, Any]] = field(default_factory=list)
    """Every paper the list has, shown or not (``top``): ``{arxiv_id, rank, upvotes}`` (and
    ``previous_rank``, ``previous_upvotes``), for the next run to compare like with like."""
    compared_with: int = 0
    """How many papers the earlier version of the post had found, when rank movement is
    shown against it; 0: no movement shown."""
    permalink: str = ""
    """The post's URL (``POST_PERMALINK``, or the URL of the post it replaces); "" for none."""
    retired_posts: list[str] = field(default_factory=list)
    """The old script's posts for this list under another name, removed when this one is written."""
    post_date: str = ""
    """The date of the post this one replaces (``2026-02-18 09:15:00 +0900``), which it keeps:
    once written, a post keeps its date; "" for a first post, or a date that cannot be kept."""
    arxiv_kept: int = 0
    """Papers that keep the arXiv data of the post this one replaces, because arXiv gave none
    for them this run."""


def write_paper_schema() -> None:
    """Regenerate ``paper.schema.json`` from `Paper` (run after changing `Paper`)."""
    import json
    from pathlib import Path

    from itemadapter import ItemAdapter

    path = Path(__file__).with_name("paper.schema.json")
    schema = ItemAdapter.get_json_schema(Paper)
    path.write_text(json.dumps(schema, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_paper_schema()
