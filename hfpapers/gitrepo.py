"""Git plumbing for publishing and the summaries cache: the `Git` runner and what it asks a repository.

Every git command the run makes goes through here. The lock two runs take in
one repository is named here (`PUBLISH_LOCK`).
"""

from __future__ import annotations

import os
import re
import subprocess
from email.utils import parseaddr
from pathlib import Path

from hfpapers.credentials import mask_credentials

# The lock file, in the repository's git folder, that publishing and the summaries cache take.
PUBLISH_LOCK = "hfpapers-publish.lock"


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
            raise GitError(f"git {args[0]} failed: {mask_credentials(git_reason(proc))}")
        return proc


# Lines of git's output that explain nothing: advice, progress, where it pushed to.
_NOISE = re.compile(
    r"^(hint:|To |error: failed to push some refs|Everything up-to-date"
    r"|(remote: )?(Enumerating|Counting|Compressing|Writing|Resolving|Total|Delta compression)\b)"
)
_MAX_REASONS = 8
_MAX_LINE = 300


def git_reason(proc: subprocess.CompletedProcess[str]) -> str:
    """Git's reasons, one line: every line that says why (the remote's messages, a hook's
    output, ``fatal:``/``error:``, the ``[rejected]`` ref), not only its last line."""
    # A server writes what it likes: no control characters (terminal escapes), no endless line.
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in proc.stderr + proc.stdout)
    lines = [" ".join(line.split())[:_MAX_LINE] for line in text.splitlines()]
    reasons: list[str] = []
    for line in lines:
        if line and line != "remote:" and not _NOISE.match(line) and line not in reasons:
            reasons.append(line)
    if len(reasons) > _MAX_REASONS:  # the first ones name the cause, the last ones the ref
        reasons = [*reasons[: _MAX_REASONS - 2], "…", *reasons[-2:]]
    return "; ".join(reasons) or next(
        (line for line in reversed(lines) if line), f"exit status {proc.returncode}"
    )


def tree_entries(git: Git, treeish: str, paths: list[str]) -> dict[str, tuple[str, str]]:
    """Path -> (mode, blob) of those of ``paths`` that ``treeish`` has (paths from the top)."""
    if not paths:
        return {}
    listed = git("ls-tree", "-z", "--full-tree", treeish, "--", *paths).stdout
    entries = {}
    for line in filter(None, listed.split("\0")):
        meta, path = line.split("\t", 1)
        mode, _, blob = meta.split()
        entries[path] = (mode, blob)
    return entries


def detached_head(path: Path) -> bool:
    """HEAD names a commit, not a branch (a commit made there belongs to no branch)."""
    proc = subprocess.run(
        ["git", "-C", str(path), "symbolic-ref", "-q", "HEAD"], capture_output=True, text=True
    )
    return proc.returncode != 0


DETACHED = "check out a branch (or push with PUBLISH_GIT_BRANCH naming the branch to push to)"


def is_work_tree(path: Path) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True
    )
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def git_dir(path: Path) -> Path | None:
    """The git folder of the work tree ``path`` is in, or None (no repository, no git)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--absolute-git-dir"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = proc.stdout.strip()
    return Path(found) if proc.returncode == 0 and found else None
