"""Every GPU code path against its CPU twin, without a GPU (issue #23).

CuPy paths are array-module code: here they run with ``xp=numpy`` and SciPy. The
numba-cuda kernels run under ``NUMBA_ENABLE_CUDASIM=1`` in a child process (the
simulator is chosen when numba is imported). Integer results must be bit-equal;
float results allclose.
"""

import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import scipy.sparse as sp

import engine
from engine import embed
from loaders import Graph


def _directed_with_dangling() -> Graph:
    """A directed graph with dangling nodes, a self-loop, repeated weights and an isolated node."""
    rng = np.random.default_rng(5)
    src = rng.integers(0, 30, 120)
    dst = rng.integers(0, 40, 120)  # ids 30..39 have no out-edges
    weights = rng.uniform(0.5, 2.0, 120)
    return Graph.from_edges(src, dst, weights, directed=True, n_nodes=41)


@pytest.mark.parametrize(
    ("weights", "self_influence", "beta"),
    [((0.0, 1.0, 1.0), 0.0, 0.0), ((1.0, 0.5, 2.0), 0.4, -0.5), ((1.0,), 1.0, 0.0)],
)
def test_fastrp_array_module_twin_on_every_tiny_graph(tiny, weights, self_influence, beta):
    """The CuPy propagation with NumPy in CuPy's place equals the CPU kernels, on the
    empty, isolated, directed, weighted and self-loop fixtures."""
    g = tiny.build()
    initial = embed.initial_vectors(g, 8, beta, seed=1)
    twin = embed.propagate_array_module(
        g, initial.copy(), list(weights), self_influence, np, sp.csr_matrix
    )
    cpu = engine.fastrp(
        g,
        dim=8,
        iteration_weights=weights,
        self_influence=self_influence,
        normalization_strength=beta,
        seed=1,
        device="cpu",
    )
    assert twin.dtype == np.float32 and twin.shape == cpu.shape
    np.testing.assert_allclose(twin, cpu, atol=2e-6)


def test_fastrp_array_module_twin_on_a_directed_weighted_graph():
    g = _directed_with_dangling()
    initial = embed.initial_vectors(g, 32, -0.3, seed=9)
    twin = embed.propagate_array_module(g, initial, [0.0, 1.0, 1.0], 0.0, np, sp.csr_matrix)
    cpu = engine.fastrp(g, dim=32, normalization_strength=-0.3, seed=9, device="cpu")
    np.testing.assert_allclose(twin, cpu, atol=2e-6)


def test_fastrp_array_module_takes_device_resident_arrays():
    """The benchmark hands it a graph's arrays already on the device, not a Graph."""
    from types import SimpleNamespace

    g = engine.sample("lesmis")
    resident = SimpleNamespace(
        n_nodes=g.n_nodes, nnz=g.nnz, weights=g.weights, indptr=g.indptr, indices=g.indices
    )
    initial = embed.initial_vectors(g, 16, seed=2)
    from_graph = embed.propagate_array_module(g, initial, [0.0, 1.0], 0.0, np, sp.csr_matrix)
    from_arrays = embed.propagate_array_module(
        resident, initial, [0.0, 1.0], 0.0, np, sp.csr_matrix
    )
    assert np.array_equal(from_graph, from_arrays)


def test_fastrp_gpu_branch_with_numpy_standing_in_for_cupy(monkeypatch):
    """``engine.fastrp(device="gpu")`` end to end (``N_0`` built by the array module, the
    propagation, the copy back) with NumPy as CuPy and SciPy as cupyx."""
    fake_cupy = types.ModuleType("cupy")
    fake_cupy.__getattr__ = lambda name: getattr(np, name)
    fake_cupy.asnumpy = np.asarray
    cupyx = types.ModuleType("cupyx")
    cupyx.scipy = types.ModuleType("cupyx.scipy")
    cupyx.scipy.sparse = types.ModuleType("cupyx.scipy.sparse")
    cupyx.scipy.sparse.csr_matrix = sp.csr_matrix
    for name, module in (
        ("cupy", fake_cupy),
        ("cupyx", cupyx),
        ("cupyx.scipy", cupyx.scipy),
        ("cupyx.scipy.sparse", cupyx.scipy.sparse),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(embed, "resolve_device", lambda device: "gpu")
    g = _directed_with_dangling()
    features = np.random.default_rng(1).normal(size=(g.n_nodes, 3))
    for options in ({}, {"features": features, "feature_ratio": 0.25, "self_influence": 0.5}):
        on_gpu = engine.fastrp(g, dim=16, seed=6, device="gpu", **options)
        monkeypatch.setattr(embed, "resolve_device", lambda device: "cpu")
        on_cpu = engine.fastrp(g, dim=16, seed=6, device="cpu", **options)
        monkeypatch.setattr(embed, "resolve_device", lambda device: "gpu")
        assert isinstance(on_gpu, np.ndarray) and on_gpu.dtype == np.float32
        np.testing.assert_allclose(on_gpu, on_cpu, atol=2e-6)


def test_initial_vectors_equal_the_projections_dense_matrix():
    """The scatter that builds ``N_0`` on any device equals ``SparseProjection.to_dense``."""
    g = engine.sample("lesmis")
    built = embed.initial_vectors(g, 24, -0.5, seed=3, xp=np)
    from sketches import very_sparse_random_projection

    random_seed, _ = np.random.SeedSequence(3).spawn(2)
    projection = very_sparse_random_projection(g.n_nodes, 24, seed=embed._derived_seed(random_seed))
    degrees = g.degree(weighted=True).astype(np.float64)
    reference = projection.to_dense(row_scale=(degrees**-0.5).astype(np.float32))
    assert np.array_equal(built, reference)


SIMULATED = textwrap.dedent("""
    import warnings
    warnings.simplefilter("ignore")
    import numpy as np
    from engine.pagerank import walks, walks_kernels as cpu, walks_gpu as gpu
    from engine.pagerank.common_kernels import Seeds
    from loaders import Graph
    from sketches.minhash import minhash_signatures

    rng = np.random.default_rng(5)
    g = Graph.from_edges(rng.integers(0, 30, 120), rng.integers(0, 40, 120),
                         rng.uniform(0.5, 2.0, 120), directed=True, n_nodes=41)
    starts = Seeds.of([0, 3, 7], [0.2, 0.3, 0.5])
    # With seeds, a dangling node sends the walk back to them; with none, the walk is lost.
    for name, seeds in (("restart", starts), ("lost", Seeds.none())):
        walker = cpu.Walker.of(walks.walk_graph(g), seeds, 0.2, 11)
        for visits in (False, True):
            on_gpu = np.zeros((1, g.n_nodes), np.int64); steps = np.zeros(1, np.int64)
            gpu.launch(walker, starts, 300, visits, on_gpu, steps, threads_per_block=32,
                       max_blocks=3)
            on_cpu = np.zeros((3, g.n_nodes), np.int64)
            cpu_steps = cpu.sample_walks(walker, starts, 300, visits, on_cpu)
            assert (on_gpu[0] == on_cpu.sum(axis=0)).all(), (name, visits, "counts")
            assert steps[0] == cpu_steps, (name, visits, int(steps[0]), int(cpu_steps))

    # A graph's arrays are read-only (a store is memory-mapped): the kernel reads them.
    indptr, indices = g.indptr, g.indices
    assert not indptr.flags.writeable
    for scheme in ("affine32", "affine64"):
        with np.errstate(over="ignore"):
            on_gpu = minhash_signatures(indptr, indices, 24, 3, scheme=scheme, device="gpu")
        on_cpu = minhash_signatures(indptr, indices, 24, 3, scheme=scheme)
        assert on_gpu.dtype == on_cpu.dtype and np.array_equal(on_gpu, on_cpu), scheme
    print("same")
""")


def test_cuda_kernels_match_cpu_on_a_directed_graph_under_the_simulator():
    """Walk counts and step totals (walks restarted at seeds, and walks lost at a
    dangling node) and MinHash signatures of a read-only graph, bit for bit."""
    pytest.importorskip("numba.cuda")
    result = subprocess.run(
        [sys.executable, "-c", SIMULATED],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_ENABLE_CUDASIM": "1"},
    )
    assert result.stdout.strip() == "same", result.stderr[-3000:]


# ------------------------------------------------------------------ on a real GPU
# Skipped without one (tests/conftest.py); `make gpu-check` runs them where there is one.


@pytest.mark.gpu
def test_gpu_fastrp_with_every_option_agrees_with_cpu():
    g = _directed_with_dangling()
    features = np.random.default_rng(1).normal(size=(g.n_nodes, 3))
    options = {
        "dim": 32,
        "iteration_weights": (0.5, 1.0, 2.0),
        "normalization_strength": -0.4,
        "self_influence": 0.3,
        "features": features,
        "feature_ratio": 0.25,
        "seed": 8,
    }
    np.testing.assert_allclose(
        engine.fastrp(g, device="gpu", **options),
        engine.fastrp(g, device="cpu", **options),
        atol=1e-5,
    )


@pytest.mark.gpu
def test_gpu_minhash_is_bit_equal_to_cpu():
    from sketches.minhash import minhash_signatures

    g = engine.sample("planted")
    for scheme in ("affine32", "affine64"):
        for include_self in (True, False):
            args = (g.indptr, g.indices, 64, 5, include_self)
            on_cpu = minhash_signatures(*args, scheme=scheme)
            on_gpu = minhash_signatures(*args, scheme=scheme, device="gpu")
            assert on_gpu.dtype == on_cpu.dtype and np.array_equal(on_gpu, on_cpu)
            columns = minhash_signatures(*args, scheme=scheme, device="gpu", order="F")
            assert columns.flags.f_contiguous and np.array_equal(columns, on_cpu)
            block = minhash_signatures(
                g.indptr[10:21], g.indices, 64, 5, include_self, scheme=scheme,
                device="gpu", first_row=10,
            )  # fmt: skip
            assert np.array_equal(block, on_cpu[10:20])


@pytest.mark.gpu
def test_gpu_walks_are_bit_equal_to_cpu_on_a_directed_weighted_graph():
    from engine.pagerank import walks

    g = _directed_with_dangling()
    nodes, mass = np.array([0, 3, 7]), np.array([0.2, 0.3, 0.5])
    for visits in (False, True):
        on_gpu = walks.run_walks(g, nodes, mass, nodes, mass, 0.15, 50_000, visits, "gpu", 4)
        on_cpu = walks.run_walks(g, nodes, mass, nodes, mass, 0.15, 50_000, visits, "cpu", 4)
        assert np.array_equal(on_gpu, on_cpu)


@pytest.mark.gpu
def test_gpu_hybrid_ppr_is_close_to_exact():
    g = engine.sample("planted")
    exact = engine.ppr(g, [0, 5], method="exact")
    on_gpu = engine.ppr(g, [0, 5], method="hybrid", eps=0.1, seed=2, device="gpu")
    significant = exact > 0.002  # the guarantee: relative error eps above delta, w.h.p.
    np.testing.assert_allclose(on_gpu[significant], exact[significant], rtol=0.1)
