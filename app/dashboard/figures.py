"""Plotly figure builders: pure functions from arrays to figures, tested apart from Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

#: Room around the plot of a chart with titled axes. Plotly grows the left and bottom
#: margins to fit tick labels and axis titles (``automargin``); the top holds the title,
#: and grows by a line for each line a long title wraps to (see :func:`titled`).
AXES_MARGIN = {"l": 60, "r": 20, "t": 50, "b": 50}
#: Room around a drawn graph, which has no axes.
PICTURE_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}
#: The light grey of edges under a drawn graph's nodes.
EDGE_LINE = {"width": 0.5, "color": "#bbb"}
#: Characters in a line of a figure's title. Plotly never wraps a title: a longer line
#: runs off the figure, cut, when the figure sits in a narrow column.
TITLE_WIDTH = 60
#: Pixels of top margin a title line takes.
TITLE_LINE_HEIGHT = 24


def titled(title: str, margin: dict) -> dict:
    """Layout settings that show all of ``title``: wrapped to lines, with the room they need.

    >>> settings = titled("Network community profile", {"t": 50})
    >>> settings["title"]["text"], settings["margin"]["t"]
    ('Network community profile', 50)
    >>> long = titled("word " * 30, {"t": 50})
    >>> long["title"]["text"].count("<br>"), long["margin"]["t"]
    (2, 98)
    """
    import textwrap

    lines = textwrap.wrap(title, TITLE_WIDTH) or [""]
    return {
        "title": {"text": "<br>".join(lines), "x": 0.01, "xanchor": "left"},
        "margin": {**margin, "t": margin["t"] + TITLE_LINE_HEIGHT * (len(lines) - 1)},
    }


def tick_text(value: float) -> str:
    """A tick label: whole numbers with thousands separators, others in 3 significant digits.

    >>> [tick_text(v) for v in (1, 20_000, 0.05, 0.00012, 2e-7)]
    ['1', '20,000', '0.05', '0.00012', '2e-07']
    """
    if value >= 1 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"


def log_axis(values) -> dict:
    """A log axis over the positive ``values`` only, with ticks a reader can read.

    The range is given in log10 units, as Plotly wants for a log axis (a range, or an
    annotation, in data units puts 16 nodes at 10¹⁶). Ticks are 1-2-5 steps when the
    values span at most three decades, powers of ten beyond, labelled in plain numbers.

    >>> axis = log_axis([3, 40])
    >>> axis["type"], [round(end, 2) for end in axis["range"]], axis["ticktext"]
    ('log', [0.42, 1.66], ['5', '10', '20'])
    >>> log_axis([1, 100_000])["ticktext"]
    ['1', '10', '100', '1,000', '10,000', '100,000']
    """
    positive = np.asarray(values, dtype=np.float64)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    if positive.size == 0:
        return {"type": "log", "automargin": True}
    low, high = np.log10(positive.min()), np.log10(positive.max())
    pad = max(0.05 * (high - low), 0.05)
    steps = (1,) if high - low > 3 else (1, 2, 5)
    ticks = [
        step * 10.0**decade
        for decade in range(int(np.floor(low)), int(np.ceil(high)) + 1)
        for step in steps
        if low - pad <= np.log10(step * 10.0**decade) <= high + pad
    ]
    return {
        "type": "log",
        "range": [float(low - pad), float(high + pad)],
        "tickvals": ticks,
        "ticktext": [tick_text(tick) for tick in ticks],
        "automargin": True,
    }


def chart(
    trace: go.Scatter | go.Scattergl,
    *,
    title: str,
    axis_titles: tuple[str, str],
    height: int,
    log_axes: str = "",
) -> go.Figure:
    """One trace on titled axes: the frame every chart here shares.

    ``log_axes`` names the axes on a log scale: ``""``, ``"x"`` or ``"xy"``; a log axis
    spans the trace's positive values (see :func:`log_axis`). Axes grow the margins to
    fit their tick labels and titles, and a long title wraps, so nothing is cut off.

    >>> figure = chart(go.Scatter(x=[1, 10], y=[1, 2]), title="t", axis_titles=("a", "b"),
    ...                height=300, log_axes="x")
    >>> figure.layout.xaxis.type, figure.layout.yaxis.type, figure.layout.yaxis.title.text
    ('log', None, 'b')
    """
    figure = go.Figure(trace)
    figure.update_layout(height=height, **titled(title, AXES_MARGIN))
    for axis, axis_title in zip("xy", axis_titles):
        settings = log_axis(trace[axis]) if axis in log_axes else {"automargin": True}
        figure.update_layout({f"{axis}axis": {**settings, "title": {"text": axis_title}}})
    return figure


def degree_histogram(degrees: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positive degrees and how many nodes have each (zero degrees left out).

    >>> degree_histogram(np.array([0, 1, 1, 3]))
    (array([1, 3]), array([2, 1]))
    """
    values, counts = np.unique(np.asarray(degrees)[np.asarray(degrees) > 0], return_counts=True)
    return values, counts


def degree_distribution_figure(
    degrees: np.ndarray, *, title: str = "Degree distribution"
) -> go.Figure:
    """Log-log scatter of node count against degree.

    >>> fig = degree_distribution_figure(np.array([1, 1, 2, 5]))
    >>> fig.data[0].x.tolist(), fig.data[0].y.tolist()
    ([1, 2, 5], [2, 1, 1])
    """
    values, counts = degree_histogram(degrees)
    return chart(
        go.Scatter(
            x=values,
            y=counts,
            mode="markers",
            hovertemplate="degree %{x}: %{y} nodes<extra></extra>",
        ),
        title=title,
        axis_titles=("degree", "nodes"),
        height=420,
        log_axes="xy",
    )


def top_degree_table(graph, k: int = 10):
    """The ``k`` nodes of highest degree as a DataFrame (``node``, ``degree``), ties by id.

    >>> from loaders import sample
    >>> top_degree_table(sample("karate"), 2)["node"].tolist()
    [33, 0]
    """
    import pandas as pd

    degrees = graph.degree()
    order = np.lexsort((np.arange(degrees.size), -degrees))[:k]
    return pd.DataFrame({"node": graph.labels[order], "degree": degrees[order]})


def pca_2d(embedding: np.ndarray) -> np.ndarray:
    """The first two principal components of the rows (n × 2), signs fixed for stable plots.

    Uses the dim × dim covariance, so it costs one pass over the rows whatever n.

    >>> rng = np.random.default_rng(0)
    >>> points = rng.standard_normal((200, 5)) * [10, 3, 1, 1, 1]
    >>> coords = pca_2d(points)
    >>> bool(coords[:, 0].var() > coords[:, 1].var() > 0)
    True
    """
    matrix = np.asarray(embedding, dtype=np.float64)
    if matrix.shape[0] == 0:
        return np.zeros((0, 2))
    centred = matrix - matrix.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    axes = vectors[:, ::-1][:, :2]
    signs = np.sign(axes[np.abs(axes).argmax(axis=0), [0, 1]])
    coords = centred @ (axes * np.where(signs == 0, 1, signs))
    if coords.shape[1] < 2:
        coords = np.column_stack([coords, np.zeros(len(coords))])
    return coords


#: How to install the non-linear map, for the message shown when it is missing.
UMAP_INSTALL = "pip install 'graph-workbench[umap]' (or pip install umap-learn)"


def umap_available() -> bool:
    """Whether umap-learn can be imported (it is the optional ``umap`` extra)."""
    import importlib.util

    return importlib.util.find_spec("umap") is not None


#: Most points a scatter of an embedding draws: more make the browser crawl.
MAX_POINTS = 20_000


def shown_rows(n: int, max_points: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """The rows a scatter of ``n`` points draws: all, or ``max_points`` drawn at random.

    >>> rows = shown_rows(50_000)
    >>> shown_rows(5).tolist(), len(rows), bool(np.all(np.diff(rows) > 0))
    ([0, 1, 2, 3, 4], 20000, True)
    """
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, max_points, replace=False))


def umap_2d(
    embedding: np.ndarray, *, seed: int = 0, neighbours: int = 15, max_rows: int = MAX_POINTS
) -> np.ndarray:
    """A 2-D UMAP map of the rows (n × 2), by cosine distance, as FastRP neighbours are found.

    UMAP (McInnes, Healy & Melville 2018) keeps each node's nearest neighbours near it,
    so communities that PCA's two linear axes pile on top of each other come apart.
    Computed by umap-learn, the optional ``umap`` extra; a fixed ``seed`` gives the same
    map every time (and makes umap-learn run on one thread). Fewer than four rows are
    mapped by :func:`pca_2d`, as UMAP needs neighbours to work with; of more than
    ``max_rows`` rows only the :func:`shown_rows` a scatter of ``max_rows`` points draws
    are mapped, the others get NaN.

    Raises
    ------
    ImportError
        When umap-learn is not installed, saying how to install it.

    References
    ----------
    L. McInnes, J. Healy, J. Melville, "UMAP: Uniform Manifold Approximation and
    Projection for Dimension Reduction", arXiv:1802.03426 (2018).
    """
    matrix = np.asarray(embedding, dtype=np.float32)
    if len(matrix) > max_rows:
        # The scatter draws MAX_POINTS rows at most: map those (in minutes, not an hour on
        # a million nodes); the rest are NaN, never drawn.
        rows = shown_rows(len(matrix), max_rows)
        coords = np.full((len(matrix), 2), np.nan)
        coords[rows] = umap_2d(matrix[rows], seed=seed, neighbours=neighbours)
        return coords
    if len(matrix) < 4:
        return pca_2d(matrix)
    try:
        import umap
    except ImportError as error:
        raise ImportError(f"the UMAP map needs umap-learn: {UMAP_INSTALL}") from error
    mapper = umap.UMAP(
        n_components=2,
        n_neighbors=min(neighbours, len(matrix) - 1),
        metric="cosine",
        random_state=seed,
        n_jobs=1,  # what random_state implies anyway; said here so umap-learn does not warn
        # umap-learn's own choice above 10,000 rows. The 500 it takes below that doubled the
        # time on the bundled planted graph (13 s -> 6.5 s warm) for the same map: a point's
        # nearest on the map shares its planted community 99.9% of the time either way.
        n_epochs=200,
    )
    return np.asarray(mapper.fit_transform(matrix), dtype=np.float64)


def embedding_clusters(
    embedding: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    restarts: int = 3,
    fit_rows: int = 20_000,
) -> np.ndarray:
    """k-means cluster of each row (``0..k-1``), the best of ``restarts`` k-means++ starts.

    scipy's ``kmeans2`` runs one start; keeping the start of least inertia
    avoids most of the poor local optima a single start lands in. Centroids
    are fitted on at most ``fit_rows`` rows drawn at random, then every row
    goes to its nearest centroid: on 100k nodes that is seconds, not a minute,
    and the map it colours is subsampled to 20k points anyway.

    >>> points = np.repeat([[0.0, 0.0], [10.0, 10.0]], 50, axis=0)
    >>> clusters = embedding_clusters(points + np.random.default_rng(0).random((100, 2)), 2)
    >>> len(set(clusters[:50])), len(set(clusters[50:])), bool(clusters[0] != clusters[-1])
    (1, 1, True)
    """
    from scipy.cluster.vq import kmeans2, vq

    matrix = np.asarray(embedding, dtype=np.float64)
    if not 1 <= k <= len(matrix):
        raise ValueError(f"k must be between 1 and the number of nodes ({len(matrix)}); got {k}")
    fitted = matrix
    if len(matrix) > fit_rows:
        rows = np.random.default_rng(seed).choice(len(matrix), fit_rows, replace=False)
        fitted = matrix[np.sort(rows)]
    best_inertia, best_centroids = np.inf, None
    for start in range(restarts):
        centroids, clusters = kmeans2(fitted, k, seed=seed + start, minit="++")
        inertia = float(((fitted - centroids[clusters]) ** 2).sum())
        if inertia < best_inertia:
            best_inertia, best_centroids = inertia, centroids
    return vq(matrix, best_centroids, check_finite=False)[0]


def embedding_scatter(
    coords: np.ndarray,
    labels,
    colour=None,
    *,
    colour_name: str = "",
    map_name: str = "PCA",
    max_points: int = MAX_POINTS,
    seed: int = 0,
) -> go.Figure:
    """A 2-D scatter of embedded nodes, coloured by an attribute; large graphs are subsampled.

    ``map_name`` names the map that made ``coords`` (``"PCA"``, ``"UMAP"``) in the title
    and axes: principal components are ``PC 1``/``PC 2``, other maps ``UMAP 1``/``UMAP 2``.

    >>> figure = embedding_scatter(np.eye(3)[:, :2], ["a", "b", "c"], map_name="UMAP")
    >>> figure.layout.title.text, figure.layout.xaxis.title.text
    ('UMAP of the embedding', 'UMAP 1')
    """
    n = len(coords)
    shown = shown_rows(n, max_points, seed)
    text = [str(label) for label in np.asarray(labels)[shown]]
    marker = {"size": 6, "opacity": 0.8}
    if colour is not None:
        values = np.asarray(colour)[shown]
        if values.dtype.kind in "iuf" and len(np.unique(values)) > 20:
            marker.update(color=values, colorscale="Viridis", showscale=True)
        else:
            categories, codes = np.unique(values.astype(str), return_inverse=True)
            marker.update(color=codes, colorscale="Turbo", showscale=False)
            text = [f"{t} ({categories[c]})" for t, c in zip(text, codes)]
    title = f"{map_name} of the embedding{f', coloured by {colour_name}' if colour_name else ''}"
    if n > max_points:
        title += f" ({max_points:,} of {n:,} nodes)"
    return chart(
        go.Scattergl(
            x=coords[shown, 0],
            y=coords[shown, 1],
            mode="markers",
            marker=marker,
            text=text,
            hovertemplate="%{text}<extra></extra>",
        ),
        title=title,
        axis_titles=("PC 1", "PC 2") if map_name == "PCA" else (f"{map_name} 1", f"{map_name} 2"),
        height=520,
    )


def conductance_trace(profile, mode: str, size_text: str) -> go.Scatter:
    """Conductance against size from a profile table (columns ``size``, ``conductance``).

    The hover reads ``"<size_text>: conductance 0.123"``; ``%{x}`` in ``size_text`` is the size.
    """
    return go.Scatter(
        x=profile["size"],
        y=profile["conductance"],
        mode=mode,
        hovertemplate=f"{size_text}: conductance %{{y:.3g}}<extra></extra>",
        showlegend=False,
    )


def sweep_profile_figure(profile, best_size: int) -> go.Figure:
    """Conductance against cluster size along the sweep (log x), the chosen size marked.

    The x axis spans the sizes the sweep tried, nothing more; the y axis runs from 0
    to the largest conductance (at most 1). The chosen cluster is a red point on the
    curve and a dotted line.

    >>> import engine
    >>> found = engine.local_cluster(engine.sample("karate"), 0)
    >>> figure = sweep_profile_figure(found.profile, len(found))
    >>> len(figure.data[0].x) == len(found.profile)
    True
    >>> bool(10 ** figure.layout.xaxis.range[1] < 2 * found.profile["size"].max())
    True
    """
    figure = chart(
        conductance_trace(profile, "lines", "first %{x} nodes"),
        title="Sweep profile: conductance by cluster size",
        axis_titles=("cluster size (nodes, best scores first)", "conductance"),
        height=380,
        log_axes="x",
    )
    top = float(np.nanmax(profile["conductance"])) if len(profile) else 1.0
    # Room above the curve for the chosen size's label.
    figure.update_yaxes(range=[0, 1.15 * max(top, 1e-9)], rangemode="tozero")
    chosen = profile["size"].to_numpy() == best_size
    if chosen.any():
        figure.add_trace(
            go.Scatter(
                x=[best_size],
                y=[float(profile["conductance"].to_numpy()[chosen][0])],
                mode="markers",
                marker={"size": 10, "color": "crimson"},
                hovertemplate="cluster: %{x} nodes, conductance %{y:.3g}<extra></extra>",
                showlegend=False,  # the dotted line's label names it
            )
        )
    # A shape's x is in data units even on a log axis, but an annotation's is in log10
    # units: add_vline's label at x=best_size stretched the axis to 10**best_size.
    figure.add_shape(
        type="line",
        x0=best_size,
        x1=best_size,
        y0=0,
        y1=1,
        yref="y domain",
        line={"dash": "dot", "color": "crimson", "width": 1},
    )
    figure.add_annotation(
        x=np.log10(best_size),
        y=1,
        yref="y domain",
        text=f"cluster: {best_size:,} nodes",
        showarrow=False,
        xanchor="left",
        yanchor="top",
        bgcolor="rgba(255, 255, 255, 0.8)",
    )
    return figure


def ncp_figure(profile) -> go.Figure:
    """The network community profile: best conductance by cluster size, log-log.

    Both axes span the profile's values, ticked in plain numbers (see :func:`log_axis`).

    >>> import pandas as pd
    >>> figure = ncp_figure(pd.DataFrame({"size": [2, 10], "conductance": [0.5, 0.1]}))
    >>> figure.layout.xaxis.type, figure.layout.yaxis.type
    ('log', 'log')
    >>> figure.layout.yaxis.ticktext
    ('0.1', '0.2', '0.5')
    """
    return chart(
        conductance_trace(profile, "lines+markers", "size %{x}"),
        title="Community profile: best conductance at each size",
        axis_titles=("cluster size (nodes)", "best conductance found"),
        height=380,
        log_axes="xy",
    )
