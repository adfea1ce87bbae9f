"""Writing embeddings to disk: Parquet, NPY (+ ids), CSV and word2vec text, as one atomic set.

Every export writes a ``<path>.run.json`` beside the output, with the
parameters it was given and a hash of the graph, so a file can be traced back
to what produced it.

How a set is published
----------------------
An export is a *set* of files read together: the vectors at ``<path>``, for NPY
the labels at ``<stem>.ids.txt``, and ``<path>.run.json``. No filesystem renames
several files in one step, so the set is written whole into a fresh folder
``.<name>.export/v-<random>/`` and the documented paths are relative symbolic
links into ``.<name>.export/current/``, itself a link to that folder. Replacing
``current`` (one ``rename``) switches every member at once: a process killed at
any moment leaves either the previous complete set or the new complete set at
the documented paths, never new labels beside old vectors or a stale run record.
Files a previous version of gwb wrote in place are first taken into such a
folder (hard links, no copy) and replaced by links to the same bytes.

Writers of the same path take turns (an advisory lock in the folder), and each
removes what killed writers left there. On filesystems without symbolic links
the members are renamed into place one by one, ``run.json`` last.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from loaders import Graph
from loaders.atomic import folder_mode, fsync_dir, fsync_file
from loaders.fingerprint import graph_fingerprint

EMBEDDING_FORMATS = {
    ".parquet": "parquet",
    ".npy": "npy",
    ".csv": "csv",
    ".txt": "word2vec",
    ".w2v": "word2vec",
    ".vec": "word2vec",
}
CURRENT = "current"
LOCK = "lock"


def export_embeddings(
    embedding: np.ndarray,
    g: Graph,
    path: str | os.PathLike,
    format: str | None = None,
    *,
    parameters: Mapping | None = None,
) -> str:
    """Write an embedding (one row per node of ``g``) to ``path`` and return the path.

    Parameters
    ----------
    embedding : array, shape (n_nodes, dim)
    g : Graph
        Gives the node labels written beside each vector.
    path : path-like
    format : {"parquet", "npy", "csv", "word2vec"}, optional
        By default from the extension (``.parquet``, ``.npy``, ``.csv``,
        ``.txt``/``.w2v``/``.vec`` for word2vec).
    parameters : mapping, optional
        Recorded in ``<path>.run.json`` (e.g. FastRP's dim, weights and seed).

    Notes
    -----
    - Parquet: a ``node`` column and an ``embedding`` column of fixed-size float32 lists.
    - NPY: the float32 matrix, with node labels in ``<stem>.ids.txt`` beside it (one per line).
    - CSV: ``node,dim_0,...,dim_{d-1}``.
    - word2vec: a ``n dim`` header, then ``label v_0 ... v_{d-1}`` per line. A label
      containing whitespace cannot be read back by word2vec tools, so it is rejected.

    The files are published as one set (see the module docstring): after a crash
    or a kill at any moment, the documented paths hold the previous complete set
    or the new one. The paths are symbolic links into ``.<name>.export/current/``;
    a reader that may race another export of the same path resolves that folder
    once (``os.path.realpath``) and reads every member from it. ``run.json``
    lists the members (``"members"``: file name → bytes), so a reader can also
    tell that the files it opened belong together.

    Examples
    --------
    >>> import engine, tempfile, os
    >>> g = engine.sample("karate")
    >>> emb = engine.fastrp(g, dim=8, seed=0, device="cpu")
    >>> out = export_embeddings(emb, g, os.path.join(tempfile.mkdtemp(), "k.parquet"))
    >>> import pandas as pd; len(pd.read_parquet(out))
    34
    """
    embedding = np.asarray(embedding, dtype=np.float32)
    if embedding.ndim != 2 or embedding.shape[0] != g.n_nodes:
        raise ValueError(
            f"embedding must have shape (n_nodes={g.n_nodes}, dim); got {embedding.shape}"
        )
    path = Path(path)
    fmt = format or EMBEDDING_FORMATS.get(path.suffix.lower())
    if fmt not in set(EMBEDDING_FORMATS.values()):
        raise ValueError(
            f"cannot tell the embedding format of {path}; use an extension "
            f"({', '.join(EMBEDDING_FORMATS)}) or format= one of "
            f"{', '.join(sorted(set(EMBEDDING_FORMATS.values())))}"
        )
    labels = g.labels
    if fmt == "word2vec" and (problem := word2vec_label_problem(labels)):
        raise ValueError(problem)
    writers: dict[str, Callable[[Path], None]] = {}
    if fmt == "parquet":
        writers[path.name] = lambda out: _write_parquet(out, labels, embedding)
    elif fmt == "npy":
        writers[path.name] = lambda out: _write_npy(out, embedding)
        writers[ids_path(path).name] = lambda out: out.write_text(
            "".join(f"{label}\n" for label in labels.tolist())
        )
    elif fmt == "csv":
        frame = pd.DataFrame(embedding, columns=[f"dim_{i}" for i in range(embedding.shape[1])])
        frame.insert(0, "node", labels)
        writers[path.name] = lambda out: frame.to_csv(out, index=False, float_format="%.8g")
    else:
        writers[path.name] = lambda out: _write_word2vec(out, labels, embedding)
    run = {
        "output": str(path),
        "format": fmt,
        "files": [str(path.with_name(name)) for name in writers],
        "n_nodes": g.n_nodes,
        "dim": int(embedding.shape[1]),
        "graph": graph_fingerprint(g),
        "parameters": dict(parameters or {}),
    }
    publish_set(path, writers, run)
    return str(path)


def ids_path(path: Path) -> Path:
    """Where the node labels of an NPY export go: ``<stem>.ids.txt`` beside it."""
    return path.with_name(path.stem + ".ids.txt")


def run_path(path: Path) -> Path:
    """The run record of an export: ``<path>.run.json``."""
    return path.with_name(path.name + ".run.json")


def set_folder(path: Path) -> Path:
    """The hidden folder holding the published versions of the set at ``path``."""
    return path.with_name(f".{path.name}.export")


def publish_set(path: Path, writers: Mapping[str, Callable[[Path], None]], run: dict) -> None:
    """Write ``writers`` (file name → ``write(out)``) and ``run.json`` as one set beside ``path``.

    Each writer fills the file it is given; the run record gets a ``members``
    entry (name → bytes) before it is written. See the module docstring.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = set_folder(path)
    names = [*writers, run_path(path).name]
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    with _locked(folder):
        _remove_orphans(folder)
        version = Path(tempfile.mkdtemp(prefix="v-", dir=folder))
        try:
            os.chmod(version, folder_mode())  # mkdtemp makes 0700; follow the umask
            members = {}
            for name, write in writers.items():
                write(version / name)
                fsync_file(version / name)
                members[name] = (version / name).stat().st_size
            record = json.dumps({**run, "members": members}, indent=1, default=str)
            (version / names[-1]).write_text(record)
            fsync_file(version / names[-1])
            fsync_dir(version)
            if not _symlinks_work(folder):
                _publish_in_place(path.parent, version, names)
                shutil.rmtree(folder, ignore_errors=True)
                return
            # Before the switch every documented path must already be a link into
            # current/: the links themselves then never change, only what current means.
            _adopt_plain_files(path, folder, names)
            for name in names:
                _link_member(path.parent / name, folder)
            previous = _switch(folder, version.name)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            if created and not (folder / CURRENT).is_symlink():
                # Nothing was ever published here: leave the folder as it was.
                for name in names:
                    if _is_our_link(path.parent / name, folder):
                        (path.parent / name).unlink()
                shutil.rmtree(folder, ignore_errors=True)
            raise
        if previous is not None:
            shutil.rmtree(folder / previous, ignore_errors=True)
        # A member of an earlier set that this one lacks (an NPY's ids after a
        # re-export as CSV with format=) now points at nothing; take the link away.
        for stale in (ids_path(path), path, run_path(path)):
            if stale.name not in names and _is_our_link(stale, folder):
                stale.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold an advisory lock on ``folder`` so writers of one set take turns."""
    descriptor = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: writers do not overlap
            yield
            return
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _current_version(folder: Path) -> str | None:
    try:
        return os.readlink(folder / CURRENT)
    except OSError:
        return None


def _remove_orphans(folder: Path) -> None:
    """Drop what killed writers left in ``folder`` (safe: we hold the set's lock)."""
    keep = {CURRENT, LOCK, _current_version(folder)}
    for entry in folder.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _symlinks_work(folder: Path) -> bool:
    probe = folder / f".probe.{secrets.token_hex(4)}"
    try:
        os.symlink(CURRENT, probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def _link_target(folder: Path, name: str) -> str:
    return f"{folder.name}/{CURRENT}/{name}"


def _is_our_link(member: Path, folder: Path) -> bool:
    try:
        return os.readlink(member) == _link_target(folder, member.name)
    except OSError:
        return False


def _adopt_plain_files(path: Path, folder: Path, names: list[str]) -> None:
    """Make the set now visible at the documented paths a published version.

    Files written in place (by an older gwb, or copied there by hand) are linked
    into a fresh version beside the members ``current`` already holds, ``current``
    switches to it, and only then is each file replaced by a link to the same
    bytes: every path reads the same at every moment.
    """
    candidates = {name: path.parent / name for name in dict.fromkeys([*names, path.name])}
    plain = [
        name
        for name, member in candidates.items()
        if (member.exists() or member.is_symlink()) and not _is_our_link(member, folder)
    ]
    if not plain:
        return
    current = _current_version(folder)
    adopted = Path(tempfile.mkdtemp(prefix="v-", dir=folder))
    os.chmod(adopted, folder_mode())
    if current is not None:
        for entry in (folder / current).iterdir():
            if entry.name not in plain:
                _hard_link_or_copy(entry, adopted / entry.name)
    for name in plain:
        if candidates[name].exists():  # a dangling link reads as no file: keep it that way
            _hard_link_or_copy(candidates[name], adopted / name)
    fsync_dir(adopted)
    previous = _switch(folder, adopted.name)
    for name in plain:
        _link_member(candidates[name], folder, replace=True)
    if previous is not None:
        shutil.rmtree(folder / previous, ignore_errors=True)


def _hard_link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another filesystem, or no hard links: copy the bytes
        shutil.copyfile(source, destination)
        fsync_file(destination)


def _link_member(member: Path, folder: Path, replace: bool = False) -> None:
    """Make ``member`` a link into ``folder/current`` (created aside, renamed over)."""
    if not replace and _is_our_link(member, folder):
        return
    # Made inside the set's folder so that a killed writer's leftover is swept
    # with the other orphans; a rename within one filesystem is atomic.
    temporary = folder / f".link.{secrets.token_hex(8)}"
    os.symlink(_link_target(folder, member.name), temporary)
    os.replace(temporary, member)


def _switch(folder: Path, version: str) -> str | None:
    """Point ``folder/current`` at ``version`` in one rename; return what it pointed at."""
    previous = _current_version(folder)
    temporary = folder / f".current.{secrets.token_hex(8)}"
    os.symlink(version, temporary)
    os.replace(temporary, folder / CURRENT)
    fsync_dir(folder)
    return previous


def _publish_in_place(parent: Path, version: Path, names: list[str]) -> None:
    """Without symbolic links: rename each member into place, the run record last."""
    for name in names:
        os.replace(version / name, parent / name)
    fsync_dir(parent)


def word2vec_label_problem(labels) -> str | None:
    """Why these labels cannot be written as word2vec text, or None when they can.

    >>> word2vec_label_problem(np.array(["a", "b c"]))[:40]
    "node label 'b c' contains whitespace or "
    >>> word2vec_label_problem(np.array(["a", "b"])) is None
    True
    """
    bad = next(
        (
            label
            for label in np.asarray(labels).tolist()
            if any(ch.isspace() for ch in str(label)) or str(label) == ""
        ),
        None,
    )
    if bad is None:
        return None
    return (
        f"node label {bad!r} contains whitespace or is empty; word2vec "
        "text cannot hold it (use parquet, npy or csv)"
    )


def _write_npy(path: Path, embedding: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.save(handle, embedding)


def _write_parquet(path: Path, labels: np.ndarray, embedding: np.ndarray) -> None:
    dim = embedding.shape[1]
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(embedding.reshape(-1)), dim)
    node = pa.array(labels.tolist()) if labels.dtype == object else pa.array(labels)
    pq.write_table(pa.table({"node": node, "embedding": vectors}), path)


def _write_word2vec(path: Path, labels: np.ndarray, embedding: np.ndarray) -> None:
    with open(path, "w") as handle:
        handle.write(f"{embedding.shape[0]} {embedding.shape[1]}\n")
        for label, vector in zip(labels.tolist(), embedding):
            handle.write(f"{label} " + " ".join(f"{v:.8g}" for v in vector.tolist()) + "\n")
