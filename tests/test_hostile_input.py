"""Hostile data and hostile edits: each attack, and what must hold against it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import html as lxml_html
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_f_from_coro_f

from exporters.korean_post import description
from exporters.markdown import escape_markdown, yaml_scalar
from fixture_server import FixtureServer
from hfpapers import settings
from hfpapers.hf import PayloadError, paper_from_entry
from hfpapers.items import PaperList
from hfpapers.periods import day_period, week_period
from hfpapers.pipelines import normalize_paper
from hfpapers.previous import PreviousData, front_matter_value, is_papers_post
from hfpapers.site import Site
from hfpapers.text import clean_text
from tests import jekyll
from tests.test_post_pages import THUMBNAIL, ranked, render
from tests.test_post_safety import front_matter

DAY = "2026-02-18"
PERIOD = day_period(date(2026, 2, 18))

# Characters YAML refuses in a document (Psych: "control characters are not allowed"),
# and the ones it reads as line breaks inside a scalar.
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]
YAML_BREAKS = ["\x85", "\u2028", "\u2029"]


# --- characters YAML forbids ---------------------------------------------------


@pytest.mark.parametrize("char", NONCHARACTERS + YAML_BREAKS + ["\x7f", "\x9f"])
def test_web_text_loses_what_yaml_forbids(char: str) -> None:
    assert clean_text(f"Bad{char}title") in ("Badtitle", "Bad title")


@pytest.mark.parametrize("char", NONCHARACTERS + YAML_BREAKS + ["\x7f", "\x9f", "\ufeff", "\x00"])
def test_a_yaml_scalar_is_safe_on_its_own(char: str) -> None:
    scalar = yaml_scalar(f"Bad {char} title")
    # Every character the document holds is one YAML reads as text on one line.
    assert all(
        c == "\t"
        or (" " <= c <= "~")
        or ("\xa0" <= c <= "\ufffd" and c not in "\u2028\u2029\ufeff")
        or c >= "\U00010000"
        for c in scalar
    ), repr(scalar)
    assert "\n" not in scalar
    assert yaml.safe_load(f"key: {scalar}")["key"].startswith("Bad")


@pytest.mark.slow
@pytest.mark.skipif(not jekyll.jekyll_available(), reason="needs jekyll")
def test_a_title_with_noncharacters_keeps_its_front_matter_in_jekyll(tmp_path: Path) -> None:
    papers = ranked(10, 5)
    papers[0].title = "Bad \uffff ti\ufffetle\U0001ffff \u2028 end\x85"
    papers[0].thumbnail = THUMBNAIL
    for p in papers:
        normalize_paper(p)
    post = tmp_path / PERIOD.post_name
    post.write_text(render(papers, POST_PERMALINK="/posts/{slug}-{key}/"), encoding="utf-8")
    pages = jekyll.build([post], tmp_path / "site", chirpy=True)
    page = pages[post.name].read_text(encoding="utf-8")
    # The front matter was read: its title is the page's heading, and none of it shows as text.
    shown = jekyll.visible_text(pages[post.name])
    assert "<h1" in page and PERIOD.title in shown
    assert "hfpapers: daily" not in shown and "description:" not in shown
    assert "Bad title end - 👍 10" in shown


# --- a count that is no number --------------------------------------------------


def entry(**paper_fields: Any) -> dict[str, Any]:
    return {"paper": {"id": "2602.15763", "title": "A paper", **paper_fields}}


@pytest.mark.parametrize("count", ["\u00b2", "1" * 5000, "١٢", "13" * 7, "12.0", " 1_000 "])
def test_an_odd_comment_or_star_count_is_no_count(count: str) -> None:
    paper = paper_from_entry({**entry(githubStars=count), "numComments": count})
    assert paper.comments == 0 and paper.github_stars is None


@pytest.mark.parametrize("count", ["\u00b2", "1" * 5000, 10**30])
def test_odd_likes_drop_that_entry_alone(count: object) -> None:
    with pytest.raises(PayloadError):
        paper_from_entry(entry(upvotes=count))


def test_counts_as_strings_are_still_read() -> None:
    paper = paper_from_entry({**entry(upvotes=" 12 ", githubStars="7"), "numComments": "3"})
    assert (paper.upvotes, paper.comments, paper.github_stars) == (12, 3, 7)


@deferred_f_from_coro_f
async def test_one_entry_with_a_superscript_count_fails_nothing(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    entries = server.edit_day(DAY)
    entries[3]["numComments"] = "\u00b2"
    entries[4]["paper"]["upvotes"] = "\u00b2"
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert result.data(DAY)["total_papers"] == 12  # the entry with odd likes dropped alone


# --- a hand-edited data file -----------------------------------------------------


def test_odd_ranks_and_likes_in_a_data_file_are_unknown(tmp_path: Path) -> None:
    data = tmp_path / "daily.json"
    odd: list[Any] = ["1", 0, -3, True, 1.5, None, [1]]
    papers = [
        {"arxiv_id": f"2602.{10000 + n}", "rank": v, "upvotes": v, "previous_rank": v, "previous_upvotes": v}
        for n, v in enumerate(odd)
    ]
    papers.append(
        {"arxiv_id": "2602.20000", "rank": 2, "upvotes": 0, "previous_rank": 1, "previous_upvotes": 7}
    )
    data.write_text(json.dumps({"papers": papers, "replaces_post": True}), encoding="utf-8")
    read = PreviousData.read(data)
    assert read is not None
    for n, value in enumerate(odd):
        fields = read.papers[f"2602.{10000 + n}"]
        assert fields["rank"] is None and fields["previous_rank"] is None, value
        expected = 0 if value == 0 and value is not False else None
        assert fields["upvotes"] == expected and fields["previous_upvotes"] == expected, value
    good = read.papers["2602.20000"]
    assert (good["rank"], good["upvotes"], good["previous_rank"], good["previous_upvotes"]) == (2, 0, 1, 7)


def test_the_old_scripts_odd_likes_are_unknown(tmp_path: Path) -> None:
    data = tmp_path / "daily.json"
    entries = [{"url": "https://huggingface.co/papers/2602.10000", "likes": "5"}]
    data.write_text(json.dumps({"crawled_at": "x", "papers": entries}), encoding="utf-8")
    read = PreviousData.read(data)
    assert read is not None and read.papers["2602.10000"]["upvotes"] is None


def test_a_data_file_that_is_a_link_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Even to a good data file: the writer replaces no file that is a link, so no list is
    compared with what one points at."""
    real, data = tmp_path / "real.json", tmp_path / "daily.json"
    entries = [{"arxiv_id": "2602.10000", "rank": 1, "upvotes": 5}]
    real.write_text(json.dumps({"papers": entries}), encoding="utf-8")
    data.symlink_to(real)
    assert PreviousData.read(real) is not None
    assert PreviousData.read(data) is None
    assert f"{data}: unreadable ({data} is a symbolic link, not a regular file)" in caplog.text


@deferred_f_from_coro_f
async def test_a_hand_edited_data_file_does_not_block_the_refresh(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, site: Path
) -> None:
    assert (await crawl(args={"date": DAY})).record.ok
    data_file = site / "_data" / "papers" / f"daily-{DAY}.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    data["papers"][0]["rank"], data["papers"][1]["upvotes"] = "1", "many"
    del data["hfpapers_sha256"]  # a data file without a seal (an older version's): hfpapers' to replace
    data_file.write_text(json.dumps(data), encoding="utf-8")
    server.edit_day(DAY)[5]["paper"]["upvotes"] += 50  # the ranking moves: movement is computed
    refresh = await crawl(args={"date": DAY})
    assert refresh.record.ok, refresh.log[-3000:]
    assert [o.status for o in refresh.record.lists] == ["written"]


# --- lengths, list markers, and front matter as Jekyll reads it ----------------------


def test_the_image_caption_is_at_most_160_characters() -> None:
    papers = ranked(10)
    papers[0].title, papers[0].thumbnail = "Long title " * 40, THUMBNAIL
    image = front_matter(render(papers))["image"]
    assert isinstance(image, dict)
    alt = str(image["alt"])
    assert len(alt) <= 160 and alt.endswith("…")


@pytest.mark.parametrize("likes", [10**11, 10**40, 10**200])
def test_the_description_stays_160_whatever_the_likes(likes: int) -> None:
    papers = [vars(p) for p in ranked(likes)]
    papers[0]["title"] = "A title " * 20
    assert len(description(PERIOD, papers)) <= 160


KEYWORDS = ["1. first", "- dash", "+ plus", "* star", "12) paren", "-"]


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_a_keyword_like_a_list_marker_is_escaped(keyword: str) -> None:
    papers = ranked(3, 2)
    for p in papers:
        p.ai_keywords = [keyword]
    post = render(papers, week_period("2026-W08"))
    assert f"- {escape_markdown(keyword)}: 2편" in post.splitlines()
    assert "\\" in escape_markdown(keyword)


@pytest.mark.slow
@pytest.mark.skipif(not jekyll.jekyll_available(), reason="needs jekyll")
def test_keywords_like_list_markers_make_no_nested_list_in_jekyll(tmp_path: Path) -> None:
    papers = ranked(3, 2)
    for p in papers:
        p.ai_keywords = list(KEYWORDS)
    period = week_period("2026-W08")
    post = tmp_path / "2026-02-23-weekly-papers.md"
    post.write_text(render(papers, period), encoding="utf-8")
    page = jekyll.build([post], tmp_path / "site")[post.name]
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    [heading] = [h for h in tree.xpath("//h2") if "주요 키워드" in h.text_content()]
    [keywords] = heading.xpath("following-sibling::ul[1]")
    assert not keywords.xpath(".//ul | .//ol")
    shown = sorted(" ".join(li.text_content().split()) for li in keywords.xpath("./li"))
    assert shown == sorted(f"{k}: 2편" for k in KEYWORDS)


def test_a_list_marker_mid_text_is_left_as_it_is() -> None:
    assert escape_markdown("a - b 1. c") == "a - b 1. c"
    assert escape_markdown("1. Intro") == "1\\. Intro"


@pytest.mark.parametrize(
    "text",
    [
        "---\r\ntitle: Hugging Face Daily Papers - 2026-02-18\r\nhfpapers: daily\r\n---\r\n\r\n총",
        "\ufeff---\ntitle: Hugging Face Daily Papers - 2026-02-18\nhfpapers: daily\n---\n\n총",
        "\ufeff---\r\ntitle: Hugging Face Daily Papers - 2026-02-18\r\n---\r\n\r\n"
        "# Hugging Face Daily Papers - 2026-02-18\r\n",
    ],
)
def test_our_post_with_crlf_or_a_bom_is_still_ours(tmp_path: Path, text: str) -> None:
    post = tmp_path / PERIOD.post_name
    post.write_bytes(text.encode("utf-8"))
    assert is_papers_post(post, PERIOD)
    assert front_matter_value(post, "title") == PERIOD.title


def test_the_last_title_counts_as_in_jekyll(tmp_path: Path) -> None:
    post = tmp_path / PERIOD.post_name
    post.write_text(
        f"---\ntitle: {PERIOD.title}\nhfpapers: daily\ntitle: My own notes\n---\n\nmine\n", encoding="utf-8"
    )
    assert front_matter_value(post, "title") == "My own notes"
    assert not is_papers_post(post, PERIOD)
    post.write_text(
        f"---\ntitle: My own notes\ntitle: {PERIOD.title}\nhfpapers: daily\n---\n", encoding="utf-8"
    )
    assert is_papers_post(post, PERIOD)


# --- the user's post, changed during the run ----------------------------------------

USERS_POST = "---\ntitle: My own notes on the day\n---\n\nUSER TEXT\n"


class UserEditsThePost:
    """After the list passed PreviousPostPipeline, its author writes their own post
    at its name (and over the old script's post it would retire)."""

    def __init__(self, crawler: Crawler) -> None:
        self.site = Site.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UserEditsThePost:
        return cls(crawler)

    def process_item(self, item: PaperList) -> PaperList:
        if item.retired_posts:
            for name in item.retired_posts:
                Path(name).write_text(USERS_POST, encoding="utf-8")
        else:
            post = self.site.post(item.period)
            post.parent.mkdir(parents=True, exist_ok=True)
            post.write_text(USERS_POST, encoding="utf-8")
        return item


# The project's pipelines, then the user's edit (a setting given replaces the project's dict).
EDITS = {"ITEM_PIPELINES": {**settings.ITEM_PIPELINES, "tests.test_hostile_input.UserEditsThePost": 900}}


@deferred_f_from_coro_f
async def test_a_post_the_user_writes_during_the_run_is_left_as_it_is(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"start": "2026-02-17", "end": DAY}, settings=EDITS)
    statuses = {o.key: o.status for o in result.record.lists}
    assert statuses == {"2026-02-17": "failed", DAY: "failed"}, result.log[-3000:]
    for key in statuses:
        assert (site / "_posts" / f"{key}-daily-papers.md").read_text(encoding="utf-8") == USERS_POST
        assert not (site / "_data" / "papers" / f"daily-{key}.json").exists()
    reasons = {o.reason for o in result.record.lists}
    assert all(r.endswith(" is not a papers post; left alone, and this list not written") for r in reasons)
    assert not list(site.rglob(".*.tmp*"))


@deferred_f_from_coro_f
async def test_an_old_post_the_user_takes_over_during_the_run_is_not_removed(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    old = site / "_posts" / f"{DAY}-daily-papers-1771372800.md"
    old.parent.mkdir(parents=True)
    old.write_text(f"---\ntitle: {PERIOD.title}\n---\n\n# {PERIOD.title}\n\nold list\n", encoding="utf-8")
    result = await crawl(args={"date": DAY}, settings=EDITS)
    [outcome] = result.record.lists
    expected = f"{old} is not a papers post; left alone, and this list not written"
    assert outcome.reason == expected, result.log[-3000:]
    assert old.read_text(encoding="utf-8") == USERS_POST
    assert not (site / "_posts" / f"{DAY}-daily-papers.md").exists()


# --- one bad field costs that field ---------------------------------------------------


def papers_by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {paper["arxiv_id"]: paper for paper in data["papers"]}


@deferred_f_from_coro_f
async def test_a_lone_surrogate_in_one_field_costs_that_field_alone(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """A lone surrogate cannot be written as UTF-8: the day's files failed for one field."""
    entries = server.edit_day(DAY)
    listed, repo = entries[1]["paper"], entries[2]["paper"]
    listed["submittedOnDailyAt"] += "\ud800"
    repo["githubRepo"] = "https://github.com/zai-org/GLM-5\udfff"
    entries[3]["paper"]["ai_keywords"] = ["kept", "cut\ud800"]
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    papers = papers_by_id(result.data(DAY))
    assert len(papers) == 13
    assert papers[listed["id"]]["submitted_on_daily_at"] == listed["submittedOnDailyAt"][:-1]
    assert papers[repo["id"]]["github_repo"] is None
    assert papers[entries[3]["paper"]["id"]]["ai_keywords"] == ["kept", "cut"]
    assert (
        f"{repo['id']}: dropped the link github_repo = 'https://github.com/zai-org/GLM-5\\udfff'"
        in result.log
    )


@deferred_f_from_coro_f
async def test_a_thumbnail_ending_in_a_newline_costs_the_image_not_the_top_paper(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl
) -> None:
    entries = server.edit_day(DAY)
    top = max(entries, key=lambda e: e["paper"]["upvotes"])
    top["thumbnail"] += "\n"
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    data = result.data(DAY)
    assert data["total_papers"] == 13
    assert data["papers"][0]["arxiv_id"] == top["paper"]["id"]
    assert data["papers"][0]["thumbnail"] is None
    assert "image:" not in result.post(DAY).read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_a_link_that_reads_backwards_is_dropped_from_the_post(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    entries = server.edit_day(DAY)
    entries[0]["paper"]["githubRepo"] = "https://github.com/evil/\u202egnp.exe"
    entries[1]["paper"]["projectPage"] = "https://huggingface.co\u200b.evil.example/login"
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert result.data(DAY)["total_papers"] == 13
    post = result.post(DAY).read_text(encoding="utf-8")
    assert "gnp.exe" not in post and "evil.example" not in post and "\u202e" not in post
    assert result.log.count(": dropped the link ") == 2
