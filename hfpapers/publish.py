"""`GitPublisher`: commit and push the posts and data files the run wrote.

Settings: ``PUBLISH_GIT`` (on/off), ``PUBLISH_GIT_AUTHOR``, ``PUBLISH_PUSH``,
``PUBLISH_GIT_REMOTE``, ``PUBLISH_GIT_BRANCH``, ``PUBLISH_PUSH_RETRIES`` and
``PUBLISH_TIMEOUT``; settings.py gives each default. A token comes only from
the ``PUBLISH_GIT_TOKEN`` environment variable (a remote setting with
credentials in it is refused before the run: Scrapyd shows job settings).

It acts on the `RunRecord` that the `RunLedger` hands to `GitPublisher.publish`
at the end of the run, and returns what it did (`Published`): one
commit per list written, holding exactly the bytes this run wrote for that
list, with a message its `Period` words; the files the run wrote for all its
lists (the summaries cache) in one commit after those.

Each commit is built with git's plumbing (a temporary index, ``commit-tree``):
the owner's index, work tree, stash and hooks play no part. With
``PUBLISH_PUSH`` the commits go on the remote branch's tip as just fetched and
are pushed (never forced); a rejected push fetches and builds them again, and
a push that fails otherwise fetches to see whether the remote took it all the
same (the connection dropped after). No earlier commit is ever pushed again, the
owner's local commits never at all. A file the remote holds in a version that is
neither the one this run replaced nor this run's (the owner's edit there, a post
withdrawn) is not overwritten: that list is not pushed and the run fails, saying
why (the remote's change, or this clone's commits the remote lacks). To the
summaries cache the run adds only the answers it got. The local branch then
moves to what was pushed only when that changes nothing of the owner's. Without
``PUBLISH_PUSH`` the commits go on the checked-out branch, and its index takes
them under git's own lock, before the branch moves: while a git command holds
the index (a commit waiting for its message) nothing is committed. An index
entry that holds this run's "before" or the remote's tip is no change of the
owner's (a run stopped between the index and the branch left it). Nothing is
committed while a merge, cherry-pick, revert, rebase or bisect is in progress,
nor a file that is a symbolic link, no regular file, outside SITE_DIR, or
changed since this run wrote it. Two runs on one repository take turns (a lock
in its common git folder, which its linked worktrees share). Credentials are
masked in every log message and traceback, a token in the clone's own remote
URL too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from hfpapers.credentials import (
    TOKEN_USER,
    TOKEN_VARIABLE,
    hide_remote,
    hide_secret,
    hide_url_credentials,
    install_credential_masking,
    mask_credentials,
    plain_http_refusal,
)
from hfpapers.gitrepo import DETACHED, PUBLISH_LOCK, Git, GitError, git_reason, in_progress, remote_urls
from hfpapers.outcome import WRITTEN, ListOutcome, Published, RunRecord
from hfpapers.safeio import UnsafeInputError, exclusive, loads_bounded
from hfpapers.seal import Seal, seal_of
from hfpapers.site import Site
from hfpapers.summary_pipeline import KoreanSummaryPipeline

logger = logging.getLogger(__name__)

# A push that lost a race: the remote moved on before it (rejected as no fast-forward), or while
# it was under way (the remote's ref no longer at the tip it started from).
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "cannot lock ref", "(failed to update ref)")
# The commit holding the files a run writes for all its lists (the summaries cache).
SHARED_MESSAGE = "Korean summaries cache"
_REGULAR_MODES = ("100644", "100755")
# A file of the run's, or the remote's at its path, is read whole: one this big is nobody's post.
MAX_READ_BYTES = 64 * 1024 * 1024
# The reflog message of a branch moved to what was pushed (and so once the remote's tip).
PUBLISHED_MOVE = "hfpapers: published"
# The reflog message of a branch moved to the commits made on it without PUBLISH_PUSH.
COMMITTED_MOVE = "hfpapers: committed"
# The "before" of a path whose version before this run nobody recorded.
_UNRECORDED = object()


class UnsafePathError(Exception):
    """A path the run does not read or commit: a symbolic link, no regular file, outside SITE_DIR."""


def read_regular(root: Path, relative: PurePosixPath) -> bytes | None:
    """The bytes of the regular file ``root/relative``, or None when there is none.

    No part of the path below ``root`` may be a symbolic link (opened with
    O_NOFOLLOW, one folder at a time, so nothing can be swapped in between),
    and the file must be a regular one (a FIFO would block, a device never end).
    Raises `UnsafePathError`.
    """
    if not relative.parts or any(part in ("", ".", "..") for part in relative.parts):
        raise UnsafePathError("outside SITE_DIR")
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for depth, part in enumerate(relative.parts[:-1]):
            try:
                inner = os.open(
                    part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder
                )
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    shown = "/".join(relative.parts[: depth + 1])
                    raise UnsafePathError(f"{shown} is a symbolic link or no folder") from None
                raise
            os.close(folder)
            folder = inner
        try:
            fd = os.open(
                relative.parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder
            )
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafePathError("a symbolic link") from None
            raise
        with os.fdopen(fd, "rb") as file:
            found = os.fstat(file.fileno())
            if not stat.S_ISREG(found.st_mode):
                raise UnsafePathError("no regular file")
            if found.st_size > MAX_READ_BYTES:
                raise UnsafePathError(f"{found.st_size} bytes, more than any file of a run")
            return file.read(MAX_READ_BYTES + 1)
    finally:
        os.close(folder)


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


@dataclass
class _Change:
    """One path of this run: the bytes it wrote there, or None where it removed a file."""

    path: str  # from the repository's top
    shown: str  # from SITE_DIR, as the user reads it
    data: bytes | None
    before: object = _UNRECORDED  # sha256 of the version this run replaced (None: none), if recorded
    blob: str = ""  # the git object holding ``data``


@dataclass
class _Plan:
    """One list's files, read and checked once; built into a commit on each try."""

    outcome: ListOutcome
    changes: list[_Change]
    problem: str = ""


@dataclass
class _Chain:
    """The commits of one try, one on top of the other, from the remote's tip (or HEAD), built
    in one temporary index that holds the top's tree."""

    base: str | None
    index: dict[str, str]  # GIT_INDEX_FILE for git's environment
    tree: str  # the top's tree
    top: str | None = field(init=False)
    messages: dict[str, str] = field(default_factory=dict)  # list key -> message
    subjects: list[str] = field(default_factory=list)  # every commit's, in order
    refused: list[str] = field(default_factory=list)  # lists not published, one line each
    # Paths whose pushed version merges this run's bytes with the remote's (the summaries cache):
    # the work-tree file, still this run's, may take the pushed version.
    merged: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.top = self.base


class _Entry:
    """What a commit holds at one path: nothing, a regular file (mode, blob), or something else."""

    def __init__(self, mode: str = "", blob: str = "", foreign: bool = False):
        self.mode, self.blob, self.foreign = mode, blob, foreign

    @property
    def absent(self) -> bool:
        return not self.blob and not self.foreign

    @property
    def regular(self) -> bool:
        return bool(self.blob) and not self.foreign

    def same(self, other: _Entry) -> bool:
        return (self.mode, self.blob, self.foreign) == (other.mode, other.blob, other.foreign)


def _index_entries(git: Git, paths: list[str], env: dict[str, str] | None) -> dict[str, _Entry]:
    """What an index holds at each of ``paths``; a conflict's stages, or what is no regular
    file, are ``foreign``."""
    found = {path: _Entry() for path in paths}
    listed = git("ls-files", "-s", "-z", "--", *paths, env=env).stdout if paths else ""
    for line in filter(None, listed.split("\0")):
        meta, path = line.split("\t", 1)
        if path not in found:
            continue
        mode, blob, stage = meta.split()
        conflict = stage != "0" or found[path].blob != ""
        found[path] = _Entry(mode, blob, foreign=conflict or mode not in _REGULAR_MODES)
    return found


def _read_index(index: Path) -> bytes | None:
    try:
        return index.read_bytes()
    except FileNotFoundError:
        return None


def _replace_locked(index: Path, was: bytes | None, new: bytes | None) -> bool:
    """``index`` takes ``new`` under git's lock file, as git replaces it; False (nothing done)
    when it no longer holds ``was``. Raises `GitError` when the lock is held: a git command
    of the owner's is at work (or one that was stopped left it)."""
    lock = index.with_name(index.name + ".lock")
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except FileExistsError:
        raise GitError(
            f"git's index is locked ({lock} exists: a git command is running in this checkout,"
            " such as a commit waiting for its message, or one that was stopped left it): nothing"
            " committed; finish it (or remove the lock when no git runs), then run again"
        ) from None
    replaced = False
    try:
        with os.fdopen(fd, "wb") as file:
            if _read_index(index) != was:
                return False
            if new is None:
                return True  # no index, and none to make
            file.write(new)
            file.flush()
            os.fsync(file.fileno())
        os.replace(lock, index)
        replaced = True
        return True
    finally:
        if not replaced:
            lock.unlink(missing_ok=True)


def _held_elsewhere(lock: IO[str]) -> bool:
    """Whether another process holds the lock right now (to say that this run waits)."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(lock, fcntl.LOCK_UN)
    return False


class GitPublisher:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("PUBLISH_GIT"):
            raise NotConfigured
        install_credential_masking()
        hide_remote(settings.get("PUBLISH_GIT_REMOTE"))
        self.crawler = crawler
        self.site = Site.from_settings(settings).root
        self.git = Git(self.site, settings.get("PUBLISH_GIT_AUTHOR"), settings.getfloat("PUBLISH_TIMEOUT"))
        self.push_enabled = settings.getbool("PUBLISH_PUSH")
        self.remote = settings.get("PUBLISH_GIT_REMOTE")
        self.branch = settings.get("PUBLISH_GIT_BRANCH")
        self.retries = settings.getint("PUBLISH_PUSH_RETRIES")
        self.token = os.environ.get(TOKEN_VARIABLE, "")
        hide_secret(self.token)
        # Where the repository starts, SITE_DIR's place in it and the branch: read when publishing.
        self.top = self.git
        self.prefix = ""
        self.branch_name = ""
        self.auth: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GitPublisher:
        return cls(crawler)

    def publish(self, record: RunRecord) -> Published:
        """Commit (and push) what the record says was written; answer what was done.

        The record is the ledger's: read here, never changed (the ledger adds the answer).
        """
        published = Published()
        written = [outcome for outcome in record.lists if outcome.status == WRITTEN]
        if not written:
            return published
        problems: list[str] = []
        try:
            with self._publish_lock():
                busy = in_progress(self.git)
                if busy:
                    raise GitError(
                        f"{busy} is in progress in {self.site}: nothing committed or pushed"
                        " (finish or abort it, then run again)"
                    )
                self.top = self.git.at(Path(self.git("rev-parse", "--show-toplevel").stdout.strip()))
                self.prefix = self.git("rev-parse", "--show-prefix").stdout.strip()
                plans = [self._plan(outcome) for outcome in written]
                problems += [plan.problem for plan in plans if plan.problem]
                ready = [plan for plan in plans if not plan.problem]
                shared = self._shared(record.shared_files)
                self._store([change for plan in ready for change in plan.changes] + shared)
                chain = (
                    self._to_remote(ready, shared) if self.push_enabled else self._to_branch(ready, shared)
                )
                published.commits.update(chain.messages)
                problems += chain.refused
        except Exception as exc:  # a git failure, or git missing, hanging, printing bytes…
            problems.append(str(exc) if isinstance(exc, GitError) else f"{type(exc).__name__}: {exc}")
        if problems:
            published.error = mask_credentials("; ".join(problems))
            logger.error("Publishing failed: %s", published.error)
        return published

    # --- what this run wrote ------------------------------------------------

    def _hide_remote_urls(self) -> None:
        """Whatever URL the remote stands for is masked, and each credential in it on its own
        (a token in .git/config, which a server may echo without the URL)."""
        for url in remote_urls(self.site, self.remote):
            hide_url_credentials(url)

    def _relative(self, path: str) -> PurePosixPath:
        try:
            return PurePosixPath(*Path(path).relative_to(self.site).parts)
        except ValueError:
            raise UnsafePathError("outside SITE_DIR") from None

    def _plan(self, outcome: ListOutcome) -> _Plan:
        """The list's files as this run wrote them (exactly those bytes), and its removals."""
        changes, problems = [], []
        for path in outcome.files:
            shown = path
            try:
                relative = self._relative(path)
                shown = str(relative)
                data = read_regular(self.site, relative)
            except (UnsafePathError, OSError) as exc:
                problems.append(f"{shown}: {exc}")
                continue
            if data is None:
                problems.append(f"{shown} is gone from SITE_DIR since this run wrote it")
                continue
            recorded = outcome.written.get(path)
            if recorded is not None and _sha256(data) != recorded:
                problems.append(
                    f"{shown} was replaced in SITE_DIR since this run wrote it by another run of"
                    " hfpapers (which publishes its own)"
                    if seal_of(data) is Seal.INTACT
                    else f"{shown} changed in SITE_DIR since this run wrote it (someone else's edit)"
                )
                continue
            changes.append(_Change(self.prefix + shown, shown, data, outcome.before.get(path, _UNRECORDED)))
        for path in outcome.removed:
            shown = path
            try:
                relative = self._relative(path)
                shown = str(relative)
                back = read_regular(self.site, relative) is not None
            except (UnsafePathError, OSError):
                back = True
            if back:
                problems.append(f"{shown} is back in SITE_DIR since this run removed it")
                continue
            changes.append(_Change(self.prefix + shown, shown, None, outcome.before.get(path, _UNRECORDED)))
        plan = _Plan(outcome, changes)
        if problems:
            plan.problem = f"{outcome.key} not committed: {'; '.join(problems)}"
        return plan

    def _shared(self, paths: list[str]) -> list[_Change]:
        """The files the run wrote for all its lists, as they are now; one that is not a regular
        file inside SITE_DIR is left out, with a warning (it is nobody's post)."""
        changes = []
        for path in paths:
            shown = path
            try:
                relative = self._relative(path)
                shown = str(relative)
                data = read_regular(self.site, relative)
            except (UnsafePathError, OSError) as exc:
                logger.warning("%s not committed: %s", shown, exc)
                continue
            if data is not None:
                changes.append(_Change(self.prefix + shown, shown, data))
        return changes

    def _store(self, changes: list[_Change]) -> None:
        """Each change's bytes as a git object, exactly (no filter applies)."""
        with tempfile.TemporaryDirectory(prefix="hfpapers-blobs-") as tmp:
            files = []
            for n, change in enumerate(changes):
                if change.data is not None:
                    files.append(Path(tmp) / str(n))
                    files[-1].write_bytes(change.data)
            if not files:
                return
            names = "".join(f"{file}\n" for file in files)
            blobs = iter(
                self.top("hash-object", "-w", "--no-filters", "--stdin-paths", input=names).stdout.split()
            )
        for change in changes:
            if change.data is not None:
                change.blob = next(blobs)

    def _blob(self, data: bytes) -> str:
        return self.top.output("hash-object", "-w", "--no-filters", "--stdin", input=data).decode().strip()

    # --- what a commit holds -----------------------------------------------

    def _entries(self, commit: str | None, paths: list[str]) -> dict[str, _Entry]:
        """Path -> what ``commit`` holds there. A path under something that is no folder
        (a symbolic link, a file, a submodule) and an entry that is no regular file are
        ``foreign``: never ours to replace."""
        entries = {path: _Entry() for path in paths}
        if commit is None or not paths:
            return entries
        folders = sorted({str(parent) for path in paths for parent in PurePosixPath(path).parents} - {"."})
        if folders:
            checked = self.top("cat-file", "--batch-check", input="".join(f"{commit}:{f}\n" for f in folders))
            answers = checked.stdout.splitlines()  # "<id> <type> <size>", or "<name> missing"
            kinds = {
                folder: "missing" if answer.endswith(" missing") else answer.split()[1]
                for folder, answer in zip(folders, answers, strict=True)
            }
            # A submodule's commit is not in this repository: "missing" too. The highest of the
            # missing folders sit in trees, where ls-tree shows a submodule's entry.
            highest = [
                f
                for f in folders
                if kinds[f] == "missing" and kinds.get(str(PurePosixPath(f).parent)) != "missing"
            ]
            if highest:
                for line in filter(
                    None, self.top("ls-tree", "-z", "--full-tree", commit, "--", *highest).stdout.split("\0")
                ):
                    meta, folder = line.split("\t", 1)
                    kinds[folder] = meta.split()[1]
        else:
            kinds = {}
        listed = self.top("ls-tree", "-z", "--full-tree", commit, "--", *paths).stdout
        for line in filter(None, listed.split("\0")):
            meta, path = line.split("\t", 1)
            mode, _, blob = meta.split()
            entries[path] = _Entry(mode, blob, foreign=mode not in _REGULAR_MODES)
        for path in paths:
            if any(kinds.get(str(p), "tree") not in ("tree", "missing") for p in PurePosixPath(path).parents):
                entries[path] = _Entry(foreign=True)
        return entries

    def _content(self, blob: str) -> bytes | None:
        """A blob's bytes, or None when it is too big to be anything of ours."""
        if int(self.top("cat-file", "-s", blob).stdout.strip()) > MAX_READ_BYTES:
            return None
        return self.top.output("cat-file", "blob", blob)

    def _replaceable(self, change: _Change, theirs: _Entry, known: _Entry) -> bool:
        """Whether the version ``theirs`` may be replaced by this run's: it is this run's, the one
        this run replaced, or the one this clone knows (``known``: HEAD's). Anything else is
        someone else's work (an edit on the remote, a post withdrawn there)."""
        if theirs.foreign:
            return False
        if theirs.blob == change.blob or (not known.foreign and theirs.blob == known.blob):
            return True  # the same bytes (or both absent); or nothing newer than this clone's
        if change.before is _UNRECORDED:
            return False
        if theirs.absent:
            return change.before is None
        content = self._content(theirs.blob)
        return content is not None and _sha256(content) == change.before

    @contextlib.contextmanager
    def _chain(self, base: str | None) -> Iterator[_Chain]:
        """A chain of commits to come on ``base`` (None: the first commit of a branch)."""
        with tempfile.TemporaryDirectory(prefix="hfpapers-index-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.top("read-tree", *([base] if base else ["--empty"]), env=index)
            yield _Chain(base, index, self.top("write-tree", env=index).stdout.strip())

    def _commit(self, chain: _Chain, changes: dict[str, tuple[str, str] | None], message: str) -> bool:
        """A commit of the chain's top with ``changes`` (path -> (mode, blob), or None: removed)
        on top of it; False when that changes nothing."""
        zero = "0" * len(chain.tree)
        lines = "".join(
            f"{entry[0]} {entry[1]}\t{path}\0" if entry else f"0 {zero}\t{path}\0"
            for path, entry in changes.items()
        )
        self.top("update-index", "-z", "--index-info", input=lines, env=chain.index)
        tree = self.top("write-tree", env=chain.index).stdout.strip()
        if tree == chain.tree:
            return False
        parent = ["-p", chain.top] if chain.top else []
        chain.top = self.top("commit-tree", tree, *parent, input=message + "\n").stdout.strip()
        chain.tree = tree
        return True

    def _add_list(self, chain: _Chain, plan: _Plan, known: dict[str, _Entry]) -> None:
        """The list's commit on top of the chain, unless a file of it is someone else's there."""
        outcome = plan.outcome
        if not plan.changes:
            return
        paths = [change.path for change in plan.changes]
        theirs = self._entries(chain.top, paths)
        post = next(
            (c for c in plan.changes if c.data is not None and c.path.endswith(".md")), plan.changes[0]
        )
        existed = theirs[post.path].regular or any(
            change.data is None and theirs[change.path].regular for change in plan.changes
        )
        assert outcome.period is not None  # the ledger's outcomes carry their list
        message = outcome.period.commit_message(outcome.papers, refresh=existed)
        odd = [c.shown for c in plan.changes if theirs[c.path].foreign]
        changed = [
            c
            for c in plan.changes
            if not theirs[c.path].foreign and not self._replaceable(c, theirs[c.path], known[c.path])
        ]
        where = "on the remote" if self.push_enabled else f"in {self.branch_name}"
        reasons = []
        if changed:
            reasons.append(self._why_not_replaced(chain, changed, theirs))
        if odd:
            reasons.append(f"{', '.join(odd)} is a symbolic link or no regular file {where} (it stays)")
        if reasons:
            done = "pushed" if self.push_enabled else "committed"
            chain.refused.append(f"{message} not {done}: {'; '.join(reasons)}")
            return
        changes = {
            c.path: ((theirs[c.path].mode or "100644"), c.blob) if c.data is not None else None
            for c in plan.changes
        }
        if not self._commit(chain, changes, message):
            logger.info("%s: nothing changed, no commit", outcome.key)
            return
        chain.messages[outcome.key] = message
        chain.subjects.append(message)

    def _why_not_replaced(self, chain: _Chain, changed: list[_Change], theirs: dict[str, _Entry]) -> str:
        """Why the remote's version of ``changed`` is not this run's to replace, as it is: this
        clone's own commits the remote lacks (the remote moved back past what it took from
        hfpapers, or commits not pushed), or the remote's work since this clone's version;
        and what brings them together. A pull cannot help where this clone is ahead, nor
        while this run's files stand where the pull would write."""
        shown = ", ".join(c.shown for c in changed)
        ahead = self._ahead_of(chain.base)
        if ahead == "published":
            return (
                f"{shown} is not on the remote as this clone has it: the remote's branch moved back past"
                " commits it took from hfpapers (a force-push, or a remote that dropped them); what it"
                " holds now stays. Reset this clone's branch to the remote's, then run again"
            )
        if ahead == "unpushed":
            return (
                f"{shown} differs on the remote by commits of this clone's that the remote lacks (not"
                " pushed; it stays as it is there): push them, or reset this clone's branch to the"
                " remote's, then run again"
            )
        if all(theirs[c.path].absent for c in changed):
            what = f"{shown} is no longer on the remote (removed there since this clone's version)"
        else:
            what = f"{shown} changed on the remote since this clone's version (someone else's change)"
        return (
            f"{what}, which stays: bring this clone's branch to the remote's (this run's files for the"
            " list stand where a pull writes: remove them first), then run again"
        )

    def _ahead_of(self, tip: str | None) -> str:
        """How HEAD stands to the remote's tip: "published" when it has commits beyond it that
        the remote once took (the branch moved to them after a push: the remote moved back),
        "unpushed" when it has others beyond it, "" when it is not ahead of it."""
        head = self._head()
        if not self.push_enabled or tip is None or head is None or head == tip:
            return ""
        if self.git("merge-base", "--is-ancestor", tip, head, check=False).returncode != 0:
            return ""
        beyond = set(self.git("rev-list", f"{tip}..{head}").stdout.split())
        ref = f"refs/heads/{self.branch_name}"
        log = self.git("log", "-g", "--format=%H %gs", ref, "--", check=False).stdout.splitlines()
        pushed = {line.split(" ", 1)[0] for line in log if line.endswith(f" {PUBLISHED_MOVE}")}
        return "published" if beyond & pushed else "unpushed"

    def _add_shared(self, chain: _Chain, shared: list[_Change], known: dict[str, _Entry]) -> None:
        """The summaries cache's commit: this run's file where the remote has the version this
        clone knows (or this run's); else the remote's version with this run's answers added by
        key (another clone's answers, an entry the owner removed or edited there, a cache they
        deleted: all stay), the remote's entries winning; left out, with a warning, when the
        remote's is no JSON object (its version stays)."""
        if not shared:
            return
        theirs = self._entries(chain.top, [change.path for change in shared])
        answers = self._answers_of_this_run()
        changes: dict[str, tuple[str, str] | None] = {}
        for change in shared:
            entry = theirs[change.path]
            if not entry.foreign and entry.blob in (change.blob, known[change.path].blob):
                changes[change.path] = (entry.mode or "100644", change.blob)
                continue
            merged = None if entry.foreign else self._merged(entry.blob, answers.get(change.path, {}))
            if merged is None:
                logger.warning(
                    "Not pushing %s: the remote's is %s; the remote's version stays, and summaries"
                    " missing from it are asked for again",
                    change.shown,
                    "no regular file" if entry.foreign else "no JSON object this run can merge with",
                )
                continue
            if merged == b"":
                continue  # this run has nothing to add to the remote's
            if merged != change.data:
                chain.merged[change.path] = merged
            changes[change.path] = (entry.mode or "100644", self._blob(merged))
        if not (changes and self._commit(chain, changes, SHARED_MESSAGE)):
            logger.info("the shared files: nothing changed, no commit")
            return
        chain.subjects.append(SHARED_MESSAGE)

    def _answers_of_this_run(self) -> dict[str, dict[str, Any]]:
        """Path from the repository's top -> the entries this run saved in that shared file
        (the summaries cache: the answers it got); none without a crawl."""
        try:
            pipeline = self.crawler.get_item_pipeline(KoreanSummaryPipeline)
        except RuntimeError:  # no engine: nothing of this run's was asked
            return {}
        if pipeline is None:
            return {}
        summarizer = pipeline.summarizer
        try:
            path = self.prefix + str(self._relative(str(summarizer.path)))
        except UnsafePathError:
            return {}
        return {path: dict(summarizer.saved)}

    def _merged(self, blob: str, answers: dict[str, Any]) -> bytes | None:
        """The remote's JSON object (none: {}) with ``answers`` it lacks, as the cache writes it;
        b"" when that adds nothing; None when the remote's is no JSON object."""
        remote = self._content(blob) if blob else b"{}"
        try:
            if remote is None:
                return None
            theirs = loads_bounded(remote, max_bytes=MAX_READ_BYTES)
            if not isinstance(theirs, dict):
                return None
            merged: dict[str, Any] = {**answers, **theirs}
            if merged == theirs:
                return b""
            return (json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
        except (ValueError, UnsafeInputError, UnicodeError, RecursionError):
            return None

    # --- with PUBLISH_PUSH: on the remote's tip ----------------------------

    def _to_remote(self, plans: list[_Plan], shared: list[_Change]) -> _Chain:
        self._hide_remote_urls()  # before git talks to it: a server may print anything back
        branch = self.branch or self._checked_out_branch()
        self.branch_name = branch
        self.auth = self._auth()
        head = self._head()
        paths = [c.path for plan in plans for c in plan.changes] + [c.path for c in shared]
        known = self._entries(head, paths)
        for attempt in range(self.retries + 1):
            tip = self._fetch(branch)
            if tip is None and head is not None:
                raise GitError(
                    f"the remote {mask_credentials(self.remote)} has no branch {branch}: push it once"
                    " yourself (publishing adds to the remote's branch, never pushes this clone's commits)"
                )
            with self._chain(tip) as chain:
                for plan in plans:
                    self._add_list(chain, plan, known)
                self._add_shared(chain, shared, known)
            if chain.top == tip:
                if tip is not None:
                    self._catch_up(branch, tip, plans, shared, chain, pushed=False)
                return chain
            assert chain.top is not None
            try:
                proc = self.git(
                    "push", self.remote, f"{chain.top}:refs/heads/{branch}", check=False, env=self.auth
                )
                failure = git_reason(proc) if proc.returncode != 0 else ""
            except GitError as exc:  # it took too long: it may have got there all the same
                proc, failure = None, str(exc)
            if not failure:
                logger.info(
                    "Pushed to %s %s: %s", mask_credentials(self.remote), branch, "; ".join(chain.subjects)
                )
                self._catch_up(branch, chain.top, plans, shared, chain)
                return chain
            rejected = proc is not None and any(marker in proc.stderr for marker in _REJECTED)
            if not rejected:
                landed, unknown = self._landed(branch, chain.top)
                if landed:
                    logger.warning(
                        "git push to %s reported a failure (%s), but the remote's %s has this run's"
                        " commits: published",
                        mask_credentials(self.remote),
                        mask_credentials(failure),
                        branch,
                    )
                    self._catch_up(branch, chain.top, plans, shared, chain)
                    return chain
                if unknown:
                    raise GitError(
                        f"push to {mask_credentials(self.remote)} failed: {mask_credentials(failure)};"
                        f" whether the remote took it is unknown (asking it failed too: {unknown}):"
                        " the files stay in SITE_DIR, and a later run of these lists publishes them"
                        " if it did not"
                    )
            if not rejected or attempt == self.retries:
                break
            logger.warning(
                "Push rejected (the remote moved on): building the commits again on its tip, try %d",
                attempt + 2,
            )
        raise GitError(
            f"push to {mask_credentials(self.remote)} failed: {mask_credentials(failure)};"
            " nothing was published: the files stay in SITE_DIR, and a later run of these lists"
            " publishes them"
        )

    def _landed(self, branch: str, top: str) -> tuple[bool, str]:
        """After a push that failed: whether the remote's branch holds ``top`` all the same (the
        connection dropped after the remote took it); and why the remote could not be asked
        ("" when it answered)."""
        try:
            tip = self._fetch(branch)
        except GitError as exc:
            return False, str(exc)
        if tip is None:
            return False, ""
        return self.git("merge-base", "--is-ancestor", top, tip, check=False).returncode == 0, ""

    def _checked_out_branch(self) -> str:
        ref = self.git("symbolic-ref", "-q", "HEAD", check=False).stdout.strip()
        if not ref.startswith("refs/heads/"):
            raise GitError(f"HEAD is detached in {self.site}: {DETACHED}")
        return ref.removeprefix("refs/heads/")

    def _head(self) -> str | None:
        proc = self.git("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def _fetch(self, branch: str) -> str | None:
        """The remote branch's tip, fetched; None when the remote has no such branch."""
        proc = self.git(
            "fetch",
            "--quiet",
            "--no-tags",
            self.remote,
            f"refs/heads/{branch}",
            check=False,
            env=self.auth,
        )
        if proc.returncode != 0:
            if "couldn't find remote ref" in proc.stderr:
                return None
            raise GitError(
                f"fetch from {mask_credentials(self.remote)} failed: {mask_credentials(git_reason(proc))}"
            )
        return self.git("rev-parse", "--verify", "FETCH_HEAD^{commit}").stdout.strip()

    def _auth(self) -> dict[str, str]:
        """Git's environment for talking to the remote: with PUBLISH_GIT_TOKEN set, a credential
        helper for the remote's hosts alone, which reads the token from the environment when
        the server asks. Never on a command line (ps shows those) nor in a file; the helpers
        the user configured are set aside for these hosts, so none of them stores the token.
        Never over plain http to another machine."""
        if not self.token:
            return {}
        urls = remote_urls(self.site, self.remote)
        refused = plain_http_refusal(urls)
        if refused:
            raise GitError(refused)
        helper = (
            f'!f() {{ test "$1" = get || return 0; echo username={TOKEN_USER};'
            f' printf "password=%s\\n" "${TOKEN_VARIABLE}"; }}; f'
        )
        env: dict[str, str] = {}
        scopes: list[str] = []
        for url in urls:
            origin = _http_origin(url)
            if origin and f"credential.{origin}.helper" not in scopes:
                scopes.append(f"credential.{origin}.helper")
        if not scopes:
            logger.warning("%s is set, but the remote is no https URL: the token is not used", TOKEN_VARIABLE)
            return {}
        # GIT_CONFIG_COUNT (git 2.31+): configuration from the environment, after the user's own.
        for n, (scope, value) in enumerate((scope, value) for scope in scopes for value in ("", helper)):
            env[f"GIT_CONFIG_KEY_{n}"] = scope  # "": forget the helpers configured before
            env[f"GIT_CONFIG_VALUE_{n}"] = value
        env["GIT_CONFIG_COUNT"] = str(2 * len(scopes))
        return env

    def _catch_up(
        self,
        branch: str,
        target: str,
        plans: list[_Plan],
        shared: list[_Change],
        chain: _Chain,
        pushed: bool = True,
    ) -> None:
        """Move the checked-out branch to ``target`` (what the remote now has), only when HEAD
        is an ancestor of it and the move changes nothing of the owner's: no file of theirs
        in the way, nothing of theirs staged. This run's own files already hold the pushed
        bytes (the summaries cache may take the merged version, while it is still this run's)."""
        if self.git("symbolic-ref", "-q", "HEAD", check=False).stdout.strip() != f"refs/heads/{branch}":
            return  # a detached CI checkout, or another branch: not ours to move
        head = self._head()
        if head == target:
            return
        try:
            why = self._move_branch(head, target, plans, shared, chain)
        except (GitError, OSError) as exc:  # what was pushed stays pushed: the move is an extra
            why = str(exc)
        if why:
            logger.warning(
                "The local branch %s stays at %s (%s): %s",
                branch,
                (head or "no commit")[:10],
                why,
                "the remote has this run's commits; pull when you are ready"
                if pushed
                else f"this run pushed nothing, and the remote's {branch} is at {target[:10]}",
            )

    def _move_branch(
        self, head: str | None, target: str, plans: list[_Plan], shared: list[_Change], chain: _Chain
    ) -> str:
        """Bring the index and work tree from ``head`` to ``target``, and the branch with them;
        "" when done, else why not (nothing changed then)."""
        if (
            head is not None
            and self.git("merge-base", "--is-ancestor", head, target, check=False).returncode != 0
        ):
            return "it has commits the remote lacks"
        ours = [c for plan in plans for c in plan.changes] + shared
        paths = [c.path for c in ours]
        pushed = self._entries(target, paths)
        before = self._entries(head, paths)
        staged = self._staged(head, ours, self._entries(chain.base, paths))
        sync: dict[str, tuple[str, str] | None] = {}
        rewrite: dict[str, bytes] = {}
        for change in ours:
            entry = pushed[change.path]
            if entry.same(before[change.path]):
                continue  # the move leaves it alone, and whatever the work tree holds there
            if entry.foreign:
                return f"{change.shown} is no regular file in the pushed commit"
            try:
                now = read_regular(self.top.work_tree, PurePosixPath(change.path))
            except (UnsafePathError, OSError) as exc:
                return f"{change.shown}: {exc}"
            if now != change.data:
                return f"{change.shown} changed in SITE_DIR since this run wrote it"
            if change.path in chain.merged:
                rewrite[change.path] = chain.merged[change.path]  # still this run's: it takes the merge
            elif entry.blob != change.blob:  # (both "" for a file removed here and there)
                return f"{change.shown} differs from the pushed version"
            if change.path in staged:
                return f"{change.shown} has changes staged"
            sync[change.path] = None if entry.absent else (entry.mode, entry.blob)
        lines = "".join(
            f"{e[0]} {e[1]}\t{p}\0" if e else f"0 {'0' * len(target)}\t{p}\0" for p, e in sync.items()
        )
        start = head or self._empty_tree()
        index = Path(self.top.work_tree, self.top("rev-parse", "--git-path", "index").stdout.strip())
        with tempfile.TemporaryDirectory(prefix="hfpapers-index-") as tmp:
            trial = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if index.exists():
                shutil.copyfile(index, trial["GIT_INDEX_FILE"])
            if lines:
                self.top("update-index", "-z", "--index-info", input=lines, env=trial)
            tried = self.top("read-tree", "-m", "-u", "-n", start, target, check=False, env=trial)
            if tried.returncode != 0:
                return git_reason(tried)
        for path, data in rewrite.items():
            _replace(self.top.work_tree / path, data)
        if lines:
            self.top("update-index", "-z", "--index-info", input=lines)
        moved = self.top("read-tree", "-m", "-u", start, target, check=False)
        if moved.returncode != 0:
            undo = "".join(
                f"{e.mode} {e.blob}\t{p}\0" if not e.absent else f"0 {'0' * len(target)}\t{p}\0"
                for p, e in before.items()
                if p in sync
            )
            self.top("update-index", "-z", "--index-info", input=undo, check=False)
            return git_reason(moved)
        ref = f"refs/heads/{self.branch_name}"
        updated = self.top(
            "update-ref", "-m", PUBLISHED_MOVE, ref, target, head or "0" * len(target), check=False
        )
        if updated.returncode != 0:  # the branch moved meanwhile: the index and files go back with it
            self.top("read-tree", "-m", "-u", target, start, check=False)
            return git_reason(updated)
        self.top("update-index", "-q", "--refresh", check=False)
        return ""

    def _staged(
        self,
        head: str | None,
        changes: list[_Change],
        tip: dict[str, _Entry] | None = None,
        env: dict[str, str] | None = None,
    ) -> list[str]:
        """The changes' paths where the owner's index (or ``env``'s) stages a change of theirs
        over ``head``. An entry that holds the version this run replaced (hfpapers' own, as the
        writer found it) or the remote's tip's (what the last run pushed) is none: a run killed
        between moving the index and the branch left it."""
        paths = [change.path for change in changes]
        if not paths:
            return []
        listed = self.top(
            "diff-index", "--cached", "--name-only", "-z", head or self._empty_tree(), "--", *paths, env=env
        )
        staged = [path for path in listed.stdout.split("\0") if path]
        if not staged:
            return []
        index = _index_entries(self.top, staged, env)
        owners = []
        for change in changes:
            if change.path not in staged:
                continue
            entry = index[change.path]
            if tip is not None and entry.same(tip[change.path]):
                continue
            if entry.regular and isinstance(change.before, str):
                content = self._content(entry.blob)
                if content is not None and _sha256(content) == change.before:
                    continue
            owners.append(change.path)
        return owners

    def _empty_tree(self) -> str:
        return self.top("hash-object", "-w", "-t", "tree", "--stdin", input="").stdout.strip()

    # --- without PUBLISH_PUSH: on the checked-out branch --------------------

    def _to_branch(self, plans: list[_Plan], shared: list[_Change]) -> _Chain:
        branch = self._checked_out_branch()
        self.branch_name = branch
        head = self._head()
        ours = [c for plan in plans for c in plan.changes] + shared
        paths = [c.path for c in ours]
        known = self._entries(head, paths)
        with self._chain(head) as chain:
            for plan in plans:
                self._add_list(chain, plan, known)
            self._add_shared(chain, shared, known)
        if chain.top == head:
            return chain
        assert chain.top is not None
        # The owner's index keeps what they staged; our paths take the commit, as after `git commit`.
        # The index first, then the branch: a run stopped between the two leaves its files staged
        # over HEAD (the next run knows them as its own), never a branch ahead of an index that
        # would undo the commit with the owner's next one. While a git command of the owner's
        # holds the index (a commit waiting for its message), nothing is committed.
        top = chain.top
        staged: list[str] = []
        committed: dict[str, _Entry] = {}

        def commit(index: dict[str, str]) -> dict[str, _Entry]:
            staged[:] = self._staged(head, ours, env=index)
            committed.clear()
            committed.update(self._entries(top, [path for path in paths if path not in staged]))
            return committed

        def undo(index: dict[str, str]) -> dict[str, _Entry]:  # where it still holds the commit's
            held = _index_entries(self.top, list(committed), index)
            return {path: known[path] for path, entry in committed.items() if held[path].same(entry)}

        self._index_takes(commit)
        moved = self.top(
            "update-ref",
            "-m",
            COMMITTED_MOVE,
            f"refs/heads/{branch}",
            top,
            head or "0" * len(top),
            check=False,
        )
        if moved.returncode != 0:  # the branch moved meanwhile: the index goes back, nothing is committed
            try:
                self._index_takes(undo)
            except GitError as exc:
                logger.warning("git's index still stages this run's files: %s", exc)
            raise GitError(f"nothing committed: {branch} moved meanwhile ({git_reason(moved)})")
        for subject in chain.subjects:
            logger.info("Committed %s", subject)
        for path in staged:
            logger.warning(
                "%s had changes staged in git: they stay staged (`git restore --staged %s` drops them)",
                path,
                path,
            )
        return chain

    def _index_takes(self, choose: Callable[[dict[str, str]], dict[str, _Entry]]) -> None:
        """The checkout's index takes the entries ``choose`` picks, reading a copy of it (given
        the copy's environment), with the work tree's file stats; an absent entry removes its
        path. Made on the copy, which replaces the index under git's own lock (``index.lock``,
        taken as git takes it) when the index is still as it was copied. Raises `GitError`
        when a git command holds that lock, or the index keeps changing."""
        index = Path(self.top("rev-parse", "--path-format=absolute", "--git-path", "index").stdout.strip())
        width = 64 if self.top("rev-parse", "--show-object-format").stdout.strip() == "sha256" else 40
        for _ in range(3):
            was = _read_index(index)
            with tempfile.TemporaryDirectory(prefix="hfpapers-index-") as tmp:
                copy = Path(tmp) / "index"
                if was is not None:
                    copy.write_bytes(was)
                env = {"GIT_INDEX_FILE": str(copy)}
                entries = choose(env)
                if entries:
                    zero = "0" * width
                    lines = "".join(
                        f"0 {zero}\t{path}\0" if entry.absent else f"{entry.mode} {entry.blob}\t{path}\0"
                        for path, entry in entries.items()
                    )
                    self.top("update-index", "-z", "--index-info", input=lines, env=env)
                    self.top("update-index", "-q", "--refresh", check=False, env=env)
                if _replace_locked(index, was, copy.read_bytes() if copy.exists() else None):
                    return
        raise GitError(f"git's index in {self.top.work_tree} kept changing while this run committed")

    @contextlib.contextmanager
    def _publish_lock(self) -> Iterator[None]:
        """One run at a time commits and pushes in this repository; the next one waits,
        at most PUBLISH_TIMEOUT."""
        # The common git folder: the linked worktrees of one repository share its refs, and take turns.
        git_dir = Path(self.git("rev-parse", "--path-format=absolute", "--git-common-dir").stdout.strip())
        with (git_dir / PUBLISH_LOCK).open("a") as lock:
            if _held_elsewhere(lock):
                logger.info("Waiting for another run to finish publishing in %s", self.site)
            with exclusive(lock, self.git.timeout, poll=0.2) as held:
                if not held:
                    raise GitError(
                        f"another run kept publishing in {self.site} for {self.git.timeout:g} s"
                        " (PUBLISH_TIMEOUT)"
                    )
                yield


def _http_origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL; "" for any other remote."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""  # git refuses it too
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme.lower()}://{parts.hostname}{port}"


def _replace(path: Path, data: bytes) -> None:
    """``path`` takes ``data``, atomically (a file of this run's, replaced by the pushed version)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
