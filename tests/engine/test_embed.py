"""FastRP: the dense-matrix formula, determinism, the GPU twin, and classification quality."""

import subprocess
import sys

import numba
import numpy as np
import pytest
import scipy.sparse as sp

import engine
from engine import embed
from loaders import Graph
from tests.conftest import shared_dataset
from tests.graphs import TINY_GRAPHS


def dense_fastrp(g: Graph, initial: np.ndarray, weights, self_influence: float) -> np.ndarray:
    """The paper's formula with dense matrices: N_k = normalise(D^-1 A N_{k-1})."""
    adjacency = g.to_scipy().toarray()
    degrees = adjacency.sum(axis=1)
    transition = adjacency / np.where(degrees > 0, degrees, 1.0)[:, None]

    def normalise(m):
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(norms > 0, norms, 1.0)

    current = initial.astype(np.float64)
    result = self_influence * normalise(current)
    for weight in weights:
        current = normalise(transition @ current)
        result = result + weight * current
    return result


GRAPHS = {
    "karate": lambda: engine.sample("karate"),
    "lesmis (weighted)": lambda: engine.sample("lesmis"),
    "directed, dangling": lambda: TINY_GRAPHS["directed"].build(),
    "disconnected": lambda: TINY_GRAPHS["disconnected"].build(),
}
SETTINGS = [
    ((0.0, 1.0, 1.0), 0.0, 0.0),
    ((0.0, 0.0, 1.0, 6.0), -0.9, 0.0),
    ((1.0, 1.0, 1.0, 1.0), 0.5, 0.7),
    ((2.0,), 0.0, 1.0),
]


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.parametrize(("weights", "beta", "self_influence"), SETTINGS)
def test_equals_the_dense_formula(name, weights, beta, self_influence):
    g = GRAPHS[name]()
    initial = embed.initial_vectors(g, 24, beta, seed=11)
    expected = dense_fastrp(g, initial, weights, self_influence)
    for width in (None, 8):  # also force the column-blocked in-place path
        result = engine.fastrp(
            g,
            dim=24,
            iteration_weights=weights,
            normalization_strength=beta,
            self_influence=self_influence,
            seed=11,
            device="cpu",
            block_width=width,
        )
        assert result.dtype == np.float32
        np.testing.assert_allclose(result, expected, atol=2e-6)


def test_initial_vectors_scale_rows_by_degree_power():
    g = engine.sample("lesmis")
    plain = embed.initial_vectors(g, 16, 0.0, seed=2)
    damped = embed.initial_vectors(g, 16, -0.5, seed=2)
    degrees = g.degree(weighted=True)
    np.testing.assert_allclose(damped, plain * (degrees**-0.5)[:, None], rtol=1e-6)


def test_gpu_twin_matches_cpu_kernels():
    """The array-module code that runs under CuPy, run here with NumPy/SciPy."""
    g = engine.sample("planted")
    for weights, self_influence in (((0.0, 1.0, 1.0), 0.0), ((1.0, 0.5, 1.0, 2.0), 0.3)):
        initial = embed.initial_vectors(g, 64, -0.3, seed=4)
        twin = embed.propagate_array_module(
            g, initial.copy(), list(weights), self_influence, np, sp.csr_matrix
        )
        cpu = engine.fastrp(
            g,
            dim=64,
            iteration_weights=weights,
            self_influence=self_influence,
            normalization_strength=-0.3,
            seed=4,
            device="cpu",
        )
        np.testing.assert_allclose(cpu, twin, atol=2e-6)


def test_bit_identical_for_a_seed_whatever_the_threads():
    g = engine.sample("planted")
    first = engine.fastrp(g, dim=48, seed=9, device="cpu")
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = engine.fastrp(g, dim=48, seed=9, device="cpu")
    finally:
        numba.set_num_threads(threads)
    assert first.tobytes() == single.tobytes()
    assert not np.array_equal(first, engine.fastrp(g, dim=48, seed=10, device="cpu"))


def test_progress_is_reported():
    calls = []
    engine.fastrp(
        engine.sample("karate"),
        dim=8,
        iteration_weights=(0, 1, 1, 1),
        seed=0,
        device="cpu",
        progress=lambda done, total, stage: calls.append((done, total)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_features_fill_their_share_of_dimensions():
    g = engine.sample("planted")
    result = engine.fastrp(
        g,
        dim=40,
        seed=1,
        features="community",
        feature_ratio=0.25,
        iteration_weights=(1.0,),
        device="cpu",
    )
    initial = embed.initial_vectors(
        g,
        40,
        seed=1,
        features=g.attributes["community"][:, None].astype(np.float32),
        feature_dim=10,
    )
    assert np.count_nonzero(initial[:, 30:]) > 0
    np.testing.assert_allclose(result, dense_fastrp(g, initial, (1.0,), 0.0), atol=2e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dim": 0}, ValueError, "dim must be an integer >= 1"),
        ({"iteration_weights": ()}, ValueError, "iteration_weights must be a non-empty"),
        ({"iteration_weights": (1.0, float("nan"))}, ValueError, "finite"),
        ({"normalization_strength": float("inf")}, ValueError, "normalization_strength"),
        ({"device": "tpu"}, ValueError, "device must be one of 'auto', 'cpu', 'gpu'"),
        ({"features": "nope", "feature_ratio": 0.5}, KeyError, "node attribute 'nope' not found"),
        ({"features": "club", "feature_ratio": 0.5}, ValueError, "numeric node attributes"),
        ({"features": np.ones((34, 2))}, ValueError, "feature_ratio is 0"),
        ({"feature_ratio": 0.5}, ValueError, "feature_ratio > 0 needs features"),
        ({"density": 2.0}, ValueError, "density must be in"),
    ],
)
def test_bad_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        engine.fastrp(engine.sample("karate"), **kwargs)


def test_gpu_request_without_a_gpu():
    if engine.gpu_status()[0]:
        pytest.skip("a GPU is present")
    with pytest.raises(engine.DeviceUnavailableError, match="device='gpu' asked for, but"):
        engine.fastrp(engine.sample("karate"), device="gpu")


@pytest.mark.gpu
def test_gpu_agrees_with_cpu():
    g = engine.sample("planted")
    np.testing.assert_allclose(
        engine.fastrp(g, seed=3, device="gpu"), engine.fastrp(g, seed=3, device="cpu"), atol=1e-5
    )


def test_empty_graph():
    assert engine.fastrp(TINY_GRAPHS["empty"].build(), dim=4).shape == (0, 4)


# ------------------------------------------------------------------ quality


def _macro_f1(features: np.ndarray, classes: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    keep = np.bincount(classes)[classes] >= 2  # stratified split needs two of each class
    x_train, x_test, y_train, y_test = train_test_split(
        features[keep], classes[keep], train_size=0.5, random_state=0, stratify=classes[keep]
    )
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=2000).fit(scaler.transform(x_train), y_train)
    return f1_score(y_test, model.predict(scaler.transform(x_test)), average="macro")


def _email():
    g = engine.load(shared_dataset("email-eu-core", "email-Eu-core.txt"), self_loops="drop")
    table = np.loadtxt(
        shared_dataset("email-eu-core", "email-Eu-core-department-labels.txt"), dtype=int
    )
    department = dict(table.tolist())
    return g, np.array([department[label] for label in g.labels.tolist()])


def _cora():
    g = engine.load(shared_dataset("cora", "cora_edgelist.txt"))
    table = np.loadtxt(shared_dataset("cora", "cora_labels.txt"), dtype=int)
    label = dict(table.tolist())
    return g, np.array([label[node] for node in g.labels.tolist()])


def _planted():
    g = engine.sample("planted")
    return g, g.attributes["community"].astype(int)


# Measured with the defaults (dim 128, weights (0, 1, 1), β = 0, seed 1, 50% training):
# email-Eu-core 0.630, Cora 0.740, planted 0.999; random features 0.021, 0.126, 0.048.
@pytest.mark.parametrize(("load", "floor"), [(_email, 0.58), (_cora, 0.69), (_planted, 0.97)])
def test_node_classification_with_defaults(load, floor):
    pytest.importorskip("sklearn")
    g, classes = load()
    f1 = _macro_f1(engine.fastrp(g, seed=1, device="cpu"), classes)
    baseline = _macro_f1(np.random.default_rng(0).standard_normal((g.n_nodes, 128)), classes)
    assert f1 >= floor
    assert f1 >= baseline + 0.2


def test_importing_the_engine_does_not_import_cupy():
    script = "import sys, engine; print('cupy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
