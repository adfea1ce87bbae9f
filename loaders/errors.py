"""Exceptions raised by the loaders.

Each subclasses the built-in exception that fits, so ``except ValueError`` or
``except KeyError`` keeps working for callers who do not know our types.
"""

from __future__ import annotations

import os


class GraphFormatError(ValueError):
    """A graph file whose content cannot be read.

    The message names the file and, when known, the line (1-based), e.g.
    ``edges.txt:17: expected 2 columns, found 1``.
    """

    def __init__(self, path: str | os.PathLike | None, line: int | None, reason: str):
        self.path = None if path is None else os.fspath(path)
        self.line = line
        self.reason = reason
        where = self.path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {reason}")


class StoreError(ValueError):
    """A ``.gwb`` store that is missing parts, corrupted, or from a newer format."""


class NodeNotFoundError(KeyError):
    """A node label that is not in the graph."""

    def __init__(self, label, graph_name: str | None = None):
        self.label = label
        where = f" in graph {graph_name!r}" if graph_name else ""
        super().__init__(f"node {label!r} not found{where}")

    def __str__(self) -> str:  # KeyError would add quotes around the whole message
        return self.args[0]
