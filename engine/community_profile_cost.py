"""What :func:`engine.community_profile.ncp` will cost, before it runs: seconds, bytes.

Each seed climbs the push ladder once per ``alpha`` (or runs one push per ``eps``
value). On graphs without sharp local communities (R-MAT, Barabási–Albert, Erdős–Rényi,
email networks) a climb goes on until the diffusion has touched half the graph's
volume (the ladder's budget), by when the push has moved about ``volume/α`` entries
(:data:`NCP_NS` ``"climb pushes"``: a push keeps ``α`` of the mass it moves), the ones
whose residuals miss the core's cache costing more (``"missed climb pushes"``:
:func:`engine.long_run.missed_share` of 16-byte entries in 512 KiB), plus a fixed cost
per climb (``"climbs"``: its sweeps' set-up and its ladder table). A graph whose
seeds sit in sharp communities (a planted partition) stops its climbs at their
edge, far sooner: there the estimate is an upper bound.

Examples
--------
>>> import engine
>>> e = ncp_estimate(engine.sample("karate"), n_seeds=10)
>>> e.seconds < 1, e.basis["climbs"]
(True, 30)
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.long_run import LONG_RUN_SECONDS, Estimate, missed_share, priced
from loaders import Graph

__all__ = ["NCP_NS", "ncp_estimate", "ncp_memory"]

#: Nanoseconds of one core per count; fitted (least squares of the ratios, one
#: thread, CPU time, least of 2 runs) on the benchmark graphs (see :data:`NCP_FIT`),
#: then the fixed cost per climb raised from the fit's 0.59 ms to 0.8 ms, which
#: balances the smallest graphs' ratios (email-Eu-core 0.61 → 0.70, Cora 1.11 → 1.37).
NCP_NS = {"climbs": 800_000.0, "climb pushes": 0.765, "missed climb pushes": 3.33}
#: How close the fit came (estimate / one-thread CPU time; 20 seeds): 0.70
#: (email-Eu-core) to 1.37 (Cora) on email-Eu-core, Cora, R-MAT 15
#: and 17, BA and the 100k-node ER graph; 2.1 on bench-data's 10M-edge R-MAT, whose
#: volume the ladder cannot reach (:func:`reached_volume`: 27x over before); far over
#: (8.6) on the 40k-node planted partition (fitted without it), whose climbs stop at
#: the communities' edges.
NCP_FIT = (0.61, 1.33)
#: The ladder's last rung (``engine.diffusion.PPR_LADDER``), and the volume a push to
#: ``eps`` reaches on a graph too large for it to reach all, times ``eps``.
LADDER_FLOOR = 1e-7
REACH = 0.15
#: The residual entries a push reads and writes (estimate and residual, float64).
PUSH_ENTRY_BYTES = 16
#: The core's cache, as the pushes' random reads find it.
CORE_CACHE_BYTES = 512 * 2**10
#: A call's fixed cost, seconds.
NCP_OVERHEAD_SECONDS = 1e-3


def reached_volume(volume: float, eps: float) -> float:
    """The volume a push down to ``eps`` reaches: all of it while ``volume·eps ≤ 1``
    (there the stationary share ``deg/vol`` of every node is above ``eps·deg``), else
    only where the seed lifts PPR above the stationary share: about ``0.15/eps``
    (measured on bench-data's 10M-edge R-MAT: 1.0-1.9e4 at 1e-5, 1.5e6 at 1e-7).

    >>> reached_volume(2e6, 1e-7), reached_volume(2e7, 1e-7)
    (2000000.0, 1500000.0)
    """
    volume = float(volume)
    return volume if volume * eps <= 1.0 else min(volume, REACH / eps)


def ncp_memory(g: Graph) -> int:
    """Peak bytes of :func:`engine.community_profile.ncp` above the graph: the
    symmetrised copy of a directed graph (12 bytes per entry, twice the entries), the
    local view's scratch and the per-size bests (about 80 bytes per node).

    >>> import engine
    >>> ncp_memory(engine.sample("karate")) > 0
    True
    """
    copy = 24 * int(g.nnz) if g.directed else 0
    return int(copy + 80 * int(g.n_nodes))


def ncp_estimate(
    g: Graph,
    n_seeds: int = 100,
    sizes: int | Sequence[int] = 30,
    seed: int | None = None,
    *,
    alphas: Sequence[float] = (0.15, 0.05, 0.01),
    eps_values: Sequence[float] | str | None = "auto",
    progress=None,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> Estimate:
    """Time and memory of :func:`engine.community_profile.ncp` with these parameters.

    One thread (the climbs run one after another).

    Returns
    -------
    Estimate
        ``work``: the climbs (what ``progress`` counts); ``basis``: ``nodes``,
        ``entries``, ``volume``, ``climbs`` and the counts priced.
    """
    n, nnz = int(g.n_nodes), int(g.nnz)
    volume = 2 * nnz if g.directed else nnz
    seeds = min(int(n_seeds), n)
    auto = isinstance(eps_values, str) and eps_values == "auto"
    if auto:
        runs = 1
    elif eps_values is None:  # ncp's decades from 1e-2 down to 1/vol(V), no lower than 1e-6
        floor = max(1e-6, 1.0 / max(volume, 1))
        runs = max(1, sum(10.0**-k >= floor for k in range(2, 7)))
    else:
        runs = len(list(eps_values))
    alphas = [float(a) for a in alphas]
    climbs = seeds * len(alphas) * runs
    reach = reached_volume(volume, LADDER_FLOOR if auto or not eps_values else min(eps_values))
    pushes = seeds * runs * reach * sum(1.0 / max(a, 1e-9) for a in alphas)
    missed = missed_share(g, PUSH_ENTRY_BYTES, CORE_CACHE_BYTES)
    counts = {"climbs": climbs, "climb pushes": pushes, "missed climb pushes": pushes * missed}
    seconds = NCP_OVERHEAD_SECONDS + priced(counts, NCP_NS)
    return Estimate(
        what=f"ncp(n_seeds={seeds}) on {n:,} nodes, {nnz:,} entries",
        seconds=seconds,
        bytes=ncp_memory(g),
        threads=1,
        work=climbs,
        basis={
            "nodes": n,
            "entries": nnz,
            "volume": volume,
            "reached volume": reach,
            "missed": missed,
            **counts,
        },
    )
