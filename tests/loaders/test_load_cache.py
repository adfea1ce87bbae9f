"""The text-load cache: a cached store is checked against its CRC32s once per version
of its files, the check is remembered in-process and on disk, and a damaged entry is
rebuilt from the source text rather than served."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest

from loaders import load, open_store

# The package's ``load`` attribute is the function; the module is reached by name.
load_module = importlib.import_module("loaders.load")


@pytest.fixture
def edge_file(tmp_path) -> Path:
    path = tmp_path / "edges.txt"
    path.write_text("a b 1.5\nb c 2.5\nc d 0.5\nd a 1.0\n")
    return path


@pytest.fixture
def opens(monkeypatch) -> list:
    """Record the ``verify`` of every cached-store open made by ``load``."""
    calls: list = []
    real = open_store

    def spy(path, *, verify=False):
        calls.append(verify)
        return real(path, verify=verify)

    monkeypatch.setattr(load_module, "open_store", spy)
    monkeypatch.setattr(load_module, "_VERIFIED", set(), raising=False)
    return calls


def _cached_store(cache: Path) -> Path:
    (store,) = cache.glob("*.gwb")
    return store


def test_cached_store_is_verified_once_per_version(edge_file, tmp_path, opens):
    cache = tmp_path / "cache"
    first = load(edge_file, cache_dir=cache)
    store = _cached_store(cache)
    assert (store / ".verified.json").is_file()
    # The writer computed the checksums of what it wrote: no second read needed.
    assert load(edge_file, cache_dir=cache).equals(first)
    assert opens == [False]
    # A new process knows it from the marker beside the store.
    load_module._VERIFIED.clear()
    load(edge_file, cache_dir=cache)
    assert opens == [False, False]
    # Without the marker, and not known in-process: checked in full, once.
    load_module._VERIFIED.clear()
    (store / ".verified.json").unlink()
    load(edge_file, cache_dir=cache)
    load(edge_file, cache_dir=cache)
    assert opens == [False, False, True, False]
    assert (store / ".verified.json").is_file()


def test_rewritten_cache_file_is_checked_and_a_damaged_one_rebuilt(edge_file, tmp_path, opens):
    """A weight changed in place is a valid graph: only the checksum can refuse it."""
    cache = tmp_path / "cache"
    original = load(edge_file, cache_dir=cache)
    store = _cached_store(cache)
    weights = np.load(store / "weights.npy", mmap_mode="r+")
    weights[0] = 99.0
    weights.flush()
    del weights
    later = os.stat(store / "weights.npy").st_mtime_ns + 10**9
    os.utime(store / "weights.npy", ns=(later, later))  # as a later write would
    again = load(edge_file, cache_dir=cache)
    assert opens == [True], "a changed file is checked again"
    assert again.equals(original) and 99.0 not in again.weights
    # The rebuilt entry is served, and trusted, from now on.
    assert load(edge_file, cache_dir=cache).store_path == str(store.resolve())
    assert opens == [True, False]
    assert open_store(store, verify=True).equals(original)


def test_structurally_damaged_cache_entry_is_rebuilt(edge_file, tmp_path, opens):
    cache = tmp_path / "cache"
    original = load(edge_file, cache_dir=cache)
    store = _cached_store(cache)
    indices = np.load(store / "indices.npy", mmap_mode="r+")
    indices[0] = -1
    indices.flush()
    del indices
    assert load(edge_file, cache_dir=cache).equals(original)
    assert open_store(store, verify=True).equals(original)
    assert [p.name for p in cache.iterdir()] == [store.name]


def test_unreadable_marker_means_a_full_check(edge_file, tmp_path, opens):
    cache = tmp_path / "cache"
    load(edge_file, cache_dir=cache)
    store = _cached_store(cache)
    (store / ".verified.json").write_text("{not json")
    load_module._VERIFIED.clear()
    load(edge_file, cache_dir=cache)
    assert opens == [True]
