"""Weekly and monthly posts, rank movement, the likes chart, category tags, AI summaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from exporters.korean_post import CHART_CLOSE, CHART_OPEN
from fixture_server import FIXTURES, FixtureServer
from hfpapers.periods import from_key, parse_date
from tests import jekyll
from tests.conftest import run_crawl
from tests.test_checks import scrapy_command
from tests.test_post_safety import front_matter

INCUMBENT = FIXTURES / "incumbent"

WEEK_DAYS = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]
DAY = "2026-02-18"


def real_entries(days: list[str]) -> list[dict]:
    return [
        e
        for d in days
        for e in json.loads((FIXTURES / "hf_api_daily_papers" / f"{d}.json").read_text(encoding="utf-8"))
    ]


CHART_RE = re.compile(
    re.escape(CHART_OPEN) + r"(?:%%\{init: [^\n]*\}%%)?\nxychart-beta\n(.*?)\n" + re.escape(CHART_CLOSE), re.S
)


def mermaid_chart(post: str) -> tuple[list[str], list[int]]:
    block = CHART_RE.search(post)
    assert block, "no Mermaid chart"
    labels = re.search(r"x-axis \[(.*)\]", block.group(1))
    bars = re.search(r"bar \[(.*)\]", block.group(1))
    assert labels and bars
    return json.loads(f"[{labels.group(1)}]"), json.loads(f"[{bars.group(1)}]")


def entry_titles(post: str) -> list[str]:
    return re.findall(r"^\d+\. (?:\{: value=.\d+.\} )?\*\*(.+?)\*\* - 👍", post, flags=re.M)


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_weekly_post(server: FixtureServer, crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(spider="weekly", args={"week": "2026-W08"})
    assert result.record.ok, result.log[-3000:]
    post_path = result.post("2026-W08", "weekly")
    post = post_path.read_text(encoding="utf-8")
    data = result.data("2026-W08", "weekly")
    entries = real_entries(WEEK_DAYS)
    unique = {e["paper"]["id"] for e in entries}
    assert data["kind"] == "weekly" and data["period"] == "2026-W08" and data["last_day"] == "2026-02-22"
    assert data["total_papers"] == len(unique)
    meta = front_matter(post)
    assert meta["title"] == "Hugging Face 주간 논문 - 2026년 8주차 (2월 16일 ~ 2월 22일)"
    assert meta["categories"] == ["Daily Papers", "주간"]
    assert meta["tags"] == ["huggingface", "papers", "weekly", "ai"]
    assert meta["permalink"] == "/posts/weekly-papers-2026-W08/"
    assert str(meta["date"]) == "2026-02-23 09:30:00 +0900"  # the Monday after, at the schedule's time
    assert meta["mermaid"] is True
    likes = sum(p["upvotes"] for p in data["papers"])
    assert f"- 논문 수: **{len(unique)}개**" in post
    assert f"- 총 좋아요: **{likes}** (평균 {likes / len(unique):.1f})" in post
    assert "- 수집 일수: **5일**" in post
    assert len(entry_titles(post)) == 20 and "## 🏆 좋아요 상위 20" in post
    keywords = re.findall(r"^- (.+): (\d+)편$", post.split("## 🔑 주요 키워드")[1], flags=re.M)
    assert keywords and int(keywords[0][1]) >= int(keywords[-1][1])
    labels, bars = mermaid_chart(post)
    assert [label.rstrip("\u200b") for label in labels] == [f"{p['rank']}위" for p in data["papers"][:10]]
    assert len(set(labels)) == 10  # ties differ by zero-width spaces: Mermaid merges equal labels
    assert bars == [p["upvotes"] for p in data["papers"][:10]]
    # One page for the week, arXiv ids in batches of 100.
    assert server.count() == {"robots": 1, "hf_page": 1, "arxiv_api": -(-len(unique) // 100)}
    page = jekyll.build([post_path], tmp_path)[post_path.name]
    assert 'class="language-mermaid' in page.read_text(encoding="utf-8")


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_monthly_post(server: FixtureServer, crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(spider="monthly", args={"month": "2026-02"})
    assert result.record.ok, result.log[-3000:]
    post_path = result.post("2026-02", "monthly")
    post = post_path.read_text(encoding="utf-8")
    shown = jekyll.visible_text(jekyll.build([post_path], tmp_path)[post_path.name])
    assert "주요 키워드" in shown
    # The blog's monthly series: the old script's 2025-11 post, field by field.
    assert post_path.name == "2026-02-01-monthly-papers-summary.md"
    assert (result.root / "_data" / "papers" / "monthly-2026-02.json").exists()
    meta, theirs = (
        front_matter(post),
        front_matter((INCUMBENT / "2025-11-01-monthly-papers-summary.md").read_text()),
    )
    assert meta["title"] == "Hugging Face Papers Monthly Summary - 2026년 2월"
    assert str(theirs["title"]).replace("2025년 11월", "2026년 2월") == meta["title"]
    # Dated when the shipped schedule writes it, the 1st of the next month at 09:45 KST,
    # so it lands on the home page after the days it covers; its file name stays the series'.
    assert str(meta["date"]) == "2026-03-01 09:45:00 +0900"
    assert meta["categories"] == theirs["categories"] == ["Daily Papers", "월간"]
    assert meta["tags"] == theirs["tags"] == ["huggingface", "papers", "monthly", "ai", "summary"]
    assert meta["permalink"] == "/posts/monthly-papers-summary-2026-02/"
    month_days = [d for d in ("2026-02-13", "2026-02-16", "2026-02-17", "2026-02-20", "2026-02-23")]
    month_days += ["2026-02-18", "2026-02-19"]
    assert f"- 수집 일수: **{len(month_days)}일**" in post
    assert server.count()["hf_page"] == 1


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_rank_movement_between_two_runs(server: FixtureServer, crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries = server.edit_day(DAY)
    late = entries.pop()  # the morning run does not see the last paper yet
    first = await crawl(args={"date": DAY})
    assert first.record.ok, first.log[-3000:]
    morning = first.post(DAY).read_text(encoding="utf-8")
    assert not re.search(r"👍 \d+ · (순위|NEW)", morning) and "순위 변화" not in morning  # nothing to compare
    entries.append(late)
    by_id = {e["paper"]["id"]: e["paper"] for e in entries}
    by_id["2602.15322"]["upvotes"] = 30  # rank 7 (tied at 2 likes) -> 1
    by_id["2602.15763"]["upvotes"] = 9  # rank 1 -> 3, behind 30 and 14 likes
    evening = await crawl(args={"date": DAY})
    assert evening.record.ok, evening.log[-3000:]
    evening_bytes = evening.post(DAY).read_bytes(), evening.data_file(DAY).read_bytes()
    again = await crawl(args={"date": DAY})  # nothing moved since: same marks, same bytes
    assert again.record.ok
    assert (again.post(DAY).read_bytes(), again.data_file(DAY).read_bytes()) == evening_bytes
    post = evening_bytes[0].decode("utf-8")
    marks = dict(
        re.findall(
            r"^\d+\. (?:\{: value=.\d+.\} )?\*\*(.+?)\*\* - 👍 \d+(?: · (?:순위 )?(▲\d+|▼\d+|NEW))?$",
            post,
            flags=re.M,
        )
    )
    assert marks["On Surprising Effectiveness of Masking Updates in Adaptive Optimizers"] == "▲6"
    assert marks["GLM-5: from Vibe Coding to Agentic Engineering"] == "▼2"
    assert marks[late["paper"]["title"]] == "NEW"
    assert marks["Does Socialization Emerge in AI Agent Society? A Case Study of Moltbook"] == ""  # still 2nd
    assert marks["Revisiting the Platonic Representation Hypothesis: An Aristotelian View"] == "▼1"
    papers = {p["arxiv_id"]: p for p in json.loads(evening_bytes[1])["papers"]}
    built = jekyll.visible_text(jekyll.build([evening.post(DAY)], tmp_path)[f"{DAY}-daily-papers.md"])
    assert "👍 30 · 순위 ▲6" in built and "👍 1 · NEW" in built
    assert "순위 변화(▲▼)와 NEW는 이 글을 앞서 쓸 때 수집한 논문 12편과 비교한 것입니다." in built
    assert (papers["2602.15322"]["previous_rank"], papers["2602.15322"]["previous_upvotes"]) == (7, 2)
    assert papers[late["paper"]["id"]]["previous_rank"] is None


@deferred_f_from_coro_f
async def test_category_tags_and_ai_summary(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    ids = [e["paper"]["id"] for e in server.days[DAY]]
    # Synthetic categories (the recorded Hugging Face data has none): cs.CL x5, cs.CV x4, cs.LG x3, cs.AI x1.
    plan = ["cs.CL"] * 5 + ["cs.CV"] * 4 + ["cs.LG"] * 3 + ["cs.AI"]
    server.categories = {i: [c, "stat.ML"] for i, c in zip(ids, plan, strict=True)}
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    post = result.post(DAY).read_text(encoding="utf-8")
    # By default the blog's own tags only; Hugging Face's summary is each paper's line to skim.
    assert front_matter(post)["tags"] == ["huggingface", "papers", "daily", "ai"]
    assert post.count("\n   - AI 요약 (HF): ") == 13
    assert post.count("- 분야: ") == 13
    asked = await crawl(args={"date": DAY}, settings={"POST_CATEGORY_TAGS": "3", "POST_AI_SUMMARY": "False"})
    post = asked.post(DAY).read_text(encoding="utf-8")
    assert front_matter(post)["tags"] == ["huggingface", "papers", "daily", "ai", "cs.CL", "cs.CV", "cs.LG"]
    assert "AI 요약" not in post


# --- A period's text: ASCII and exact ------------------------------------------------------

NOT_EXACT = {
    "daily": ["2026-02-18\n", " 2026-02-18", "20260218", "2026-W08-3", "٢٠٢٦-٠٢-١٨", "２０２６-０２-１８"],
    "weekly": ["2026-W08\n", "2026-W08 ", "٢٠٢٦-W٠٨", "２０２６-W０８", "2026-w08", "2026-W8"],
    "monthly": ["2026-02\n", "\t2026-02", "٢٠٢٦-٠٢", "２０２６-０２", "2026-2"],
}


@pytest.mark.parametrize(("kind", "key"), [(kind, key) for kind, keys in NOT_EXACT.items() for key in keys])
def test_a_period_is_its_exact_form_in_ascii_digits(kind: str, key: str) -> None:
    """A key goes into Hugging Face's URL as it is: "2026-W08\\n" is a week it has no papers
    for. int() reads Arabic-Indic and full-width digits; date.fromisoformat reads "20260218"."""
    with pytest.raises(ValueError, match=r"^'.*' is not a (date|week|month) in the form "):
        from_key(kind, key)


def test_each_kind_reads_its_own_form() -> None:
    assert [
        from_key(kind, key).key
        for kind, key in [("daily", DAY), ("weekly", "2026-W08"), ("monthly", "2026-02")]
    ] == [
        DAY,
        "2026-W08",
        "2026-02",
    ]
    with pytest.raises(ValueError, match=r"^'2026-02-30' is not a real date$"):
        parse_date("2026-02-30")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spider", "argument"),
    [("weekly", "week=2026-W08\n"), ("monthly", "month=٢٠٢٦-٠٢"), ("daily", "date=2026-02-18\n")],
)
def test_a_period_with_a_newline_or_foreign_digits_exits_2_before_any_request(
    spider: str, argument: str, server: FixtureServer, site: Path
) -> None:
    """Taken, the week would be asked for as "2026-W08\\n" and reported as having no papers, exit 0."""
    name, value = argument.split("=", 1)
    result = run_crawl(server, site, spider=spider, args={name: value})
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith(f"error: {name}: {value!r} is not a {name} in the form ")
    assert result.stderr.count("\n") == 1
    assert server.count() == {}


@pytest.mark.slow
def test_schedule_refuses_a_week_with_a_newline() -> None:
    """Exit 2, not the 1 of an unreachable Scrapyd: refused before anything is queued."""
    proc = scrapy_command(
        "schedule",
        "--url",
        "http://127.0.0.1:9",
        "--spider",
        "weekly",
        "--week",
        "2026-W08\n",
        "-s",
        "SITE_DIR=/srv/blog",
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "error: week: '2026-W08\\n' is not a week in the form YYYY-Www\n"
