"""Local diffusion clustering: conductance against networkx and the edge list, the sweep
against brute force, ACL push against exact PPR, hk-relax against SciPy's expm_multiply,
MQI against brute force, F1 on planted communities, and locality on a 10M-edge graph."""

import itertools
import statistics

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply

import engine
from engine.cluster import label_weighted_graph, local_cluster, local_cluster_batch, mqi
from engine.community_profile import ncp
from engine.conductance import set_conductance
from engine.diffusion import diffuse_and_sweep
from engine.local_view import local_view
from loaders import Graph, planted_partition
from tests.conftest import shared_dataset
from tests.graphs import TINY_GRAPHS

# ------------------------------------------------------------------ independent references


def edge_list_stats(g: Graph, members) -> tuple[float, float, float]:
    """Volume, cut and conductance from the edge table, one edge at a time (no CSR)."""
    inside = set(np.asarray(members).tolist())
    volume = total = cut = 0.0
    table = g.edges()
    weights = table["weight"] if "weight" in table else [1.0] * len(table)
    for u, v, w in zip(table["source"], table["target"], weights, strict=True):
        # Row sums of the adjacency: an edge adds to both ends, a self-loop once.
        ends = [u] if u == v else [u, v]
        total += w * len(ends)
        volume += w * sum(end in inside for end in ends)
        if (u in inside) != (v in inside):
            cut += w
    denominator = min(volume, total - volume)
    return volume, cut, (cut / denominator if denominator > 0 else 1.0)


def brute_force_stats(g: Graph, subsets) -> tuple[np.ndarray, np.ndarray]:
    """Volume and cut of many node subsets (ids) at once, from the dense adjacency."""
    dense = np.zeros((g.n_nodes, g.n_nodes))
    table = g.edges()
    for u, v in zip(g.node_ids(table["source"]), g.node_ids(table["target"]), strict=True):
        dense[u, v] = dense[v, u] = 1.0
    member = np.zeros((len(subsets), g.n_nodes))
    for row, subset in enumerate(subsets):
        member[row, list(subset)] = 1.0
    volume = member @ dense.sum(axis=1)
    cut = np.einsum("si,ij,sj->s", member, dense, 1.0 - member)
    return volume, cut


def f1(found, truth) -> float:
    found, truth = set(np.asarray(found).tolist()), set(np.asarray(truth).tolist())
    hits = len(found & truth)
    return 0.0 if hits == 0 else 2 * hits / (len(found) + len(truth))


def full_sweep(g: Graph, seed_id: int, method="ppr", alpha=0.15, eps=1e-4, t=10.0, min_size=1):
    view = local_view(g)
    return diffuse_and_sweep(view, np.array([seed_id]), np.ones(1), method, alpha, eps, t, min_size)


def reference_choice(conductance, volume, total_volume, min_size, rise=1.2) -> int:
    """The prefix a sweep keeps, by brute force over every prefix: the first of at least
    ``min_size`` nodes (within half the volume) that conductance later climbs ``rise``
    times above without first going lower; else the least conductance there; else
    (tiny graphs) the least within half the volume if below 1, else the least of all."""
    inside = [k for k in range(len(conductance)) if 2 * volume[k] <= total_volume]
    for k in inside:
        if k + 1 < min_size:
            continue
        for j in inside:
            if j > k and min(conductance[k + 1 : j + 1]) >= conductance[k]:
                if conductance[j] >= rise * conductance[k]:
                    return k
    sized = [k for k in inside if k + 1 >= min_size]
    if sized:
        return min(sized, key=lambda k: (conductance[k], k))
    if inside and min(conductance[k] for k in inside) < 1:
        return min(inside, key=lambda k: (conductance[k], k))
    return int(np.argmin(conductance))


# ------------------------------------------------------------------ conductance, volume, cut


def test_conductance_volume_cut_match_networkx():
    g = engine.sample("karate")
    reference = g.to_networkx()
    rng = np.random.default_rng(3)
    for size in (1, 2, 5, 17, 20, 33):
        nodes = rng.choice(g.n_nodes, size, replace=False).tolist()
        volume, cut, conductance = set_conductance(g, nodes)
        assert volume == nx.volume(reference, nodes)
        assert cut == nx.cut_size(reference, nodes)
        assert conductance == pytest.approx(nx.conductance(reference, nodes))


@pytest.mark.parametrize("name", ["karate", "lesmis"])
def test_cluster_statistics_match_the_edge_list(name):
    g = engine.sample(name)
    for seed in g.labels[:: max(1, g.n_nodes // 8)].tolist():
        for method in ("ppr", "heat"):
            found = local_cluster(g, seed, method=method)
            volume, cut, conductance = edge_list_stats(g, found.nodes)
            assert found.volume == pytest.approx(volume)
            assert found.cut == pytest.approx(cut)
            assert found.conductance == pytest.approx(conductance)
            if not found.refined:
                at_size = found.profile["conductance"].iat[len(found) - 1]
                assert found.conductance == pytest.approx(at_size)
            assert len(found) >= 5 or found.conductance == 0


def test_statistics_count_a_self_loop_once():
    g = TINY_GRAPHS["self_loops"].build()
    for members in ([0], [1], [0, 1], [1, 2]):
        assert set_conductance(g, members) == pytest.approx(edge_list_stats(g, members))


# ------------------------------------------------------------------ sweep


@pytest.mark.parametrize("name", ["karate", "lesmis", "florentine"])
def test_sweep_matches_brute_force_prefixes(name):
    g = engine.sample(name)
    reference = g.to_networkx()
    labels = g.labels
    for seed_id in (0, g.n_nodes // 2, g.n_nodes - 1):
        for method in ("ppr", "heat"):
            order, scores, (volume, cut, conductance), best, _, _ = full_sweep(g, seed_id, method)
            # The seed leads; the rest by score.
            assert order[0] == seed_id and np.all(np.diff(scores[1:]) <= 0)
            brute = []
            for k in range(1, order.size + 1):
                prefix = labels[order[:k]].tolist()
                stats = edge_list_stats(g, prefix)
                brute.append(stats[2])
                assert volume[k - 1] == pytest.approx(nx.volume(reference, prefix, "weight"))
                assert cut[k - 1] == pytest.approx(stats[1])
            np.testing.assert_allclose(conductance, brute, rtol=1e-9)
            total = local_view(g).total_volume
            assert best == reference_choice(brute, volume, total, 1)
            for min_size in (3, 5):
                sized = full_sweep(g, seed_id, method, min_size=min_size)[3]
                assert sized == reference_choice(brute, volume, total, min_size)


def test_the_deep_minimum_rule_by_brute_force_on_random_profiles():
    from engine.conductance_kernels import chosen_prefix

    rng = np.random.default_rng(4)
    for _ in range(500):
        size = int(rng.integers(1, 40))
        conductance = rng.choice([0.2, 0.3, 0.4, 0.5, 0.7, 1.0], size)
        volume = np.cumsum(rng.integers(1, 6, size)).astype(float)
        total = float(volume[-1] * rng.choice([0.8, 1.5, 3.0]))
        for min_size in (1, 3, 5):
            chosen = chosen_prefix(volume, conductance, total, min_size)
            assert chosen == reference_choice(conductance, volume, total, min_size)


# ------------------------------------------------------------------ diffusions against exact


@pytest.mark.parametrize("name", ["karate", "email"])
def test_acl_push_is_within_eps_degree_of_exact_ppr(name):
    if name == "email":
        path = shared_dataset("email-eu-core", "email-Eu-core.txt")
        g = engine.load(path, directed=False, self_loops="drop")
    else:
        g = engine.sample(name)
    degree = g.degree().astype(float)
    for seed_id in (0, 7):
        exact = engine.ppr(g, g.label(seed_id), alpha=0.15, method="exact")
        for eps in (1e-3, 1e-5):
            order, scores, *_ = full_sweep(g, seed_id, "ppr", alpha=0.15, eps=eps)
            pushed = np.zeros(g.n_nodes)
            pushed[order] = scores * degree[order]
            gap = exact - pushed
            assert gap.min() >= -1e-12
            assert np.all(gap <= eps * degree + 1e-12)


@pytest.mark.parametrize("t, eps", [(3.0, 1e-3), (10.0, 1e-4), (20.0, 1e-5)])
def test_heat_kernel_matches_expm_multiply(t, eps):
    g = engine.sample("lesmis")
    adjacency = sp.csr_matrix(g.to_scipy(), dtype=np.float64)
    degree = np.asarray(adjacency.sum(axis=0)).ravel()
    walk = adjacency @ sp.diags(1.0 / degree)  # column-stochastic: P = A D⁻¹
    laplacian = sp.identity(g.n_nodes) - walk
    for seed_id in (0, 11, 40):
        start = np.zeros(g.n_nodes)
        start[seed_id] = 1.0
        reference = expm_multiply(-t * laplacian, start)
        order, scores, *_ = full_sweep(g, seed_id, "heat", eps=eps, t=t)
        ours = np.zeros(g.n_nodes)
        ours[order] = scores * degree[order]
        assert np.max(np.abs(reference - ours) / degree) < eps
        # What is missing is the residual left below the thresholds, never extra mass.
        assert np.all(ours <= reference + 1e-12)


# ------------------------------------------------------------------ MQI


def test_mqi_finds_the_least_quotient_subset_by_brute_force():
    g = engine.sample("karate")
    start = local_cluster(g, 0, alpha=0.5).nodes[:12]
    subsets = [
        subset
        for size in range(1, len(start) + 1)
        for subset in itertools.combinations(start.tolist(), size)
    ]
    volumes, cuts = brute_force_stats(g, subsets)
    best = np.min((cuts / volumes)[2 * volumes <= g.degree().sum()])
    refined = mqi(g, start)
    volume, cut, _ = set_conductance(g, refined)
    assert set(refined.tolist()) <= set(start.tolist())
    assert cut / volume == pytest.approx(best)


@pytest.mark.parametrize("trial", range(4))
def test_weighted_mqi_finds_the_least_quotient_subset_by_brute_force(trial):
    rng = np.random.default_rng(trial)
    reference = nx.gnp_random_graph(16, 0.35, seed=trial)
    edges = list(reference.edges())
    weights = rng.uniform(0.1, 3.0, len(edges))
    g = Graph.from_edges(
        [u for u, _ in edges], [v for _, v in edges], weights, directed=False, n_nodes=16
    )
    dense = np.zeros((16, 16))
    for (u, v), w in zip(edges, weights, strict=True):
        dense[u, v] = dense[v, u] = np.float32(w)
    start = sorted(rng.choice(16, 7, replace=False).tolist())
    best = np.inf
    for size in range(1, len(start) + 1):
        for subset in itertools.combinations(start, size):
            member = np.zeros(16)
            member[list(subset)] = 1.0
            volume = member @ dense.sum(axis=1)
            cut = member @ dense @ (1.0 - member)
            if 0 < volume and 2 * volume <= dense.sum():
                best = min(best, cut / volume)
    refined = mqi(g, start)
    volume, cut, _ = set_conductance(g, refined)
    assert set(refined.tolist()) <= set(start)
    # MQI leaves sets of more than half the volume alone; these seeds give smaller ones.
    assert 2 * set_conductance(g, start)[0] <= dense.sum()
    assert cut / volume == pytest.approx(best, rel=1e-6)


def test_refinement_is_kept_only_when_it_lowers_conductance():
    g = engine.sample("planted")
    for seed in (1, 2_501, 7_777):
        plain = local_cluster(g, seed, refine=None)
        refined = local_cluster(g, seed, refine="mqi")
        assert refined.conductance <= plain.conductance + 1e-12
        assert set(refined.nodes.tolist()) <= set(plain.nodes.tolist())
        assert refined.refined == (len(refined) < len(plain))


# ------------------------------------------------------------------ quality


def test_f1_on_the_bundled_planted_graph():
    g = engine.sample("planted")
    community = g.attributes["community"]
    seeds = np.random.default_rng(5).choice(g.n_nodes, 12, replace=False)
    scores = {}
    # At the defaults: nothing tuned to this graph.
    for method in ("heat", "ppr"):
        options = {}
        scores[method] = statistics.mean(
            f1(
                local_cluster(g, int(s), method=method, **options).node_ids,
                np.flatnonzero(community == community[s]),
            )
            for s in seeds
        )
    # A random 500-node set scores about 0.05, half the graph about 0.18 (what the least
    # conductance of a long sweep finds); the communities have conductance about 0.3.
    assert scores["heat"] > 0.7
    assert scores["ppr"] > 0.7


def test_noisy_labels_raise_f1_over_plain_diffusion():
    g = planted_partition([200] * 10, 0.06, 0.006, seed=11)  # mixing about 0.45
    community = g.attributes["community"]
    rng = np.random.default_rng(2)
    plain, labelled = [], []
    for s in rng.choice(g.n_nodes, 10, replace=False):
        truth = np.flatnonzero(community == community[s])
        outside = np.flatnonzero(community != community[s])
        noisy = np.zeros(g.n_nodes)
        noisy[truth] = 1.0
        # A classifier with 80% recall and 80% precision: flip 20% of each side's share.
        flips = int(0.2 * truth.size)
        noisy[rng.choice(truth, flips, replace=False)] = 0.0
        noisy[rng.choice(outside, flips, replace=False)] = 1.0
        plain.append(f1(local_cluster(g, int(s)).node_ids, truth))
        labelled.append(f1(local_cluster(g, int(s), labels=noisy).node_ids, truth))
    assert statistics.mean(labelled) > statistics.mean(plain) + 0.1


def test_label_weighted_graph_follows_the_papers_rule():
    g = TINY_GRAPHS["path"].build()
    weighted = label_weighted_graph(g, {0: 1, 1: 1, 2: 1, 3: 0.5}, 0.1)
    table = weighted.edges()
    expected = {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 0.1 + 0.9 * 0.5, (3, 4): 0.1}
    for u, v, w in table.itertuples(index=False):
        assert w == pytest.approx(expected[(u, v)])


# ------------------------------------------------------------------ every tiny graph


@pytest.mark.parametrize("method", ["ppr", "heat"])
def test_every_tiny_graph_and_seed(tiny, method):
    g = tiny.build()
    if g.n_nodes == 0:
        with pytest.raises(KeyError):
            local_cluster(g, 0, method=method)
        return
    for seed in g.labels.tolist():
        found = local_cluster(g, seed, method=method, refine="mqi")
        members = found.nodes.tolist()
        assert seed in members or g.directed
        assert 0.0 <= found.conductance <= 1.0
        undirected = g if not g.directed else tiny_undirected(tiny)
        assert (found.volume, found.cut, found.conductance) == pytest.approx(
            edge_list_stats(undirected, members)
        )
        assert found.members["node"].tolist() == members


def tiny_undirected(tiny) -> Graph:
    return Graph.from_edges(
        [u for u, _ in tiny.edges], [v for _, v in tiny.edges], tiny.weights, directed=False
    )


def test_directed_graphs_are_symmetrised():
    tiny = TINY_GRAPHS["directed"]
    for seed in range(5):
        ours = local_cluster(tiny.build(), seed)
        reference = local_cluster(tiny_undirected(tiny), seed)
        assert ours.nodes.tolist() == reference.nodes.tolist()
        assert ours.conductance == reference.conductance


def test_a_seed_of_degree_zero_comes_back_alone():
    g = TINY_GRAPHS["disconnected"].build()
    for method in ("ppr", "heat"):
        found = local_cluster(g, 5, method=method)
        assert found.nodes.tolist() == [5]
        assert (found.volume, found.cut, found.conductance) == (0.0, 0.0, 1.0)
    alone = local_cluster(TINY_GRAPHS["one_node"].build(), 0)
    assert alone.nodes.tolist() == [0] and alone.conductance == 1.0


def test_one_seed_by_label_takes_the_short_path_to_the_same_cluster():
    g = Graph.from_edges(["a", "b", "c", "d", "a"], ["b", "c", "d", "e", "c"])
    for method in ("ppr", "heat"):
        for label in g.labels.tolist():
            short = local_cluster(g, label, method=method)
            general = local_cluster(g, {label: 1.0}, method=method)
            assert short.nodes.tolist() == general.nodes.tolist()
            assert short.conductance == general.conductance
    with pytest.raises(KeyError, match="'z'"):
        local_cluster(g, "z")
    with pytest.raises(KeyError, match="node 41 not found"):
        local_cluster(engine.sample("karate"), 41)


@pytest.mark.parametrize("method", ["ppr", "heat"])
def test_a_batch_equals_one_call_per_seed(method):
    g = engine.sample("planted")
    items = [int(s) for s in np.random.default_rng(3).choice(g.n_nodes, 16, replace=False)]
    items += [[1, 2, 3], {4: 2.0, 900: 1.0}]
    labels = (g.attributes["community"] == 0).astype(float)
    for options in ({}, {"labels": labels}, {"refine": "mqi"}):
        seen: list = []
        batch = local_cluster_batch(
            g,
            items,
            method=method,
            workers=3,
            progress=lambda *a, seen=seen: seen.append(a),
            **options,
        )
        assert [done for done, _, _ in seen] == list(range(1, len(items) + 1))
        for item, found in zip(items, batch, strict=True):
            alone = local_cluster(g, item, method=method, **options)
            assert found.nodes.tolist() == alone.nodes.tolist()
            assert (found.conductance, found.volume, found.cut) == (
                alone.conductance,
                alone.volume,
                alone.cut,
            )
    with pytest.raises(KeyError, match=f"node {g.n_nodes} not found"):
        local_cluster_batch(g, [0, g.n_nodes])
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        local_cluster_batch(g, [0], workers=0)


# ------------------------------------------------------------------ bad input


def test_bad_input_messages():
    g = engine.sample("karate")
    with pytest.raises(KeyError, match="'nobody'"):
        local_cluster(g, "nobody")
    with pytest.raises(KeyError, match="99"):
        local_cluster(g, [0, 99])
    for eps in (0, 1, -1e-3, float("nan")):
        with pytest.raises(ValueError, match=r"eps must be in \(0, 1\)"):
            local_cluster(g, 0, eps=eps)
    for alpha in (0, 1, 1.5):
        with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
            local_cluster(g, 0, alpha=alpha)
    for t in (0, -1, 101, float("inf")):
        with pytest.raises(ValueError, match=r"t must be in \(0, 100\]"):
            local_cluster(g, 0, method="heat", t=t)
    with pytest.raises(ValueError, match="method must be one of"):
        local_cluster(g, 0, method="walks")
    with pytest.raises(ValueError, match="refine must be"):
        local_cluster(g, 0, refine="flow")
    with pytest.raises(ValueError, match=r"labels must be 0/1 or scores in \[0, 1\]"):
        local_cluster(g, 0, labels={0: 2})
    with pytest.raises(ValueError, match=r"label_epsilon must be in \(0, 1\]"):
        local_cluster(g, 0, labels={0: 1}, label_epsilon=0)
    with pytest.raises(ValueError, match="n_seeds"):
        ncp(g, n_seeds=0)


def test_progress_is_reported():
    calls = []
    local_cluster(engine.sample("karate"), 0, progress=lambda *a: calls.append(a))
    assert calls[-1][0] == calls[-1][1]
    calls.clear()
    ncp(engine.sample("karate"), n_seeds=2, seed=0, progress=lambda *a: calls.append(a))
    assert calls[-1][0] == calls[-1][1] and calls[-1][2] == "ncp"


# ------------------------------------------------------------------ NCP


def test_ncp_finds_the_best_clique_of_two_joined_cliques():
    size = 7
    clique = [(u, v) for u in range(size) for v in range(u + 1, size)]
    edges = clique + [(u + size, v + size) for u, v in clique] + [(0, size)]
    g = Graph.from_edges([u for u, _ in edges], [v for _, v in edges])
    profile = ncp(g, n_seeds=6, sizes=list(range(1, size + 1)), seed=0)
    best_at_size = profile.set_index("size")["conductance"]
    total = g.degree().sum()
    brute = {}
    for k in range(1, size + 1):
        volumes, cuts = brute_force_stats(g, list(itertools.combinations(range(2 * size), k)))
        brute[k] = np.min(cuts / np.minimum(volumes, total - volumes))
    # The best set of `size` nodes is one clique (cut 1), and the pushes find it.
    assert best_at_size[size] == pytest.approx(brute[size])
    for k, value in best_at_size.items():
        assert value >= brute[k] - 1e-12


@pytest.mark.parametrize("name", ["karate", "lesmis"])
def test_ncp_is_the_lower_envelope_of_local_clusters(name):
    g = engine.sample(name)
    grid = {"alphas": (0.15, 0.05), "eps_values": (1e-2, 1e-4)}
    profile = ncp(g, n_seeds=g.n_nodes, sizes=range(1, g.n_nodes + 1), seed=0, **grid)
    assert list(profile.columns) == ["size", "conductance", "seed"]
    assert profile["size"].is_monotonic_increasing
    best_at_size = profile.set_index("size")["conductance"]
    for seed in g.labels.tolist():
        for alpha in grid["alphas"]:
            for eps in grid["eps_values"]:
                found = local_cluster(g, seed, alpha=alpha, eps=eps, refine=None)
                assert best_at_size[len(found)] <= found.conductance + 1e-12
    # Each row's conductance is that of a real set: a prefix of the sweep of the seed it names.
    for size, conductance, seed in profile.itertuples(index=False):
        reached = [
            full_sweep(g, g.node_id(seed), alpha=alpha, eps=eps)[2][2]
            for alpha in grid["alphas"]
            for eps in grid["eps_values"]
        ]
        assert any(len(c) >= size and c[size - 1] == conductance for c in reached)


# ------------------------------------------------------------------ locality


def block_on_a_ring(ring_nodes: int, ring_degree: int = 10) -> Graph:
    """A planted block (500 nodes, 5 communities) whose first 50 nodes each have one edge to a
    ring lattice (every node joined to its ``ring_degree`` nearest): the same neighbourhood
    around the block whatever the ring's length. Built as CSR directly: 10M edges in seconds."""
    block = planted_partition([100] * 5, 0.2, 0.01, seed=4)
    n_block, glue = block.n_nodes, 50
    half = ring_degree // 2
    steps = np.concatenate([np.arange(-half, 0), np.arange(1, half + 1)]).astype(np.int64)
    ring = np.arange(ring_nodes, dtype=np.int64)
    neighbours = (ring[:, None] + steps) % ring_nodes + n_block
    wrapped = (ring < half) | (ring >= ring_nodes - half)
    neighbours[wrapped] = np.sort(neighbours[wrapped], axis=1)
    block_rows = [block.neighbor_ids(u).astype(np.int64) for u in range(n_block)]
    for u in range(glue):
        block_rows[u] = np.append(block_rows[u], n_block + u)
    counts = np.concatenate(
        [[len(row) for row in block_rows], np.full(ring_nodes, ring_degree)]
    ).astype(np.int64)
    counts[n_block : n_block + glue] += 1
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.empty(indptr[-1], dtype=np.int32)
    indices[: indptr[n_block]] = np.concatenate(block_rows)
    glued = indptr[n_block]
    for r in range(glue):
        row = np.concatenate([[r], neighbours[r]])
        indices[glued : glued + row.size] = row
        glued += row.size
    indices[glued:] = neighbours[glue:].ravel()
    return Graph(indptr, indices, validate=ring_nodes < 100_000)


def ring_positions(nodes, ring_nodes: int, n_block: int = 500) -> list[int]:
    """Block nodes as they are, ring nodes as signed steps from the ring's first node."""
    return [
        u if u < n_block else (u - n_block) - (2 * (u - n_block) >= ring_nodes) * ring_nodes
        for u in nodes.tolist()
    ]


@pytest.mark.parametrize("method", ["ppr", "heat"])
def test_work_does_not_grow_with_the_graph(method):
    rings = {"small": 20_000, "large": 2_000_000}  # about 0.1M and 10M edges
    small, large = block_on_a_ring(rings["small"]), block_on_a_ring(rings["large"])
    assert small.n_edges < 120_000 and large.n_edges > 10_000_000
    options = {"eps": 1e-5, "alpha": 0.15} if method == "ppr" else {"eps": 1e-4, "t": 10.0}
    # Work is counted, not timed: a wall clock on a shared machine proves nothing, while
    # equal pushes and equal nodes touched on a graph 100x larger show the cost is local.
    found = {
        name: local_cluster(g, 0, method=method, **options)
        for name, g in (("small", small), ("large", large))
    }
    # Identical neighbourhoods: the same pushes, the same nodes reached, the same cluster.
    assert found["large"].pushes == found["small"].pushes
    assert found["large"].touched == found["small"].touched > 500  # the ring was reached
    assert ring_positions(found["large"].nodes, rings["large"]) == ring_positions(
        found["small"].nodes, rings["small"]
    )
