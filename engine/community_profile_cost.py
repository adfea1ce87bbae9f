"""What :func:`engine.community_profile.ncp` will cost, before it runs: seconds, bytes.

Each seed climbs the push ladder once per ``alpha`` (or runs one push per ``eps``
value). On graphs without sharp local communities (R-MAT, Barabási–Albert, Erdős–Rényi,
email networks) a climb goes on until the diffusion has touched half the graph's
volume (the ladder's budget), by when the push has moved about ``volume/α`` entries
(:data:`NCP_NS` ``"climb pushes"``: a push keeps ``α`` of the mass it moves), the ones
whose residuals miss the core's cache costing more (``"missed climb pushes"``:
:func:`engine.long_run.missed_share` of 16-byte entries in 512 KiB), plus a fixed cost
per climb (``"climbs"``: its sweeps' set-up and its ladder table).

A graph whose seeds sit in sharp communities (a planted partition) stops its climbs
at their edge, far sooner, which degrees do not show. So the estimate first climbs
from the call's own first seeds, :data:`PILOT_SHARE` of them (the pilot,
:func:`pilot_climbs`: the same climbs the call then repeats, so it costs that share
of the call): when every pilot climb stopped at a deep minimum below the budget, each
seed is priced as the pilot's seeds measured (:data:`CLIMB_NS`: per climb, push and
swept node; the seeds it did not climb a little higher, :data:`UNSEEN_SEED`);
otherwise (a climb went on to the budget, or stopped without a community) the degree
model above prices every seed (an upper bound where the other seeds' climbs do stop at
communities). Fewer than ``1/PILOT_SHARE`` seeds, or fixed ``eps_values``, get no
pilot: the degree model alone.

Examples
--------
>>> import engine
>>> e = ncp_estimate(engine.sample("karate"), n_seeds=10)
>>> e.seconds < 1, e.basis["climbs"]
(True, 30)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.diffusion import climb
from engine.local_view import local_view, symmetrised
from engine.long_run import LONG_RUN_SECONDS, Estimate, missed_share, priced
from engine.per_graph import derived
from loaders import Graph

__all__ = [
    "CLIMB_NS",
    "NCP_NS",
    "PILOT_SHARE",
    "UNSEEN_SEED",
    "ncp_estimate",
    "ncp_memory",
    "pilot_climbs",
]

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
#: the communities' edges: there the pilot's prices (:data:`CLIMB_NS`) take over.
NCP_FIT = (0.61, 1.33)
#: The share of the call's seeds the pilot climbs first (at least one seed: calls of
#: fewer than ``1/PILOT_SHARE`` seeds get no pilot), so the estimate costs at most this
#: share of the call, once per graph and parameters (kept with the graph).
PILOT_SHARE = 0.05
#: Nanoseconds of one core per count of a measured climb that stopped at a community:
#: per climb (its set-up and ladder table), per push (a node whose residual was
#: pushed) and per node swept (each rung sorts and sweeps its support, and the profile
#: keeps each prefix's best). Fitted (least squares of the ratios, one thread, CPU
#: time, least of 3) on the climbs of ``ncp(n_seeds=20, seed=0)``'s seeds at its three
#: alphas on the benchmark graphs of ``benchmarks/estimates.py`` that stopped at a deep
#: minimum below the budget: 129 of 360, on Cora, email-Eu-core, the planted partition
#: and R-MAT 17. (The climbs that ran on to the budget cost less a push, 45 ns:
#: these prices are for the climbs the pilot trusts.)
CLIMB_NS = {"climbs": 728_000.0, "pushes": 158.0, "swept": 271.0}
#: How close that fit came: each graph's mean of estimate / CPU time over its stopped
#: climbs, 0.91 (email-Eu-core) to 1.03 (Cora).
CLIMB_FIT = (0.91, 1.03)
#: What a seed the pilot did not climb costs, as a multiple of the pilot's seeds: a
#: few seeds' climbs run on past their community at some alpha and cost several times
#: one that stops (on the planted partition, 2 of the 20 seeds, at 2.5x: the mean
#: seed cost 1.16x the typical one).
UNSEEN_SEED = 1.16
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
        ``entries``, ``volume``, ``climbs`` and the counts the degree model prices,
        its ``model seconds``, and with a pilot what :func:`pilot_climbs` counted
        (when its climbs ``stopped at communities``, the seconds are its prices).
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
    seconds = model = NCP_OVERHEAD_SECONDS + priced(counts, NCP_NS)
    pilot = pilot_climbs(g, n_seeds, seed, alphas) if auto else None
    if pilot is not None and pilot["stopped at communities"]:
        measured = {name: pilot[f"pilot {name}"] for name in CLIMB_NS}
        per_seed = priced(measured, CLIMB_NS) / pilot["pilot seeds"]
        unseen = max(seeds - pilot["pilot seeds"], 0)
        seconds = NCP_OVERHEAD_SECONDS + per_seed * (pilot["pilot seeds"] + UNSEEN_SEED * unseen)
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
            "model seconds": model,
            **(pilot or {}),
        },
    )


def pilot_climbs(
    g: Graph, n_seeds: int, seed: int | None, alphas: Sequence[float]
) -> dict[str, float] | None:
    """Climb from the first :data:`PILOT_SHARE` of the seeds ``ncp`` will draw, and count.

    The seeds are the call's own (drawn as :func:`engine.community_profile.ncp` draws
    them from ``seed``; with ``seed=None``, whose draw is fresh, from seed 0), each
    climbing at every ``alpha`` as the call does. Kept with the graph per parameters,
    so the call's own check after an estimate does not climb again.

    Returns
    -------
    dict or None
        None when ``n_seeds`` is under ``1/PILOT_SHARE`` (or the graph has no edges);
        else ``pilot seeds``, the climbs' ``pilot climbs``, ``pilot rungs``, ``pilot
        pushes`` and ``pilot swept`` (nodes each rung swept), and ``stopped at
        communities``: whether every climb stopped at a deep minimum (a community's
        edge) before the ladder's volume budget.

    Examples
    --------
    >>> from loaders import planted_partition
    >>> g = planted_partition([200] * 5, 0.1, 0.002, seed=1)
    >>> pilot = pilot_climbs(g, 40, 0, (0.15, 0.05))
    >>> pilot["pilot seeds"], pilot["pilot climbs"], pilot["stopped at communities"]
    (2, 4, True)
    >>> pilot_climbs(g, 19, 0, (0.15,)) is None
    True
    """
    pilots = int(int(n_seeds) * PILOT_SHARE + 1e-9)  # 20 seeds: 1, whatever the rounding
    if pilots < 1:
        return None
    key = (int(n_seeds), seed, tuple(float(a) for a in alphas))
    kept = derived("ncp.pilot", g, lambda _: {})
    if key not in kept:
        kept[key] = _pilot(g, int(n_seeds), pilots, seed, key[2])
    return kept[key]


def _pilot(g, n_seeds, pilots, seed, alphas) -> dict[str, float] | None:
    view = local_view(symmetrised(g))
    candidates = np.flatnonzero(np.diff(view.csr.indptr) > 0)
    if candidates.size == 0 or view.total_volume <= 0:
        return None
    # ncp's own draw (the same size: a shorter draw may pick other seeds), then its head.
    rng = np.random.default_rng(0 if seed is None else seed)
    chosen = rng.choice(candidates, size=min(n_seeds, candidates.size), replace=False)
    chosen = chosen[: min(pilots, chosen.size)]
    counts = {"climbs": 0, "rungs": 0, "pushes": 0, "swept": 0}

    def count(found) -> None:  # each rung's diffusion, as diffuse_and_sweep returns it
        counts["rungs"] += 1
        counts["pushes"] += int(found[4])
        counts["swept"] += int(found[5])

    one = np.ones(1)
    stopped = True
    for node in chosen:
        for alpha in alphas:
            _, ladder = climb(view, np.array([node]), one, "ppr", alpha, 1, each_rung=count)
            counts["climbs"] += 1
            last = ladder.iloc[-1]
            stopped &= bool(last["deep"]) and float(last["volume"]) < view.total_volume / 2
    return {
        "pilot seeds": int(chosen.size),
        **{f"pilot {name}": value for name, value in counts.items()},
        "stopped at communities": stopped,
    }
