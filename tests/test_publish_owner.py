"""Publishing into a repository that is the owner's: what the owner did there stays done.

Real git against a real bare remote, as a careless or hostile owner would leave it: a
force-push, a purged file, a merge half done, private commits under their own name, a crawl
started from a git hook, a symbolic link committed, two runs writing one post. Most tests
hand `GitPublisher.publish` the record the ledger sends (fast); those about a whole run
crawl in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.gitrepo import PUBLISH_LOCK, detached_head, git_dir, is_work_tree
from hfpapers.outcome import WRITTEN, ListOutcome, RunRecord
from hfpapers.periods import from_key
from hfpapers.publish import GitPublisher
from hfpapers.spiders.daily import DailySpider
from tests.conftest import project_settings
from tests.test_publish import CACHE, DAY, POST, PUBLISH, git, publish, push_from_elsewhere, remote_log, repos  # noqa: F401  (fixtures)

DATA = f"_data/papers/daily-{DAY}.json"
OWNER = "Someone <someone@example.org>"  # who `git()` commits as: the owner


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publisher(clone: Path, **settings: str) -> GitPublisher:
    return GitPublisher(
        Crawler(DailySpider, project_settings(**{**PUBLISH, "SITE_DIR": str(clone), **settings}))
    )


def write_list(clone: Path, text: str, day: str = DAY, papers: int = 13) -> ListOutcome:
    """What the writer does for one day: its post and data file, and what it records of them."""
    period = from_key("daily", day)
    files = {
        clone / "_posts" / period.post_name: f"---\ntitle: {day}\n---\n{text}\n".encode(),
        clone / "_data" / "papers" / period.data_name: json.dumps({"date": day, "papers": papers}).encode(),
    }
    outcome = ListOutcome("daily", day, WRITTEN, papers=papers, period=period)
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        outcome.before[str(path)] = sha(path.read_bytes()) if path.exists() else None
        path.write_bytes(data)
        outcome.files.append(str(path))
        outcome.written[str(path)] = sha(data)
    return outcome


def record(*outcomes: ListOutcome, shared: tuple[Path, ...] = ()) -> RunRecord:
    return RunRecord("finished", lists=list(outcomes), shared_files=[str(path) for path in shared])


def owner_clone(remote: Path, tmp_path: Path, name: str = "owner") -> Path:
    path = tmp_path / name
    git(tmp_path, "clone", "-q", str(remote), str(path))
    return path


def remote_paths(remote: Path, folder: str = "") -> list[str]:
    return git(remote, "ls-tree", "-r", "--name-only", "main", *([folder] if folder else [])).splitlines()


# --- the owner's history: never undone ---------------------------------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_post_the_owner_withdrew_by_force_push_stays_withdrawn(
    repos: tuple[Path, Path], tmp_path: Path, crawl
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    settings = {**PUBLISH, "SITE_DIR": str(clone)}
    assert (await crawl(args={"date": "2026-02-17"}, settings=settings)).record.ok
    owner = owner_clone(remote, tmp_path)
    git(owner, "reset", "-q", "--hard", "HEAD~1")  # the owner withdraws the bot's post
    git(owner, "push", "-q", "--force", "origin", "main")

    result = await crawl(args={"date": DAY}, settings=settings)
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]
    assert remote_paths(remote, "_posts") == [POST]
    # The clone still holds the withdrawn commit: its branch stays, and says why.
    assert "The local branch main stays at" in result.log and "commits the remote lacks" in result.log


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_file_purged_from_all_history_never_comes_back_from_a_shallow_clone(
    repos: tuple[Path, Path], tmp_path: Path, crawl
) -> None:  # type: ignore[no-untyped-def]
    """The shipped Actions workflow checks out at depth 1: its clone knows one commit, the bot's."""
    remote, clone = repos
    (clone / "secret.txt").write_text("password=hunter2\n")
    git(clone, "add", "secret.txt")
    git(clone, "commit", "-q", "-m", "notes")
    git(clone, "push", "-q", "origin", "main")
    assert (await crawl(args={"date": "2026-02-17"}, settings={**PUBLISH, "SITE_DIR": str(clone)})).record.ok
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{remote}", str(shallow))
    owner = owner_clone(remote, tmp_path)
    subprocess.run(
        [
            "git",
            "filter-branch",
            "--index-filter",
            "git rm -q --cached --ignore-unmatch secret.txt",
            "--",
            "--all",
        ],
        cwd=owner,
        env={**os.environ, "FILTER_BRANCH_SQUELCH_WARNING": "1"},
        capture_output=True,
        check=True,
    )
    git(owner, "push", "-q", "--force", "origin", "main")

    result = await crawl(args={"date": DAY}, settings={**PUBLISH, "SITE_DIR": str(shallow)})
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [
        f"Daily papers {DAY}: 13 papers",
        "Daily papers 2026-02-17: 18 papers",
        "notes",
        "start",
    ]
    assert "secret.txt" not in git(remote, "log", "--format=", "--name-only", "main")
    assert "hunter2" not in git(remote, "log", "-p", "main")


# --- the owner's operations in progress: never concluded -----------------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_merge_in_progress_is_left_alone_and_the_run_fails(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    git(clone, "checkout", "-q", "-b", "feature")
    (clone / "feature.md").write_text("a feature\n")
    git(clone, "add", "feature.md")
    git(clone, "commit", "-q", "-m", "feature")
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--no-commit", "--no-ff", "feature")
    merging = (clone / ".git" / "MERGE_HEAD").read_text()

    result = await publish()
    assert not result.record.ok
    assert result.record.publish_error == (
        f"a merge is in progress in {clone}: nothing committed or pushed (finish or abort it, then run again)"
    )
    assert result.record.lists[0].commit == "" and (clone / POST).is_file()  # the list's files written
    assert (clone / ".git" / "MERGE_HEAD").read_text() == merging
    assert git(clone, "log", "--format=%s") == "start"
    assert git(clone, "status", "--porcelain", "--untracked-files=no") == "A  feature.md"
    assert remote_log(remote) == ["start"]
    assert "Pushed" not in result.log


def _conflict(clone: Path) -> str:
    """A commit on a side branch that changes README.md as main does too; its id."""
    git(clone, "checkout", "-q", "-b", "side")
    (clone / "README.md").write_text("the side's words\n")
    git(clone, "commit", "-q", "-am", "side")
    side = git(clone, "rev-parse", "HEAD")
    git(clone, "checkout", "-q", "main")
    (clone / "README.md").write_text("main's words\n")
    git(clone, "commit", "-q", "-am", "main")
    return side


def _start(clone: Path, operation: str) -> None:
    if operation == "bisect":
        git(clone, "bisect", "start")
        return
    side = _conflict(clone)
    command = {
        "cherry-pick": ["cherry-pick", side],
        "revert": ["revert", "--no-edit", "HEAD~1"],
        "rebase": ["rebase", "side"],
    }[operation]
    if operation == "revert":  # reverting main's change conflicts once README.md changes again
        (clone / "README.md").write_text("edited again\n")
        git(clone, "commit", "-q", "-am", "again")
    proc = subprocess.run(["git", *command], cwd=clone, capture_output=True, text=True)
    assert proc.returncode != 0, proc.stdout + proc.stderr  # stopped at the conflict


def _git_folder(clone: Path) -> dict[str, bytes]:
    """What the git folder holds at its top (the operation's state), but the runs' lock."""
    return {
        p.name: p.read_bytes() for p in (clone / ".git").iterdir() if p.is_file() and p.name != PUBLISH_LOCK
    }


@pytest.mark.slow
@pytest.mark.parametrize("push", ["True", "False"])
@pytest.mark.parametrize(
    ("operation", "words"),
    [
        ("cherry-pick", "a cherry-pick"),
        ("revert", "a revert"),
        ("rebase", "a rebase"),
        ("bisect", "a bisect"),
    ],
)
def test_nothing_is_committed_while_the_checkout_is_in_the_middle_of_something(
    repos: tuple[Path, Path], operation: str, words: str, push: str
) -> None:
    remote, clone = repos
    _start(clone, operation)
    state = _git_folder(clone), git(clone, "status", "--porcelain")
    head = git(clone, "rev-parse", "HEAD")
    published = publisher(clone, PUBLISH_PUSH=push, PUBLISH_GIT_BRANCH="main").publish(
        record(write_list(clone, "today"))
    )
    assert published.error == (
        f"{words} is in progress in {clone}: nothing committed or pushed (finish or abort it, then run again)"
    )
    assert published.commits == {}
    assert git(clone, "rev-parse", "HEAD") == head
    assert _git_folder(clone) == state[0]
    assert git(clone, "status", "--porcelain") == "\n".join(
        filter(None, [state[1], "?? _data/", "?? _posts/"])
    )
    assert remote_log(remote) == ["start"]


# --- the owner's commits and files: never published by the bot -----------------------


@pytest.mark.slow
def test_the_owners_unpushed_commits_stay_theirs_even_under_their_own_name(
    repos: tuple[Path, Path],
) -> None:
    """PUBLISH_GIT_AUTHOR set to the owner: the bot's commits and the owner's look alike."""
    remote, clone = repos
    (clone / "draft.md").write_text("not for anyone's eyes yet\n")
    git(clone, "add", "draft.md")
    git(clone, "commit", "-q", "-m", "WIP: private draft")
    published = publisher(clone, PUBLISH_GIT_AUTHOR=OWNER).publish(record(write_list(clone, "today")))
    assert published.error == ""
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]
    assert git(remote, "log", "-1", "--format=%an <%ae>", "main") == OWNER
    assert "draft.md" not in remote_paths(remote)
    assert git(clone, "log", "-1", "--format=%s") == "WIP: private draft"  # the owner's branch as it was


@pytest.mark.slow
def test_githubs_own_bot_identity_authors_the_commits(repos: tuple[Path, Path]) -> None:
    """The identity GitHub's workflows commit as, with [bot] in its name and its address."""
    remote, clone = repos
    bot = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    published = publisher(clone, PUBLISH_GIT_AUTHOR=bot).publish(record(write_list(clone, "today")))
    assert published.error == ""
    assert git(remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main") == f"{bot}|{bot}"


@pytest.mark.slow
def test_a_remote_without_the_branch_never_gets_this_clones_commits(tmp_path: Path) -> None:
    """An empty remote: a clone with commits of its own publishes nothing (they are the owner's
    to push); an empty clone of it publishes the first commit, holding this run's files only."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    mine = tmp_path / "mine"
    git(tmp_path, "init", "-q", "-b", "main", str(mine))
    (mine / "private.md").write_text("mine\n")
    git(mine, "add", "private.md")
    git(mine, "commit", "-q", "-m", "my own start")
    git(mine, "remote", "add", "origin", str(remote))
    refused = publisher(mine).publish(record(write_list(mine, "today")))
    assert refused.error == (
        "the remote origin has no branch main: push it once yourself"
        " (publishing adds to the remote's branch, never pushes this clone's commits)"
    )
    assert git(remote, "for-each-ref") == ""

    empty = tmp_path / "empty"
    git(tmp_path, "clone", "-q", str(remote), str(empty))
    (empty / "notes.md").write_text("untracked, not ours\n")
    published = publisher(empty).publish(record(write_list(empty, "today")))
    assert published.error == ""
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers"]
    assert sorted(remote_paths(remote)) == sorted([DATA, POST])
    assert git(empty, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert git(empty, "status", "--porcelain") == "?? notes.md"


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_committed_symbolic_link_never_carries_a_file_from_outside_the_site(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    outside = tmp_path / "docker-config.json"
    outside.write_text('{"auths": {"registry.example.org": {"auth": "c2VjcmV0Omh1bnRlcjI="}}}\n')
    (clone / CACHE).parent.mkdir(parents=True)
    (clone / CACHE).symlink_to(outside)
    git(clone, "add", CACHE)
    git(clone, "commit", "-q", "-m", "the cache lives elsewhere")
    git(clone, "push", "-q", "origin", "main")

    result = await publish(SUMMARY_API_URL=f"{server.url}/v1", SUMMARY_MODEL="m")
    assert "c2VjcmV0Omh1bnRlcjI" not in git(remote, "log", "-p", "main")
    assert git(remote, "ls-tree", "main", CACHE).split()[0] == "120000"  # still the owner's link
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers"
    assert result.record.lists[0].commit == f"Daily papers {DAY}: 13 papers"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "why"),
    [
        ("post-link", f"_posts/{DAY}-daily-papers.md: a symbolic link"),
        ("folder-link", "_posts is a symbolic link or no folder"),
        ("fifo", f"_posts/{DAY}-daily-papers.md: no regular file"),
    ],
)
def test_a_path_that_is_no_regular_file_inside_the_site_is_never_committed(
    repos: tuple[Path, Path], tmp_path: Path, make: str, why: str
) -> None:
    remote, clone = repos
    outcome = write_list(clone, "today")
    post = clone / POST
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / post.name).write_text("a file outside the site\n")
    post.unlink()
    if make == "post-link":
        post.symlink_to(elsewhere / post.name)
    elif make == "folder-link":
        post.parent.rmdir()
        post.parent.symlink_to(elsewhere)
    else:
        os.mkfifo(post)  # reading it would wait for a writer forever
    published = publisher(clone).publish(record(outcome))
    assert published.error.startswith(f"{DAY} not committed: "), published.error
    assert why in published.error
    assert remote_log(remote) == ["start"]
    assert git(clone, "log", "--format=%s") == "start"


# --- the owner's edits: never committed in their place ------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("push", ["True", "False"])
def test_a_file_changed_after_the_run_wrote_it_is_not_committed(repos: tuple[Path, Path], push: str) -> None:
    remote, clone = repos
    outcome = write_list(clone, "the run's post")
    (clone / POST).write_text("the owner's words, typed while the run was on\n")
    published = publisher(clone, PUBLISH_PUSH=push).publish(record(outcome))
    assert published.error == (
        f"{DAY} not committed: {POST} changed in SITE_DIR since this run wrote it (someone else's edit)"
    )
    assert published.commits == {}
    assert (clone / POST).read_text() == "the owner's words, typed while the run was on\n"
    assert git(clone, "log", "--format=%s") == "start" and remote_log(remote) == ["start"]
    assert git(clone, "ls-files", "--stage", "_posts", "_data") == ""  # nothing staged of it


@pytest.mark.slow
def test_two_runs_never_label_one_runs_post_with_the_others_count(repos: tuple[Path, Path]) -> None:
    """Run A (-a top=3) and run B (all 13) write one day's post; B's write lands after A's, and
    A publishes first. A commit says `3 papers` only over A's bytes: A's list is not committed."""
    remote, clone = repos
    (clone / "draft.md").write_text("the owner's draft\n")
    git(clone, "add", "draft.md")  # staged, not for the bot's commits
    run_a = write_list(clone, "three papers", papers=3)
    run_b = write_list(clone, "thirteen papers", papers=13)
    first = publisher(clone, PUBLISH_PUSH="False").publish(record(run_a))
    assert first.error.startswith(f"{DAY} not committed: {POST} changed in SITE_DIR since this run wrote it")
    second = publisher(clone, PUBLISH_PUSH="False").publish(record(run_b))
    assert second.error == ""
    assert git(clone, "log", "--format=%s", "main") == f"Daily papers {DAY}: 13 papers\nstart"
    assert "thirteen papers" in git(clone, "show", f"main:{POST}")
    # The owner's index: their draft still staged, the run's files as committed.
    assert git(clone, "status", "--porcelain") == "A  draft.md"
    assert remote_log(remote) == ["start"]  # PUBLISH_PUSH off


@pytest.mark.slow
def test_a_refresh_replaces_on_the_remote_the_version_it_replaced_here(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    """The morning's push went through but this clone could not catch up (the owner's edit in
    the way): the evening refresh replaces the morning post, which is what it replaced here."""
    remote, clone = repos
    (clone / "README.md").write_text("my blog, being edited\n")
    push_from_elsewhere(remote, tmp_path, "README.md", "my blog, renamed\n", "the owner, elsewhere")
    morning = publisher(clone).publish(record(write_list(clone, "morning")))
    assert morning.error == ""
    assert git(clone, "log", "-1", "--format=%s") == "start"  # the branch stayed: README.md in the way
    evening = publisher(clone).publish(record(write_list(clone, "evening")))
    assert evening.error == "", evening.error
    assert remote_log(remote)[:2] == [
        f"Daily papers {DAY}: 13 papers (refresh)",
        f"Daily papers {DAY}: 13 papers",
    ]
    assert "evening" in git(remote, "show", f"main:{POST}")


@pytest.mark.slow
def test_nothing_changed_says_nothing_of_a_push(
    repos: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    remote, clone = repos
    assert publisher(clone).publish(record(write_list(clone, "today"))).error == ""
    tip = git(remote, "rev-parse", "main")
    caplog.clear()
    with caplog.at_level("INFO"):
        again = publisher(clone).publish(record(write_list(clone, "today")))
    assert again.error == "" and again.commits == {}
    assert f"{DAY}: nothing changed, no commit" in caplog.text
    assert "Pushed" not in caplog.text
    assert git(remote, "rev-parse", "main") == tip


# --- git's environment: a crawl started from a hook ----------------------------------


def _elsewhere(tmp_path: Path) -> Path:
    """Another repository, the one a hook runs for."""
    other = tmp_path / "elsewhere"
    git(tmp_path, "init", "-q", "-b", "main", str(other))
    (other / "theirs.md").write_text("theirs\n")
    git(other, "add", "theirs.md")
    git(other, "commit", "-q", "-m", "theirs")
    return other


def _hook_environment(monkeypatch: pytest.MonkeyPatch, other: Path) -> None:
    """What git sets for a hook of ``other`` (and what a user's shell may carry)."""
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "hook@example.org")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "remote.origin.url")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(other))


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_git_variables_from_a_hook_never_send_publishing_elsewhere(
    repos: tuple[Path, Path], tmp_path: Path, publish, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    other = _elsewhere(tmp_path)
    before = git(other, "log", "--all", "--format=%H %s"), git(other, "status", "--porcelain")
    _hook_environment(monkeypatch, other)
    result = await publish()
    monkeypatch.undo()
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]
    assert git(remote, "log", "-1", "--format=%ae", "main") == "bot@example.org"
    assert (git(other, "log", "--all", "--format=%H %s"), git(other, "status", "--porcelain")) == before
    assert git(clone, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")


def test_questions_about_a_folder_ignore_a_hooks_git_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks before a run and the summaries cache's lock ask these about SITE_DIR."""
    plain = tmp_path / "plain"
    plain.mkdir()
    other = _elsewhere(tmp_path)
    git(other, "checkout", "-q", "--detach")
    _hook_environment(monkeypatch, other)
    assert not is_work_tree(plain)
    assert git_dir(plain) is None
    assert detached_head(plain)  # no branch to commit on: no repository at all
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "init", "-q", "-b", "main", str(clone)], env={"PATH": os.environ["PATH"]}, check=True
    )
    assert is_work_tree(clone) and git_dir(clone) == clone / ".git"
    assert not detached_head(clone)


# --- the owner's index and staged work: untouched -------------------------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_staged_edit_of_the_data_file_stays_staged(
    server: FixtureServer, repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    """The writer keeps an edited data file with its post: the owner's staged version stays in
    their index, and nothing of that list is pushed."""
    remote, clone = repos
    assert (await publish()).record.ok
    tip = git(remote, "rev-parse", "main")
    data_file = clone / DATA
    data_file.write_text(data_file.read_text(encoding="utf-8").replace('"kind"', '"kind "'), encoding="utf-8")
    git(clone, "add", DATA)
    staged_edit = git(clone, "ls-files", "--stage", DATA)
    server.edit_day(DAY)[0]["paper"]["upvotes"] += 5
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert [o.status for o in result.record.lists] == ["kept"]
    assert git(clone, "ls-files", "--stage", DATA) == staged_edit
    assert git(remote, "rev-parse", "main") == tip


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_owners_index_stays_as_it_was_when_the_branch_cannot_move(
    repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    push_from_elsewhere(remote, tmp_path, "README.md", "renamed upstream\n", "someone else's change")
    (clone / "draft.md").write_text("staged draft\n")
    git(clone, "add", "draft.md")
    (clone / "README.md").write_text("my local edit\n")  # the move would overwrite it
    index = (clone / ".git" / "index").read_bytes()
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers"
    assert (clone / ".git" / "index").read_bytes() == index
    assert git(clone, "log", "--format=%s") == "start" and git(clone, "stash", "list") == ""
    assert git(clone, "status", "--porcelain") == " M README.md\nA  draft.md\n?? _data/\n?? _posts/"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "entry"),
    [
        ("_posts", "120000"),  # a symbolic link where the posts' folder was
        ("_data/papers", "160000"),  # a submodule
        (POST, "120000"),  # the post itself a link
    ],
)
def test_a_link_or_submodule_on_the_remote_where_a_file_goes_stays(
    repos: tuple[Path, Path], tmp_path: Path, where: str, entry: str
) -> None:
    remote, clone = repos
    owner = owner_clone(remote, tmp_path)
    (tmp_path / "link-target").write_text("/etc")
    target = (
        git(owner, "rev-parse", "HEAD")
        if entry == "160000"
        else git(owner, "hash-object", "-w", "../link-target")
    )
    git(owner, "update-index", "--add", "--cacheinfo", f"{entry},{target},{where}")
    git(owner, "commit", "-q", "-m", f"{where}, the owner's way")
    git(owner, "push", "-q", "origin", "main")
    tip = git(remote, "rev-parse", "main")
    published = publisher(clone).publish(record(write_list(clone, "today")))
    shown = DATA if where == "_data/papers" else POST
    assert published.error == (
        f"Daily papers {DAY}: 13 papers not pushed: {shown} is a symbolic link or no regular file"
        " on the remote (it stays)"
    )
    assert git(remote, "rev-parse", "main") == tip
