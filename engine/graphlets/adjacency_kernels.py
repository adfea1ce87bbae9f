"""Kernels of GRADCO's orbit adjacency matrices: per-slot, two-hop and three-hop sums.

See :mod:`engine.graphlets.common_kernels` for the CSR and scratch conventions.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from checks.twins import serial_and_parallel
from engine.graphlets.common_kernels import (
    count_of,
    count_two_step,
    stamp_neighbourhood,
    up_slot,
)


@serial_and_parallel
def slot_sums(csr, degree, tri, up, slot_cliques, state, out):
    """Per CSR slot ``q = (x → y)``, the sums the one-hop orbit adjacencies need.

    ``out[q]`` = (Σ tri(y, z) over common neighbours z of x and y, Σ deg z over
    them, Σ (|N(x) ∩ N(w)| − 1) over w in N(y) \\ N[x], 4-cliques on the edge).
    ``state`` as in :func:`~engine.graphlets.common_kernels.stamp_neighbourhood`.
    """
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    n_workers = state.shape[0]
    for worker in prange(n_workers):
        here = state[worker]
        for x in range(worker, n, n_workers):
            mark, base = stamp_neighbourhood(csr, x, here)
            count_two_step(csr, x, mark, base, here)
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                tri_yz = 0
                degree_z = 0
                cycles = 0
                for p in range(indptr[y], indptr[y + 1]):
                    z = indices[p]
                    value = here[z]
                    if value == mark:
                        if z != x:
                            tri_yz += tri[p]
                            degree_z += degree[z]
                    else:
                        cycles += value - base - 1
                out[q, 0] = tri_yz
                out[q, 1] = degree_z
                out[q, 2] = cycles
                out[q, 3] = slot_cliques[up_slot(up, x, y, degree)]


@serial_and_parallel
def two_hop_pairs(csr, degree, tri, row_start, fill, state, scratch, columns, sums):
    """The non-adjacent pairs ``(x, z)`` with common neighbours, and per pair the sums
    the two-hop orbit adjacencies need.

    Without ``fill``, only ``row_start[x + 1]`` = the number of such ``z`` for each
    ``x``. With it, ``columns[row_start[x]:row_start[x + 1]]`` are those ``z`` and
    ``sums`` their (common neighbours c, Σ deg y, Σ tri(x, y), Σ tri(y, z), twice the
    edges among the common neighbours), y running over the common neighbours.
    ``scratch`` is ``(n_workers, 7, n)`` int64: a stamp of N(y), the position of z
    in x's row, and the five sums.
    """
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    for x in prange(n):
        worker = numba.get_thread_id()
        here = state[worker]
        in_ny = scratch[worker, 0]
        position = scratch[worker, 1]
        mark, base = stamp_neighbourhood(csr, x, here)
        found = 0
        out = row_start[x]
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            for p in range(indptr[y], indptr[y + 1]):
                z = indices[p]
                value = here[z]
                if value == mark:
                    continue
                count = count_of(value, base)
                here[z] = base + count + 1
                if count == 0:
                    if fill:
                        position[z] = out + found
                        columns[out + found] = z
                        for k in range(5):
                            scratch[worker, 2 + k, z] = 0
                    found += 1
                if fill:
                    scratch[worker, 3, z] += degree[y]
                    scratch[worker, 4, z] += tri[q]
                    scratch[worker, 5, z] += tri[p]
                    in_ny[z] = y
            if not fill:
                continue
            # Edges {y, w} among the common neighbours of x and z: w a neighbour
            # of x and y, z one of w and y (each edge seen from both ends).
            for p in range(indptr[y], indptr[y + 1]):
                w = indices[p]
                if here[w] != mark or w == x:
                    continue
                for r in range(indptr[w], indptr[w + 1]):
                    z = indices[r]
                    if in_ny[z] == y and here[z] != mark:
                        scratch[worker, 6, z] += 1
        if not fill:
            row_start[x + 1] = found
            continue
        # Columns in increasing order, as scipy expects of a canonical CSR row.
        row = columns[out : out + found]
        row[:] = np.sort(row)
        for i in range(out, out + found):
            z = columns[i]
            sums[i, 0] = count_of(here[z], base)
            for k in range(1, 5):
                sums[i, k] = scratch[worker, 2 + k, z]


@serial_and_parallel
def subtract_sorted_rows(indptr, indices, data, sub_indptr, sub_indices, sub_data):
    """``data -= sub`` in place, for CSR rows sorted by column, ``sub``'s pattern ⊆ ours.

    Returns how many entries of ``sub`` had no place in the pattern (0 when it holds).
    """
    n = indptr.shape[0] - 1
    missing = 0
    for row in prange(n):
        q = indptr[row]
        end = indptr[row + 1]
        for p in range(sub_indptr[row], sub_indptr[row + 1]):
            column = sub_indices[p]
            while q < end and indices[q] < column:
                q += 1
            if q < end and indices[q] == column:
                data[q] -= sub_data[p]
            else:
                missing += 1
    return missing


@serial_and_parallel
def three_step_walks(csr, row_start, fill, state, seen, walks, buffer, columns, counts):
    """Walks ``x-y-z-u`` with ``z`` and ``u`` both outside N[x], counted per pair ``(x, u)``.

    Without ``fill``, ``row_start[x + 1]`` = how many such ``u``; with it,
    ``columns``/``counts`` of row ``x`` (sorted by ``u``). Each distinct ``z`` at
    distance two is walked once, weighted by its common-neighbour count, so the
    work is ``Σ deg z`` over the two-step neighbourhood rather than over walks.
    ``state`` as in :func:`~engine.graphlets.common_kernels.stamp_neighbourhood`;
    ``seen``, ``walks`` ``(n_workers, n)``
    int64 (``seen`` -1 at first); ``buffer`` ``(n_workers, 2, n)`` int64.
    """
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    for x in prange(n):
        worker = numba.get_thread_id()
        here = state[worker]
        seen_by = seen[worker]
        total = walks[worker]
        middles = buffer[worker, 0]
        ends = buffer[worker, 1]
        mark, base = stamp_neighbourhood(csr, x, here)
        n_middles = 0
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            for p in range(indptr[y], indptr[y + 1]):
                value = here[indices[p]]
                if value == mark:
                    continue
                count = count_of(value, base)
                if count == 0:
                    middles[n_middles] = indices[p]
                    n_middles += 1
                here[indices[p]] = base + count + 1
        n_ends = 0
        for i in range(n_middles):
            z = middles[i]
            weight = here[z] - base
            for p in range(indptr[z], indptr[z + 1]):
                u = indices[p]
                if here[u] == mark:
                    continue
                if seen_by[u] != x:
                    seen_by[u] = x
                    total[u] = 0
                    ends[n_ends] = u
                    n_ends += 1
                total[u] += weight
        if not fill:
            row_start[x + 1] = n_ends
            continue
        out = row_start[x]
        row = np.sort(ends[:n_ends])
        for i in range(n_ends):
            columns[out + i] = row[i]
            counts[out + i] = total[row[i]]
