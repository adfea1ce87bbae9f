"""The PPR index: files, stored walks, batches, look-ups, progress."""

import numpy as np
import pytest

import engine
from engine.pagerank import (
    index_kernels,
)
from engine.pagerank.common_kernels import Seeds
from engine.pagerank.walks import walk_graph
from engine.pagerank.walks_kernels import Walker
from loaders import Graph
from tests.engine.pagerank.graphs import (
    check_guarantee,
    email,
    top_precision,
)


def test_index_save_load(tmp_path):
    g = engine.sample("planted")
    index = engine.PPRIndex.build(g, seed=7)
    path = index.save(tmp_path / "planted.ppr-index.npz")
    again = engine.PPRIndex.load(path, g)
    np.testing.assert_array_equal(again.query(42), index.query(42))
    assert again.n_walks == index.n_walks
    with pytest.raises(ValueError, match="built for another graph"):
        engine.PPRIndex.load(path, engine.sample("karate"))
    table = index.query_batch([1, 2], top_k=5)
    assert table.shape == (10, 3) and table["source"].tolist() == [1] * 5 + [2] * 5


def test_index_of_an_older_format_is_refused(tmp_path):
    """Format 1 stored walks that could stop at once; reading them as format 2 would
    count the α·r kept at home twice."""
    import json

    g = engine.sample("karate")
    path = engine.PPRIndex.build(g, seed=7).save(tmp_path / "karate.ppr-index.npz")
    with np.load(path) as archive:
        parts = dict(archive)
    meta = json.loads(str(parts["meta"]))
    meta["format_version"] = 1
    parts["meta"] = np.array(json.dumps(meta))
    with open(path, "wb") as sink:
        np.savez(sink, **parts)
    with pytest.raises(ValueError, match="format 1 is older.*PPRIndex.build"):
        engine.PPRIndex.load(path, g)


def test_stored_walks_take_their_first_step_for_sure():
    """End points of the index's walks from v follow (π_v − α·e_v)/(1−α) (a walk
    that steps first, then stops with probability α); on a directed path 0→1→2 they
    end at 1, at 2, or meet the dangling node 2 (-1) with probabilities α, (1−α)·α,
    (1−α)², and every walk from 2 itself is -1."""
    g = engine.sample("karate")
    n_walks, alpha = 200_000, 0.15

    def stored_walk_ends(graph, starts, ends):
        walker = Walker.of(walk_graph(graph), Seeds.none(), alpha, 3)
        index_kernels.stored_walk_ends(walker, starts, 0, ends)

    ends = np.empty(n_walks, dtype=np.int64)
    stored_walk_ends(g, np.zeros(n_walks, np.int64), ends)
    frequency = np.bincount(ends, minlength=g.n_nodes) / n_walks
    exact = engine.ppr(g, 0, alpha=alpha, method="exact")
    exact[0] -= alpha
    np.testing.assert_allclose(frequency, exact / (1 - alpha), atol=0.006)

    path = Graph.from_edges(np.array([0, 1]), np.array([1, 2]), n_nodes=3, directed=True)
    starts = np.r_[np.zeros(n_walks, np.int64), [2, 2, 2]]
    ends = np.empty(starts.shape[0], dtype=np.int64)
    stored_walk_ends(path, starts, ends)
    assert (ends[n_walks:] == -1).all()
    counts = {end: np.mean(ends[:n_walks] == end) for end in (1, 2, -1)}
    expected = {1: alpha, 2: (1 - alpha) * alpha, -1: (1 - alpha) ** 2}
    for end, probability in expected.items():
        assert counts[end] == pytest.approx(probability, abs=0.005)


def test_batches_match_single_queries():
    """Batches run one query per thread on serial kernels; the tables must be those of
    the single (parallel-kernel) queries, node for node and score for score."""
    g = engine.sample("planted")
    sources = [3, 500, 9999, 7, 42]
    index = engine.PPRIndex.build(g, seed=2)
    # A set threshold: without one a batch's top-k queries pick theirs (engine.pagerank.top_k).
    at = {"seed": 3, "device": "cpu", "threshold": 1.0 / g.n_nodes}
    for table, single in (
        (
            engine.ppr_batch(g, sources, top_k=12, **at),
            lambda s: engine.top_nodes(g, engine.ppr(g, s, **at), 12),
        ),
        (
            index.query_batch(sources, top_k=12),
            lambda s: engine.top_nodes(g, index.query(s), 12),
        ),
    ):
        assert table["source"].tolist() == [s for s in sources for _ in range(12)]
        for source in sources:
            part = table[table["source"] == source]
            expected = single(source)
            assert part["node"].tolist() == expected["node"].tolist()
            np.testing.assert_array_equal(part["score"].to_numpy(), expected["score"].to_numpy())


def test_index_look_ups_match_a_plain_reading_of_the_rule():
    """The look-up kernel against a loop written from its docstring: node v keeps
    α·r, and sends (1−α)·r on ⌊(1−α)·|r|·ω⌋ stored walks plus a coin from stream
    (seed, v), each worth ±1/ω; a node needing more walks than stored spreads
    (1−α)·r over all of them; ends of -1 are restart mass q, and the answer is
    max(estimate/(1−q), 0); the same with any number of lanes."""
    from engine._kernels import random as rng

    random = np.random.default_rng(8)
    n, alpha, omega, seed = 40, 0.2, 7.0, 123
    per_node = random.integers(1, 6, n)  # build stores at least one walk per node
    offsets = np.concatenate([[0], np.cumsum(per_node)]).astype(np.int64)
    ends = random.integers(-1, n, offsets[-1]).astype(np.int32)
    residual = random.normal(0, 0.4, n)
    residual[random.random(n) < 0.3] = 0.0
    residual[5] = (per_node[5] + 2) / ((1 - alpha) * omega)  # more than its stored walks
    nodes = np.flatnonzero(residual)
    salt = np.uint64(seed) ^ np.uint64(0x2545F4914F6CDD1D)
    expected = np.zeros(n)
    restart = 0.0
    for v in nodes:
        expected[v] += alpha * residual[v]
        wanted = (1 - alpha) * abs(residual[v]) * omega
        used = int(wanted)
        with np.errstate(over="ignore"):  # the stream's arithmetic wraps on purpose
            u, _ = rng.next_uniform(rng.stream_start(salt, np.uint64(v)))
        used += int(u < wanted - used)
        if used > per_node[v]:
            used, share = per_node[v], (1 - alpha) * residual[v] / per_node[v]
        else:
            share = np.sign(residual[v]) / omega
        for end in ends[offsets[v] : offsets[v] + used]:
            if end < 0:
                restart += share
            else:
                expected[end] += share
    kernels = index_kernels
    answers = []
    for lanes in (None, 1, 2, 3):
        estimate = np.zeros(n)
        arguments = (kernels.StoredWalks(offsets, ends, alpha, omega, seed), residual, estimate)
        if lanes is None:
            counts = np.full((1, n), 7, dtype=np.int32)  # a workspace's: not zeroed
            got = kernels.accumulate_fingerprints_serial(*arguments, counts)
        else:
            counts = np.full((lanes, n), -3, dtype=np.int32)
            got = kernels.accumulate_fingerprints_parallel(*arguments, counts)
        assert got == pytest.approx(restart, abs=1e-12)
        np.testing.assert_allclose(estimate, np.maximum(expected / (1 - restart), 0), atol=1e-12)
        answers.append(estimate)
    for estimate in answers[1:]:  # the lanes' integer counts add up exactly
        np.testing.assert_array_equal(estimate, answers[0])


def test_a_larger_index_keeps_the_guarantee():
    g = email()
    small = engine.PPRIndex.build(g, seed=5)
    large = engine.PPRIndex.build(g, seed=5, balance=4.0)
    assert 3.5 * small.n_walks < large.n_walks < 4.5 * small.n_walks
    for source in (0, 17, 400):
        exact = engine.ppr(g, source, method="exact")
        check_guarantee(large.query(source), exact, g.n_nodes, 0.5)
        assert top_precision(large.query(source), exact) >= 0.9


def test_index_build_reports_progress():
    calls = []
    engine.PPRIndex.build(
        engine.sample("karate"),
        seed=1,
        progress=lambda done, total, stage: calls.append((done, total)),
    )
    assert calls and calls[-1][0] == calls[-1][1]


# ------------------------------------------------------------------ GPU twin
