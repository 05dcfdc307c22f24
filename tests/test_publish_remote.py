"""What the remote says and does, told as it is: a push that got there though git said it
failed, a remote that moved back or on, the owner's own unpushed commits, another run's
newer files, the summaries cache the owner curated there, a transport that hangs.

Real git against real bare remotes; runs crawl in this process.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.publish import SHARED_MESSAGE
from hfpapers.seal import seal_data
from tests.test_owner_edits import more_likes
from tests.test_publish import CACHE, DAY, POST, PUBLISH, git, publish, remote_log, repos  # noqa: F401  (fixtures)
from tests.test_publish_owner import owner_clone, publisher, record, write_list

DATA = f"_data/papers/daily-{DAY}.json"


# --- a push that got there ----------------------------------------------------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_push_the_remote_took_before_the_connection_dropped_is_published(
    repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    hook = remote / "hooks" / "post-receive"
    hook.write_text("#!/bin/sh\ncat >/dev/null\nkill -9 $PPID\n")  # the ref is updated, then the line drops
    hook.chmod(0o755)
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers"
    assert "git push to origin reported a failure (" in result.log
    assert "but the remote's main has this run's commits: published" in result.log
    assert result.record.lists[0].commit == f"Daily papers {DAY}: 13 papers"
    assert git(clone, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")  # caught up


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_push_that_did_not_get_there_fails_as_before(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\ncat >/dev/null\nkill -9 $PPID\n")  # dropped before the ref moved
    hook.chmod(0o755)
    result = await publish(PUBLISH_PUSH_RETRIES="0")
    assert not result.record.ok
    assert result.record.publish_error.startswith("push to origin failed: ")
    assert result.record.publish_error.endswith(
        "; nothing was published: the files stay in SITE_DIR, and a later run of these lists publishes them"
    )
    assert remote_log(remote) == ["start"]


# --- why a file of the remote's is not replaced: as it is, and what helps -------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_stale_clone_of_a_remote_that_moved_back_says_so_and_a_reset_helps(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    """The owner withdrew the day's post by a force-push: a pull cannot help this clone (it is
    ahead of the remote); resetting it to the remote's branch does, and hands the day back."""
    remote, clone = repos
    assert (await publish()).record.ok
    owner = owner_clone(remote, tmp_path)
    git(owner, "reset", "-q", "--hard", "HEAD~1")
    git(owner, "push", "-q", "--force", "origin", "main")
    more_likes(server)
    stale = await publish()
    assert stale.record.publish_error == (
        f"Daily papers {DAY}: 13 papers not pushed: {POST}, {DATA} is not on the remote as"
        " this clone has it: the remote's branch moved back past commits it took from hfpapers (a"
        " force-push, or a remote that dropped them); what it holds now stays. Reset this clone's"
        " branch to the remote's, then run again"
    )
    assert remote_log(remote) == ["start"]
    assert "the remote has this run's commits" not in stale.log and "pull" not in stale.log
    git(clone, "fetch", "-q", "origin")
    git(clone, "reset", "-q", "--hard", "origin/main")  # as it says
    again = await publish()
    assert again.record.ok, again.log[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_owners_own_unpushed_commit_is_named_as_what_holds_the_list_back(
    server: FixtureServer, repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    """The owner removed the post in a commit they have not pushed: the run writes the day
    again here (a deleted post is hfpapers' again), and the remote still has the old one."""
    _, clone = repos
    assert (await publish()).record.ok
    git(clone, "rm", "-q", POST)
    git(clone, "commit", "-q", "-m", "no post today")
    more_likes(server)
    result = await publish()
    assert result.record.publish_error == (
        f"Daily papers {DAY}: 13 papers (refresh) not pushed: {POST} differs on the remote by commits of"
        " this clone's that the remote lacks (not pushed; it stays as it is there): push them, or reset"
        " this clone's branch to the remote's, then run again"
    )


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_post_removed_on_the_remote_is_not_told_to_be_pulled_back(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    assert (await publish()).record.ok
    owner = owner_clone(remote, tmp_path)
    git(owner, "rm", "-q", POST, DATA)
    git(owner, "commit", "-q", "-m", "withdrawn")
    git(owner, "push", "-q", "origin", "main")
    more_likes(server)
    result = await publish()
    assert result.record.publish_error == (
        f"Daily papers {DAY}: 13 papers not pushed: {POST}, {DATA} is no longer on the remote"
        " (removed there since this clone's version), which stays: bring this clone's branch to the"
        " remote's (this run's files for the list stand where a pull writes: remove them first), then"
        " run again"
    )
    assert git(remote, "ls-tree", "--name-only", "main", "_posts/") == ""


def test_a_file_another_run_replaced_since_is_said_to_be_that_runs(
    server: FixtureServer, tmp_path: Path
) -> None:
    """Two runs of one day at once: the later one's files replaced the earlier one's before it
    committed them. That is no edit of anyone's."""
    from tests.test_publish_index import local_repo

    clone = local_repo(tmp_path)
    outcome = write_list(clone, "the first run's")
    data_file = clone / DATA
    sealed = json.dumps({"hfpapers_sha256": ""}) + "\n"
    data_file.write_text(seal_data(sealed))  # the second run's (sealed as hfpapers seals)
    published = publisher(clone, PUBLISH_PUSH="False").publish(record(outcome))
    assert published.error == (
        f"{DAY} not committed: {DATA} was replaced in SITE_DIR since this run wrote it by another run"
        " of hfpapers (which publishes its own)"
    )


# --- the summaries cache: only this run's answers join the remote's -------------------------


def summaries(server: FixtureServer, site: Path) -> dict[str, str]:
    return {**PUBLISH, "SITE_DIR": str(site), "SUMMARY_API_URL": f"{server.url}/v1", "SUMMARY_MODEL": "m"}


@pytest.mark.slow
@pytest.mark.parametrize("curated", ["an entry removed", "the cache deleted", "an entry edited"])
@deferred_f_from_coro_f
async def test_what_the_owner_did_to_the_cache_on_the_remote_stays_done(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path, crawl, curated: str
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    first = await crawl(args={"date": "2026-02-17"}, settings=summaries(server, clone))
    assert first.record.ok, first.log[-3000:]
    owner = owner_clone(remote, tmp_path)
    cache = json.loads((owner / CACHE).read_text(encoding="utf-8"))
    chosen = sorted(cache)[0]
    if curated == "the cache deleted":
        git(owner, "rm", "-q", CACHE)
    else:
        if curated == "an entry removed":
            del cache[chosen]
        else:
            cache[chosen]["summary"] = "이 요약은 주인이 고쳐 쓴 것입니다."
        (owner / CACHE).write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    git(owner, "commit", "-q", "-am", f"the cache: {curated}")
    git(owner, "push", "-q", "origin", "main")

    second = await crawl(args={"date": DAY}, settings=summaries(server, clone))  # another day, 13 answers
    assert second.record.ok, second.log[-3000:]
    assert remote_log(remote)[:2] == [SHARED_MESSAGE, f"Daily papers {DAY}: 13 papers"]
    pushed = json.loads(git(remote, "show", f"main:{CACHE}"))
    shown = {p["arxiv_id"] for p in json.loads((clone / DATA).read_text(encoding="utf-8"))["papers"]}
    asked = {key for key in pushed if key.split("|")[0] in shown}
    assert len(asked) == 13
    others = {key: value for key, value in pushed.items() if key not in asked}
    if curated == "the cache deleted":
        assert others == {}  # only this run's answers: the cache is not added back whole
    else:
        assert others == cache  # the owner's version, as they left it


# --- a transport that hangs --------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; nobody may be left to reap it here


@pytest.mark.slow  # waits for PUBLISH_TIMEOUT
def test_a_git_command_that_takes_too_long_ends_with_all_it_started(
    repos: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SSH transport that never answers: git is stopped at PUBLISH_TIMEOUT, and the
    transport with it (its whole process group), not left running."""
    _, clone = repos
    started = tmp_path / "transport.pid"
    transport = tmp_path / "ssh"
    transport.write_text(f'#!/bin/sh\necho $$ > "{started}"\nexec sleep 300\n')
    transport.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(transport))
    remote = "ssh://git@blog.example/me/blog.git"
    published = publisher(clone, PUBLISH_GIT_REMOTE=remote, PUBLISH_TIMEOUT="2").publish(
        record(write_list(clone, "today"))
    )
    assert published.error == "git fetch took longer than 2 s (PUBLISH_TIMEOUT)"
    pid = int(started.read_text())
    try:
        deadline = time.monotonic() + 5  # SIGKILL is delivered at once; the kernel may take a moment
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid), "the transport is still running"
    finally:
        if alive(pid):
            os.kill(pid, 9)
