"""Very sparse random projections: the distribution Li, Hastie and Church define."""

import numpy as np
import pytest

from sketches import very_sparse_random_projection


def test_entries_follow_the_distribution():
    n_rows, n_cols, density = 4000, 64, 0.05
    projection = very_sparse_random_projection(n_rows, n_cols, density=density, seed=3)
    total = n_rows * n_cols
    count = projection.values.size
    assert abs(count - total * density) < 5 * np.sqrt(total * density * (1 - density))
    np.testing.assert_allclose(np.abs(projection.values), np.sqrt(1 / density), rtol=1e-6)
    positives = np.count_nonzero(projection.values > 0)
    assert abs(positives - count / 2) < 5 * np.sqrt(count / 4)
    dense = projection.to_dense()
    assert np.count_nonzero(dense) == count
    for row in range(0, n_rows, 97):
        columns = projection.indices[projection.indptr[row] : projection.indptr[row + 1]]
        assert np.all(np.diff(columns) > 0)


def test_norms_are_preserved_in_expectation():
    """E||x R||^2 = n_cols ||x||^2, since every entry has variance 1."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(2500)
    ratios = []
    for seed in range(20):
        dense = very_sparse_random_projection(2500, 256, seed=seed).to_dense()
        ratios.append(np.sum((x @ dense) ** 2) / (256 * np.sum(x**2)))
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.1)


def test_seeded_and_default_density():
    first = very_sparse_random_projection(900, 32, seed=5)
    again = very_sparse_random_projection(900, 32, seed=5)
    other = very_sparse_random_projection(900, 32, seed=6)
    assert np.array_equal(first.to_dense(), again.to_dense())
    assert not np.array_equal(first.to_dense(), other.to_dense())
    assert first.values.size / (900 * 32) == pytest.approx(1 / 30, rel=0.25)


def test_row_scale():
    projection = very_sparse_random_projection(5, 4, density=1.0, seed=0)
    scale = np.arange(5, dtype=np.float32)
    assert np.array_equal(
        projection.to_dense(row_scale=scale), projection.to_dense() * scale[:, None]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10, 0), "n_cols >= 1"),
        ((10, 5, 0.0), r"density must be in \(0, 1\]"),
        ((10, 5, 1.5), "density"),
    ],
)
def test_bad_arguments(args, message):
    n_rows, n_cols, *density = args
    with pytest.raises(ValueError, match=message):
        very_sparse_random_projection(n_rows, n_cols, density=density[0] if density else None)
