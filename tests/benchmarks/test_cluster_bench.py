"""The local-clustering quality table of benchmarks/cluster.py runs end to end on a
small graph: our defaults, the networkit peers and localgraphclustering where they
are installed, the verdict lines and the summary."""

import numpy as np
import pytest

import engine
from benchmarks import cluster
from benchmarks.cluster_graphs import partition_case, planted_uneven
from benchmarks.cluster_peers import localgraphclustering_status


@pytest.fixture
def case():
    g = engine.sample("karate")
    return partition_case("karate clubs", g, g.attributes["club"])


def test_table_verdicts_and_summary(case, capsys):
    found = cluster.run_case(case, 5, use_lgc=False, batch=False)
    cluster.print_summary(found)
    out = capsys.readouterr().out
    assert "5 seeds" in out and cluster.PPR_DEFAULT in out and cluster.HEAT_DEFAULT in out
    assert [v.ours.method for v in found] == [cluster.PPR_DEFAULT, cluster.HEAT_DEFAULT]
    for v in found:
        assert len(v.ours.f1) == 5 and 0 <= v.ours.med_f1 <= 1
        assert v.text() == "no peer ran in full" or v.text().startswith(("goal met", "short"))
    if "networkit not installed" not in out:
        assert "nk TCE" in out and "best peer by median F1" in out


def test_rows_of_ours_at_defaults_pass_no_options():
    rows = cluster.our_options()
    assert rows[cluster.PPR_DEFAULT] == {} and rows[cluster.HEAT_DEFAULT] == {"method": "heat"}


def test_lgc_worker(case):
    if " runs in " not in localgraphclustering_status():
        pytest.skip("localgraphclustering's Python is not built here")
    results = cluster.lgc_results(case, case.eligible[:5])
    assert [r.method for r in results] == ["lgc ACL (defaults)", "lgc ACL+MQI (defaults)"]
    assert all(len(r.f1) == 5 and len(r.seconds) == 5 for r in results)


def test_planted_uneven_keeps_to_its_blocks():
    g = planted_uneven(n_blocks=20, seed=3)
    community = g.attributes["community"]
    sizes = np.bincount(community)
    assert sizes.min() >= 60 and sizes.max() <= 200
    src = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    inside = np.mean(community[src] == community[g.indices])
    # About 5 partners in the block against 2 anywhere: some 70 % of edge ends inside.
    assert 0.6 < inside < 0.8
