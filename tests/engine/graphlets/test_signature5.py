"""Graphlet-degree-signature similarity over the 73 orbits of 2–5 node graphlets."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.graphlets import (
    AFFECTED_ORBITS,
    AFFECTED_ORBITS_5,
    ORBIT_WEIGHTS,
    ORBIT_WEIGHTS_5,
    gdv_similarity,
    orbit_counts,
    signature_similarity,
)
from tests.engine.graphlets.test_graphlets5 import REFERENCES, brute_force_orbits

# Where the published factors (GraphCrunch's) are one less than the orbits that a
# node of that orbit touches in its graphlet alone.
PUBLISHED_ONE_LESS = {24, 26, 31, 41, 48, 54, 59, 60, 64}


def test_affected_orbits_against_the_orbits_each_graphlet_touches():
    touched = {}
    for graph, orbit_of in REFERENCES:
        nodes = sorted(graph)
        counts = brute_force_orbits(graph, nodes)
        for node, orbit in orbit_of.items():
            touched[orbit] = int((counts[nodes.index(node)] > 0).sum())
    assert sorted(touched) == list(range(73))
    for orbit, published in enumerate(AFFECTED_ORBITS_5):
        assert published == touched[orbit] - (orbit in PUBLISHED_ONE_LESS), orbit
    np.testing.assert_array_equal(AFFECTED_ORBITS, AFFECTED_ORBITS_5[:15])
    np.testing.assert_allclose(ORBIT_WEIGHTS_5, 1 - np.log(AFFECTED_ORBITS_5) / np.log(73))
    np.testing.assert_array_equal(ORBIT_WEIGHTS, ORBIT_WEIGHTS_5[:15])


def _paper_similarity(u, v):
    weights = [1 - np.log(o) / np.log(73) for o in AFFECTED_ORBITS_5]
    distance = sum(
        w * abs(np.log(a + 1) - np.log(b + 1)) / np.log(max(a, b) + 2)
        for w, a, b in zip(weights, u, v, strict=True)
    )
    return 1 - distance / sum(weights)


def test_five_node_similarity_follows_the_paper_formula():
    g = engine.sample("karate")
    orbits = orbit_counts(g, graphlet_size=5)
    expected = sorted((_paper_similarity(orbits[0], orbits[v]), -v) for v in range(1, 34))
    expected = expected[::-1][:5]
    for table in (
        gdv_similarity(g, 0, k=5, graphlet_size=5),
        gdv_similarity(g, 0, k=5, orbits=orbits),  # the width says 5
    ):
        assert table["node"].tolist() == [-v for _, v in expected]
        np.testing.assert_allclose(table["similarity"], [s for s, _ in expected])
    np.testing.assert_allclose(signature_similarity(orbits, orbits[0])[0], 1.0)
    # The five-node orbits see differences the first 15 cannot.
    assert not np.allclose(
        signature_similarity(orbits, orbits[0]),
        signature_similarity(orbits[:, :15], orbits[0, :15]),
    )


def test_graphlet_size_and_orbit_width_must_agree():
    g = engine.sample("karate")
    with pytest.raises(ValueError, match=r"shape \(34, 73\)"):
        gdv_similarity(g, 0, orbits=orbit_counts(g), graphlet_size=5)
    with pytest.raises(ValueError, match=r"shape \(34, 15\)"):
        gdv_similarity(g, 0, orbits=orbit_counts(g, graphlet_size=5), graphlet_size=4)
    for bad in (3, 6, True):
        with pytest.raises(ValueError, match="graphlet_size must be 4 or 5"):
            gdv_similarity(g, 0, graphlet_size=bad)
    with pytest.raises(ValueError, match="15 or 73 columns"):
        signature_similarity(np.zeros((2, 20)), np.zeros(20))
