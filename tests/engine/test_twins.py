"""Small graphs run the serial twin of each kernel, so that a first result never waits
for a parallel twin's compile (issue #22); the parallel twins, which only larger graphs
run, must give the same results. Each test forces them on a small graph."""

import numpy as np
import pytest

import engine
from checks import twins
from engine.graphlets import common as graphlet_common


@pytest.fixture
def parallel_twins(monkeypatch):
    """Every size rule chooses the parallel twins, however small the graph."""
    monkeypatch.setattr(twins, "PARALLEL_FROM_WORK", 0)
    monkeypatch.setattr(graphlet_common, "PARALLEL_WORK", 0)


@pytest.fixture(scope="module")
def lesmis():
    return engine.sample("lesmis")


def _twice(compute, request):
    serial = compute()
    request.getfixturevalue("parallel_twins")
    return serial, compute()


def test_small_graphs_run_serial(lesmis):
    assert twins.runs_serial(lesmis.n_nodes + lesmis.nnz)
    with twins.serial_below(lesmis.n_nodes + lesmis.nnz):
        assert twins.Twins(lambda: "serial", lambda: "parallel")() == "serial"


def test_orbit_counts_agree(lesmis, request):
    serial, parallel = _twice(
        lambda: (engine.orbit_counts(lesmis), engine.edge_orbit_counts(lesmis)), request
    )
    np.testing.assert_array_equal(serial[0], parallel[0])
    np.testing.assert_array_equal(serial[1], parallel[1])


def test_fastrp_agrees(lesmis, request):
    serial, parallel = _twice(lambda: engine.fastrp(lesmis, dim=16, seed=3), request)
    np.testing.assert_array_equal(serial, parallel)


def test_hybrid_ppr_agrees(lesmis, request):
    serial, parallel = _twice(
        lambda: engine.ppr(
            lesmis, list(lesmis.labels[[0, 5]]), method="hybrid", seed=7, device="cpu"
        ),
        request,
    )
    np.testing.assert_array_equal(serial, parallel)


def test_neighbourhood_index_agrees(lesmis, request):
    """MinHash signatures and the LSH band keys (sketches) are twins too."""

    def build():
        index = engine.NeighbourhoodIndex.build(lesmis, threshold=0.3, device="cpu")
        return index.signatures, index.similar(lesmis.labels[0], k=10)

    serial, parallel = _twice(build, request)
    np.testing.assert_array_equal(serial[0], parallel[0])
    assert serial[1].equals(parallel[1])
