"""Connected components over integer ids with numpy (union-find without a Python loop per edge)."""

from __future__ import annotations

import numpy as np

__all__ = ["component_roots", "dup_pairs", "group_edges"]


def component_roots(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The smallest id of the connected component of each of ``n`` ids, given edges ``src``-``dst``.

    Roots are hooked under smaller roots, then pointers are jumped until every id points at
    its root, so the root of a component is always its smallest member: the same answer as a
    union-find whose ``union`` makes the smaller root the parent (Data-Juicer's ``UnionFind``).
    """
    parent = np.arange(n, dtype=np.int64)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    while src.size:
        ps, pd = parent[src], parent[dst]
        cross = ps != pd
        if not cross.any():
            break
        src, dst, ps, pd = src[cross], dst[cross], ps[cross], pd[cross]
        np.minimum.at(parent, np.maximum(ps, pd), np.minimum(ps, pd))
        while True:  # compress: every id points straight at its root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def group_edges(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining every row to the first (smallest) row that has the same code.

    ``codes`` is an array of shape (n,) or (n, k); rows are equal when all k values are.
    Rows are sorted on the first column alone (the usual case: it is a hash, so equal first
    values mean equal rows), falling back to a sort on every column when that is not so.
    """
    codes = codes.reshape(len(codes), -1)
    if len(codes) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.argsort(codes[:, 0])
    ranked = codes[order]
    same = ranked[1:, 0] == ranked[:-1, 0]
    if codes.shape[1] > 1 and (same & np.any(ranked[1:, 1:] != ranked[:-1, 1:], axis=1)).any():
        order = np.lexsort(codes.T[::-1])
        ranked = codes[order]
        same = np.all(ranked[1:] == ranked[:-1], axis=1)
    new = np.concatenate(([True], ~same))
    starts = np.flatnonzero(new)
    first = np.minimum.reduceat(order, starts)[np.cumsum(new) - 1]
    dup = order != first
    return order[dup], first[dup]


def dup_pairs(roots: np.ndarray, limit: int = 300) -> list[tuple[int, int]]:
    """Up to ``limit`` (dropped row, kept row) pairs for rows whose root is another row."""
    dropped = np.flatnonzero(roots != np.arange(len(roots)))[:limit]
    return [(int(i), int(roots[i])) for i in dropped]
