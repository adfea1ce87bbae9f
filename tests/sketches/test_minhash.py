"""MinHash signatures: bit-for-bit against datasketch, and within MinHash's error bound."""

import numpy as np
import pytest
import scipy.sparse as sp
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from sketches.minhash import estimated_jaccard, lean_minhash, minhash_signatures


def random_csr(n_rows: int, n_cols: int, density: float, seed: int) -> sp.csr_matrix:
    matrix = sp.random(n_rows, n_cols, density=density, random_state=seed, format="csr")
    matrix.sort_indices()
    return matrix


def reference_signature(columns, num_perm, seed, scheme) -> np.ndarray:
    sketch = MinHash(num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=int)
    for column in columns:
        sketch.update(int(column))
    return sketch.hashvalues


@settings(max_examples=25, deadline=None)
@given(
    n_rows=st.integers(1, 30),
    density=st.floats(0.0, 0.5),
    num_perm=st.integers(1, 70),
    seed=st.integers(0, 2**31 - 1),
    include_self=st.booleans(),
    scheme=st.sampled_from(["affine32", "affine64"]),
)
def test_signatures_equal_datasketch_bit_for_bit(
    n_rows, density, num_perm, seed, include_self, scheme
):
    matrix = random_csr(n_rows, n_rows, density, seed % 1000)
    signatures = minhash_signatures(
        matrix.indptr, matrix.indices, num_perm, seed, include_self, scheme=scheme
    )
    assert signatures.shape == (n_rows, num_perm)
    for row in range(n_rows):
        columns = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]].tolist()
        if include_self:
            columns.append(row)
        expected = reference_signature(columns, num_perm, seed, scheme)
        assert signatures.dtype == expected.dtype
        np.testing.assert_array_equal(signatures[row], expected)


def test_signatures_go_into_datasketch_as_lean_minhashes():
    matrix = random_csr(40, 40, 0.3, 1)
    signatures = minhash_signatures(matrix.indptr, matrix.indices, 64, seed=3)
    first, second = lean_minhash(signatures[0], seed=3), lean_minhash(signatures[1], seed=3)
    assert isinstance(first, LeanMinHash)
    assert first.jaccard(second) == pytest.approx(estimated_jaccard(signatures[0], signatures[1]))


def test_estimated_jaccard_is_within_the_minhash_error_bound():
    num_perm = 256
    rng = np.random.default_rng(5)
    # Pairs of overlapping sets over a range of Jaccard values.
    rows = []
    for shared in range(0, 200, 10):
        common = rng.choice(10_000, shared, replace=False)
        left = np.concatenate([common, 10_000 + rng.choice(5000, 100, replace=False)])
        right = np.concatenate([common, 20_000 + rng.choice(5000, 100, replace=False)])
        rows += [np.sort(left), np.sort(right)]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    signatures = minhash_signatures(indptr, np.concatenate(rows), num_perm, include_self=False)
    errors, bounds = [], []
    for pair in range(0, len(rows), 2):
        left, right = set(rows[pair].tolist()), set(rows[pair + 1].tolist())
        exact = len(left & right) / len(left | right)
        estimate = estimated_jaccard(signatures[pair], signatures[pair + 1])
        errors.append(abs(estimate - exact))
        bounds.append(np.sqrt(exact * (1 - exact) / num_perm))
    errors, bounds = np.asarray(errors), np.asarray(bounds)
    # Within 3 standard deviations always, within 2 for at least 80% of the pairs.
    assert (errors <= 3 * bounds + 1 / num_perm).all()
    assert (errors <= 2 * bounds + 1 / num_perm).mean() >= 0.8


def test_empty_row_gets_the_empty_signature():
    signatures = minhash_signatures(np.array([0, 0, 1]), np.array([0]), 8, include_self=False)
    np.testing.assert_array_equal(signatures[0], MinHash(8, hashfunc=int).hashvalues)


@pytest.mark.parametrize("num_perm", [0, -3, 2.5, True, "128"])
def test_bad_num_perm_is_refused(num_perm):
    with pytest.raises(ValueError, match="num_perm"):
        minhash_signatures(np.array([0, 1]), np.array([0]), num_perm)


def test_bad_scheme_and_indices_are_refused():
    with pytest.raises(ValueError, match="scheme"):
        minhash_signatures(np.array([0, 1]), np.array([0]), 8, scheme="legacy")
    with pytest.raises(ValueError, match="non-negative"):
        minhash_signatures(np.array([0, 1]), np.array([-1]), 8)


def test_cuda_kernel_matches_the_cpu_kernel_under_the_simulator():
    """The GPU twin, run by numba's CUDA simulator (no GPU needed), value for value."""
    pytest.importorskip("numba.cuda")
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import numpy as np, scipy.sparse as sp
        from sketches.minhash import minhash_signatures
        same = True
        for scheme in ("affine32", "affine64"):
            for include_self in (True, False):
                m = sp.random(12, 12, density=0.3, random_state=4, format="csr")
                m.sort_indices()
                args = (m.indptr, m.indices, 40, 7, include_self)
                with np.errstate(over="ignore"):
                    gpu = minhash_signatures(*args, scheme=scheme, device="gpu")
                cpu = minhash_signatures(*args, scheme=scheme)
                same &= gpu.dtype == cpu.dtype and bool((gpu == cpu).all())
                with np.errstate(over="ignore"):
                    columns = minhash_signatures(*args, scheme=scheme, device="gpu", order="F")
                same &= columns.flags.f_contiguous and bool((columns == cpu).all())
                with np.errstate(over="ignore"):
                    block = minhash_signatures(
                        m.indptr[5:10], m.indices, 40, 7, include_self, scheme=scheme,
                        device="gpu", first_row=5,
                    )
                same &= bool((block == cpu[5:9]).all())
        print("same" if same else "different")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_ENABLE_CUDASIM": "1"},
    )
    assert result.stdout.strip() == "same", result.stderr[-2000:]


@pytest.mark.parametrize("scheme", ["affine32", "affine64"])
def test_row_blocks_signed_apart_stack_to_the_whole(scheme):
    matrix = random_csr(50, 50, 0.2, 9)
    whole = minhash_signatures(matrix.indptr, matrix.indices, 24, scheme=scheme)
    blocks = [
        minhash_signatures(
            matrix.indptr[start : stop + 1], matrix.indices, 24, scheme=scheme, first_row=start
        )
        for start, stop in [(0, 7), (7, 31), (31, 50)]
    ]
    np.testing.assert_array_equal(np.concatenate(blocks), whole)
    with pytest.raises(ValueError, match="first_row"):
        minhash_signatures(matrix.indptr, matrix.indices, 8, first_row=-1)


@pytest.mark.parametrize("scheme", ["affine32", "affine64"])
@pytest.mark.parametrize("blocks", [False, True])
def test_signatures_in_columns_equal_the_rows(scheme, blocks, monkeypatch):
    """order="F" writes the same values, each permutation's contiguous, whether the
    rows go in one call or in progress blocks, and in both twins."""
    from checks import twins

    monkeypatch.setattr(twins, "PARALLEL_FROM_WORK", 0 if blocks else 1 << 16)
    matrix = random_csr(300, 300, 0.05, 11)
    progress = (lambda done, total: None) if blocks else None
    rows = minhash_signatures(matrix.indptr, matrix.indices, 40, scheme=scheme)
    columns = minhash_signatures(
        matrix.indptr, matrix.indices, 40, scheme=scheme, order="F", progress=progress
    )
    assert columns.flags.f_contiguous and columns.shape == rows.shape
    np.testing.assert_array_equal(columns, rows)
    with pytest.raises(ValueError, match="order"):
        minhash_signatures(matrix.indptr, matrix.indices, 8, order="K")
