"""Walks, the hybrid and the index against exact: guarantees, precision, seeds, the GPU twin."""

import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

import engine
from engine.pagerank import (
    common,
    hybrid,
    push,
    walks,
)
from tests.engine.pagerank.graphs import (
    check_guarantee,
    email,
    estimator,
    top_precision,
)


@pytest.mark.parametrize("method", ["walks", "hybrid", "index"])
@pytest.mark.parametrize("graph", ["email", "planted"])
def test_approximations_meet_their_guarantee(method, graph):
    g = email() if graph == "email" else engine.sample("planted")
    estimate = estimator(g, method, 0.5)
    for source in (0, 17, 400):
        check_guarantee(estimate(source), engine.ppr(g, source, method="exact"), g.n_nodes, 0.5)


# Mean over 10 sources, fixed seeds. Walks alone need a tighter eps for the same ranking:
# measured 0.935 (planted) at eps 0.5, 0.96 at 0.2; hybrid and the index 0.96-0.99 at 0.5.
@pytest.mark.parametrize(("method", "eps"), [("walks", 0.2), ("hybrid", 0.5), ("index", 0.5)])
@pytest.mark.parametrize("graph", ["email", "planted"])
def test_top_20_precision(method, eps, graph):
    g = email() if graph == "email" else engine.sample("planted")
    estimate = estimator(g, method, eps)
    sources = range(0, 400, 40)
    precision = np.mean(
        [top_precision(estimate(s), engine.ppr(g, s, method="exact")) for s in sources]
    )
    # rounded: a mean of hit fractions of exactly 0.95 (190 of 200) must not fail by 1 ulp
    assert round(precision, 9) >= 0.95


def test_seed_sets_and_directed_dangling_approximations():
    g = email(directed=True)
    seeds = {0: 1.0, 5: 2.0, 77: 1.0}
    exact = engine.ppr(g, seeds, method="exact")
    for estimate in (
        engine.ppr(g, seeds, method="hybrid", seed=2, device="cpu"),
        engine.PPRIndex.build(g, seed=3).query(seeds),
    ):
        check_guarantee(estimate, exact, g.n_nodes, 0.5)
        assert top_precision(estimate, exact) >= 0.9


def test_same_seed_same_result_whatever_the_threads():
    g = engine.sample("planted")
    first = engine.ppr(g, 10, method="walks", n_walks=20_000, seed=4, device="cpu")
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = engine.ppr(g, 10, method="walks", n_walks=20_000, seed=4, device="cpu")
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(first, single)
    other = engine.ppr(g, 10, method="walks", n_walks=20_000, seed=5, device="cpu")
    assert not np.array_equal(first, other)


def test_visit_estimator_has_lower_variance():
    """Why ``walks`` counts visits: at the same walk count its error is smaller."""
    g = engine.sample("karate")
    exact = engine.ppr(g, 0, method="exact")
    nodes, mass = common.seed_distribution(g, 0)
    visit_errors, end_errors = [], []
    for seed in range(30):
        visits = walks.run_walks(g, nodes, mass, nodes, mass, 0.15, 2000, True, "cpu", seed)
        ends = walks.run_walks(g, nodes, mass, nodes, mass, 0.15, 2000, False, "cpu", seed)
        visit_errors.append(np.sum((0.15 * visits / 2000 - exact) ** 2))
        end_errors.append(np.sum((ends / 2000 - exact) ** 2))
    assert np.mean(visit_errors) < 0.6 * np.mean(end_errors)


def test_weighted_walks_follow_weights():
    g = engine.sample("lesmis")
    exact = engine.ppr(g, "Valjean", method="exact")
    estimate = engine.ppr(g, "Valjean", method="walks", n_walks=400_000, seed=1, device="cpu")
    significant = exact > 0.01
    np.testing.assert_allclose(estimate[significant], exact[significant], rtol=0.05)


# ------------------------------------------------------------------ the index


def test_gpu_kernel_matches_cpu_under_the_cuda_simulator():
    pytest.importorskip("numba.cuda")
    script = textwrap.dedent("""
        import warnings
        warnings.simplefilter("ignore")
        import numpy as np
        from engine.pagerank import walks, walks_kernels as cpu, walks_gpu as gpu
        from engine.pagerank.common_kernels import Seeds
        from loaders import sample
        for name, visits in (("karate", False), ("lesmis", True)):
            g = sample(name)
            starts = Seeds.of([0, 3], [0.25, 0.75])
            walker = cpu.Walker.of(walks.walk_graph(g), starts, 0.15, 99)
            on_gpu = np.zeros((1, g.n_nodes), np.int64); steps = np.zeros(1, np.int64)
            gpu.launch(walker, starts, 400, visits, on_gpu, steps, threads_per_block=32,
                       max_blocks=4)
            on_cpu = np.zeros((2, g.n_nodes), np.int64)
            cpu_steps = cpu.sample_walks(walker, starts, 400, visits, on_cpu)
            assert (on_gpu[0] == on_cpu.sum(axis=0)).all(), name
            assert steps[0] == cpu_steps, name
        # The host side of device="gpu" (the graph and seeds copied to the device, the
        # launch, the copy back), with NumPy standing in for CuPy under the simulator.
        import sys, types
        sys.modules["cupy"] = types.SimpleNamespace(
            asarray=np.asarray, zeros=np.zeros, asnumpy=np.asarray, int64=np.int64)
        g = sample("lesmis")
        nodes, mass = np.array([0, 3]), np.array([0.5, 0.5])
        for visits in (False, True):
            on_gpu = walks.run_walks(g, nodes, mass, nodes, mass, 0.15, 300, visits, "gpu", 7)
            on_cpu = walks.run_walks(g, nodes, mass, nodes, mass, 0.15, 300, visits, "cpu", 7)
            assert (on_gpu == on_cpu).all() and on_cpu.sum() >= 300
        print("same")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_ENABLE_CUDASIM": "1"},
    )
    assert result.stdout.strip() == "same", result.stderr[-2000:]


def test_gpu_hybrid_walks_carry_the_residual_sign(monkeypatch):
    """The GPU hybrid's host side (positive and negative residuals as two sets of
    walks) with the walk kernel routed to its CPU twin: the estimate must meet the
    guarantee from a residual that over-relaxed sweeps left signed."""
    original = walks.run_walks
    monkeypatch.setattr(walks, "run_walks", lambda *args: original(*args[:8], "cpu", args[9]))
    g = engine.sample("karate")
    nodes, mass = common.seed_distribution(g, 0)
    accuracy = hybrid.Accuracy.of(g, 0.1, None, None)
    estimate, residual = push.power_push(g, nodes, mass, 0.15, accuracy, 1e3, queue_limit=0)
    assert residual.min() < 0
    result = hybrid._fora_walks_gpu(g, nodes, mass, 0.15, accuracy, 4, estimate, residual)
    exact = engine.ppr(g, 0, method="exact", tol=1e-13)
    check_guarantee(result, exact, g.n_nodes, 0.1)
    without_negative = hybrid._fora_walks_gpu(
        g, nodes, mass, 0.15, accuracy, 4, estimate, np.maximum(residual, 0)
    )
    assert np.abs(without_negative - exact).max() > 2 * np.abs(result - exact).max()


@pytest.mark.gpu
def test_gpu_walks_agree_with_cpu():
    if not engine.gpu_status()[0]:
        pytest.skip("no GPU")
    g = engine.sample("planted")
    np.testing.assert_array_equal(
        engine.ppr(g, 5, method="walks", n_walks=100_000, seed=3, device="gpu"),
        engine.ppr(g, 5, method="walks", n_walks=100_000, seed=3, device="cpu"),
    )


# ------------------------------------------------------------------ bad input
