"""Renderers of a `PaperList`: the Korean post and the data file.

This folder is the source of the ``hfpapers.exporters`` package: the
symbolic link ``hfpapers/exporters`` points here in a checkout, and the egg
ships it under ``hfpapers/`` (see setup.py), so it never takes the
top-level name ``exporters`` that another distribution may use.
"""

from hfpapers.exporters.data_file import DataFileExporter
from hfpapers.exporters.korean_post import KoreanPostExporter

__all__ = ["DataFileExporter", "KoreanPostExporter"]
