"""Parsing of arXiv API Atom feeds and arXiv abstract pages."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from lxml.etree import LxmlError
from parsel import Selector

from hfpapers.items import MAX_ABSTRACT, MAX_AUTHORS, MAX_KEYWORDS, MAX_NAME, MAX_TEXT, MAX_TITLE, Paper
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


def _text(sel: Selector, query: str, limit: int = MAX_NAME, arxiv_id: str = "") -> str | None:
    """The text at ``query``, cleaned; None when there is none, or when it is longer than any
    real one (with a warning: it is no paper's data, and costs only that field)."""
    value = sel.xpath(query, namespaces=NS).get()
    if not value or not value.strip():
        return None
    if len(value) > limit:
        _dropped(arxiv_id, query.split("/")[0].split(":")[-1], f"{len(value)} characters", limit)
        return None
    return clean_text(value)


def _dropped(arxiv_id: str, name: str, size: str, limit: int) -> None:
    logger.warning("%s: dropped arXiv's %s (%s, over %d)", arxiv_id or "arXiv", name, size, limit)


def _names(names: list[str], arxiv_id: str) -> list[str]:
    """Author names: none when the list is longer than any paper's, each one of a name's length."""
    if len(names) > MAX_AUTHORS:
        _dropped(arxiv_id, "authors", f"{len(names)} names", MAX_AUTHORS)
        return []
    return [clean_text(name) for name in names if len(name) <= MAX_NAME]


def _is_error_entry(entry_id: str) -> bool:
    """arXiv's error feed: one entry with an id under ``/api/errors`` (its title is Error,
    which a paper's title may be too)."""
    return "/api/errors" in entry_id


def parse_atom(body: str) -> dict[str, ArxivRecord]:
    """Entries of an API answer keyed by versionless id.

    Raises `ArxivError` for the error feed (HTTP 400: one entry, under ``/api/errors``); an
    error entry among papers is ignored alone, with a warning.
    """
    root = Selector(text=body, type="xml")
    records: dict[str, ArxivRecord] = {}
    entries = root.xpath("/atom:feed/atom:entry", namespaces=NS)
    for entry in entries:
        entry_id = entry.xpath("atom:id/text()", namespaces=NS).get() or ""
        if _is_error_entry(entry_id):
            message = _text(entry, "atom:summary/text()", MAX_TEXT) or "arXiv API error"
            if len(entries) == 1:
                raise ArxivError(message)
            logger.warning("arXiv's answer holds an error entry among its papers (%s); ignored", message)
            continue
        match = _ABS_ID_RE.search(entry_id)
        if not match or len(match.group(1)) > 40:
            continue
        arxiv_id = strip_version(match.group(1))
        primary_terms = arxiv_categories(
            entry.xpath("arxiv:primary_category/@term", namespaces=NS).getall()[:MAX_KEYWORDS], arxiv_id
        )
        primary = primary_terms[0] if primary_terms else None
        categories = arxiv_categories(
            entry.xpath("atom:category/@term", namespaces=NS).getall()[:MAX_KEYWORDS], arxiv_id
        )
        if primary:
            categories = [primary] + [c for c in categories if c != primary]
        records[arxiv_id] = ArxivRecord(
            arxiv_id=arxiv_id,
            title=_text(entry, "atom:title/text()", MAX_TITLE, arxiv_id) or "",
            abstract=_text(entry, "atom:summary/text()", MAX_ABSTRACT, arxiv_id) or "",
            authors=_names(entry.xpath("atom:author/atom:name/text()", namespaces=NS).getall(), arxiv_id),
            primary_category=primary,
            categories=categories,
            comment=_text(entry, "arxiv:comment/text()", MAX_TEXT, arxiv_id),
            journal_ref=_text(entry, "arxiv:journal_ref/text()", MAX_TEXT, arxiv_id),
            doi=_text(entry, "arxiv:doi/text()", MAX_NAME, arxiv_id),
            published=_text(entry, "atom:published/text()", MAX_NAME, arxiv_id),
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


def _bounded(text: str | None, limit: int, arxiv_id: str, name: str) -> str | None:
    """``text`` cleaned, or None when there is none or it is longer than any real one."""
    if text is None or not text.strip():
        return None
    if len(text) > limit:
        _dropped(arxiv_id, name, f"{len(text)} characters", limit)
        return None
    return clean_text(text) or None


# An abstract's HTML holds its links' markup besides its text: a little more than the text.
_ABSTRACT_HTML_FACTOR = 4


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
            for part in [primary_text, *other_text.split(";")][:MAX_KEYWORDS]
            if (m := _CATEGORY_RE.search(part.strip()[-MAX_NAME:]))
        ],
        arxiv_id,
    )
    abstract_html = "".join(block.xpath("node()").getall())
    if len(abstract_html) > _ABSTRACT_HTML_FACTOR * MAX_ABSTRACT:
        _dropped(arxiv_id, "abstract", f"{len(abstract_html)} characters of HTML", MAX_ABSTRACT)
        abstract = ""
    else:
        abstract = _bounded(abstract_html_to_text(abstract_html), MAX_ABSTRACT, arxiv_id, "abstract") or ""
    return ArxivRecord(
        arxiv_id=strip_version(arxiv_id),
        title=_bounded("".join(title_parts.getall()), MAX_TITLE, arxiv_id, "title") or "",
        abstract=abstract,
        authors=_names(sel.css("div.authors a::text").getall(), arxiv_id),
        primary_category=categories[0] if categories else None,
        categories=categories,
        comment=_bounded(
            " ".join(sel.css("td.tablecell.comments ::text").getall()), MAX_TEXT, arxiv_id, "comment"
        ),
        journal_ref=_bounded(
            " ".join(sel.css("td.tablecell.jref ::text").getall()), MAX_TEXT, arxiv_id, "journal_ref"
        ),
        doi=_bounded(sel.css('meta[name="citation_doi"]::attr(content)').get(), MAX_NAME, arxiv_id, "doi"),
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
