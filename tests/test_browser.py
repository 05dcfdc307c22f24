"""The posts as the blog's reader sees them: built by real Jekyll in the
Chirpy-shaped site (tests/chirpy), looked at in headless Chromium with the
blog's MathJax 3 and Mermaid 11 (the DOM after their scripts ran)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from lxml import html as lxml_html

from exporters.korean_post import known_author
from exporters.markdown import plain_text
from hfpapers.periods import day_period, week_period
from tests import chromium, jekyll
from tests.test_post_pages import HOSTILE_TITLE, THUMBNAIL, ranked, render
from tests.test_post_safety import front_matter

pytestmark = pytest.mark.slow  # every test here starts a process other than git

AUTHORS = "lim4349:\n  name: Lim Blogger\n  url: https://github.com/lim4349\n"
DOLLARS = "It costs under $5 and saves $10 per run, in $O(n^2)$ time."
SCRIPTED = (
    r"Click $\href{javascript:alert(1)}{클릭}$ or $\style{color:red}{x}$;"
    r" see \(y\) and \begin{equation}z\end{equation}."
)
SUMMARY = r"요약에서도 $\href{javascript:alert(2)}{링크}$ 는 링크가 아닙니다."
# URLs with dollars: in a link's text MathJax would typeset $b$ (the text then differs from the href).
DOLLAR_URLS = "Data at https://example.com/$b$/x_y?q=1&r=2 and https://example.com/a$5 too."
DOLLAR_REPO = "https://github.com/a/$c$"
PLAIN = "ResearchGym provides infrastructure for systematic evaluation of agents."
LIGHT_BACKGROUND, DARK_BACKGROUND = "#ffffff", "#1b1b1e"  # Chirpy's page backgrounds


@dataclass
class Built:
    url: str
    out: Path
    daily: str  # each post's path on the site
    weekly: str
    pale: str  # the daily post without our chart colour: Mermaid's default palette
    descriptions: dict[str, str]


def luminance(color: str) -> float:
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> object:
    work = tmp_path_factory.mktemp("chirpy")
    site = work / "blog"  # the crawl's SITE_DIR, whose authors.yml names lim4349
    (site / "_data").mkdir(parents=True)
    (site / "_data" / "authors.yml").write_text(AUTHORS, encoding="utf-8")
    known_author.cache_clear()
    papers = ranked(10, 8, 8, 5)  # ranks 1, 2, 2, 4
    papers[0].title, papers[0].thumbnail, papers[0].abstract = HOSTILE_TITLE, THUMBNAIL, DOLLARS
    papers[1].abstract, papers[1].summary_ko = SCRIPTED, SUMMARY
    papers[3].abstract, papers[3].github_repo = DOLLAR_URLS, DOLLAR_REPO
    papers[2].abstract, papers[0].ai_summary = PLAIN, "Hugging Face's own line about it."
    for p, words in zip(papers, (["LLMs", "RL"], ["llm"], ["LLM"], ["Diffusion"]), strict=True):
        p.ai_keywords = words
    day = day_period(date(2026, 2, 18))
    posts = {
        "daily": render(papers, day, site=site, POST_PERMALINK="/posts/{slug}-{key}/", POST_AUTHOR="lim4349"),
        # No POST_AUTHOR (the default): no author line, Chirpy shows the site's own.
        "weekly": render(papers, week_period("2026-W08"), site=site),
    }
    posts["pale"] = re.sub(r"%%\{init: .*\}%%", "", posts["daily"]).replace(
        "daily-papers-2026-02-18/", "pale-2026-02-17/"
    )
    names = {"daily": day.post_name, "weekly": "2026-02-16-weekly-papers.md", "pale": "2026-02-17-pale.md"}
    sources = []
    for key, name in names.items():
        sources.append(work / name)
        sources[-1].write_text(posts[key], encoding="utf-8")
    pages = jekyll.build(sources, work / "site", chirpy=True, authors=AUTHORS)
    out = work / "site" / "out"
    with chromium.serve(out) as url:
        paths = {key: "/" + str(pages[name].parent.relative_to(out)) + "/" for key, name in names.items()}
        yield Built(
            url,
            out,
            daily=paths["daily"],
            weekly=paths["weekly"],
            pale=paths["pale"],
            descriptions={key: str(front_matter(posts[key])["description"]) for key in ("daily", "weekly")},
        )


def page(built: Built, path: str, mode: str = "light") -> lxml_html.HtmlElement:
    return chromium.dump_dom(f"{built.url}{path}{'&' if '?' in path else '?'}mode={mode}")


# --- the home page's cards and the feed ----------------------------------


def test_cards_show_the_description_and_the_top_papers_thumbnail(built: Built) -> None:
    home = page(built, "/")
    cards = {card.xpath(".//a/@href")[0]: card for card in home.xpath('//div[@id="post-list"]/article')}
    daily, weekly = cards[built.daily], cards[built.weekly]
    assert (
        chromium.text_of(daily.xpath('.//div[contains(@class, "card-text")]')[0])
        == built.descriptions["daily"]
    )
    assert (
        chromium.text_of(weekly.xpath('.//div[contains(@class, "card-text")]')[0])
        == built.descriptions["weekly"]
    )
    [img] = daily.xpath(".//img")
    assert img.get("src") == THUMBNAIL and img.get("alt") == plain_text(HOSTILE_TITLE, attribute=True)
    # The hostile title made no element and no script on the home page; no chart source leaked.
    assert not home.xpath('//div[@id="post-list"]//script | //div[@id="post-list"]//mjx-container')
    assert "xychart-beta" not in chromium.text_of(home)


def test_the_feed_is_xml_and_summarises_each_post_by_its_description(built: Built) -> None:
    feed = ET.fromstring((built.out / "feed.xml").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    summaries = {}
    for entry in feed.iter(f"{atom}entry"):
        link, summary = entry.find(f"{atom}link"), entry.find(f"{atom}summary")
        assert link is not None and summary is not None
        summaries[str(link.get("href")).removeprefix("https://lim4349.github.io")] = summary.text
    assert summaries[built.daily] == built.descriptions["daily"]
    assert summaries[built.weekly] == built.descriptions["weekly"]
    assert not any("-->" in (text or "") for text in summaries.values())


def test_the_description_under_the_title_is_text_even_with_mathjax_on(built: Built) -> None:
    post = page(built, built.daily)
    [desc] = post.xpath('//p[contains(@class, "post-desc")]')
    assert chromium.text_of(desc) == built.descriptions["daily"]
    assert not desc.xpath(".//*")  # no element: no markup, no typeset math
    assert post.xpath("//mjx-container")  # MathJax did run on this page


# --- dollars and dangerous TeX ----------------------------------------------


def abstract_item(post: lxml_html.HtmlElement, start: str) -> lxml_html.HtmlElement:
    [item] = [li for li in post.xpath("//li") if chromium.text_of(li).startswith(start)]
    return item


def test_a_lone_dollar_stays_a_dollar_and_real_math_is_typeset(built: Built) -> None:
    post = page(built, built.daily)
    item = abstract_item(post, "Abstract: It costs")
    assert "costs under $5 and saves $10 per run" in chromium.text_of(item)
    assert len(item.xpath(".//mjx-container")) == 1  # O(n^2) alone is math


def test_math_makes_no_link_and_no_style(built: Built) -> None:
    post = page(built, built.daily)
    assert not post.xpath('//a[starts-with(normalize-space(@href), "javascript")]')
    assert not post.xpath("//mjx-container//a | //mjx-container//*[@style and contains(@style, 'red')]")
    abstract = abstract_item(post, "Abstract: Click")
    assert len(abstract.xpath(".//mjx-container")) == 2  # both formulas typeset, harmlessly
    assert r"see \(y\) and \begin{equation}z\end{equation}." in chromium.text_of(abstract)
    summary = abstract_item(post, "요약:")
    assert summary.xpath(".//mjx-container") and not summary.xpath(".//a")


def test_a_link_shows_its_url_as_it_is_even_with_dollars(built: Built) -> None:
    post = page(built, built.daily)
    links = post.xpath('//a[contains(@href, "$")]')
    assert sorted(a.get("href") for a in links) == [
        "https://example.com/$b$/x_y?q=1&r=2",
        "https://example.com/a$5",
        DOLLAR_REPO,
    ]
    for a in links:
        assert chromium.text_of(a) == a.get("href")
    assert not post.xpath("//a//mjx-container")
    assert chromium.text_of(abstract_item(post, "Abstract: Data at")).endswith(" too.")


# --- tied ranks ----------------------------------------------------------------


def test_ties_show_the_same_rank_in_the_list_and_on_the_chart(built: Built) -> None:
    post = page(built, built.daily)
    [ranking] = post.xpath('//div[contains(@class, "content")]/ol')
    numbers, shown = [], 0
    for item in ranking.xpath("./li"):  # how a browser numbers an <ol>
        shown = int(item.get("value")) if item.get("value") else shown + 1
        numbers.append(shown)
    assert numbers == [1, 2, 2, 4]
    bars = post.xpath('//g[contains(@class, "bar-plot")]/rect')
    assert len({bar.get("x") for bar in bars}) == 4  # four bars, none drawn over another
    labels = [
        chromium.text_of(t).rstrip("\u200b") for t in post.xpath('//g[contains(@class, "bottom-axis")]//text')
    ]
    assert labels == ["1위", "2위", "2위", "4위"]


# --- chart colours ----------------------------------------------------------------


@pytest.mark.parametrize(("mode", "background"), [("light", LIGHT_BACKGROUND), ("dark", DARK_BACKGROUND)])
def test_the_bars_read_on_both_themes(built: Built, mode: str, background: str) -> None:
    fills = {
        bar.get("fill")
        for bar in page(built, built.daily, mode).xpath('//g[contains(@class, "bar-plot")]/rect')
    }
    assert len(fills) == 1
    assert contrast(fills.pop(), background) >= 3.0  # WCAG's minimum for graphics


def test_without_our_colour_the_bars_are_pale_on_the_light_theme(built: Built) -> None:
    """The check above can fail: Mermaid's own palette, pale on the light theme."""
    fills = [
        bar.get("fill") for bar in page(built, built.pale).xpath('//g[contains(@class, "bar-plot")]/rect')
    ]
    assert fills and contrast(fills[0], LIGHT_BACKGROUND) < 1.5


# --- the title once, and who wrote it ---------------------------------------------


def test_the_title_is_the_pages_one_heading_and_the_body_opens_with_the_count(built: Built) -> None:
    post = page(built, built.daily)
    assert [chromium.text_of(h) for h in post.xpath("//h1")] == ["Hugging Face Daily Papers - 2026-02-18"]
    first = post.xpath('//div[contains(@class, "content")]/*')[0]
    assert chromium.text_of(first) == "총 4개의 논문이 수집되었습니다."


def test_by_names_a_known_author_or_the_sites_own(built: Built) -> None:
    daily = page(built, built.daily).xpath('//span[@class="post-author"]')[0]
    weekly = page(built, built.weekly).xpath('//span[@class="post-author"]')[0]
    assert chromium.text_of(daily) == "By Lim Blogger"  # POST_AUTHOR=lim4349, which authors.yml names
    assert chromium.text_of(weekly) == "By lim4349"  # the default: site.social.name, never an empty "By"


# --- one line to skim per paper, the rest folded ----------------------------------------------


def test_each_paper_shows_its_title_and_one_line_and_folds_the_rest(built: Built) -> None:
    post = page(built, built.daily)
    [ranking] = post.xpath('//div[contains(@class, "content")]/ol')
    items = ranking.xpath("./li")
    assert len(items) == 4
    for item in items:
        [fold] = item.xpath("./details")
        assert fold.get("open") is None  # closed until the reader opens it
        assert chromium.text_of(fold.xpath("./summary")[0]) == "초록 · 저자 · 링크"
        shown = item.xpath("./ul/li")  # what stands open: the one line to skim
        assert len(shown) <= 1
        assert [li for li in fold.xpath(".//li") if chromium.text_of(li).startswith("Abstract: ")]
        assert fold.xpath('.//a[text()="HF 페이지"]') and fold.xpath('.//a[text()="논문 링크"]')
    assert chromium.text_of(items[0].xpath("./ul/li")[0]) == "AI 요약 (HF): Hugging Face's own line about it."
    assert chromium.text_of(items[1].xpath("./ul/li")[0]).startswith("요약: 요약에서도")  # the Korean summary


def test_math_in_a_folded_abstract_is_typeset(built: Built) -> None:
    post = page(built, built.daily)
    assert (
        len(post.xpath("//details//li[starts-with(normalize-space(), 'Abstract: It costs')]//mjx-container"))
        == 1
    )


def test_chirps_search_box_finds_a_folded_abstract_and_shows_the_count_first(built: Built) -> None:
    """Chirpy's own search (Simple-Jekyll-Search over search.json), typed into on the home page."""
    home = page(built, "/?search=infrastructure for systematic evaluation")
    results = home.xpath('//div[@id="search-results"]/article')
    found = sorted(r.xpath(".//h2/a/@href")[0] for r in results)
    assert found == sorted([built.daily, built.weekly, built.pale])  # every post holds that abstract
    daily = next(r for r in results if r.xpath(".//h2/a/@href")[0] == built.daily)
    snippet = chromium.text_of(daily.xpath(".//p")[0])
    assert snippet.startswith("총 4개의 논문이 수집되었습니다. 📊 좋아요 순위")
    assert "xychart" not in snippet and "%%" not in snippet
    none = page(built, "/?search=no such words anywhere")
    assert not none.xpath('//div[@id="search-results"]/article')
