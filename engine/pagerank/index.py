"""The PPR index (FORA+, with SpeedPPR's walks that step first): walks stored once
per graph, looked up at query time instead of run; its file, saved atomically and
checked before any kernel sees it."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from checks import check_choice, check_positive, check_seed
from engine.long_run import LONG_RUN_SECONDS, check_long_run
from engine.pagerank import index_kernels as kernels
from engine.pagerank.accuracy import INDEX_BALANCE, Accuracy
from engine.pagerank.common import (
    DEFAULT_ALPHA,
    ONE,
    check_alpha,
    check_top_k,
    n_threads,
    seed_distribution,
    seed_int,
    source_matrix,
    source_table,
    top_rows,
)
from engine.pagerank.common_kernels import Seeds
from engine.pagerank.cost import build_memory, ppr_index_estimate, stored_walk_counts
from engine.pagerank.push import LocalPushMemo, power_push
from engine.pagerank.top_k import large_enough_for_rounds, top_k_query
from engine.pagerank.walks import walk_graph
from engine.pagerank.walks_kernels import Walker
from engine.pagerank.workspace import borrowed
from engine.per_graph import Progress
from loaders import Graph
from loaders.memory import check_memory

# A stored walk costs a look-up, about 2 edges of a sweep, in the rule that ends the sweeps.
LOOKUP_COST = 2.0


class PPRIndex:
    """Precomputed walks for answering many PPR queries fast (FORA+).

    ``build`` stores, for every node ``v``, the end points of
    ``⌈(1−α)·r_max·deg(v)·ω⌉`` walks from ``v`` that take their first step for
    sure: as many as the hybrid method could need from ``v`` once
    ``|r_v| ≤ r_max·deg(v)``, since a query keeps ``α·r_v`` at ``v`` itself and sends
    only the rest on walks (as SpeedPPR does; 15% fewer walks stored and looked up
    than FORA+'s walks that may stop at once). A query is then PowerPush down to
    that bound plus a look-up, with no walk at query time and the same error
    guarantee as ``method="hybrid"``. A walk that meets a dangling node is stored as a
    restart (-1): its mass is given back to the seeds at query time by solving
    ``π = x + q·π``.

    Why not PowerWalk's fixed R fingerprints per node (Liu et al. 2016): a fixed
    R gives no relative-error guarantee, and spends as many walks on a leaf as on
    a hub; sizing each node's walks by the residual it can receive gives the
    guarantee at a similar index size.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> index = PPRIndex.build(g, seed=1)
    >>> engine.top_nodes(g, index.query(0), 3)["node"].tolist()
    [0, 1, 2]

    References
    ----------
    S. Wang, R. Yang, X. Xiao, Z. Wei, Y. Yang, "FORA: Simple and effective
    approximate single-source personalized PageRank", KDD 2017 (FORA+).
    H. Wu, J. Gan, Z. Wei, R. Zhang, "Unifying the global and local approaches: an
    efficient power iteration with forward push", SIGMOD 2021 (SpeedPPR's index).
    """

    FORMAT_VERSION = 2

    def __init__(
        self,
        graph: Graph,
        alpha: float,
        accuracy: Accuracy,
        offsets: np.ndarray,
        ends: np.ndarray,
        seed: int,
    ):
        self.graph = graph
        self.alpha = alpha
        self.accuracy = accuracy
        self.offsets = offsets
        self.ends = ends
        self.seed = seed

    @classmethod
    def build(
        cls,
        g: Graph,
        alpha: float = DEFAULT_ALPHA,
        *,
        eps: float = 0.5,
        delta: float | None = None,
        threshold: float | None = None,
        seed: int | None = None,
        progress: Progress = None,
        balance: float = INDEX_BALANCE,
        max_seconds: float | None = LONG_RUN_SECONDS,
    ) -> PPRIndex:
        """Run and store the walks (on every CPU core); ``progress`` gets one call per chunk.

        ``balance`` scales the walks stored per node (and the residual a query may
        leave): on the 1M-edge BA graph of benchmarks/ppr.py, 4 stores 4x the walks
        and answers in about 0.6x the time of 1 (22 vs 35 ms, one run, loaded machine).
        A build estimated (:func:`engine.estimate.ppr_index_estimate`) to take longer
        than ``max_seconds`` (default 30 minutes; ``None``: no limit) is refused
        before any walk, with :class:`~engine.long_run.LongRunError`.
        """
        alpha = check_alpha(alpha)
        balance = check_positive("balance", balance)
        accuracy = Accuracy.of(g, eps, delta, threshold, balance)
        if max_seconds is not None:
            check_long_run(
                ppr_index_estimate(
                    g, alpha, eps=eps, delta=delta, threshold=threshold, balance=balance
                ),
                max_seconds,
                "Pass max_seconds=None to run it anyway, or store fewer walks (a larger "
                "eps, or a smaller balance: queries then push further).",
            )
        # The walks cost 12 bytes each while being stored: refuse before drawing them.
        check_memory(
            build_memory(g, alpha, accuracy),
            f"PPRIndex.build(eps={eps}, balance={balance}) on {g.n_nodes:,} nodes",
            parameter="balance",
        )
        seed = seed_int(check_seed(seed))
        offsets = np.zeros(g.n_nodes + 1, dtype=np.int64)
        np.cumsum(stored_walk_counts(g, alpha, accuracy), out=offsets[1:])
        total = int(offsets[-1])
        ends = np.empty(total, dtype=np.int64)
        walker = Walker.of(walk_graph(g), Seeds.none(), alpha, seed)
        chunk = max(1, -(-total // 20))
        for first in range(0, total, chunk):
            last = min(first + chunk, total)
            starts = np.searchsorted(offsets, np.arange(first, last), side="right") - 1
            kernels.stored_walk_ends(walker, starts, first, ends[first:last])
            if progress is not None:
                progress(last, total, "walks")
        small = ends.astype(np.int32) if g.n_nodes < 2**31 else ends
        return cls(g, alpha, accuracy, offsets, small, seed)

    @property
    def n_walks(self) -> int:
        return int(self.offsets[-1])

    @property
    def stored_walks(self) -> kernels.StoredWalks:
        """The walks and the rule that reads them, as the look-up kernel takes them."""
        return self._walks_read_at(self.accuracy)

    def _walks_read_at(self, accuracy: Accuracy) -> kernels.StoredWalks:
        return kernels.StoredWalks(self.offsets, self.ends, self.alpha, accuracy.omega, self.seed)

    def _accuracy_at(self, threshold: float, delta: float) -> Accuracy:
        """The accuracy of a query at a larger ``threshold`` than the index's (a top-k
        round): fewer walks per unit of residual (``ω``) and so a larger ``r_max``,
        which leaves each node at most the walks stored for it, as
        ``r_max·ω = balance·sqrt(ω / nnz)`` falls with ``ω``. The index's own where
        that would need more walks than stored (near the index's threshold)."""
        at = Accuracy(
            self.accuracy.eps, delta, threshold, max(self.graph.nnz, 1), self.accuracy.balance
        )
        return self.accuracy if at.omega >= self.accuracy.omega else at

    def query(self, seeds) -> np.ndarray:
        """PPR for ``seeds`` (as :func:`ppr`): scores by node id; :func:`top_nodes`
        turns them into a table of the highest."""
        seed_nodes, seed_mass = seed_distribution(self.graph, seeds)
        return self._scores(seed_nodes, seed_mass)

    def _scores(
        self,
        seed_nodes,
        seed_mass,
        serial: bool = False,
        accuracy: Accuracy | None = None,
        memo: LocalPushMemo | None = None,
    ) -> np.ndarray:
        """PowerPush down to ``|residual| ≤ r_max·deg`` (every node then needs at most
        the walks stored for it), then the stored walks' end points, signed as the
        residual. The sweeps stop by the hybrid's rule, with a stored walk costing a
        look-up. ``accuracy``: :meth:`_accuracy_at` a top-k round's threshold;
        ``memo``: the source's local push over the rounds (:class:`LocalPushMemo`)."""
        accuracy = self.accuracy if accuracy is None else accuracy
        if serial:
            look_up, lanes = kernels.accumulate_fingerprints_serial, 1
        else:
            look_up, lanes = kernels.accumulate_fingerprints_parallel, n_threads()
        # the residual is the workspace's until the look-up has read it
        with borrowed(self.graph) as work:
            estimate, residual = power_push(
                self.graph,
                seed_nodes,
                seed_mass,
                self.alpha,
                accuracy,
                (1.0 - self.alpha) * accuracy.omega * LOOKUP_COST,
                r_max=accuracy.r_max,
                serial=serial,
                work=work,
                memo=memo,
            )
            look_up(self._walks_read_at(accuracy), residual, estimate, work.counts(lanes))
        return estimate

    def query_batch(
        self,
        sources: Iterable,
        top_k: int | None = 100,
        progress: Progress = None,
        output: str = "table",
    ) -> pd.DataFrame | sp.csr_matrix:
        """Top-``k`` of many single sources, one query per thread on every core: a
        table ``source``, ``node``, ``score``, or with ``output="sparse"`` a CSR
        matrix sources × nodes (as :func:`engine.ppr_batch`).

        With ``top_k`` below ``n``, on graphs of at least
        :data:`~engine.pagerank.top_k.TOP_K_MIN_ENTRIES` entries, the queries follow
        FORA's top-k rule as ``ppr_batch``'s do (:mod:`engine.pagerank.top_k`,
        FORA+'s top-k): thresholds fall from ``1/top_k`` to the index's own, each
        round pushing less far and reading fewer of the stored walks, and stop where
        the k-th score is safely above the threshold."""
        sources = list(sources)
        g = self.graph
        top_k = g.n_nodes if top_k is None else check_top_k(top_k)
        check_choice("output", output, ("table", "sparse"))
        ids = g.node_ids(sources)
        workers = n_threads()
        adaptive = large_enough_for_rounds(g, top_k)

        def query(node: int) -> np.ndarray:
            memo = LocalPushMemo()  # this source's, over its rounds

            def at(threshold: float, delta: float) -> np.ndarray:
                accuracy = self._accuracy_at(threshold, delta)
                return self._scores(np.array([node]), ONE, workers > 1, accuracy, memo)

            if adaptive:
                eps, delta, floor = (
                    self.accuracy.eps, self.accuracy.delta, self.accuracy.threshold
                )  # fmt: skip
                return top_k_query(at, top_k, g.n_nodes, eps, delta, floor=floor)
            return self._scores(np.array([node]), ONE, serial=workers > 1)

        tops = top_rows(ids, query, top_k, progress, "query", workers)
        if output == "sparse":
            return source_matrix(self.graph, tops)
        return source_table(self.graph, sources, tops)

    def save(self, path) -> str:
        """Write the index (``.npz``) atomically; by convention beside the graph's store."""
        import json
        from pathlib import Path

        from engine.export import graph_fingerprint
        from loaders.atomic import atomic_write

        path = Path(path)
        meta = {
            "format_version": self.FORMAT_VERSION,
            "alpha": self.alpha,
            "eps": self.accuracy.eps,
            "delta": self.accuracy.delta,
            "threshold": self.accuracy.threshold,
            "balance": self.accuracy.balance,
            "seed": self.seed,
            "graph": graph_fingerprint(self.graph),
        }

        def write(temporary) -> None:
            # A file object, not a name: np.savez would append ".npz" to the name.
            with open(temporary, "wb") as sink:
                np.savez(
                    sink, offsets=self.offsets, ends=self.ends, meta=np.array(json.dumps(meta))
                )

        atomic_write(path, write)
        return str(path)

    @classmethod
    def load(cls, path, g: Graph) -> PPRIndex:
        """Open a saved index for ``g``, checked before any kernel sees it.

        Raises
        ------
        sketches.bundle.IndexFileError (a ValueError)
            Naming the file: built for another graph or in another format (format 1
            stored walks that could stop at once: rebuild), or damaged: not a zip,
            a corrupt member, a missing or pickled array, a wrong dtype or shape,
            ``offsets`` not starting at 0 / decreasing / not ending at the number of
            ``ends``, a walk end outside ``[-1, n)``, a parameter out of range.
        """
        from sketches.bundle import open_bundle

        with open_bundle(path) as bundle:
            meta = bundle.meta()
            _check_index_meta(bundle, meta, g, cls.FORMAT_VERSION)
            alpha = bundle.number(meta, "alpha", 0.0, 1.0)
            eps = bundle.number(meta, "eps", 0.0)
            delta = bundle.number(meta, "delta", 0.0, 1.0)
            threshold = bundle.number(meta, "threshold", 0.0, 1.0, high_open=False)
            balance = bundle.number(meta, "balance", 0.0)
            seed = bundle.integer(meta, "seed", 0, 2**63 - 1)
            try:
                accuracy = Accuracy(eps, delta, threshold, max(g.nnz, 1), balance)
            except (ZeroDivisionError, OverflowError):  # eps**2 out of float range
                accuracy = None
            if accuracy is None or not (
                0 < accuracy.omega < math.inf and 0 < accuracy.r_max < math.inf
            ):
                raise bundle.error(
                    f"eps={eps!r}, delta={delta!r}, threshold={threshold!r} and "
                    f"balance={balance!r} give no usable walk count"
                )
            offsets, ends = _read_walks(bundle, g.n_nodes)
        return cls(g, alpha, accuracy, offsets, ends, seed)


def _check_index_meta(bundle, meta: dict, g: Graph, version: int) -> None:
    """The index's format version and the graph it was built for (its fingerprint)."""
    from engine.export import graph_fingerprint

    found = bundle.integer(meta, "format_version", 0)
    if found > version:
        raise bundle.error(f"index format {found} is newer than this gwb reads ({version})")
    if found < version:
        raise bundle.error(
            f"index format {found} is older than this gwb reads ({version}); "
            "build it again with PPRIndex.build"
        )
    built_for = bundle.mapping(meta, "graph")
    if built_for.get("sha256") != graph_fingerprint(g)["sha256"]:
        name, edges = built_for.get("name"), built_for.get("n_edges")
        raise bundle.error(
            f"was built for another graph ({str(name)[:60]}, {str(edges)[:20]} edges)"
        )


def _read_walks(bundle, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The stored walks' ``offsets`` (int64, ``n + 1``, from 0 up to the number of
    walks, at least one walk per node: build stores ``⌈…⌉ ≥ 1``) and ``ends``
    (int32 or int64 in ``[-1, n)``, -1 a restart). The kernels index the graph
    with both unchecked, so a bad entry here would be a segfault there. ``ends`` is
    sized from ``offsets`` before it is read, so a damaged size allocates nothing."""
    from sketches.bundle import check_offsets, check_range

    offsets = bundle.array("offsets", [np.int64], [n + 1])
    check_offsets(bundle, "offsets", offsets, None)
    if n and not (offsets[1:] > offsets[:-1]).all():
        node = int(np.argmax(offsets[1:] <= offsets[:-1]))
        raise bundle.error(f"offsets give node {node} no stored walks (build stores >= 1)")
    ends = bundle.array("ends", [np.int32, np.int64], [int(offsets[-1])])
    check_range(bundle, "ends", ends, -1, n)
    return offsets, ends
