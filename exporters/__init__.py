"""Feed exporters that turn scraped days into blog files."""

from exporters.korean_post import KoreanPostExporter

__all__ = ["KoreanPostExporter"]
