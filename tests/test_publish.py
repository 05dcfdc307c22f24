"""Git publishing with real git: a bare repository as the remote, a clone as SITE_DIR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, CrawlResult, run_crawl
from tests.fixture_server import FixtureServer

DAY = "2026-02-18"
FILES = [f"_data/papers/daily-{DAY}.json", f"_posts/{DAY}-daily-papers.md"]
PUBLISH = {"PUBLISH_GIT": "True", "PUBLISH_PUSH": "True", "PUBLISH_GIT_AUTHOR": "Blog Bot <bot@example.org>"}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Someone", "-c", "user.email=someone@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.rstrip()


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    """(remote, clone): a bare remote with one commit, and a clone of it."""
    remote, clone = tmp_path / "remote.git", tmp_path / "blog"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    (clone / "README.md").write_text("my blog\n")
    git(clone, "add", "README.md")
    git(clone, "commit", "-q", "-m", "start")
    git(clone, "push", "-q", "origin", "main")
    return remote, clone


def publish(server: FixtureServer, clone: Path, **settings: str) -> CrawlResult:
    return run_crawl(server, clone, args={"date": DAY}, settings={**PUBLISH, **settings})


def remote_log(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "main").splitlines()


def test_commit_and_push_exactly_the_post_and_data_file(
    server: FixtureServer, repos: tuple[Path, Path]
) -> None:
    remote, clone = repos
    (clone / "draft.md").write_text("someone's draft\n")  # untracked, not ours
    (clone / "README.md").write_text("my blog, edited\n")  # modified, not ours
    result = publish(server, clone)
    assert result.returncode == 0, result.stderr[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]
    assert sorted(git(remote, "show", "--name-only", "--format=", "main").splitlines()) == FILES
    assert git(remote, "log", "-1", "--format=%an <%ae>", "main") == "Blog Bot <bot@example.org>"
    status = git(clone, "status", "--porcelain")
    assert status.splitlines() == [" M README.md", "?? draft.md"]

    again = publish(server, clone)
    assert again.returncode == 0
    assert f"{DAY}: nothing changed, no commit" in again.stderr
    assert len(remote_log(remote)) == 2

    server.days[DAY][0]["paper"]["upvotes"] += 5
    try:
        refresh = publish(server, clone)
    finally:
        server.days[DAY][0]["paper"]["upvotes"] -= 5
    assert refresh.returncode == 0, refresh.stderr[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers (refresh)"
    assert sorted(git(remote, "show", "--name-only", "--format=", "main").splitlines()) == FILES


def test_remote_that_moved_on_is_rebased_onto(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path
) -> None:
    remote, clone = repos
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "about.md").write_text("about\n")
    git(other, "add", "about.md")
    git(other, "commit", "-q", "-m", "someone else's post")
    git(other, "push", "-q", "origin", "main")
    result = publish(server, clone)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Push rejected (the remote moved on); rebasing onto it" in result.stderr
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "someone else's post", "start"]


def test_refused_push_fails_and_keeps_the_commit(server: FixtureServer, repos: tuple[Path, Path]) -> None:
    remote, clone = repos
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'this repository is read-only' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = publish(server, clone, PUBLISH_PUSH_RETRIES="1")
    assert result.returncode == 1
    assert "Publishing failed: push to origin failed:" in result.stderr
    assert "the commit stays local and the next run pushes it" in result.stderr
    assert remote_log(remote) == ["start"]
    assert git(clone, "log", "-1", "--format=%s") == f"Daily papers {DAY}: 13 papers"

    hook.unlink()  # the remote accepts again: the next run pushes the waiting commit
    later = publish(server, clone)
    assert later.returncode == 0, later.stderr[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers"


def test_token_in_remote_url_never_logged(server: FixtureServer, repos: tuple[Path, Path]) -> None:
    _, clone = repos
    url = "http://blogbot:ghp_s3cr3tT0ken@127.0.0.1:9/blog.git"
    result = publish(server, clone, PUBLISH_GIT_REMOTE=url, PUBLISH_PUSH_RETRIES="0")
    assert result.returncode == 1
    assert "ghp_s3cr3tT0ken" not in result.stderr + result.stdout
    assert "http://***@127.0.0.1:9/blog.git" in result.stderr  # the settings dump and the error


def test_publishing_needs_a_git_work_tree(server: FixtureServer, site: Path) -> None:
    result = run_crawl(server, site, args={"date": DAY}, settings=PUBLISH)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: PUBLISH_GIT: SITE_DIR {site} is not a git work tree"
    assert server.count() == {}


def test_github_actions_workflow_is_valid_and_publishes() -> None:
    workflow = ROOT / "deploy" / "github-actions" / "daily-papers.yml"
    checker = str(Path(sys.executable).with_name("check-jsonschema"))
    proc = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    spec = yaml.safe_load(workflow.read_text())
    assert [c["cron"] for c in spec[True]["schedule"]] == ["15 0 * * *", "0 14 * * *"]  # YAML 1.1: on -> True
    run = spec["jobs"]["crawl"]["steps"][-1]["run"]
    assert "scrapy crawl daily" in run and 'SITE_DIR="$GITHUB_WORKSPACE"' in run
    assert "PUBLISH_GIT=True" in run and "PUBLISH_PUSH=True" in run
