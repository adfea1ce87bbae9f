"""Files the dashboard offers for download, built only when the button is pressed."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

import engine
from engine.export import ids_path, run_path


def embedding_file(
    embedding: np.ndarray, graph: engine.Graph, suffix: str, parameters: Mapping | None = None
) -> tuple[bytes, str]:
    """An embedding as one downloadable file, and its name.

    Written by :func:`engine.export_embeddings`, so the bytes are those of the
    CLI's file. NPY comes as a zip holding the matrix, its node labels and the
    run record, because the matrix alone would not say which row is which node.

    >>> g = engine.sample("karate")
    >>> data, name = embedding_file(np.ones((34, 4), np.float32), g, ".npy")
    >>> name
    'karate-fastrp.zip'
    >>> sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    ['karate-fastrp.ids.txt', 'karate-fastrp.npy', 'karate-fastrp.npy.run.json']
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{graph.name}-fastrp{suffix}"
        engine.export_embeddings(embedding, graph, path, parameters=parameters)
        if suffix != ".npy":
            return path.read_bytes(), path.name
        archive = io.BytesIO()
        # The documented members only: the folder also holds the set's hidden versions.
        members = sorted([path, ids_path(path), run_path(path)])
        with zipfile.ZipFile(archive, "w") as bundle:
            for written in members:
                bundle.write(written, written.name)
        return archive.getvalue(), path.with_suffix(".zip").name
