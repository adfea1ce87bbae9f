"""Run SpeedPPR (Wu et al., SIGMOD 2021), a C++ program built outside the project,
on our benchmark graphs, for :mod:`benchmarks.ppr`.

SpeedPPR is public (github.com/wuhao-wu-jiang/Personalized-PageRank) but not on
PyPI; build it with its own ``cmake -B build && make -C build`` and pass the
binary's path as ``python -m benchmarks.ppr --speedppr PATH``. Nothing of it is
copied here: this module writes a graph in its input format, asks it for an index
and for single-source queries, and reads back its own timing of each query and its
estimates (for the top-100 precision).

SpeedPPR runs on one thread; ours on every core (two on the bench machine).

>>> parse_query_times("Vertex ID: 2\\nTime Used 0.5\\nVertex ID: 0\\nTime Used 0.25\\n")
{2: 0.5, 0: 0.25}
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np

from loaders import Graph

_VERTEX = re.compile(r"^Vertex ID: (\d+)\s*$")
_TIME = re.compile(r"^Time Used ([0-9.eE+-]+)\s*$")


def parse_query_times(output: str) -> dict[int, float]:
    """``{source: seconds}`` from SpeedPPR's query log, where each query prints
    ``Vertex ID: s`` and then ``Time Used t``."""
    times: dict[int, float] = {}
    source = None
    for line in output.splitlines():
        vertex = _VERTEX.match(line)
        if vertex:
            source = int(vertex.group(1))
            continue
        used = _TIME.match(line)
        if used and source is not None:
            times[source] = float(used.group(1))
            source = None
    return times


def write_input(g: Graph, folder: Path) -> None:
    """SpeedPPR's binary graph: ``attribute.txt`` (``n=…``, ``m=…``) and
    ``graph.bin``, one uint32 pair (from, to) per directed edge, sorted, with our node
    ids (an undirected graph as both directions, as its CLEAN_GRAPH writes it)."""
    if g.n_nodes >= 2**32 or g.is_weighted:
        raise ValueError("SpeedPPR takes unweighted graphs of fewer than 2**32 nodes")
    folder.mkdir(parents=True, exist_ok=True)
    pairs = np.empty((g.nnz, 2), dtype=np.uint32)
    pairs[:, 0] = np.repeat(np.arange(g.n_nodes, dtype=np.uint32), np.diff(g.indptr))
    pairs[:, 1] = g.indices
    _write_atomically(folder / "graph.bin", pairs.tobytes())
    _write_atomically(folder / "attribute.txt", f"n={g.n_nodes}\nm={g.nnz}\n".encode())


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class SpeedPPR:
    """One graph's SpeedPPR inputs in ``folder``, and queries on them.

    Parameters
    ----------
    binary : path of the ``SpeedPPR`` executable.
    folder : where its inputs, index and estimates go (kept between runs: the index
        of the 10M-edge graph takes about 30 s to build).
    g : the graph, written there unless ``folder`` already holds it.
    alpha : teleport probability.
    """

    def __init__(self, binary: str | os.PathLike, folder: Path, g: Graph, alpha: float = 0.15):
        self.binary = str(binary)
        self.folder = Path(folder)
        self.alpha = alpha
        attribute = self.folder / "attribute.txt"
        expected = f"n={g.n_nodes}\nm={g.nnz}\n"
        if not attribute.exists() or attribute.read_text() != expected:
            write_input(g, self.folder)
            (self.folder / "index.bin").unlink(missing_ok=True)

    def _run(self, *arguments: str) -> str:
        command = [
            self.binary,
            *("-meta", str(self.folder / "attribute.txt")),
            *("-graph_binary", str(self.folder / "graph.bin")),
            *("-alpha", repr(self.alpha)),
            *arguments,
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(
                f"{self.binary} exited with {result.returncode}: {result.stderr[-2000:]}"
            )
        return result.stdout

    def build_index(self) -> float | None:
        """Build the index unless it is there; its build time in seconds, or None."""
        index = self.folder / "index.bin"
        if index.exists():
            return None
        output = self._run("-algo", "BUILD_INDEX", "-index_file", str(index))
        times = [float(m.group(1)) for m in map(_TIME.match, output.splitlines()) if m]
        return times[0] if times else None

    def query(
        self, sources, eps: float = 0.5, with_index: bool = True, top_k: int = 0
    ) -> tuple[dict[int, float], dict[int, np.ndarray]]:
        """SpeedPPR's own time of each single-source query (``{source: seconds}``) and,
        with ``top_k``, each answer's ``top_k`` node ids, best first (it writes every
        estimate to a file, after its timer stops)."""
        sources = [int(s) for s in sources]
        queries = self.folder / "queries.txt"
        _write_atomically(queries, "".join(f"{s}\n" for s in sources).encode())
        arguments = [
            *("-algo", "SpeedPPR"),
            *("-query", str(queries)),
            *("-query_size", str(len(sources))),
            *("-epsilon", repr(eps)),
            *("-with_idx", "yes" if with_index else "no"),
        ]
        if with_index:
            self.build_index()
            arguments += ["-index_file", str(self.folder / "index.bin")]
        estimates = self.folder / "estimates"
        if top_k:
            estimates.mkdir(exist_ok=True)
            for old in estimates.iterdir():
                old.unlink()
            arguments += ["-estimation_folder", str(estimates)]
        times = parse_query_times(self._run(*arguments))
        missing = set(sources) - set(times)
        if missing:
            raise RuntimeError(f"SpeedPPR reported no time for sources {sorted(missing)[:5]}")
        tops = {}
        if top_k:
            for s in sources:
                (found,) = estimates.glob(f"{s}_eps_*_.txt")
                with open(found) as lines:
                    tops[s] = np.array(
                        [int(line.split()[0]) for line, _ in zip(lines, range(top_k))]
                    )
        return times, tops
