"""The push kernels' per-graph workspace: repeat queries equal fresh ones, the
workspace comes back clean, and no graph sees another's arrays."""

import gc
import threading

import numpy as np
import pytest

import engine
from engine.pagerank import forward_push, push
from engine.pagerank.accuracy import Accuracy
from engine.pagerank.workspace import borrowed
from tests.engine.pagerank.graphs import barabasi_albert


def _clean(g) -> bool:
    with borrowed(g) as work:
        return not (work.queued.any() or work.ever.any() or work.seed_vector.any())


@pytest.mark.parametrize(
    "query",
    [
        lambda g, s: engine.ppr(g, s, seed=3, device="cpu"),
        lambda g, s: engine.ppr(g, s, method="push", r_max=1e-5),
        lambda g, s: forward_push(g, s, r_max=1e-3)[1],
        lambda g, s: engine.ppr(g, [s, s // 2], seed=3, device="cpu", r_max=1e-4),
    ],
    ids=["hybrid", "push", "forward_push", "hybrid with r_max"],
)
def test_repeat_queries_equal_fresh_ones(query):
    g = barabasi_albert(3000, 4)
    sources = [0, 17, 2999, 17, 0]
    repeated = [query(g, s) for s in sources]
    for s, again in zip(sources, repeated):
        # a graph of its own: its first query, on a new workspace
        np.testing.assert_array_equal(query(barabasi_albert(3000, 4), s), again)
    assert _clean(g)


@pytest.mark.parametrize("queue_limit", [0, 4, None])
@pytest.mark.parametrize("r_max", [None, 1e-4])
def test_power_push_gives_its_workspace_back_clean(queue_limit, r_max):
    """Sweeps from the start, a local push cut short by its queue, one that ends."""
    g = barabasi_albert(3000, 4)
    accuracy = Accuracy.of(g, 0.5, None, None)
    nodes, mass = np.array([5, 40]), np.array([0.25, 0.75])
    first = push.power_push(g, nodes, mass, 0.15, accuracy, 1e3, r_max, queue_limit=queue_limit)
    assert _clean(g)
    again = push.power_push(g, nodes, mass, 0.15, accuracy, 1e3, r_max, queue_limit=queue_limit)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    # the residual handed out is the caller's, not the workspace's
    with borrowed(g) as work:
        assert not np.shares_memory(first[1], work.residual)


def test_index_queries_repeat():
    g = engine.sample("planted")
    index = engine.PPRIndex.build(g, seed=2)
    first = [index.query(s) for s in (3, 9, 3)]
    np.testing.assert_array_equal(first[0], first[2])
    fresh = engine.PPRIndex.build(barabasi_albert(10, 2), seed=2)  # another graph's pool
    assert fresh.query(0).shape == (10,)
    np.testing.assert_array_equal(index.query(9), first[1])
    assert _clean(g)


def test_graphs_never_share_a_workspace():
    one, other = barabasi_albert(500, 3), barabasi_albert(500, 3)
    with borrowed(one) as a, borrowed(other) as b:
        assert a is not b and not np.shares_memory(a.queue, b.queue)
    with borrowed(one) as again:
        assert again is a  # the graph's own, reused
    with borrowed(one) as held, borrowed(one) as second:
        assert second is not held  # a query running beside another gets its own
    # the pool goes with its graph: a new graph, even at the same address, starts afresh
    del one
    gc.collect()
    with borrowed(barabasi_albert(500, 3)) as newer:
        assert newer is not a and newer is not b


def test_a_failed_query_drops_its_workspace():
    g = barabasi_albert(200, 2)
    with pytest.raises(RuntimeError), borrowed(g) as broken:
        broken.queued[3] = True  # as a kernel stopped half-way would leave it
        raise RuntimeError("stopped half-way")
    with borrowed(g) as work:
        assert work is not broken and not work.queued.any()


def test_concurrent_batch_equals_one_by_one():
    g = barabasi_albert(3000, 4)
    sources = list(range(0, 3000, 150))
    at = {"seed": 4, "device": "cpu", "threshold": 1.0 / g.n_nodes}  # no top-k rounds
    batch = engine.ppr_batch(g, sources, top_k=10, **at)
    results = {}

    def run(s):
        results[s] = engine.ppr(g, s, **at)

    threads = [threading.Thread(target=run, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sources:
        rows = batch[batch["source"] == s]
        np.testing.assert_allclose(rows["score"], np.sort(results[s])[::-1][: len(rows)])
    assert _clean(g)
