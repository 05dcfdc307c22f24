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
are pushed (never forced); a rejected push fetches and builds them again. No
earlier commit is ever pushed again, the owner's local commits never at all.
A file the remote holds in a version that is neither the one this run replaced
nor this run's (the owner's edit there, a post withdrawn) is not overwritten:
that list is not pushed and the run fails. The local branch then moves to what
was pushed only when that changes nothing of the owner's. Without
``PUBLISH_PUSH`` the commits go on the checked-out branch. Nothing is committed
while a merge, cherry-pick, revert, rebase or bisect is in progress, nor a file
that is a symbolic link, no regular file, outside SITE_DIR, or changed since
this run wrote it. Two runs on one repository take turns (a lock in its git
folder). Credentials are masked in every log message and traceback.
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
from collections.abc import Iterator
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
    install_credential_masking,
    mask_credentials,
    plain_http_refusal,
)
from hfpapers.gitrepo import DETACHED, PUBLISH_LOCK, Git, GitError, git_reason, in_progress, remote_urls
from hfpapers.outcome import WRITTEN, ListOutcome, Published, RunRecord
from hfpapers.safeio import UnsafeInputError, exclusive, loads_bounded
from hfpapers.site import Site

logger = logging.getLogger(__name__)

# A push that lost a race: the remote moved on before it (rejected as no fast-forward), or while
# it was under way (the remote's ref no longer at the tip it started from).
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "cannot lock ref", "(failed to update ref)")
# The commit holding the files a run writes for all its lists (the summaries cache).
SHARED_MESSAGE = "Korean summaries cache"
_REGULAR_MODES = ("100644", "100755")
# A file of the run's, or the remote's at its path, is read whole: one this big is nobody's post.
MAX_READ_BYTES = 64 * 1024 * 1024
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
            self._hide_remote_urls()
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
        """Whatever URL the remote's name stands for is masked too (a token in .git/config)."""
        for option in (["--all"], ["--push", "--all"]):
            for url in self.git("remote", "get-url", *option, self.remote, check=False).stdout.splitlines():
                hide_remote(url)

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
                problems.append(f"{shown} changed in SITE_DIR since this run wrote it (someone else's edit)")
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
            c.shown
            for c in plan.changes
            if not theirs[c.path].foreign and not self._replaceable(c, theirs[c.path], known[c.path])
        ]
        where = "on the remote" if self.push_enabled else f"in {self.branch_name}"
        reasons = []
        if changed:
            reasons.append(
                f"{', '.join(changed)} changed {where} since this clone's version (someone else's"
                " change, which stays: pull, then run again to refresh it)"
            )
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

    def _add_shared(self, chain: _Chain, shared: list[_Change], known: dict[str, _Entry]) -> None:
        """The summaries cache's commit: this run's file where the remote has none or the one this
        clone knows; merged with the remote's by key where it changed there (another clone's
        answers), the remote's entries winning; left out, with a warning, when the remote's is
        no JSON object (its version stays)."""
        if not shared:
            return
        theirs = self._entries(chain.top, [change.path for change in shared])
        changes: dict[str, tuple[str, str] | None] = {}
        for change in shared:
            entry = theirs[change.path]
            if not entry.foreign and (entry.absent or entry.blob in (change.blob, known[change.path].blob)):
                changes[change.path] = (entry.mode or "100644", change.blob)
                continue
            merged = None if entry.foreign else self._merged(change, entry.blob)
            if merged is None:
                logger.warning(
                    "Not pushing %s: the remote's is %s; the remote's version stays, and summaries"
                    " missing from it are asked for again",
                    change.shown,
                    "no regular file" if entry.foreign else "no JSON object this run can merge with",
                )
                continue
            if merged != change.data:
                chain.merged[change.path] = merged
            changes[change.path] = (entry.mode, self._blob(merged))
        if not (changes and self._commit(chain, changes, SHARED_MESSAGE)):
            logger.info("the shared files: nothing changed, no commit")
            return
        chain.subjects.append(SHARED_MESSAGE)

    def _merged(self, change: _Change, blob: str) -> bytes | None:
        """The remote's JSON object with this run's keys it lacks, as the cache writes it; None
        when either is no JSON object."""
        remote = self._content(blob)
        try:
            if remote is None or change.data is None:
                return None
            theirs, ours = (loads_bounded(data, max_bytes=MAX_READ_BYTES) for data in (remote, change.data))
            if not isinstance(theirs, dict) or not isinstance(ours, dict):
                return None
            merged: dict[str, Any] = {**ours, **theirs}
            if merged == ours:
                return change.data
            return (json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
        except (ValueError, UnsafeInputError, UnicodeError, RecursionError):
            return None

    # --- with PUBLISH_PUSH: on the remote's tip ----------------------------

    def _to_remote(self, plans: list[_Plan], shared: list[_Change]) -> _Chain:
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
                    self._catch_up(branch, tip, plans, shared, chain)
                return chain
            assert chain.top is not None
            proc = self.git(
                "push", self.remote, f"{chain.top}:refs/heads/{branch}", check=False, env=self.auth
            )
            if proc.returncode == 0:
                logger.info(
                    "Pushed to %s %s: %s", mask_credentials(self.remote), branch, "; ".join(chain.subjects)
                )
                self._catch_up(branch, chain.top, plans, shared, chain)
                return chain
            rejected = any(marker in proc.stderr for marker in _REJECTED)
            if not rejected or attempt == self.retries:
                break
            logger.warning(
                "Push rejected (the remote moved on): building the commits again on its tip, try %d",
                attempt + 2,
            )
        raise GitError(
            f"push to {mask_credentials(self.remote)} failed: {mask_credentials(git_reason(proc))};"
            " nothing was published: the files stay in SITE_DIR, and a later run of these lists"
            " publishes them"
        )

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
        self, branch: str, target: str, plans: list[_Plan], shared: list[_Change], chain: _Chain
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
                "The local branch %s stays at %s (%s): the remote has this run's commits;"
                " pull when you are ready",
                branch,
                (head or "no commit")[:10],
                why,
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
        staged = self._staged(head, paths)
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
            "update-ref", "-m", "hfpapers: published", ref, target, head or "0" * len(target), check=False
        )
        if updated.returncode != 0:  # the branch moved meanwhile: the index and files go back with it
            self.top("read-tree", "-m", "-u", target, start, check=False)
            return git_reason(updated)
        self.top("update-index", "-q", "--refresh", check=False)
        return ""

    def _staged(self, head: str | None, paths: list[str]) -> list[str]:
        """Those of ``paths`` where the owner's index differs from ``head``."""
        if not paths:
            return []
        listed = self.top(
            "diff-index", "--cached", "--name-only", "-z", head or self._empty_tree(), "--", *paths
        )
        return [path for path in listed.stdout.split("\0") if path]

    def _empty_tree(self) -> str:
        return self.top("hash-object", "-w", "-t", "tree", "--stdin", input="").stdout.strip()

    # --- without PUBLISH_PUSH: on the checked-out branch --------------------

    def _to_branch(self, plans: list[_Plan], shared: list[_Change]) -> _Chain:
        branch = self._checked_out_branch()
        self.branch_name = branch
        head = self._head()
        paths = [c.path for plan in plans for c in plan.changes] + [c.path for c in shared]
        known = self._entries(head, paths)
        with self._chain(head) as chain:
            for plan in plans:
                self._add_list(chain, plan, known)
            self._add_shared(chain, shared, known)
        if chain.top == head:
            return chain
        assert chain.top is not None
        # The owner's index keeps what they staged; our paths take the commit, as after `git commit`.
        staged = set(self._staged(head, paths))
        self.top(
            "update-ref",
            "-m",
            "hfpapers: published",
            f"refs/heads/{branch}",
            chain.top,
            head or "0" * len(chain.top),
        )
        for subject in chain.subjects:
            logger.info("Committed %s", subject)
        synced = [path for path in paths if path not in staged]
        for path in sorted(set(paths) & staged):
            logger.warning(
                "%s had changes staged in git: they stay staged (`git restore --staged %s` drops them)",
                path,
                path,
            )
        if synced:
            proc = self.top("reset", "-q", "--", *synced, check=False)
            if proc.returncode != 0:
                logger.warning(
                    "Committed, but git's index could not take the new %s (%s): `git reset -- %s` fixes it",
                    ", ".join(synced),
                    git_reason(proc),
                    " ".join(synced),
                )
        return chain

    @contextlib.contextmanager
    def _publish_lock(self) -> Iterator[None]:
        """One run at a time commits and pushes in this repository; the next one waits,
        at most PUBLISH_TIMEOUT."""
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir").stdout.strip())
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
