"""Bundled samples: each opens, and matches a fresh run of the script that made it."""

import networkx as nx
import numpy as np
import pytest

from loaders import planted_partition, rmat, sample, samples
from loaders.samples import SAMPLES
from sample_graphs.make_samples import build_samples


@pytest.fixture(scope="module")
def rebuilt():
    return build_samples()


@pytest.mark.parametrize("name", list(SAMPLES))
def test_shipped_sample_matches_its_script(name, rebuilt):
    assert sample(name).equals(rebuilt[name]), "run `make samples` and commit the stores"


def test_samples_table():
    table = samples()
    assert table["name"].tolist() == list(SAMPLES)
    assert table.set_index("name").loc["karate", "edges"] == 78


def test_karate_factions_match_networkx():
    graph = sample("karate")
    reference = nx.karate_club_graph()
    assert graph.attributes["club"].tolist() == [reference.nodes[v]["club"] for v in reference]


def test_unknown_sample():
    with pytest.raises(KeyError, match="no sample graph 'nope'; samples: karate"):
        sample("nope")


def test_planted_partition_statistics():
    sizes = [300, 300, 400]
    p_in, p_out = 0.05, 0.004
    graph = planted_partition(sizes, p_in, p_out, seed=7)
    community = graph.attributes["community"]
    table = graph.edges()
    same = community[table["source"]] == community[table["target"]]
    pairs_in = sum(s * (s - 1) // 2 for s in sizes)
    pairs_out = (sum(sizes) ** 2 - sum(s * s for s in sizes)) // 2
    # counts are binomial: allow five standard deviations
    for observed, pairs, p in ((same.sum(), pairs_in, p_in), ((~same).sum(), pairs_out, p_out)):
        assert abs(observed - pairs * p) < 5 * np.sqrt(pairs * p * (1 - p))
    assert graph.n_self_loops == 0
    assert planted_partition(sizes, p_in, p_out, seed=7).equals(graph)


def test_rmat_is_seeded_and_skewed():
    first, second = rmat(12, 8, seed=3), rmat(12, 8, seed=3)
    assert first.equals(second) and not first.equals(rmat(12, 8, seed=4))
    degrees = first.degree()
    assert degrees.max() > 10 * np.median(degrees), "R-MAT degrees are heavy-tailed"
    with pytest.raises(ValueError, match="scale must be an integer >= 1"):
        rmat(0)
