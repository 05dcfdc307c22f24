"""Renderers of a `PaperList`: the Korean post and the data file.

A top-level package beside ``hfpapers`` (the project's layout), in a
checkout and in the egg alike (setup.py lists both).
"""

from exporters.data_file import DataFileExporter
from exporters.korean_post import KoreanPostExporter

__all__ = ["DataFileExporter", "KoreanPostExporter"]
