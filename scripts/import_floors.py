"""How the project's own modules (hfpapers, exporters) import each other: the floors of the house.

``python scripts/import_floors.py`` prints the longest chain of imports (its length is the
number of floors) and each module's height; a cycle is an error. Every import counts, those
inside functions too: they run all the same; and a package is a floor of its own.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hfpapers", "exporters")


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the project's modules it imports.

    A package is a module too (its ``__init__``): ``import exporters`` and
    ``from exporters import KoreanPostExporter`` import the package, and with it whatever its
    ``__init__`` imports; ``from exporters import tex`` and ``import exporters.tex`` name the
    submodule. A module's own package counts only where it is named (``from hfpapers import
    __version__``), not for every module in it.
    """
    found = modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module or "", node.level, package)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    imported.add(submodule if submodule in found else base)
        graph[name] = {m for m in imported if m in found and m != name}
    return graph


def _absolute(module: str, level: int, package: str) -> str:
    """The absolute name of ``from {"." * level}{module} import …`` written in ``package``."""
    if not level:
        return module
    parts = package.split(".")
    base = parts[: len(parts) - level + 1]
    return ".".join([*base, module] if module else base)


def heights(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each module's floor count: 1 for one importing none of ours. Raises ValueError on a cycle."""

    @cache
    def height(name: str, below: frozenset[str] = frozenset()) -> int:
        if name in below:
            raise ValueError(f"an import cycle through {name}")
        return 1 + max((height(m, below | {name}) for m in graph[name]), default=0)

    return {name: height(name) for name in graph}


def under(graph: dict[str, set[str]], name: str) -> set[str]:
    """Every module ``name`` imports, directly or not."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for imported in graph[todo.pop()]:
            if imported not in seen:
                seen.add(imported)
                todo.append(imported)
    return seen


def longest_chain(graph: dict[str, set[str]]) -> list[str]:
    height = heights(graph)
    chain = [max(graph, key=lambda name: (height[name], name))]
    while graph[chain[-1]]:
        chain.append(max(graph[chain[-1]], key=lambda name: (height[name], name)))
    return chain


def main() -> None:
    graph = import_graph(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    chain = longest_chain(graph)
    print(f"{len(chain)} floors: {' -> '.join(chain)}")
    for name, height in sorted(heights(graph).items(), key=lambda item: (-item[1], item[0])):
        print(f"{height:3}  {name}")


if __name__ == "__main__":
    main()
