"""Egg for Scrapyd (scrapyd-deploy builds it with ``python setup.py bdist_egg``).

Committed so the egg carries the settings entry point and its data file
(`paper.schema.json`, read with pkgutil.get_data, which works inside the
zipped egg), and its version, ``hfpapers.__version__`` (hfpapers/__init__.py
imports nothing). Two top-level packages, as in the checkout: ``hfpapers`` and
``exporters``; Scrapyd puts the egg first on the path, so ours is the
``exporters`` its jobs import. Scrapyd does not install requirements: see
deploy/install-scrapyd.sh.
"""

from setuptools import find_packages, setup

from hfpapers import __version__

setup(
    name="hfpapers",
    version=__version__,
    python_requires=">=3.11",
    packages=find_packages(include=["hfpapers", "hfpapers.*", "exporters"]),
    package_data={"hfpapers": ["paper.schema.json"]},
    entry_points={"scrapy": ["settings = hfpapers.settings"]},
    zip_safe=True,
)
