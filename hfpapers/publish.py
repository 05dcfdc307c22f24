"""`GitPublisher`: commit and push the posts and data files the run wrote.

Settings: ``PUBLISH_GIT`` (on/off), ``PUBLISH_GIT_AUTHOR``, ``PUBLISH_PUSH``,
``PUBLISH_GIT_REMOTE``, ``PUBLISH_GIT_BRANCH``, ``PUBLISH_PUSH_RETRIES`` and
``PUBLISH_TIMEOUT``; settings.py gives each default.

It acts on the `RunRecord` that `ListWriter` sends with the
`lists_written` signal: one commit per list written, holding exactly that
list's files, with a message its `Period` words. Only those files are staged and committed; anybody else's
changes in the work tree stay as they are. Never a force push. When the
remote moved on, our commits are rebuilt on its tip in a temporary index
and pushed from there: the user's work tree, index and stash are never
touched. A push that still fails is an error (exit 1); the commit stays
local and the next run pushes it. Two runs on one repository take turns
(a lock in its git folder). Credentials in a remote URL are masked in every
log message and traceback.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from email.utils import parseaddr
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from hfpapers.outcome import WRITTEN, ListOutcome, RunRecord
from hfpapers.periods import from_key
from hfpapers.signals import lists_written
from hfpapers.site import Site

logger = logging.getLogger(__name__)

# Everything between "://" and the last "@" before the path: also a malformed
# user:SECRET TOKEN@host or user:SECRET@TOKEN@host.
_CREDENTIALS_RE = re.compile(r"(?<=://)[^/]*@")
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first")


def mask_credentials(text: str) -> str:
    """``https://user:token@host`` -> ``https://***@host``."""
    return _CREDENTIALS_RE.sub("***@", text)


def install_credential_masking() -> None:
    """Mask URL credentials in every log record, whatever logger or handler.

    A record factory, not a handler filter: it also covers Scrapy's
    "Overridden settings" dump and the log file Scrapyd keeps for the job.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_credentials", False):
        return

    def masking_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = factory(*args, **kwargs)  # type: ignore[arg-type]
        message = record.getMessage()
        if "@" in message and _CREDENTIALS_RE.search(message):
            # The original args still tell ListWriter which list the record is about.
            record.source_args = record.args  # type: ignore[attr-defined]
            record.msg, record.args = mask_credentials(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters print exc_text when set: the traceback, masked.
            record.exc_text = mask_credentials(logging.Formatter().formatException(record.exc_info))
        return record

    masking_factory.masks_credentials = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)


class GitError(Exception):
    pass


class Git:
    def __init__(self, work_tree: Path, author: str, timeout: float):
        self.work_tree = work_tree
        name, self.email = parseaddr(author)
        self.identity = ["-c", f"user.name={name or 'hfpapers bot'}", "-c", f"user.email={self.email}"]
        self.timeout = timeout

    def at(self, work_tree: Path) -> Git:
        """The same git, run in another folder of the repository."""
        other = Git(work_tree, "", self.timeout)
        other.identity, other.email = self.identity, self.email
        return other

    def __call__(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        try:
            proc = subprocess.run(
                ["git", "-C", str(self.work_tree), *self.identity, *args],
                capture_output=True,
                text=True,
                errors="replace",  # a hook may print anything
                timeout=self.timeout,
                # The user's git config, credential helpers and SSH keys apply; prompts never.
                env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
            )
        except subprocess.TimeoutExpired:
            # Not the exception's own text: it holds the command, remote URL and all.
            raise GitError(f"git {args[0]} took longer than {self.timeout:g} s (PUBLISH_TIMEOUT)") from None
        if check and proc.returncode != 0:
            raise GitError(f"git {args[0]} failed: {mask_credentials(last_line(proc))}")
        return proc


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit status {proc.returncode}"


def is_work_tree(path: Path) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True
    )
    return proc.returncode == 0 and proc.stdout.strip() == "true"


class GitPublisher:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("PUBLISH_GIT"):
            raise NotConfigured
        install_credential_masking()
        self.crawler = crawler
        self.site = Site.from_settings(settings).root
        self.git = Git(self.site, settings.get("PUBLISH_GIT_AUTHOR"), settings.getfloat("PUBLISH_TIMEOUT"))
        self.push_enabled = settings.getbool("PUBLISH_PUSH")
        self.remote = settings.get("PUBLISH_GIT_REMOTE")
        self.branch = settings.get("PUBLISH_GIT_BRANCH")
        self.retries = settings.getint("PUBLISH_PUSH_RETRIES")
        crawler.signals.connect(self.publish, signal=lists_written)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GitPublisher:
        return cls(crawler)

    def publish(self, record: RunRecord) -> None:
        written = [outcome for outcome in record.lists if outcome.status == WRITTEN]
        if not written:
            return
        try:
            with self._turn():
                for n, outcome in enumerate(written):
                    self._commit(outcome, record.shared_files if n == 0 else [])
                if self.push_enabled:
                    self._push()
        except Exception as exc:  # a git failure, or git missing, hanging, printing bytes…
            error = str(exc) if isinstance(exc, GitError) else f"{type(exc).__name__}: {exc}"
            record.publish_error = mask_credentials(error)
            logger.error("Publishing failed: %s", record.publish_error)

    def _in_head(self, path: str) -> bool:
        # ./: relative to SITE_DIR, which may be a folder inside the repository (docs/).
        return self.git("cat-file", "-e", f"HEAD:./{path}", check=False).returncode == 0

    def _commit(self, outcome: ListOutcome, shared: list[str]) -> None:
        files = [str(Path(path).relative_to(self.site)) for path in outcome.files + shared]
        post = next((f for f in files if f.endswith(".md")), files[0])
        existed = self._in_head(post)
        # Old posts the new one replaced: their removal goes into the same commit.
        # Only what HEAD has: a post the user merely staged is not ours to commit.
        removed = [
            relative
            for relative in (str(Path(path).relative_to(self.site)) for path in outcome.removed)
            if self._in_head(relative)
        ]
        existed = existed or bool(removed)
        files += removed
        self.git("add", "-A", "--", *files)
        if self.git("diff", "--cached", "--quiet", "--", *files, check=False).returncode == 0:
            logger.info("%s: nothing changed, no commit", outcome.key)
            return
        message = from_key(outcome.kind, outcome.key).commit_message(outcome.papers, refresh=existed)
        # Only these paths: whatever else is staged or modified stays uncommitted.
        self.git("commit", "--only", "-m", message, "--", *files)
        outcome.commit = message
        logger.info("Committed %s", message)

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """One run at a time commits and pushes in this repository; the next one waits."""
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir").stdout.strip())
        with (git_dir / "hfpapers-publish.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _push(self) -> None:
        branch = self.branch or self.git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
        tip = "HEAD"
        for attempt in range(self.retries + 1):
            proc = self.git("push", self.remote, f"{tip}:refs/heads/{branch}", check=False)
            if proc.returncode == 0:
                logger.info("Pushed to %s %s", mask_credentials(self.remote), branch)
                if tip != "HEAD":
                    self._catch_up(tip)
                return
            rejected = any(marker in proc.stderr for marker in _REJECTED)
            if not rejected or attempt == self.retries:
                break
            logger.warning(
                "Push rejected (the remote moved on); putting our commits on top of it, try %d", attempt + 1
            )
            tip = self._rebuild_on_remote(branch)
        raise GitError(
            f"push to {mask_credentials(self.remote)} failed: {mask_credentials(last_line(proc))};"
            " the commit stays local and the next run pushes it"
        )

    def _rebuild_on_remote(self, branch: str) -> str:
        """Our commits the remote lacks, made again on its tip; the new tip.

        Built in a temporary index from the objects git already has: the
        user's work tree, index and stash stay as they are, and no conflict
        can show up in their files. Each commit takes exactly our files' state
        (written or removed) over the remote's tree.
        """
        self.git("fetch", "--quiet", self.remote, f"refs/heads/{branch}")
        parent = self.git("rev-parse", "FETCH_HEAD").stdout.strip()
        root = self.git.at(Path(self.git("rev-parse", "--show-toplevel").stdout.strip()))
        commits = root("rev-list", "--reverse", f"{parent}..HEAD").stdout.split()
        with tempfile.TemporaryDirectory(prefix="hfpapers-index-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            for commit in commits:
                if root("log", "-1", "--format=%ae", commit).stdout.strip() != self.git.email:
                    continue  # somebody's own unpushed commit: theirs to push
                root("read-tree", parent, env=index)
                changed = root("diff-tree", "-r", "--root", "--no-commit-id", "--name-only", "-z", commit)
                for path in filter(None, changed.stdout.split("\0")):
                    entry = root("ls-tree", "-z", commit, "--", path).stdout.rstrip("\0")
                    if entry:
                        mode, _, blob = entry.split("\t", 1)[0].split()
                        root("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=index)
                    else:
                        root("update-index", "--force-remove", "--", path, env=index)
                tree = root("write-tree", env=index).stdout.strip()
                message = root("log", "-1", "--format=%B", commit).stdout.strip()
                parent = root("commit-tree", tree, "-p", parent, "-m", message).stdout.strip()
        return parent

    def _catch_up(self, tip: str) -> None:
        """Move the local branch to what was pushed, when nothing of the user's is in the way."""
        unpushed_by_others = [
            email
            for email in self.git("log", "--format=%ae", f"{tip}..HEAD").stdout.split()
            if email != self.git.email
        ]
        dirty = self.git("status", "--porcelain", "--untracked-files=no").stdout.strip()
        if unpushed_by_others or dirty:
            logger.warning(
                "The local branch keeps its own commits (changes or commits of yours are in the way);"
                " the remote has our commits: pull when you are ready"
            )
            return
        self.git("reset", "--quiet", "--keep", tip)
