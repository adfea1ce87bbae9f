"""local_cluster(eps="auto"): the ladder of accuracies keeps the sweep of least conductance."""

import numpy as np
import pytest

import engine
from engine.diffusion import HEAT_LADDER, PPR_LADDER


@pytest.mark.parametrize(("name", "seed"), [("karate", 0), ("karate", 33), ("planted", 7)])
def test_ppr_auto_keeps_the_least_conductance_of_the_rungs_it_tried(name, seed):
    g = engine.sample(name)
    auto = engine.local_cluster(g, seed, eps="auto")
    tried = auto.ladder["eps"].tolist()
    assert tried == list(PPR_LADDER[: len(tried)])
    # Each rung is the plain call at that eps, run on its own.
    alone = [engine.local_cluster(g, seed, eps=eps) for eps in tried]
    np.testing.assert_allclose(auto.ladder["conductance"], [c.conductance for c in alone])
    best = min(alone, key=lambda c: c.conductance)
    assert auto.conductance == pytest.approx(best.conductance)
    assert sorted(auto.nodes.tolist()) == sorted(best.nodes.tolist())
    assert auto.pushes == sum(c.pushes for c in alone)
    # The default accuracy is the ladder's second rung: auto is never worse than it.
    assert auto.conductance <= engine.local_cluster(g, seed).conductance + 1e-12


def test_heat_auto_tries_hkgrow_pairs():
    g = engine.sample("planted")
    auto = engine.local_cluster(g, 7, method="heat", eps="auto")
    pairs = list(zip(auto.ladder["t"], auto.ladder["eps"], strict=True))
    assert pairs == list(HEAT_LADDER[: len(pairs)])
    alone = [engine.local_cluster(g, 7, method="heat", t=t, eps=eps) for t, eps in pairs]
    assert auto.conductance == pytest.approx(min(c.conductance for c in alone))


def test_plain_eps_has_no_ladder_and_a_bad_eps_names_it():
    g = engine.sample("karate")
    assert engine.local_cluster(g, 0, eps=1e-4).ladder is None
    with pytest.raises(ValueError, match="eps must be in"):
        engine.local_cluster(g, 0, eps="fast")
