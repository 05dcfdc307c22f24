"""The offline demo, run as a newcomer runs it: one command per kind of post, checked by what it wrote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.scrapyd_node import free_port

BACKFILL = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]


def demo(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEMO_SITE": str(site), "DEMO_PORT": str(free_port())}
    return subprocess.run(
        [str(ROOT / "scripts" / "demo.sh"), *args], capture_output=True, text=True, timeout=300, env=env
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
    proc = demo(site, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
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
