"""Git publishing with real git: a bare repository as the remote, a clone as SITE_DIR.

Crawls run in this process, but for the log masking check, which reads a whole process's output.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.publish import SHARED_MESSAGE
from tests.conftest import ROOT, run_crawl, source_settings

DAY = "2026-02-18"
FILES = [f"_data/papers/daily-{DAY}.json", f"_posts/{DAY}-daily-papers.md"]
CACHE = "_data/papers/summaries-ko.json"
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
    return make_repos(tmp_path)


def make_repos(tmp_path: Path) -> tuple[Path, Path]:
    """(remote, clone): a bare remote with one commit, and a clone of it."""
    remote, clone = tmp_path / "remote.git", tmp_path / "blog"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    (clone / "README.md").write_text("my blog\n")
    (clone / "_config.yml").write_text("title: my blog\n")  # a Jekyll site
    git(clone, "add", "README.md", "_config.yml")
    git(clone, "commit", "-q", "-m", "start")
    git(clone, "push", "-q", "origin", "main")
    return remote, clone


@pytest.fixture
def publish(repos: tuple[Path, Path], crawl):  # type: ignore[no-untyped-def]
    """A crawl of DAY into the clone with publishing on."""
    _, clone = repos

    async def _publish(args: dict[str, str] | None = None, spider: str = "daily", **settings: str):  # type: ignore[no-untyped-def]
        return await crawl(
            spider=spider,
            args=args or {"date": DAY},
            settings={**PUBLISH, "SITE_DIR": str(clone), **settings},
        )

    return _publish


def remote_log(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "main").splitlines()


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_commit_and_push_exactly_the_post_and_data_file(
    server: FixtureServer, repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    (clone / "draft.md").write_text("someone's draft\n")  # untracked, not ours
    (clone / "README.md").write_text("my blog, edited\n")  # modified, not ours
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert result.record.lists[0].commit == f"Daily papers {DAY}: 13 papers"
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]
    assert sorted(git(remote, "show", "--name-only", "--format=", "main").splitlines()) == FILES
    assert git(remote, "log", "-1", "--format=%an <%ae>", "main") == "Blog Bot <bot@example.org>"
    status = git(clone, "status", "--porcelain")
    assert status.splitlines() == [" M README.md", "?? draft.md"]

    again = await publish()
    assert again.record.ok
    assert f"{DAY}: nothing changed, no commit" in again.log
    assert len(remote_log(remote)) == 2

    server.edit_day(DAY)[0]["paper"]["upvotes"] += 5
    refresh = await publish()
    assert refresh.record.ok, refresh.log[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers (refresh)"
    assert sorted(git(remote, "show", "--name-only", "--format=", "main").splitlines()) == FILES


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_remote_that_moved_on_gets_our_commit_on_top_and_the_users_work_stays(
    repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    (clone / "_config.yml").write_text("title: blog\n")
    git(clone, "add", "_config.yml")
    git(clone, "commit", "-q", "-m", "config")
    git(clone, "push", "-q", "origin", "main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "about.md").write_text("about\n")
    (other / "_config.yml").write_text("title: the blog, renamed upstream\n")
    git(other, "add", "about.md", "_config.yml")
    git(other, "commit", "-q", "-m", "someone else's post")
    git(other, "push", "-q", "origin", "main")
    # The user's own work in progress: a staged file, and an unstaged edit that conflicts upstream.
    (clone / "draft.md").write_text("staged draft\n")
    git(clone, "add", "draft.md")
    (clone / "_config.yml").write_text("title: my local edit\n")
    status_before = git(clone, "status", "--porcelain")

    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "someone else's post", "config", "start"]
    assert sorted(git(remote, "show", "--name-only", "--format=", "main").splitlines()) == FILES
    assert git(remote, "show", "main:_config.yml") == "title: the blog, renamed upstream"
    # Nothing of the user's moved: the same status, the same edit, no stash, no conflict; the
    # branch stays where it was (the move would overwrite their edit), the run's files beside it.
    assert status_before == " M _config.yml\nA  draft.md"
    assert git(clone, "status", "--porcelain") == status_before + "\n?? _data/\n?? _posts/"
    assert (clone / "_config.yml").read_text() == "title: my local edit\n"
    assert git(clone, "stash", "list") == "" and git(clone, "log", "-1", "--format=%s") == "config"
    assert "The local branch main stays at" in result.log and "_config.yml" in result.log


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_with_a_clean_clone_the_branch_catches_up_with_what_was_pushed(
    repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    push_from_elsewhere(remote, tmp_path, "about.md", "about\n", "someone else's post")
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert git(clone, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert (clone / "about.md").read_text() == "about\n" and git(clone, "status", "--porcelain") == ""


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_refused_push_fails_commits_nothing_and_the_next_run_of_the_list_publishes_it(
    repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'this repository is read-only' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = await publish(PUBLISH_PUSH_RETRIES="1")
    assert not result.record.ok
    assert result.record.publish_error.startswith(
        "push to origin failed: remote: this repository is read-only;"
    )
    assert result.record.publish_error.endswith(
        "nothing was published: the files stay in SITE_DIR, and a later run of these lists publishes them"
    )
    assert result.record.lists[0].commit == ""
    assert remote_log(remote) == ["start"]
    assert git(clone, "log", "--format=%s") == "start"  # no commit the remote lacks

    hook.unlink()  # the remote accepts again: the list's next run publishes it
    later = await publish()
    assert later.record.ok, later.log[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers"


@pytest.mark.slow
@pytest.mark.parametrize("hook", ["reference-transaction", "pre-push"])
@deferred_f_from_coro_f
async def test_a_push_that_loses_a_race_is_built_again_on_the_new_tip(
    repos: tuple[Path, Path], tmp_path: Path, publish, hook: str
) -> None:  # type: ignore[no-untyped-def]
    """Someone else pushes between this run's fetch and its push (the fetch's ref update runs
    reference-transaction), or while the push is under way (pre-push): a hook in the clone
    stands in for them."""
    remote, clone = repos
    push_from_elsewhere(remote, tmp_path, "about.md", "about\n", "someone else's post")  # the fetch has news
    racer = tmp_path / "racer"
    git(tmp_path, "clone", "-q", str(remote), str(racer))
    (racer / "news.md").write_text("news\n")
    git(racer, "add", "news.md")
    git(racer, "commit", "-q", "-m", "pushed in the race")
    mark = tmp_path / "raced"
    script = clone / ".git" / "hooks" / hook
    script.write_text(
        f'#!/bin/sh\n[ "{hook}" = pre-push ] || [ "$1" = committed ] || exit 0\n[ -e "{mark}" ] && exit 0\n'
        f'touch "{mark}"\nunset $(git rev-parse --local-env-vars)\ngit -C "{racer}" push -q origin main\n'
    )
    script.chmod(0o755)
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert mark.exists()
    assert "Push rejected (the remote moved on): building the commits again on its tip, try 2" in result.log
    assert remote_log(remote) == [
        f"Daily papers {DAY}: 13 papers",
        "pushed in the race",
        "someone else's post",
        "start",
    ]
    assert git(clone, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")


@pytest.mark.slow
@pytest.mark.parametrize(
    "remote",
    [
        "http://blogbot:ghp_s3cr3tT0ken@{host}/blog.git",
        "http://blogbot:ghp_s3cr3t T0ken@{host}/blog.git",
        "http://blogbot:ghp_s3cr3t@T0ken@{host}/blog.git",
        "http://{host}/blog.git?access_token=ghp_s3cr3tT0ken",
        "ghp_s3cr3tT0ken@{host}:blog.git",
    ],
)
def test_token_in_remote_url_never_shown(
    server: FixtureServer, repos: tuple[Path, Path], remote: str
) -> None:
    """A token in the clone's own remote URL (PUBLISH_GIT_REMOTE refuses one: test_publish_credentials).
    Also in malformed URLs, and also when the push hangs and is cut off (PUBLISH_TIMEOUT)."""
    _, clone = repos
    with socket.socket() as silent:  # accepts connections and never answers: a push that hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = remote.format(host=f"127.0.0.1:{silent.getsockname()[1]}")
        git(clone, "config", "remote.origin.url", url)
        settings = {**PUBLISH, "PUBLISH_PUSH_RETRIES": "0", "PUBLISH_TIMEOUT": "2"}
        result = run_crawl(server, clone, args={"date": DAY}, settings=settings)
    output = result.stderr + result.stdout
    assert result.returncode == 1, output[-3000:]
    assert "s3cr3t" not in output and "T0ken" not in output
    assert "Traceback" not in output
    # Cut off after PUBLISH_TIMEOUT, or refused at once (git will not take some malformed URLs).
    failure = re.search(r"Publishing failed: (.*)", output)
    assert failure, output[-3000:]
    assert "took longer than 2 s (PUBLISH_TIMEOUT)" in failure.group(1) or "failed" in failure.group(1)


@pytest.mark.slow
def test_runs_on_one_blog_take_turns(server: FixtureServer, repos: tuple[Path, Path]) -> None:
    """Four runs at once on one clone: every commit lands, none trips over git's index.lock."""
    remote, clone = repos
    days = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19"]
    procs = []
    for day in days:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={day}"]
        for name, value in {**source_settings(server), "SITE_DIR": str(clone), **PUBLISH}.items():
            cmd += ["-s", f"{name}={value}"]
        procs.append(
            subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    outputs = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], "\n".join(o[-2000:] for o in outputs)
    assert sorted(line.split(":")[0] for line in remote_log(remote)[:4]) == [
        f"Daily papers {d}" for d in days
    ]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_weekly_run_commits_its_post_and_data_file(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    result = await publish(args={"week": "2026-W08"}, spider="weekly")
    assert result.record.ok, result.log[-3000:]
    papers = result.record.lists[0].papers
    assert papers > 20
    assert remote_log(remote) == [f"Weekly papers 2026-W08: {papers} papers", "start"]
    assert sorted(git(remote, "show", "--name-only", "--format=", "main").splitlines()) == [
        "_data/papers/weekly-2026-W08.json",
        "_posts/2026-02-16-weekly-papers.md",
    ]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_backfill_commits_each_good_day_and_skips_the_failed_one(
    server: FixtureServer, repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    server.faults.fail_paths = {"/papers/date/2026-02-17": 500}
    result = await publish(args={"start": "2026-02-16", "end": "2026-02-18"}, RETRY_TIMES="0")
    assert not result.record.ok
    assert [line.split(":")[0] for line in remote_log(remote)] == [
        "Daily papers 2026-02-18",
        "Daily papers 2026-02-16",
        "start",
    ]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_hook_that_prints_bytes_fails_publishing_with_its_message(
    repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nprintf 'refused \\377\\376' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = await publish(PUBLISH_PUSH_RETRIES="0")
    assert not result.record.ok
    assert result.record.publish_error.startswith("push to origin failed: remote: refused \ufffd\ufffd;")
    assert result.record.lists[0].commit == ""


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_any_publishing_failure_fails_the_run(
    repos: tuple[Path, Path], publish, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Not only git's refusals: git gone from the machine mid-run is a failure too."""

    def gone(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("[Errno 2] No such file or directory: 'git'")

    monkeypatch.setattr("hfpapers.publish.Git.__call__", gone)
    result = await publish()
    assert not result.record.ok
    assert result.record.publish_error == "FileNotFoundError: [Errno 2] No such file or directory: 'git'"


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_an_old_posts_removal_is_in_the_same_commit(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    from tests.test_blog import OLD_NAME, seed_old_blog

    remote, clone = repos
    seed_old_blog(clone)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "the old script's posts")
    git(clone, "push", "-q", "origin", "main")
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers (refresh)"
    changes = git(remote, "show", "--name-status", "--format=", "main").splitlines()
    assert sorted(changes) == [
        f"A\t_posts/{DAY}-daily-papers.md",
        f"D\t_posts/{OLD_NAME}",
        f"M\t_data/papers/daily-{DAY}.json",
    ]
    assert git(clone, "status", "--porcelain") == ""  # the posts not ours are committed and untouched


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_an_old_post_only_staged_is_not_committed_and_publishing_goes_on(
    repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    from tests.test_blog import seed_old_blog

    remote, clone = repos
    seed_old_blog(clone)
    git(clone, "add", "-A")  # staged by the user, never committed
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    changes = git(remote, "show", "--name-status", "--format=", "main").splitlines()
    assert sorted(changes) == [f"A\t_data/papers/daily-{DAY}.json", f"A\t_posts/{DAY}-daily-papers.md"]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_summaries_cache_is_committed_after_the_post_in_its_own_commit(
    server: FixtureServer, repos: tuple[Path, Path], publish
) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    result = await publish(SUMMARY_API_URL=f"{server.url}/v1", SUMMARY_MODEL="m")
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [SHARED_MESSAGE, f"Daily papers {DAY}: 13 papers", "start"]
    assert git(remote, "show", "--name-only", "--format=", "main").splitlines() == [CACHE]
    assert sorted(git(remote, "show", "--name-only", "--format=", "main~1").splitlines()) == FILES


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_another_clones_summaries_cache_never_holds_back_a_post(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path, crawl
) -> None:  # type: ignore[no-untyped-def]
    """Two clones of one blog, each with summaries: the second one's cache commit meets the
    first one's cache on the remote. The remote gets both clones' summaries, and the post."""
    remote, first = repos
    second = tmp_path / "second"
    git(tmp_path, "clone", "-q", str(remote), str(second))
    summaries = {"SUMMARY_API_URL": f"{server.url}/v1", "SUMMARY_MODEL": "m", **PUBLISH}
    one = await crawl(args={"date": DAY}, settings={**summaries, "SITE_DIR": str(first)})
    assert one.record.ok, one.log[-3000:]
    two = await crawl(args={"date": "2026-02-17"}, settings={**summaries, "SITE_DIR": str(second)})
    assert two.record.ok, two.log[-3000:]
    assert remote_log(remote) == [
        SHARED_MESSAGE,
        "Daily papers 2026-02-17: 18 papers",
        SHARED_MESSAGE,
        f"Daily papers {DAY}: 13 papers",
        "start",
    ]
    assert git(remote, "show", "main:_posts/2026-02-17-daily-papers.md").startswith("---\ntitle:")
    # Merged by key: every summary of both clones, each as its clone wrote it.
    merged = json.loads(git(remote, "show", f"main:{CACHE}"))
    ones = json.loads(git(first, "show", f"HEAD:{CACHE}"))
    assert json.loads(git(remote, "show", f"main~1:{CACHE}")) == ones  # the first clone's alone
    assert len(ones) == 13 and len(merged) == 13 + 18
    assert {k: v for k, v in merged.items() if k in ones} == ones
    # The second clone, untouched by its owner, is at the remote's tip with the merged cache.
    assert git(second, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert git(second, "status", "--porcelain") == ""


def push_from_elsewhere(remote: Path, tmp_path: Path, name: str, text: str, message: str) -> None:
    other = tmp_path / f"other-{len(list(tmp_path.iterdir()))}"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / name).parent.mkdir(parents=True, exist_ok=True)
    (other / name).write_text(text)
    git(other, "add", name)
    git(other, "commit", "-q", "-m", message)
    git(other, "push", "-q", "origin", "main")


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_branch_left_behind_never_pushes_our_old_commits_again(
    repos: tuple[Path, Path], tmp_path: Path, crawl
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    settings = {**PUBLISH, "SITE_DIR": str(clone)}
    (clone / "README.md").write_text("my blog, being edited\n")  # the user's change: no catch-up
    push_from_elsewhere(remote, tmp_path, "about.md", "about\n", "someone else's post")
    first = await crawl(args={"date": "2026-02-19"}, settings=settings)
    assert first.record.ok, first.log[-3000:]
    # Upstream, someone fixes a typo in the post we pushed.
    post = "_posts/2026-02-19-daily-papers.md"
    fixed = git(remote, "show", f"main:{post}") + "\nfixed upstream\n"
    push_from_elsewhere(remote, tmp_path, post, fixed, "fix a typo")
    second = await crawl(args={"date": "2026-02-20"}, settings=settings)
    assert second.record.ok, second.log[-3000:]
    assert git(remote, "show", f"main:{post}") + "\n" == fixed  # their fix stands
    assert [line.split(":")[0] for line in remote_log(remote)] == [
        "Daily papers 2026-02-20",
        "fix a typo",
        "Daily papers 2026-02-19",
        "someone else's post",
        "start",
    ]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_users_unpushed_commits_stay_unpushed(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    (clone / "draft.md").write_text("not ready\n")
    git(clone, "add", "draft.md")
    git(clone, "commit", "-q", "-m", "my unpushed draft")
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]
    assert git(remote, "ls-tree", "--name-only", "main", "draft.md") == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    [
        {"PUBLISH_PUSH": "False"},  # the commit would belong to no branch, and the run would say ok
        {"PUBLISH_PUSH": "True"},  # pushed where? no branch to name
    ],
)
def test_a_detached_head_is_refused_before_any_request(
    server: FixtureServer, repos: tuple[Path, Path], settings: dict[str, str]
) -> None:
    remote, clone = repos
    git(clone, "checkout", "-q", "--detach")
    head = git(clone, "rev-parse", "HEAD")
    result = run_crawl(server, clone, args={"date": DAY}, settings={**PUBLISH, **settings})
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip() == (
        f"error: PUBLISH_GIT: HEAD is detached in {clone}: check out a branch"
        " (or push with PUBLISH_GIT_BRANCH naming the branch to push to)"
    )
    assert server.count() == {}  # not one request
    assert git(clone, "rev-parse", "HEAD") == head and git(clone, "status", "--porcelain") == ""
    assert remote_log(remote) == ["start"]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_detached_head_pushing_to_a_named_branch_publishes(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    """A CI checkout of a commit: the commit is pushed to the branch named, so nothing is lost."""
    remote, clone = repos
    git(clone, "checkout", "-q", "--detach")
    result = await publish(PUBLISH_GIT_BRANCH="main")
    assert result.record.ok, result.log[-3000:]
    assert remote_log(remote) == [f"Daily papers {DAY}: 13 papers", "start"]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_branch_that_cannot_catch_up_is_only_a_warning(
    repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, clone = repos
    push_from_elsewhere(remote, tmp_path, "about.md", "about\n", "someone else's post")
    (clone / "about.md").write_text("my own, untracked\n")  # in the way of the catch-up
    result = await publish()
    assert result.record.ok, result.log[-3000:]
    assert "pull when you are ready" in result.log
    assert remote_log(remote)[0] == f"Daily papers {DAY}: 13 papers"
    assert (clone / "about.md").read_text() == "my own, untracked\n"


POST = f"_posts/{DAY}-daily-papers.md"


def refuse_pushes(remote: Path) -> Path:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'the server is down for maintenance' >&2\nexit 1\n")
    hook.chmod(0o755)
    return hook


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_list_whose_push_failed_is_never_pushed_by_a_later_run_of_another(
    repos: tuple[Path, Path], tmp_path: Path, crawl
) -> None:  # type: ignore[no-untyped-def]
    """Each run publishes its own lists: the files of an older run, pushed days later, would
    undo newer work."""
    remote, clone = repos
    settings = {**PUBLISH, "SITE_DIR": str(clone), "PUBLISH_PUSH_RETRIES": "0"}
    refuse_pushes(remote)
    first = await crawl(args={"date": DAY}, settings=settings)
    assert not first.record.ok  # not pushed
    (remote / "hooks" / "pre-receive").unlink()
    # Elsewhere the day is published again; its author edits the post and pushes.
    edited = (clone / POST).read_text(encoding="utf-8") + "\nthe author's own note\n"
    push_from_elsewhere(remote, tmp_path, POST, edited, "a note in the post")

    later = await crawl(args={"date": "2026-02-19"}, settings=settings)
    assert later.record.ok, later.log[-3000:]
    assert git(remote, "show", f"main:{POST}") + "\n" == edited  # the author's note stands
    assert [line.split(":")[0] for line in remote_log(remote)] == [
        "Daily papers 2026-02-19",
        "a note in the post",
        "start",
    ]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_refresh_never_replaces_a_post_edited_on_the_remote_since(
    server: FixtureServer, repos: tuple[Path, Path], tmp_path: Path, publish
) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    assert (await publish()).record.ok
    edited = git(remote, "show", f"main:{POST}") + "\n\nthe author's own note\n"
    push_from_elsewhere(remote, tmp_path, POST, edited, "a note in the post")
    server.edit_day(DAY)[0]["paper"]["upvotes"] += 5
    refresh = await publish()  # the clone has not pulled the note: its refresh is made on the older post
    assert not refresh.record.ok
    error = refresh.record.publish_error
    assert error.startswith(f"Daily papers {DAY}: 13 papers (refresh) not pushed: {POST} changed on the")
    assert git(remote, "show", f"main:{POST}") + "\n" == edited
    assert remote_log(remote)[0] == "a note in the post"


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_refused_push_reports_the_remotes_reasons(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    remote, _ = repos
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/main.' >&2\n"
        "echo 'Changes must be made through a pull request.' >&2\n"
        "echo 'Help: https://bot:s3cr3tT0ken@help.example.org/protected' >&2\nexit 1\n"
    )
    hook.chmod(0o755)
    result = await publish(PUBLISH_PUSH_RETRIES="0")
    assert re.sub("[0-9a-f]{40}", "COMMIT", result.record.publish_error) == (
        "push to origin failed: remote: GH006: Protected branch update failed for refs/heads/main.;"
        " remote: Changes must be made through a pull request.;"
        " remote: Help: https://***@help.example.org/protected;"
        " ! [remote rejected] COMMIT -> main (pre-receive hook declined);"
        " nothing was published: the files stay in SITE_DIR, and a later run of these lists publishes them"
    )
    assert "s3cr3t" not in result.log


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_remote_that_shouts_gets_one_bounded_line(repos: tuple[Path, Path], publish) -> None:  # type: ignore[no-untyped-def]
    """Terminal escapes and endless lines from a server stay out of the error line."""
    remote, _ = repos
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\nprintf '\\033[2J\\033[31mno\\033[0m\\n' >&2\n"
        "head -c 100000 /dev/zero | tr '\\0' x >&2\necho >&2\n"
        'i=0; while [ $i -lt 50 ]; do echo "line $i" >&2; i=$((i+1)); done\nexit 1\n'
    )
    hook.chmod(0o755)
    error = (await publish(PUBLISH_PUSH_RETRIES="0")).record.publish_error
    assert error.startswith("push to origin failed: remote: [2J [31mno [0m; remote: xxx")
    assert "\x1b" not in error and len(error) < 3000
    assert "line 0" in error and "[remote rejected]" in error
