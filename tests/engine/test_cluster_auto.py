"""local_cluster(eps="auto"), the default: the ladder of accuracies, the resumed push it
climbs with, the rung it keeps, the least size and the seed-only flag."""

import numpy as np
import pytest

import engine
from engine import diffusion_kernels
from engine.community_profile import ncp
from engine.conductance_kernels import first_deep_minimum
from engine.diffusion import HEAT_LADDER, PPR_LADDER
from engine.local_view import local_view
from tests.conftest import shared_dataset


def kept_by_the_rule(ladder, min_size: int = 5) -> int:
    """The rung the climb must keep, from its table: among rungs of at least
    ``min_size`` nodes (all, if none), the deep minimum of least conductance
    (earliest on ties); without any, the rung with the largest ratio of the
    previous rung's conductance (1 before the first) to its own."""
    conductance = ladder["conductance"].tolist()
    rungs = [k for k in range(len(conductance)) if ladder["size"].iat[k] >= min_size]
    rungs = rungs or list(range(len(conductance)))
    deep = [k for k in rungs if ladder["deep"].iat[k]]
    if deep:
        return min(deep, key=lambda k: (conductance[k], k))
    before = [1.0, *conductance[:-1]]
    return max(rungs, key=lambda k: (before[k] / conductance[k], -k))


@pytest.mark.parametrize(("name", "seed"), [("karate", 0), ("karate", 33), ("planted", 7)])
def test_ppr_auto_keeps_the_rung_the_rule_names(name, seed):
    g = engine.sample(name)
    auto = engine.local_cluster(g, seed, refine=None)
    ladder = auto.ladder
    tried = ladder["eps"].tolist()
    assert tried == list(PPR_LADDER[: len(tried)])
    kept = kept_by_the_rule(ladder)
    assert ladder["kept"].tolist() == [k == kept for k in range(len(ladder))]
    assert auto.eps == tried[kept]
    assert auto.conductance == pytest.approx(ladder["conductance"].iat[kept])
    assert len(auto) == ladder["size"].iat[kept]
    assert auto.pushes == ladder["pushes"].sum()


def test_the_resumed_push_is_within_eps_degree_of_exact_ppr():
    # Each rung resumes the last one's push: it must keep a fresh push's guarantee.
    g = engine.sample("lesmis")
    view = local_view(g)
    exact = engine.ppr(g, g.label(3), alpha=0.15, method="exact")
    seeds, mass, scratch = np.array([3]), np.ones(1), view.scratch()
    n_touched = 0
    try:
        for eps in (1e-2, 1e-3, 1e-5):
            *_, n_touched = diffusion_kernels.ppr_rung(
                view.csr, seeds, mass, 0.15, eps, scratch, view.total_volume, 1, n_touched
            )
            gap = exact - scratch.estimate
            assert gap.min() >= -1e-12
            assert np.all(gap <= eps * np.diff(g.indptr) + 1e-12)
    finally:
        diffusion_kernels.ppr_clear(view.csr, seeds, scratch, n_touched)
    assert not scratch.estimate.any() and not scratch.residual.any()


def test_heat_auto_climbs_hkgrow_pairs_by_reach():
    g = engine.sample("planted")
    auto = engine.local_cluster(g, 7, method="heat", refine=None)
    pairs = list(zip(auto.ladder["t"], auto.ladder["eps"], strict=True))
    assert pairs == list(HEAT_LADDER[: len(pairs)])
    assert (auto.t, auto.eps) == pairs[kept_by_the_rule(auto.ladder)]
    # Each heat rung is a fresh diffusion: the plain call at that (t, eps) agrees.
    for t, eps in pairs:
        plain = engine.local_cluster(g, 7, method="heat", t=t, eps=eps, refine=None)
        row = auto.ladder[(auto.ladder["t"] == t) & (auto.ladder["eps"] == eps)]
        assert plain.conductance == pytest.approx(row["conductance"].iat[0])


def test_deep_flags_match_the_sweeps():
    g = engine.sample("planted")
    view = local_view(g)
    for t, eps in HEAT_LADDER[:2]:
        found = engine.local_cluster(g, 7, method="heat", t=t, eps=eps, refine=None)
        volume, conductance = found.profile["volume"], found.profile["conductance"]
        deep = first_deep_minimum(volume.to_numpy(), conductance.to_numpy(), view.total_volume, 5)
        assert (deep == len(found) - 1) or deep == -1


def test_min_size_keeps_trivial_sets_out():
    # A node with a leaf hanging off it: the pair has conductance 1/3 (cut 1, volume 3).
    edges = [(0, 1), (0, 2)] + [(2, k) for k in range(3, 12)] + [(k, k + 1) for k in range(3, 11)]
    g = engine.Graph.from_edges([u for u, _ in edges], [v for _, v in edges])
    assert len(engine.local_cluster(g, 0, min_size=1, method="heat", eps=1e-4)) < 5
    for method in ("ppr", "heat"):
        found = engine.local_cluster(g, 0, method=method)
        assert len(found) >= 5
        assert not found.seed_only


def test_a_seed_alone_is_flagged():
    # Two nodes joined, nothing else: the component is smaller than min_size.
    g = engine.Graph.from_edges([0, 2], [1, 3])
    found = engine.local_cluster(g, 0)
    assert len(found) == 2 and not found.seed_only
    isolated = engine.Graph.from_edges([0, 1], [1, 2], n_nodes=4)
    alone = engine.local_cluster(isolated, 3)
    assert alone.seed_only and "the seeds alone" in repr(alone)


def test_max_volume_stops_the_climb():
    g = engine.sample("planted")
    wide = engine.local_cluster(g, 7, refine=None)
    budget = float(wide.ladder["volume"].iat[1])
    narrow = engine.local_cluster(g, 7, refine=None, max_volume=budget)
    assert len(narrow.ladder) == 2
    with pytest.raises(ValueError, match="max_volume"):
        engine.local_cluster(g, 7, max_volume=-1)
    with pytest.raises(ValueError, match="min_size"):
        engine.local_cluster(g, 7, min_size=0)


def test_ncp_auto_covers_every_rung_of_the_climb():
    g = engine.sample("karate")
    profile = ncp(g, n_seeds=g.n_nodes, sizes=range(1, g.n_nodes + 1), seed=0, alphas=(0.15,))
    best_at_size = profile.set_index("size")["conductance"]
    for seed in g.labels.tolist():
        ladder = engine.local_cluster(g, seed, refine=None, min_size=1).ladder
        for eps in ladder["eps"]:
            found = engine.local_cluster(g, seed, eps=eps, refine=None, min_size=1)
            assert best_at_size[len(found)] <= found.conductance + 0.05


def test_plain_eps_has_no_ladder_and_a_bad_eps_names_it():
    g = engine.sample("karate")
    assert engine.local_cluster(g, 0, eps=1e-4).ladder is None
    with pytest.raises(ValueError, match="eps must be in"):
        engine.local_cluster(g, 0, eps="fast")


def test_min_size_holds_where_a_rung_can_reach_it():
    # On Cora's sparse citation graph a coarse rung's small set once won on
    # improvement over a finer rung that reached min_size (seeds 1164 and 2037).
    g = engine.load(shared_dataset("cora", "cora_edgelist.txt"))
    for seed in (1164, 2037, *g.labels[::301].tolist()):
        for min_size in (20, 100):
            found = engine.local_cluster(g, seed, min_size=min_size)
            reachable = (found.ladder["size"] >= min_size).any()
            assert len(found) >= min_size or not reachable
            assert found.ladder["kept"].sum() == 1
