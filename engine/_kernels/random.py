"""A counter-based random stream (SplitMix64) that compiles for the CPU and for CUDA.

Walk ``i`` of a run seeded ``seed`` draws from the stream started at
``stream_start(seed, i)``, so a walk's path depends only on ``(seed, i)``: not
on the thread that runs it, the number of threads, or the device. That is what
lets the GPU kernel be checked against its CPU twin count for count.

The functions are plain Python with no calls between them, compiled by the
caller with ``numba.njit`` or ``numba.cuda.jit(device=True)``.
"""

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def stream_start(seed, index):
    """The starting state of stream ``index`` for a run seeded ``seed``."""
    z = (np.uint64(seed) ^ (np.uint64(index) * MIX_2)) + GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    return z ^ (z >> np.uint64(31))


def next_uniform(state):
    """SplitMix64 step: a float in [0, 1) with 53 random bits, and the new state."""
    state = state + GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * TO_UNIT, state


def next_bits(state):
    """SplitMix64 step: 64 random bits (as ``uint64``) and the new state; a walk step
    splits them into a stop test (low 32 bits) and a neighbour choice (high 32)."""
    state = state + GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    return z ^ (z >> np.uint64(31)), state
