"""Renderers of a `PaperList`: the Korean post (`exporters.korean_post.KoreanPostExporter`)
and the data file (`exporters.data_file.DataFileExporter`).

A top-level package beside ``hfpapers`` (the project's layout), in a checkout and in the egg
alike (setup.py lists both). It imports none of its modules: whoever uses one imports it.
"""
