"""Text from the web is data: whatever it holds, the post builds and shows it literally.

The property test is derandomized (the same 5 examples of 5 posts each, 25
posts, every CI run; one Jekyll build per example); set
HFPAPERS_FUZZ_EXAMPLES=50 to search fresh random examples instead.
"""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters.korean_post import KoreanPostExporter, post_datetime
from exporters.markdown import inline_markdown, liquid_safe, tex_text, yaml_scalar
from hfpapers.checks import check_settings
from hfpapers.items import Paper, PaperList
from hfpapers.periods import day_period
from hfpapers.text import clean_text
from tests import jekyll
from tests.conftest import project_settings

DAY = "2026-02-18"
NASTY = [
    "{{ site.title }}",
    "{% raw %}",
    "{% endraw %}",
    "{%- include x -%}",
    "<script>alert(1)</script>",
    "<iframe src='x'>",
    "*bold* _it_ **b** __b__",
    "[link](http://x) ![img](y)",
    "| a | b |",
    "# head",
    "\\ back \\\\ slash",
    "`code`",
    "a -- b --- c ... d",
    "\"quoted\" 'single'",
    "<<guillemets>>",
    "&amp; &copy; &#123;",
    "{: .class} {::comment}",
    "[^1] *[HTML]: x",
    "~~strike~~",
    "1. list 2) list - dash + plus",
    "> quote",
    "http://example.com/a_b*c",
    "\u200b zero width \u2028 line sep",
    "한국어 제목 😀",
]
text = (
    st.lists(
        st.one_of(
            st.sampled_from(NASTY), st.text(alphabet=st.characters(exclude_characters="$"), max_size=30)
        ),
        min_size=1,
        max_size=6,
    )
    .map(" ".join)
    .map(clean_text)
    .filter(bool)
)


def paper(n: int, title: str, abstract: str) -> Paper:
    arxiv_id = f"2602.{10000 + n}"
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        upvotes=100 - n,
        hf_url=f"https://huggingface.co/papers/{arxiv_id}",
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        organization=title[:20],
        authors=[title[:10], "B"],
        rank=n + 1,
    )


def render(papers: list[Paper], day: str = DAY, **settings: object) -> str:
    buffer = io.BytesIO()
    merged = project_settings(**settings)
    exporter = KoreanPostExporter(buffer, settings=merged)
    exporter.start_exporting()
    period = day_period(date.fromisoformat(day))
    permalink = period.permalink(merged.get("POST_PERMALINK"))
    exporter.export_item(
        PaperList(period=period, papers=papers, total_papers=len(papers), permalink=permalink)
    )
    exporter.finish_exporting()
    return buffer.getvalue().decode("utf-8")


def front_matter(post: str) -> dict[str, object]:
    match = re.match(r"^---\n(.*?)\n---\n", post, flags=re.S)
    assert match
    loaded = yaml.safe_load(match.group(1))
    assert isinstance(loaded, dict)
    return loaded


post_texts = st.tuples(
    st.lists(text, min_size=12, max_size=12),
    st.lists(text, min_size=12, max_size=12),
    st.text(max_size=20),
    st.text(min_size=1, max_size=15),
)


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("HFPAPERS_FUZZ_EXAMPLES", 5)),
    derandomize=not os.environ.get("HFPAPERS_FUZZ_EXAMPLES"),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(posts=st.lists(post_texts, min_size=5, max_size=5))
def test_random_text_builds_with_jekyll_and_shows_literally(tmp_path_factory, posts) -> None:  # type: ignore[no-untyped-def]
    workdir = tmp_path_factory.mktemp("jekyll")
    sources, expected = [], {}
    for n, (titles, abstracts, author, category) in enumerate(posts):
        papers = [paper(k, t, a) for k, (t, a) in enumerate(zip(titles, abstracts, strict=True))]
        day = f"2026-02-{10 + n}"
        post = render(papers, day, POST_AUTHOR=author, POST_CATEGORIES=[category, "일간"], POST_TAGS=["ai"])
        meta = front_matter(post)
        assert "author" not in meta  # no _data/authors.yml names it (test_blog_pages has those)
        # No tag, no line break (test_chirpy.py shows each reader of it reading it as text).
        assert len(str(meta["description"])) <= 160 and not re.search(r"[<\n]", str(meta["description"]))
        assert meta["categories"] == [clean_text(category) or "", "일간"]
        source = workdir / f"{day}-daily-papers.md"
        source.write_text(post, encoding="utf-8")
        sources.append(source)
        expected[source.name] = papers
    for name, page in jekyll.build(sources, workdir).items():
        shown = jekyll.visible_text(page)
        html = page.read_text(encoding="utf-8")
        for p in expected[name]:  # as a reader reads them: TeX as its text (test_tex.py)
            assert " ".join(tex_text(p.title).split()) in shown
            assert " ".join(tex_text(p.abstract).split()) in shown
        assert "<script>" not in html and "<iframe" not in html


@pytest.mark.slow
def test_math_reaches_mathjax_unchanged(tmp_path: Path) -> None:
    abstract = r"SAEs recover only $9\%$ of $x_1^{2} < y_{\{i\}}$ and $$\sum_i a_i * b_i$$ for $5 and $10."
    post = render([paper(0, "Math", abstract)])
    assert front_matter(post)["math"] is True
    source = tmp_path / f"{DAY}-daily-papers.md"
    source.write_text(post, encoding="utf-8")
    html = jekyll.build([source], tmp_path)[source.name].read_text(encoding="utf-8")
    assert r"\(9\%\)" in html
    assert r"\(x_1^{2} &lt; y_{\{i\}}\)" in html
    assert r"\(\sum_i a_i * b_i\)" in html
    # Money is not math: each dollar in an element of its own, which MathJax cannot pair.
    assert "for <span>$</span>5 and <span>$</span>10." in html


def test_no_math_no_math_flag() -> None:
    assert "math" not in front_matter(render([paper(0, "T", "costs $5 and $10 today")]))


def test_liquid_cannot_be_reopened() -> None:
    source, _ = inline_markdown("{% endraw %}{{ x }}{%raw%}")
    assert "{%" not in liquid_safe(source).replace('{{ "{" }}', "")


def test_yaml_scalars() -> None:
    assert yaml_scalar("Daily Papers") == "Daily Papers"
    assert yaml_scalar("a: b # c") == '"a: b # c"'
    for value in ("0", "true", "No", "null", "~", "1e3", "일간", "2026-02-18"):
        assert yaml.safe_load("k: " + yaml_scalar(value)) == {"k": value}
    nasty = yaml_scalar('[x], {y}, "q", \x01 \ud800')
    assert yaml.safe_load("k: " + nasty) == {"k": '[x], {y}, "q",'}


def test_post_is_never_dated_in_the_future() -> None:
    from datetime import datetime

    day = day_period(date(2026, 2, 18))
    early = datetime(2026, 2, 18, 0, 5, tzinfo=UTC)  # 09:05 KST, before 09:15
    assert post_datetime(day, "09:15", "Asia/Seoul", now=early).strftime("%H:%M %z") == "09:05 +0900"
    late = datetime(2026, 2, 18, 14, 0, tzinfo=UTC)
    assert (
        post_datetime(day, "09:15", "Asia/Seoul", now=late).strftime("%Y-%m-%d %H:%M") == "2026-02-18 09:15"
    )


@pytest.mark.slow
def test_pipes_in_math_make_no_table(tmp_path: Path) -> None:
    abstract = r"We prove that $|S| \le n$ for every graph $G$, and $\|x\|_2 = 1$ holds. A | B stays text."
    post = render([paper(0, "Pipes", abstract)])
    source = tmp_path / f"{DAY}-daily-papers.md"
    source.write_text(post, encoding="utf-8")
    page = jekyll.build([source], tmp_path)[source.name]
    html = page.read_text(encoding="utf-8")
    assert "<table" not in html
    assert r"\(\vert S\vert  \le n\)" in html and r"\(G\)" in html and r"\(\Vert x\Vert _2 = 1\)" in html
    shown = jekyll.visible_text(page)
    assert "for every graph" in shown and ", and" in shown and "holds. A | B stays text." in shown


def test_names_around_commas_are_taken_and_trimmed_in_the_front_matter(tmp_path: Path) -> None:
    """``Daily Papers, 일간`` as a user writes it is two categories, never one named `` 일간``."""
    names = {"POST_CATEGORIES": "Daily Papers, 일간", "POST_TAGS": " ai , papers"}
    check_settings(project_settings(SITE_DIR=str(tmp_path), **names), local=False)
    post = render([paper(0, "A title", "An abstract.")], DAY, **names)
    assert "\ncategories: [Daily Papers, 일간]\n" in post
    assert "\ntags: [ai, papers]\n" in post
