"""Item pipelines over a whole list (a `PaperList`): normalize, dedupe, rank by likes,
validate, and compare with the post already published for the list."""

from __future__ import annotations

import dataclasses
import json
import logging
import pkgutil
from typing import Any

import fastjsonschema
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from hfpapers.arxiv import arxiv_categories
from hfpapers.items import MAX_ABSTRACT, MAX_AUTHORS, MAX_KEYWORDS, MAX_NAME, MAX_TEXT, Paper, PaperList
from hfpapers.previous import PreviousData, permalink_of, post_date_of, retired_posts
from hfpapers.responses import shown
from hfpapers.site import Site
from hfpapers.text import clean_text, link_problem, strip_version

logger = logging.getLogger(__name__)


class _ListPipeline:
    def __init__(self, crawler: Crawler):
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.crawler = crawler
        self.site = Site.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)


# The fields that are links: a link with a character a reader cannot see, or one that
# turns what they see around, is dropped, not cleaned (its cleaned form is another address).
LINK_FIELDS = ("github_repo", "project_page", "thumbnail")
# The text fields a paper may lack (None): left empty by the cleaning, they are None.
_OPTIONAL_TEXT = {f.name for f in dataclasses.fields(Paper) if f.default is None}


def normalize_paper(paper: Paper) -> Paper:
    """Every text field that reaches a file, cleaned once: the arXiv id without its
    version, links checked (a bad one dropped with a warning naming the paper, which
    stays), and every other text (lists' items too) through `clean_text`: NFC, no
    control or format characters or lone surrogates, whitespace collapsed."""
    paper.arxiv_id = strip_version(paper.arxiv_id)
    for name in LINK_FIELDS:
        url = getattr(paper, name)
        if url is not None and (problem := link_problem(url)):
            logger.warning("%s: dropped the link %s = %r: %s", paper.arxiv_id, name, url[:200], problem)
            setattr(paper, name, None)
    for name, value in list(vars(paper).items()):
        if name == "arxiv_id" or name in LINK_FIELDS:
            continue
        if isinstance(value, str):
            cleaned = clean_text(value)
            # A field that may be missing is missing when nothing is left of it.
            setattr(paper, name, cleaned or (None if name in _OPTIONAL_TEXT else cleaned))
        elif isinstance(value, list):
            setattr(paper, name, [text for item in value if (text := clean_text(str(item)))])
    return paper


class NormalizePipeline(_ListPipeline):
    """Every paper through `normalize_paper`: clean text, checked links, ids without vN."""

    def process_item(self, item: PaperList) -> PaperList:
        item.papers = [normalize_paper(p) for p in item.papers]
        return item


def dedupe(papers: list[Paper]) -> tuple[list[Paper], int]:
    """One paper per arXiv id, keeping the one with the most likes."""
    best: dict[str, Paper] = {}
    for paper in papers:
        kept = best.get(paper.arxiv_id)
        if kept is None or paper.upvotes > kept.upvotes:
            best[paper.arxiv_id] = paper
    return list(best.values()), len(papers) - len(best)


class DedupePipeline(_ListPipeline):
    def process_item(self, item: PaperList) -> PaperList:
        item.papers, dropped = dedupe(item.papers)
        if dropped:
            self.stats.inc_value("papers/duplicates", dropped)
            logger.info("%s: %d duplicate entries merged", item.period, dropped)
        return item


def rank_by_likes(papers: list[Paper]) -> list[Paper]:
    """Sort by likes, then comments, then arXiv id; competition ranks (1, 2, 2, 4)."""
    ordered = sorted(papers, key=lambda p: (-p.upvotes, -p.comments, p.arxiv_id))
    for position, paper in enumerate(ordered, 1):
        previous = ordered[position - 2] if position > 1 else None
        same = previous is not None and previous.upvotes == paper.upvotes
        paper.rank = previous.rank if same and previous is not None else position
    return ordered


class RankPipeline(_ListPipeline):
    """Ranks the day and applies the spider's optional ``top`` limit."""

    def process_item(self, item: PaperList) -> PaperList:
        item.papers = rank_by_likes(item.papers)
        item.found_papers = len(item.papers)
        # What the list has, before `top`: the next run compares its list with all of it.
        item.found = [{"arxiv_id": p.arxiv_id, "rank": p.rank, "upvotes": p.upvotes} for p in item.papers]
        top = getattr(self.crawler.spider, "top", None)
        if top:
            item.papers = item.papers[:top]
        item.total_papers = len(item.papers)
        return item


_validate_paper: Any = None


def validate_paper(paper: Paper) -> None:
    """Raises ``fastjsonschema.JsonSchemaValueException`` for a paper against ``paper.schema.json``."""
    global _validate_paper
    if _validate_paper is None:
        # The schema ItemAdapter.get_json_schema derives from items.py, written once (see items.py).
        data = pkgutil.get_data("hfpapers", "paper.schema.json")
        assert data is not None
        _validate_paper = fastjsonschema.compile(json.loads(data))
    _validate_paper(vars(paper))


def paper_errors(paper: Paper) -> str | None:
    """The first schema error of a paper, as ``field = value: message``; None when valid."""
    try:
        validate_paper(paper)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = "/".join(str(part) for part in exc.path[1:])
        return f"{where or '(paper)'} = {shown(exc.value)}: {exc.message.removeprefix('data.')}"
    return None


class ValidatePipeline(_ListPipeline):
    """Checks every paper against the JSON schema derived from `Paper`.

    fastjsonschema compiles it (jsonschema's interpreter cost more than the
    whole rest of a run's CPU on long author lists). An invalid paper is
    dropped alone, with a warning naming it and its bad field with its value;
    a list whose every paper is invalid fails.
    """

    def process_item(self, item: PaperList) -> PaperList:
        valid = []
        for paper in item.papers:
            error = paper_errors(paper)
            if error is None:
                valid.append(paper)
                continue
            logger.warning("%s: dropped the paper %s: invalid %s", item.period, paper.arxiv_id, error)
            self.stats.inc_value("papers/invalid")
        if item.papers and not valid:
            # The RunLedger logs the list's ERROR line from the drop.
            raise DropItem(f"{item.period}: every paper is invalid", log_level="DEBUG")
        item.papers = valid
        return item


class KeepExisting(DropItem):
    """Dropped on purpose: the post already published for the list is better."""

    keeps_existing = True


# Where a paper's abstract came from when arXiv gave it.
FROM_ARXIV = ("arxiv_api", "arxiv_abs")
# A paper's fields that only arXiv fills, with the longest each may be as read from a data file.
_ARXIV_TEXT = {"arxiv_comment": MAX_TEXT, "journal_ref": MAX_TEXT, "doi": MAX_NAME, "published_at": MAX_NAME}


def _names(value: Any, most: int) -> list[str] | None:
    """A list of names as a data file holds it, or None when it is not one."""
    if (
        isinstance(value, list)
        and len(value) <= most
        and all(isinstance(v, str) and len(v) <= MAX_NAME for v in value)
    ):
        return value
    return None


def with_earlier_arxiv_data(paper: Paper, earlier: dict[str, Any]) -> Paper | None:
    """``paper`` (without arXiv's data this run) with the arXiv data an earlier run wrote for it
    in the list's data file; None when that entry holds none, or none that passes the checks
    every paper passes (a data file may have been edited by hand)."""
    abstract = earlier.get("abstract")
    if earlier.get("abstract_source") not in FROM_ARXIV or not isinstance(abstract, str):
        return None
    if not abstract.strip() or len(abstract) > MAX_ABSTRACT:
        return None
    kept = dataclasses.replace(paper, abstract=abstract, abstract_source=earlier["abstract_source"])
    authors = _names(earlier.get("authors"), MAX_AUTHORS)
    if authors:
        kept.authors = list(authors)
    categories = _names(earlier.get("categories"), MAX_KEYWORDS)
    if categories:
        kept.categories = arxiv_categories(categories, paper.arxiv_id)
        primary = earlier.get("primary_category")
        kept.primary_category = primary if primary in kept.categories else None
    for name, most in _ARXIV_TEXT.items():
        value = earlier.get(name)
        if isinstance(value, str) and value.strip() and len(value) <= most:
            setattr(kept, name, value)
    normalize_paper(kept)
    return kept if paper_errors(kept) is None else None


class PreviousPostPipeline(_ListPipeline):
    """Compares the list with the post already published for it (ours or the old script's).

    - No silent shrinkage: when this run found fewer papers than the existing
      data file lists, the existing post is kept (unless ``-a force=1``);
      Hugging Face sometimes answers with a partial list.
    - Rank movement, like with like: each paper gets its rank and likes in what the
      run behind the existing post *found* (``previous_rank``, ``previous_upvotes``),
      shown or not, for the ▲/▼/NEW marks; none against the old script's post,
      crawled at another time by other rules. When nothing moved, the existing
      post's own marks are kept, so an identical re-run writes identical files
      (and git publishing commits nothing).
    - One URL: the post keeps the URL of the post it replaces; the old
      script's posts under its older name are retired (ListWriter removes them).
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.permalink_pattern = crawler.settings.get("POST_PERMALINK")
        self.site_post_url = crawler.settings.get("SITE_POST_URL")

    def process_item(self, item: PaperList) -> PaperList:
        item = self._compare(item)
        self._place(item)
        # The last pipeline that decides which papers a post shows (KoreanSummaryPipeline, after
        # it, only adds their summaries): what passes here is what the post shows.
        self.stats.inc_value("papers/posted", item.total_papers)
        return item

    def _place(self, item: PaperList) -> None:
        """The post's URL, and the old posts it replaces."""
        # Whether the post there may be replaced is the ListWriter's to say, just before it does.
        current = self.site.post(item.period)
        retired = retired_posts(self.site, item.period)
        item.retired_posts = [str(p) for p in retired]
        if current.exists():
            item.post_date = post_date_of(current)
        if not self.permalink_pattern:
            return
        # The post's own URL; else the newest replaced post's (where links point), as it
        # set it or as the site gave it from its file name; else the pattern's.
        if current.exists() and (url := permalink_of(current)):
            item.permalink = url
        elif retired:
            newest = retired[-1]
            title = newest.stem[len("YYYY-MM-DD-") :]
            item.permalink = permalink_of(newest) or self.site_post_url.format(title=title)
        else:
            item.permalink = item.period.permalink(self.permalink_pattern)

    def _keep_arxiv_data(self, item: PaperList, previous: PreviousData) -> None:
        """Never a worse post: a paper arXiv gave nothing for this run (it is down, refusing, or
        the run was stopped) keeps the arXiv data the existing post has for it, from the list's
        data file. When that cannot be had for every such paper, the existing post is kept."""
        lost = []
        for index, paper in enumerate(item.papers):
            earlier = previous.papers.get(paper.arxiv_id)
            if paper.abstract_source in FROM_ARXIV or earlier is None:
                continue
            if earlier.get("abstract_source") not in FROM_ARXIV:
                continue  # the earlier run had no more than this one
            kept = with_earlier_arxiv_data(paper, earlier)
            if kept is None:
                lost.append(paper.arxiv_id)
            else:
                item.papers[index] = kept
                item.arxiv_kept += 1
        if lost and not getattr(self.crawler.spider, "force", False):
            logger.warning(
                "%s: keeping the existing post: it has arXiv's data for %d papers this run has none for"
                " (%s; -a force=1 replaces it)",
                item.period,
                len(lost),
                ", ".join(lost[:5]),
            )
            self.stats.inc_value("hfpapers/kept_existing")
            raise KeepExisting(
                f"the existing post has arXiv's data for {len(lost)} papers this run has none for",
                log_level="DEBUG",
            )
        if item.arxiv_kept:
            logger.warning(
                "%s: arXiv gave no data for %d papers this run; they keep the existing post's",
                item.period,
                item.arxiv_kept,
            )
            self.stats.inc_value("papers/arxiv_from_earlier_run", item.arxiv_kept)

    def _compare(self, item: PaperList) -> PaperList:
        spider = self.crawler.spider
        previous = PreviousData.read(self.site.data_file(item.period), item.period)
        if previous is None:
            return item
        if not self.site.post(item.period).exists() and not retired_posts(self.site, item.period):
            # A data file whose post is gone: there is no post to keep, or to show movement against.
            logger.info("%s: a data file but no post; writing the post", item.period)
            return item
        # What this run found, not what it keeps: `-a top=3` of 13 shrinks nothing.
        if item.found_papers < previous.listed and not getattr(spider, "force", False):
            logger.warning(
                "%s: keeping the existing post: it lists %d papers, this run found %d"
                " (-a force=1 replaces it)",
                item.period,
                previous.listed,
                item.found_papers,
            )
            self.stats.inc_value("hfpapers/kept_existing")
            raise KeepExisting(
                f"the existing post lists {previous.listed} papers, this run found {item.found_papers}",
                log_level="DEBUG",
            )
        self._keep_arxiv_data(item, previous)
        if previous.found is None:
            # The old script's list (crawled at another time, by other rules) or a part of
            # ours: no like to compare with; its post is replaced without movement marks.
            return item
        if previous.same_found(item.found):
            # Nothing moved since: the earlier version's own marks, so a re-run writes the same bytes.
            item.compared_with = previous.compared_with
            marks = {
                arxiv_id: (old.get("previous_rank"), old.get("previous_upvotes"))
                for arxiv_id, old in previous.found.items()
            }
        else:
            item.compared_with = len(previous.found)
            marks = {arxiv_id: (old["rank"], old["upvotes"]) for arxiv_id, old in previous.found.items()}
        for entry in item.found:
            before = marks.get(entry["arxiv_id"], (None, None))
            if before != (None, None):  # a new paper's entry stays as short as a first run's
                entry["previous_rank"], entry["previous_upvotes"] = before
        for paper in item.papers:
            paper.previous_rank, paper.previous_upvotes = marks.get(paper.arxiv_id, (None, None))
        return item
