"""Growing a community from seeds over a neighbourhood index, and saying why it stopped.

:meth:`engine.similarity.NeighbourhoodIndex.expand` runs :func:`grow`. Each round
asks the LSH index for candidates, scores them by containment and admits the
sweep cut of least conductance. A round can admit nobody for three different
reasons, and a user who sees only the seeds come back cannot tell them apart,
so the result records which one it was (:attr:`Community.stop_reason`), says it
in a sentence (:attr:`Community.why`) and, when the community never grew, tries
the parameter changes that could grow it and names one that does, with the
number of members it would admit (:attr:`Community.suggestion`). Those tries
run only for a seed-only result, so a community that grows pays for nothing but
a row of counts per round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine._kernels import similarity as kernels
from engine._kernels.csr import csr_of
from engine.conductance import prefix_conductance, set_conductance

#: The codes of :attr:`Community.stop_reason`, and what each means.
STOP_REASONS = {
    "no_candidates": "the LSH index returned no candidates for the seeds",
    "below_min_score": "candidates came back, but none reached min_score",
    "sweep_kept_seeds": "admitting any candidate raised the seeds' conductance",
    "max_size": "the community reached max_size",
    "rounds": "every round admitted members, and another round would admit more",
    "converged": "the community grew, then a round admitted nobody new",
}
ROUND_COLUMNS = ["round", "candidates", "eligible", "best_score", "admitted", "size", "conductance"]
# How much wider a seed-only diagnosis casts the LSH net (candidates_per_member times these).
_WIDER = (4, 16)


@dataclass
class Community:
    """A community grown from seeds: its members, how well it is cut off, and why it stopped.

    Attributes
    ----------
    members : DataFrame
        ``node``, ``score`` (fraction of the node's neighbourhood inside the
        community's; 1 for seeds) and ``seed``.
    conductance, volume, cut : float
        As :func:`engine.conductance.set_conductance`.
    stop_reason : str
        Why growth stopped, one of :data:`STOP_REASONS`: ``"no_candidates"``,
        ``"below_min_score"`` and ``"sweep_kept_seeds"`` leave only the seeds;
        ``"max_size"``, ``"rounds"`` and ``"converged"`` end a community that may
        have grown.
    why : str
        The reason in a sentence, with its numbers (best score, conductances).
    suggestion : str or None
        A parameter change that grows it, with what it would admit, found by
        running it: ``"min_score=0.1 would admit 14 candidates"``, or that no
        change tried grows it. None only when nothing needs changing
        (``"converged"``).
    suggested : dict
        The same change as ``{parameter: value}`` (``threshold`` and ``num_perm``
        are parameters of :meth:`NeighbourhoodIndex.build`, the rest of ``expand``).
    rounds : DataFrame
        One row per round run: ``round``, ``candidates`` (from the LSH index,
        outside the community), ``eligible`` (reaching ``min_score``),
        ``best_score``, ``admitted``, ``size`` and ``conductance`` after it.

    Examples
    --------
    An isolated seed shares its neighbourhood with nobody, so nothing can grow it:

    >>> from engine.similarity import NeighbourhoodIndex
    >>> from loaders import Graph
    >>> g = Graph.from_edges([0, 1], [1, 2], nodes=[0, 1, 2, 3])
    >>> alone = NeighbourhoodIndex.build(g, num_perm=16).expand([3])
    >>> alone.seed_only, alone.stop_reason
    (True, 'no_candidates')
    >>> alone.suggestion
    'no parameter grows it: choose other seeds'
    """

    members: pd.DataFrame
    conductance: float
    volume: float
    cut: float
    stop_reason: str = "converged"
    why: str = ""
    suggestion: str | None = None
    suggested: dict = field(default_factory=dict)
    rounds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROUND_COLUMNS))

    def __len__(self) -> int:
        return len(self.members)

    @property
    def grew(self) -> bool:
        """Whether any node beyond the seeds was admitted."""
        return not bool(self.members["seed"].all())

    @property
    def seed_only(self) -> bool:
        """Whether the community is just its seeds."""
        return not self.grew

    def __repr__(self) -> str:
        return (
            f"<Community: {len(self)} nodes, conductance {self.conductance:.4f}, "
            f"volume {self.volume:g}, cut {self.cut:g}, stopped: {self.stop_reason}>"
        )


def grow(
    index, seed_ids: np.ndarray, *, rounds: int, per_member: int, min_score: float, limit: int
) -> Community:
    """Rounds of LSH candidates and sweep cuts from ``seed_ids`` (sorted, distinct ids).

    ``index`` is a :class:`engine.similarity.NeighbourhoodIndex`; the parameters
    are those of its ``expand``, checked there (``limit`` is ``max_size`` or n).
    """
    g = index.graph
    marks = np.zeros(g.n_nodes, dtype=np.bool_)
    members, scores = seed_ids, np.ones(len(seed_ids))
    log, stop, reason = [], None, "rounds"
    for number in range(1, rounds + 1):
        if len(members) >= limit:
            reason = "max_size"
            break
        candidates, score = _candidates(index, members, per_member, marks)
        ranked, sweep, admitted, cut_short = _sweep(
            g, members, candidates, score, min_score, limit - len(members)
        )
        best = float(score.max()) if len(score) else math.nan
        after = float(sweep[admitted]) if len(sweep) else math.nan
        eligible = int(np.count_nonzero(score >= min_score))
        log.append(
            (number, len(candidates), eligible, best, admitted, len(members) + admitted, after)
        )
        stop = (number, members, candidates, score, ranked, sweep, admitted, cut_short)
        if admitted == 0:
            reason = _blocked(candidates, ranked, grown=len(members) > len(seed_ids))
            break
        members = np.concatenate([members, candidates[ranked[:admitted]]])
        scores = np.concatenate([scores, score[ranked[:admitted]]])
        if len(members) >= limit:
            reason = "max_size"
            break
    volume, cut, conductance = set_conductance(g, g.labels_of(members))
    frame = pd.DataFrame(
        {"node": g.labels_of(members), "score": scores, "seed": np.isin(members, seed_ids)}
    )
    table = pd.DataFrame(log, columns=ROUND_COLUMNS)
    table["conductance"] = table["conductance"].fillna(conductance)
    community = Community(frame, conductance, volume, cut, reason, rounds=table)
    _explain(community, index, seed_ids, members, stop, marks, per_member, min_score, limit)
    return community


def _candidates(index, members, per_member, marks) -> tuple[np.ndarray, np.ndarray]:
    """LSH candidates of every member (outside the members), and their containment scores."""
    found = [index.lsh.query_top(index.signatures[m], per_member) for m in members]
    candidates = np.setdiff1d(np.concatenate(found), members)
    score = kernels.containment(csr_of(index.graph), index.include_self, members, candidates, marks)
    return candidates, score


def _sweep(g, members, candidates, score, min_score, room):
    """``(ranked, sweep, admitted, cut_short)``: positions of the eligible candidates, best
    first and at most ``room``; the conductance of the members plus each prefix of them
    (``sweep[0]`` is the members alone); the prefix of least conductance (first of ties);
    and whether ``room`` cut the ranking."""
    eligible = np.flatnonzero(score >= min_score)
    ranked = eligible[np.lexsort((candidates[eligible], -score[eligible]))]
    cut_short = len(ranked) > room
    ranked = ranked[:room]
    if not len(ranked):
        return ranked, np.empty(0), 0, cut_short
    _, _, conductance = prefix_conductance(g, np.concatenate([members, candidates[ranked]]))
    sweep = conductance[len(members) - 1 :]
    return ranked, sweep, int(np.argmin(sweep)), cut_short


def _blocked(candidates, ranked, grown: bool) -> str:
    if grown:
        return "converged"
    if not len(candidates):
        return "no_candidates"
    return "below_min_score" if not len(ranked) else "sweep_kept_seeds"


def _round_down(x: float) -> float:
    """``x`` cut to the fewest decimals that stay above 0, never above ``x``.

    A threshold typed back from the sentence then admits at least what ``x`` does.
    """
    for digits in range(2, 10):
        cut = math.floor(x * 10**digits) / 10**digits
        if cut > 0:
            return cut
    return x


def _explain(community, index, seed_ids, members, stop, marks, per_member, min_score, limit):
    """Fill ``why``, ``suggestion`` and ``suggested`` of ``community`` from the last round."""
    g = index.graph
    reason, c = community.stop_reason, community
    if reason == "max_size" and stop is None:
        c.why = f"the {len(seed_ids)} seeds already fill max_size={limit}"
        c.suggestion, c.suggested = "max_size=None (no limit) lets it grow", {"max_size": None}
        return
    wanted = 0
    if stop is not None and stop[-1]:
        # max_size cut the last round's ranking short: would the sweep over all of it admit more?
        number, before, candidates, score, _, _, admitted, _ = stop
        _, _, wanted, _ = _sweep(g, before, candidates, score, min_score, len(candidates))
        wanted = wanted if wanted > admitted else 0
    if wanted:
        c.stop_reason = reason = "max_size"
        c.why = (
            f"round {number} stopped at max_size={limit}, which left room to rank "
            f"{limit - len(before)} of its candidates; ranking them all, its sweep admits "
            f"{wanted} (it admitted {admitted})"
        )
        c.suggestion = f"max_size=None (no limit) lets round {number}'s sweep admit {wanted}"
        c.suggested = {"max_size": None}
        return
    if reason == "max_size":
        c.why = f"round {stop[0]} filled max_size={limit}"
        c.suggestion, c.suggested = (
            "max_size=None (no limit) lets later rounds run",
            {"max_size": None},
        )
        return
    if reason == "rounds":
        number = stop[0]
        candidates, score = _candidates(index, members, per_member, marks)
        _, _, more, _ = _sweep(g, members, candidates, score, min_score, limit - len(members))
        if more:
            c.why = f"all {number} rounds admitted members, and round {number + 1} would too"
            c.suggestion = f"rounds={number + 1} would admit {more} more members"
            c.suggested = {"rounds": number + 1}
            return
        c.stop_reason = reason = "converged"
        c.why = f"growth stopped after round {number}: another round admits nobody new"
        return
    number, before, candidates, score, ranked, sweep, _, _ = stop
    c.why = _blocked_sentence(number, candidates, score, ranked, sweep, min_score)
    if reason == "converged":
        c.why = f"the community grew, then {c.why}"
        return
    room = limit - len(seed_ids)
    if reason == "no_candidates":
        _suggest_rebuild(c, index, seed_ids, marks)
        return
    if reason == "below_min_score":
        ranked, _, admitted, _ = _sweep(g, seed_ids, candidates, score, 0.0, room)
        if admitted:
            lowest = float(score[ranked[admitted - 1]])
            value = _round_down(lowest)
            c.suggestion = (
                f"min_score={value:g} would admit {admitted} candidates "
                f"(scores down to {lowest:.3g})"
            )
            c.suggested = {"min_score": value}
            return
        c.why += "; lowering min_score would not help: the sweep keeps the seeds"
    tried = per_member
    for factor in _WIDER:
        wider = min(per_member * factor, g.n_nodes)
        if wider <= tried:
            break
        tried = wider
        candidates, score = _candidates(index, seed_ids, wider, marks)
        _, _, admitted, _ = _sweep(g, seed_ids, candidates, score, min_score, room)
        if admitted:
            c.suggestion = f"candidates_per_member={wider} would admit {admitted} candidates"
            c.suggested = {"candidates_per_member": wider}
            return
    c.why += f"; {tried} candidates per member do not change that"
    c.suggestion, c.suggested = "no parameter grows it: choose other seeds", {}


def _blocked_sentence(number, candidates, score, ranked, sweep, min_score) -> str:
    if not len(candidates):
        return f"round {number}: the LSH index returned no candidates"
    if not len(ranked):
        return (
            f"round {number}: none of the {len(candidates)} candidates reached "
            f"min_score={min_score:g} (best score {score.max():.3g})"
        )
    return (
        f"round {number}: the sweep kept the community as it was: its conductance is "
        f"{sweep[0]:.3g}, and adding its {len(ranked)} eligible candidates, best first, never "
        f"lowers it (the least is {sweep[1:].min():.3g})"
    )


def _plain(label):
    """A label as Python writes it (``7``, not ``np.int64(7)``)."""
    return label.item() if isinstance(label, np.generic) else label


def _suggest_rebuild(c: Community, index, seed_ids, marks) -> None:
    """For no candidates: is anything there to find, and what index would find it."""
    g = index.graph
    touching = kernels.containment(
        csr_of(g), index.include_self, seed_ids, np.arange(g.n_nodes), marks
    )
    touching[seed_ids] = 0.0
    near = np.flatnonzero(touching > 0)
    if not len(near):
        c.why += (
            ": no node outside the seeds shares a neighbour with them (isolated seeds, "
            "or a whole component)"
        )
        c.suggestion, c.suggested = "no parameter grows it: choose other seeds", {}
        return
    best, node = 0.0, -1
    for seed in seed_ids[:100]:  # the diagnosis of a huge seed set need not be exhaustive
        jaccard = index.jaccard(int(seed), near)
        if len(jaccard) and jaccard.max() > best:
            best, node = float(jaccard.max()), int(near[np.argmax(jaccard)])
    threshold = index.lsh.threshold
    c.why += (
        f", though {len(near)} nodes share neighbours with the seeds "
        f"(best Jaccard {best:.3g}, node {_plain(g.labels_of([node])[0])!r})"
    )
    if best < threshold:
        value = _round_down(best)
        c.suggestion = (
            f"rebuild the index with a lower threshold, NeighbourhoodIndex.build(g, "
            f"threshold={value:g}) (now {threshold:g}), whose bands are chosen to find pairs "
            f"at Jaccard {value:g} (with probability recall=0.95 by default)"
        )
        c.suggested = {"threshold": value}
    else:
        c.suggestion = (
            f"rebuild the index with more bands, NeighbourhoodIndex.build(g, "
            f"num_perm={2 * index.num_perm}): this one missed a pair above its threshold"
        )
        c.suggested = {"num_perm": 2 * index.num_perm}
