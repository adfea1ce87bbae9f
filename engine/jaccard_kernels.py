"""Numba kernel of :mod:`engine.jaccard`."""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def jaccard_pairs(indptr, indices, us, vs, out):
    """``out[k]``: networkx's Jaccard coefficient of ``us[k]`` and ``vs[k]``.

    ``|N(u) ∩ N(v) − {u, v}| / |N(u) ∪ N(v)|`` (0 when the union is empty), by one
    merge of the two sorted rows: networkx leaves ``u`` and ``v`` out of the common
    neighbours but not out of the union.
    """
    for k in range(us.shape[0]):
        u = us[k]
        v = vs[k]
        a, a_end = indptr[u], indptr[u + 1]
        b, b_end = indptr[v], indptr[v + 1]
        both = 0
        common = 0
        while a < a_end and b < b_end:
            x = indices[a]
            y = indices[b]
            if x == y:
                both += 1
                if x != u and x != v:
                    common += 1
                a += 1
                b += 1
            elif x < y:
                a += 1
            else:
                b += 1
        union = (indptr[u + 1] - indptr[u]) + (indptr[v + 1] - indptr[v]) - both
        out[k] = 0.0 if union == 0 else common / union
