"""Embeddings page: FastRP on the chosen graph, a PCA or UMAP map, nearest neighbours, downloads."""

import hashlib

import numpy as np
import streamlit as st

import engine
from app.dashboard.downloads import embedding_file
from app.dashboard.figures import (
    UMAP_INSTALL,
    embedding_clusters,
    embedding_scatter,
    pca_2d,
    umap_2d,
    umap_available,
)
from app.dashboard.long_run import approved, estimate_caption
from app.dashboard.progress import ProgressBar
from app.dashboard.widgets import node_table_panel, page_header
from app.long_run import estimate_of, unlimited
from engine.export import word2vec_label_problem

PARAMETER_NAMES = (
    "graph",
    "n",
    "m",
    "dim",
    "weights",
    "beta",
    "self_influence",
    "seed",
    "device",
)
KMEANS = "k-means clusters of the embedding"
MAPS = ("PCA", "UMAP")
DOWNLOADS = {"Parquet": ".parquet", "CSV": ".csv", "NumPy (.npy)": ".npy", "word2vec text": ".txt"}

graph = page_header(
    "Embeddings",
    "FastRP (Chen et al., CIKM 2019): very sparse random projection averaged over "
    "neighbourhoods. Parameters follow Neo4j GDS.",
)

with st.form("fastrp"):
    left, middle, right = st.columns(3)
    dim = left.select_slider("Dimension", [16, 32, 64, 128, 256, 512], value=128)
    weights_text = middle.text_input(
        "Iteration weights", "0, 1, 1", help="One weight per propagation step"
    )
    beta = right.number_input("Normalization strength (β)", -1.0, 1.0, 0.0, step=0.1)
    self_influence = left.number_input("Node self influence", 0.0, 10.0, 0.0, step=0.1)
    seed = middle.number_input("Seed", 0, 2**31 - 1, 0)
    devices = ["cpu", "gpu"] if engine.gpu_status()[0] else ["cpu"]
    device = right.selectbox("Device", devices)
    submitted = st.form_submit_button("Compute embeddings", type="primary")
    try:
        weights = tuple(float(part) for part in weights_text.split(",") if part.strip())
    except ValueError:
        weights = None
    # FastRP's own arguments; the estimate is of the form as last submitted (or its defaults).
    parameters = {
        "dim": dim,
        "iteration_weights": weights,
        "normalization_strength": beta,
        "self_influence": self_influence,
        "seed": int(seed),
        "device": device,
    }
    estimate = None if weights is None else estimate_of("fastrp_estimate", graph, **parameters)
    estimate_caption(estimate, f"Estimate at dimension {dim}")

cache = st.session_state.setdefault("embeddings", {})
if submitted and weights is None:
    st.error(f"Iteration weights must be comma-separated numbers; got {weights_text!r}")
    st.stop()
key = (
    graph.name,
    graph.n_nodes,
    graph.n_edges,
    dim,
    weights,
    beta,
    self_influence,
    int(seed),
    device,
)
# Above the threshold a submitted run waits for "Run anyway" (the form keeps its values).
if approved("fastrp", submitted and key not in cache, estimate, key):
    try:
        with ProgressBar(
            "FastRP",
            "steps",
            expected=None if estimate is None else estimate.seconds,
            cancel="fastrp",
        ) as bar:
            embedding = engine.fastrp(graph, **parameters, progress=bar, **unlimited(engine.fastrp))
    except (ValueError, KeyError, RuntimeError) as error:
        st.error(str(error))
        st.stop()
    # The PCA map is computed once per embedding, not on every rerun of the page.
    cache[key] = (embedding, bar.seconds, pca_2d(embedding))
    st.session_state["embedding_key"] = key
elif submitted:
    st.session_state["embedding_key"] = key

key = st.session_state.get("embedding_key")
if key is None or key[0] != graph.name or key not in cache:
    st.info("Choose parameters and press **Compute embeddings**.")
    st.stop()

embedding, seconds, coords = cache[key]
st.success(f"{embedding.shape[0]:,} nodes × {embedding.shape[1]} dimensions in {seconds:.2f} s")


@st.cache_data(show_spinner=False, max_entries=16)
def umap_map(digest: str, _embedding: np.ndarray, seed: int) -> np.ndarray:
    """The UMAP map of one embedding, computed once for every session.

    Keyed on ``digest``, a hash of the embedding's bytes: hashing the array is cheap
    beside UMAP, and a recomputed embedding with the same values hits the cache.
    """
    return umap_2d(_embedding, seed=seed)


def map_coords(name: str) -> np.ndarray | None:
    """The chosen map's coordinates, or None (having said why) when it cannot be drawn."""
    if name == "PCA":
        return coords
    if not umap_available():
        st.info(f"The UMAP map needs umap-learn, an optional extra: {UMAP_INSTALL}")
        return None
    digest = hashlib.blake2b(np.ascontiguousarray(embedding).tobytes(), digest_size=16)
    seed = dict(zip(PARAMETER_NAMES, key))["seed"]
    with st.spinner(
        f"UMAP of {len(embedding):,} nodes… The first map since the dashboard started "
        "also compiles UMAP's kernels: up to a minute.",
        show_time=True,
    ):
        try:
            return umap_map(digest.hexdigest(), embedding, seed)
        except (ValueError, ImportError) as error:
            st.error(f"No UMAP map of this embedding: {error}")
            return None


@st.fragment
def projection_panel() -> None:
    attributes = list(graph.attributes)
    left, middle, right = st.columns([1, 3, 1])
    map_name = left.radio(
        "Map",
        MAPS,
        horizontal=True,
        key="embedding_map",
        help="PCA: the two linear axes of most variance, instant. UMAP: keeps each node's "
        "nearest neighbours close, so communities separate; seconds to a minute.",
    )
    choice = middle.selectbox("Colour by", ["(none)", *attributes, KMEANS], key="embedding_colour")
    if choice == KMEANS:
        k = right.number_input("Clusters (k)", 2, 100, 8, key="embedding_k_clusters")
        clusters = st.session_state.setdefault("embedding_clusters", {})
        if (key, k) not in clusters:
            with st.spinner(f"k-means with k = {k}…", show_time=True):
                clusters[key, k] = embedding_clusters(
                    embedding, int(k), seed=dict(zip(PARAMETER_NAMES, key))["seed"]
                )
        colour = clusters[key, k]
    else:
        colour = None if choice == "(none)" else graph.attributes[choice]
    shown = map_coords(map_name)
    if shown is None:
        return
    st.plotly_chart(
        embedding_scatter(
            shown,
            graph.labels,
            colour,
            colour_name="" if colour is None else choice,
            map_name=map_name,
        ),
        width="stretch",
    )


@st.fragment
def neighbours_panel() -> None:
    node_table_panel(
        graph,
        "Nearest neighbours",
        "embedding",
        lambda node, k: engine.nearest(embedding, node, k=k, graph=graph),
    )


@st.fragment
def download_panel() -> None:
    st.subheader("Download")
    kind = st.selectbox("Format", list(DOWNLOADS), key="embedding_format")
    if DOWNLOADS[kind] == ".txt" and (problem := word2vec_label_problem(graph.labels)):
        st.error(problem)
        return
    suffix = DOWNLOADS[kind]
    name = f"{graph.name}-fastrp{'.zip' if suffix == '.npy' else suffix}"
    # The file is written when the button is pressed, not on every rerun of the page:
    # at 100k nodes × 128 dimensions that is tens of megabytes.
    st.download_button(
        f"Download {kind}",
        lambda: embedding_file(embedding, graph, suffix, dict(zip(PARAMETER_NAMES, key)))[0],
        file_name=name,
        on_click="ignore",
    )


projection_panel()
left, right = st.columns(2)
with left:
    neighbours_panel()
with right:
    download_panel()
