"""The post as Chirpy's other readers take it (tests/chirpy): the search index, the Trending
Tags, and everyone who prints the card's description and the image's caption as they are.

Chirpy prints the front matter's ``description`` unescaped in the home page's card, the
post's header (where MathJax runs) and feed.xml (after turning every ``&`` into ``&amp;``);
jekyll-seo-tag runs it through kramdown for the meta tags and writes the image's ``alt``
unescaped into ``og:image:alt``. A character gets a look-alike only where one of them would
otherwise read it as markup: each case below shows every reader reading our text as it is,
and, for the cases that need a look-alike, a reader that breaks without it.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from scrapy.utils.defer import deferred_f_from_coro_f

from exporters.markdown import yaml_scalar
from hfpapers.periods import day_period
from tests import chromium, jekyll
from tests.test_post_pages import HTTP_PROJECT, THUMBNAIL, http_papers, ranked, render
from tests.test_post_safety import front_matter

pytestmark = pytest.mark.slow  # every test here starts a process other than git

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://lim4349.github.io"

# --- search snippets --------------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_a_search_result_opens_with_the_count_then_the_papers(
    crawl, site: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": "2026-02-18"})
    assert result.record.ok, result.log[-3000:]
    post = result.post("2026-02-18")
    jekyll.build([post], tmp_path, chirpy=True)
    [entry] = json.loads(
        (tmp_path / "out" / "assets" / "js" / "data" / "search.json").read_text(encoding="utf-8")
    )
    text = " ".join(entry["content"].split())
    assert text.startswith(
        "총 13개의 논문이 수집되었습니다. 📊 좋아요 순위 GLM-5: from Vibe Coding to Agentic"
    )
    for source in ("xychart", "%%", "themeVariables", "x-axis", "좋아요 상위 10"):
        assert source not in entry["content"], source  # the chart's source is nobody's snippet
    # Every abstract is in the index, folded or not: search finds its words.
    for paper in result.data("2026-02-18")["papers"]:
        assert " ".join(paper["abstract"].split()[:12]) in text.replace("&#39;", "'")


# --- the blog's tags stay the blog's -------------------------------------------------------


def with_permalink(post: str, url: str) -> str:
    """A rendered post at its own URL (the pipeline gives a crawled post its permalink)."""
    return post.replace("\ndate: ", f"\npermalink: {url}\ndate: ", 1)


def owner_post(folder: Path, day: date, name: str, tags: list[str]) -> Path:
    path = folder / f"{day.isoformat()}-{name}.md"
    path.write_text(f"---\ntitle: {name}\ntags: [{', '.join(tags)}]\n---\n\nmine\n", encoding="utf-8")
    return path


def trending(out: Path) -> list[str]:
    home = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    return [
        a.text_content().strip()
        for a in home.xpath('//aside[@id="panel-wrapper"]//a[contains(@class, "post-tag")]')
    ]


@pytest.mark.parametrize("category_tags", [None, 3])
def test_ten_new_posts_leave_the_trending_tags_the_owners(tmp_path: Path, category_tags: int | None) -> None:
    """The blog as it is: the owner's posts and the old script's daily posts, then
    ten new ones with the default settings; with category tags asked for (POST_CATEGORY_TAGS=3)
    they take the owner's place."""
    folder = tmp_path / "posts"
    folder.mkdir()
    start = date(2025, 11, 18)
    posts = [
        owner_post(folder, start, "mig", ["gpu", "llm"]),
        owner_post(folder, start + timedelta(2), "teams-bot", ["bot", "ms-teams", "nodejs", "typescript"]),
        owner_post(folder, start + timedelta(13), "sagemaker", ["gpu", "llm", "bot"]),
    ]
    posts += [
        owner_post(folder, start + timedelta(20 + n), f"old-{n}", ["huggingface", "papers", "daily", "ai"])
        for n in range(3)
    ]
    first = jekyll.build(posts, tmp_path / "before", chirpy=True)
    before = trending(tmp_path / "before" / "out")
    assert first and sorted(before) == sorted(
        ["ai", "daily", "huggingface", "papers", "bot", "gpu", "llm", "ms-teams", "nodejs", "typescript"]
    )
    for n in range(10):
        papers = ranked(9, 5, 3)
        for p, category in zip(papers, ["cs.CL", "cs.CV", "cs.LG"], strict=True):
            p.primary_category, p.categories = category, [category]
        day = day_period(date(2026, 2, 1) + timedelta(n))
        path = folder / day.post_name
        if category_tags is None:  # the default settings
            post = render(papers, day)
        else:
            post = render(papers, day, POST_CATEGORY_TAGS=category_tags)
        path.write_text(with_permalink(post, f"/posts/new-{n}/"), encoding="utf-8")
        posts.append(path)
    jekyll.build(posts, tmp_path / "after", chirpy=True)
    after = trending(tmp_path / "after" / "out")
    if category_tags:
        assert {"cs.CL", "cs.CV", "cs.LG"} <= set(after) and not {"nodejs", "typescript"} & set(after)
    else:
        assert sorted(after) == sorted(before)


# --- the blog's link check ---------------------------------------------------------------------

EVIL_TITLE = r"\href{https://evil.example/phish}{Click} GLM \url{https://evil.example/u}"


def test_a_post_with_http_urls_passes_the_blogs_link_check_and_no_title_is_a_link(tmp_path: Path) -> None:
    """The blog's deploy runs html-proofer 5, which fails any http link (``enforce_https``,
    checked before ``--disable-external``): Debian's 3.19 with ``--enforce-https`` is that rule.
    The test site has no tag pages and none of Chirpy's scripts: internal links and scripts
    are left out of the check, every link to another site is in it."""
    papers = http_papers()
    papers[1].title, papers[1].thumbnail = EVIL_TITLE, THUMBNAIL
    papers.insert(0, papers.pop(1))  # the top paper: its title is also the card's and the image's
    for n, p in enumerate(papers, 1):
        p.rank = n
    post = tmp_path / "2026-02-18-daily-papers.md"
    post.write_text(render(papers, day_period(date(2026, 2, 18))), encoding="utf-8")
    page = jekyll.build([post], tmp_path / "site", chirpy=True)[post.name]
    out = tmp_path / "site" / "out"
    proof = subprocess.run(
        ["htmlproofer", str(out), "--disable-external", "--allow-hash-href", "--enforce-https",
         "--checks-to-ignore", "ScriptCheck,ImageCheck", "--url-ignore", r"/^\//"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proof.returncode == 0, proof.stdout + proof.stderr
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    assert not tree.xpath('//a[starts-with(@href, "http:")]')
    assert tree.xpath('//a[@href="https://github.com/a/b"]') and tree.xpath('//a[@href="https://c.example/"]')
    shown = " ".join(tree.text_content().split())
    for url in (HTTP_PROJECT, "http://berkeley-humanoid.com", "http://github.com/c/d"):
        assert url in shown, url
    assert "the data (http://data.example.org/x_y)" in shown
    # The title is text, in the list and on the home page's card: no link to where it points.
    home = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    for html in (tree, home):
        assert not html.xpath('//a[contains(@href, "evil.example")]')
    assert "Click GLM https://evil.example/u" in shown
    assert "Click GLM https://evil.example/u" in " ".join(home.text_content().split())


# --- the card's text through every reader ---------------------------------------------------

# (title, whether it needs a look-alike somewhere)
TITLES = [
    ("R&D, Q&A and AT&T", False),
    ("A > B, {x} and A* search", False),
    ("Under $5 with a\\b", False),
    ("snake_case_name, [x] y and [x][y]", False),
    ("<think> tags", True),  # HTML: an element
    ("Between x < 5 and y", True),  # XML: no bare "<"
    ("&copy; and &amp;", True),  # HTML: a character reference
    ("x ]]> y", True),  # XML: "]]>" in text
    ("$5 and $10", True),  # MathJax: a formula in the header
    ("*bold* and `code`", True),  # kramdown: emphasis and a code span lose their marks
    ("_it_ and a|b", True),  # kramdown: emphasis, and a table row
    ("[link](x)", True),  # kramdown: a link loses its target
    ("{::comment} left open", False),
    ("{::comment}gone{:/comment} here", True),  # kramdown: hides what it holds
    ("a\\*b \\(x\\)", True),  # kramdown drops the backslash; MathJax: a formula
    ("~~gone~~", True),  # kramdown: strikethrough
    ('A "quoted" word', True),  # jekyll-seo-tag: og:image:alt="A "quoted" word"
]


@dataclass
class Read:
    card: str
    header: str | None
    caption: str | None
    meta: str
    image_alt: str
    feed: str | None  # None: feed.xml is no XML


def typographic(text: str) -> str:
    """kramdown's smart quotes (jekyll-seo-tag markdownifies the description): typography."""
    return text.replace("“", '"').replace("”", '"')


def post_for(title: str, n: int, raw: bool) -> tuple[str, str]:
    """A post whose top paper has ``title``; ``raw``: its description and caption with the
    title as it is, no look-alike."""
    papers = ranked(10, 1)
    papers[0].title, papers[0].thumbnail, papers[0].abstract = title, THUMBNAIL, "Math: $x^2$."
    day = day_period(date(2026, 1, 1) + timedelta(n))
    post = with_permalink(render(papers, day), f"/posts/case-{n}/")
    if raw:
        raw_description = yaml_scalar(f'논문 2편 · 1위 "{title}" (좋아요 10)')
        post = re.sub(
            r"^description: .*$", lambda _: f"description: {raw_description}", post, count=1, flags=re.M
        )
        post = re.sub(r"^  alt: .*$", lambda _: f"  alt: {yaml_scalar(title)}", post, count=1, flags=re.M)
    return day.post_name, post


def read_all(tmp_path: Path, raw: bool) -> dict[str, tuple[dict[str, object], Read]]:
    """Every title's post, built with Chirpy's templates and read by each reader."""
    sources = {}
    for n, (title, _) in enumerate(TITLES):
        name, text = post_for(title, n, raw)
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sources[title] = path
    feeds: dict[str, str | None] = {}
    # feed.xml holds the newest five posts: five at a time, and one at a time where five
    # make no XML (one post's summary must not count as another's).
    titles = list(sources)
    chunks = [titles[n : n + 5] for n in range(0, len(titles), 5)]
    for build in itertools.count():
        if not chunks:
            break
        chunk = chunks.pop()
        out = tmp_path / f"feed-{build}"
        jekyll.build([sources[t] for t in chunk], out, chirpy=True)
        try:
            feed = ET.fromstring((out / "out" / "feed.xml").read_bytes())
        except ET.ParseError:
            if len(chunk) == 1:
                feeds[chunk[0]] = None
            else:
                chunks += [[t] for t in chunk]
            continue
        summaries = {}
        for entry in feed.iter(f"{ATOM}entry"):
            link, summary = entry.find(f"{ATOM}link"), entry.find(f"{ATOM}summary")
            assert link is not None and summary is not None
            summaries[link.get("href")] = summary.text or ""
        for t in chunk:
            feeds[t] = summaries[SITE + jekyll.url_of(sources[t])]
    pages = jekyll.build(list(sources.values()), tmp_path / "all", chirpy=True)
    out = tmp_path / "all" / "out"
    read: dict[str, tuple[dict[str, object], Read]] = {}
    with chromium.serve(out) as url:
        home = chromium.dump_dom(url + "/")
        cards = {card.xpath(".//a/@href")[0]: card for card in home.xpath('//div[@id="post-list"]/article')}
        for title, path in sources.items():
            meta = front_matter(path.read_text(encoding="utf-8"))
            static = lxml_html.fromstring(pages[path.name].read_text(encoding="utf-8"))
            # The header in the browser, with MathJax, only where MathJax could make something.
            needs_browser = any(c in str(meta["description"]) for c in "$\\")
            post = chromium.dump_dom(url + jekyll.url_of(path)) if needs_browser else static
            desc = post.xpath('//p[contains(@class, "post-desc")]')
            caption = post.xpath("//figcaption")
            read[title] = (
                meta,
                Read(
                    card=chromium.text_of(
                        cards[jekyll.url_of(path)].xpath('.//div[contains(@class, "card-text")]')[0]
                    ),
                    header=None if desc[0].xpath(".//*") else chromium.text_of(desc[0]),
                    caption=None if caption[0].xpath(".//*") else chromium.text_of(caption[0]),
                    meta=static.xpath('//meta[@name="description"]/@content')[0],
                    image_alt=(static.xpath('//meta[@property="og:image:alt"]/@content') or [""])[0],
                    feed=feeds[title],
                ),
            )
    return read


@pytest.fixture(scope="module")
def readers(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[bool, dict[str, tuple[dict[str, object], Read]]]:
    return {raw: read_all(tmp_path_factory.mktemp("raw" if raw else "ours"), raw) for raw in (False, True)}


@pytest.mark.parametrize(("title", "needs_lookalike"), TITLES)
def test_every_reader_reads_the_card_as_we_wrote_it(readers, title: str, needs_lookalike: bool) -> None:  # type: ignore[no-untyped-def]
    meta, read = readers[False][title]
    description, alt = str(meta["description"]), str(meta["image"]["alt"])  # type: ignore[index]
    assert read.card == description and read.header == description and read.feed == description
    assert typographic(read.meta) == typographic(description)
    assert read.caption == alt and read.image_alt == alt
    # A title that needs no look-alike is itself in both; one that does differs in one.
    as_written = description == f'논문 2편 · 1위 "{title}" (좋아요 10)' and alt == title
    assert as_written is not needs_lookalike


@pytest.mark.parametrize("title", [t for t, needs in TITLES if needs])
def test_without_its_lookalike_a_reader_breaks(readers, title: str) -> None:  # type: ignore[no-untyped-def]
    meta, read = readers[True][title]
    description, alt = str(meta["description"]), str(meta["image"]["alt"])  # type: ignore[index]
    broken = {
        "card": read.card != description,
        "header": read.header != description,
        "feed": read.feed != description,
        "meta": typographic(read.meta) != typographic(description),
        "caption": read.caption != alt,
        "og:image:alt": read.image_alt != alt,
    }
    assert any(broken.values()), (title, read)
