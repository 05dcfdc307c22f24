"""Bounded reads of what this run did not write (safeio.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hfpapers.safeio import UnsafeInputError, loads_bounded, read_capped


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{"a": [1]}')
    assert read_capped(path) == b'{"a": [1]}'


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 101)
    with pytest.raises(UnsafeInputError, match="over the 100-byte limit"):
        read_capped(path, limit=100)


@pytest.mark.parametrize("target", ["/dev/zero", "folder"])
def test_devices_and_folders_behind_a_symlink_are_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "folder").mkdir()
    link = tmp_path / "data.json"
    link.symlink_to(target if target.startswith("/") else tmp_path / target)
    with pytest.raises(UnsafeInputError, match="not a regular file"):
        read_capped(link)


def test_a_fifo_without_a_writer_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "post.md"
    os.mkfifo(fifo)
    done = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            read_capped(fifo)
        except BaseException as exc:
            errors.append(exc)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(5), "reading a FIFO blocked"
    assert isinstance(errors[0], UnsafeInputError)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_capped(tmp_path / "none")


def test_json_nested_past_the_parser_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_bounded("[" * 200_000 + "]" * 200_000)
    assert loads_bounded('{"a": [[1]]}') == {"a": [[1]]}


def test_json_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(UnsafeInputError, match="over the 10-byte limit"):
        loads_bounded('["' + "x" * 20 + '"]', max_bytes=10)


@pytest.mark.slow
def test_a_lock_another_process_holds_is_waited_for_then_given_up(tmp_path: Path) -> None:
    import fcntl
    import subprocess
    import sys

    from hfpapers.safeio import exclusive

    path = tmp_path / "lock"
    path.touch()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import fcntl,time; f=open({str(path)!r}); fcntl.flock(f, fcntl.LOCK_EX);"
            " print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with path.open() as lock, exclusive(lock, timeout=0.3, poll=0.05) as held:
            assert held is False
    finally:
        holder.kill()
        holder.wait()
    with path.open() as lock, exclusive(lock, timeout=0.3) as held:
        assert held is True
        with path.open() as other:  # held here: another open file cannot take it
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
            except BlockingIOError:
                taken = False
            assert not taken
