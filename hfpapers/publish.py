"""`GitPublisher`: commit and push the posts and data files the run wrote.

Settings: ``PUBLISH_GIT`` (on/off), ``PUBLISH_GIT_AUTHOR``, ``PUBLISH_PUSH``,
``PUBLISH_GIT_REMOTE``, ``PUBLISH_GIT_BRANCH``, ``PUBLISH_PUSH_RETRIES`` and
``PUBLISH_TIMEOUT``; settings.py gives each default. A token comes only from
the ``PUBLISH_GIT_TOKEN`` environment variable (a remote setting with
credentials in it is refused before the run: Scrapyd shows job settings).

It acts on the `RunRecord` that the `RunLedger` sends with the
`lists_written` signal, and answers with what it did (`Published`): one
commit per list written, holding exactly that list's files, with a message
its `Period` words; the files the run wrote for all its lists (the summaries
cache) in one commit after those, so that another clone's cache on the remote
costs that commit alone, never a post. Only those files are staged and committed, in a
temporary index; anybody else's changes in the work tree and index stay as
they are, also when a hook refuses the commit. Never a force push, never a
commit on a detached HEAD that no push names a branch for. When the
remote moved on, our commits are rebuilt on its tip in a temporary index
and pushed from there: the user's work tree, index and stash are never
touched, and a commit that would replace a file changed on the remote since
it was made is not pushed. A push that still fails is an error (exit 1); the commit stays
local and the next run pushes it. Two runs on one repository take turns
(a lock in its git folder). Credentials in a remote URL are masked in every
log message and traceback.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from hfpapers.credentials import (
    TOKEN_USER,
    TOKEN_VARIABLE,
    credentials_in,
    hide_remote,
    hide_secret,
    install_credential_masking,
    mask_credentials,
)
from hfpapers.gitrepo import DETACHED, PUBLISH_LOCK, Git, GitError, detached_head, git_reason, tree_entries
from hfpapers.ledger import Published
from hfpapers.outcome import WRITTEN, ListOutcome, RunRecord
from hfpapers.safeio import exclusive
from hfpapers.signals import lists_written
from hfpapers.site import Site

logger = logging.getLogger(__name__)

_REJECTED = ("[rejected]", "non-fast-forward", "fetch first")
# The commit holding the files a run writes for all its lists (the summaries cache).
SHARED_MESSAGE = "Korean summaries cache"


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
        self.made: list[str] = []  # this run's commits
        self.not_pushed: list[str] = []  # why some of them were dropped from the push
        crawler.signals.connect(self.publish, signal=lists_written)

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
        try:
            self._hide_remote_urls()
            with self._turn():
                # Checked before the crawl too (args.py); the checkout may have changed since.
                if not (self.push_enabled and self.branch) and detached_head(self.site):
                    raise GitError(f"HEAD is detached in {self.site}: {DETACHED}")
                for outcome in written:
                    message = self._commit(outcome)
                    if message:
                        published.commits[outcome.key] = message
                if record.shared_files:
                    # A commit of its own, after the lists': when another clone changed the
                    # cache, only this commit is left unpushed, never a post.
                    self._commit_files(
                        self._relative(record.shared_files), SHARED_MESSAGE, "the shared files"
                    )
                if self.push_enabled:
                    self._push()
        except Exception as exc:  # a git failure, or git missing, hanging, printing bytes…
            error = str(exc) if isinstance(exc, GitError) else f"{type(exc).__name__}: {exc}"
            published.error = mask_credentials(error)
            logger.error("Publishing failed: %s", published.error)
        return published

    def _hide_remote_urls(self) -> None:
        """Whatever URL the remote's name stands for is masked too (a token in .git/config)."""
        for option in (["--all"], ["--push", "--all"]):
            for url in self.git("remote", "get-url", *option, self.remote, check=False).stdout.splitlines():
                hide_remote(url)

    def _in_head(self, path: str) -> bool:
        # ./: relative to SITE_DIR, which may be a folder inside the repository (docs/).
        return self.git("cat-file", "-e", f"HEAD:./{path}", check=False).returncode == 0

    def _relative(self, paths: list[str]) -> list[str]:
        return [str(Path(path).relative_to(self.site)) for path in paths]

    def _commit(self, outcome: ListOutcome) -> str:
        """Commit one list's files; the commit's message, or "" when nothing changed."""
        files = self._relative(outcome.files)
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
        staged = self.git("diff", "--cached", "--name-only", "-z", "HEAD", "--", *files, check=False)
        for path in filter(None, staged.stdout.split("\0")):
            # The run wrote over it already; at least the user hears of it.
            logger.warning("%s had changes staged in git; the new post replaces them", path)
        assert outcome.period is not None  # the ledger's outcomes carry their list
        return self._commit_files(
            files, outcome.period.commit_message(outcome.papers, refresh=existed), outcome.key
        )

    def _commit_files(self, files: list[str], message: str, what: str) -> str:
        """Commit exactly ``files`` (paths from SITE_DIR); ``message``, or "" when nothing changed."""
        # Staged and committed in a temporary index holding HEAD and our files: whatever
        # else is staged or modified stays uncommitted, and a commit that fails (a hook)
        # leaves the user's index exactly as it was. Hooks run as for any commit.
        with tempfile.TemporaryDirectory(prefix="hfpapers-index-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            born = self.git("rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0
            self.git("read-tree", *(["HEAD"] if born else ["--empty"]), env=index)
            self.git("add", "-A", "--", *files, env=index)
            if self.git("diff", "--cached", "--quiet", "--", *files, check=False, env=index).returncode == 0:
                logger.info("%s: nothing changed, no commit", what)
                return ""
            self.git("commit", "-q", "-m", message, env=index)
        self.made.append(self.git("rev-parse", "HEAD").stdout.strip())
        logger.info("Committed %s", message)
        # The user's index takes our files as committed (as `git commit --only` would),
        # or git status would show the commit undone; every other entry stays as it was.
        synced = self.git("reset", "-q", "--", *files, check=False)
        if synced.returncode != 0:
            logger.warning(
                "Committed, but git's index could not take the new %s (%s): `git reset -- %s` fixes it",
                ", ".join(files),
                git_reason(synced),
                " ".join(files),
            )
        return message

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
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

    def _push(self) -> None:
        branch = self.branch or self.git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
        if branch == "HEAD":
            raise GitError("HEAD is detached: set PUBLISH_GIT_BRANCH to the branch to push to")
        for attempt in range(self.retries + 1):
            tip = self._tip_to_push(branch)
            proc = self.git("push", self.remote, f"{tip}:refs/heads/{branch}", check=False, env=self._auth())
            if proc.returncode == 0:
                logger.info("Pushed to %s %s", mask_credentials(self.remote), branch)
                if tip != "HEAD":
                    self._catch_up(tip)
                if self.not_pushed:
                    raise GitError("; ".join(self.not_pushed))
                return
            rejected = any(marker in proc.stderr for marker in _REJECTED)
            if not rejected or attempt == self.retries:
                break
            logger.warning("Push rejected (the remote moved on again); try %d", attempt + 2)
        raise GitError(
            f"push to {mask_credentials(self.remote)} failed: {mask_credentials(git_reason(proc))};"
            " the commit stays local and the next run pushes it"
        )

    def _auth(self) -> dict[str, str]:
        """Git's environment for talking to the remote: with PUBLISH_GIT_TOKEN set, a credential
        helper for the remote's host alone, which reads the token from the environment when
        the server asks. Never on a command line (ps shows those) nor in a file; the helpers
        the user configured are set aside for this host, so none of them stores the token."""
        if not self.token:
            return {}
        url = self.remote
        if credentials_in(url) is None and "://" not in url:  # a remote's name
            url = self.git("remote", "get-url", "--push", self.remote, check=False).stdout.strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            logger.warning("%s is set, but the remote is no https URL: the token is not used", TOKEN_VARIABLE)
            return {}
        port = f":{parts.port}" if parts.port else ""
        scope = f"credential.{parts.scheme}://{parts.hostname}{port}.helper"
        helper = (
            f'!f() {{ test "$1" = get || return 0; echo username={TOKEN_USER};'
            f' printf "password=%s\\n" "${TOKEN_VARIABLE}"; }}; f'
        )
        # GIT_CONFIG_COUNT (git 2.31+): configuration from the environment, after the user's own.
        count = os.environ.get("GIT_CONFIG_COUNT", "0")
        first = int(count) if count.isdigit() else 0  # git ignores a count that is no number too
        env = {"GIT_CONFIG_COUNT": str(first + 2)}
        for n, value in enumerate(["", helper]):  # "": forget the helpers configured before
            env[f"GIT_CONFIG_KEY_{first + n}"] = scope
            env[f"GIT_CONFIG_VALUE_{first + n}"] = value
        return env

    def _tip_to_push(self, branch: str) -> str:
        """HEAD when it only adds our commits to the remote branch; else our commits
        made again on the remote's tip (the remote moved on, or the user has
        unpushed commits of their own, which are theirs to push)."""
        fetched = self.git(
            "fetch", "--quiet", self.remote, f"refs/heads/{branch}", check=False, env=self._auth()
        )
        if fetched.returncode != 0:
            return "HEAD"  # no such branch yet, or no remote: the push says which
        remote_tip = self.git("rev-parse", "FETCH_HEAD").stdout.strip()
        descends = self.git("merge-base", "--is-ancestor", remote_tip, "HEAD", check=False).returncode == 0
        authors = self.git("log", "--format=%ae", f"{remote_tip}..HEAD").stdout.split()
        if descends and all(author == self.git.email for author in authors):
            return "HEAD"
        logger.warning("The remote moved on or holds less than this branch: our commits go on top of it")
        return self._rebuild_on(remote_tip)

    def _rebuild_on(self, parent: str) -> str:
        """Our commits the remote lacks, made again on ``parent``; the new tip.

        Built in a temporary index from the objects git already has: the
        user's work tree, index and stash stay as they are, and no conflict
        can show up in their files. Each commit takes exactly our files' state
        (written or removed) over the remote's tree. Commits the remote already
        has in another form (pushed before, by an earlier rebuild) are skipped,
        and so are commits that would change nothing. A commit that would
        replace a file changed on the remote since the commit was made (a post
        edited by its author, or published again from elsewhere) is dropped
        whole, with a warning: it was made on an older state, and replaying it
        would undo newer work.
        """
        self.not_pushed = []  # a retry rebuilds from scratch
        root = self.git.at(Path(self.git("rev-parse", "--show-toplevel").stdout.strip()))
        # --cherry-pick: not those whose change the remote already has (same patch).
        commits = root(
            "rev-list", "--reverse", "--no-merges", "--right-only", "--cherry-pick", f"{parent}...HEAD"
        ).stdout.split()
        with tempfile.TemporaryDirectory(prefix="hfpapers-index-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            for commit in commits:
                if root("log", "-1", "--format=%ae", commit).stdout.strip() != self.git.email:
                    continue  # somebody's own unpushed commit: theirs to push
                changed = root("diff-tree", "-r", "--root", "--no-commit-id", "--name-only", "-z", commit)
                paths = list(filter(None, changed.stdout.split("\0")))
                ours = tree_entries(root, commit, paths)
                base = root("log", "-1", "--format=%P", commit).stdout.split()
                before = tree_entries(root, base[0], paths) if base else {}
                theirs = tree_entries(root, parent, paths)
                moved = [p for p in paths if theirs.get(p) not in (before.get(p), ours.get(p))]
                if moved:
                    self._dropped(commit, moved)
                    continue
                root("read-tree", parent, env=index)
                for path in paths:
                    if path in ours:
                        mode, blob = ours[path]
                        root("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=index)
                    else:
                        root("update-index", "--force-remove", "--", path, env=index)
                tree = root("write-tree", env=index).stdout.strip()
                if tree == root("rev-parse", f"{parent}^{{tree}}").stdout.strip():
                    continue  # the remote has it all already
                message = root("log", "-1", "--format=%B", commit).stdout.strip()
                parent = root("commit-tree", tree, "-p", parent, "-m", message).stdout.strip()
        return parent

    def _dropped(self, commit: str, moved: list[str]) -> None:
        subject = self.git("log", "-1", "--format=%s", commit).stdout.strip()
        if subject == SHARED_MESSAGE:
            # Only the cache: the remote keeps its own, the posts went in their own commits.
            logger.warning(
                "Not pushing %s (%s): %s changed on the remote since (another clone's summaries);"
                " the remote's version stays, and summaries missing from it are asked for again",
                commit[:10],
                subject,
                ", ".join(moved),
            )
            return
        logger.warning(
            "Not pushing %s (%s): %s changed on the remote since that commit was made;"
            " the remote's version stays (pull to see it)",
            commit[:10],
            subject,
            ", ".join(moved),
        )
        if commit in self.made:
            # This run's own list: its post is not on the remote, and the run must say so.
            self.not_pushed.append(
                f"{subject} not pushed: {', '.join(moved)} changed on the remote since this clone's"
                " version (pull, then run again to refresh it)"
            )

    def _catch_up(self, tip: str) -> None:
        """Move the local branch to what was pushed, when nothing of the user's is in the way."""
        unpushed_by_others = [
            email
            for email in self.git("log", "--format=%ae", f"{tip}..HEAD").stdout.split()
            if email != self.git.email
        ]
        dirty = self.git("status", "--porcelain", "--untracked-files=no").stdout.strip()
        clean = not unpushed_by_others and not dirty
        if clean and self.git("reset", "--quiet", "--keep", tip, check=False).returncode == 0:
            return
        logger.warning(
            "The local branch keeps its own commits (changes, files or commits of yours are in the way);"
            " the remote has our commits: pull when you are ready"
        )
