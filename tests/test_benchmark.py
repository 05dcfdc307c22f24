"""The benchmark runs from a checkout (quick mode: its request counts are enforced)."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.run import ASSEMBLER_BOUND, assembler_costs
from tests.conftest import ROOT


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


def test_assembler_linearity_is_measured_the_same_twice() -> None:
    """Two measurements agree and meet the bound, on a machine as busy as the suite makes it.

    Best of 3 single runs of 1,000 papers (a few milliseconds each, warm in the cache) gave
    ratios from 0.7 to 1.8 on this machine, so the full benchmark missed its own check.
    """
    ratios = []
    for _ in range(2):
        costs = assembler_costs(rounds=5)
        ratios.append(costs[10000] / costs[1000])
    assert all(ratio <= ASSEMBLER_BOUND for ratio in ratios), ratios
    assert abs(ratios[0] - ratios[1]) <= 0.3, ratios
