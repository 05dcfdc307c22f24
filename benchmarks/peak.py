"""Run a scrapy command and report this process's own peak memory at exit.

`ru_maxrss` of a child counts the parent's pages it shared before exec, so
the benchmark reads VmHWM (reset by exec) from /proc instead.
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path

from scrapy.cmdline import execute


def report_peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            print(f"peak-rss-kb: {line.split()[1]}", file=sys.stderr)


if __name__ == "__main__":
    atexit.register(report_peak)
    execute(argv=["scrapy", *sys.argv[1:]])
