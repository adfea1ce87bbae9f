"""benchmarks/noisy_labels.py: its generator draws the stated graph and label noise,
and on one small setting the labels lift F1 above no labels (the paper's claim)."""

import statistics

import numpy as np
import pytest

from benchmarks import noisy_labels as nl


def test_generator_has_the_stated_sizes_and_degrees():
    setting = nl.Setting("small", p=0.1, q=0.004, a1=0.9, a0=0.95, n_blocks=8, block=100)
    g, truth = nl.local_random_graph(setting, seed=3)
    n, k = setting.n_blocks * setting.block, setting.block
    assert g.n_nodes == n and truth.sum() == k and truth[:k].all()
    rows = np.repeat(np.arange(n), np.diff(g.indptr))
    inside_k = truth[rows] & truth[g.indices]
    leaving_k = truth[rows] & ~truth[g.indices]
    assert not np.any(rows == g.indices)
    # expected degree of a node of K: p (k - 1) inside (sd of this mean ~0.4), q (n - k)
    # to the rest (sd ~0.17); over all blocks, within and between (sd ~0.16 and ~0.06)
    assert inside_k.sum() / k == pytest.approx(setting.p * (k - 1), abs=1.5)
    assert leaving_k.sum() / k == pytest.approx(setting.q * (n - k), abs=0.6)
    same = rows // k == g.indices // k
    assert same.sum() / n == pytest.approx(setting.p * (k - 1), abs=0.6)
    assert (~same).sum() / n == pytest.approx(setting.q * (n - k), abs=0.2)


def test_label_noise_has_the_stated_rates():
    truth = np.zeros(20000, dtype=bool)
    truth[:5000] = True
    labels = nl.flip_labels(truth, 0.7, 0.9, np.random.default_rng(0))
    assert set(np.unique(labels)) == {0.0, 1.0}
    assert labels[truth].mean() == pytest.approx(0.7, abs=0.02)  # a1 = P(1 | in K)
    assert 1 - labels[~truth].mean() == pytest.approx(0.9, abs=0.01)  # a0 = P(0 | outside)


def test_f1_score():
    truth = np.array([True, True, False, False])
    assert nl.f1_score(np.array([0, 1]), truth) == 1.0
    assert nl.f1_score(np.array([2, 3]), truth) == 0.0
    assert nl.f1_score(np.array([0, 2]), truth) == pytest.approx(0.5)


def test_labels_lift_f1_over_no_labels(capsys):
    # a block whose nodes have more edges out than in: conductance alone cannot find it
    setting = nl.Setting("small", p=0.05, q=0.02, a1=0.9, a0=0.95, n_blocks=8, block=100)
    result = nl.run_synthetic(setting, draws=2, seeds_per_draw=4, seed=5)
    assert result.trials == 8
    mean = {row: statistics.mean(v) for row, v in result.f1.items()}
    assert set(mean) == {*nl.ROWS, nl.LABELS_ALONE}
    assert all(len(v) == 8 and all(0 <= x <= 1 for x in v) for v in result.f1.values())
    assert mean["ours + labels, ppr"] > mean["ours, no labels, ppr"] + 0.2
    assert mean["ours + labels, heat"] > mean["ours, no labels, heat"] + 0.2
    nl.print_result(result)
    line = nl.summary_line(result)
    assert "n/a" in capsys.readouterr().out and line.startswith("| small | n/a |")
