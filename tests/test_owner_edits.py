"""The owner's posts are the owner's: what the ListWriter may replace, and what it leaves.

Real crawls in this process against the fixture server, real git in the site
where git matters, real symbolic links. A post the owner edited (committed,
staged or not) is kept with its data file; a post that is no papers post, or
no regular file, fails its list; nothing is written through a link; an old
post a killed run set aside comes back; each file's sha256 reaches the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.periods import day_period
from hfpapers.seal import Seal, seal_of
from hfpapers.site import Site
from hfpapers.writer import RETIRED, aside_name, restore_set_aside, set_aside, taking_turns
from tests import jekyll
from tests.conftest import linked_during_the_run
from tests.test_blog import OLD_NAME, seed_old_blog
from tests.test_hostile_input import EDITS, USERS_POST
from tests.test_post_safety import front_matter

DAY, OTHER_DAY = "2026-02-18", "2026-02-17"
PERIOD = day_period(date.fromisoformat(DAY))
NOTE = "\n> 메모: my own note on this day\n"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): sha(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def git(site: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Owner", "-c", "user.email=owner@example.org", *args],
        cwd=site,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def commit_all(site: Path, message: str) -> None:
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", message)


def more_likes(server: FixtureServer, day: str = DAY) -> None:
    """Hugging Face's evening list: the same papers, more likes (a refresh writes new bytes)."""
    for entry in server.edit_day(day):
        entry["paper"]["upvotes"] += 3


# --- the owner's edits are kept ------------------------------------------------------


@pytest.mark.parametrize("how", ["unstaged", "staged", "committed", "no git"])
@deferred_f_from_coro_f
async def test_a_post_the_owner_edited_is_kept_with_its_data_file(
    server: FixtureServer, crawl, site: Path, how: str
) -> None:  # type: ignore[no-untyped-def]
    if how != "no git":
        git(site, "init", "-q", "-b", "master")
    morning = await crawl(args={"start": OTHER_DAY, "end": DAY})
    assert morning.record.ok, morning.log[-3000:]
    if how != "no git":
        commit_all(site, "the morning's posts")  # the owner publishes them by hand
    post = morning.post(DAY)
    post.write_text(post.read_text(encoding="utf-8") + NOTE, encoding="utf-8")
    if how in ("staged", "committed"):
        git(site, "add", str(post))
    if how == "committed":
        git(site, "commit", "-q", "-m", "a note in today's post")
    edited = {name: digest for name, digest in digests(site).items() if DAY in name}

    more_likes(server, DAY)
    more_likes(server, OTHER_DAY)
    evening = await crawl(args={"start": OTHER_DAY, "end": DAY, "force": "1"})  # force overrides no edit
    assert evening.record.ok, evening.log[-3000:]
    statuses = [(o.key, o.status) for o in evening.record.lists]
    assert statuses == [(OTHER_DAY, "written"), (DAY, "kept")]
    reason = evening.record.lists[1].reason
    assert reason == (
        f"{post} differs from the post hfpapers wrote (an edit of yours): kept as it is, with its"
        " data file; delete the post to have hfpapers write it again"
    )
    assert "WARNING  hfpapers.writer:writer.py" in evening.log and reason in evening.log
    assert {name: digest for name, digest in digests(site).items() if DAY in name} == edited
    assert NOTE in post.read_text(encoding="utf-8")
    assert sha(morning.post(OTHER_DAY)) == evening.record.lists[0].written[str(morning.post(OTHER_DAY))]


@deferred_f_from_coro_f
async def test_deleting_the_edited_post_lets_hfpapers_write_it_again(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    first = await crawl(args={"date": DAY})
    post = first.post(DAY)
    post.write_text(post.read_text(encoding="utf-8") + NOTE, encoding="utf-8")
    more_likes(server)
    assert [o.status for o in (await crawl(args={"date": DAY})).record.lists] == ["kept"]
    post.unlink()  # as the kept reason says
    again = await crawl(args={"date": DAY})
    assert [o.status for o in again.record.lists] == ["written"], again.log[-3000:]
    assert seal_of(post.read_bytes()) is Seal.INTACT
    assert front_matter(post.read_text(encoding="utf-8"))["permalink"] == f"/posts/daily-papers-{DAY}/"


@deferred_f_from_coro_f
async def test_our_own_uncommitted_refreshes_are_no_edit(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """With publishing off every run leaves its post uncommitted: git alone would call it the owner's."""
    git(site, "init", "-q", "-b", "master")
    assert (await crawl(args={"date": DAY})).record.ok
    commit_all(site, "the morning post")
    for _ in range(2):
        more_likes(server)
        refresh = await crawl(args={"date": DAY})
        assert [o.status for o in refresh.record.lists] == ["written"], refresh.log[-3000:]
    assert git(site, "status", "--porcelain", "--", "_posts") == f" M _posts/{DAY}-daily-papers.md\n"


def unseal(site: Path, day: str = DAY) -> None:
    """The post and data file as versions of hfpapers from before they were sealed, and before
    the data file recorded the post's sha256, wrote them."""
    post = site / "_posts" / f"{day}-daily-papers.md"
    post.write_text(re.sub(r"(?m)^hfpapers_sha256: .*\n", "", post.read_text(encoding="utf-8")))
    data_file = site / "_data" / "papers" / f"daily-{day}.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    data.pop("hfpapers_sha256", None)
    data_file.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


@deferred_f_from_coro_f
async def test_a_post_without_a_record_is_the_owners_when_git_has_their_changes(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    git(site, "init", "-q", "-b", "master")
    first = await crawl(args={"date": DAY})
    unseal(site)
    commit_all(site, "posts from before the seal")
    post = first.post(DAY)
    post.write_text(post.read_text(encoding="utf-8") + NOTE, encoding="utf-8")
    before = digests(site)
    more_likes(server)
    kept = await crawl(args={"date": DAY})
    assert [(o.status, o.reason) for o in kept.record.lists] == [
        (
            "kept",
            f"{post} has changes git has not committed (yours): kept as it is, and this list not"
            " written; undo them or delete the post to have hfpapers write it again",
        )
    ]
    assert digests(site) == before
    git(site, "checkout", "--", str(post))  # undone, as the reason says: the post is hfpapers' again
    refreshed = await crawl(args={"date": DAY})
    assert [o.status for o in refreshed.record.lists] == ["written"], refreshed.log[-3000:]
    assert seal_of(post.read_bytes()) is Seal.INTACT


@deferred_f_from_coro_f
async def test_an_old_scripts_post_the_owner_is_editing_is_not_retired(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_old_blog(site)
    git(site, "init", "-q", "-b", "master")
    commit_all(site, "the old script's posts")
    seeded["old"].write_text(seeded["old"].read_text(encoding="utf-8") + NOTE, encoding="utf-8")
    git(site, "add", str(seeded["old"]))
    before = digests(site)
    result = await crawl(args={"date": DAY})
    [outcome] = result.record.lists
    assert (outcome.status, outcome.reason) == (
        "kept",
        f"{seeded['old']} has changes git has not committed (yours): kept as it is, and this list not"
        " written; undo them or delete the post to have hfpapers write it again",
    )
    assert digests(site) == before  # no new post beside it at its URL, the old data file as it was


# --- one check, just before the rename ----------------------------------------------


@pytest.mark.parametrize("when", ["before the run", "during the run"])
@deferred_f_from_coro_f
async def test_one_check_says_a_post_is_not_ours(crawl, site: Path, when: str) -> None:  # type: ignore[no-untyped-def]
    """The owner's own post at the list's name, there from the start or written after the list
    passed the pipelines: one check, just before the rename, one reason."""
    post = site / "_posts" / f"{DAY}-daily-papers.md"
    if when == "before the run":
        post.parent.mkdir()
        post.write_text(USERS_POST, encoding="utf-8")
    result = await crawl(args={"date": DAY}, settings=EDITS if when == "during the run" else {})
    assert [(o.status, o.reason) for o in result.record.lists] == [
        ("failed", f"{post} is not a papers post; left alone, and this list not written")
    ]
    assert result.stats["item_scraped_count"] == 1  # through the pipelines: the writer said no
    assert post.read_text(encoding="utf-8") == USERS_POST
    assert not (site / "_data" / "papers" / f"daily-{DAY}.json").exists()


# --- nothing written through a symbolic link ----------------------------------------


@pytest.mark.parametrize("linked", ["_posts", "_data", "_data/papers"])
@deferred_f_from_coro_f
async def test_no_file_is_written_through_a_folder_linked_during_the_run(
    crawl, site: Path, tmp_path: Path, linked: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A link there before the run is refused by the site check (tests/test_args.py)."""
    outside = tmp_path / "outside"
    (outside / "papers").mkdir(parents=True)
    link = site / linked
    links = {linked: outside / "papers" if linked == "_data/papers" else outside}
    result = await crawl(args={"date": DAY}, settings=linked_during_the_run(monkeypatch, links))
    [outcome] = result.record.lists
    assert (outcome.status, outcome.reason) == (
        "failed",
        f"cannot write its files: {link} is a symbolic link; hfpapers writes only into real folders"
        " inside SITE_DIR",
    )
    assert not [p for p in outside.rglob("*") if not p.is_dir()]
    assert link.is_symlink()


@pytest.mark.parametrize("which", ["post", "data file"])
@deferred_f_from_coro_f
async def test_a_post_or_data_file_that_is_a_link_is_left_alone(
    server: FixtureServer, crawl, site: Path, tmp_path: Path, which: str
) -> None:  # type: ignore[no-untyped-def]
    first = await crawl(args={"date": DAY})
    path = first.post(DAY) if which == "post" else first.data_file(DAY)
    elsewhere = tmp_path / path.name
    path.rename(elsewhere)  # a papers post (or our data file) outside the site, linked in
    path.symlink_to(elsewhere)
    kept = elsewhere.read_bytes()
    more_likes(server)
    result = await crawl(args={"date": DAY})
    [outcome] = result.record.lists
    assert (outcome.status, outcome.reason) == (
        "failed",
        f"{path} is a symbolic link, not a regular file; left alone, and this list not written",
    )
    assert path.is_symlink() and elsewhere.read_bytes() == kept


@deferred_f_from_coro_f
async def test_an_old_post_that_is_a_link_is_not_retired(crawl, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_old_blog(site)
    elsewhere = tmp_path / OLD_NAME
    seeded["old"].rename(elsewhere)
    seeded["old"].symlink_to(elsewhere)
    result = await crawl(args={"date": DAY})
    assert result.record.ok and result.record.lists[0].removed == [], result.log[-3000:]
    assert seeded["old"].is_symlink() and elsewhere.exists()
    assert (
        f"{seeded['old']}: named like {DAY}'s post but not one hfpapers or the old script wrote" in result.log
    )


# --- an old post set aside by a killed run -------------------------------------------


def killed_while_set_aside(site: Path, hidden_name: str | None = None) -> tuple[Path, Path]:
    """The old script's post for DAY as a run killed between setting it aside and installing its
    replacement leaves it: hidden, under ``hidden_name`` or the name the writer gives it."""
    old = seed_old_blog(site)["old"]
    if hidden_name is None:
        [(_, hidden)] = set_aside([old], PERIOD)
    else:
        hidden = old.with_name(hidden_name)
        old.rename(hidden)
    return old, hidden


@pytest.mark.parametrize("named", ["by this writer", "by runs before the list was in the name"])
@deferred_f_from_coro_f
async def test_the_next_run_puts_a_set_aside_post_back_first_and_keeps_its_url(
    crawl, site: Path, named: str
) -> None:  # type: ignore[no-untyped-def]
    old, hidden = killed_while_set_aside(site, None if named == "by this writer" else f".{OLD_NAME}{RETIRED}")
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert result.record.lists[0].removed == [str(old)]
    assert front_matter(result.post(DAY).read_text(encoding="utf-8"))["permalink"] == (
        "/posts/daily-papers-1771400000/"  # the old post's URL, as /posts/:title/ gave it
    )
    posts = sorted(p.name for p in (site / "_posts").iterdir())  # one post for DAY, nothing hidden
    assert posts == [f"{DAY}-daily-papers-reading-list.md", f"{DAY}-daily-papers.md", f"{DAY}-my-notes.md"]
    assert not hidden.exists()


@pytest.mark.parametrize("named", ["by this writer", "by runs before the list was in the name"])
@deferred_f_from_coro_f
async def test_a_run_for_another_day_puts_it_back_whatever_its_age(crawl, site: Path, named: str) -> None:  # type: ignore[no-untyped-def]
    # Seconds old: no running run's, since a run holds the turn while it has a post aside.
    old, hidden = killed_while_set_aside(site, None if named == "by this writer" else f".{OLD_NAME}{RETIRED}")
    result = await crawl(args={"date": OTHER_DAY})
    assert result.record.ok
    assert old.exists() and not hidden.exists()
    assert f"Put back {old}, set aside by an earlier run that did not finish" in result.log


@deferred_f_from_coro_f
async def test_an_old_post_whose_replacement_is_in_place_is_not_put_back(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """Killed after the new post went in, before the hidden old one was removed."""
    seeded = seed_old_blog(site)
    old_post = seeded["old"].read_bytes()
    assert (await crawl(args={"date": DAY})).record.ok
    hidden = seeded["old"].with_name(f".{OLD_NAME}.daily-{DAY}{RETIRED}")
    hidden.write_bytes(old_post)
    week_ago = time.time() - 7 * 24 * 3600
    os.utime(hidden, (week_ago, week_ago))
    result = await crawl(args={"date": OTHER_DAY})
    assert result.record.ok
    posts = sorted(p.name for p in (site / "_posts").iterdir() if DAY in p.name)  # one post for DAY
    assert posts == [f"{DAY}-daily-papers-reading-list.md", f"{DAY}-daily-papers.md", f"{DAY}-my-notes.md"]
    assert f"Removed {seeded['old']}: {site / '_posts' / f'{DAY}-daily-papers.md'} replaced it" in result.log
    assert hidden == aside_name(seeded["old"], PERIOD)  # the name this writer gives it


def test_a_run_never_puts_back_another_runs_post_in_flight(site: Path) -> None:
    old = seed_old_blog(site)["old"]
    with taking_turns(site / "_posts"):  # another run, writing DAY's list right now
        [(_, hidden)] = set_aside([old], PERIOD)
        restore_set_aside(Site(site), wait=0.2)
        assert hidden.exists() and not old.exists()
    restore_set_aside(Site(site))  # that run was killed after all: now it comes back
    assert old.exists() and not hidden.exists()


# --- what the ledger hears ------------------------------------------------------------


@deferred_f_from_coro_f
async def test_each_file_is_hashed_as_written_and_as_it_was_before(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_old_blog(site)
    data_file = site / "_data" / "papers" / f"daily-{DAY}.json"
    old_post, old_data = sha(seeded["old"]), sha(data_file)
    first = await crawl(args={"date": DAY})
    [outcome] = first.record.lists
    post = first.post(DAY)
    assert outcome.written == {str(post): sha(post), str(data_file): sha(data_file)}
    assert outcome.before == {str(post): None, str(data_file): old_data, str(seeded["old"]): old_post}
    written = outcome.written

    more_likes(server)
    refresh = await crawl(args={"date": DAY})
    [outcome] = refresh.record.lists
    assert outcome.before == written
    assert outcome.written == {str(post): sha(post), str(data_file): sha(data_file)} != written
    assert json.loads(refresh.record.to_json())["lists"][0]["before"] == written


# --- the data file is the owner's as much as the post ----------------------------------


def retitle(data_file: Path, title: str) -> None:
    """The owner fixes a paper's title in the data file their site's Liquid reads."""
    data = json.loads(data_file.read_text(encoding="utf-8"))
    data["papers"][0]["title"] = title
    data_file.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.parametrize("how", ["unstaged", "staged", "committed", "no git"])
@deferred_f_from_coro_f
async def test_a_data_file_the_owner_edited_is_kept_with_its_post(
    server: FixtureServer, crawl, site: Path, how: str
) -> None:  # type: ignore[no-untyped-def]
    if how != "no git":
        git(site, "init", "-q", "-b", "master")
    morning = await crawl(args={"start": OTHER_DAY, "end": DAY})
    assert morning.record.ok, morning.log[-3000:]
    if how != "no git":
        commit_all(site, "the morning's posts")
    data_file = morning.data_file(DAY)
    retitle(data_file, "OWNER FIXED TITLE")
    if how in ("staged", "committed"):
        git(site, "add", str(data_file))
    if how == "committed":
        git(site, "commit", "-q", "-m", "a title fixed in the data file")
    edited = {name: digest for name, digest in digests(site).items() if DAY in name}

    more_likes(server, DAY)
    more_likes(server, OTHER_DAY)
    evening = await crawl(args={"start": OTHER_DAY, "end": DAY, "force": "1"})
    assert evening.record.ok, evening.log[-3000:]
    assert [(o.key, o.status, o.reason) for o in evening.record.lists] == [
        (OTHER_DAY, "written", ""),
        (
            DAY,
            "kept",
            f"{data_file} differs from the data file hfpapers wrote (an edit of yours): kept as it is,"
            " with its post; delete the data file to have hfpapers write it again",
        ),
    ]
    assert {name: digest for name, digest in digests(site).items() if DAY in name} == edited
    data_file.unlink()  # as the reason says: the day is hfpapers' again
    again = await crawl(args={"date": DAY})
    assert [o.status for o in again.record.lists] == ["written"], again.log[-3000:]
    assert "OWNER FIXED TITLE" not in data_file.read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_a_post_whose_seal_was_taken_out_is_theirs(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """Its data file has a seal: the post had one too, and whoever removed it changed the post."""
    first = await crawl(args={"date": DAY})
    post = first.post(DAY)
    post.write_text(re.sub(r"(?m)^hfpapers_sha256: .*\n", "", post.read_text(encoding="utf-8")) + NOTE)
    edited = post.read_bytes()
    more_likes(server)
    result = await crawl(args={"date": DAY})
    assert [o.status for o in result.record.lists] == ["kept"]
    assert post.read_bytes() == edited


@deferred_f_from_coro_f
async def test_a_pair_a_killed_run_installed_half_is_finished_by_the_next_run(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    """Killed between the post's rename and the data file's: the new post beside the old data
    file, and the copies `install` keeps while it renames."""
    morning = await crawl(args={"date": DAY})
    old_data = morning.data_file(DAY).read_bytes()
    more_likes(server)
    assert [o.status for o in (await crawl(args={"date": DAY})).record.lists] == ["written"]
    morning.data_file(DAY).write_bytes(old_data)  # the new post, the old data file
    copies = [
        site / "_posts" / f".{DAY}-daily-papers.md.gjug7djd.tmp.old",
        site / "_data" / "papers" / f".daily-{DAY}.json.9ycw0f1p.tmp.old",
    ]
    for copy in copies:
        copy.write_bytes(old_data)
    owners = site / "_posts" / ".my-draft.tmp.old"  # no name the writer gives
    owners.write_text("mine\n")

    more_likes(server)
    result = await crawl(args={"date": DAY})
    assert [(o.status, o.reason) for o in result.record.lists] == [("written", "")], result.log[-3000:]
    for path in (result.post(DAY), result.data_file(DAY)):
        assert seal_of(path.read_bytes()) is Seal.INTACT
    assert not any(copy.exists() for copy in copies) and owners.read_text() == "mine\n"


@pytest.mark.parametrize("written_by", ["this version", "a version before the seal"])
@deferred_f_from_coro_f
async def test_line_endings_a_checkout_converts_are_no_edit(
    server: FixtureServer, crawl, site: Path, written_by: str
) -> None:  # type: ignore[no-untyped-def]
    git(site, "init", "-q", "-b", "master")
    (site / ".gitattributes").write_text("*.md text eol=crlf\n*.json text eol=crlf\n")
    (site / "_config.yml").write_text("title: my blog\n")
    first = await crawl(args={"date": DAY})
    if written_by == "a version before the seal":
        unseal(site)
        data = first.data(DAY)
        data["post_sha256"] = sha(first.post(DAY))  # as that version recorded its post
        first.data_file(DAY).write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    commit_all(site, "the post")
    for path in (first.post(DAY), first.data_file(DAY)):  # a fresh checkout of them
        path.unlink()
    git(site, "checkout", "--", ".")
    assert b"\r\n" in first.post(DAY).read_bytes() and first.data_file(DAY).read_bytes().endswith(b"\r\n")
    more_likes(server)
    result = await crawl(args={"date": DAY})
    assert [(o.status, o.reason) for o in result.record.lists] == [("written", "")], result.log[-3000:]


@deferred_f_from_coro_f
async def test_hidden_files_of_the_owners_are_never_put_back_as_posts(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """Named like an old post set aside, but no papers post, or no name the writer gives."""
    posts = site / "_posts"
    posts.mkdir()
    hidden = {
        posts / f".my-draft.md{RETIRED}": "---\ntitle: my draft\n---\nnot yet\n",
        posts / f".{DAY}-daily-papers-1771400000.md{RETIRED}": "---\ntitle: my notes on it\n---\nmine\n",
        posts / f".{DAY}-daily-papers-1771400000.md.daily-{DAY}{RETIRED}": USERS_POST,
    }
    for path, text in hidden.items():
        path.write_text(text, encoding="utf-8")
    result = await crawl(args={"date": OTHER_DAY})
    assert result.record.ok, result.log[-3000:]
    assert {path: path.read_text(encoding="utf-8") for path in hidden} == hidden
    assert sorted(p.name for p in posts.iterdir() if not p.name.startswith(".")) == [
        f"{OTHER_DAY}-daily-papers.md"
    ]


@pytest.mark.slow  # Jekyll
@deferred_f_from_coro_f
async def test_a_post_the_owner_unpublished_stays_unpublished(
    server: FixtureServer, crawl, site: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Deleting a post hands its day back to hfpapers; ``published: false`` is an edit, the
    owner's way to withdraw it: kept by every later run, and Jekyll leaves it out."""
    first = await crawl(args={"start": OTHER_DAY, "end": DAY})
    post = first.post(DAY)
    post.write_text(post.read_text(encoding="utf-8").replace("\n---\n", "\npublished: false\n---\n", 1))
    withdrawn = post.read_bytes()
    more_likes(server, DAY)
    evening = await crawl(args={"date": DAY, "force": "1"})
    assert [o.status for o in evening.record.lists] == ["kept"]
    assert post.read_bytes() == withdrawn
    jekyll.build([first.post(OTHER_DAY)], tmp_path / "built", unpublished=(post,))


def test_copies_a_killed_run_left_are_removed_only_inside_the_site(site: Path, tmp_path: Path) -> None:
    (site / "_posts").mkdir()
    outside = tmp_path / "outside"
    (outside / "papers").mkdir(parents=True)
    (site / "_data").symlink_to(outside, target_is_directory=True)
    theirs = outside / "papers" / f".daily-{DAY}.json.9ycw0f1p.tmp.old"
    theirs.write_text("not the site's\n")
    ours = site / "_posts" / f".{DAY}-daily-papers.md.gjug7djd.tmp.old"
    ours.write_text("a killed run's\n")
    restore_set_aside(Site(site))
    assert theirs.exists() and not ours.exists()
