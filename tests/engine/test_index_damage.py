"""Damaged and hostile index files are refused by name, never a crash.

Two kinds of test. Targeted ones rewrite a *valid* index with one thing wrong
(an out-of-range walk end, decreasing offsets, a wrong dtype, a pickle, ...) and
check that the load refuses it with an :class:`IndexFileError` saying what. Flip
tests run this file as a script in a subprocess that flips one byte at a time in
a copy of a saved index, loads it and queries it, many seeded flips per process;
the test fails if the process dies on a signal. Flipped bytes of a zip mostly
meet its CRC-32, so half the flips are made inside a member's ``.npy`` bytes and
the zip written again with a good CRC: those reach our own checks.

Before these checks, an index with an out-of-range ``ends`` entry loaded without
a word and its query died with SIGSEGV (rc -11).
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.similarity import NeighbourhoodIndex
from sketches.bundle import IndexFileError
from sketches.lsh import MinHashLSH

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ helpers


def parts_of(path) -> dict:
    with np.load(path, allow_pickle=False) as archive:
        return dict(archive)


def write_parts(path, parts: dict) -> None:
    with open(path, "wb") as sink:
        np.savez(sink, **parts)


def with_meta(parts: dict, **changes) -> dict:
    meta = json.loads(str(parts["meta"]))
    for key, value in changes.items():
        if value is _DROP:
            meta.pop(key)
        else:
            meta[key] = value
    return {**parts, "meta": np.array(json.dumps(meta))}


_DROP = object()


@pytest.fixture(scope="module")
def karate():
    return engine.sample("karate")


@pytest.fixture(scope="module")
def ppr_file(karate, tmp_path_factory):
    return engine.PPRIndex.build(karate, seed=7).save(
        tmp_path_factory.mktemp("ppr") / "karate.ppr-index.npz"
    )


@pytest.fixture(scope="module")
def lesmis():
    return engine.sample("lesmis")


@pytest.fixture(scope="module")
def neighbourhood_file(lesmis, tmp_path_factory):
    index = NeighbourhoodIndex.build(lesmis, num_perm=32, threshold=0.4)
    return index.save(tmp_path_factory.mktemp("nb") / "lesmis.npz")


def damaged(tmp_path, valid, parts: dict) -> Path:
    path = tmp_path / Path(valid).name
    write_parts(path, parts)
    return path


# ------------------------------------------------------------------ PPR index, targeted


def _set(name, position, value):
    def change(parts):
        array = parts[name].copy()
        array[position] = value
        return {**parts, name: array}

    return change


def _swap_offsets(parts):
    offsets = parts["offsets"].copy()
    offsets[3], offsets[4] = offsets[4], offsets[3]
    return {**parts, "offsets": offsets}


def _cast(name, dtype):
    return lambda parts: {**parts, name: parts[name].astype(dtype)}


PPR_DAMAGE = {
    "end at n": (_set("ends", 5, 34), r"ends\[5\] is 34, outside \[-1, 34\)"),
    "end far out": (_set("ends", -1, 10**9), r"ends\[\d+\] is 1000000000, outside"),
    "end below -1": (_set("ends", 0, -7), r"ends\[0\] is -7, outside \[-1, 34\)"),
    "negative first offset": (_set("offsets", 0, -1), r"offsets\[0\] is -1, not 0"),
    "negative offset": (_set("offsets", 6, -5), r"offsets decrease at 6"),
    "decreasing offsets": (_swap_offsets, r"offsets decrease at 4"),
    "node without walks": (
        lambda p: _set("offsets", 2, p["offsets"][1])(p),
        r"node 1 no stored walks",
    ),
    "last offset past ends": (
        lambda p: _set("offsets", -1, p["offsets"][-1] + 1)(p),
        r"'ends' has shape \(\d+,\); expected \(\d+\)",
    ),
    "offsets int32": (_cast("offsets", np.int32), r"'offsets' has dtype <i4; expected int64"),
    "ends float": (_cast("ends", np.float64), r"'ends' has dtype <f8; expected int32 or int64"),
    "ends big-endian": (_cast("ends", ">i4"), r"'ends' has dtype >i4"),
    "offsets 2-d": (
        lambda p: {**p, "offsets": np.stack([p["offsets"]] * 2)},
        r"'offsets' has shape \(2, 35\); expected \(35\)",
    ),
    "offsets too short": (
        lambda p: {**p, "offsets": p["offsets"][:-1]},
        r"'offsets' has shape \(34,\); expected \(35\)",
    ),
    "ends pickled": (
        lambda p: {**p, "ends": np.array(list(p["ends"]), dtype=object)},
        r"'ends' is an object array \(a pickle\)",
    ),
    "meta pickled": (
        lambda p: {**p, "meta": np.array({"alpha": 0.15}, dtype=object)},
        r"'meta' must be a JSON string; found \|O \(\)",
    ),
    "no ends": (lambda p: {k: v for k, v in p.items() if k != "ends"}, r"no member 'ends'"),
    "no meta": (lambda p: {k: v for k, v in p.items() if k != "meta"}, r"no member 'meta'"),
    "meta not json": (lambda p: {**p, "meta": np.array("{alpha")}, r"'meta' is damaged"),
    "meta a list": (lambda p: {**p, "meta": np.array("[1, 2]")}, r"must be a JSON object"),
    "meta numbers": (lambda p: {**p, "meta": np.arange(3)}, r"'meta' must be a JSON string"),
    "alpha NaN": (lambda p: with_meta(p, alpha=float("nan")), r"'alpha' is nan, outside \(0, 1\)"),
    "alpha 1": (lambda p: with_meta(p, alpha=1.0), r"'alpha' is 1.0, outside"),
    "eps infinite": (lambda p: with_meta(p, eps=float("inf")), r"'eps' is inf"),
    "alpha a huge integer": (lambda p: with_meta(p, alpha=10**400), r"'alpha' is 1000.*far out"),
    "eps tiny": (lambda p: with_meta(p, eps=1e-300), r"eps=1e-300, .* give no usable walk count"),
    "eps huge": (lambda p: with_meta(p, eps=1e300), r"eps=1e\+300, .* give no usable walk count"),
    "delta a string": (lambda p: with_meta(p, delta="0.1"), r"'delta' must be a number"),
    "threshold 0": (lambda p: with_meta(p, threshold=0), r"'threshold' is 0.0, outside \(0, 1\]"),
    "balance negative": (lambda p: with_meta(p, balance=-1), r"'balance' is -1.0"),
    "seed negative": (lambda p: with_meta(p, seed=-3), r"'seed' is -3, outside"),
    "seed a float": (lambda p: with_meta(p, seed=7.5), r"'seed' must be an integer"),
    "seed a bool": (lambda p: with_meta(p, seed=True), r"'seed' must be an integer"),
    "no alpha": (lambda p: with_meta(p, alpha=_DROP), r"meta has no 'alpha'"),
    "version a string": (
        lambda p: with_meta(p, format_version="2"),
        r"'format_version' must be an integer",
    ),
    "newer version": (lambda p: with_meta(p, format_version=9), r"format 9 is newer"),
    "graph not a dict": (lambda p: with_meta(p, graph="karate"), r"'graph' must be a JSON object"),
    "graph without sha": (lambda p: with_meta(p, graph={}), r"built for another graph"),
}


@pytest.mark.parametrize("case", list(PPR_DAMAGE))
def test_damaged_ppr_index_is_refused_by_name(case, karate, ppr_file, tmp_path):
    change, message = PPR_DAMAGE[case]
    path = damaged(tmp_path, ppr_file, change(parts_of(ppr_file)))
    with pytest.raises(IndexFileError, match=message) as caught:
        engine.PPRIndex.load(path, karate)
    assert str(caught.value).startswith(str(path))


def test_out_of_range_end_is_refused_not_a_crash(karate, ppr_file, tmp_path):
    """The issue's crash: before the checks this load passed and the query died on
    SIGSEGV (rc -11). Run in a subprocess so that a crash fails this test only."""
    path = damaged(tmp_path, ppr_file, _set("ends", 0, 10**9)(parts_of(ppr_file)))
    script = (
        "import engine\n"
        "g = engine.sample('karate')\n"
        "try:\n"
        f"    index = engine.PPRIndex.load({str(path)!r}, g)\n"
        "except ValueError as error:\n"
        "    print('refused:', error)\n"
        "else:\n"
        "    engine.top_nodes(g, index.query(0), 5)\n"
        "    print('served')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"rc {done.returncode}: {done.stderr[-2000:]}"
    assert "refused:" in done.stdout and "ends[0] is 1000000000" in done.stdout


def test_valid_index_still_loads_and_answers(karate, ppr_file):
    index = engine.PPRIndex.build(karate, seed=7)
    again = engine.PPRIndex.load(ppr_file, karate)
    np.testing.assert_array_equal(again.query(3), index.query(3))
    assert again.ends.dtype == np.int32 and again.offsets.dtype == np.int64
    assert again.ends.flags.writeable and again.ends.flags.c_contiguous


def test_index_file_mode_follows_the_umask(karate, tmp_path):
    old = os.umask(0o022)
    try:
        path = engine.PPRIndex.build(karate, seed=1).save(tmp_path / "i.npz")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["i.npz"]


# ------------------------------------------------------------------ any index file, not an npz


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _corrupt_member(data: bytes) -> bytes:
    # A byte in the middle of the first member's data: the zip itself stays readable.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.infolist()[0]
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + 140
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]


NOT_AN_INDEX = {
    "empty": (lambda data: b"", r"not a \.npz index"),
    "text": (lambda data: b"source,target\n1,2\n", r"not a \.npz index"),
    "truncated": (_truncated, r"not a \.npz index|damaged|past the end"),
    "corrupt member": (_corrupt_member, r"member '\w+' is damaged \(Bad CRC-32"),
    "a lone npy": (lambda data: _npy_bytes(np.arange(5)), r"not a \.npz index"),
    "pickle": (lambda data: __import__("pickle").dumps({"ends": [1]}), r"not a \.npz index"),
}


def _npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _loader(kind, karate, lesmis):
    if kind == "ppr":
        return lambda path: engine.PPRIndex.load(path, karate)
    if kind == "neighbourhood":
        return lambda path: NeighbourhoodIndex.load(path, lesmis)
    return MinHashLSH.load


@pytest.mark.parametrize("kind", ["ppr", "neighbourhood", "lsh"])
@pytest.mark.parametrize("case", list(NOT_AN_INDEX))
def test_a_file_that_is_no_index_is_refused_by_name(
    case, kind, karate, lesmis, ppr_file, neighbourhood_file, tmp_path
):
    valid = ppr_file if kind == "ppr" else neighbourhood_file
    make, message = NOT_AN_INDEX[case]
    path = tmp_path / "index.npz"
    path.write_bytes(make(Path(valid).read_bytes()))
    with pytest.raises(IndexFileError, match=message) as caught:
        _loader(kind, karate, lesmis)(path)
    assert str(caught.value).startswith(str(path))


def test_missing_file_stays_file_not_found(karate, tmp_path):
    with pytest.raises(FileNotFoundError):
        engine.PPRIndex.load(tmp_path / "nothing.npz", karate)


def test_a_header_that_overstates_its_data_allocates_nothing(tmp_path):
    """An npy header declaring 10^12 keys over a few bytes: refused from the sizes,
    before the 8 TB it asks for is allocated."""
    path = MinHashLSH(0.5, 16).save(tmp_path / "lsh.npz")
    parts = parts_of(path)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<i8", "fortran_order": False, "shape": (10**12,)}
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("keys.npy", header.getvalue() + b"\0" * 64)
        for name in ("signatures", "meta"):
            archive.writestr(f"{name}.npy", _npy_bytes(parts[name]))
    with pytest.raises(IndexFileError, match=r"'keys' holds 64 bytes of data but its header"):
        MinHashLSH.load(path)


# ------------------------------------------------------------------ neighbourhood index, targeted


def _keys(change):
    def apply(parts):
        keys = parts["keys"].copy()
        change(keys)
        return {**parts, "keys": keys}

    return apply


def _extra(**changes):
    def apply(parts):
        meta = json.loads(str(parts["meta"]))
        meta["extra"].update(changes)
        return {**parts, "meta": np.array(json.dumps(meta))}

    return apply


NEIGHBOURHOOD_DAMAGE = {
    "key out of range": (
        _keys(lambda k: k.__setitem__(3, 10**9)),
        r"keys\[3\] is 1000000000; the keys must be the node ids",
    ),
    "negative key": (_keys(lambda k: k.__setitem__(0, -1)), r"keys\[0\] is -1"),
    "keys shuffled": (_keys(lambda k: k.__setitem__(slice(None), k[::-1])), r"keys\[0\] is 76"),
    "fewer keys": (
        lambda p: {**p, "keys": p["keys"][:-1], "signatures": p["signatures"][:-1]},
        r"holds 76 keys for a graph of 77 nodes",
    ),
    "signature rows": (
        lambda p: {**p, "signatures": p["signatures"][:-1]},
        r"'signatures' has shape \(76, 32\); expected \(77, 32\)",
    ),
    "signatures 64-bit": (
        lambda p: {**p, "signatures": p["signatures"].astype(np.uint64)},
        r"'signatures' has dtype <u8; expected uint32",
    ),
    "signatures pickled": (
        lambda p: {**p, "signatures": p["signatures"].astype(object)},
        r"'signatures' is an object array",
    ),
    "keys float": (_cast("keys", np.float64), r"'keys' has dtype <f8; expected int64"),
    "include_self a string": (_extra(include_self="yes"), r"'include_self' must be true or false"),
    "newer format": (_extra(format_version=7), r"format 7 is newer"),
    "another graph": (_extra(graph={"sha256": "0" * 64}), r"built for another graph"),
    "threshold NaN": (lambda p: with_meta(p, threshold=float("nan")), r"'threshold' is nan"),
    "bands too many": (lambda p: with_meta(p, bands=33), r"'bands' is 33, outside \[1, 32\]"),
    "rows too many": (lambda p: with_meta(p, rows=99), r"'rows' is 99, outside"),
    "num_perm huge": (lambda p: with_meta(p, num_perm=2**40), r"'num_perm' is 1099511627776"),
    "num_perm disagrees": (
        lambda p: with_meta(p, num_perm=16, bands=4, rows=4),
        r"'signatures' has shape \(77, 32\); expected \(77, 16\)",
    ),
    "scheme unknown": (lambda p: with_meta(p, scheme="md5"), r"'scheme' is 'md5', not one of"),
    "extra a list": (lambda p: with_meta(p, extra=[1]), r"'extra' must be a JSON object"),
}


@pytest.mark.parametrize("case", list(NEIGHBOURHOOD_DAMAGE))
def test_damaged_neighbourhood_index_is_refused_by_name(case, lesmis, neighbourhood_file, tmp_path):
    change, message = NEIGHBOURHOOD_DAMAGE[case]
    path = damaged(tmp_path, neighbourhood_file, change(parts_of(neighbourhood_file)))
    with pytest.raises(IndexFileError, match=message) as caught:
        NeighbourhoodIndex.load(path, lesmis)
    assert str(caught.value).startswith(str(path))


def test_structurally_valid_damage_gives_a_result(karate, ppr_file, tmp_path):
    """A walk end moved to another node is in range: the index is served (no way
    to tell without rebuilding) and answers with a finite vector."""
    parts = parts_of(ppr_file)
    parts["ends"] = parts["ends"].copy()
    parts["ends"][0] = (parts["ends"][0] + 1) % 34
    index = engine.PPRIndex.load(damaged(tmp_path, ppr_file, parts), karate)
    assert np.isfinite(index.query(0)).all()


# ------------------------------------------------------------------ byte flips in subprocesses

FLIPS_CI = {"raw": 600, "member": 300}
FLIPS_SLOW = {"raw": 12000, "member": 6000}


def _run_flips(kind: str, counts: dict, tmp_path: Path, threads: int | None = None) -> Counter:
    log = tmp_path / f"{kind}.log"
    command = [sys.executable, __file__, kind, str(tmp_path), str(counts["raw"])]
    command += [str(counts["member"]), str(log)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1"}
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    last = log.read_text().splitlines()[-1:] if log.exists() else []
    assert done.returncode >= 0, (
        f"{kind}: the process died on signal {-done.returncode} at flip {last}\n"
        f"{done.stderr[-3000:]}"
    )
    assert done.returncode == 0, f"{kind}: rc {done.returncode}\n{done.stderr[-3000:]}"
    outcomes = Counter(json.loads(done.stdout.strip().splitlines()[-1]))
    print(kind, dict(outcomes), done.stderr.strip().splitlines()[-1])
    assert sum(outcomes.values()) == counts["raw"] + counts["member"]
    # Every refusal is ours, naming the file: no zipfile, zlib, numpy or
    # Numba error escaping from below.
    strays = {k: v for k, v in outcomes.items() if "refused" in k and "IndexFile" not in k}
    assert not strays, strays
    return outcomes


@pytest.mark.parametrize("kind", ["ppr", "neighbourhood", "lsh"])
def test_byte_flips_never_crash(kind, tmp_path):
    # One Numba thread: on a busy machine every parallel query of the PPR index
    # waits ~0.3 s for its second thread; the slow run below uses them all.
    _run_flips(kind, FLIPS_CI, tmp_path, threads=1)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ppr", "neighbourhood", "lsh"])
def test_many_byte_flips_never_crash(kind, tmp_path):
    _run_flips(kind, FLIPS_SLOW, tmp_path)


# ------------------------------------------------------------------ the flip worker (a script)


def _valid_file(kind: str, folder: Path):
    """A saved index of ``kind``, the graph it needs, and a function that loads
    and queries a copy (every query path that reads the stored arrays)."""
    if kind == "ppr":
        g = engine.sample("karate")
        path = engine.PPRIndex.build(g, seed=7).save(folder / "valid.npz")

        def use(copy):
            index = engine.PPRIndex.load(copy, g)
            engine.top_nodes(g, index.query(0), 5)
            index.query([5, 6, 33])
            index.query_batch([1, 2], top_k=3)

    elif kind == "neighbourhood":
        g = engine.sample("lesmis")
        path = NeighbourhoodIndex.build(g, num_perm=32, threshold=0.4).save(folder / "valid.npz")

        def use(copy):
            index = NeighbourhoodIndex.load(copy, g)
            index.similar("Valjean", k=5)
            index.similar(g.labels[-1], k=3)
            index.expand(["Valjean", "Javert"], rounds=2)

    else:
        rng = np.random.default_rng(3)
        signatures = rng.integers(0, 50, size=(60, 24), dtype=np.uint64)
        lsh = MinHashLSH(0.5, 24, params=(8, 3), scheme="affine64")
        lsh.insert(np.arange(60) * 7 + 100, signatures)
        path = lsh.save(folder / "valid.npz", extra={"note": "flips"})

        def use(copy):
            index = MinHashLSH.load(copy)
            for signature in index.signatures[::9]:
                index.query(signature)
                index.query_top(signature, 10)

    return Path(path), use


def _structure(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the zip's headers, the npy headers and the central directory:
    half the raw flips land there, where the CRC does not look."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        spans = [
            (i.header_offset, i.header_offset + 30 + len(i.filename) + len(i.extra) + 128)
            for i in archive.infolist()
        ]
        spans.append((archive.start_dir, len(data)))
    return spans


def _flip_raw(data: bytes, spans, rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        at = rng.randrange(len(data))
    else:
        start, stop = rng.choice(spans)
        at = rng.randrange(start, min(stop, len(data)))
    return data[:at] + bytes([data[at] ^ rng.randrange(1, 256)]) + data[at + 1 :]


def _flip_member(members: dict, rng: random.Random) -> bytes:
    """One byte flipped inside one member's npy bytes (header or data), zipped again
    with a good CRC, so only our checks stand between the flip and the kernels."""
    name = rng.choice(sorted(members))
    body = bytearray(members[name])
    at = rng.randrange(min(len(body), 160)) if rng.random() < 0.5 else rng.randrange(len(body))
    body[at] ^= rng.randrange(1, 256)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for other, content in members.items():
            archive.writestr(other, bytes(body) if other == name else content)
    return buffer.getvalue()


def _flip_worker(kind: str, folder: Path, raw: int, member: int, log: Path) -> Counter:
    valid, use = _valid_file(kind, folder)
    data = valid.read_bytes()
    spans = _structure(data)
    with zipfile.ZipFile(valid) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    copy = folder / "flipped.npz"
    outcomes: Counter = Counter()
    reasons: Counter = Counter()
    with open(log, "w") as trace:
        for mode, count in (("raw", raw), ("member", member)):
            for seed in range(count):
                rng = random.Random(f"{kind}/{mode}/{seed}")
                if mode == "raw":
                    flipped = _flip_raw(data, spans, rng)
                else:
                    flipped = _flip_member(members, rng)
                copy.write_bytes(flipped)
                # Written before the attempt, so a crash's parent knows which flip it was.
                trace.write(f"{mode} {seed}\n")
                trace.flush()
                try:
                    use(copy)
                except Exception as error:
                    outcomes[f"{mode} refused {type(error).__name__}"] += 1
                    reasons[_reason(error)] += 1
                    if not isinstance(error, IndexFileError):
                        print(f"{mode} {seed}: {type(error).__name__}: {error}", file=sys.stderr)
                else:
                    outcomes[f"{mode} result"] += 1
    print(json.dumps(reasons, sort_keys=True), file=sys.stderr)
    return outcomes


def _reason(error: Exception) -> str:
    """The kind of refusal, for the tally: the message without the path and numbers."""
    text = str(error).split(": ", 1)[-1]
    text = re.sub(r"\(.*", "", text)
    return re.sub(r"-?\d+", "#", text)[:60].strip()


if __name__ == "__main__":
    kind, folder, raw, member, log = sys.argv[1:]
    with tempfile.TemporaryDirectory(dir=folder) as work:
        result = _flip_worker(kind, Path(work), int(raw), int(member), Path(log))
    print(json.dumps(result))
