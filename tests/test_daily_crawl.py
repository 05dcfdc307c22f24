"""The daily crawl end to end: one real `scrapy crawl` process, shared by the tests that read it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exporters.markdown import tex_text
from fixture_server import FIXTURES, FixtureServer
from tests import jekyll
from tests.conftest import CrawlResult, run_crawl

pytestmark = pytest.mark.slow  # every test here starts a process other than git

GOLDEN = Path(__file__).parent / "golden"
DAY = "2026-02-18"


def real_day(day: str) -> list[dict]:
    return json.loads((FIXTURES / "hf_api_daily_papers" / f"{day}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def crawled(fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    fixture_server.reset()
    result = run_crawl(fixture_server, tmp_path_factory.mktemp("site"), args={"date": DAY})
    assert result.returncode == 0, result.stderr[-3000:]
    result.requests = fixture_server.count()  # type: ignore[attr-defined]
    return result


def test_post_has_every_paper_in_like_order(crawled: CrawlResult) -> None:
    post = crawled.post(DAY).read_text(encoding="utf-8")
    titles = re.findall(r"^\d+\. (?:\{: value=.\d+.\} )?\*\*(.+)\*\* - 👍 (\d+)$", post, flags=re.M)
    assert len(titles) == 13
    likes = [int(n) for _, n in titles]
    assert likes == sorted(likes, reverse=True)
    assert titles[0] == ("GLM-5: from Vibe Coding to Agentic Engineering", "15")
    assert "총 **13개**의 논문이 수집되었습니다." in post


def test_organizations_only_where_hugging_face_names_one(crawled: CrawlResult) -> None:
    post = crawled.post(DAY).read_text(encoding="utf-8")
    assert sorted(re.findall(r"^ {3,4}- 기관: (.+)$", post, flags=re.M)) == [  # 4: under "10. "
        "Google",
        "MTSAIR",
        "Tsinghua University",
    ]


def test_glm5_abstract_links_its_code(crawled: CrawlResult) -> None:
    data = crawled.data(DAY)
    glm = next(p for p in data["papers"] if p["arxiv_id"] == "2602.15763")
    assert "https://github.com/zai-org/GLM-5" in glm["abstract"]
    assert "this https URL" not in crawled.post(DAY).read_text(encoding="utf-8")
    assert "<https://github.com/zai-org/GLM-5>." in crawled.post(DAY).read_text(encoding="utf-8")


def test_data_file_holds_every_field(crawled: CrawlResult) -> None:
    raw = crawled.data_file(DAY).read_bytes()
    raw.decode("utf-8")  # valid UTF-8, not mojibake
    data = json.loads(raw)
    assert data["date"] == DAY and data["total_papers"] == 13
    assert [p["rank"] for p in data["papers"]][:3] == [1, 2, 3]
    expected = {p["paper"]["id"]: p["paper"]["upvotes"] for p in real_day(DAY)}
    assert {p["arxiv_id"]: p["upvotes"] for p in data["papers"]} == expected
    first = data["papers"][0]
    for key in (
        "title",
        "authors",
        "organization",
        "upvotes",
        "comments",
        "hf_url",
        "arxiv_url",
        "pdf_url",
        "abstract",
        "categories",
        "github_repo",
        "github_stars",
        "project_page",
        "ai_summary",
        "ai_keywords",
        "submitted_on_daily_at",
        "rank",
    ):
        assert key in first
    assert all(p["abstract_source"] == "arxiv_api" for p in data["papers"])


def test_exact_requests(crawled: CrawlResult) -> None:
    assert crawled.requests == {"robots": 1, "hf_page": 1, "arxiv_api": 1}  # type: ignore[attr-defined]


def test_links_are_public_whatever_the_base_url(crawled: CrawlResult) -> None:
    post = crawled.post(DAY).read_text(encoding="utf-8")
    assert "127.0.0.1" not in post
    assert "[HF 페이지](https://huggingface.co/papers/2602.15763)" in post
    assert "[논문 링크](https://arxiv.org/abs/2602.15763)" in post


def test_golden_post(crawled: CrawlResult) -> None:
    expected = (GOLDEN / f"{DAY}-daily-papers.md").read_text(encoding="utf-8")
    assert crawled.post(DAY).read_text(encoding="utf-8") == expected


def test_post_builds_with_jekyll_and_shows_text_literally(crawled: CrawlResult, tmp_path: Path) -> None:
    page = jekyll.build([crawled.post(DAY)], tmp_path)[f"{DAY}-daily-papers.md"]
    text = jekyll.visible_text(page)
    for paper in crawled.data(DAY)["papers"]:  # as a reader reads it: its TeX as text (test_tex.py)
        assert paper["title"] in text
        assert " ".join(tex_text(paper["abstract"]).split()) in text
    assert "좋아요 순위" in text


def test_run_report(crawled: CrawlResult) -> None:
    report = crawled.stderr.split("Run report (finished):", 1)[1]
    figures = dict(re.findall(r"^  (\S.*?)\s{2,}(\d+)$", report, flags=re.M))
    assert figures["papers found"] == "13"
    assert figures["papers posted"] == "13"
    assert figures["abstracts from the arXiv API"] == "13"
    assert figures["arXiv API requests"] == "1"
    assert figures["files written"] == "2"
    assert figures["lists written"] == "1" and figures["lists failed"] == "0"
    assert "'papers/posted': 13" in crawled.stderr  # the same figures in the stats
    # The last line, after Scrapy's stats and "Spider closed".
    assert crawled.stderr.rstrip().splitlines()[-1].endswith("[hfpapers.run_report] INFO: Run outcome: ok")


def test_a_crawl_opens_no_server(crawled: CrawlResult) -> None:
    """No remote control (it runs code sent to it), no telnet console: nothing listens."""
    assert "listening" not in crawled.stderr.lower()
    assert "RemoteControl" not in crawled.stderr and "TelnetConsole" not in crawled.stderr
    assert "scrapy.extensions.corestats.CoreStats" in crawled.stderr  # the list of extensions is there


def test_bad_date_is_one_line_exit_2_and_no_request(server: FixtureServer, site: Path) -> None:
    result = run_crawl(server, site, args={"date": "2026-02-30"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: date: '2026-02-30' is not a real date"
    assert server.count() == {}
    assert not any(site.iterdir())
