"""Forward push and PowerPush: invariants against exact, sweeps against a plain loop."""

import numpy as np
import pytest

import engine
from engine.pagerank import (
    common,
    common_kernels,
    forward_push,
    hybrid,
    hybrid_kernels,
    push,
    sweep_kernels,
    walks,
)
from loaders import Graph
from tests.engine.pagerank.graphs import (
    barabasi_albert,
    email,
    ppr_from,
    ppr_matrix,
)
from tests.graphs import TINY_GRAPHS


@pytest.mark.parametrize("r_max", [1e-2, 1e-4])
def test_push_invariant_and_residual_bound(r_max):
    for g in (engine.sample("karate"), engine.sample("lesmis"), TINY_GRAPHS["directed"].build()):
        seeds = {g.label(0): 1.0, g.label(2): 0.5}
        estimate, residual = forward_push(g, seeds, r_max=r_max)
        exact = engine.ppr(g, seeds, method="exact")
        # π = p + Σ_v r_v·π_v, where π_v sends dangling mass to the original seeds
        nodes, mass = common.seed_distribution(g, seeds)
        reconstructed = estimate.copy()
        for v in np.flatnonzero(residual):
            pi_v = ppr_from(g, v, nodes, mass)
            reconstructed += residual[v] * pi_v
        np.testing.assert_allclose(reconstructed, exact, atol=1e-9)
        assert np.all(residual <= r_max * np.maximum(np.diff(g.indptr), 1) + 1e-15)


def test_push_estimate_is_the_ppr_method():
    g = engine.sample("karate")
    estimate, _ = forward_push(g, 0, r_max=1e-6)
    np.testing.assert_array_equal(engine.ppr(g, 0, method="push", r_max=1e-6), estimate)


@pytest.mark.parametrize("queue_limit", [0, None])
@pytest.mark.parametrize("r_max", [None, 1e-3])
def test_power_push_invariant(queue_limit, r_max):
    """PowerPush's sweeps keep π = estimate + Σ_v residual[v]·π_v on weighted, directed
    and dangling graphs (the residual is signed where over-relaxed sweeps overshot);
    with r_max the residual bound holds too."""
    sink = Graph.from_edges([0, 1, 2, 0], [1, 2, 3, 2], directed=True)
    weighted_sink = Graph.from_edges(
        [0, 1, 2, 2, 4, 1], [1, 2, 0, 3, 0, 4], [1.0, 2.5, 0.5, 4.0, 3.0, 0.25], directed=True
    )
    graphs = (
        engine.sample("karate"),
        engine.sample("lesmis"),
        TINY_GRAPHS["directed"].build(),
        TINY_GRAPHS["disconnected"].build(),
        sink,
        weighted_sink,
        email(directed=True),
    )
    for g in graphs:
        seeds = {g.label(0): 1.0, g.label(2): 0.5}
        nodes, mass = common.seed_distribution(g, seeds)
        accuracy = hybrid.Accuracy.of(g, 0.5, None, None)
        estimate, residual = push.power_push(
            g, nodes, mass, 0.15, accuracy, 1e5, r_max=r_max, queue_limit=queue_limit
        )
        exact = engine.ppr(g, seeds, method="exact", tol=1e-13)
        reconstructed = estimate + ppr_matrix(g, nodes, mass) @ residual
        np.testing.assert_allclose(reconstructed, exact, atol=1e-9)
        if g.directed:  # plain Gauss–Seidel passes π by float32 rounding at most
            assert residual.min() >= -1e-6
        if r_max is not None:
            assert np.all(np.abs(residual) <= r_max * np.maximum(np.diff(g.indptr), 1) + 1e-15)


def test_power_push_sweeps_converge_to_exact():
    """With walks priced out, the sweeps alone must reach π (the invariant above holds for
    any estimate below π, so it cannot tell a sweep that stalls)."""
    weighted_undirected = Graph.from_edges(
        [0, 1, 2, 0, 3], [1, 2, 3, 2, 1], [1.0, 2.0, 1.0, 0.5, 3.0]
    )
    weighted_sink = Graph.from_edges(
        [0, 1, 2, 2, 4, 1], [1, 2, 0, 3, 0, 4], [1.0, 2.5, 0.5, 4.0, 3.0, 0.25], directed=True
    )
    for g in (engine.sample("lesmis"), weighted_undirected, weighted_sink, email(directed=True)):
        seeds = {g.label(0): 1.0, g.label(2): 0.5}
        nodes, mass = common.seed_distribution(g, seeds)
        accuracy = hybrid.Accuracy.of(g, 0.5, None, None)
        estimate, residual = push.power_push(g, nodes, mass, 0.15, accuracy, 1e30, queue_limit=0)
        assert np.abs(residual).sum() < 1e-9
        np.testing.assert_allclose(
            estimate, engine.ppr(g, seeds, method="exact", tol=1e-13), atol=1e-9
        )


@pytest.mark.parametrize("graph", ["email", "email directed", "lesmis weighted"])
def test_coloured_sweep_is_a_serial_sweep_in_colour_order(graph):
    """The parallel sweep runs a colour's nodes at once; that is only a Gauss–Seidel
    sweep if no two nodes of a colour are adjacent and the renumbered CSR is the
    graph's. Checked against scipy's permutation and a plain loop over the nodes."""
    import scipy.sparse as sp

    g = engine.sample("lesmis") if graph == "lesmis weighted" else email("directed" in graph)
    assert g.is_weighted == (graph == "lesmis weighted")
    prepared = push.prepare(g)
    renumbered = prepared.sweep_graph(g)
    order = renumbered.order
    pull = prepared.pull
    colour = sweep_kernels.first_fit_colouring(prepared.csr, pull)
    rows = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    off_diagonal = rows != g.indices
    assert not np.any(colour[rows[off_diagonal]] == colour[g.indices[off_diagonal]])
    assert np.all(np.diff(colour[order]) >= 0)
    weights = pull.weights if g.is_weighted else np.ones(len(pull.indices))
    pull_matrix = sp.csr_matrix((weights, pull.indices, pull.indptr), shape=(g.n_nodes, g.n_nodes))
    expected = pull_matrix[order][:, order].tocsr()
    found = sp.csr_matrix(
        (
            renumbered.weights if g.is_weighted else np.ones(len(renumbered.indices)),
            renumbered.indices,
            renumbered.indptr,
        ),
        shape=expected.shape,
    )
    np.testing.assert_array_equal(renumbered.indptr, expected.indptr)
    assert renumbered.indices.dtype == np.uint32  # no negative-index checks in the gathers
    assert abs(found - expected).sum() == 0

    rng = np.random.default_rng(0)
    x = rng.random(g.n_nodes) / g.n_nodes
    seed_vector = np.zeros(g.n_nodes)
    seed_vector[renumbered.position[[0, 5]]] = [0.75, 0.25]
    alpha, relaxation, restart = 0.15, 1.3, 0.2
    inverse_out = renumbered.inverse_out
    plain_x = x.copy()
    for v in range(g.n_nodes):
        entries = slice(renumbered.indptr[v], renumbered.indptr[v + 1])
        row = renumbered.indices[entries]
        row_weights = renumbered.weights[entries] if g.is_weighted else 1.0
        pulled = np.sum(row_weights * plain_x[row] * inverse_out[row])
        value = (1 - alpha) * pulled + restart * seed_vector[v]
        plain_x[v] += relaxation * (value - plain_x[v])
    moved = np.empty(len(renumbered.block_starts) - 1)
    for sweep in (sweep_kernels.coloured_sweep_parallel, sweep_kernels.coloured_sweep_serial):
        swept = x.copy()
        y = swept * inverse_out
        sweep(renumbered, seed_vector, restart, relaxation, alpha, swept, y, moved)
        np.testing.assert_allclose(swept, plain_x, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(moved.sum(), np.abs(plain_x - x).sum(), rtol=1e-12)


def test_sweeps_go_on_while_the_residual_has_not_started_to_fall():
    """On BA graphs the second sweep often moves as much mass as the first. Priced at
    that rate, the next sweep saves nothing, and a rule that believed it stopped
    after two sweeps with ~100x the residual (and walks) of the other sources."""
    g = barabasi_albert(3000, 10)
    accuracy = hybrid.Accuracy.of(g, 0.5, None, None)
    walk_cost = (1 - 0.15) * accuracy.omega * hybrid.WALK_COST / 0.15
    left = [
        np.abs(push.power_push(g, np.array([s]), np.ones(1), 0.15, accuracy, walk_cost)[1]).sum()
        for s in range(0, 300, 7)
    ]
    assert max(left) <= 3 * np.median(left)


@pytest.mark.parametrize("directed", [False, True])
def test_over_relaxed_sweeps_end_with_a_plain_one(monkeypatch, directed):
    """Over-relaxed sweeps overshoot π at some nodes; the rule makes the last sweep a
    plain Gauss–Seidel one (it leaves a fraction of the residual of one more
    over-relaxed sweep). Directed graphs sweep plain throughout."""
    g = email(directed) if directed else barabasi_albert(3000, 10)
    relaxations = []

    # Whichever twin the graph's size chooses (small graphs sweep serial).
    def recording(sweep):
        def sweep_and_record(*args):
            relaxations.append(args[3])
            return sweep(*args)

        return sweep_and_record

    for twin in ("coloured_sweep_serial", "coloured_sweep_parallel"):
        monkeypatch.setattr(sweep_kernels, twin, recording(getattr(sweep_kernels, twin)))
    accuracy = hybrid.Accuracy.of(g, 0.5, None, None)
    walk_cost = (1 - 0.15) * accuracy.omega * hybrid.WALK_COST / 0.15
    for source in (0, 100, 900):
        relaxations.clear()
        push.power_push(g, np.array([source]), np.ones(1), 0.15, accuracy, walk_cost, queue_limit=0)
        assert len(relaxations) >= 3
        if directed:
            assert relaxations == [1.0] * len(relaxations)
        else:
            omega = push.sor_relaxation(0.15)
            assert relaxations == [omega] * (len(relaxations) - 1) + [1.0]


def test_over_relaxed_sweeps_overshoot_and_signed_walks_correct_them():
    """Over-relaxation lets the sweeps pass π at some nodes of an undirected graph; the
    signed residual then still satisfies the invariant, and the signed walks' mean is
    Σ_v r_v·π_v (checked against the dense PPR matrix, many walks per unit mass)."""
    assert 1.40 < push.sor_relaxation(0.15) < 1.43
    g = engine.sample("karate")
    nodes, mass = common.seed_distribution(g, 0)
    accuracy = hybrid.Accuracy.of(g, 0.5, None, None)
    estimate, residual = push.power_push(g, nodes, mass, 0.15, accuracy, 1e3, queue_limit=0)
    assert residual.min() < 0 < residual.max()
    matrix = ppr_matrix(g, nodes, mass)
    np.testing.assert_allclose(
        estimate + matrix @ residual, engine.ppr(g, 0, method="exact", tol=1e-13), atol=1e-12
    )
    scale = 2e8 / np.abs(residual).sum()
    added = np.zeros(g.n_nodes)
    walk_nodes, offsets, positive = hybrid_kernels.allocate_walks(residual, 0.15, scale, 3, added)
    signs = np.sign(residual[walk_nodes])
    assert np.all(signs[: np.searchsorted(offsets, positive, side="right") - 1] > 0)
    ends = np.empty(int(offsets[-1]), dtype=np.int64)
    walker = walks.query_walker(g, nodes, mass, 0.15, 3)
    hybrid_kernels.forced_walk_ends_parallel(walker, walk_nodes, offsets, ends)
    hybrid_kernels.add_walk_ends(ends, positive, 1.0 / scale, added)
    np.testing.assert_allclose(added, matrix @ residual, atol=3e-3 * np.abs(residual).sum())


def test_top_scores_matches_a_full_sort():
    rng = np.random.default_rng(3)
    for n, k in ((1, 1), (50, 5), (1000, 100), (1000, 2000)):
        scores = rng.integers(0, 20, n) / 7.0  # ties and zeros on purpose
        ids, values = common_kernels.top_scores(scores, k)
        positive = np.flatnonzero(scores > 0)
        expected = positive[np.lexsort((positive, -scores[positive]))][:k]
        np.testing.assert_array_equal(ids, expected)
        np.testing.assert_array_equal(values, scores[expected])


# ------------------------------------------------------------------ approximate


def test_walk_counts_round_each_node_up_with_its_fractional_part():
    """Systematic rounding: every node gets ⌊e⌋ or ⌈e⌉ walks (e its expected count),
    the mean over seeds is e, the total is within one of Σe, and the α·r each node
    keeps goes to the estimate whether or not it gets a walk."""
    rng = np.random.default_rng(5)
    residual = rng.normal(0.0, 1e-3, 400) * (rng.random(400) < 0.8)
    alpha, scale = 0.15, 3e3
    expected = (1 - alpha) * np.abs(residual) * scale
    totals = np.zeros(400)
    n_seeds = 2000
    for seed in range(n_seeds):
        kept = np.zeros(400)
        nodes, offsets, positive = hybrid_kernels.allocate_walks(residual, alpha, scale, seed, kept)
        np.testing.assert_allclose(kept, alpha * residual)
        counts = np.zeros(400)
        counts[nodes] = np.diff(offsets)
        assert np.all((counts == np.floor(expected)) | (counts == np.ceil(expected)))
        assert np.all(residual[nodes[: np.searchsorted(offsets, positive)]] > 0)
        assert np.all(residual[nodes[np.searchsorted(offsets, positive) :]] < 0)
        for sign in (1, -1):
            side = expected[np.sign(residual) == sign].sum()
            assert abs(counts[np.sign(residual) == sign].sum() - side) < 1 + 1e-9
        totals += counts
    # the standard error of a mean of n_seeds coin flips is at most 0.5/sqrt(n_seeds)
    np.testing.assert_allclose(totals / n_seeds, expected, atol=5 * 0.5 / np.sqrt(n_seeds))
