"""Regenerate the sample graph stores in this folder.

Run ``python sample_graphs/make_samples.py`` from the repository root. The
output is deterministic: the networkx data sets are fixed and the planted
partition uses a fixed seed, so the test suite can check these files against a
fresh run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx

from loaders import Graph, planted_partition

PLANTED_SEED = 20261122
PLANTED_BLOCKS = [500] * 20
# Expected degree 20 with 30% of it leaving the community: 14 inside, 6 outside.
PLANTED_P_IN = 14 / 499
PLANTED_P_OUT = 6 / 9500


def build_samples() -> dict[str, Graph]:
    """Every sample graph, freshly built, by name."""
    karate = Graph.from_networkx(nx.karate_club_graph(), weight=None, name="karate")
    lesmis = Graph.from_networkx(nx.les_miserables_graph(), weight="weight", name="lesmis")
    florentine = Graph.from_networkx(nx.florentine_families_graph(), name="florentine")
    planted = planted_partition(
        PLANTED_BLOCKS, PLANTED_P_IN, PLANTED_P_OUT, seed=PLANTED_SEED, name="planted"
    )
    return {"karate": karate, "lesmis": lesmis, "florentine": florentine, "planted": planted}


def main(folder: Path) -> None:
    for name, graph in build_samples().items():
        path = graph.save(folder / f"{name}.gwb", overwrite=True)
        print(f"{path}: {graph}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
