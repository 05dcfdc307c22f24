"""The benchmark runs from a checkout (quick mode: its request counts are enforced)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # every test here starts a process other than git


def test_benchmark_quick_mode_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--latency", "0.01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "backfill 10 days" in proc.stdout
    assert "met     daily: ceil(N/100) arXiv API requests" in proc.stdout
    assert "met     backfill 10 days: 10 HF + ceil(ids/100) arXiv" in proc.stdout
    assert "start-up: daily crawl" in proc.stdout and "assembler:" in proc.stdout
