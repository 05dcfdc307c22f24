"""What a post tells Chirpy and its reader, checked in-process: the card's
description and image, dollars and TeX, tied ranks, merged keywords, dates,
the author line, and which posts are ours to replace (test_browser.py looks
at the same posts in Chromium)."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from exporters.korean_post import (
    KoreanPostExporter,
    description,
    known_author,
    post_datetime,
    rank_labels,
    top_counts,
)
from exporters.markdown import inline_markdown, plain_text, safe_tex
from hfpapers.hf import paper_from_entry
from hfpapers.items import Paper, PaperList
from hfpapers.periods import Period, day_period, month_period, week_period
from hfpapers.previous import PreviousData, front_matter_value, is_papers_post, permalink_of
from tests.conftest import project_settings
from tests.test_post_safety import front_matter

HOSTILE_TITLE = 'A "quoted" {{ site.title }} <script>alert(1)</script>\n\u202edone $x^2$ & \\(y\\) {% raw %}'
THUMBNAIL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2602.10000.png"


def paper(n: int, upvotes: int, title: str = "", abstract: str = "", **fields: object) -> Paper:
    arxiv_id = f"2602.{10000 + n}"
    return Paper(
        arxiv_id=arxiv_id,
        title=title or f"Paper {n}",
        abstract=abstract,
        upvotes=upvotes,
        hf_url=f"https://huggingface.co/papers/{arxiv_id}",
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        **fields,  # type: ignore[arg-type]
    )


def ranked(*likes: int) -> list[Paper]:
    """Papers with these likes and their competition ranks, as RankPipeline gives them."""
    papers = [paper(n, upvotes) for n, upvotes in enumerate(likes)]
    for position, p in enumerate(papers, 1):
        before = papers[position - 2] if position > 1 else None
        p.rank = before.rank if before is not None and before.upvotes == p.upvotes else position
    return papers


def render(
    papers: list[Paper], period: Period | None = None, site: Path | None = None, **settings: object
) -> str:
    period = period or day_period(date(2026, 2, 18))
    merged = project_settings(**({"SITE_DIR": str(site)} if site else {}), **settings)
    buffer = io.BytesIO()
    exporter = KoreanPostExporter(buffer, settings=merged, now=datetime(2026, 12, 1, tzinfo=UTC))
    exporter.start_exporting()
    exporter.export_item(PaperList(period=period, papers=papers, total_papers=len(papers)))
    exporter.finish_exporting()
    return buffer.getvalue().decode("utf-8")


# --- the card: description and image -------------------------------------


def test_the_description_names_the_count_and_the_top_paper() -> None:
    papers = ranked(42, 7, 3)
    papers[0].title = "GLM-5: from Vibe Coding to Agentic Engineering"
    meta = front_matter(render(papers))
    assert (
        meta["description"] == '논문 3편 · 1위 "GLM-5: from Vibe Coding to Agentic Engineering" (좋아요 42)'
    )


def test_a_hostile_title_leaves_nothing_to_run_in_the_description() -> None:
    """test_chirpy.py shows each reader of it (card, header, feed, meta tags) reading it as text."""
    papers = ranked(9, 1)
    papers[0].title = HOSTILE_TITLE
    value = str(front_matter(render(papers))["description"])
    assert "\n" not in value and "\u202e" not in value and "<" not in value
    assert value == (
        '논문 2편 · 1위 "A "quoted" {{ site.title }} ‹script›alert(1)‹/script› done x^2 & ＼(y＼)'
        ' {% raw %}" (좋아요 9)'
    )
    assert len(value) <= 160


def test_a_tie_for_first_is_said_in_the_card() -> None:
    day = day_period(date(2026, 2, 17))
    two = ranked(10, 10, 4)
    two[0].title, two[1].title = "Query as Anchor", "Other Paper"
    assert (
        description(day, [vars(p) for p in two])
        == '논문 3편 · 공동 1위 "Query as Anchor" · "Other Paper" (좋아요 각 10)'
    )
    three = ranked(7, 7, 7, 1)
    assert (
        description(day, [vars(p) for p in three])
        == '논문 4편 · 공동 1위 3편: "Paper 0" 외 2편 (좋아요 각 7)'
    )
    # -a top=1 kept one of two tied papers: the tie is still said, from what the run found.
    assert description(day, [vars(two[0])], found=3, tied=2) == (
        '논문 3편 중 상위 1편 · 공동 1위 2편: "Query as Anchor" 외 1편 (좋아요 각 10)'
    )
    long = ranked(5, 5)
    long[0].title = long[1].title = "A very long title " * 10
    value = description(day, [vars(p) for p in long])
    assert len(value) <= 160 and value.count("…") == 2 and value.endswith('…" (좋아요 각 5)')
    assert description(day, [vars(p) for p in ranked(10, 9)]).startswith('논문 2편 · 1위 "Paper 0"')


def test_a_tie_for_first_in_a_crawled_post_is_in_its_front_matter() -> None:
    papers = ranked(10, 10)
    found = [{"arxiv_id": p.arxiv_id, "rank": p.rank, "upvotes": p.upvotes} for p in papers]
    buffer = io.BytesIO()
    exporter = KoreanPostExporter(buffer, settings=project_settings(), now=datetime(2026, 12, 1, tzinfo=UTC))
    exporter.export_item(
        PaperList(period=day_period(date(2026, 2, 17)), papers=papers[:1], found=found, found_papers=2)
    )
    exporter.finish_exporting()
    assert "공동 1위 2편" in str(front_matter(buffer.getvalue().decode("utf-8"))["description"])


def test_a_long_title_is_cut_to_fit_160_characters() -> None:
    papers = ranked(5)
    papers[0].title = "Very long title " * 30
    value = description(day_period(date(2026, 2, 18)), [vars(p) for p in papers])
    assert 150 <= len(value) <= 160 and value.endswith('…" (좋아요 5)')


def test_plain_text_takes_math_out_of_its_dollars() -> None:
    assert plain_text("Scaling $O(n^2)$ costs $$k$$") == "Scaling O(n^2) costs k"
    assert plain_text("under $5 and $10 \\(x\\)") == "under ＄5 and ＄10 ＼(x＼)"


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        # Nothing reads these as markup: they stay themselves.
        ("R&D, Q&A and AT&T", "R&D, Q&A and AT&T"),
        ("A > B, {x} and A* search", "A > B, {x} and A* search"),
        ("Under $5 with a\\b", "Under $5 with a\\b"),
        ("snake_case_name and [x] y", "snake_case_name and [x] y"),
        # These would be markup somewhere: HTML, XML, kramdown or MathJax (test_chirpy.py).
        ("<think> tags", "‹think› tags"),
        ("x < 5", "x ‹ 5"),
        ("&copy; &amp; &#123;", "＆copy; ＆amp; ＆#123;"),
        ("x ]]> y", "x ]]› y"),
        ("$5 and $10", "＄5 and ＄10"),
        ("*bold* and `code`", "∗bold∗ and ｀code｀"),
        ("_it_ and a|b", "＿it＿ and a｜b"),
        ("[link](x)", "［link］(x)"),
        ("{::comment}x{:/}", "｛::comment}x{:/}"),
        ("{::comment} left open", "{::comment} left open"),
        ("a\\*b \\(x\\) \\begin{y}", "a＼*b ＼(x＼) ＼begin{y}"),
        ("~~gone~~", "～～gone～～"),
    ],
)
def test_a_lookalike_only_where_a_reader_would_read_markup(title: str, shown: str) -> None:
    assert plain_text(title) == shown


def test_an_images_caption_keeps_its_quotes_out_of_the_attribute() -> None:
    assert plain_text('A "quoted" word', attribute=True) == "A “quoted” word"
    assert plain_text('A "quoted" word') == 'A "quoted" word'


def test_the_image_is_the_top_papers_thumbnail_with_its_title() -> None:
    papers = ranked(9, 1)
    papers[0].title, papers[0].thumbnail = HOSTILE_TITLE, THUMBNAIL
    meta = front_matter(render(papers))
    assert meta["image"] == {"path": THUMBNAIL, "alt": plain_text(HOSTILE_TITLE, attribute=True)}
    assert "image" not in front_matter(render(papers, POST_IMAGE=False))
    papers[0].thumbnail = None  # the data has none: no picture
    assert "image" not in front_matter(render(papers))


@pytest.mark.parametrize(
    ("thumbnail", "kept"),
    [
        (THUMBNAIL, True),
        ("https://huggingface.co/x.png", True),
        ("http://cdn-thumbnails.huggingface.co/a.png", False),  # not https
        ("https://evil.example/huggingface.co/a.png", False),
        ("https://huggingface.co.evil.example/a.png", False),
        ('https://huggingface.co/a.png"\nlayout: x', False),
        (["https://huggingface.co/a.png"], False),
    ],
)
def test_only_a_plain_hugging_face_image_is_taken(thumbnail: object, kept: bool) -> None:
    entry = {"paper": {"id": "2602.10000", "title": "T", "upvotes": 1}, "thumbnail": thumbnail}
    assert (paper_from_entry(entry).thumbnail == thumbnail) is kept


def test_weekly_and_monthly_posts_have_a_description_too() -> None:
    papers = ranked(30, 20)
    for period in (week_period("2026-W08"), month_period("2026-02")):
        assert front_matter(render(papers, period))["description"] == '논문 2편 · 1위 "Paper 0" (좋아요 30)'


# --- dollars and TeX ------------------------------------------------------


def test_a_dollar_of_text_is_its_own_element_and_math_stays_math() -> None:
    source, has_math = inline_markdown("costs under $5 and saves $10, in $O(n^2)$ time")
    assert has_math
    assert source == ("costs under <span>&#36;</span>5 and saves <span>&#36;</span>10, in $$O(n^2)$$ time")


def test_a_backslash_of_text_cannot_open_math() -> None:
    source, has_math = inline_markdown(r"see \(x\) and \begin{equation}y\end{equation}")
    assert not has_math and "\\(" not in source and "\\begin" not in source
    assert source.count("<span>&#92;</span>") == 4


@pytest.mark.parametrize(
    "macro",
    [
        r"\href{javascript:alert(1)}{클릭}",
        r"\url{javascript:alert(1)}",
        r"\style{color:red}{x}",
        r"\class{x}{y}",
        r"\cssId{x}{y}",
        r"\htmlData{x=y}{z}",
        r"\unicode{x}",
        r"\require{html}",
        r"\bbox[background:url(x)]{y}",
    ],
)
def test_dangerous_tex_is_shown_as_its_name(macro: str) -> None:
    name = re.match(r"\\([A-Za-z]+)", macro)
    assert name
    source, has_math = inline_markdown(f"see ${macro}$ now")
    assert has_math
    assert f"\\backslash\\mathtt{{{name.group(1)}}}" in source
    assert not re.search(rf"\\{name.group(1)}(?![A-Za-z}}])", source)


def test_tex_that_only_looks_dangerous_is_left_alone() -> None:
    assert safe_tex(r"\hrefx \\href \alpha + \mathrm{url}") == r"\hrefx \\href \alpha + \mathrm{url}"


# --- tied ranks -------------------------------------------------------------


def test_ties_keep_their_rank_in_the_list_and_on_the_chart() -> None:
    post = render(ranked(10, 8, 8, 5, 5, 5, 1))
    numbers = re.findall(r'^(\d+)\. (?:\{: value="(\d+)"\} )?\*\*', post, flags=re.M)
    assert [int(n) for n, _ in numbers] == [1, 2, 2, 4, 4, 4, 7]
    # kramdown numbers 1, 2, 3…: a value wherever that count would go wrong.
    assert [value for _, value in numbers] == ["", "", "2", "4", "4", "4", "7"]
    labels = re.search(r"x-axis \[(.*)\]", post)
    assert labels
    shown = re.findall(r'"([^"]*)"', labels.group(1))
    assert [label.rstrip("\u200b") for label in shown] == ["1위", "2위", "2위", "4위", "4위", "4위", "7위"]
    assert len(set(shown)) == len(shown)  # Mermaid merges equal labels


def test_rank_labels_without_ties_are_plain() -> None:
    assert rank_labels([vars(p) for p in ranked(3, 2, 1)]) == ["1위", "2위", "3위"]


# --- keywords ----------------------------------------------------------------


def test_keywords_merge_case_plurals_and_hyphens() -> None:
    words = ["large language models"] * 11 + ["Large Language Models"] * 2 + ["large-language model"]
    words += ["Diffusion", "diffusion", "analysis", "Analysis", "class", "classes"]
    assert top_counts(words, 10) == [
        ("large language models", 14),
        ("Analysis", 2),
        ("Diffusion", 2),
        ("class", 1),
        ("classes", 1),
    ]


def test_a_weekly_post_counts_keywords_once_per_spelling_group() -> None:
    papers = ranked(5, 4, 3)
    # One spelling each: the tie goes to the first by name.
    papers[0].ai_keywords = ["large language models", "RL"]
    papers[1].ai_keywords = ["Large Language Models"]
    papers[2].ai_keywords = ["large-language-model"]
    post = render(papers, week_period("2026-W08"))
    keywords = post.split("## 🔑 주요 키워드")[1]
    assert re.findall(r"^- (.+): (\d+)편$", keywords, flags=re.M) == [
        ("Large Language Models", "3"),
        ("RL", "1"),
    ]


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "at", "expected"),
    [
        (day_period(date(2026, 2, 18)), "09:15", "2026-02-18 09:15:00 +0900"),
        (week_period("2026-W08"), "09:30", "2026-02-23 09:30:00 +0900"),  # the Monday after
        (month_period("2026-02"), "09:45", "2026-03-01 09:45:00 +0900"),
        (month_period("2025-12"), "09:45", "2026-01-01 09:45:00 +0900"),
    ],
)
def test_a_post_is_dated_when_the_schedule_writes_it(period: Period, at: str, expected: str) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert post_datetime(period, at, "Asia/Seoul", now).strftime("%Y-%m-%d %H:%M:%S %z") == expected


def test_a_week_written_before_it_ends_is_dated_now() -> None:
    wednesday = datetime(2026, 2, 18, 3, 0, tzinfo=UTC)
    assert post_datetime(week_period("2026-W08"), "09:30", "Asia/Seoul", wednesday).isoformat() == (
        "2026-02-18T12:00:00+09:00"
    )


def test_re_runs_keep_a_weekly_posts_name_url_and_date() -> None:
    period = week_period("2026-W08")
    first, again = render(ranked(3, 2), period), render(ranked(5, 2), period)
    assert period.post_name == "2026-02-16-weekly-papers.md"
    assert front_matter(first)["date"] == front_matter(again)["date"]


# --- the title once ------------------------------------------------------------


def test_the_body_starts_with_the_count_line_not_the_title() -> None:
    body = render(ranked(3, 2)).split("\n---\n", 1)[1]
    assert body.lstrip().startswith("총 **2개**의 논문이 수집되었습니다.")
    assert not re.search(r"^# ", body, flags=re.M)
    weekly = render(ranked(3, 2), week_period("2026-W08")).split("\n---\n", 1)[1]
    assert weekly.lstrip().startswith("## 📈 통계")


# --- the author ------------------------------------------------------------------


def test_by_default_no_author_line_and_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The blog's _data/authors.yml has no lim4349: Chirpy names the site's own author."""
    known_author.cache_clear()
    (tmp_path / "_data").mkdir()
    (tmp_path / "_data" / "authors.yml").write_text("cotes:\n  name: Cotes\n")
    with caplog.at_level(logging.WARNING):
        post = render(ranked(1), site=tmp_path)
    assert "author" not in front_matter(post)
    assert not [r for r in caplog.records if "POST_AUTHOR" in r.getMessage()]


def test_an_author_the_site_knows_is_named(tmp_path: Path) -> None:
    (tmp_path / "_data").mkdir()
    (tmp_path / "_data" / "authors.yml").write_text("# who\ncotes:\n  name: Cotes\n'lim4349':\n  name: Lim\n")
    assert front_matter(render(ranked(1), site=tmp_path, POST_AUTHOR="lim4349"))["author"] == "lim4349"


def test_an_author_the_site_does_not_know_is_left_out_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    known_author.cache_clear()
    (tmp_path / "_data").mkdir()
    (tmp_path / "_data" / "authors.yml").write_text("cotes:\n  name: Cotes\n  url: lim4349:x\n")
    with caplog.at_level(logging.WARNING):
        posts = [render(ranked(1), site=tmp_path, POST_AUTHOR="lim4349") for _ in range(3)]
    assert all("author" not in front_matter(post) for post in posts)
    warnings = [r for r in caplog.records if "POST_AUTHOR" in r.getMessage()]
    assert len(warnings) == 1 and "'lim4349' is not in" in warnings[0].getMessage()


# --- tags --------------------------------------------------------------------------


def test_a_post_carries_the_blogs_own_tags_and_category_tags_only_when_asked() -> None:
    papers = ranked(5, 4, 3, 2)
    for p, primary in zip(papers, ["cs.CL", "cs.CL", "cs.CV", "stat.ML"], strict=True):
        p.primary_category, p.categories = primary, [primary, "cs.AI"]
    assert front_matter(render(papers))["tags"] == ["huggingface", "papers", "daily", "ai"]
    assert front_matter(render(papers, week_period("2026-W08")))["tags"] == [
        "huggingface",
        "papers",
        "weekly",
        "ai",
    ]
    post = render(papers, POST_CATEGORY_TAGS=2)
    assert front_matter(post)["tags"] == ["huggingface", "papers", "daily", "ai", "cs.CL", "cs.CV"]
    assert "   - 분야: cs.CL, cs.AI" in post  # spelled as the 분야 line spells them


# --- rank movement: where it stands, and what it compares against ---------------------------


def test_movement_stands_with_its_word_after_the_likes_under_a_legend() -> None:
    papers = ranked(10, 8, 8, 5)
    for p, before in zip(papers, [2, 1, 2, None], strict=True):
        p.previous_rank = before
    buffer = io.BytesIO()
    exporter = KoreanPostExporter(buffer, settings=project_settings(), now=datetime(2026, 12, 1, tzinfo=UTC))
    exporter.export_item(PaperList(period=day_period(date(2026, 2, 18)), papers=papers, compared_with=13))
    exporter.finish_exporting()
    post = buffer.getvalue().decode("utf-8")
    heads = re.findall(r"^\d+\. (?:\{: value=.\d+.\} )?\*\*.+?\*\* - (.*)$", post, flags=re.M)
    assert heads == ["👍 10 · 순위 ▲1", "👍 8 · 순위 ▼1", "👍 8", "👍 5 · NEW"]
    legend = "순위 변화(▲▼)와 NEW는 이 글을 앞서 쓸 때 수집한 논문 13편과 비교한 것입니다."
    assert f"\n## 📊 좋아요 순위\n\n{legend}\n" in post
    assert "순위 변화" not in render(ranked(10, 8))  # no marks, no legend


# --- the old script's monthly data file ---------------------------------------------


def test_the_old_scripts_monthly_data_file_is_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "monthly-2025-11.json"
    data.write_text((Path(__file__).parent / "fixtures" / "incumbent" / "monthly-2025-11.json").read_text())
    with caplog.at_level(logging.WARNING):
        previous = PreviousData.read(data, month_period("2025-11"))
    assert not caplog.records
    assert previous is not None and previous.listed == 10
    assert previous.papers["2510.26583"] == {"rank": 1, "upvotes": 904}
    assert (
        PreviousData.read(data, day_period(date(2025, 11, 1))) is None
    )  # a month's shape is no day's data file


# --- a final line break in what must be whole -------------------------------------------


def test_a_link_with_a_final_line_break_is_not_linked() -> None:
    """A line break inside ``<…>`` ends the paragraph: the link would show as text, cut."""
    first = paper(0, 5, github_repo="https://github.com/a/b\n", project_page="https://a.example/\n")
    second = paper(1, 4, github_repo="https://github.com/a/b", project_page="https://a.example/")
    post = render([first, second])
    assert "https://github.com/a/b\n" not in post and "https://a.example/\n" not in post
    assert post.count("코드: <https://github.com/a/b>") == 1
    assert post.count("프로젝트: <https://a.example/>") == 1


# --- http: shown, never linked ------------------------------------------------------------------

HTTP_PROJECT = "http://lab.example.edu/project/"
HTTP_ABSTRACT = (
    "Please check http://berkeley-humanoid.com for more details, https://github.com/a/b for the code"
    r" and \href{http://data.example.org/x_y}{the data}."
)


def http_papers() -> list[Paper]:
    """Papers whose web text has http URLs in every place a URL is shown, and https beside them."""
    papers = ranked(10, 9, 8)
    papers[0].abstract, papers[0].project_page = HTTP_ABSTRACT, HTTP_PROJECT
    papers[0].github_repo, papers[0].github_stars = "https://github.com/a/b", 5
    papers[1].github_repo, papers[1].project_page = "http://github.com/c/d", "https://c.example/"
    papers[2].summary_ko = "요약은 http://summary.example.org/p 를 인용합니다."
    return papers


def test_an_http_url_is_shown_as_text_and_never_linked() -> None:
    """The blog's deploy runs html-proofer, which fails the whole site on one http link: an
    http URL is shown as written (never made https, which may be no page), https links stay."""
    post = render(http_papers())
    assert not re.search(r"<http:|href=\"http:|\]\(http:", post), post
    assert "프로젝트: http://lab.example.edu/project/" in post
    assert "코드: http://github.com/c/d" in post and "프로젝트: <https://c.example/>" in post
    assert "코드: <https://github.com/a/b> (⭐ 5)" in post
    assert (
        "Abstract: Please check http://berkeley-humanoid.com for more details, <https://github.com/a/b>"
        r" for the code and the data (http://data.example.org/x\_y)." in post
    )
    assert "요약: 요약은 http://summary.example.org/p 를 인용합니다." in post


def test_a_permalink_with_a_final_line_break_is_not_kept(tmp_path: Path) -> None:
    """Written back bare into the new post's front matter, it would break the line after it."""
    post = write(tmp_path / "2026-02-18-daily-papers.md", '---\npermalink: "/posts/mine/\\n"\n---\n')
    assert front_matter_value(post, "permalink") == "/posts/mine/\n"
    assert permalink_of(post) is None
    write(post, "---\npermalink: /posts/mine/\n---\n")
    assert permalink_of(post) == "/posts/mine/"


# --- whose post it is, and reads that never end ------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "ours"),
    [
        ("---\ntitle: Hugging Face Daily Papers - 2026-02-18\nhfpapers: daily\n---\n\n총", True),
        ("---\ntitle: 'Hugging Face Daily Papers - 2026-02-18'\nhfpapers: daily\n---\n", True),
        (
            "---\ntitle: Hugging Face Daily Papers - 2026-02-18\n---\n\n"
            "# Hugging Face Daily Papers - 2026-02-18\n",
            True,
        ),
        (
            "---\ntitle: Hugging Face Daily Papers - 2026-02-18 을 읽고 쓴 나의 감상문\n"
            "hfpapers: daily\n---\n",
            False,
        ),
        ("---\ntitle: Hugging Face Daily Papers - 2026-02-18\n---\n\n# 내 생각\n", False),
        ("---\ntitle: Hugging Face Daily Papers - 2026-02-18\nhfpapers: weekly\n---\n", False),
        ("title: Hugging Face Daily Papers - 2026-02-18\nhfpapers: daily\n", False),
    ],
)
def test_only_our_posts_and_the_old_scripts_are_ours(tmp_path: Path, text: str, ours: bool) -> None:
    post = write(tmp_path / "2026-02-18-daily-papers.md", text)
    assert is_papers_post(post, day_period(date(2026, 2, 18))) is ours


def test_the_old_scripts_monthly_post_is_ours() -> None:
    incumbent = Path(__file__).parent / "fixtures" / "incumbent" / "2025-11-01-monthly-papers-summary.md"
    assert is_papers_post(incumbent, month_period("2025-11"))


def test_a_title_we_wrote_quoted_is_read_back(tmp_path: Path) -> None:
    period = week_period("2026-W08")
    post = write(tmp_path / period.post_name, render(ranked(1), period))
    assert post.read_text().startswith('---\ntitle: "Hugging Face 주간 논문')  # quoted: it has ( ) ~
    assert front_matter_value(post, "title") == period.title
    assert is_papers_post(post, period)


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_post_or_data_file_that_is_no_file_is_never_read(tmp_path: Path, kind: str) -> None:
    post, data = tmp_path / "2026-02-18-daily-papers.md", tmp_path / "daily-2026-02-18.json"
    for path in (post, data):
        if kind == "fifo":
            import os

            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")
    assert front_matter_value(post, "title") is None
    assert not is_papers_post(post, day_period(date(2026, 2, 18)))
    assert PreviousData.read(data) is None
