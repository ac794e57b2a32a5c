"""Optimal assignment: which track gets which detection, at the smallest total cost.

Three ways to solve the same problem, side by side:

* :func:`assignment_brute_force` tries every injective map (fine for 6 x 6, hopeless for 20 x 20:
  20! is 2.4e18);
* :func:`hungarian` is the teaching implementation of the Hungarian algorithm (Kuhn 1955,
  Munkres 1957) in its shortest-augmenting-path form with dual potentials, O(n^2 m), plain loops;
* ``scipy.optimize.linear_sum_assignment`` is the production solver (a C++ Jonker-Volgenant
  variant). :func:`linear_assignment` uses it by default, with the trackers' cost gate.

All three return ``(rows, cols)`` index arrays, sorted by row, pairing ``min(N, M)`` rows and
columns of a rectangular ``(N, M)`` cost matrix. When several assignments share the optimal cost
they may pick different ones; the tests compare total costs.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .._validation import as_array, check_choice, check_float

__all__ = ["MAX_ASSIGNMENT_SIDE", "MAX_HUNGARIAN_SIDE", "assignment_brute_force", "hungarian",
           "linear_assignment"]

#: Largest number of rows or columns the teaching :func:`hungarian` accepts (Python loops:
#: about a second at this size).
MAX_HUNGARIAN_SIDE = 150
#: Largest number of rows or columns :func:`linear_assignment` accepts with SciPy's solver.
MAX_ASSIGNMENT_SIDE = 4000


def _check_cost(cost: Any, name: str = "cost", max_side: int = MAX_HUNGARIAN_SIDE,
                finite: bool = True) -> np.ndarray:
    C = as_array(cost, name, ndim=2, kinds="iuf", allow_empty=True, finite=finite,
                 shape_hint="(N, M)")
    if max(C.shape) > max_side:
        raise ValueError(f"{name} must have at most {max_side} rows and columns here; got shape "
                         f"{C.shape} - use linear_assignment() (SciPy) for large problems")
    return C.astype(np.float64)


def hungarian(cost: Any) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment of a rectangular cost matrix (teaching implementation).

    Parameters
    ----------
    cost : (N, M) array_like of finite numbers, N, M <= 150
        ``cost[i, j]`` is the price of giving row ``i`` (a track) column ``j`` (a detection).

    Returns
    -------
    rows, cols : (min(N, M),) ndarrays of int64
        Row ``rows[k]`` is assigned column ``cols[k]``; sorted by row.

    Notes
    -----
    The algorithm keeps dual potentials :math:`u_i, v_j` with
    :math:`u_i + v_j \\le c_{ij}` for every pair; an edge with :math:`u_i + v_j = c_{ij}` is
    *tight*. Rows are added one at a time; for each, a Dijkstra-like search along tight edges
    finds the cheapest augmenting path to a free column, raising the potentials by the smallest
    slack :math:`\\delta` whenever it gets stuck. When every row is assigned along tight edges,
    the assignment's cost equals :math:`\\sum_i u_i + \\sum_j v_j`, a lower bound on every
    assignment (LP duality), so it is optimal. For :math:`N > M` the matrix is transposed.
    Cost: :math:`O(N^2 M)`.

    References
    ----------
    H. W. Kuhn, "The Hungarian Method for the Assignment Problem", 1955. J. Munkres, "Algorithms
    for the Assignment and Transportation Problems", 1957. Compared with
    ``scipy.optimize.linear_sum_assignment`` on 600 random rectangular matrices in
    tests/test_tracking_core.py. Used in chapters/20_sort.ipynb.

    Examples
    --------
    >>> rows, cols = hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    >>> rows.tolist(), cols.tolist()
    ([0, 1, 2], [1, 0, 2])
    """
    C = _check_cost(cost)
    if C.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    transposed = C.shape[0] > C.shape[1]
    if transposed:
        C = C.T  # the search below adds rows one by one and needs n_rows <= n_cols
    n, m = C.shape
    # 1-based indices with a dummy column 0, as in the classic formulation: p[j] is the row
    # holding column j (0 = free), way[j] the previous column on the augmenting path.
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i  # start the search from the dummy column holding the new row
        j0 = 0
        minv = [np.inf] * (m + 1)  # smallest slack seen for each column
        used = [False] * (m + 1)  # columns already in the search tree
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], np.inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    slack = C[i0 - 1, j - 1] - u[i0] - v[j]
                    if slack < minv[j]:
                        minv[j], way[j] = slack, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            # Raise the potentials by delta: tree edges stay tight, one new edge becomes tight.
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:  # reached a free column: an augmenting path exists
                break
        while j0:  # flip the path: every column on it takes the row of its predecessor
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    pairs = sorted((p[j] - 1, j - 1) for j in range(1, m + 1) if p[j])
    rows = np.array([r for r, _ in pairs], np.int64)
    cols = np.array([c for _, c in pairs], np.int64)
    if transposed:
        order = np.argsort(cols)
        rows, cols = cols[order], rows[order]
    return rows, cols


def assignment_brute_force(cost: Any) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment by trying every possibility (only for tiny matrices).

    Same contract as :func:`hungarian`; refuses matrices with more than 8 rows and columns,
    because the number of injective maps, :math:`M! / (M - N)!`, explodes.

    Examples
    --------
    >>> rows, cols = assignment_brute_force([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    >>> cols.tolist()
    [1, 0, 2]
    """
    C = _check_cost(cost, max_side=10**6)
    transposed = C.shape[0] > C.shape[1]
    if transposed:
        C = C.T
    n, m = C.shape
    if max(n, m) > 8:
        raise ValueError(
            f"cost is too large for brute force (max 8 rows and columns); got shape {C.shape} "
            "- use hungarian() or linear_assignment()"
        )
    best, best_cols = np.inf, ()
    for cols in itertools.permutations(range(m), n):
        total = sum(C[i, j] for i, j in enumerate(cols))
        if total < best:
            best, best_cols = total, cols
    rows, cols = np.arange(n, dtype=np.int64), np.array(best_cols, np.int64)
    if transposed:
        order = np.argsort(cols)
        rows, cols = cols[order], rows[order]
    return rows, cols


def linear_assignment(
    cost: Any, max_cost: float = np.inf, *, solver: str = "scipy"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign rows to columns at minimum cost, then drop pairs costing more than ``max_cost``.

    Parameters
    ----------
    cost : (N, M) array_like, N, M <= 4000 (150 with ``solver="hungarian"``)
        May contain ``+inf`` for forbidden pairs: they are capped before solving and never
        returned as matches, whatever ``max_cost``. NaN and ``-inf`` are refused.
    max_cost : float or inf
        Gate: pairs with ``cost > max_cost`` are not matches; ``inf`` (the default) keeps every
        finite pair. Finite values must lie in [-1e12, 1e12].
    solver : {"scipy", "hungarian"}
        ``scipy.optimize.linear_sum_assignment`` (fast) or the teaching :func:`hungarian`.

    Returns
    -------
    matches : (K, 2) ndarray of int64
        ``(row, col)`` pairs.
    unmatched_rows : (N - K,) ndarray of int64
    unmatched_cols : (M - K,) ndarray of int64

    Notes
    -----
    Costs above the gate are replaced by ``max_cost + 1e-5`` before solving, as deep_sort does:
    then a forbidden pair can never pull the solver towards it (a huge value would distort the
    trade-offs between the allowed pairs), and it is easy to drop afterwards.

    Examples
    --------
    >>> m, r, c = linear_assignment([[0.1, 0.9], [0.8, 0.95]], max_cost=0.7)
    >>> m.tolist(), r.tolist(), c.tolist()
    ([[0, 0]], [1], [1])
    """
    solver = check_choice(solver, "solver", ("scipy", "hungarian"))
    C = _check_cost(cost, max_side=MAX_HUNGARIAN_SIDE if solver == "hungarian"
                    else MAX_ASSIGNMENT_SIDE, finite=False)
    if np.isnan(C).any():
        raise ValueError("cost contains NaN; use inf (or any value above max_cost) "
                         "for forbidden pairs")
    if (C == -np.inf).any():
        raise ValueError("cost contains -inf (a pair better than any other, whatever the rest); "
                         "use finite costs, and +inf for forbidden pairs")
    if (isinstance(max_cost, (int, float, np.floating))
            and not isinstance(max_cost, (bool, np.bool_)) and max_cost == np.inf):
        max_cost = float(max_cost)
    else:
        max_cost = check_float(max_cost, "max_cost", min=-1e12, max=1e12)
    return _assign(C, max_cost, solver)


def _assign(C: np.ndarray, max_cost: float, solver: str = "scipy"):
    # Unchecked core of linear_assignment (C float64 without NaN).
    n, m = C.shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), np.int64), np.arange(n), np.arange(m)
    allowed = np.isfinite(C)  # +inf marks a forbidden pair: never a match
    cap = max_cost + 1e-5 if np.isfinite(max_cost) else 1e5 + np.max(np.where(allowed, C, 0))
    C = np.minimum(C, cap)
    if solver == "scipy":
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(C)
    else:
        rows, cols = hungarian(C)
    keep = allowed[rows, cols] & (C[rows, cols] <= max_cost)
    matches = np.stack([rows[keep], cols[keep]], axis=1).astype(np.int64)
    free_rows, free_cols = np.ones(n, bool), np.ones(m, bool)
    free_rows[matches[:, 0]] = False
    free_cols[matches[:, 1]] = False
    return matches, np.flatnonzero(free_rows), np.flatnonzero(free_cols)
