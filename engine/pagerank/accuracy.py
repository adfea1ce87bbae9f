"""FORA's accuracy parameters, shared by the hybrid, the index and the memory estimates.

Reference: Wang, Yang, Xiao, Wei, Yang, "FORA: Simple and Effective Approximate
Single-Source Personalized PageRank", KDD 2017.
"""

from __future__ import annotations

import math

from checks import check_between, check_positive
from loaders import Graph

# FORA balances push and walk work assuming a walk step costs about one edge push. Here a
# walk step (a cache miss) costs far more than a push (sequential sweeps), so the hybrid
# pushes further; measured on a 1M-edge BA graph (benchmarks/ppr.py), 0.29 s per query at
# 0.01 against 1.05 s at FORA's 1. The index looks walks up instead of running them, so it
# keeps FORA+'s balance.
HYBRID_BALANCE = 0.01
# The index looks walks up instead of running them, so it keeps FORA+'s balance of
# push and walk work.
INDEX_BALANCE = 1.0


class Accuracy:
    """FORA's parameters for relative error ``eps``, failure probability ``delta`` and
    significance ``threshold``: ``omega`` walks per unit of residual mass, and the
    push threshold that balances push and walk work."""

    def __init__(
        self,
        eps: float,
        delta: float,
        threshold: float,
        n_entries: int,
        balance: float = HYBRID_BALANCE,
    ):
        self.eps, self.delta, self.threshold, self.balance = eps, delta, threshold, balance
        self.omega = (2 * eps / 3 + 2) * math.log(2 / delta) / (eps**2 * threshold)
        self.r_max = balance / math.sqrt(max(n_entries, 1) * self.omega)

    @classmethod
    def of(cls, g: Graph, eps, delta, threshold, balance: float = HYBRID_BALANCE) -> Accuracy:
        n = max(g.n_nodes, 2)
        eps = check_positive("eps", eps)
        delta = 1.0 / n if delta is None else check_between("delta", float(delta), 0, 1)
        if threshold is None:
            threshold = 1.0 / n
        else:
            threshold = check_between("threshold", float(threshold), 0, 1, closed_high=True)
        return cls(eps, delta, threshold, max(g.nnz, 1), balance)

    def walks_for_mass(self, mass: float) -> int:
        return max(1, math.ceil(mass * self.omega))
