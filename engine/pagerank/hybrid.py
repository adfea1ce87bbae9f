"""The hybrid method: FORA (Wang et al., KDD 2017), push then walks from the
left-over residual mass, with the walk count set by ``eps``, ``delta`` and
``threshold`` so that every node with ``π ≥ threshold`` is estimated within
relative error ``eps`` with probability ``1 − delta``. The push is PowerPush
(:func:`engine.pagerank.push.power_push`).

The walks count end points, because FORA's error bound needs each walk's
contribution to lie in ``[0, 1/ω]``. Over-relaxed sweeps leave some residuals
negative; their walks weigh ``−1/ω``, so the bound holds for the positive and the
negative walks apart.
"""

from __future__ import annotations

import numpy as np

from checks.twins import runs_serial
from engine.pagerank import hybrid_kernels as kernels
from engine.pagerank import walks
from engine.pagerank.accuracy import Accuracy
from engine.pagerank.common import seed_int
from engine.pagerank.push import LocalPushMemo, forward_push_from, power_push
from engine.pagerank.workspace import borrowed
from loaders import Graph

# Cost of one walk step in units of one edge of a sweep, for the rule that ends the
# sweeps. The rule's model of the residual left by the sweeps is rough, so this is
# set by the query time it gives rather than by the kernels' speeds (though a step,
# ~90M/s, does cost about 11 edges of a sweep, ~1G/s, on one core). Since the walks
# run in prefetched half steps, on one core (taskset, 16 sources, median) 16 took
# 0.89x the time of 64 on the 1M-edge BA graph of benchmarks/ppr.py (18.6 vs 20.8
# ms), 0.91x on the 10M-edge one (475 vs 519 ms) and 0.89x on the 1M-edge ER graph
# (19.3 vs 21.8 ms), with precision@100 0.998-1.000; 8 did no better.
WALK_COST = 16.0


def fora(
    g: Graph,
    seed_nodes,
    seed_mass,
    alpha: float,
    accuracy: Accuracy,
    device: str,
    seed: int | None,
    r_max: float | None = None,
    serial: bool = False,
    memo: LocalPushMemo | None = None,
) -> np.ndarray:
    """``hybrid``: push, then walks from the left-over residual mass.

    Without ``r_max`` the push is PowerPush (:func:`power_push`): it sweeps for as
    long as a sweep saves more walk work than it costs. With ``r_max`` it is
    FORA's forward push to that threshold. Either way each residual node keeps
    ``α·r`` and sends ``(1−α)·r`` on walks worth ``1/ω`` each, ``ω`` walks per unit
    of mass as FORA's bound asks. ``memo``: :func:`power_push`'s, over a top-k
    query's rounds.
    """
    if r_max is not None:
        estimate, residual = forward_push_from(g, seed_nodes, seed_mass, alpha, r_max)
        return _walk_residual(
            g, seed_nodes, seed_mass, alpha, accuracy, device, seed, estimate, residual, serial
        )
    walk_cost = (1.0 - alpha) * accuracy.omega * WALK_COST / alpha
    # The push's work arrays and its residual are the graph's workspace's, until the
    # walks have read the residual.
    with borrowed(g) as work:
        estimate, residual = power_push(
            g, seed_nodes, seed_mass, alpha, accuracy, walk_cost, serial=serial, work=work,
            memo=memo,
        )  # fmt: skip
        return _walk_residual(
            g, seed_nodes, seed_mass, alpha, accuracy, device, seed, estimate, residual, serial
        )


def _walk_residual(
    g, seed_nodes, seed_mass, alpha, accuracy, device, seed, estimate, residual, serial
) -> np.ndarray:
    """The estimate plus the walks' share of the residual (FORA's second phase)."""
    if device == "gpu":
        return _fora_walks_gpu(g, seed_nodes, seed_mass, alpha, accuracy, seed, estimate, residual)
    walker = walks.query_walker(g, seed_nodes, seed_mass, alpha, seed)
    nodes, offsets, positive = kernels.allocate_walks(
        residual, alpha, accuracy.omega, walker.seed, estimate
    )
    if offsets[-1] == 0:
        return np.maximum(estimate, 0.0, out=estimate)
    ends = np.empty(int(offsets[-1]), dtype=np.int64)
    # A small graph's walks run serial: the same ends (each walk draws from its own
    # stream), and the parallel twin is never compiled for it (issue #22).
    serial = serial or runs_serial(g.n_nodes + g.nnz)
    walk = kernels.forced_walk_ends_serial if serial else kernels.forced_walk_ends_parallel
    walk(walker, nodes, offsets, ends)
    kernels.add_walk_ends(ends, positive, 1.0 / accuracy.omega, estimate)
    # A negative walk (from a node the sweeps overshot) may take a node's estimate
    # below zero by at most its weight 1/ω, far below the significance threshold.
    return np.maximum(estimate, 0.0, out=estimate)


def _fora_walks_gpu(g, seed_nodes, seed_mass, alpha, accuracy, seed, estimate, residual):
    """FORA's walks on the GPU kernel: ``⌈r_sum·ω⌉`` walks started in proportion to the
    residuals, each adding ``r_sum/W`` at its end point; the positive and the
    negative residuals (over-relaxed sweeps leave some) run as two sets of walks."""
    for sign, nodes in ((1.0, np.flatnonzero(residual > 0)), (-1.0, np.flatnonzero(residual < 0))):
        mass = np.abs(residual[nodes])
        r_sum = mass.sum()
        if r_sum <= 0:
            continue
        n_walks = accuracy.walks_for_mass(r_sum)
        ends = walks.run_walks(
            g,
            nodes,
            mass / r_sum,
            seed_nodes,
            seed_mass,
            alpha,
            n_walks,
            False,
            "gpu",
            seed if sign > 0 else seed_int(seed) ^ 0x5A5A5A5A,
        )
        estimate = estimate + ends * (sign * r_sum / n_walks)
    return np.maximum(estimate, 0.0)
