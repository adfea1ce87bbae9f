"""The house rules that a reader of the code relies on: no import circles, small modules."""

from __future__ import annotations

from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("checks", "loaders", "sketches", "engine", "app")


def test_no_import_circles():
    graph = grimp.build_graph(*PACKAGES)
    circles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.find_shortest_chain(importer=imported, imported=module):
                circles.add(tuple(sorted((module, imported))))
    assert not circles, f"modules importing each other (directly or through others): {circles}"


def test_no_source_file_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 500
    }
    assert not long, f"split these by what they hold: {long}"
