"""Dask runs give the single-process answers (a 2-worker LocalCluster, as in CI)."""

import sys
import types

import numpy as np
import pandas as pd
import pytest

import engine
from engine.distributed import node_ranges, store_for_workers
from engine.similarity import NeighbourhoodIndex
from loaders import Graph

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    # Workers are spawned processes that re-run the parent's __main__ file. An
    # AppTest earlier in the session leaves a dashboard page there, which fails
    # outside Streamlit, so the workers start from an empty __main__.
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    finally:
        sys.modules["__main__"] = saved
    with cluster, distributed.Client(cluster) as connected:
        yield connected


@pytest.mark.parametrize(("n", "parts"), [(10, 3), (5, 8), (0, 4), (1000, 7)])
def test_node_ranges_cover_every_node_once(n, parts):
    ranges = node_ranges(n, parts)
    covered = np.concatenate([np.arange(a, b) for a, b in ranges])
    assert covered.tolist() == list(range(n))
    assert len(ranges) <= max(parts, 1)


def test_signatures_on_dask_equal_one_process(client):
    g = engine.sample("planted")
    alone = NeighbourhoodIndex.build(g, device="cpu")
    spread = NeighbourhoodIndex.build(g, client=client)
    np.testing.assert_array_equal(spread.signatures, alone.signatures)
    assert spread.similar(5).equals(alone.similar(5))


def test_a_graph_without_a_store_is_saved_once_for_the_workers(client):
    g = Graph.from_edges(["a", "b", "c", "d"], ["b", "c", "a", "a"])
    path = store_for_workers(g)
    assert path == store_for_workers(g)
    assert engine.open_store(path).equals(g)
    spread = NeighbourhoodIndex.build(g, num_perm=32, client=client)
    np.testing.assert_array_equal(
        spread.signatures, NeighbourhoodIndex.build(g, num_perm=32, device="cpu").signatures
    )


@pytest.mark.parametrize(
    ("method", "options"), [("exact", {}), ("hybrid", {"seed": 3}), ("push", {})]
)
def test_ppr_batch_on_dask_equals_one_process(client, method, options):
    g = engine.sample("lesmis")
    sources = list(g.labels[:9])
    alone = engine.ppr_batch(g, sources, method=method, top_k=5, **options)
    done = []
    spread = engine.ppr_batch(
        g,
        sources,
        method=method,
        top_k=5,
        client=client,
        progress=lambda finished, total, stage: done.append((finished, total)),
        **options,
    )
    pd.testing.assert_frame_equal(spread, alone)
    assert done and done[-1][0] == done[-1][1]


def test_orbit_counts_on_dask_are_exact(client):
    from engine.graphlets import orbit_counts
    from tests.graphs import random_edges

    src, dst = random_edges(300, 2000, seed=5)
    for g in (
        engine.sample("lesmis"),
        Graph.from_edges(src, dst, directed=True, n_nodes=300),
    ):
        done: list = []
        spread = orbit_counts(g, client=client, progress=lambda *args, log=done: log.append(args))
        np.testing.assert_array_equal(spread, orbit_counts(g))
        assert done[-1][0] == done[-1][1]


def test_five_node_orbit_counts_on_dask_are_exact(client):
    from engine.graphlets import orbit_counts
    from tests.graphs import random_edges

    src, dst = random_edges(120, 600, seed=7)
    for g in (
        engine.sample("lesmis"),
        Graph.from_edges(src, dst, directed=True, n_nodes=120),
    ):
        done: list = []
        spread = orbit_counts(
            g, client=client, graphlet_size=5, progress=lambda *args, log=done: log.append(args)
        )
        np.testing.assert_array_equal(spread, orbit_counts(g, graphlet_size=5))
        assert done[-1] == (done[-1][1], done[-1][1], "5-node orbits")


@pytest.mark.parametrize(
    "options",
    [{}, {"self_influence": 0.5, "normalization_strength": -0.5}, {"iteration_weights": (1, 2)}],
)
def test_fastrp_on_dask_is_allclose_to_one_process(client, options):
    from tests.graphs import random_edges

    src, dst = random_edges(200, 900, seed=8)
    weights = np.random.default_rng(8).random(900) + 0.5
    directed = Graph.from_edges(src, dst, weights, directed=True, n_nodes=200)
    for g in (engine.sample("planted"), engine.sample("lesmis"), directed):
        alone = engine.fastrp(g, dim=32, seed=4, device="cpu", **options)
        spread = engine.fastrp(g, dim=32, seed=4, client=client, **options)
        np.testing.assert_allclose(spread, alone, rtol=1e-4, atol=1e-5)
