"""Git plumbing for publishing and the summaries cache: the `Git` runner and what it asks a repository.

Every git command the project runs goes through here, in an environment
cleared of what points git elsewhere: a crawl started from a git hook inherits
``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE`` and more, which would
send its commands into the hook's repository. The lock two runs take in one
repository is named here (`PUBLISH_LOCK`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import subprocess
from pathlib import Path

from hfpapers.credentials import mask_credentials

# The lock file, in the repository's common git folder (shared by its linked worktrees), that
# publishing and the summaries cache take.
PUBLISH_LOCK = "hfpapers-publish.lock"

# An identity as git writes one, ``Name <email>``: a name without < >, an address with an @
# and no < >, space or control character. (email.utils.parseaddr reads mail headers: it takes
# GitHub's own bot, ``github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>``,
# for the name "" and the address "github-actions".)
_IDENTITY_RE = re.compile(r"([^<>\x00-\x1f\x7f]*?)[ \t]*<([^<>\s@]+@[^<>\s]+)>")


def split_identity(identity: str) -> tuple[str, str] | None:
    """The name and email of ``Name <email>``; None when it is not of that form."""
    match = _IDENTITY_RE.fullmatch(identity.strip())
    return (match[1], match[2]) if match else None


# What `git rev-parse --local-env-vars` lists (git 2.39), for a git that cannot say.
_LOCAL_ENV_VARS = [
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
]
# Set by git for hooks, or by a user's shell, and no business of these commands: who made a
# commit, which objects a push hook may see, how a path is read, what a trace prints.
_OTHER_REPOSITORY_VARS = [
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_QUARANTINE_PATH",
    "GIT_NAMESPACE",
    "GIT_REFLOG_ACTION",
    "GIT_INDEX_VERSION",
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
    "GIT_PUSH_OPTION_COUNT",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
]
_OTHER_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "GIT_PUSH_OPTION_", "GIT_TRACE")


@functools.cache
def _repository_vars() -> frozenset[str]:
    """The variables that tie git to a repository, as this git names them, and ours."""
    names = set(_LOCAL_ENV_VARS) | set(_OTHER_REPOSITORY_VARS)
    bare = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--local-env-vars"], capture_output=True, text=True, env=bare, timeout=30
        )
        names.update(proc.stdout.split() if proc.returncode == 0 else [])
    except (OSError, subprocess.TimeoutExpired):
        pass  # no git: the command that needs it says so
    return frozenset(names)


def git_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what points git at another repository, index or
    identity; the user's transport settings (SSH command, proxies, global config) stay.
    Never a prompt: nobody is there to answer it."""
    names = _repository_vars()
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith(_OTHER_PREFIXES)}
    return {**env, "GIT_TERMINAL_PROMPT": "0", **(extra or {})}


class GitError(Exception):
    pass


def run_bounded(
    command: list[str], stdin: bytes | None, timeout: float, env: dict[str, str], late: str
) -> subprocess.CompletedProcess[bytes]:
    """``command``'s exit status and output; after ``timeout`` seconds it is killed with every
    process it started (an SSH transport, a credential helper: its process group), and
    `GitError` says ``late``."""
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, to be ended whole
    ) as proc:
        try:
            stdout, stderr = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise GitError(late) from None
        except BaseException:  # KeyboardInterrupt: nothing of it stays behind either
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


class Git:
    def __init__(self, work_tree: Path, author: str, timeout: float):
        self.work_tree = work_tree
        name, self.email = split_identity(author) or ("", "")
        self.name = name or "hfpapers bot"
        self.timeout = timeout

    def at(self, work_tree: Path) -> Git:
        """The same git, run in another folder of the repository."""
        other = Git(work_tree, "", self.timeout)
        other.name, other.email = self.name, self.email
        return other

    def _identity(self) -> dict[str, str]:
        # In the environment, which wins over the user's user.*, author.* and committer.* config.
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }

    def _run(
        self, args: tuple[str, ...], env: dict[str, str] | None, stdin: bytes | None
    ) -> subprocess.CompletedProcess[bytes]:
        return run_bounded(
            ["git", "-C", str(self.work_tree), *args],
            stdin,
            self.timeout,
            # The user's git config, credential helpers and SSH keys apply.
            git_environment({**self._identity(), **(env or {})}),
            # Not the command line: it holds the remote URL and all.
            f"git {args[0]} took longer than {self.timeout:g} s (PUBLISH_TIMEOUT)",
        )

    def __call__(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        raw = self._run(args, env, None if input is None else input.encode())
        # A hook or a server may print anything: text, with what is no UTF-8 replaced.
        proc = subprocess.CompletedProcess(
            raw.args,
            raw.returncode,
            raw.stdout.decode(errors="replace"),
            raw.stderr.decode(errors="replace"),
        )
        if check and proc.returncode != 0:
            raise GitError(f"git {args[0]} failed: {mask_credentials(git_reason(proc))}")
        return proc

    def output(self, *args: str, input: bytes | None = None) -> bytes:
        """A command's standard output as bytes (a blob's exact content); raises `GitError`."""
        raw = self._run(args, None, input)
        if raw.returncode != 0:
            proc = subprocess.CompletedProcess(
                raw.args, raw.returncode, "", raw.stderr.decode(errors="replace")
            )
            raise GitError(f"git {args[0]} failed: {mask_credentials(git_reason(proc))}")
        return raw.stdout


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


def _ask(path: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """A question to git about the repository ``path`` is in; None when git cannot answer."""
    try:
        return subprocess.run(
            ["git", "-C", str(path), *args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=30,
            env=git_environment(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def detached_head(path: Path) -> bool:
    """HEAD names a commit, not a branch (a commit made there belongs to no branch)."""
    proc = _ask(path, "symbolic-ref", "-q", "HEAD")
    return proc is None or proc.returncode != 0


DETACHED = "check out a branch (or push with PUBLISH_GIT_BRANCH naming the branch to push to)"


def is_work_tree(path: Path) -> bool:
    proc = _ask(path, "rev-parse", "--is-inside-work-tree")
    return proc is not None and proc.returncode == 0 and proc.stdout.strip() == "true"


def is_ignored(path: Path) -> bool:
    """Git ignores ``path`` in the work tree it is in: a folder kept beside a project (the
    README's ``./blog`` in the hfpapers checkout), not the repository's own content."""
    proc = _ask(path, "check-ignore", "-q", "--", ".")
    return proc is not None and proc.returncode == 0


def git_dir(path: Path) -> Path | None:
    """The git folder of the work tree ``path`` is in, or None (no repository, no git)."""
    proc = _ask(path, "rev-parse", "--absolute-git-dir")
    found = proc.stdout.strip() if proc is not None and proc.returncode == 0 else ""
    return Path(found) if found else None


def common_git_dir(path: Path) -> Path | None:
    """The git folder that all work trees of ``path``'s repository share (a linked worktree's
    own folder is another), or None: where runs on one repository take turns."""
    proc = _ask(path, "rev-parse", "--path-format=absolute", "--git-common-dir")
    found = proc.stdout.strip() if proc is not None and proc.returncode == 0 else ""
    return Path(found) if found else None


def remote_urls(path: Path, remote: str) -> list[str]:
    """The URLs git fetches from and pushes to for ``remote`` (a remote's name or a URL),
    with ``insteadOf`` and ``pushInsteadOf`` applied: where the token would go."""
    urls: list[str] = []
    for option in (["--all"], ["--push", "--all"]):
        proc = _ask(path, "remote", "get-url", *option, "--", remote)
        if proc is not None and proc.returncode == 0:
            urls += [url for url in proc.stdout.splitlines() if url and url not in urls]
    if not urls:  # a URL, not a remote's name
        proc = _ask(path, "ls-remote", "--get-url", "--", remote)
        urls = [proc.stdout.strip()] if proc is not None and proc.stdout.strip() else [remote]
    return urls


# What a repository may be in the middle of (files in its git folder), and how to say it.
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "sequencer": "a cherry-pick or revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or git am",
    "BISECT_LOG": "a bisect",
}


def in_progress(git: Git) -> str | None:
    """What the checkout is in the middle of (``a merge``), or None: a commit on its branch
    then would conclude or lose the owner's operation."""
    names = list(_IN_PROGRESS)
    paths = git("rev-parse", *(arg for name in names for arg in ("--git-path", name))).stdout.splitlines()
    for name, found in zip(names, paths, strict=True):
        if os.path.lexists(git.work_tree / found):  # relative to the folder git ran in
            return _IN_PROGRESS[name]
    return None
