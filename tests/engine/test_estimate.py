"""Memory estimates of the heavy calls: close to a real run's peak, and enforced before work.

Peaks are measured with tracemalloc, which sees every NumPy allocation (Numba's
own arrays it does not see; the estimates count them, and sampled RSS agreed
within 1.2x when these bounds were set: see the commit message).
"""

import tracemalloc

import numpy as np
import pytest

import engine
from engine.estimate import (
    fastrp_memory,
    orbit_counts_memory,
    ppr_index_memory,
)
from loaders import Graph, InsufficientMemoryError, memory, planted_partition, rmat


def _peak(call) -> int:
    """Bytes allocated at the peak of ``call()`` above what was allocated before it."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def _within_twice(estimate: int, measured: int) -> None:
    assert measured / 2 <= estimate <= 2 * measured, (
        f"estimate {estimate:,} vs measured {measured:,} bytes ({estimate / measured:.2f}x)"
    )


def _directed_with_loops(n: int, m: int, seed: int) -> Graph:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = np.where(rng.random(m) < 0.05, src, rng.integers(0, n, m))
    return Graph.from_edges(src, dst, directed=True, n_nodes=n)


def _weighted(g: Graph) -> Graph:
    src = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    upper = src <= g.indices
    weights = np.random.default_rng(0).uniform(0.5, 2.0, int(upper.sum()))
    return Graph.from_edges(src[upper], g.indices[upper], weights, n_nodes=g.n_nodes)


@pytest.fixture(scope="module")
def graphs():
    return {
        "planted": planted_partition([2000] * 10, 10 / 2000, 2 / 20000, seed=1),
        "rmat": rmat(14, 16, seed=2),
    }


@pytest.mark.parametrize(
    ("name", "dim", "weights", "self_influence"),
    [
        ("planted", 64, (0.0, 1.0, 1.0), 0.0),
        ("rmat", 128, (0.0, 1.0, 1.0), 0.0),
        ("planted", 64, (0.0, 1.0, 1.0, 1.0), 0.5),  # the in-place path with its scratch
    ],
)
def test_fastrp_estimate_is_within_twice_the_peak(graphs, name, dim, weights, self_influence):
    g = graphs[name]

    def call():
        engine.fastrp(
            g,
            dim=dim,
            iteration_weights=weights,
            self_influence=self_influence,
            seed=0,
            device="cpu",
        )

    call()  # compile first: the compiler's allocations are not the call's
    _within_twice(fastrp_memory(g, dim, weights, self_influence), _peak(call))


@pytest.mark.parametrize("kind", ["planted", "directed-with-loops"])
def test_five_node_orbit_estimate_is_within_twice_the_peak(kind):
    if kind == "planted":
        g = planted_partition([500] * 10, 6 / 500, 2 / 5000, seed=1)
    else:
        g = _directed_with_loops(4000, 16000, seed=3)
    engine.orbit_counts(g.subgraph(np.arange(50)), graphlet_size=5)  # compile this kind's path
    _within_twice(orbit_counts_memory(g, 5), _peak(lambda: engine.orbit_counts(g, graphlet_size=5)))


@pytest.mark.parametrize("kind", ["planted", "rmat-weighted"])
def test_ppr_index_estimate_is_within_twice_the_peak(graphs, kind):
    g = graphs["planted"] if kind == "planted" else _weighted(graphs["rmat"])
    engine.PPRIndex.build(g.subgraph(np.arange(50)), seed=0)
    _within_twice(ppr_index_memory(g), _peak(lambda: engine.PPRIndex.build(g, seed=0)))


@pytest.mark.parametrize(("eps", "balance"), [(0.5, 1.0), (0.3, 2.0)])
def test_ppr_index_estimate_counts_the_walks_build_stores(graphs, eps, balance):
    g = graphs["planted"]
    walks = engine.PPRIndex.build(g, eps=eps, balance=balance, seed=0).n_walks
    expected = 12 * walks + 8 * -(-walks // 20) + 32 * g.n_nodes
    assert ppr_index_memory(g, eps=eps, balance=balance) == expected


# ------------------------------------------------------------------ refused before work


@pytest.fixture
def little_memory(monkeypatch):
    """A machine with 1 MiB free (and no GWB_MEMORY_LIMIT to override it)."""
    monkeypatch.delenv(memory.ENV_VAR, raising=False)
    monkeypatch.setattr(memory, "available_memory", lambda: 2**20)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda g: engine.fastrp(g, dim=512, seed=0, device="cpu"), "dim"),
        (lambda g: engine.orbit_counts(g, graphlet_size=5), "graphlet_size"),
        (lambda g: engine.PPRIndex.build(g, eps=0.1, seed=0), "balance"),
    ],
    ids=["fastrp", "orbit_counts", "PPRIndex.build"],
)
def test_heavy_calls_refuse_what_does_not_fit(graphs, little_memory, call, parameter):
    g = graphs["planted"]
    with pytest.raises(InsufficientMemoryError) as caught:
        call(g)
    error = caught.value
    assert isinstance(error, MemoryError)
    assert error.parameter == parameter and f"lower {parameter}" in str(error)
    assert error.available == 2**20 and error.needed > 2**20
    assert "1.0 MiB" in str(error) and f"{g.n_nodes:,} nodes" in str(error)


def test_refusal_comes_before_the_allocation(graphs, little_memory):
    g = graphs["planted"]
    tracemalloc.start()
    try:
        with pytest.raises(InsufficientMemoryError):
            engine.fastrp(g, dim=512, seed=0, device="cpu")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < fastrp_memory(g, dim=512) / 10


def test_environment_limit_applies_to_heavy_calls(graphs, monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, "1M")
    with pytest.raises(InsufficientMemoryError, match="GWB_MEMORY_LIMIT"):
        engine.fastrp(graphs["planted"], dim=512, seed=0, device="cpu")
    monkeypatch.setenv(memory.ENV_VAR, "1T")
    assert engine.fastrp(engine.sample("karate"), dim=8, seed=0, device="cpu").shape == (34, 8)


def test_estimates_grow_with_their_parameter(graphs):
    g = graphs["planted"]
    assert fastrp_memory(g, dim=256) > 1.9 * fastrp_memory(g, dim=128)
    assert orbit_counts_memory(g, 5) > 3 * orbit_counts_memory(g, 4)
    assert ppr_index_memory(g, balance=2.0) > 1.9 * ppr_index_memory(g, balance=1.0)
    with pytest.raises(ValueError, match="graphlet_size"):
        orbit_counts_memory(g, 6)
