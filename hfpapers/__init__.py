"""hfpapers: Hugging Face Daily Papers to a Korean Jekyll post."""

# This module is read by any Python, 2.7 included, so that an older one gets as far as
# saying so: no f-strings, no annotations (type comments instead), no __future__ imports.

import sys

# The one place the version is written: setup.py and pyproject.toml (the egg's metadata) and
# USER_AGENT read it.
__version__ = "1.3"

OLDEST_PYTHON = (3, 11)


def python_too_old(version, prefix, base_prefix):  # type: (tuple[int, ...], str, str) -> str | None
    """The one line an older Python gets (datetime.UTC is 3.11's), with the commands that
    make a venv of a newer one: a venv keeps the Python it was made with."""
    if tuple(version[:2]) >= OLDEST_PYTHON:
        return None
    this = ".".join(str(part) for part in version[:3])
    newer = "python{}.{}".format(*OLDEST_PYTHON)
    needs = "error: hfpapers needs Python 3.11 or newer;"
    if prefix != base_prefix:
        make = "rm -rf {0} && {1} -m venv {0} && {0}/bin/pip install -r requirements.txt".format(
            prefix, newer
        )
        return "{} this venv has {}: make it again with a newer one: {}".format(needs, this, make)
    make = "{} -m venv .venv && .venv/bin/pip install -r requirements.txt".format(newer)
    return "{} this is {}: make a venv with a newer one: {}".format(needs, this, make)


# Before anything else is imported, so before an older Python fails on an import; and
# `python3 -c "import hfpapers"` in the checkout asks a Python before anything is installed.
_too_old = python_too_old(
    sys.version_info[:3], sys.prefix, sys.base_prefix if hasattr(sys, "base_prefix") else sys.prefix
)
if _too_old:
    sys.exit(_too_old)
