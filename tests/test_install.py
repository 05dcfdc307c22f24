"""Installing a list's files into a blog folder shared by several users.

Real users and the kernel's real rules: the test runs as root, gives the post
to one uid and runs the refresh as another (setpriv), so fs.protected_hardlinks
applies as it does on a server where the blog belongs to its author and the
crawl runs as `hfpapers`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixture_server import FixtureServer
from tests.conftest import ROOT, source_settings

DAY = "2026-02-18"
AUTHOR, CRAWLER = 1001, 1000  # the blog's author owns the post; the crawl runs as another user


def protected_hardlinks() -> bool:
    try:
        return Path("/proc/sys/fs/protected_hardlinks").read_text().strip() == "1"
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None or not protected_hardlinks(),
    reason="needs root, setpriv and fs.protected_hardlinks=1 to run as two real users",
)


@pytest.fixture
def shared_blog() -> Iterator[Path]:
    """A blog folder both users reach (pytest's tmp_path is root's alone)."""
    top = Path(tempfile.mkdtemp(prefix="hfpapers-shared-"))
    top.chmod(0o755)
    blog = top / "blog"
    for folder in (blog, blog / "_posts", blog / "_data", blog / "_data" / "papers"):
        folder.mkdir()
        folder.chmod(0o777)  # writable by the crawl's user, as the README asks
    yield blog
    shutil.rmtree(top)


def crawl_as(uid: int, server: FixtureServer, blog: Path) -> subprocess.CompletedProcess[str]:
    cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    cmd += [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={DAY}"]
    for name, value in {**source_settings(server), "SITE_DIR": str(blog)}.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(blog.parent), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_a_refresh_replaces_a_post_another_user_owns(server: FixtureServer, shared_blog: Path) -> None:
    first = crawl_as(AUTHOR, server, shared_blog)
    assert first.returncode == 0, first.stderr[-3000:]
    post = shared_blog / "_posts" / f"{DAY}-daily-papers.md"
    data = shared_blog / "_data" / "papers" / f"daily-{DAY}.json"
    for path in (post, data):
        assert path.stat().st_uid == AUTHOR
        assert path.stat().st_mode & 0o777 == 0o644  # the crawl's user may read it, not write it
    morning = post.read_text(encoding="utf-8")

    server.edit_day(DAY)[0]["paper"]["upvotes"] += 5
    refresh = crawl_as(CRAWLER, server, shared_blog)
    assert refresh.returncode == 0, refresh.stderr[-3000:]
    assert "Run outcome: ok" in refresh.stderr
    assert post.read_text(encoding="utf-8") != morning  # the new like counts are in
    assert post.stat().st_uid == CRAWLER
    assert not [p.name for p in shared_blog.rglob(".*") if p.is_file()]  # no backup or temporary file left
