"""hfpapers: Hugging Face Daily Papers to a Korean Jekyll post."""

import sys

# Said in one line, before an older Python fails on an import (datetime.UTC is 3.11's).
if sys.version_info < (3, 11):  # noqa: UP036
    sys.exit(f"error: hfpapers needs Python 3.11 or newer; this is {sys.version.split()[0]}")
