"""The bulk LSH index: same candidates as datasketch's, prefix queries, banding, bundles."""

import os
import shutil
import socket
import subprocess
import time

import numpy as np
import pytest
from datasketch import MinHashLSH as DatasketchLSH

from sketches.lsh import MinHashLSH, datasketch_banding, recall_banding
from sketches.minhash import lean_minhash, minhash_signatures
from tests.graphs import random_edges


def clustered_signatures(scheme="affine32", num_perm=128, n=300, seed=0):
    """Signatures of closed neighbourhoods of a graph with small dense blocks."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, n // 10, n)
    same = blocks[:, None] == blocks[None, :]
    adjacency = (rng.random((n, n)) < np.where(same, 0.7, 0.01)) | np.eye(n, dtype=bool)
    matrix = sp.csr_matrix(adjacency | adjacency.T)
    matrix.sort_indices()
    return minhash_signatures(matrix.indptr, matrix.indices, num_perm, scheme=scheme)


@pytest.mark.parametrize("scheme", ["affine32", "affine64"])
@pytest.mark.parametrize("params", [(25, 5), (42, 3), (64, 2), (128, 1), (8, 16), (3, 40)])
def test_candidates_equal_datasketch(params, scheme):
    signatures = clustered_signatures(scheme)
    keys = np.arange(len(signatures)) * 7 + 3
    ours = MinHashLSH(0.5, 128, params=params, scheme=scheme)
    ours.insert(keys, signatures)
    reference = DatasketchLSH(0.5, 128, params=params)
    for key, signature in zip(keys.tolist(), signatures):
        reference.insert(key, lean_minhash(signature, scheme=scheme))
    for signature in signatures[::3]:
        expected = sorted(reference.query(lean_minhash(signature, scheme=scheme)))
        assert ours.query(signature).tolist() == expected


def brute_force_prefix_matches(signatures, query, bands, rows, prefix):
    matches = set()
    for band in range(bands):
        head = slice(band * rows, band * rows + prefix)
        matches |= set(np.flatnonzero((signatures[:, head] == query[head]).all(axis=1)).tolist())
    return matches


@pytest.mark.parametrize("params", [(42, 3), (25, 5), (128, 1), (16, 8)])
def test_query_top_relaxes_band_prefixes_until_it_has_k(params):
    bands, rows = params
    signatures = clustered_signatures()
    index = MinHashLSH(0.5, 128, params=params)
    index.insert(np.arange(len(signatures)), signatures)
    for k in (1, 5, 40, 1000):
        for query in signatures[::17]:
            levels = [rows] + [p for p in (2, 1) if p < rows]
            for prefix in levels:
                expected = brute_force_prefix_matches(signatures, query, bands, rows, prefix)
                if len(expected) >= k:
                    break
            assert set(index.query_top(query, k).tolist()) == expected


def test_recall_banding_meets_recall_with_the_most_rows():
    for threshold in (0.2, 0.5, 0.8):
        for recall in (0.9, 0.95, 0.99):
            bands, rows = recall_banding(threshold, 128, recall)
            assert bands * rows <= 128
            assert 1 - (1 - threshold**rows) ** bands >= recall
            more_rows = rows + 1
            assert 1 - (1 - threshold**more_rows) ** (128 // more_rows) < recall


def test_datasketch_banding_is_datasketchs():
    for threshold in (0.3, 0.5, 0.9):
        reference = DatasketchLSH(threshold, 64)
        assert datasketch_banding(threshold, 64) == (reference.b, reference.r)
        assert (MinHashLSH(threshold, 64).bands, MinHashLSH(threshold, 64).rows) == (
            reference.b,
            reference.r,
        )


def test_insert_in_two_batches_equals_one():
    signatures = clustered_signatures()
    once, twice = MinHashLSH(0.5, 128), MinHashLSH(0.5, 128)
    once.insert(np.arange(300), signatures)
    twice.insert(np.arange(100), signatures[:100])
    twice.insert(np.arange(100, 300), signatures[100:])
    for query in signatures[::11]:
        assert once.query(query).tolist() == twice.query(query).tolist()
    assert len(twice) == 300


def test_bundle_round_trip(tmp_path):
    signatures = clustered_signatures()
    index = MinHashLSH(0.4, 128, params=(32, 4), seed=1)
    index.insert(np.arange(300) + 1000, signatures)
    path = tmp_path / "index.npz"
    index.save(path, extra={"note": "hello"})
    assert os.listdir(tmp_path) == ["index.npz"]  # no temporary left behind
    loaded = MinHashLSH.load(path)
    assert (loaded.bands, loaded.rows, loaded.threshold) == (32, 4, 0.4)
    assert loaded.extra == {"note": "hello"}
    for query in signatures[::13]:
        assert loaded.query(query).tolist() == index.query(query).tolist()


def test_newer_bundle_is_refused(tmp_path):
    import json

    index = MinHashLSH(0.5, 16)
    index.insert(np.arange(3), np.zeros((3, 16), dtype=np.uint32))
    path = index.save(tmp_path / "index.npz")
    with np.load(path) as bundle:
        parts = dict(bundle)
    meta = json.loads(str(parts["meta"]))
    meta["format_version"] = 99
    parts["meta"] = np.array(json.dumps(meta))
    np.savez(path, **parts)
    with pytest.raises(ValueError, match="newer"):
        MinHashLSH.load(path)


def _small_bundle(tmp_path, **options):
    index = MinHashLSH(0.5, 16, params=(4, 4), **options)
    index.insert(np.arange(5) + 10, np.arange(80, dtype=np.uint32).reshape(5, 16))
    path = index.save(tmp_path / "index.npz")
    with np.load(path, allow_pickle=False) as bundle:
        return path, dict(bundle)


def _json(parts):
    import json

    return json.loads(str(parts["meta"]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(keys=p["keys"].reshape(1, 5)), r"'keys' has shape \(1, 5\)"),
        (lambda p: p.update(keys=p["keys"].astype(np.uint64)), r"'keys' has dtype <u8"),
        (lambda p: p.update(keys=p["keys"].astype(object)), r"'keys' is an object array"),
        (
            lambda p: p.update(signatures=p["signatures"].astype(np.int64)),
            r"'signatures' has dtype <i8; expected uint32",
        ),
        (
            lambda p: p.update(signatures=p["signatures"][:, :8]),
            r"'signatures' has shape \(5, 8\); expected \(5, 16\)",
        ),
        (lambda p: p.pop("signatures"), r"no member 'signatures'"),
        (
            lambda p: p.update(meta=np.array('{"format_version": 1, "threshold": NaN}')),
            r"'threshold' is nan",
        ),
        (lambda p: p.update(meta=np.array('"just a string"')), r"must be a JSON object"),
        (lambda p: p.update(meta=np.array("[" * 100000)), r"'meta' is damaged"),
    ],
)
def test_damaged_bundle_is_refused_by_name(change, message, tmp_path):
    """Each a valid bundle with one thing wrong: before the checks these loaded
    (a pickle was unpickled by default) or failed deep inside numpy or Numba."""
    from sketches.bundle import IndexFileError

    path, parts = _small_bundle(tmp_path)
    change(parts)
    np.savez(path, **parts)
    with pytest.raises(IndexFileError, match=message) as caught:
        MinHashLSH.load(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("num_perm", 16.0, r"'num_perm' must be an integer"),
        ("bands", 0, r"'bands' is 0, outside \[1, 16\]"),
        ("rows", 5, r"'rows' is 5, outside \[1, 4\]"),
        ("seed", -1, r"'seed' is -1, outside"),
        ("seed", None, r"'seed' must be an integer"),
        ("scheme", ["affine32"], r"'scheme' must be a string"),
        ("extra", "note", r"'extra' must be a JSON object"),
    ],
)
def test_bundle_parameters_are_checked(key, value, message, tmp_path):
    import json

    from sketches.bundle import IndexFileError

    path, parts = _small_bundle(tmp_path)
    meta = _json(parts)
    meta[key] = value
    parts["meta"] = np.array(json.dumps(meta))
    np.savez(path, **parts)
    with pytest.raises(IndexFileError, match=message):
        MinHashLSH.load(path)


def test_bundle_file_mode_follows_the_umask(tmp_path):
    """mkstemp's 0600 used to stay on the saved bundle."""
    old = os.umask(0o022)
    try:
        path, _ = _small_bundle(tmp_path)
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["index.npz"]


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="threshold"):
        MinHashLSH(1.0, 128)
    with pytest.raises(ValueError, match="bands \\* rows"):
        MinHashLSH(0.5, 16, params=(5, 5))
    index = MinHashLSH(0.5, 16)
    with pytest.raises(ValueError, match="shape"):
        index.insert(np.arange(2), np.zeros((3, 16), dtype=np.uint32))
    with pytest.raises(ValueError, match="length 16"):
        index.query(np.zeros(8, dtype=np.uint32))


def test_empty_index_answers_nothing():
    index = MinHashLSH(0.5, 16)
    assert index.query(np.zeros(16, dtype=np.uint32)).tolist() == []
    assert index.query_top(np.zeros(16, dtype=np.uint32), 5).tolist() == []


def test_to_datasketch_holds_the_same_candidates():
    src, dst = random_edges(80, 300, seed=4)
    import scipy.sparse as sp

    matrix = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(80, 80))
    matrix.sort_indices()
    signatures = minhash_signatures(matrix.indptr, matrix.indices, 64)
    index = MinHashLSH(0.3, 64)
    index.insert(np.arange(80), signatures)
    exported = index.to_datasketch()
    for signature in signatures[::5]:
        assert sorted(exported.query(lean_minhash(signature))) == index.query(signature).tolist()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_to_datasketch_with_redis_storage(tmp_path):
    """datasketch's Redis storage, against a real redis-server on loopback."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    pytest.importorskip("redis")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        signatures = clustered_signatures(num_perm=64, n=100)
        index = MinHashLSH(0.5, 64)
        index.insert(np.arange(100), signatures)
        config = {"type": "redis", "basename": b"gwb-test", "redis": {"port": port}}
        exported = index.to_datasketch(config)
        for signature in signatures[::7]:
            assert (
                sorted(exported.query(lean_minhash(signature))) == index.query(signature).tolist()
            )
        assert client.dbsize() > 0
    finally:
        process.terminate()
        process.wait(timeout=10)


# The band orders against straightforward references. The index is, per band, the
# rows sorted by the band's key; "the same buckets" means that runs of equal keys
# in that order are exactly the groups of rows whose band values are equal, and
# that bands agreeing on their first value or two are contiguous (the prefix
# queries). The radix sort promises more: the order is np.lexsort's, ties by row.


def reference_band_keys(signatures: np.ndarray, band: int, rows: int):
    """``(heads, tails)`` of one band, computed with NumPy as sketches.lsh documents
    them: the first two values packed (one for 64-bit values or one-row bands),
    then the next value itself when one is left, else a SplitMix64 chain of the rest."""
    values = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
    pack = 2 if signatures.dtype == np.uint32 and rows > 1 else 1
    heads = values[:, 0]
    if pack == 2:
        heads = (heads << np.uint64(32)) | values[:, 1]
    if rows - pack == 1:
        return heads, values[:, pack]
    tails = np.full(len(values), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(pack, rows):
            tails ^= values[:, offset]
            tails *= np.uint64(0xBF58476D1CE4E5B9)
            tails ^= tails >> np.uint64(31)
            tails *= np.uint64(0x94D049BB133111EB)
            tails ^= tails >> np.uint64(29)
    return heads, tails


def grouped_rows(signatures: np.ndarray, band: int, rows: int, prefix: int) -> set:
    """The rows grouped by their band's first ``prefix`` values, by a dict."""
    groups: dict = {}
    for row, values in enumerate(signatures[:, band * rows : band * rows + prefix].tolist()):
        groups.setdefault(tuple(values), []).append(row)
    return {frozenset(members) for members in groups.values()}


def runs_of(order: np.ndarray, key: np.ndarray) -> set:
    """Rows in ``order`` cut where ``key`` (one value per position) changes."""
    cuts = np.flatnonzero(np.diff(key)) + 1
    return {frozenset(piece.tolist()) for piece in np.split(order, cuts)}


def piled_signatures(n: int, num_perm: int, seed: int, dtype=np.uint32) -> np.ndarray:
    """Signatures like MinHash's on a skewed graph: a few values shared by many rows
    (every neighbour of the node with the smallest hash gets its value), the rest
    spread over the whole range, and some rows repeated whole."""
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    spread = rng.integers(0, top, (n, num_perm), dtype=dtype, endpoint=True)
    popular = rng.integers(0, top, (n, num_perm), dtype=dtype, endpoint=True) % 7
    take = rng.random((n, num_perm)) < 0.6
    signatures = np.where(take, popular, spread).astype(dtype)
    signatures[rng.integers(0, n, n // 10)] = signatures[rng.integers(0, n, n // 10)]
    signatures[: n // 20, :] = top  # empty sets: every value at the maximum
    return signatures


def graph_signatures(kind: str, scheme: str = "affine32") -> np.ndarray:
    """Signatures of real neighbourhoods: R-MAT-like skew, a star, a clustered graph."""
    import scipy.sparse as sp

    if kind == "clustered":
        return clustered_signatures(scheme, n=600)
    rng = np.random.default_rng(5)
    if kind == "star":
        src, dst = np.zeros(3000, dtype=np.int64), np.arange(1, 3001)
    else:  # a skewed random graph: endpoints drawn with probability ~ 1/rank
        weights = 1.0 / np.arange(1, 4001)
        src = rng.choice(4000, 30000, p=weights / weights.sum())
        dst = rng.integers(0, 4000, 30000)
    n = int(max(src.max(), dst.max())) + 1
    matrix = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    matrix = (matrix + matrix.T).tocsr()
    matrix.sort_indices()
    return minhash_signatures(matrix.indptr, matrix.indices, 128, scheme=scheme)


SIGNATURE_CASES = {
    "piled-32": lambda: piled_signatures(5000, 128, 1),
    "piled-64": lambda: piled_signatures(3000, 64, 2, np.uint64),
    "all-equal": lambda: np.full((500, 32), 12345, dtype=np.uint32),
    "one-row": lambda: piled_signatures(1, 32, 3),
    "skewed-graph": lambda: graph_signatures("skewed"),
    "star": lambda: graph_signatures("star"),
    "clustered-64": lambda: graph_signatures("clustered", "affine64"),
}


@pytest.mark.parametrize("case", sorted(SIGNATURE_CASES))
@pytest.mark.parametrize("params", [(42, 3), (64, 2), (128, 1), (25, 5), (8, 16), (16, 4)])
def test_band_orders_are_the_lexsort_of_the_band_keys(case, params):
    signatures = SIGNATURE_CASES[case]()
    num_perm = signatures.shape[1]
    bands, rows = params
    if bands * rows > num_perm:
        bands = num_perm // rows
    scheme = "affine64" if signatures.dtype == np.uint64 else "affine32"
    index = MinHashLSH(0.5, num_perm, params=(bands, rows), scheme=scheme)
    index.insert(np.arange(len(signatures)), signatures)
    for band in range(bands):
        heads, tails = reference_band_keys(signatures, band, rows)
        np.testing.assert_array_equal(index._orders[band], np.lexsort((tails, heads)))


@pytest.mark.parametrize("case", ["piled-32", "skewed-graph", "star", "clustered-64"])
def test_band_buckets_are_the_groups_of_equal_band_values(case):
    """Runs of equal keys are the rows with equal band values (a dict of tuples), and
    rows with equal first values are contiguous too, as are rows with equal first two
    values where those are packed into the head (32-bit values)."""
    signatures = SIGNATURE_CASES[case]()
    rows = 3
    bands = signatures.shape[1] // rows
    scheme = "affine64" if signatures.dtype == np.uint64 else "affine32"
    index = MinHashLSH(0.5, signatures.shape[1], params=(bands, rows), scheme=scheme)
    index.insert(np.arange(len(signatures)), signatures)
    for band in range(0, bands, 5):
        order = index._orders[band]
        values = signatures[order, band * rows : (band + 1) * rows]
        for prefix in (1, 2, 3) if scheme == "affine32" else (1, 3):
            # Position i starts a new group where any of the first prefix values change.
            changes = np.r_[False, (np.diff(values[:, :prefix], axis=0) != 0).any(axis=1)]
            found = runs_of(order, np.cumsum(changes))
            assert found == grouped_rows(signatures, band, rows, prefix), (band, prefix)


def test_band_orders_agree_between_the_twins_and_any_thread_count(monkeypatch):
    """The serial twin (one worker), the parallel twin with one or two threads,
    blocks of every size and signatures in either layout give the same orders."""
    import numba

    import sketches.lsh as lsh
    from checks import twins

    signatures = piled_signatures(3000, 128, 4)
    orders = []

    def build():
        index = MinHashLSH(0.5, 128, params=(42, 3))
        index.insert(np.arange(len(signatures)), signatures)
        orders.append(index._orders.copy())

    build()  # 3000 rows: the serial twin
    monkeypatch.setattr(twins, "PARALLEL_FROM_WORK", 0)
    threads = numba.get_num_threads()
    for count in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS), threads}):
        numba.set_num_threads(count)
        try:
            build()
        finally:
            numba.set_num_threads(threads)
    # Blocks of one band and of about five (bytes of the copied columns: a band is
    # 3 values of 4 bytes a row), instead of a third of the signatures' size.
    for budget in (1, 5 * 3 * 4 * len(signatures)):
        monkeypatch.setattr(lsh, "COLUMN_BUDGET", budget)
        build()
    # Signatures in columns (Fortran order) are sorted where they lie: the same orders.
    signatures = np.asfortranarray(signatures)
    build()
    for other in orders[1:]:
        np.testing.assert_array_equal(other, orders[0])


def test_insert_reports_the_bands_sorted():
    signatures = piled_signatures(2000, 128, 6)
    calls = []
    index = MinHashLSH(0.5, 128, params=(42, 3))
    index.insert(
        np.arange(2000), signatures, progress=lambda done, total: calls.append((done, total))
    )
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == 42
    assert {total for _, total in calls} == {42}


def test_signatures_in_columns_are_kept_and_answer_as_rows_do():
    """Fortran-ordered signatures are held without a copy, and every query answers
    as over the same signatures held row by row."""
    signatures = piled_signatures(2000, 128, 7)
    rows, columns = MinHashLSH(0.5, 128, params=(42, 3)), MinHashLSH(0.5, 128, params=(42, 3))
    rows.insert(np.arange(2000), signatures)
    in_columns = np.asfortranarray(signatures)
    columns.insert(np.arange(2000), in_columns)
    assert columns.signatures is in_columns and rows.signatures.flags.c_contiguous
    np.testing.assert_array_equal(columns._orders, rows._orders)
    for signature in signatures[::97]:
        np.testing.assert_array_equal(columns.query(signature), rows.query(signature))
        np.testing.assert_array_equal(
            columns.query_top(signature, 50), rows.query_top(signature, 50)
        )
