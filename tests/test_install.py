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
from hfpapers.writer import install
from tests.conftest import ROOT, source_settings

DAY = "2026-02-18"
AUTHOR, CRAWLER = 1001, 1000  # the blog's author owns the post; the crawl runs as another user


def protected_hardlinks() -> bool:
    try:
        return Path("/proc/sys/fs/protected_hardlinks").read_text().strip() == "1"
    except OSError:
        return False


two_users = pytest.mark.skipif(
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


@pytest.mark.slow
@two_users
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


def test_a_failed_install_puts_back_the_old_post_as_it_was(tmp_path: Path) -> None:
    """The backup is a copy: a post that is a symbolic link comes back as that link."""
    real = tmp_path / "elsewhere.md"
    real.write_text("the old post\n")
    post, data = tmp_path / "post.md", tmp_path / "data.json"
    post.symlink_to(real)
    data.mkdir()  # a folder where the data file goes: its rename fails after the post's
    (data / "x").write_text("x")
    new_post, new_data = tmp_path / ".post.md.tmp", tmp_path / ".data.json.tmp"
    new_post.write_text("the new post\n")
    new_data.write_text("{}")
    with pytest.raises(OSError):
        install({post: new_post, data: new_data})
    assert post.is_symlink() and post.read_text() == "the old post\n"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".data.json.tmp", "data.json", "elsewhere.md", "post.md"]  # no backup left
