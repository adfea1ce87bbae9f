"""What :func:`engine.community_profile.ncp` will cost, before it runs: seconds, bytes.

Each seed climbs the push ladder once per ``alpha`` (or runs one push per ``eps``
value). On graphs without sharp local communities (R-MAT, Barabási–Albert, email
networks) the climbs go on until the diffusion has touched half the graph's volume
(the ladder's budget), so a climb costs about one pass over the volume
(:data:`NCP_NS` ``"climb volume"``) plus its sweeps over the nodes touched
(``"climb nodes"``). A graph whose seeds sit in sharp communities (a planted
partition) stops its climbs at their edge, sooner: there the estimate is an upper
bound (up to 6x the run on the 40k-node planted partition).

Examples
--------
>>> import engine
>>> e = ncp_estimate(engine.sample("karate"), n_seeds=10)
>>> e.seconds < 1, e.basis["climbs"]
(True, 30)
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.long_run import LONG_RUN_SECONDS, Estimate, priced
from loaders import Graph

__all__ = ["NCP_NS", "ncp_estimate", "ncp_memory"]

#: Nanoseconds of one core per count; fitted (least squares, one thread, CPU time,
#: least of 2 runs) on the benchmark graphs (see :data:`NCP_FIT`).
NCP_NS = {"climb volume": 36.5, "climb nodes": 161.0, "entries": 0.0}
#: How close the fit came (estimate / one-thread CPU time; 20 seeds): 0.51
#: (email-Eu-core) to 1.29 (R-MAT 15) on the graphs without sharp communities; 7x
#: over on the 40k-node planted partition (fitted without it), whose climbs stop early.
NCP_FIT = (0.51, 1.29)
#: A call's fixed cost, seconds.
NCP_OVERHEAD_SECONDS = 1e-3


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
    runs = 1 if auto else max(len(list(eps_values or [])), 5)
    climbs = seeds * len(list(alphas)) * runs
    counts = {"climb volume": climbs * volume, "climb nodes": climbs * n, "entries": volume}
    seconds = NCP_OVERHEAD_SECONDS + priced(counts, NCP_NS)
    return Estimate(
        what=f"ncp(n_seeds={seeds}) on {n:,} nodes, {nnz:,} entries",
        seconds=seconds,
        bytes=ncp_memory(g),
        threads=1,
        work=climbs,
        basis={"nodes": n, "entries": nnz, "volume": volume, "climbs": climbs, **counts},
    )
