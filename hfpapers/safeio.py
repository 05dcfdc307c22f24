"""Reading what this run did not write: bounded in size, depth and kind of file;
and the lock runs on one site take turns with.

A data file, a previous post, the summaries cache, a model's answer and a
Hugging Face payload all come from outside this run. A symlink to
``/dev/zero`` must not fill the memory, a FIFO must not block the run past
its deadline, and JSON nested 200,000 levels deep must not raise
`RecursionError` where nobody expects it. Every such read goes through here.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# The largest file this project reads back: a monthly data file holds about 2 MB.
MAX_FILE_BYTES = 64 * 1024 * 1024


class UnsafeInputError(ValueError):
    """Input refused before it was parsed: too large, too deep, or not a regular file."""


def read_capped(
    path: Path, limit: int = MAX_FILE_BYTES, *, head: bool = False, follow_symlinks: bool = True
) -> bytes:
    """A regular file's bytes, at most ``limit`` of them.

    Raises `FileNotFoundError` when there is none, `UnsafeInputError` for a FIFO,
    a device, a folder or a file over ``limit`` (through a symlink too; without
    ``follow_symlinks``, for a symlink itself), and `OSError` when it cannot be
    read. Opened non-blocking, so a FIFO with no writer cannot hold the run.
    With ``head``, a longer file is no error: its first ``limit`` bytes are returned.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags if follow_symlinks else flags | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise UnsafeInputError(f"{path} is a symbolic link, not a regular file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeInputError(f"{path} is not a regular file")
        if info.st_size > limit and not head:
            raise UnsafeInputError(f"{path} is {info.st_size} bytes, over the {limit}-byte limit")
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                if head:
                    break
                raise UnsafeInputError(f"{path} grew past the {limit}-byte limit while read")
        return b"".join(chunks)[:limit]
    finally:
        os.close(fd)


def read_text_capped(path: Path, limit: int = MAX_FILE_BYTES, *, follow_symlinks: bool = True) -> str:
    """`read_capped` as UTF-8 text (`UnicodeDecodeError` is a `ValueError`)."""
    return read_capped(path, limit, follow_symlinks=follow_symlinks).decode("utf-8")


def loads_bounded(text: str | bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """`json.loads` for text from outside: `UnsafeInputError` when it is too large or
    nested too deeply for the parser, `ValueError` (`json.JSONDecodeError`) when
    it is no JSON.

    The depth is bounded by the parser itself, which raises `RecursionError`
    past the interpreter's recursion limit (about 1,000 levels): refused here,
    where the caller expects a `ValueError`, instead of anywhere up the stack.
    A scan for depth before parsing would cost more than the parse.
    """
    if len(text) > max_bytes:
        raise UnsafeInputError(f"JSON of {len(text)} bytes, over the {max_bytes}-byte limit")
    try:
        return json.loads(text)
    except RecursionError:
        raise UnsafeInputError("JSON nested too deeply to read") from None


@contextlib.contextmanager
def exclusive(fd: int | IO[Any], timeout: float, poll: float = 0.1) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``fd`` while the block runs, waiting at most
    ``timeout`` seconds for another process to let go. Yields whether it is held:
    False after the wait ran out (the caller says why, in its own terms)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                yield False
                return
            time.sleep(poll)
    try:
        yield True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
