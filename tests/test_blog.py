"""Dropping into the blog the old script filled: one URL per post, its old posts adopted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FIXTURES
from tests import jekyll
from tests.conftest import immutable
from tests.test_post_safety import front_matter

INCUMBENT = FIXTURES / "incumbent"
DAY = "2026-02-18"
OLD_NAME = f"{DAY}-daily-papers-1771400000.md"  # how the old script named posts before 2026-01-04


def seed_old_blog(site: Path) -> dict[str, Path]:
    """The old script's post (older name, no permalink) and data file, and two posts not ours."""
    posts, data = site / "_posts", site / "_data" / "papers"
    posts.mkdir(parents=True)
    data.mkdir(parents=True)
    seeded = {
        "old": posts / OLD_NAME,
        "notes": posts / f"{DAY}-my-notes.md",
        "lookalike": posts / f"{DAY}-daily-papers-reading-list.md",
    }
    shutil.copy(INCUMBENT / f"{DAY}-daily-papers.md", seeded["old"])
    for name in ("notes", "lookalike"):
        seeded[name].write_text(f"---\ntitle: {name}\npermalink: /posts/{name}/\n---\nmine\n")
    shutil.copy(INCUMBENT / f"daily-{DAY}.json", data / f"daily-{DAY}.json")
    return seeded


def marks(post: str) -> dict[str, str]:
    """Title -> its movement mark ("" for none)."""
    return dict(
        re.findall(
            r"^\d+\. (?:\{: value=.\d+.\} )?\*\*(.+?)\*\* - 👍 \d+(?: · (?:순위 )?(▲\d+|▼\d+|NEW))?$",
            post,
            flags=re.M,
        )
    )


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_days_of_a_backfill_each_get_their_own_url(crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"start": "2026-02-16", "end": "2026-02-18"})
    assert result.record.ok, result.log[-3000:]
    posts = sorted((result.root / "_posts").iterdir())
    built = jekyll.build(posts, tmp_path)  # with the blog's defaults: /posts/:title/
    assert sorted(jekyll.url_of(p) for p in posts) == [
        "/posts/daily-papers-2026-02-16/",
        "/posts/daily-papers-2026-02-17/",
        "/posts/daily-papers-2026-02-18/",
    ]
    assert all(page.exists() for page in built.values())


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_without_permalinks_the_blog_keeps_one_post_of_three(crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What the blog hit on 2026-06-01, and what an empty POST_PERMALINK gives back."""
    result = await crawl(args={"start": "2026-02-16", "end": "2026-02-17"}, settings={"POST_PERMALINK": ""})
    posts = sorted((result.root / "_posts").iterdir())
    assert not any("permalink:" in p.read_text(encoding="utf-8") for p in posts)
    with pytest.raises(AssertionError, match="two posts to one URL"):
        jekyll.build(posts, tmp_path)


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_an_old_scripts_post_is_replaced_at_its_own_url(crawl, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_old_blog(site)
    mine = {name: seeded[name].read_bytes() for name in ("notes", "lookalike")}
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    [outcome] = result.record.lists
    assert outcome.removed == [str(seeded["old"])]
    ours = result.post(DAY)
    assert sorted(p.name for p in (site / "_posts").iterdir()) == sorted(
        [ours.name, seeded["notes"].name, seeded["lookalike"].name]
    )
    assert {name: seeded[name].read_bytes() for name in mine} == mine  # not ours: untouched
    post = ours.read_text(encoding="utf-8")
    # The URL the old post had under the blog's /posts/:title/: links to it still work.
    assert front_matter(post)["permalink"] == "/posts/daily-papers-1771400000/"
    built = jekyll.build(sorted((site / "_posts").iterdir()), tmp_path)
    assert built[ours.name] == tmp_path / "out" / "posts" / "daily-papers-1771400000" / "index.html"

    # No movement against the old script's list: crawled at another time (14:48 UTC, by its
    # own rules: SkillsBench is in it, not in this day's list), it is no like to compare with.
    old = json.loads((INCUMBENT / f"daily-{DAY}.json").read_text(encoding="utf-8"))["papers"]
    assert "2602.12670" in {p["url"].rsplit("/", 1)[1] for p in old}
    assert set(marks(post).values()) == {""} and len(marks(post)) == 13
    assert "순위 변화" not in post
    data = result.data(DAY)
    assert data["compared_with"] == 0 and all(p["previous_rank"] is None for p in data["papers"])
    # The next run compares with what this one found.
    evening = await crawl(args={"date": DAY})
    assert evening.record.ok and set(marks(evening.post(DAY).read_text(encoding="utf-8")).values()) == {""}


@deferred_f_from_coro_f
async def test_the_old_data_file_guards_against_shrinking(crawl, server, site: Path) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_old_blog(site)
    del server.edit_day(DAY)[5:]  # Hugging Face answers with a partial list
    result = await crawl(args={"date": DAY})
    assert result.record.ok
    assert [(o.status, o.reason) for o in result.record.lists] == [
        ("kept", "the existing post lists 10 papers, this run found 5")
    ]
    assert seeded["old"].exists() and not result.post(DAY).exists()


@deferred_f_from_coro_f
async def test_a_data_file_in_no_known_format_is_no_previous_post(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    data = site / "_data" / "papers"
    data.mkdir(parents=True)
    shutil.copy(INCUMBENT / "monthly-2025-11.json", data / f"daily-{DAY}.json")  # top_papers, no papers
    result = await crawl(args={"date": DAY, "top": "5"})
    assert result.record.ok
    assert "not a data file hfpapers or the old script wrote; treated as no previous post" in result.log
    assert result.data(DAY)["total_papers"] == 5
    assert "NEW" not in result.post(DAY).read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_a_post_keeps_the_url_it_already_has(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """A post of ours or the old script's with its own permalink keeps it, whatever the pattern."""
    posts = site / "_posts"
    posts.mkdir()
    text = (INCUMBENT / "2026-08-22-daily-papers.md").read_text(encoding="utf-8")
    (posts / f"{DAY}-daily-papers.md").write_text(text.replace("2026-08-22", DAY), encoding="utf-8")
    result = await crawl(args={"date": DAY}, settings={"POST_PERMALINK": "/papers/{key}/"})
    assert front_matter(result.post(DAY).read_text(encoding="utf-8"))["permalink"] == (
        "/posts/daily-papers-2026-02-18/"
    )


def permalink(post: Path) -> object:
    return front_matter(post.read_text(encoding="utf-8"))["permalink"]


def write_post(path: Path, title: str, body: str = "mine\n", permalink: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = f"permalink: {permalink}\n" if permalink else ""
    path.write_text(f"---\ntitle: {title}\n{extra}---\n{body}", encoding="utf-8")
    return path


@deferred_f_from_coro_f
async def test_posts_that_only_look_like_ours_are_never_touched(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    posts = site / "_posts"
    lookalikes = [
        write_post(posts / f"{DAY}-daily-papers-2.md", "My notes on daily papers, part 2"),
        write_post(posts / f"{DAY}-daily-papers-1771400000.md", "My own post, named unluckily"),
        write_post(posts / "2026-02-01-monthly-papers-summary-1.md", "Reading list"),
    ]
    before = {p: p.read_bytes() for p in lookalikes}
    result = await crawl(args={"date": DAY})
    assert result.record.ok and result.record.lists[0].removed == []
    assert {p: p.read_bytes() for p in lookalikes} == before
    assert (
        front_matter(result.post(DAY).read_text(encoding="utf-8"))["permalink"]
        == f"/posts/daily-papers-{DAY}/"
    )


@deferred_f_from_coro_f
async def test_a_post_of_our_name_that_is_not_ours_stops_the_list(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    theirs = write_post(site / "_posts" / f"{DAY}-daily-papers.md", "What I think of daily papers")
    before = theirs.read_bytes()
    result = await crawl(args={"start": "2026-02-17", "end": DAY})
    assert [(o.key, o.status) for o in result.record.lists] == [("2026-02-17", "written"), (DAY, "failed")]
    assert "is not a papers post; left alone" in result.record.lists[1].reason
    assert theirs.read_bytes() == before


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_old_posts_in_folders_and_several_per_day_leave_one(crawl, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    posts = site / "_posts"
    title = f"Hugging Face Daily Papers - {DAY}"
    heading = f"# {title}\n"  # the old script's body
    older = write_post(
        posts / "2026" / f"{DAY}-daily-papers-1771300000.md", title, heading, permalink="/posts/older/"
    )
    newest = write_post(posts / f"{DAY}-daily-papers-1771400000.md", title, heading)
    copy = write_post(posts / "archive" / f"{DAY}-daily-papers.md", title, heading)
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert sorted(result.record.lists[0].removed) == sorted(str(p) for p in (older, newest, copy))
    # The newest old post's URL (as the site gave it: it set none), not an older one's.
    assert (
        front_matter(result.post(DAY).read_text(encoding="utf-8"))["permalink"]
        == "/posts/daily-papers-1771400000/"
    )
    assert [p.name for p in posts.rglob("*.md")] == [f"{DAY}-daily-papers.md"]
    jekyll.build([result.post(DAY)], tmp_path)


@deferred_f_from_coro_f
async def test_an_old_data_file_with_a_bad_entry_still_guards_against_shrinking(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    seed_old_blog(site)
    data_file = site / "_data" / "papers" / f"daily-{DAY}.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    del data["papers"][3]["likes"]
    data["papers"] += [
        dict(data["papers"][0], url=f"https://huggingface.co/papers/2602.9999{n}") for n in range(5)
    ]
    data_file.write_text(json.dumps(data), encoding="utf-8")
    result = await crawl(args={"date": DAY})
    assert [(o.status, o.reason) for o in result.record.lists] == [
        ("kept", "the existing post lists 15 papers, this run found 13")
    ]


@deferred_f_from_coro_f
async def test_a_users_essay_named_like_our_post_stays(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """A title that only starts like ours is the user's, in any folder."""
    essay = write_post(
        site / "_posts" / "essays" / f"{DAY}-daily-papers.md",
        f"Hugging Face Daily Papers - {DAY} 을 읽고 쓴 나의 감상문",
        f"# Hugging Face Daily Papers - {DAY}\n나의 감상\n",
    )
    before = essay.read_bytes()
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert result.record.lists[0].removed == []
    assert essay.read_bytes() == before
    assert f"{essay}: named like {DAY}'s post but not one hfpapers or the old script wrote; left alone" in (
        result.log
    )


@deferred_f_from_coro_f
async def test_a_data_file_without_its_post_keeps_nothing(crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    """No "keeping the existing post" when there is no post to keep."""
    data = site / "_data" / "papers"
    data.mkdir(parents=True)
    shutil.copy(INCUMBENT / f"daily-{DAY}.json", data / f"daily-{DAY}.json")  # lists 10
    result = await crawl(args={"date": DAY, "top": "5"})
    assert [(o.status, o.papers) for o in result.record.lists] == [("written", 5)]
    assert "keeping the existing post" not in result.log
    assert "a data file but no post; writing the post" in result.log


@deferred_f_from_coro_f
async def test_a_whole_day_after_its_top_3_marks_no_paper_new_that_the_top_3_run_found(crawl, server) -> None:  # type: ignore[no-untyped-def]
    """Like with like: the earlier run found all 13, though it showed 3."""
    assert (await crawl(args={"date": DAY, "top": "3"})).record.ok
    entries = server.edit_day(DAY)
    entries[5]["paper"]["upvotes"] = 9  # ClinAlign: 6th -> 3rd
    late = {
        **entries[0],
        "paper": {**entries[0]["paper"], "id": "2602.19999", "title": "A Late Paper", "upvotes": 1},
    }
    entries.append(late)
    whole = await crawl(args={"date": DAY})
    assert whole.record.ok, whole.log[-3000:]
    post = whole.post(DAY).read_text(encoding="utf-8")
    shown = marks(post)
    assert len(shown) == 14
    assert [title for title, mark in shown.items() if mark == "NEW"] == ["A Late Paper"]
    assert shown["ClinAlign: Scaling Healthcare Alignment from Clinician Preference"] == "▲3"
    assert shown["ResearchGym: Evaluating Language Model Agents on Real-World AI Research"] == "▼1"
    assert "이 글을 앞서 쓸 때 수집한 논문 13편과 비교한 것입니다." in post
    data = whole.data(DAY)
    assert data["compared_with"] == 13 and len(data["found"]) == 14


@deferred_f_from_coro_f
async def test_top_n_is_compared_by_what_was_found_not_what_is_kept(crawl, server) -> None:  # type: ignore[no-untyped-def]
    """A post of 13 is replaced by the top 3 of 13, and the post says so."""
    first = await crawl(args={"date": DAY})
    assert [o.papers for o in first.record.lists] == [13]
    top = await crawl(args={"date": DAY, "top": "3"})
    assert [(o.status, o.papers) for o in top.record.lists] == [("written", 3)]
    post = top.post(DAY).read_text(encoding="utf-8")
    assert "총 **13편** 중 좋아요 상위 **3편**을 소개합니다." in post
    assert str(front_matter(post)["description"]).startswith('논문 13편 중 상위 3편 · 1위 "')
    data = top.data(DAY)
    assert (data["total_papers"], data["found_papers"]) == (3, 13)
    # Hugging Face lists fewer than the post now shows: kept, saying what was found.
    del server.edit_day(DAY)[2:]
    fewer = await crawl(args={"date": DAY, "top": "1"})
    assert [(o.status, o.reason) for o in fewer.record.lists] == [
        ("kept", "the existing post lists 3 papers, this run found 2")
    ]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_an_old_post_that_cannot_be_removed_fails_its_list_before_anything_is_written(
    crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    """Removed only after the new post is in place, a failure there would leave two posts at
    one URL. Its folder is made immutable (chattr +i): even root cannot rename in it."""
    folder = site / "_posts" / "2026"
    old = write_post(
        folder / f"{DAY}-daily-papers-1771300000.md",
        f"Hugging Face Daily Papers - {DAY}",
        f"# Hugging Face Daily Papers - {DAY}\n",
    )
    with immutable(folder):
        result = await crawl(args={"date": DAY})
    [outcome] = result.record.lists
    assert outcome.status == "failed"
    assert outcome.reason.startswith(
        "cannot remove an old post it replaces: [Errno 1] Operation not permitted"
    )
    assert old.exists() and not result.post(DAY).exists()
    assert not list((site / "_posts").glob(".*"))  # nothing set aside, nothing half-written


def test_a_post_set_aside_by_a_killed_run_is_put_back(site: Path) -> None:
    """Named as runs named it before the list was in the name: put back, whatever its age."""
    from hfpapers.site import Site
    from hfpapers.writer import RETIRED, restore_set_aside

    posts = site / "_posts"
    posts.mkdir()
    hidden = posts / f".{DAY}-daily-papers-1771300000.md{RETIRED}"
    old_post = (INCUMBENT / f"{DAY}-daily-papers.md").read_text(encoding="utf-8")  # the old script's
    hidden.write_text(old_post, encoding="utf-8")
    restore_set_aside(Site(site))
    assert (posts / f"{DAY}-daily-papers-1771300000.md").read_text(encoding="utf-8") == old_post
    assert not hidden.exists()
