"""Numba kernels of :mod:`engine.pagerank_power`: the whole power iteration in one call."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def power_iterate(indptr, indices, values, scale, start, damping, p, sink, max_iter, bound):
    """``x ← damping·(xP + lost(x)·sink) + (1 − damping)·p`` from ``start`` until the L1
    change of a step is below ``bound``; returns ``(x, steps)``, ``steps`` −1 when
    ``max_iter`` steps did not get there.

    ``indptr``/``indices``/``values``: the transposed adjacency (each row the in-arcs a
    step pulls over; ``values`` empty for unit weights); ``scale``: 1 / out-weight, 0 for
    a dangling node, whose mass (``lost``) goes to ``sink``. ``p`` of one entry is the
    uniform distribution (that entry is 1 / n), and an empty ``sink`` is ``p``: then a
    step reads one vector of the two, or none.

    Two vectors and their ``x·scale`` alternate as the step's input and output (no
    copies), and a step writes the next one's ``x·scale`` and dangling mass as it goes.

    >>> import numpy as np
    >>> indptr, indices = np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1])  # path 0-1-2
    >>> uniform = np.full(3, 1 / 3)
    >>> x, steps = power_iterate(indptr, indices, np.empty(0), np.array([1, 0.5, 1]),
    ...                          uniform, 0.85, uniform[:1], np.empty(0), 100, 3e-6)
    >>> x.round(3).tolist(), steps
    ([0.257, 0.486, 0.257], 76)
    """
    n = indptr.shape[0] - 1
    x = start.copy()
    other = np.empty(n)
    spread = np.empty(n)
    other_spread = np.empty(n)
    lost = 0.0
    for j in range(n):
        spread[j] = x[j] * scale[j]
        if scale[j] == 0.0:
            lost += x[j]
    walk = (indptr, indices, values, scale)
    mix = (damping, p, sink)
    for step in range(max_iter):
        # Even steps read x and write other; odd steps the reverse.
        if step % 2 == 0:
            change, lost = _step(walk, mix, x, spread, lost, other, other_spread)
            if change < bound:
                return other, step + 1
        else:
            change, lost = _step(walk, mix, other, other_spread, lost, x, spread)
            if change < bound:
                return x, step + 1
    return (x if max_iter % 2 == 0 else other), -1


@njit(cache=True)
def _step(walk, mix, x, spread, lost, out, out_spread):
    """One step from ``x`` (its ``spread = x·scale`` and dangling mass ``lost``) into
    ``out`` and ``out_spread``; returns the L1 change and ``out``'s dangling mass.
    ``walk``: ``(indptr, indices, values, scale)``; ``mix``: ``(damping, p, sink)``."""
    indptr, indices, values, scale = walk
    damping, p, sink = mix
    n = indptr.shape[0] - 1
    unit = values.shape[0] == 0
    uniform = p.shape[0] == 1
    to_p = sink.shape[0] == 0
    # Where the dangling mass goes to p, p's share is one coefficient per step.
    p_share = damping * lost + (1.0 - damping) if to_p else 1.0 - damping
    sink_share = damping * lost
    change = 0.0
    out_lost = 0.0
    for i in range(n):
        total = 0.0
        if unit:
            for slot in range(indptr[i], indptr[i + 1]):
                total += spread[indices[slot]]
        else:
            for slot in range(indptr[i], indptr[i + 1]):
                total += spread[indices[slot]] * values[slot]
        value = damping * total + p_share * (p[0] if uniform else p[i])
        if not to_p:
            value += sink_share * sink[i]
        change += abs(value - x[i])
        out[i] = value
        out_spread[i] = value * scale[i]
        if scale[i] == 0.0:
            out_lost += value
    return change, out_lost


@njit(cache=True)
def inverse_out_weight(indptr, values):
    """1 / out-weight of every row (its length for unit weights, ``values`` empty), 0 for
    a row of no out-weight (a dangling node), in one pass.

    >>> import numpy as np
    >>> inverse_out_weight(np.array([0, 2, 2, 3]), np.empty(0)).tolist()
    [0.5, 0.0, 1.0]
    >>> inverse_out_weight(np.array([0, 2, 2, 3]), np.array([1.0, 3.0, 0.5])).tolist()
    [0.25, 0.0, 2.0]
    """
    n = indptr.shape[0] - 1
    scale = np.zeros(n)
    unit = values.shape[0] == 0
    for i in range(n):
        if unit:
            out = float(indptr[i + 1] - indptr[i])
        else:
            out = 0.0
            for slot in range(indptr[i], indptr[i + 1]):
                out += values[slot]
        if out != 0.0:
            scale[i] = 1.0 / out
    return scale
