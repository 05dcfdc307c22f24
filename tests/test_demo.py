"""The offline demo, run as a newcomer runs it: one command per kind of post, checked by what it wrote."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests import chromium
from tests.conftest import ROOT
from tests.scrapyd_node import free_port

pytestmark = pytest.mark.slow  # every test here starts a process other than git


def _script(name: str) -> ModuleType:
    """A script of scripts/ as a module (scripts/ is no package: the demo runs them by path)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo_plan = _script("demo_plan")

BACKFILL = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]


def demo(site: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``scripts/demo.sh args`` with DEMO_SITE ``site`` (relative to ``cwd`` when it is run there)."""
    env = {**os.environ, "DEMO_SITE": str(site), "DEMO_PORT": str(free_port())}
    return subprocess.run(
        [str(ROOT / "scripts" / "demo.sh"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def posts(site: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((site / "_posts").glob("*.md"))}


def data(site: Path, name: str) -> dict:
    return json.loads((site / "_data" / "papers" / name).read_text(encoding="utf-8"))


def built(site: Path, url: str) -> None:
    """The page Jekyll built for ``url``, when Jekyll is here (the demo builds only then)."""
    if shutil.which("jekyll"):
        assert (site / "_site" / url.strip("/") / "index.html").is_file()


@pytest.mark.parametrize(
    ("args", "check"),
    [
        ((), "daily"),
        (("weekly", "2026-W08"), "weekly"),
        (("monthly", "2026-02"), "monthly"),
        (("backfill", "2026-02-16", "2026-02-20"), "backfill"),
        (("summaries", "2026-02-18"), "summaries"),
    ],
)
def test_each_demo_writes_its_posts(tmp_path: Path, args: tuple[str, ...], check: str) -> None:
    site = tmp_path / "demo-site"
    # The weekly demo is run from elsewhere, its DEMO_SITE relative to there.
    proc = demo(Path("demo-site"), *args, cwd=tmp_path) if check == "weekly" else demo(site, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"crawl log: {site}/_logs/crawl.log" in proc.stdout
    assert "(Run outcome: ok)" in proc.stdout
    written = posts(site)
    if check in ("daily", "summaries"):
        assert list(written) == ["2026-02-18-daily-papers.md"]
        assert data(site, "daily-2026-02-18.json")["total_papers"] == 13
        summaries = [line for line in written["2026-02-18-daily-papers.md"].splitlines() if "요약: " in line]
        if check == "daily":
            assert summaries == []
        else:
            # One Korean summary per paper, from the fixture server's model, and cached.
            assert len(summaries) == 13 and all("이 논문은" in line for line in summaries)
            assert (site / "_data" / "papers" / "summaries-ko.json").is_file()
        built(site, "/posts/daily-papers-2026-02-18/")
    elif check == "weekly":
        assert list(written) == ["2026-02-16-weekly-papers.md"]
        assert 'title: "Hugging Face 주간 논문 - 2026년 8주차' in written["2026-02-16-weekly-papers.md"]
        assert data(site, "weekly-2026-W08.json")["total_papers"] > 0
        built(site, "/posts/weekly-papers-2026-W08/")
    elif check == "monthly":
        assert list(written) == ["2026-02-01-monthly-papers-summary.md"]
        post = written["2026-02-01-monthly-papers-summary.md"]
        assert "title: Hugging Face Papers Monthly Summary - 2026년 2월\n" in post
        assert data(site, "monthly-2026-02.json")["total_papers"] > 0
        built(site, "/posts/monthly-papers-summary-2026-02/")
    else:
        assert list(written) == [f"{day}-daily-papers.md" for day in BACKFILL]
        for day in BACKFILL:
            assert data(site, f"daily-{day}.json")["date"] == day
            built(site, f"/posts/daily-papers-{day}/")
    # It says where each post went.
    for name in written:
        assert f"post:      {site / '_posts' / name}" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("weekly", "2026-W30"), "error: no recording for 2026-W30; recorded: "),
        (("monthly", "2026-13"), "error: '2026-13' is not a month (YYYY-MM, e.g. 2026-02)"),
        (("backfill", "2026-02-20"), "error: backfill takes a first and a last day; usage: "),
        (("summaries", "2026-02-14"), "error: no recording for 2026-02-14; recorded: "),
        (("yearly",), "error: unknown demo 'yearly'; usage: "),
    ],
)
def test_a_demo_of_nothing_recorded_is_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    site = tmp_path / "demo-site"
    proc = demo(site, *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(message) and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not site.exists()


# Your own post beside the demo's, with math, as the blog's posts with formulas are.
MATH_POST = """\
---
title: "A post with math"
date: 2026-02-17 09:00:00 +0900
math: true
permalink: /posts/math-check/
---
Attention costs $O(n^2)$ in the sequence length.
"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The daily demo, run once into a folder that already holds a post of its own."""
    assert shutil.which("jekyll"), "no jekyll: scripts/test.sh installs Debian's package"
    site = tmp_path_factory.mktemp("demo") / "demo-site"
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "2026-02-17-math-check.md").write_text(MATH_POST, encoding="utf-8")
    proc = demo(site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site, proc


def test_the_demo_page_is_a_chirpy_post_with_its_chart_drawn(
    demo_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, proc = demo_site
    built = site / "_site"
    page = built / "posts" / "daily-papers-2026-02-18" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert html.startswith('<!doctype html>\n<html lang="ko"')
    assert '<meta charset="utf-8">' in html
    assert "<title>Hugging Face Daily Papers - 2026-02-18</title>" in html
    assert "<h1 data-toc-skip>Hugging Face Daily Papers - 2026-02-18</h1>" in html  # Chirpy's post header
    # The log is beside the posts, never published.
    assert (site / "_logs" / "crawl.log").is_file()
    assert not list(built.rglob("*.log"))
    assert f"crawl log: {site}/_logs/crawl.log (Run outcome: ok)" in proc.stdout
    assert f"view:      python3 -m http.server -d {built} 4000, then http://127.0.0.1:4000/" in proc.stdout
    # The blog's Mermaid, MathJax and search, where Chirpy self-hosts them.
    for name, folder in chromium.LIBRARIES.items():
        assert (built / "assets" / "lib" / name).resolve() == folder.resolve()
    failed: list[str] = []
    with chromium.serve(built, failed, libraries=False) as url:  # the site as the demo left it
        post = chromium.dump_dom(f"{url}/posts/daily-papers-2026-02-18/")
        math = chromium.dump_dom(f"{url}/posts/math-check/")
        home = chromium.dump_dom(f"{url}/")
    # Every script and index the pages ask for is there; /favicon.ico is the browser's own guess.
    assert [miss for miss in failed if miss != "404 /favicon.ico"] == []
    assert len(post.xpath("//pre[contains(@class, 'mermaid')]//svg")) == 1
    assert "1위" in chromium.text_of(post.xpath("//pre[contains(@class, 'mermaid')]")[0])
    assert len(math.xpath("//mjx-container")) == 1
    assert not post.xpath("//*[@class='demo-missing']") and not math.xpath("//*[@class='demo-missing']")
    cards = [chromium.text_of(title) for title in home.xpath("//h1[contains(@class, 'card-title')]")]
    assert cards == ["Hugging Face Daily Papers - 2026-02-18", "A post with math"]


def test_without_the_libraries_the_page_says_how_to_get_them(
    demo_site: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    site, _ = demo_site
    built = tmp_path / "_site"
    shutil.copytree(site / "_site", built, symlinks=True)
    missing = demo_plan.place_libraries(built, tmp_path / "no-node-modules")
    assert missing == ["mermaid", "mathjax", "simple-jekyll-search"]
    failed: list[str] = []
    with chromium.serve(built, failed, libraries=False) as url:
        post = chromium.dump_dom(f"{url}/posts/daily-papers-2026-02-18/")
        math = chromium.dump_dom(f"{url}/posts/math-check/")
    assert [miss for miss in failed if miss != "404 /favicon.ico"] == []
    notes = [chromium.text_of(note) for note in post.xpath("//*[@class='demo-missing']")]
    assert notes == [
        "The search box needs Simple-Jekyll-Search: (cd tests/js && npm ci), then run the demo again.",
        "The chart needs Mermaid: (cd tests/js && npm ci), then run the demo again.",
    ]
    assert not post.xpath("//svg")
    math_notes = [chromium.text_of(note) for note in math.xpath("//*[@class='demo-missing']")]
    assert math_notes == [
        "The search box needs Simple-Jekyll-Search: (cd tests/js && npm ci), then run the demo again.",
        "Math shows as TeX source: MathJax needs (cd tests/js && npm ci), then run the demo again.",
    ]
    assert "$O(n^2)$" in chromium.text_of(math)


def test_a_site_of_your_own_is_built_as_it_is(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    (site / "_site").mkdir(parents=True)
    (site / "_config.yml").write_text("title: my blog\n", encoding="utf-8")
    assert not demo_plan.prepare_site(site)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo_plan.py"), "libraries", str(site)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*")) == ["_config.yml", "_site"]
    # The demo's own config, as written before the demo built Chirpy-shaped pages, is replaced.
    (site / "_config.yml").write_text("markdown: kramdown\n", encoding="utf-8")
    (site / "crawl.log").write_text("old log\n", encoding="utf-8")
    assert demo_plan.prepare_site(site)
    assert (site / "_layouts" / "post.html").is_file() and not (site / "crawl.log").exists()
    assert (site / "_config.yml").read_text(encoding="utf-8").startswith(demo_plan.MARK)
