"""Build posts with the real Jekyll and read back what a reader sees."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from lxml import html as lxml_html

# The blog's own rule (its _config.yml): every post at /posts/:title/ unless it sets a permalink.
CONFIG = """\
title: test blog
markdown: kramdown
defaults:
  - scope:
      path: ""
      type: posts
    values:
      permalink: /posts/:title/
"""
_PERMALINK_RE = re.compile(r"^permalink: *(\S+)$", re.M)


def jekyll_available() -> bool:
    return shutil.which("jekyll") is not None


def url_of(post: Path) -> str:
    """Where the site puts a post: its permalink, else /posts/:title/ (the file name, no date)."""
    front = post.read_text(encoding="utf-8").split("\n---", 1)[0]
    match = _PERMALINK_RE.search(front)
    return match.group(1) if match else f"/posts/{post.stem[len('YYYY-MM-DD-') :]}/"


# The blog's own settings that the Chirpy-shaped layouts read (its _config.yml).
CHIRPY_CONFIG = """\
lang: en
timezone: Asia/Seoul
url: "https://lim4349.github.io"
plugins: [jekyll-seo-tag]
whitelist: [jekyll-seo-tag]
social:
  name: lim4349
  links:
    - https://github.com/lim4349
"""
CHIRPY = Path(__file__).parent / "chirpy"


def build(
    posts: list[Path],
    workdir: Path,
    *,
    chirpy: bool = False,
    authors: str | None = None,
    unpublished: tuple[Path, ...] = (),
) -> dict[str, Path]:
    """Build a site holding ``posts``; return post name -> built HTML file.

    The site also holds ``unpublished``, posts that Jekyll must leave out (``published: false``).

    With ``chirpy``, inside the Chirpy-shaped site of ``tests/chirpy`` (its
    layouts, home page and feed at ``out/index.html`` and ``out/feed.xml``),
    with ``authors`` as its ``_data/authors.yml``. Fails when Jekyll reports
    two files for one URL (it would keep only one).
    """
    src, dest = workdir / "src", workdir / "out"
    if chirpy:
        shutil.copytree(CHIRPY, src, ignore=shutil.ignore_patterns("README.md"))
    (src / "_posts").mkdir(parents=True)
    config = CONFIG
    if chirpy:
        config = config.replace("      permalink:", "      layout: post\n      permalink:") + CHIRPY_CONFIG
    (src / "_config.yml").write_text(config, encoding="utf-8")
    if authors is not None:
        (src / "_data").mkdir(exist_ok=True)
        (src / "_data" / "authors.yml").write_text(authors, encoding="utf-8")
    for post in [*posts, *unpublished]:
        shutil.copy(post, src / "_posts" / post.name)
    proc = subprocess.run(
        ["jekyll", "build", "--safe", "-s", str(src), "-d", str(dest)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f"jekyll build failed:\n{output}")
    if "Conflict:" in output:
        raise AssertionError(f"jekyll wrote two posts to one URL:\n{output}")
    built = {}
    for post in posts:
        built[post.name] = dest / url_of(post).strip("/") / "index.html"
        assert built[post.name].exists(), f"jekyll did not publish {post.name} at {url_of(post)}"
    for post in unpublished:
        assert not (dest / url_of(post).strip("/")).exists(), f"jekyll published {post.name}"
    return built


def visible_text(page: Path) -> str:
    """The page's text as a reader sees it, whitespace collapsed."""
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    return " ".join(tree.text_content().split())
