"""Very sparse random projection matrices (Li, Hastie, Church 2006), as raw CSR arrays.

An entry is ``+sqrt(s)`` or ``-sqrt(s)`` with probability ``1/(2s)`` each and 0
otherwise, where ``s = 1/density``. With ``s = sqrt(n_rows)`` (the default) the
projection keeps pairwise distances in expectation while touching only a
``1/sqrt(n_rows)`` fraction of the entries.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from checks import check_seed


class SparseProjection(NamedTuple):
    """A sparse ``n_rows × n_cols`` matrix in CSR form (float32 values)."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    n_rows: int
    n_cols: int

    def to_dense(
        self, row_scale: np.ndarray | None = None, out: np.ndarray | None = None
    ) -> np.ndarray:
        """The dense float32 matrix, rows optionally multiplied by ``row_scale``.

        ``out`` (shape ``(n_rows, n_cols)`` or wider) receives it in its first
        ``n_cols`` columns, so a caller can fill one buffer without a copy.

        >>> p = very_sparse_random_projection(4, 3, density=1.0, seed=0)
        >>> sorted(set(np.abs(p.to_dense()).ravel().tolist()))
        [1.0]
        """
        if out is None:
            out = np.zeros((self.n_rows, self.n_cols), dtype=np.float32)
        block = out[:, : self.n_cols]
        block[...] = 0.0
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        values = self.values if row_scale is None else self.values * row_scale[rows]
        block[rows, self.indices] = values
        return out


def very_sparse_random_projection(
    n_rows: int, n_cols: int, *, density: float | None = None, seed: int | None = None
) -> SparseProjection:
    """A seeded very sparse random projection matrix.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape of the matrix (for FastRP: nodes × embedding dimension).
    density : float in (0, 1], optional
        Probability that an entry is non-zero; ``1/sqrt(n_rows)`` by default.
        ``density=1/3`` gives Achlioptas' sparse projection.
    seed : int, optional

    Returns
    -------
    SparseProjection
        CSR arrays with sorted column indices; the same seed gives the same matrix.

    References
    ----------
    P. Li, T. J. Hastie, K. W. Church, "Very sparse random projections", KDD 2006.

    Examples
    --------
    >>> p = very_sparse_random_projection(10_000, 64, seed=1)
    >>> round(p.values.size / (10_000 * 64), 3)  # about 1/sqrt(10_000)
    0.01
    """
    if n_rows < 0 or n_cols < 1:
        raise ValueError(f"shape must be n_rows >= 0, n_cols >= 1; got ({n_rows}, {n_cols})")
    if density is None:
        density = 1.0 / np.sqrt(max(n_rows, 1))
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density must be in (0, 1]; got {density}")
    # A SeedSequence is a seed a caller already derived (FastRP's, 64 bits); ints are
    # a user's and follow the one seed rule.
    rng = np.random.default_rng(
        seed if isinstance(seed, np.random.SeedSequence) else check_seed(seed)
    )
    total = n_rows * n_cols
    n_nonzero = int(rng.binomial(total, density)) if total else 0
    positions = (
        np.sort(rng.choice(total, size=n_nonzero, replace=False))
        if n_nonzero
        else np.empty(0, dtype=np.int64)
    )
    rows = positions // n_cols
    indices = (positions % n_cols).astype(np.int32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    magnitude = np.float32(np.sqrt(1.0 / density))
    signs = rng.integers(0, 2, size=n_nonzero, dtype=np.int8) * 2 - 1
    values = (signs * magnitude).astype(np.float32)
    return SparseProjection(indptr, indices, values, n_rows, n_cols)
