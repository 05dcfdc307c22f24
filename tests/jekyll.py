"""Build posts with the real Jekyll and read back what a reader sees."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from lxml import html as lxml_html

CONFIG = """\
title: test blog
markdown: kramdown
permalink: /:year/:month/:day/:title/
"""


def jekyll_available() -> bool:
    return shutil.which("jekyll") is not None


def build(posts: list[Path], workdir: Path) -> dict[str, Path]:
    """Build a one-folder site holding ``posts``; return post name -> built HTML file."""
    src, dest = workdir / "src", workdir / "out"
    (src / "_posts").mkdir(parents=True)
    (src / "_config.yml").write_text(CONFIG, encoding="utf-8")
    for post in posts:
        shutil.copy(post, src / "_posts" / post.name)
    proc = subprocess.run(
        ["jekyll", "build", "--safe", "--quiet", "-s", str(src), "-d", str(dest)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise AssertionError(f"jekyll build failed:\n{proc.stdout}\n{proc.stderr}")
    built = {}
    for post in posts:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})-(.+)\.md$", post.name)
        assert match, post.name
        year, month, day, slug = match.groups()
        built[post.name] = dest / year / month / day / slug / "index.html"
        assert built[post.name].exists(), f"jekyll did not publish {post.name}"
    return built


def visible_text(page: Path) -> str:
    """The page's text as a reader sees it, whitespace collapsed."""
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    return " ".join(tree.text_content().split())
