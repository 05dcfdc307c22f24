"""Parsing of arXiv API Atom feeds and arXiv abstract pages."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from lxml.etree import LxmlError
from parsel import Selector

from hfpapers.items import Paper
from hfpapers.text import clean_text, find_urls, restore_urls, strip_version

logger = logging.getLogger(__name__)

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_ABS_ID_RE = re.compile(r"/abs/(.+?)/?$")
_CATEGORY_RE = re.compile(r"\(([^()]+)\)\s*$")
# What arXiv categories look like: cs.CL, math.AP, hep-th, astro-ph.GA, physics.comp-ph.
_ARXIV_CATEGORY_RE = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?", re.ASCII)


def arxiv_categories(terms: list[str], arxiv_id: str) -> list[str]:
    """The terms that look like arXiv categories, in order, once each; the rest dropped with a warning."""
    kept: list[str] = []
    for term in terms:
        term = term.strip()
        if len(term) <= 32 and _ARXIV_CATEGORY_RE.fullmatch(term):
            if term not in kept:
                kept.append(term)
        else:
            logger.warning("%s: dropped the category %r: not an arXiv category", arxiv_id, term[:80])
    return kept


@dataclass
class ArxivRecord:
    arxiv_id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    published: str | None = None


class ArxivError(ValueError):
    """arXiv answered with its error feed."""


# What arXiv's bad data raises while read (its error feed, markup lxml cannot read, text
# that is no UTF-8): a warning, and Hugging Face's data is kept. Anything else is a bug.
DATA_ERRORS = (ValueError, LxmlError)


def _text(sel: Selector, query: str) -> str | None:
    value = sel.xpath(query, namespaces=NS).get()
    return clean_text(value) if value and value.strip() else None


def parse_atom(body: str) -> dict[str, ArxivRecord]:
    """Entries of an API answer keyed by versionless id.

    Raises `ArxivError` for the error feed (HTTP 400: one entry titled Error).
    """
    root = Selector(text=body, type="xml")
    records: dict[str, ArxivRecord] = {}
    for entry in root.xpath("/atom:feed/atom:entry", namespaces=NS):
        entry_id = entry.xpath("atom:id/text()", namespaces=NS).get() or ""
        title = _text(entry, "atom:title/text()") or ""
        if "/api/errors" in entry_id or title == "Error":
            raise ArxivError(_text(entry, "atom:summary/text()") or "arXiv API error")
        match = _ABS_ID_RE.search(entry_id)
        if not match:
            continue
        arxiv_id = strip_version(match.group(1))
        primary_terms = arxiv_categories(
            entry.xpath("arxiv:primary_category/@term", namespaces=NS).getall(), arxiv_id
        )
        primary = primary_terms[0] if primary_terms else None
        categories = arxiv_categories(entry.xpath("atom:category/@term", namespaces=NS).getall(), arxiv_id)
        if primary:
            categories = [primary] + [c for c in categories if c != primary]
        records[arxiv_id] = ArxivRecord(
            arxiv_id=arxiv_id,
            title=title,
            abstract=_text(entry, "atom:summary/text()") or "",
            authors=[
                clean_text(a) for a in entry.xpath("atom:author/atom:name/text()", namespaces=NS).getall()
            ],
            primary_category=primary,
            categories=categories,
            comment=_text(entry, "arxiv:comment/text()"),
            journal_ref=_text(entry, "arxiv:journal_ref/text()"),
            doi=_text(entry, "arxiv:doi/text()"),
            published=_text(entry, "atom:published/text()"),
        )
    return records


def abstract_html_to_text(html: str) -> str:
    """An abstract page's HTML abstract as plain text that keeps every link's real address.

    arXiv shows URLs as ``<a href="REAL">this https URL</a>``; the address
    is the content, so it replaces the anchor text.
    """
    # Imported here: only abstract pages need it, and it costs a daily run ~50 ms to load.
    from markdownify import MarkdownConverter

    class AbstractConverter(MarkdownConverter):
        def convert_a(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
            href = el.get("href") or ""
            text = text.strip()
            if not href or href == text:
                return text or href
            if text.lower().startswith(("this http", "this ftp")) or not text:
                return href
            return f"{text} ({href})"

    converter = AbstractConverter(escape_asterisks=False, escape_underscores=False, escape_misc=False)
    return clean_text(converter.convert(html))


def parse_abs_page(html: str, arxiv_id: str) -> ArxivRecord:
    """An arXiv ``/abs/ID`` page."""
    sel = Selector(text=html, type="html")
    block = sel.css("blockquote.abstract")
    if not block:
        raise ArxivError(f"no abstract on the arXiv page of {arxiv_id}")
    block.css("span.descriptor").drop()
    title_parts = sel.css("h1.title").xpath("./text()|./*[not(@class='descriptor')]//text()")
    subjects = sel.css("td.tablecell.subjects")
    primary_text = subjects.css("span.primary-subject::text").get() or ""
    other_text = "".join(subjects.xpath("./text()").getall())
    categories = arxiv_categories(
        [
            m.group(1)
            for part in [primary_text, *other_text.split(";")]
            if (m := _CATEGORY_RE.search(part.strip()))
        ],
        arxiv_id,
    )
    return ArxivRecord(
        arxiv_id=strip_version(arxiv_id),
        title=clean_text("".join(title_parts.getall())),
        abstract=abstract_html_to_text("".join(block.xpath("node()").getall())),
        authors=[clean_text(a) for a in sel.css("div.authors a::text").getall()],
        primary_category=categories[0] if categories else None,
        categories=categories,
        comment=clean_text(" ".join(sel.css("td.tablecell.comments ::text").getall())) or None,
        journal_ref=clean_text(" ".join(sel.css("td.tablecell.jref ::text").getall())) or None,
        doi=sel.css('meta[name="citation_doi"]::attr(content)').get(),
        published=None,
    )


def enrich(paper: Paper, record: ArxivRecord, source: str) -> Paper:
    """Fill a Hugging Face `Paper` with what arXiv knows.

    arXiv's abstract wins (it is the original); any ``this https URL`` left in
    it is filled from the URLs of Hugging Face's copy of the abstract.
    """
    if record.abstract:
        known = find_urls(paper.abstract)
        paper.abstract = restore_urls(record.abstract, known)
        paper.abstract_source = source
    if record.authors:
        paper.authors = record.authors
    if record.categories:
        paper.categories = record.categories
        paper.primary_category = record.primary_category
    paper.arxiv_comment = record.comment or paper.arxiv_comment
    paper.journal_ref = record.journal_ref or paper.journal_ref
    paper.doi = record.doi or paper.doi
    paper.published_at = record.published or paper.published_at
    return paper
