"""PowerPush's sweeps (Wu et al., SIGMOD 2021) for the hybrid method and the index.

``coloured_sweep``: in-place sweeps in pull form,
``x[v] ← α·s[v] + (1−α)·(Σ_u w(u,v)·x[u]/W(u) + D·s[v])`` with ``D`` the dangling
nodes' mass, over-relaxed on undirected graphs (SOR: ``x[v]`` moves ``ω`` times
that step, about 1.41 at α = 0.15, see :func:`engine.pagerank.push.sor_relaxation`)
but for the last sweep, a plain one. Reading the in-neighbours' values is a
gather that keeps four loads in flight, about three times faster here than the
push form's scatter; its indices are unsigned (no negative-index checks). The
sweep runs over a copy of the graph numbered colour by colour
(``first_fit_colouring``, ``renumbered``): the nodes of one colour are never
adjacent, so both threads sweep a colour at once and every node still reads the
values a serial sweep in id order shows it (Gauss–Seidel, whatever the threads).
Per sweep the residual mass falls to about 0.73 of itself with ``ω = 1`` and to
0.3–0.45 over-relaxed on the BA, ER, R-MAT and planted graphs of ``bench-data/``
(a Jacobi step: 0.85), so a query needs less than half the sweeps. For
undirected graphs ``I − (1−α)·A·D⁻¹`` is a diagonal scaling of a symmetric
positive definite matrix, so SOR converges for any ``0 < ω < 2``; directed graphs
have no such guarantee and sweep with ``ω = 1``. Over-relaxation lets ``x`` pass
π at some nodes: the residual is then signed, and the walks carry the sign; the
last, plain sweep leaves a fraction of the residual (and of its negative part)
of one more over-relaxed sweep.

``residual_pass``: the residual ``r = (α·s + (1−α)·Pᵀx − x)/α`` of the last sweep,
in push form: ``π = x + Σ_v r[v]·π_v`` holds exactly (for ``x`` as the sweeps'
float32 values round it).

The node ids of the sweep must be those of ``x``: undirected graphs pull over
their own CSR, directed ones over the transpose; the kernels take that renumbered
pull graph as one :class:`SweepGraph`. Each kernel with a ``prange`` is
compiled twice from one source (:func:`checks.twins.serial_and_parallel`): the
``_parallel`` twin on every core, the ``_serial`` one on the calling thread with
the GIL released (batches run one query per thread); both give the same result.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine._kernels.borrow import borrowed
from engine._kernels.csr import is_weighted


class SweepGraph(NamedTuple):
    """The pull CSR renumbered colour by colour, as the sweeps read it (built once per
    graph by :func:`engine.pagerank.push.prepare`).

    Attributes
    ----------
    indptr, indices, weights
        The pull rows of the renumbered nodes: node ``i`` pulls from ``indices[indptr[i]:
        indptr[i + 1]]`` (uint32 when ids fit), by ``weights`` (float64; empty when
        unweighted).
    inverse_out : float64 (n,)
        ``1/out-weight`` of each renumbered node, 0 at dangling nodes.
    order, position : int64 (n,)
        ``order[i]`` is the original id of node ``i``; ``position`` is its inverse.
    dangling_nodes : int64
        The renumbered ids of the nodes without out-edges.
    block_starts, colour_blocks : int64
        Blocks of about equal edge counts, colour after colour: colour ``c``'s
        blocks are ``colour_blocks[c]..colour_blocks[c+1]-1``, block ``b`` the nodes
        ``block_starts[b]..block_starts[b+1]-1``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    inverse_out: np.ndarray
    order: np.ndarray
    position: np.ndarray
    dangling_nodes: np.ndarray
    block_starts: np.ndarray
    colour_blocks: np.ndarray


@njit(inline="always")
def _pull(indptr, indices, weights, y, v):
    """``Σ_p w_p·y[indices[p]]`` over the pull row ``v``, with four independent sums
    so that four gathers are in flight at once.

    The kernels pass it borrowed arrays (:func:`~engine._kernels.borrow.borrowed`):
    Numba counts references to each array an inlined function takes, an atomic add
    per row, which made the serial twin of :func:`residual_pass` twice as slow as
    its parallel twin on one thread (3.96 vs 2.03 ms on the 1M-edge BA graph)."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    p = indptr[v]
    stop = indptr[v + 1]
    if weights.shape[0] > 0:
        while p + 4 <= stop:
            a0 += weights[p] * y[indices[p]]
            a1 += weights[p + 1] * y[indices[p + 1]]
            a2 += weights[p + 2] * y[indices[p + 2]]
            a3 += weights[p + 3] * y[indices[p + 3]]
            p += 4
        while p < stop:
            a0 += weights[p] * y[indices[p]]
            p += 1
    else:
        while p + 4 <= stop:
            a0 += y[indices[p]]
            a1 += y[indices[p + 1]]
            a2 += y[indices[p + 2]]
            a3 += y[indices[p + 3]]
            p += 4
        while p < stop:
            a0 += y[indices[p]]
            p += 1
    return (a0 + a1) + (a2 + a3)


@njit(nogil=True, cache=True)
def scaled_values(x, inverse_out, y):
    """Fill ``y`` (float32 or float64) with ``x / out-weight`` (0 at dangling nodes);
    returns ``Σ x`` over the dangling nodes."""
    dangling = 0.0
    for v in range(x.shape[0]):
        y[v] = x[v] * inverse_out[v]
        if inverse_out[v] == 0.0:
            dangling += x[v]
    return dangling


@njit(inline="always")
def _mark_taken(rows, v, colour, taken_by):
    """``taken_by[c] = v`` for the colour ``c`` of each coloured node of row ``v``."""
    for p in range(rows.indptr[v], rows.indptr[v + 1]):
        c = colour[rows.indices[p]]
        if c >= 0:
            taken_by[c] = v


@njit(nogil=True, cache=True)
def first_fit_colouring(csr, pull):
    """Colour the nodes in id order, each with the smallest colour that none of its
    earlier neighbours (out-, in ``csr``, or in-, in ``pull``) has: no two nodes of a
    colour are adjacent. Returns the colours (int32). At most one more colour than
    the largest number of earlier neighbours: 11 on the BA graphs of
    ``benchmarks/ppr.py``."""
    n = csr.indptr.shape[0] - 1
    colour = np.full(n, -1, dtype=np.int32)
    taken_by = np.full(n + 1, -1, dtype=np.int64)  # taken_by[c] == v: a neighbour of v has c
    for v in range(n):
        _mark_taken(csr, v, colour, taken_by)
        _mark_taken(pull, v, colour, taken_by)
        c = 0
        while taken_by[c] == v:
            c += 1
        colour[v] = c
    return colour


def renumbered(pull, order, index_type):
    """The pull CSR with node ``order[i]`` renamed ``i``: ``(indptr, indices,
    weights)``, the matrix of scipy's ``pull[order][:, order]``, its indices of the
    dtype of ``index_type`` (an empty array).

    Unsigned indices (uint32) spare every gather Numba's check for a negative index:
    the sweep's gather ran 1.23-1.28x faster with them on the 1M-edge BA graph and
    1.33-1.70x on the 10M-edge one. A row keeps its entries in their old order
    (sorting them made no difference to the sweeps on the 10M-edge BA graph): 0.25 s
    there, against 1.8 s for scipy's and 1 s for sorted rows; the first query on a
    graph waits for it. The rows are filled in parallel: each entry is a random
    read of ``position``, 9.0 s of a first query's 20 s of preparation on the
    100M-edge R-MAT graph of ``benchmarks/scale.py`` with one thread.
    """
    n = order.shape[0]
    weighted = is_weighted(pull)
    position = np.empty(n, dtype=index_type.dtype)
    for i in range(n):
        position[order[i]] = i
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        new_indptr[i + 1] = new_indptr[i] + pull.indptr[order[i] + 1] - pull.indptr[order[i]]
    new_indices = np.empty(new_indptr[n], dtype=index_type.dtype)
    new_weights = np.empty(new_indptr[n] if weighted else 0, dtype=np.float64)
    for i in prange(n):
        first = pull.indptr[order[i]]
        start = new_indptr[i]
        for k in range(new_indptr[i + 1] - start):
            new_indices[start + k] = position[pull.indices[first + k]]
            if weighted:
                new_weights[start + k] = pull.weights[first + k]
    return new_indptr, new_indices, new_weights


renumbered_serial, renumbered_parallel = serial_and_parallel(renumbered, nogil=True)


def coloured_sweep(graph, seed_vector, restart, relaxation, alpha, x, y, moved_per_block):
    """One in-place sweep over the renumbered ``graph`` (:class:`SweepGraph`), the
    nodes of a colour in parallel.

    No node reads a value of its own colour (:func:`first_fit_colouring`), so every
    node sees the values a serial sweep in id order would show it: the result does
    not depend on the number of threads, and the serial twin gives the same. Each
    value moves ``relaxation`` times the Gauss–Seidel step ``x[v] ← (1−α)·Σ_u
    w(u,v)·y[u] + restart·s[v]`` (``s`` is ``seed_vector``); ``moved_per_block`` gets
    ``Σ |change of x|`` per block.

    ``y`` must hold ``x / out-weight`` on entry and may be float32: the gathers then
    move half the bytes (1.6x faster sweeps on the 10M-edge BA graph, 1.2x on the
    1M-edge one), while ``x`` and every sum stay float64.
    """
    block_starts = graph.block_starts
    colour_blocks = graph.colour_blocks
    inverse_out = graph.inverse_out
    indptr, indices, weights = (
        borrowed(graph.indptr),
        borrowed(graph.indices),
        borrowed(graph.weights),
    )
    y = borrowed(y)
    for colour in range(colour_blocks.shape[0] - 1):
        first_block = colour_blocks[colour]
        for offset in prange(colour_blocks[colour + 1] - first_block):
            block = first_block + offset
            moved = 0.0
            for v in range(block_starts[block], block_starts[block + 1]):
                value = (1.0 - alpha) * _pull(indptr, indices, weights, y, v)
                value += restart * seed_vector[v]
                previous = x[v]
                change = relaxation * (value - previous)
                value = previous + change
                y[v] = value * inverse_out[v]
                x[v] = value
                moved += abs(change)
            moved_per_block[block] = moved


coloured_sweep_serial, coloured_sweep_parallel = serial_and_parallel(coloured_sweep, nogil=True)


def residual_pass(graph, seed_vector, alpha, dangling, x, y, residual):
    """Push-form residual ``(α·s + (1−α)·(Pᵀp + D·s) − p)/α`` (signed: over-relaxed
    sweeps leave ``x`` above π at some nodes) of the estimate ``p = y/inverse_out``
    (``x`` at dangling nodes), on the renumbered ``graph`` of the sweeps, in its
    order: ``p`` replaces ``x`` and the residual goes to ``residual``
    (:func:`to_original_order` then moves both to the original ids). ``seed_vector``
    is ``s`` as a dense vector and ``dangling`` the dangling nodes' mass ``D``.

    The estimate is ``x`` as ``y`` holds it, rounded when ``y`` is float32: the
    residual is then exact for that estimate (``Pᵀp`` is the gather of ``y``
    itself), so the float32 gathers of the sweeps serve here too, with no float64
    copy of ``y``. Rows in the sweeps' blocks (of about equal edge counts) over the
    threads; each row is computed alone, so the result does not depend on the
    threads. Writing in the sweeps' order, then moving both vectors in one pass,
    took 0.74x the time of writing each row's two values to its original id
    (random writes between the gathers) on the 10M-edge BA graph."""
    block_starts = graph.block_starts
    inverse_out = graph.inverse_out
    indptr, indices, weights = (
        borrowed(graph.indptr),
        borrowed(graph.indices),
        borrowed(graph.weights),
    )
    y = borrowed(y)
    for block in prange(block_starts.shape[0] - 1):
        for v in range(block_starts[block], block_starts[block + 1]):
            target = (1.0 - alpha) * _pull(indptr, indices, weights, y, v)
            target += (alpha + (1.0 - alpha) * dangling) * seed_vector[v]
            value = x[v] if inverse_out[v] == 0.0 else y[v] / inverse_out[v]
            x[v] = value
            residual[v] = (target - value) / alpha


residual_pass_serial, residual_pass_parallel = serial_and_parallel(residual_pass, nogil=True)


def to_original_order(order, values, residual_values, estimate, residual):
    """``estimate[order[i]] = values[i]`` and ``residual[order[i]] = residual_values[i]``:
    the sweeps' order back to the original ids, one sequential read of each and one
    write per id."""
    for i in prange(order.shape[0]):
        node = order[i]
        estimate[node] = values[i]
        residual[node] = residual_values[i]


to_original_order_serial, to_original_order_parallel = serial_and_parallel(
    to_original_order, nogil=True
)
