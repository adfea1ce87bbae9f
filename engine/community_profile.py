"""Network community profile (Leskovec et al. 2008): the best conductance found at each
cluster size, by many ACL diffusions and their sweeps (:mod:`engine.diffusion`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from checks import check_between, check_seed
from engine.community_profile_cost import ncp_estimate
from engine.diffusion import DEFAULT_T, climb, diffuse_and_sweep
from engine.local_view import local_view, symmetrised
from engine.long_run import LONG_RUN_SECONDS, check_long_run
from engine.per_graph import Progress
from loaders import Graph


def ncp(
    g: Graph,
    n_seeds: int = 100,
    sizes: int | Sequence[int] = 30,
    seed: int | None = None,
    *,
    alphas: Sequence[float] = (0.15, 0.05, 0.01),
    eps_values: Sequence[float] | str | None = "auto",
    progress: Progress = None,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> pd.DataFrame:
    """Network community profile (Leskovec et al. 2008): best conductance by cluster size.

    Runs the ACL push from ``n_seeds`` random seeds (non-isolated nodes, uniformly)
    for every ``alpha`` in ``alphas`` and keeps, for every prefix size of every
    sweep, the least conductance seen. With ``eps_values="auto"`` (the default)
    each seed climbs the ladder of :func:`engine.local_cluster`'s ``eps="auto"``
    (1e-3 down to 1e-7, each push resuming the last, stopping as it does) and
    every rung's sweep counts; ``None`` runs fresh pushes at decades from 1e-2
    down to ``1/vol(V)``, no lower than 1e-6; a list, at those. Sizes are then
    grouped into bins: ``sizes`` is their number (log-spaced up to n/2) or their
    upper edges. A profile estimated (:func:`engine.estimate.ncp_estimate`) to take
    longer than ``max_seconds`` (default 30 minutes; ``None``: no limit) is refused
    before any push, with :class:`~engine.long_run.LongRunError`.

    Returns
    -------
    pandas.DataFrame
        ``size`` (the size at which the bin's best was found), ``conductance`` and
        ``seed`` (the label whose sweep found it), one row per non-empty bin; plot
        it log-log.

    >>> import engine
    >>> profile = ncp(engine.sample("karate"), n_seeds=10, seed=1)
    >>> list(profile.columns), bool(profile["conductance"].min() < 0.2)
    (['size', 'conductance', 'seed'], True)
    """
    if isinstance(n_seeds, bool) or int(n_seeds) != n_seeds or n_seeds < 1:
        raise ValueError(f"n_seeds must be an integer >= 1; got {n_seeds!r}")
    seed = check_seed(seed)
    alphas = [check_between("alphas", a, 0, 1) for a in alphas]
    if max_seconds is not None:
        check_long_run(
            ncp_estimate(g, n_seeds, sizes, seed, alphas=alphas, eps_values=eps_values),
            max_seconds,
            "Pass max_seconds=None to run it anyway, or start fewer diffusions "
            "(a smaller n_seeds, or fewer alphas).",
        )
    view = local_view(symmetrised(g))
    candidates = np.flatnonzero(np.diff(view.csr.indptr) > 0)
    if candidates.size == 0 or view.total_volume <= 0:
        return pd.DataFrame({"size": [], "conductance": [], "seed": []})
    auto = isinstance(eps_values, str) and eps_values == "auto"
    if eps_values is None:
        floor = max(1e-6, 1.0 / view.total_volume)
        eps_values = [10.0**-k for k in range(2, 7) if 10.0**-k >= floor] or [1e-2]
    if not auto:
        eps_values = [check_between("eps_values", e, 0, 1) for e in eps_values]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(candidates, size=min(int(n_seeds), candidates.size), replace=False)
    best = np.full(view.n + 1, np.inf)
    best_seed = np.full(view.n + 1, -1, dtype=np.int64)
    one = np.ones(1)
    total = chosen.size * len(alphas) * (1 if auto else len(eps_values))
    done = 0
    for node in chosen:

        def keep(found, node=node) -> None:
            conductance = found[2][2]
            prefix = np.arange(1, conductance.size + 1)
            better = conductance < best[prefix]
            best[prefix[better]] = conductance[better]
            best_seed[prefix[better]] = node

        for alpha in alphas:
            runs = [None] if auto else eps_values
            for eps in runs:
                if auto:
                    climb(view, np.array([node]), one, "ppr", alpha, 1, each_rung=keep)
                else:
                    seeds = np.array([node])
                    keep(diffuse_and_sweep(view, seeds, one, "ppr", alpha, eps, DEFAULT_T))
                done += 1
                if progress is not None:
                    progress(done, total, "ncp")
    edges = _size_bins(sizes, view.n)
    found_sizes = np.flatnonzero(np.isfinite(best))
    rows = []
    lower = 0
    for upper in edges:
        inside = found_sizes[(found_sizes > lower) & (found_sizes <= upper)]
        lower = upper
        if inside.size == 0:
            continue
        at = inside[np.argmin(best[inside])]
        rows.append((int(at), float(best[at]), int(best_seed[at])))
    table = pd.DataFrame(rows, columns=["size", "conductance", "seed"])
    if not g.has_identity_labels:
        table["seed"] = g.labels_of(table["seed"].to_numpy())
    return table


def _size_bins(sizes, n: int) -> np.ndarray:
    if isinstance(sizes, int | np.integer) and not isinstance(sizes, bool):
        if sizes < 1:
            raise ValueError(f"sizes must be >= 1 bins or a list of bin edges; got {sizes!r}")
        top = max(n // 2, 1)
        return np.unique(np.ceil(np.geomspace(1, top, int(sizes))).astype(np.int64))
    edges = np.unique(np.asarray(list(sizes), dtype=np.int64))
    if edges.size == 0 or edges[0] < 1:
        raise ValueError(f"sizes must be positive bin edges; got {sizes!r}")
    return edges
