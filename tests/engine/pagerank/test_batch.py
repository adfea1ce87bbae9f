"""ppr_batch's sparse output (sources × nodes CSR) against its table and single queries."""

import numpy as np
import pytest
import scipy.sparse as sp

import engine


def _dense_rows(g, table, sources):
    """The table as a dense sources × nodes array (node labels to ids); a repeated
    source's rows repeat in the table, one run per occurrence."""
    rows = np.zeros((len(sources), g.n_nodes))
    for i, s in enumerate(sources):
        mine = table[table["source"] == s]
        count = len(mine) // sources.count(s)
        block = mine.iloc[:count]
        rows[i, g.node_ids(block["node"].tolist())] = block["score"].to_numpy()
    return rows


@pytest.mark.parametrize(
    ("method", "options"),
    [("exact", {}), ("hybrid", {"seed": 5, "device": "cpu"}), ("push", {})],
)
def test_sparse_output_holds_the_table(method, options):
    g = engine.sample("lesmis")  # string labels: the matrix's columns are node ids
    sources = ["Valjean", "Myriel", "Javert"]
    table = engine.ppr_batch(g, sources, method=method, top_k=7, **options)
    matrix = engine.ppr_batch(g, sources, method=method, top_k=7, output="sparse", **options)
    assert isinstance(matrix, sp.csr_matrix) and matrix.shape == (3, g.n_nodes)
    assert matrix.has_sorted_indices and np.all(np.diff(matrix.indptr) == 7)
    np.testing.assert_array_equal(matrix.toarray(), _dense_rows(g, table, sources))


def test_all_positive_scores_with_top_k_none():
    g = engine.sample("karate")
    matrix = engine.ppr_batch(g, [0, 33, 0], method="exact", top_k=None, output="sparse")
    for row, source in zip(matrix.toarray(), [0, 33, 0]):
        np.testing.assert_array_equal(row, engine.ppr(g, source, method="exact"))
    hybrid = engine.ppr_batch(g, [5], top_k=None, output="sparse", seed=1, device="cpu")
    scores = engine.ppr(g, 5, seed=1, device="cpu")
    np.testing.assert_array_equal(hybrid.toarray()[0], scores)
    assert hybrid.nnz == np.count_nonzero(scores)


def test_index_batch_sparse_matches_its_table():
    g = engine.sample("planted")
    index = engine.PPRIndex.build(g, seed=3)
    sources = [4, 90, 4]
    table = index.query_batch(sources, top_k=12)
    matrix = index.query_batch(sources, top_k=12, output="sparse")
    np.testing.assert_array_equal(matrix.toarray(), _dense_rows(g, table, sources))
    np.testing.assert_array_equal(matrix.toarray()[0], matrix.toarray()[2])


def test_empty_batch_and_bad_output():
    g = engine.sample("karate")
    empty = engine.ppr_batch(g, [], method="exact", output="sparse")
    assert empty.shape == (0, g.n_nodes) and empty.nnz == 0
    with pytest.raises(ValueError, match="output must be one of 'table'"):
        engine.ppr_batch(g, [0], output="dense")
