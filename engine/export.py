"""Writing embeddings to disk: Parquet, NPY (+ ids), CSV and word2vec text, atomically.

Every export writes a ``<path>.run.json`` beside the output, with the
parameters it was given and a hash of the graph, so a file can be traced back
to what produced it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from loaders import Graph

EMBEDDING_FORMATS = {
    ".parquet": "parquet",
    ".npy": "npy",
    ".csv": "csv",
    ".txt": "word2vec",
    ".w2v": "word2vec",
    ".vec": "word2vec",
}


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

    Every file is written to a temporary name and renamed into place.

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
    path.parent.mkdir(parents=True, exist_ok=True)
    written = [path]
    if fmt == "parquet":
        _atomic(path, lambda tmp: _write_parquet(tmp, labels, embedding))
    elif fmt == "npy":
        ids_path = path.with_name(path.stem + ".ids.txt")
        _atomic(
            ids_path,
            lambda tmp: Path(tmp).write_text("".join(f"{label}\n" for label in labels.tolist())),
        )
        _atomic(path, lambda tmp: np.save(open(tmp, "wb"), embedding))
        written.append(ids_path)
    elif fmt == "csv":
        frame = pd.DataFrame(embedding, columns=[f"dim_{i}" for i in range(embedding.shape[1])])
        frame.insert(0, "node", labels)
        _atomic(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.8g"))
    else:
        _atomic(path, lambda tmp: _write_word2vec(tmp, labels, embedding))
    run = {
        "output": str(path),
        "format": fmt,
        "files": [str(p) for p in written],
        "n_nodes": g.n_nodes,
        "dim": int(embedding.shape[1]),
        "graph": graph_fingerprint(g),
        "parameters": dict(parameters or {}),
    }
    _atomic(
        Path(str(path) + ".run.json"),
        lambda tmp: Path(tmp).write_text(json.dumps(run, indent=1, default=str)),
    )
    return str(path)


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


def graph_fingerprint(g: Graph) -> dict:
    """Sizes and a SHA-256 of the CSR arrays and labels: which graph an output came from."""
    digest = hashlib.sha256()
    for array in (g.indptr, g.indices, g.weights):
        if array is not None:
            digest.update(np.ascontiguousarray(array).data)
    if not g.has_identity_labels:
        digest.update("\x1f".join(map(str, g.labels.tolist())).encode())
    return {
        "name": g.name,
        "n_nodes": g.n_nodes,
        "n_edges": g.n_edges,
        "directed": g.directed,
        "weighted": g.is_weighted,
        "sha256": digest.hexdigest(),
    }


def _atomic(path: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _write_parquet(path: str, labels: np.ndarray, embedding: np.ndarray) -> None:
    dim = embedding.shape[1]
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(embedding.reshape(-1)), dim)
    node = pa.array(labels.tolist()) if labels.dtype == object else pa.array(labels)
    pq.write_table(pa.table({"node": node, "embedding": vectors}), path)


def _write_word2vec(path: str, labels: np.ndarray, embedding: np.ndarray) -> None:
    with open(path, "w") as handle:
        handle.write(f"{embedding.shape[0]} {embedding.shape[1]}\n")
        for label, vector in zip(labels.tolist(), embedding):
            handle.write(f"{label} " + " ".join(f"{v:.8g}" for v in vector.tolist()) + "\n")
