"""Egg for Scrapyd (scrapyd-deploy builds it with ``python setup.py bdist_egg``).

Committed so the egg carries both packages and the settings entry point;
the code reads no data files, so no package_data is needed. Scrapyd does not
install requirements: see deploy/install-scrapyd.sh.
"""

from setuptools import find_packages, setup

setup(
    name="hfpapers",
    version="1.0",
    packages=find_packages(include=["hfpapers", "hfpapers.*", "exporters", "exporters.*"]),
    entry_points={"scrapy": ["settings = hfpapers.settings"]},
    zip_safe=True,
)
