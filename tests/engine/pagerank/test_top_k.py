"""Top-k batches (FORA's top-k rule) against exact power iteration, and the rule itself."""

import itertools

import numpy as np
import pytest

import engine
from engine.pagerank import top_k
from engine.pagerank.top_k import adapts_to_top_k, top_k_query, top_k_thresholds
from tests.engine.pagerank.graphs import barabasi_albert


def test_the_rule_stops_at_the_first_threshold_its_kth_score_clears():
    """A stand-in query whose k-th score is 0.01 whatever the threshold: the rounds fall
    from 1/k until 0.01 >= (1 + eps)·threshold, and the delta each round gets is the
    whole delta split over the most rounds there could be (log2(n/k) + 1)."""
    seen = []

    def query(threshold, delta):
        seen.append((threshold, delta))
        return np.r_[np.full(10, 0.01), np.zeros(990)]

    k, n, eps = 10, 1000, 0.5
    top_k_query(query, k, n, eps, 0.07)
    thresholds = [t for t, _ in seen]
    assert thresholds[0] == pytest.approx(1 / k)
    assert 0.01 >= (1 + eps) * thresholds[-1]
    assert all(0.01 < (1 + eps) * t for t in thresholds[:-1])
    assert all(later <= earlier / 2 for earlier, later in itertools.pairwise(thresholds))
    rounds = 1 + int(np.ceil(np.log2(n / k)))
    assert all(d == pytest.approx(0.07 / rounds) for _, d in seen)


def test_the_rule_ends_at_one_over_n_when_the_kth_score_is_zero():
    thresholds = top_k_thresholds(lambda t, d: np.r_[1.0, np.zeros(99)], 5, 100, 0.5)
    assert thresholds == [pytest.approx(0.2), pytest.approx(0.01)]


def _relative_error_of_top_k(g, batch, sources, k, exact):
    worst, missed = 0.0, 0
    for source in sources:
        truth = exact[source]
        true_top = set(np.argsort(-truth, kind="stable")[:k].tolist())
        rows = batch[batch["source"] == source]
        ids = g.node_ids(rows["node"].tolist())
        missed += len(true_top - set(ids.tolist()))
        error = np.abs(rows["score"].to_numpy() - truth[ids]) / truth[ids]
        worst = max(worst, float(error.max()))
    return worst, missed / (k * len(sources))


@pytest.fixture
def any_size(monkeypatch):
    """Top-k rounds on the small graphs of these tests too."""
    monkeypatch.setattr(top_k, "TOP_K_MIN_ENTRIES", 0)


@pytest.mark.parametrize("method", ["hybrid", "walks"])
def test_top_k_batches_keep_the_guarantee_on_their_top_k(method, any_size):
    """Every kept score within relative error eps (0.5; FORA's bound, with probability
    1 − 1/n) of exact power iteration, and precision@k near 1: the top-k rule must not
    trade away the guarantee its threshold gives up elsewhere."""
    g = barabasi_albert(20_000, 5)
    sources, k, eps = [0, 17, 4_000, 12_345, 19_999], 50, 0.5
    exact = {s: engine.ppr(g, s, method="exact", tol=1e-12) for s in sources}
    batch = engine.ppr_batch(g, sources, method=method, top_k=k, eps=eps, seed=1, device="cpu")
    worst, missed = _relative_error_of_top_k(g, batch, sources, k, exact)
    assert worst <= eps
    # Ranks are not in the guarantee (near-ties at the k-th score swap): a loose check.
    assert missed <= 0.1


def test_top_k_batches_stop_above_one_over_n_and_cost_fewer_walks():
    """The rounds stop well above 1/n when the k-th score is large: the thresholds the
    real queries try end far above it (so far fewer walks per unit of mass)."""
    g = barabasi_albert(20_000, 5)
    from engine.pagerank import ONE, MethodOptions, _scores

    def query(threshold, delta):
        options = MethodOptions(threshold=threshold, delta=delta, seed=1, device="cpu")
        return _scores(g, np.array([17]), ONE, 0.15, "hybrid", options)

    thresholds = top_k_thresholds(query, 20, g.n_nodes, 0.5)
    assert thresholds[-1] > 10 / g.n_nodes


def test_a_set_threshold_or_walk_count_turns_the_rule_off(any_size):
    g = engine.sample("planted")
    at = {"seed": 2, "device": "cpu", "threshold": 1e-3}
    batch = engine.ppr_batch(g, [5], top_k=8, **at)
    single = engine.top_nodes(g, engine.ppr(g, 5, **at), 8)
    assert batch["node"].tolist() == single["node"].tolist()
    walks = {"seed": 2, "n_walks": 5_000}
    batch = engine.ppr_batch(g, [5], method="walks", top_k=8, **walks)
    single = engine.top_nodes(g, engine.ppr(g, 5, method="walks", **walks), 8)
    assert batch["score"].tolist() == single["score"].tolist()


def test_small_graphs_run_plain_queries(any_size, monkeypatch):
    """Below TOP_K_MIN_ENTRIES a batch is a plain query per source: its rows are the
    single query's at the default threshold."""
    g = engine.sample("planted")
    options = engine.pagerank.MethodOptions()
    assert adapts_to_top_k("hybrid", options, 10, g)
    monkeypatch.setattr(top_k, "TOP_K_MIN_ENTRIES", g.nnz + 1)
    assert not adapts_to_top_k("hybrid", options, 10, g)
    batch = engine.ppr_batch(g, [5], top_k=10, seed=2, device="cpu")
    single = engine.top_nodes(g, engine.ppr(g, 5, seed=2, device="cpu"), 10)
    assert batch["score"].tolist() == single["score"].tolist()


def test_index_rounds_read_no_more_walks_than_stored():
    """At any threshold from the index's own up to 1/k, a round's r_max·ω leaves every
    node at most the walks stored for it; near the index's threshold the round is the
    index's own query."""
    from engine.pagerank.cost import stored_walk_counts

    g = barabasi_albert(2_000, 4)
    index = engine.PPRIndex.build(g, seed=1)
    stored = stored_walk_counts(g, index.alpha, index.accuracy)
    delta = index.accuracy.delta / 20
    for threshold in np.geomspace(index.accuracy.threshold, 0.1, 12):
        at = index._accuracy_at(threshold, delta)
        assert (stored_walk_counts(g, index.alpha, at) <= stored).all(), threshold
        assert at.omega <= index.accuracy.omega
    assert index._accuracy_at(index.accuracy.threshold, delta) is index.accuracy


def test_index_top_k_batches_keep_the_guarantee_and_stop_early(any_size, monkeypatch):
    """PPRIndex.query_batch with top-k rounds: every kept score within eps of exact power
    iteration, few near-tie swaps, and rounds that end well above the index's threshold
    (fewer stored walks read than its plain query)."""
    g = barabasi_albert(20_000, 5)
    index = engine.PPRIndex.build(g, seed=3)
    sources, k, eps = [0, 17, 4_000, 12_345, 19_999], 50, index.accuracy.eps
    exact = {s: engine.ppr(g, s, method="exact", tol=1e-12) for s in sources}
    thresholds = []
    _accuracy_at = index._accuracy_at

    def recorded(threshold, delta):
        thresholds.append(threshold)
        return _accuracy_at(threshold, delta)

    monkeypatch.setattr(index, "_accuracy_at", recorded)
    batch = index.query_batch(sources, top_k=k)
    worst, missed = _relative_error_of_top_k(g, batch, sources, k, exact)
    assert worst <= eps and missed <= 0.1
    assert min(thresholds) > 2 * index.accuracy.threshold
    monkeypatch.setattr(top_k, "TOP_K_MIN_ENTRIES", g.nnz + 1)
    plain = index.query_batch(sources[:1], top_k=k)
    single = engine.top_nodes(g, index.query(sources[0]), k)
    assert plain["score"].tolist() == single["score"].tolist()


def _handing_over_graph(monkeypatch, limit: str):
    """A BA graph whose local pushes hand over to sweeps or walks, as they do on
    100M-edge graphs: at a small queue limit, or at a small edge budget (which stops
    a push right after a node's push)."""
    from engine.pagerank import push

    if limit == "queue":
        monkeypatch.setattr(push, "QUEUE_FACTOR", 0.05)
    else:
        monkeypatch.setattr(push, "PUSH_BUDGET", 1e-4)
    return barabasi_albert(20_000, 5)


def _replays_counted(monkeypatch) -> list:
    from engine.pagerank.push import LocalPushMemo

    replayed = []
    restore = LocalPushMemo.restore

    def counted(self, estimate, residual):
        replayed.append(self.level)
        return restore(self, estimate, residual)

    monkeypatch.setattr(LocalPushMemo, "restore", counted)
    return replayed


@pytest.mark.parametrize("where", ["ppr_batch", "PPRIndex"])
def test_later_rounds_replay_the_local_push_bit_for_bit(any_size, monkeypatch, where):
    """A round whose local push handed over above its r_max starts the next round from
    that state: the same scores as pushing again, and the replay happened."""
    from engine.pagerank.push import LocalPushMemo

    g = _handing_over_graph(monkeypatch, "queue")
    sources = [0, 17, 4_000, 12_345]
    if where == "ppr_batch":
        batch = lambda: engine.ppr_batch(g, sources, top_k=20, seed=4, device="cpu")  # noqa: E731
    else:
        index = engine.PPRIndex.build(g, seed=4)
        batch = lambda: index.query_batch(sources, top_k=20)  # noqa: E731
    replayed = _replays_counted(monkeypatch)
    with_memo = batch()
    assert replayed, "no round replayed a local push"
    monkeypatch.setattr(LocalPushMemo, "replays", lambda self, r_max: False)
    pushed_again = batch()
    assert with_memo["node"].tolist() == pushed_again["node"].tolist()
    assert with_memo["score"].tolist() == pushed_again["score"].tolist()


def test_a_push_that_finished_or_reached_its_r_max_is_not_replayed():
    """Only a push that handed over above its own r_max and the next one's is kept."""
    from engine.pagerank.accuracy import Accuracy
    from engine.pagerank.common import seed_distribution
    from engine.pagerank.push import LocalPushMemo, power_push

    g = barabasi_albert(2_000, 4)
    nodes, mass = seed_distribution(g, 3)
    memo = LocalPushMemo()
    accuracy = Accuracy.of(g, 0.5, None, None)
    power_push(g, nodes, mass, 0.15, accuracy, 1.0, r_max=0.5, memo=memo)  # finishes at once
    assert memo.nodes is None
    power_push(g, nodes, mass, 0.15, accuracy, 1.0, memo=memo)  # hands over to sweeps
    assert memo.nodes is not None and memo.level > memo.r_max
    memo.keep(1e-4, 1e-4, np.array([3]), np.zeros(g.n_nodes), np.ones(g.n_nodes))
    assert not memo.replays(1e-5), "ended at its own r_max: a smaller one goes further"
    memo.keep(1e-3, 1e-4, np.array([3]), np.zeros(g.n_nodes), np.ones(g.n_nodes))
    assert memo.replays(1e-5) and not memo.replays(2e-3)


def test_a_push_stopped_by_its_edge_budget_is_replayed_with_every_node_it_reached(monkeypatch):
    """A push whose edge budget runs out in the middle of a hub's push: the state the
    next round starts from holds the hub's neighbours too, so a round that walks from
    the local push's residual (no sweeps to recompute it) gets the same residual as
    pushing again."""
    from engine.pagerank.accuracy import Accuracy
    from engine.pagerank.common import seed_distribution
    from engine.pagerank.hybrid import WALK_COST
    from engine.pagerank.push import LocalPushMemo, power_push

    g = _handing_over_graph(monkeypatch, "edges")
    hub = int(np.argmax(np.diff(g.indptr)))
    nodes, mass = seed_distribution(g, hub)
    first, second = (Accuracy.of(g, 0.5, 1e-6, threshold) for threshold in (0.05, 0.02))
    walk_cost = lambda accuracy: 0.85 * accuracy.omega * WALK_COST / 0.15  # noqa: E731
    memo = LocalPushMemo()
    power_push(g, nodes, mass, 0.15, first, walk_cost(first), memo=memo)
    assert memo.replays(second.r_max)
    replayed = power_push(g, nodes, mass, 0.15, second, walk_cost(second), memo=memo)
    pushed_again = power_push(g, nodes, mass, 0.15, second, walk_cost(second))
    np.testing.assert_array_equal(replayed[0], pushed_again[0])
    np.testing.assert_array_equal(replayed[1], pushed_again[1])
