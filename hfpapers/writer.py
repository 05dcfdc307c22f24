"""`ListWriter`: the files of each list: rendered, installed, the old post retired.

Each list that passed the pipelines is rendered at once (the post by
`KoreanPostExporter`, the data file by `DataFileExporter`, each sealed with its
own sha256: `hfpapers.seal`) to hidden temporary files beside their targets.
When the spider closes, the `RunLedger` calls `ListWriter.write_lists` with the
clean lists. For each, one check (`ListWriter._check`, just before the rename)
decides whether the files there are hfpapers' to replace: a post that is not a
papers post, or not a regular file, fails the list; a post or data file the
owner edited is kept, with the other.
Then the files are renamed into place (atomic, a list's two together) and the
old posts they replace removed; every other temporary file is removed, and the
existing post of a list not written stays byte for byte as it was. So a
backfill where one day fails still writes every other day. `write_lists`
returns what became of each list's files (`ListFiles`): installed, with each
file's sha256 as written and as it was before; kept; or why they could not be.

Nothing is written through a symbolic link: ``_posts``, ``_data`` and
``_data/papers`` must be real folders inside SITE_DIR, and a post or data file
that is a link is left alone. Runs on one site take turns (a lock on
``_posts``) while they set old posts aside, install and put back, so one run
never restores another's post in flight, and the next run settles what a killed
one left half done. Always on.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter

from exporters.data_file import DataFileExporter
from exporters.korean_post import KoreanPostExporter
from hfpapers import signals as our_signals
from hfpapers.gitrepo import Git, GitError
from hfpapers.items import PaperList
from hfpapers.outcome import FAILED, KEPT
from hfpapers.periods import Period, from_key
from hfpapers.previous import MAX_DATA_FILE, is_papers_post
from hfpapers.safeio import MAX_FILE_BYTES, UnsafeInputError, exclusive, loads_bounded, read_capped
from hfpapers.seal import Seal, seal_of
from hfpapers.site import Site, UnsafeSiteError

logger = logging.getLogger(__name__)

# Older temporary files than this are an interrupted run's, never a running one's.
STALE_AFTER = 2 * 24 * 3600.0
# How long a run waits for another one to finish writing a list in the same site
# (milliseconds each); the sweep and each list's install take turns.
TURN_WAIT = 60.0
# Git is asked about a post only when the data file holds no record of it; with no optional
# locks, a status never holds index.lock while the owner commits.
GIT_TIMEOUT = 30.0
_NO_LOCKS = {"GIT_OPTIONAL_LOCKS": "0"}

RETIRED = ".retired.tmp"  # an old post set aside until the new one is in place
# `.{name}.{kind}-{key}.retired.tmp`: the old post `name`, set aside for that list's new post.
_ASIDE_RE = re.compile(r"\.(?P<name>.+\.md)\.(?P<kind>[a-z]+)-(?P<key>[0-9W-]+)" + re.escape(RETIRED))
# `.{name}.retired.tmp`, as earlier writers named it: `name` an old post of a list by its name.
_LEGACY_ASIDE_RE = re.compile(
    r"\.(?P<name>(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})-(?P<slug>[a-z-]+?)(?:-[0-9]{9,10})?\.md)"
    + re.escape(RETIRED)
)
KEPT_COPY = ".tmp.old"  # `install`'s copy of a file it replaces, until every rename is done
# A temporary file's name (tempfile.mkstemp: prefix, 8 characters, suffix) with KEPT_COPY.
_KEPT_COPY_RE = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(KEPT_COPY))
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """A regular file's bytes, never through a symbolic link; None when there is none.

    Raises `UnsafeInputError` for a link, a folder, a FIFO, a device or a file over ``limit``.
    """
    try:
        return read_capped(path, limit, follow_symlinks=False)
    except FileNotFoundError:
        return None


def install(files: dict[Path, Path]) -> None:
    """Rename each temporary file onto its target: all of them, or none.

    The targets' current files are kept (copies) until every rename
    succeeded, and put back if one fails.
    """
    kept: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for target, tmp in files.items():
            with contextlib.suppress(FileNotFoundError):
                # A file, or a symbolic link (put back as that link); anything else is no post.
                if stat.S_ISREG(os.lstat(target).st_mode) or target.is_symlink():
                    kept[target] = tmp.with_name(tmp.name.removesuffix(".tmp") + KEPT_COPY)
                    # A copy, not a hard link: fs.protected_hardlinks refuses a link to a post
                    # another user owns (EPERM), and renaming the post away would leave a moment
                    # (or, if the run is killed then, for good) with no post at all.
                    shutil.copyfile(target, kept[target], follow_symlinks=False)
        for target, tmp in files.items():
            os.replace(tmp, target)
            done.append(target)
    except OSError:
        for target in done:
            if target in kept:
                os.replace(kept.pop(target), target)
            else:
                target.unlink(missing_ok=True)
        raise
    finally:
        for old in kept.values():
            old.unlink(missing_ok=True)


def aside_name(post: Path, period: Period) -> Path:
    """Where an old post waits, hidden (Jekyll skips dot files), while ``period``'s post goes in."""
    return post.with_name(f".{post.name}.{period.kind}-{period.key}{RETIRED}")


def set_aside(posts: list[Path], period: Period) -> list[tuple[Path, Path]]:
    """Rename each old post to a hidden name beside it: all of them, or none (OSError)."""
    aside: list[tuple[Path, Path]] = []
    try:
        for post in posts:
            hidden = aside_name(post, period)
            os.replace(post, hidden)
            aside.append((post, hidden))
    except OSError:
        put_back(aside)
        raise
    return aside


def put_back(aside: list[tuple[Path, Path]]) -> None:
    for post, hidden in reversed(aside):
        with contextlib.suppress(OSError):
            os.replace(hidden, post)


@contextlib.contextmanager
def taking_turns(posts: Path, wait: float = TURN_WAIT) -> Iterator[None]:
    """Hold the site's turn (a lock on its ``_posts`` folder) while the block runs.

    Raises `TimeoutError` when another run held it for ``wait`` seconds.
    """
    fd = os.open(posts, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        with exclusive(fd, wait, poll=0.02) as held:
            if not held:
                raise TimeoutError(f"another run kept writing in {posts} for {wait:g} s")
            yield
    finally:
        os.close(fd)


def restore_set_aside(site: Site, wait: float = TURN_WAIT) -> None:
    """Settle what an earlier run left in the middle of installing a list (SIGKILL, a power
    cut), whatever its age: while a run writes a list it holds the turn, so what is found
    here with the turn held is no running run's.

    An old post it set aside is put back at its name, unless the list it was set aside for
    has its post in place (that post replaced it: it is removed) or a file took its name
    since (left, with a warning, unless it is the same bytes). The copies it kept of the
    files it replaced (``.NAME.XXXXXXXX.tmp.old``) are removed. Only names the writer gives,
    and for an old post, a papers post of the list its name gives: another hidden file of
    that shape is the owner's, and stays.
    """
    posts = site.root / "_posts"
    try:
        site.real_folder(posts)
    except OSError:
        return  # no posts yet, or a folder the writer refuses to write into anyway
    try:
        with taking_turns(posts, wait):
            for hidden in posts.rglob(f".*{RETIRED}"):
                with contextlib.suppress(OSError, ValueError):
                    _settle(site, hidden)
            for folder in (posts, site.root / "_data" / "papers"):
                with contextlib.suppress(OSError):  # none yet, or no real folder of the site
                    site.real_folder(folder)
                    _remove_kept_copies(folder)
    except OSError as exc:  # another run held the turn too long, or _posts cannot be locked
        logger.warning("Old posts set aside by an earlier run not looked at: %s", exc)


def _aside_for(hidden: Path) -> tuple[Path, Period] | None:
    """The old post ``hidden`` was set aside from, and the list it was set aside for; None for
    a name the writer never gives. Earlier writers named it ``.NAME.retired.tmp``: its list is
    the one NAME is a post of."""
    match = _ASIDE_RE.fullmatch(hidden.name)
    if match:
        try:
            return hidden.with_name(match["name"]), from_key(match["kind"], match["key"])
        except ValueError:
            return None
    match = _LEGACY_ASIDE_RE.fullmatch(hidden.name)
    if not match:
        return None
    for kind, key in (("daily", match["day"]), ("monthly", match["day"][:7]), ("weekly", _iso_week(match))):
        with contextlib.suppress(ValueError):
            period = from_key(kind, key)
            if period.slug == match["slug"] and period.first.isoformat() == match["day"]:
                return hidden.with_name(match["name"]), period
    return None


def _iso_week(match: re.Match[str]) -> str:
    try:
        year, week, _ = date.fromisoformat(match["day"]).isocalendar()
    except ValueError:
        return ""
    return f"{year}-W{week:02d}"


def _settle(site: Site, hidden: Path) -> None:
    if not stat.S_ISREG(os.lstat(hidden).st_mode):
        return
    aside = _aside_for(hidden)
    if aside is None or not is_papers_post(read_regular(hidden) or b"", aside[1]):
        return  # not an old post the writer set aside: the owner's file, whatever its name
    original, period = aside
    if os.path.lexists(original):
        try:
            same = read_regular(original) == read_regular(hidden)
        except ValueError:  # not a regular file, or too large to compare
            same = False
        if same:
            hidden.unlink()
        else:
            logger.warning(
                "%s was set aside by an earlier run, and %s is there again: both left", hidden, original
            )
        return
    if is_papers_post(site.post(period), period):
        hidden.unlink()
        logger.warning(
            "Removed %s: %s replaced it, and an earlier run stopped before removing it",
            original,
            site.post(period),
        )
        return
    os.replace(hidden, original)
    logger.warning("Put back %s, set aside by an earlier run that did not finish", original)


def _remove_kept_copies(folder: Path) -> None:
    """Remove the copies `install` keeps while it renames, left by a run killed meanwhile."""
    for path in folder.glob(f".*{KEPT_COPY}"):
        with contextlib.suppress(OSError):
            if _KEPT_COPY_RE.fullmatch(path.name) and stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()
                logger.info("Removed %s, left by an earlier run that did not finish", path)


def sweep_stale(folder: Path, older_than: float = STALE_AFTER) -> None:
    """Remove rendered temporary files a killed run left (a second Ctrl-C, SIGKILL).

    Only old ones: a run that works on the same site right now keeps its own
    (it renders hours before it writes). Old posts set aside are `restore_set_aside`'s.
    """
    if not folder.is_dir() or folder.is_symlink():
        return
    limit = time.time() - older_than
    for path in folder.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if path.name.endswith(RETIRED) or not stat.S_ISREG(info.st_mode) or info.st_mtime >= limit:
                continue
            path.unlink()
            logger.info("Removed %s, left by an earlier run", path)


@dataclass
class ListFiles:
    """What became of one clean list's files when they were to be installed."""

    files: list[str] = field(default_factory=list)
    """Absolute paths of the files installed."""
    removed: list[str] = field(default_factory=list)
    """Absolute paths of the old posts the new one replaced."""
    written: dict[str, str] = field(default_factory=dict)
    """Absolute path -> sha256 (hex) of each file as installed (`ListOutcome.written`)."""
    before: dict[str, str | None] = field(default_factory=dict)
    """Absolute path -> sha256 (hex) of each file as it was before (`ListOutcome.before`)."""
    kept: str = ""
    """Why the existing post stays on purpose (the owner edited it): no failure."""
    error: str = ""
    """Why they could not be installed; the list fails, its old files stay."""


@dataclass
class _Rendered:
    files: dict[Path, Path]  # target -> temporary file
    written: dict[str, str]  # target -> sha256 of the bytes rendered
    retired: list[Path]  # the old script's posts this one replaces


class _NotOursError(Exception):
    """The list's files stay out: ``status`` FAILED or KEPT, and why."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class _Found:
    """What is at a list's names just before its files go in."""

    content: dict[Path, bytes] = field(default_factory=dict)  # existing files -> their bytes

    def before(self) -> dict[str, str | None]:
        return {str(path): sha256(content) for path, content in self.content.items()}


class ListWriter:
    # Each renderer and where its file goes; the post first, its sha256 goes into the data file.
    renderers: tuple[tuple[Callable[..., BaseItemExporter], Callable[[Site, Period], Path]], ...] = (
        (KoreanPostExporter, Site.post),
        (DataFileExporter, Site.data_file),
    )

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.site = Site.from_settings(crawler.settings)
        self.rendered: dict[Period, _Rendered] = {}
        self.git: Git | None = Git(self.site.root, "", GIT_TIMEOUT) if shutil.which("git") else None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListWriter:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        # First of all: an old post a killed run left hidden is back before anyone looks for it.
        restore_set_aside(self.site)
        for period in getattr(spider, "periods", [])[:1]:
            sweep_stale(self.site.post(period).parent)
            sweep_stale(self.site.data_file(period).parent)

    def _fail(self, period: Period, reason: str) -> None:
        self.crawler.signals.send_catch_log(our_signals.list_failed, period=period, reason=reason)

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, PaperList):
            return
        period = item.period
        files: dict[Path, Path] = {}
        written: dict[str, str] = {}
        try:
            for exporter_class, where in self.renderers:
                target = where(self.site, period)
                content = self._render(exporter_class, item)
                files[target] = self._temporary(target, content)
                written[str(target)] = sha256(content)
        except Exception as exc:
            for tmp in files.values():
                tmp.unlink(missing_ok=True)
            self._fail(period, f"cannot write its files: {exc}")
            return
        self.rendered[period] = _Rendered(files, written, [Path(p) for p in item.retired_posts])

    def _render(self, exporter_class: Callable[..., BaseItemExporter], item: PaperList) -> bytes:
        buffer = io.BytesIO()
        exporter = exporter_class(buffer, settings=self.crawler.settings)
        exporter.start_exporting()
        exporter.export_item(item)
        exporter.finish_exporting()
        return buffer.getvalue()

    def _temporary(self, target: Path, content: bytes) -> Path:
        """``content`` in a new hidden file beside ``target``, in a real folder of the site."""
        self.site.real_folder(target.parent, create=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(content)
                os.fchmod(file.fileno(), 0o644)
        except BaseException:
            # A full disk must not leave an empty temporary file behind.
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    def write_lists(self, periods: list[Period]) -> dict[Period, ListFiles]:
        """Install the clean lists' files; remove every temporary file, whatever happens.
        What became of each list's files (a list never rendered is not there)."""
        results: dict[Period, ListFiles] = {}
        try:
            for period in periods:
                rendered = self.rendered.get(period)
                if rendered is not None:
                    results[period] = self._write(period, rendered)
        finally:
            for rendered in self.rendered.values():
                for tmp in rendered.files.values():
                    tmp.unlink(missing_ok=True)
            self.rendered.clear()
        return results

    def _write(self, period: Period, rendered: _Rendered) -> ListFiles:
        try:
            with taking_turns(self.site.post(period).parent):
                found = self._check(period, rendered)
                retired = [old for old in rendered.retired if old in found.content]
                # The old posts go aside first (hidden names, which Jekyll skips) and come back if
                # the new files cannot be installed: an old post that cannot be moved fails the list
                # before anything is written, never after (two posts at one URL).
                try:
                    aside = set_aside(retired, period)
                except OSError as exc:
                    return ListFiles(error=f"cannot remove an old post it replaces: {exc}")
                try:
                    install(rendered.files)
                except OSError as exc:
                    put_back(aside)
                    return ListFiles(error=f"cannot write its files: {exc}")
                for _, hidden in aside:
                    hidden.unlink(missing_ok=True)
        except _NotOursError as not_ours:
            if not_ours.status == KEPT:
                logger.warning("%s: %s", period, not_ours.reason)
                return ListFiles(kept=not_ours.reason)
            return ListFiles(error=not_ours.reason)
        except OSError as exc:  # the turn: the folder went, or another run held it too long
            return ListFiles(error=f"cannot write its files: {exc}")
        for target in rendered.files:
            logger.info("Wrote %s", target)
        for post in retired:
            logger.info("Removed %s: the new post replaces it, at its URL", post)
        before: dict[str, str | None] = {str(target): None for target in rendered.files}
        return ListFiles(
            files=[str(target) for target in rendered.files],
            removed=[str(post) for post in retired],
            written=dict(rendered.written),
            before=before | found.before(),
        )

    def _check(self, period: Period, rendered: _Rendered) -> _Found:
        """Whether this list's files may replace what is at their names now: the one place
        that says whether a post or data file is hfpapers' to replace or remove. Raises
        `_NotOursError`.

        A post or data file that is not a regular file in a real folder of the site, or
        a post that is no papers post (a user's own at our name, also one written while
        the run was on), fails the list. A post or data file the owner edited is kept, and
        the list's other file with it: one whose seal fails (`hfpapers.seal`), or a post
        without one beside a data file with one (its seal removed); for one without a seal
        (the old script's, or hfpapers' before it sealed its files), a post whose bytes
        (CRLF read as LF, too) differ from the sha256 its data file records, or else a file
        with changes git has not committed. A file whose seal holds is hfpapers' as written,
        whatever the other file says (a pair a killed run installed only half). Whatever
        was checked here is what the ledger hears as "before".
        """
        post, data = self.site.post(period), self.site.data_file(period)
        found = _Found()
        for path in [*rendered.files, *rendered.retired]:
            try:
                self.site.real_folder(path.parent)
                content = read_regular(path, MAX_DATA_FILE if path == data else MAX_FILE_BYTES)
            except FileNotFoundError:  # an old post's folder gone with it: nothing to remove there
                continue
            except (UnsafeInputError, UnsafeSiteError) as exc:
                raise _NotOursError(FAILED, f"{exc}; left alone, and this list not written") from None
            except OSError as exc:
                raise _NotOursError(FAILED, f"cannot read {path}: {exc}; this list not written") from None
            if content is not None:
                found.content[path] = content
        posts = [path for path in (post, *rendered.retired) if path in found.content]
        for path in posts:
            if not is_papers_post(found.content[path], period):
                raise _NotOursError(
                    FAILED, f"{path} is not a papers post; left alone, and this list not written"
                )
        seals = {path: seal_of(found.content[path]) for path in (post, data) if path in found.content}
        if seals.get(post) is Seal.NONE and seals.get(data) is Seal.INTACT:
            seals[post] = Seal.BROKEN  # written with a seal (the data file has one): it was removed
        for path, seal in seals.items():
            if seal is Seal.BROKEN:
                raise _NotOursError(KEPT, _edited(path))
        unsealed_post = seals.get(post) is Seal.NONE
        recorded = _recorded_post(found.content.get(data)) if unsealed_post else None
        if recorded is not None and recorded not in _sha256s(found.content[post]):
            raise _NotOursError(KEPT, _edited(post))
        asked = [path for path in posts if path != post or (unsealed_post and recorded is None)]
        edited = self._uncommitted(asked + ([data] if seals.get(data) is Seal.NONE else []))
        if edited:
            raise _NotOursError(
                KEPT,
                f"{edited[0]} has changes git has not committed (yours): kept as it is, and this list not"
                f" written; undo them or delete the {_what(edited[0])} to have hfpapers write it again",
            )
        return found

    @functools.cached_property
    def git_top(self) -> Path | None:
        """The top of the git work tree the site is in; None when it is in none (or git is
        missing, or refuses the folder)."""
        if self.git is None:
            return None
        try:
            top = self.git("rev-parse", "--show-toplevel", check=False, env=_NO_LOCKS)
        except (GitError, OSError):
            return None
        return Path(top.stdout.strip()) if top.returncode == 0 else None

    def _uncommitted(self, paths: list[Path]) -> list[Path]:
        """Of ``paths``, those git tracks with changes in the work tree or the index."""
        if not paths or self.git is None or self.git_top is None:
            return []
        options = ["--porcelain=v1", "-z", "--no-renames", "--untracked-files=no"]
        try:
            status = self.git("status", *options, "--", *map(str, paths), check=False, env=_NO_LOCKS)
        except (GitError, OSError):
            return []
        changed = set()
        for entry in filter(None, status.stdout.split("\0")):
            index, work_tree, name = entry[0], entry[1], entry[3:]
            # Staged over what HEAD has, changed in the work tree since it was staged, or in a
            # merge's conflict; a post only added (A) is in no commit: no edit shows in it.
            if index in "MTRCU" or work_tree in "MTU" or index + work_tree in ("AA", "DD"):
                changed.add(self.git_top / name)
        return [path for path in paths if path in changed]


def _what(path: Path) -> str:
    return "data file" if path.suffix == ".json" else "post"


def _edited(path: Path) -> str:
    """Why a list is kept: ``path``, its post or data file, is the owner's edit."""
    what, other = _what(path), "post" if path.suffix == ".json" else "data file"
    return (
        f"{path} differs from the {what} hfpapers wrote (an edit of yours): kept as it is, with its"
        f" {other}; delete the {what} to have hfpapers write it again"
    )


def _sha256s(content: bytes) -> tuple[str, str]:
    """A file's sha256 as it is, and with CRLF read as LF (a checkout's conversion is no edit)."""
    return sha256(content), sha256(content.replace(b"\r\n", b"\n"))


def _recorded_post(data: bytes | None) -> str | None:
    """The sha256 of the post a data file says hfpapers wrote with it, or None."""
    if data is None:
        return None
    try:
        loaded = loads_bounded(data)
    except ValueError:
        return None
    value = loaded.get("post_sha256") if isinstance(loaded, dict) else None
    return value if isinstance(value, str) and _SHA256_RE.fullmatch(value) else None
