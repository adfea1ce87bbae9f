"""Push: forward push (Andersen, Chung, Lang 2006) for ``method="push"`` and
PowerPush (Wu et al., SIGMOD 2021), the push of the hybrid method and the index.

Both leave ``(estimate, residual)`` with ``π = estimate + Σ_v residual[v]·π_v``.
Forward push runs until ``residual[u] ≤ r_max·max(deg(u), 1)`` everywhere.
PowerPush pushes locally while the frontier is small, then sweeps the whole graph
(:mod:`engine.pagerank.sweep_kernels`), over-relaxed on undirected graphs
(:func:`sor_relaxation`) but for the last sweep, for as long as a sweep saves more
walk work than it costs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from checks.twins import runs_serial
from engine._kernels.csr import CSR, csr_of
from engine.pagerank import push_kernels, sweep_kernels
from engine.pagerank.common_kernels import Seeds
from engine.pagerank.sweep_kernels import SweepGraph
from engine.pagerank.workspace import Workspace, borrowed
from engine.per_graph import derived
from loaders import Graph

if TYPE_CHECKING:
    from engine.pagerank.accuracy import Accuracy

# The local push hands over to sweeps when its queue outgrows 4·n/(average degree)
# nodes (SpeedPPR's rule) or it has pushed PUSH_BUDGET·(nnz + n) edges (a FIFO push
# reads an edge several times slower than a sweep: 0.01-0.03 did best in paired runs
# on the 1M- and 10M-edge BA graphs, 1.05-1.14x faster than 0.1 and 1.2-1.3x faster
# than sweeping from the start); it starts with threshold
# push_kernels.FIRST_THRESHOLD·deg.
QUEUE_FACTOR = 4.0
PUSH_BUDGET = 0.02
PRECISE_SWEEPS = 1e-4
CLEANUP_AT = 0.4
# How much residual the sweeps leave, for the rule that ends them; measured on the
# BA, ER, planted and R-MAT graphs of bench-data/ (power_push). Gauss–Seidel
# sweeps (directed graphs): the residual left per unit of mass met and per unit
# of rate, and the typical rate. Over-relaxed sweeps (undirected): what a last
# Gauss–Seidel sweep would leave per unit of mass met by the sweep before it,
# after the first sweep (0.24-0.26), while the residual is not yet falling
# (0.07-0.09) and once it is (0.02-0.05); one more over-relaxed sweep first cuts
# that to FINISH_RATE (0.17-0.38) of itself.
RESIDUAL_PER_MOVE = 0.55
TYPICAL_RATE_GAUSS_SEIDEL = 0.73
FINISH_PER_MOVE = (0.24, 0.08, 0.04)
FINISH_RATE = 0.3
# A measured rate above SLOW_START_RATE means the residual has not started to fall;
# a rise below STALL_FLOOR (mass moved by a sweep) is the gathers' rounding noise.
SLOW_START_RATE = 0.9
STALL_FLOOR = {np.float32: 1e-5, np.float64: 1e-12}
MAX_SWEEPS = 1000
# Sweep blocks: about this many edge reads each (a row costs its edges plus ROW_WORK),
# small enough that a colour's blocks split evenly over the threads.
SWEEP_BLOCK_WORK = 16384
ROW_WORK = 4


def forward_push_from(g: Graph, seed_nodes, seed_mass, alpha: float, r_max: float):
    """Forward push from a checked seed distribution to ``r_max``: ``(estimate, residual)``
    (both the caller's; the queue is the graph's :class:`Workspace`'s)."""
    estimate, residual = np.zeros(g.n_nodes), np.zeros(g.n_nodes)
    residual[seed_nodes] = seed_mass
    seeds = Seeds.of(seed_nodes, seed_mass)
    with borrowed(g) as work:
        push_kernels.seeded_push(
            csr_of(g), seeds, alpha, r_max, estimate, residual, NO_IDS, work.queue, work.queued
        )
    return estimate, residual


NO_IDS = np.empty(0, np.int64)


def sor_relaxation(alpha: float) -> float:
    """The over-relaxation of the sweeps: Young's ``2/(1+√(1−ρ²))`` for the Jacobi
    rate ``ρ = 1−0.6·α`` (about 1.41 at α = 0.15).

    Young's formula assumes a consistently ordered matrix, which a graph's is not,
    and its rate for the PPR system, ``1−α`` (ω = 1.31 at α = 0.15), is that of the
    slowest mode. Measured on the BA, ER, R-MAT and planted graphs of bench-data/,
    with the sweeps ending on a plain Gauss–Seidel one (see :func:`power_push`):
    after two over-relaxed sweeps and that one, ω = 1.42 left 0.56–0.75 of the
    residual mass that 1.31 left, and after three 0.25–0.38 of it; 1.5 and more
    leave more, most of it negative. The best ω on the 1M-edge BA graph was about
    1.6 at α = 0.05, 1.2 at α = 0.3 and 1.1–1.2 at α = 0.5, which ``1−0.6·α`` follows
    (1.61, 1.27, 1.17).

    >>> round(sor_relaxation(0.15), 2)
    1.41

    References
    ----------
    D. M. Young, "Iterative methods for solving partial difference equations of
    elliptic type", Trans. AMS 76 (1954).
    """
    rate = 1.0 - 0.6 * alpha
    return 2.0 / (1.0 + math.sqrt(1.0 - rate * rate))


class Prepared:
    """Per-graph arrays the queries share, computed once (:func:`prepare`): the graph's
    :class:`~engine._kernels.csr.CSR`, its pull CSR (the graph's own when undirected,
    its transpose when directed; float64 weights), ``1/out-weight`` and the dangling
    nodes; the sweeps' :class:`~engine.pagerank.sweep_kernels.SweepGraph` on the
    first query that sweeps."""

    def __init__(self, g: Graph):
        self.csr = csr_of(g)
        out = g.degree(weighted=True).astype(np.float64)
        self.inverse_out = np.zeros_like(out)
        np.divide(1.0, out, out=self.inverse_out, where=out > 0)
        self.dangling_nodes = np.flatnonzero(out <= 0)
        self.pull = _pull_csr(g, self.csr)
        self._sweep_graph = None

    def sweep_graph(self, g: Graph) -> SweepGraph:
        if self._sweep_graph is None:
            self._sweep_graph = _sweep_graph(g, self)
        return self._sweep_graph


def _pull_csr(g: Graph, csr: CSR) -> CSR:
    """The in-neighbour rows, float64 weights (the sweeps' sums stay float64)."""
    if not g.directed:
        if not g.is_weighted:
            return csr
        return CSR(csr.indptr, csr.indices, csr.weights.astype(np.float64), csr.strength)
    transposed = g.to_scipy().T.tocsr()
    transposed.sort_indices()
    indices = transposed.indices.astype(csr.indices.dtype)
    if not g.is_weighted:
        return CSR(transposed.indptr.astype(np.int64), indices, csr.weights, csr.strength)
    weights = transposed.data.astype(np.float64)
    in_strength = np.asarray(transposed.sum(axis=1), dtype=np.float64).ravel()
    return CSR(transposed.indptr.astype(np.int64), indices, weights, in_strength)


def _sweep_graph(g: Graph, prepared: Prepared) -> SweepGraph:
    """The pull CSR renumbered colour by colour, for the sweeps
    (:mod:`engine.pagerank.sweep_kernels`).

    A sweep runs the nodes of one colour (no two adjacent) in parallel. Numbering
    them consecutively keeps its reads sequential: on the 10M-edge BA graph a
    serial sweep in colour order over the original ids took 2.5x the time of one in
    id order, and over the renumbered graph the same time, or 0.41x of it on two
    threads. ``order[i]`` is the original id of node ``i``; the blocks split each
    colour into about ``SWEEP_BLOCK_WORK`` edge reads, so that the threads get
    even shares. The copy costs one more CSR in memory.
    """
    colour = sweep_kernels.first_fit_colouring(prepared.csr, prepared.pull)
    order = np.argsort(colour, kind="stable").astype(np.int64)
    position = np.empty_like(order)
    position[order] = np.arange(g.n_nodes)
    index_type = np.empty(0, dtype=np.uint32 if g.n_nodes < 2**32 else np.int64)
    renumber = (
        sweep_kernels.renumbered_serial
        if runs_serial(g.n_nodes + g.nnz)
        else sweep_kernels.renumbered_parallel
    )
    indptr, indices, weights = renumber(prepared.pull, order, index_type)
    sorted_colour = colour[order]
    colour_starts = np.searchsorted(sorted_colour, np.arange(sorted_colour[-1] + 2))
    work = np.diff(indptr) + ROW_WORK
    work_before = np.cumsum(work) - work
    chunk = (work_before - work_before[colour_starts[sorted_colour]]) // SWEEP_BLOCK_WORK
    starts = np.flatnonzero(np.r_[True, (np.diff(sorted_colour) != 0) | (np.diff(chunk) != 0)])
    return SweepGraph(
        indptr=indptr,
        indices=indices,
        weights=weights,
        inverse_out=prepared.inverse_out[order],
        order=order,
        position=position,
        dangling_nodes=position[prepared.dangling_nodes],
        block_starts=np.r_[starts, g.n_nodes].astype(np.int64),
        colour_blocks=np.searchsorted(starts, colour_starts).astype(np.int64),
    )


def prepare(g: Graph) -> Prepared:
    """The graph's :class:`Prepared` arrays, built once and kept while the graph lives."""
    return derived("pagerank.prepared", g, Prepared)


class LocalPushMemo:
    """What one source's local push left when it handed over, kept for that source's
    next top-k round (:mod:`engine.pagerank.top_k`), which would push the same way.

    The local push's levels ``θ`` fall from ``FIRST_THRESHOLD`` by 8x and stop at
    its ``r_max``; until a level reaches ``r_max`` they do not depend on it. A push
    that handed over (its queue outgrew the limit, or its edge budget ran out) at a
    level above its own ``r_max`` therefore did exactly what a push to any smaller
    ``r_max`` from the same seeds does up to that point, and ends there too: the
    next round starts from the kept state, bit for bit what it would compute. On the
    100M-edge R-MAT that is the whole local push of a round, about a fifth of a
    top-100 query. The state is kept sparse: the nodes the push reached.
    """

    def __init__(self) -> None:
        self.level = 0.0
        self.r_max = math.inf
        self.nodes: np.ndarray | None = None
        self.estimate: np.ndarray | None = None
        self.residual: np.ndarray | None = None

    def replays(self, r_max: float) -> bool:
        """Whether a push to ``r_max`` from the same seeds would end as the kept one."""
        return self.nodes is not None and self.level > max(self.r_max, r_max)

    def keep(self, level: float, r_max: float, nodes, estimate, residual) -> None:
        self.level, self.r_max = level, r_max
        self.nodes = np.array(nodes)
        self.estimate, self.residual = estimate[self.nodes], residual[self.nodes]

    def restore(self, estimate: np.ndarray, residual: np.ndarray) -> None:
        """Write the kept state into zeroed ``estimate`` and ``residual``."""
        estimate[self.nodes] = self.estimate
        residual[self.nodes] = self.residual


def fewest_sweep_passes(g: Graph) -> int:
    """Passes over the graph that sweeping costs at the least, once begun: a sweep, the
    residual pass, and on undirected graphs the plain sweep that ends over-relaxed ones."""
    return 2 if g.directed else 3


def power_push(
    g: Graph,
    seed_nodes,
    seed_mass,
    alpha: float,
    accuracy: Accuracy,
    walk_cost: float,
    r_max: float | None = None,
    serial: bool = False,
    queue_limit: int | None = None,
    work: Workspace | None = None,
    memo: LocalPushMemo | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """PowerPush (Wu et al., SIGMOD 2021): ``(estimate, residual)`` with
    ``π = estimate + Σ_v residual[v]·π_v``.

    A local push from the seeds while the frontier is small, then Gauss–Seidel
    sweeps (:mod:`engine.pagerank.sweep_kernels`; on every core, colour by colour
    over the renumbered copy of the graph, :func:`_sweep_graph`, built on the
    first query) until one more sweep would save less walk work than it costs: a
    sweep costs ``nnz + n`` (edge reads), and leaves the residual mass
    ``r_sum = Σ|r|`` at ``q·r_sum``, which saves ``(1−q)·r_sum·walk_cost``:
    ``walk_cost`` is the cost of the walks for one unit of residual mass, in edge
    reads. On undirected graphs the sweeps are over-relaxed (:func:`sor_relaxation`)
    but for the last, a plain one, which the rule chooses ahead (over-relaxed sweeps
    overshoot π at some nodes; the last plain sweep left 0.11–0.25 of the residual
    mass of one more over-relaxed sweep on the bench graphs). With ``r_max`` the
    sweeps go on at least until ``r_sum ≤ CLEANUP_AT·r_max·nnz``, then a FIFO push
    brings every node to ``|residual| ≤ r_max·deg`` (what the index needs).
    ``queue_limit`` overrides the local push's hand-over size (0: sweep from the
    start). Without ``r_max`` no sweep runs when the walks for all the residual the
    local push left would cost less than the fewest passes sweeping takes
    (:func:`fewest_sweep_passes`). The residual may be negative at
    some nodes.

    ``work``, a :class:`~engine.pagerank.workspace.Workspace` of ``g`` the caller
    holds, lends the work arrays, and the residual is then its ``residual`` (valid
    while the caller holds it); without it the residual is a fresh array. Only the
    estimate is allocated per query. ``memo``, one source's :class:`LocalPushMemo`
    over the rounds of a top-k query, replays the local push where that is exact.

    >>> import engine
    >>> g = engine.sample("karate")
    >>> from engine.pagerank.common import seed_distribution
    >>> from engine.pagerank.accuracy import Accuracy
    >>> nodes, mass = seed_distribution(g, 0)
    >>> accuracy = Accuracy.of(g, 0.5, None, None)
    >>> estimate, residual = power_push(g, nodes, mass, 0.15, accuracy, 1e6, queue_limit=0)
    >>> round(float(estimate.sum() + residual.sum()), 9)
    1.0
    """
    if work is None:
        with borrowed(g) as work:
            estimate, residual = power_push(
                g, seed_nodes, seed_mass, alpha, accuracy, walk_cost, r_max, serial,
                queue_limit, work, memo,
            )  # fmt: skip
            return estimate, residual.copy()
    n = g.n_nodes
    prepared = prepare(g)
    seeds = Seeds.of(seed_nodes, seed_mass)
    estimate = np.zeros(n)
    residual = work.residual
    residual.fill(0.0)  # the local push reads zero outside the seeds
    floor = accuracy.r_max if r_max is None else r_max
    # a memo is of pushes with the graph's own queue limit
    memo = memo if queue_limit is None else None
    if memo is not None and memo.replays(floor):
        memo.restore(estimate, residual)
        finished = False
    else:
        residual[seed_nodes] = seed_mass
        if queue_limit is None:
            queue_limit = max(64, int(QUEUE_FACTOR * n * n / max(g.nnz, 1)))
        edge_limit = PUSH_BUDGET * (g.nnz + n)
        finished, _, level, n_seen = push_kernels.local_push(
            prepared.csr, seeds, alpha, floor, queue_limit, edge_limit, estimate, residual,
            work.queue, work.queued, work.seen, work.ever,
        )  # fmt: skip
        if memo is not None and not finished:
            memo.keep(level, floor, work.seen[:n_seen], estimate, residual)
    if finished:
        return estimate, residual
    sweep_cost = g.nnz + n
    # The local push keeps estimate + residual summing to the seeds' mass.
    left = float(np.sum(seed_mass)) - float(estimate.sum())
    if r_max is None and left * walk_cost < fewest_sweep_passes(g) * sweep_cost:
        # Sweeping that left no residual at all would save less walk work than its
        # fewest passes cost (a large threshold on a large graph: few walks per unit
        # of mass): walk from the local push's residual. On a 100M-edge R-MAT at
        # threshold 1e-4 the two sweeps and the residual pass this skips were 0.86 s
        # of a 1.13 s query, the walks 0.03 s.
        return estimate, residual
    # The sweeps run on the graph renumbered colour by colour (_sweep_graph).
    renumbered = prepared.sweep_graph(g)
    x = np.take(estimate, renumbered.order, out=work.values)
    seed_positions = renumbered.position[seed_nodes]
    seed_vector = work.seed_vector  # all zero but here; zeroed again below
    seed_vector[seed_positions] = seed_mass
    # Float32 gathers are noisy at about 1e-7 of the mass: enough unless the sweeps
    # are priced to go near that far (as with walks priced out).
    y = work.gathers(np.float32 if sweep_cost > PRECISE_SWEEPS * walk_cost else np.float64)
    dangling = sweep_kernels.scaled_values(x, renumbered.inverse_out, y)
    relaxation = 1.0 if g.directed else sor_relaxation(alpha)
    moved_per_block = np.empty(renumbered.block_starts.shape[0] - 1)
    # Serial on a small graph: the same sweep (no two nodes of a colour are adjacent),
    # and the parallel twins are never compiled for it (issue #22).
    serial = serial or runs_serial(n + g.nnz)
    sweep = sweep_kernels.coloured_sweep_serial if serial else sweep_kernels.coloured_sweep_parallel
    # With r_max, sweep on until few nodes are left above it: the FIFO clean-up pushes
    # an edge ~10x slower than a sweep reads one (on BA graphs no node was left above
    # r_max·deg once r_sum fell to 0.4·r_max·nnz).
    enough = math.inf if r_max is None else CLEANUP_AT * r_max * g.nnz
    last_moved = math.inf
    final = False
    for sweep_number in range(MAX_SWEEPS):
        restart = alpha + (1.0 - alpha) * dangling
        step = 1.0 if final else relaxation
        sweep(renumbered, seed_vector, restart, step, alpha, x, y, moved_per_block)
        moved = float(moved_per_block.sum())
        # The seeds took the dangling mass as it was when the sweep began (updating it
        # inside the sweep halved its speed under Numba 0.68): bring them up to date,
        # or the lag makes the sweeps oscillate on graphs with dangling nodes.
        if renumbered.dangling_nodes.shape[0]:
            restart_change = (1.0 - alpha) * (x[renumbered.dangling_nodes].sum() - dangling)
            x[seed_positions] += restart_change * seed_mass
            y[seed_positions] = x[seed_positions] * renumbered.inverse_out[seed_positions]
            moved += abs(restart_change)
            dangling = float(x[renumbered.dangling_nodes].sum())
        if final:
            break
        # A sweep moves node v by relaxation·α·|r_v| (its residual at that moment), so
        # `met`, below, gauges the residual mass, and the fall of `moved` from the last
        # sweep the rate of the next one.
        rate = math.nan if sweep_number == 0 else moved / last_moved
        last_moved = moved
        if moved <= 0.0 or (rate >= 1.0 and moved < STALL_FLOOR[y.dtype.type]):
            break  # converged, or stalled at the noise floor of the gathers
        met = moved / (relaxation * alpha)
        # Not falling yet (a measured rate above SLOW_START_RATE): the second sweep from
        # most BA sources moves as much as the first. Pricing the next sweep at that
        # rate saw no saving and stopped (3.2M walks instead of 25k).
        starting = sweep_number == 0 or rate >= SLOW_START_RATE
        if relaxation == 1.0:
            # Gauss–Seidel: the residual left is RESIDUAL_PER_MOVE of the rate times
            # the mass met, and the next sweep leaves `rate` of it.
            if starting:
                rate = TYPICAL_RATE_GAUSS_SEIDEL
            left, next_rate = RESIDUAL_PER_MOVE * rate * met, rate
        else:
            # Over-relaxed: the sweeps end with a plain Gauss–Seidel one, which leaves a
            # fraction of an over-relaxed sweep's residual (SOR overshoots π at some
            # nodes: its residual is signed, and costs walks without carrying mass).
            # `left` is what that last sweep would leave now: FINISH_PER_MOVE of the
            # mass met, and one more over-relaxed sweep first would cut it to
            # FINISH_RATE of itself.
            phase = 0 if sweep_number == 0 else (1 if starting else 2)
            left, next_rate = FINISH_PER_MOVE[phase] * met, FINISH_RATE
        # what one more sweep (over-relaxed, if the sweeps are) would save in walk
        # work, against its cost
        if (1.0 - next_rate) * left * walk_cost < sweep_cost and left <= enough:
            if relaxation == 1.0:
                break
            final = True
    if serial:
        pass_kernel, reorder = (
            sweep_kernels.residual_pass_serial,
            sweep_kernels.to_original_order_serial,
        )
    else:
        pass_kernel = sweep_kernels.residual_pass_parallel
        reorder = sweep_kernels.to_original_order_parallel
    pass_kernel(renumbered, seed_vector, alpha, dangling, x, y, work.spare)
    # every entry of the estimate and the residual is written here
    reorder(renumbered.order, x, work.spare, estimate, residual)
    seed_vector[seed_positions] = 0.0
    if r_max is not None:
        push_kernels.cleanup_push(
            prepared.csr, seeds, alpha, r_max, estimate, residual, work.queue, work.queued
        )
    return estimate, residual
