"""Graphs and references the PPR tests share."""

import os

import igraph as ig
import networkx as nx
import numpy as np

import engine
import loaders
from loaders import Graph
from tests import conftest


def email(directed=False):
    """email-Eu-core from ../shared, else a generated graph of its size and kind (R-MAT:
    1,024 nodes, 16k edges, hubs, dangling nodes when directed), so no test skips."""
    path = os.path.join(conftest.SHARED_DATASETS, "email-eu-core", "email-Eu-core.txt")
    if os.path.exists(path):
        return engine.load(path, directed=directed, self_loops="drop")
    src, dst = loaders.rmat(10, 16, seed=7, as_arrays=True)
    return Graph.from_edges(
        src, dst, directed=directed, self_loops="drop", n_nodes=1024, name="email-like"
    )


def networkx_ppr(g: Graph, personalization: dict, alpha=0.15, weight=None) -> np.ndarray:
    reference = g.to_networkx()
    scores = nx.pagerank(
        reference,
        alpha=1 - alpha,
        personalization=personalization,
        dangling=personalization,
        tol=1e-14,
        max_iter=10_000,
        weight=weight,
    )
    return np.array([scores[label] for label in g.labels.tolist()])


# ------------------------------------------------------------------ exact


def _transition(g, seed_nodes, seed_mass):
    """The dense transition matrix, rows by source: a dangling row jumps to the seeds."""
    adjacency = g.to_scipy().toarray()
    out = adjacency.sum(axis=1)
    s = np.zeros(g.n_nodes)
    s[seed_nodes] = seed_mass
    return np.where(out[:, None] > 0, adjacency / np.where(out > 0, out, 1)[:, None], s[None, :])


def ppr_from(g, v, seed_nodes, seed_mass, alpha=0.15):
    """Exact PPR from v whose dangling mass jumps to the seed distribution (dense solve)."""
    n = g.n_nodes
    start = np.zeros(n)
    start[v] = 1.0
    transition = _transition(g, seed_nodes, seed_mass)
    return alpha * np.linalg.solve(np.eye(n) - (1 - alpha) * transition.T, start)


def ppr_matrix(g, seed_nodes, seed_mass, alpha=0.15):
    """Column v: exact PPR from v with dangling mass jumping to the seeds (dense solve)."""
    transition = _transition(g, seed_nodes, seed_mass)
    return alpha * np.linalg.inv(np.eye(g.n_nodes) - (1 - alpha) * transition.T)


def barabasi_albert(n: int, m: int) -> Graph:
    import random

    random.seed(7)
    ig.set_random_number_generator(random)
    edges = np.asarray(ig.Graph.Barabasi(n, m).get_edgelist())
    return Graph.from_edges(edges[:, 0], edges[:, 1], n_nodes=n)


def check_guarantee(estimate, exact, n, eps):
    """Relative error <= eps on at least 1 - 1/n of the nodes with π >= 1/n (FORA's bound)."""
    significant = exact >= 1.0 / n
    relative = np.abs(estimate[significant] - exact[significant]) / exact[significant]
    assert np.mean(relative <= eps) >= 1 - 1.0 / n


def top_precision(estimate, exact, k=20) -> float:
    truth = set(np.argsort(-exact, kind="stable")[:k].tolist())
    return len(truth & set(np.argsort(-estimate, kind="stable")[:k].tolist())) / k


def estimator(g, method, eps):
    if method == "index":
        index = engine.PPRIndex.build(g, eps=eps, seed=5)
        return index.query
    return lambda source: engine.ppr(g, source, method=method, eps=eps, seed=11, device="cpu")
