"""The owner's git index while a run commits: never committed past while git holds it, never
left staging the opposite of HEAD, whatever step a run is stopped at.

Real git; commit-only runs are `GitPublisher.publish` calls (fast), the runs stopped by
SIGKILL are whole `scrapy crawl` processes behind a git that waits before one command.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.gitrepo import PUBLISH_LOCK
from tests.conftest import ROOT, source_settings
from tests.test_publish import DAY, FILES, PUBLISH, git, make_repos, remote_log
from tests.test_publish_owner import publisher, record, write_list

COMMIT_ONLY = {"PUBLISH_PUSH": "False"}


def head(clone: Path) -> str:
    return git(clone, "rev-parse", "HEAD")


def local_repo(tmp_path: Path) -> Path:
    """A blog's repository with one commit and no remote (commit-only runs)."""
    clone = tmp_path / "blog"
    git(tmp_path, "init", "-q", "-b", "main", str(clone))
    (clone / "_config.yml").write_text("title: my blog\n")
    git(clone, "add", "_config.yml")
    git(clone, "commit", "-q", "-m", "start")
    return clone


# --- git's lock on the index ------------------------------------------------------------


def test_nothing_is_committed_while_a_git_command_holds_the_index(tmp_path: Path) -> None:
    """An index.lock (a git command at work, or one that crashed): one line, no commit; the
    lock stays the owner's, and the next run once it is gone commits with the index in step."""
    clone = local_repo(tmp_path)
    start = head(clone)
    lock = clone / ".git" / "index.lock"
    lock.write_bytes(b"the owner's git at work")
    outcome = write_list(clone, "today")
    published = publisher(clone, **COMMIT_ONLY).publish(record(outcome))
    assert published.error == (
        f"git's index is locked ({lock} exists: a git command is running in this checkout, such as a"
        " commit waiting for its message, or one that was stopped left it): nothing committed; finish"
        " it (or remove the lock when no git runs), then run again"
    )
    assert head(clone) == start and published.commits == {}
    assert lock.read_bytes() == b"the owner's git at work"
    lock.unlink()
    published = publisher(clone, **COMMIT_ONLY).publish(record(outcome))
    assert (
        published.error == "" and git(clone, "log", "--format=%s", "-1") == f"Daily papers {DAY}: 13 papers"
    )
    assert git(clone, "status", "--porcelain") == ""  # the index holds what HEAD holds


def test_the_owners_commit_waiting_for_its_message_is_not_committed_past(tmp_path: Path) -> None:
    """`git commit -a` (or of named files) holds the index while the editor is open: the run
    commits nothing, and the owner's commit goes through when they close the editor."""
    clone = local_repo(tmp_path)
    start = head(clone)
    (clone / "_config.yml").write_text("title: my own blog\n")
    closed, editor = tmp_path / "closed", tmp_path / "editor"
    editor.write_text(f'#!/bin/sh\nuntil [ -e "{closed}" ]; do sleep 0.05; done\necho "Rename" > "$1"\n')
    editor.chmod(0o755)
    owner = subprocess.Popen(
        ["git", "-c", "user.name=Owner", "-c", "user.email=o@example.org", "commit", "-q", "-a"],
        cwd=clone,
        env={**os.environ, "GIT_EDITOR": str(editor)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        while not (clone / ".git" / "index.lock").exists():
            assert owner.poll() is None, owner.communicate()[0]
            time.sleep(0.01)
        published = publisher(clone, **COMMIT_ONLY).publish(record(write_list(clone, "today")))
        assert published.error.startswith("git's index is locked (")
        assert head(clone) == start
    finally:
        closed.touch()
        out, _ = owner.communicate(timeout=60)
    assert owner.returncode == 0, out
    assert git(clone, "log", "--format=%s") == "Rename\nstart"


def test_staged_files_the_run_replaced_are_its_own(tmp_path: Path) -> None:
    """A run stopped after the index took its files, before the branch moved, left them staged
    over HEAD: the next run knows them by the version it replaces, and commits over them."""
    clone = local_repo(tmp_path)
    publisher(clone, **COMMIT_ONLY).publish(record(write_list(clone, "morning")))
    stopped = write_list(clone, "noon")
    git(clone, "add", *FILES)  # what the stopped run's index held
    evening = write_list(clone, "evening")
    assert stopped.written == {path: sha for path, sha in evening.before.items()}
    published = publisher(clone, **COMMIT_ONLY).publish(record(evening))
    assert published.error == ""
    assert git(clone, "status", "--porcelain") == ""
    assert "evening" in git(clone, "show", f"HEAD:_posts/{DAY}-daily-papers.md")


def test_a_staged_change_of_the_owners_stays_staged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clone = local_repo(tmp_path)
    publisher(clone, **COMMIT_ONLY).publish(record(write_list(clone, "morning")))
    post = clone / f"_posts/{DAY}-daily-papers.md"
    post.write_text(post.read_text() + "my note\n")
    git(clone, "add", str(post))
    staged = git(clone, "ls-files", "-s", str(post))
    post.write_text("---\ntitle: x\n---\nthe run's\n")  # as if the run had replaced it
    outcome = write_list(clone, "evening")
    publisher(clone, **COMMIT_ONLY).publish(record(outcome))
    assert git(clone, "ls-files", "-s", str(post)) == staged
    assert f"_posts/{DAY}-daily-papers.md had changes staged in git: they stay staged" in caplog.text


# --- runs of two worktrees of one repository take turns ------------------------------------


def test_runs_in_two_worktrees_of_one_repository_take_turns(tmp_path: Path) -> None:
    clone = local_repo(tmp_path)
    linked = tmp_path / "linked"
    git(clone, "worktree", "add", "-q", "-b", "drafts", str(linked))
    start = head(linked)
    with (clone / ".git" / PUBLISH_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a run publishing in the main worktree
        published = publisher(linked, **COMMIT_ONLY, PUBLISH_TIMEOUT="0.3").publish(
            record(write_list(linked, "today"))
        )
    assert published.error == f"another run kept publishing in {linked} for 0.3 s (PUBLISH_TIMEOUT)"
    assert head(linked) == start


def test_the_summaries_cache_of_a_linked_worktree_waits_for_the_repositorys_lock(tmp_path: Path) -> None:
    from hfpapers.site import Site
    from hfpapers.summaries import Summarizer
    from tests.conftest import project_settings
    from tests.test_summaries_hardening import paper

    clone = local_repo(tmp_path)
    linked = tmp_path / "linked"
    git(clone, "worktree", "add", "-q", "-b", "drafts", str(linked))
    settings = project_settings(
        SUMMARY_API_URL="http://127.0.0.1:9/v1", SUMMARY_MODEL="m", PUBLISH_TIMEOUT=0.3
    )
    summarizer = Summarizer(settings, Site(linked))
    summarizer.remember(paper(), "이 논문은 잠금 아래에서 저장됩니다.")
    with (clone / ".git" / PUBLISH_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(OSError, match="another run held the summaries cache's lock"):
            summarizer.save()


# --- a run stopped at any step --------------------------------------------------------------

# A git that, from the run's first commit on, counts the commands it is asked, and at the
# STOP_AT-th waits (to be killed there) instead of running it.
STOPPING_GIT = """#!/bin/bash
if [ ! -e "$STOP_COUNT" ]; then
  for arg in "$@"; do [ "$arg" = commit-tree ] && echo 0 > "$STOP_COUNT"; done
fi
if [ -e "$STOP_COUNT" ]; then
  n=$(( $(cat "$STOP_COUNT") + 1 )); echo "$n" > "$STOP_COUNT"
  echo "$n $*" >> "$STOP_LOG"
  if [ "$n" = "$STOP_AT" ]; then touch "$STOP_FLAG"; exec sleep 600; fi
fi
exec "$REAL_GIT" "$@"
"""


def stopped_run(
    server: FixtureServer, clone: Path, tmp_path: Path, settings: dict[str, str], at: int
) -> bool:
    """A refresh of DAY in a `scrapy crawl` process, killed (SIGKILL, its whole process group)
    at the ``at``-th git command from its first commit on; False when it finished before."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "git").write_text(STOPPING_GIT)
    (bin_dir / "git").chmod(0o755)
    flag, count = tmp_path / f"stopped-{at}", tmp_path / f"count-{at}"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "REAL_GIT": subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip(),
        "STOP_AT": str(at),
        "STOP_FLAG": str(flag),
        "STOP_COUNT": str(count),
        "STOP_LOG": str(tmp_path / "commands.log"),
        "PYTHONPATH": str(ROOT),
    }
    merged = {**source_settings(server), "SITE_DIR": str(clone), **settings}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={DAY}"]
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        while not flag.exists() and proc.poll() is None:
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return flag.exists()


def index_in_step(clone: Path) -> list[str]:
    """The run's paths where the index holds neither HEAD's version nor the work tree's: the
    owner's next commit would commit something nobody has (an older version over a newer)."""
    odd = []
    for path in FILES:
        staged = git(clone, "ls-files", "-s", path).split(" ")[1:2]
        in_head = git(clone, "ls-tree", "HEAD", path).split()[2:3]
        on_disk = [git(clone, "hash-object", path)] if (clone / path).exists() else []
        if staged not in (in_head, on_disk):
            odd.append(path)
    return odd


@pytest.mark.slow
@pytest.mark.parametrize("push", ["True", "False"])
@deferred_f_from_coro_f
async def test_a_run_stopped_at_any_step_leaves_the_index_in_step_and_the_next_run_heals_it(
    server: FixtureServer, tmp_path: Path, crawl, push: str
) -> None:  # type: ignore[no-untyped-def]
    settings = {**PUBLISH, "PUBLISH_PUSH": push}
    at = 0
    while True:
        at += 1
        (tmp_path / f"at-{at}").mkdir()
        remote, clone = make_repos(tmp_path / f"at-{at}")
        first = await crawl(args={"date": DAY}, settings={**settings, "SITE_DIR": str(clone)})
        assert first.record.ok, first.log[-3000:]
        server.edit_day(DAY)[0]["paper"]["upvotes"] += 5
        if not stopped_run(server, clone, tmp_path / f"at-{at}", settings, at):
            break  # it finished: every step was tried
        assert not (clone / ".git" / "index.lock").exists(), at
        assert index_in_step(clone) == [], (at, (tmp_path / f"at-{at}" / "commands.log").read_text())

        server.edit_day(DAY)[0]["paper"]["upvotes"] += 5
        healed = await crawl(args={"date": DAY}, settings={**settings, "SITE_DIR": str(clone)})
        assert healed.record.ok, healed.log[-3000:]
        for trouble in ("changes staged", "stays at"):
            assert trouble not in healed.log, (at, healed.log[-3000:])
        assert git(clone, "status", "--porcelain", "--", *FILES) == ""
        if push == "True":
            assert head(clone) == git(remote, "rev-parse", "main")
            assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers (refresh)"
        else:
            assert git(clone, "log", "-1", "--format=%s") == f"Daily papers {DAY}: 13 papers (refresh)"
    assert at > 3  # the run did stop at its steps before it was let finish
