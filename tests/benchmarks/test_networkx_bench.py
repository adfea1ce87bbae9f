"""benchmarks/networkx_backend.py on a small graph: every backend it finds answers as
networkx does, and the table prints."""

from __future__ import annotations

import networkx as nx

from benchmarks import networkx_backend


def test_every_backend_equals_networkx_on_a_small_graph(capsys):
    G = nx.barabasi_albert_graph(300, 3, seed=1)
    rows = networkx_backend.run(G, repeats=1)
    gwb = {row["function"] for row in rows if row["backend"] == "gwb"}
    assert gwb == set(networkx_backend.workloads(G))
    assert all(row["equal"] for row in rows if row["reused"] is not None), rows
    networkx_backend.print_rows(rows)
    assert "pagerank" in capsys.readouterr().out
