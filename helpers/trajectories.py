"""Behaviour prediction with anchor trajectories (MultiPath): synthetic agents at a junction,
anchors by k-means, training targets, a constant-velocity baseline and the minADE / minFDE
metrics.

Used in chapters/22_frontiers_search.ipynb.

Trajectories are ``(T, 2)`` arrays of ``(x, y)`` positions in metres, one every :data:`DT`
seconds, in the frame of the agent's lane: the agent's current position is the origin and
its lane runs along +y towards a junction (x to the right). A set of agents is ``(N, T, 2)``;
the modes predicted for each agent are ``(N, K, T, 2)`` with probabilities ``(N, K)``.

* :func:`make_agent_dataset`: agents that go straight, turn left, turn right or stop at the
  junction, with random speeds, distances, turn radii and position noise; the behaviour is
  known exactly, the future only partly predictable from the past.
* :func:`trajectory_anchors`: MultiPath's anchors, k-means on the training futures
  (:func:`helpers.segmentation.kmeans`, chapter 06's).
* :func:`anchor_targets`: each future's nearest anchor and its residual (the training
  targets of the mixture).
* :func:`constant_velocity`: the baseline, the last velocity held for the whole horizon.
* :func:`min_ade_fde`: the error of the best of the ``k`` most probable modes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import as_array, check_choice, check_float, check_int, check_rng
from .segmentation import kmeans

__all__ = [
    "BEHAVIOURS",
    "DT",
    "anchor_targets",
    "constant_velocity",
    "make_agent_dataset",
    "min_ade_fde",
    "trajectory_anchors",
]

#: The four behaviours, in label order.
BEHAVIOURS = ("straight", "left", "right", "stop")
#: Seconds between two positions of a trajectory.
DT = 0.5
#: Probability of each behaviour (straight, left, right, stop).
BEHAVIOUR_PROBABILITIES = (0.4, 0.2, 0.2, 0.2)
#: Largest number of agents, time steps, anchors and modes accepted.
MAX_AGENTS = 1_000_000
#: Most agents :func:`make_agent_dataset` simulates in one call (about a second per 50,000).
MAX_GENERATED_AGENTS = 20_000
MAX_STEPS = 64
MAX_ANCHORS = 256
#: Integration sub-steps per time step (Euler on the arc length).
_SUBSTEPS = 20



def _speed(d: np.ndarray, behaviour: np.ndarray, cruise: np.ndarray, turn: np.ndarray,
           brake: np.ndarray) -> np.ndarray:
    """Speed (m/s) of each agent as a function of the signed distance ``d`` left to the junction."""
    ahead = np.maximum(d, 0.0)
    stop = np.minimum(cruise, np.sqrt(2 * brake * ahead))       # brake to rest at the line
    slow = np.minimum(cruise, np.sqrt(turn**2 + 2 * brake * ahead))  # slow down for the turn
    return np.select([behaviour == 0, behaviour == 3], [cruise, stop], slow)


def _path(s: np.ndarray, behaviour: np.ndarray, dist: np.ndarray, radius: np.ndarray
          ) -> np.ndarray:
    """Positions (x, y) after arc lengths ``s`` (N, T) along each agent's path: straight up to
    the junction ``dist`` metres ahead, then (turns) a quarter circle and straight on."""
    b, dist, radius = behaviour[:, None], dist[:, None], radius[:, None]
    after = s - dist
    phi = np.clip(after / radius, 0, math.pi / 2)
    beyond = np.maximum(after - radius * math.pi / 2, 0)
    side = np.where(b == 1, -1.0, 1.0)  # left turns go to -x
    turning = (after > 0) & ((b == 1) | (b == 2))
    x = np.where(turning, side * (radius - radius * np.cos(phi) + beyond), 0.0)
    y = np.where(turning, dist + radius * np.sin(phi), s)
    return np.stack([x, y], -1)


def make_agent_dataset(
    n: int,
    *,
    history: int = 8,
    future: int = 12,
    noise: float = 0.1,
    rng: np.random.Generator | int,
) -> dict[str, np.ndarray]:
    """Agents approaching a junction: past and future positions, the junction's distance, and
    what each agent did.

    Parameters
    ----------
    n : int
        Number of agents (1 to 20,000, :data:`MAX_GENERATED_AGENTS`).
    history : int
        Past positions per agent, the current one included (1 to 64).
    future : int
        Future positions to predict (1 to 64), every :data:`DT` seconds.
    noise : float
        Standard deviation (metres, 0 to 5) of the Gaussian noise on every position (the
        current one included), as a tracker's estimates would have.
    rng : numpy.random.Generator or int

    Returns
    -------
    dict
        ``"history"`` (n, history, 2) and ``"future"`` (n, future, 2) float64 positions in the
        lane frame (the noise-free current position is the origin); ``"distance"`` (n,) metres
        from the current position to the junction (negative once past it: the map context a
        real system reads from its map); ``"behaviour"`` (n,) int64 index into
        :data:`BEHAVIOURS`.

    Notes
    -----
    Behaviours are drawn with :data:`BEHAVIOUR_PROBABILITIES`. Each agent has a cruising speed
    of 6-13 m/s, a braking rate of 1.5-3 m/s\\ :sup:`2` and a distance to the junction of
    -5 to 40 m. Its speed depends on the distance :math:`d` left to the junction:
    straight agents keep cruising; stopping agents brake to rest at the line,
    :math:`v = \\min(v_c, \\sqrt{2 b \\max(d, 0)})`; turning agents slow down to 3-6 m/s,
    :math:`v = \\min(v_c, \\sqrt{v_t^2 + 2 b \\max(d, 0)})`, and follow a quarter circle
    (radius 12-18 m to the left, 5-9 m to the right: a left turn crosses the junction), then
    go straight on. Positions come from integrating the speed along the path, backwards for
    the past and forwards for the future. A far-away agent has not braked yet: its past says
    little about its behaviour, which is why one prediction is not enough.

    References
    ----------
    Chai, Sapp, Bansal & Anguelov, "MultiPath: Multiple Probabilistic Anchor Trajectory
    Hypotheses for Behavior Prediction", CoRL 2019 (their data is real driving logs; this is a
    toy with known answers). Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> d = make_agent_dataset(3, rng=0)
    >>> d["history"].shape, d["future"].shape, d["behaviour"].dtype
    ((3, 8, 2), (3, 12, 2), dtype('int64'))
    """
    n = check_int(n, "n", min=1, max=MAX_GENERATED_AGENTS)
    h = check_int(history, "history", min=1, max=MAX_STEPS)
    f = check_int(future, "future", min=1, max=MAX_STEPS)
    sigma = check_float(noise, "noise", min=0, max=5)
    rng = check_rng(rng)
    behaviour = rng.choice(len(BEHAVIOURS), size=n, p=BEHAVIOUR_PROBABILITIES)
    cruise = rng.uniform(6, 13, n)
    brake = rng.uniform(1.5, 3.0, n)
    turn = rng.uniform(3, 6, n)
    dist = rng.uniform(-5, 40, n)
    radius = np.where(behaviour == 1, rng.uniform(12, 18, n), rng.uniform(5, 9, n))
    # An agent that stops has not crossed the line: it is somewhere before it, or waiting at it.
    dist = np.where(behaviour == 3, np.maximum(dist, 0.0), dist)
    # Arc length travelled at every time step, integrated backwards (history) and forwards
    # (future) from s = 0 now, with Euler steps of DT / 20 on ds/dt = v(dist - s).
    step = DT / _SUBSTEPS
    s = np.zeros(n)
    s_hist = [s]
    for k in range((h - 1) * _SUBSTEPS):
        s = s - step * _speed(dist - s, behaviour, cruise, turn, brake)
        if (k + 1) % _SUBSTEPS == 0:
            s_hist.append(s)
    s = np.zeros(n)
    s_fut = []
    for k in range(f * _SUBSTEPS):
        s = s + step * _speed(dist - s, behaviour, cruise, turn, brake)
        if (k + 1) % _SUBSTEPS == 0:
            s_fut.append(s)
    # Agents already past the junction (dist < 0) are part-way into their manoeuvre: lay the
    # path out from the junction and shift it so that the current position is the origin.
    start = np.maximum(-dist, 0.0)
    junction = np.maximum(dist, 0.0)
    here = _path(start[:, None], behaviour, junction, radius)
    past = _path(np.stack(s_hist[::-1], 1) + start[:, None], behaviour, junction, radius) - here
    ahead = _path(np.stack(s_fut, 1) + start[:, None], behaviour, junction, radius) - here
    past += rng.normal(0, sigma, past.shape) if sigma else 0.0
    ahead += rng.normal(0, sigma, ahead.shape) if sigma else 0.0
    return {"history": past, "future": ahead, "distance": dist,
            "behaviour": behaviour.astype(np.int64)}


def _check_trajectories(value: Any, name: str, ndim: int = 3) -> np.ndarray:
    hint = {3: "(N, T, 2)", 4: "(N, K, T, 2)"}[ndim]
    arr = as_array(value, name, ndim=ndim, shape_hint=hint)
    if arr.shape[-1] != 2:
        raise ValueError(f"{name} must have (x, y) in its last axis, {hint}; got {arr.shape}")
    if arr.shape[0] > MAX_AGENTS or arr.shape[-2] > MAX_STEPS:
        raise ValueError(f"{name} is too large: shape {arr.shape} (at most {MAX_AGENTS:,} agents "
                         f"and {MAX_STEPS} steps)")
    if ndim == 4 and arr.shape[1] > MAX_ANCHORS:
        raise ValueError(f"{name} has {arr.shape[1]} modes; at most {MAX_ANCHORS}")
    return arr.astype(np.float64)


def trajectory_anchors(futures: Any, k: int, *, rng: np.random.Generator | int,
                       attempts: int = 3) -> np.ndarray:
    """MultiPath's anchors: k-means cluster centres of the training futures.

    Parameters
    ----------
    futures : (N, T, 2) array_like
        Training futures (T <= 32, so each is a point in at most 64 dimensions).
    k : int
        Number of anchors (1 to min(N, 256)).
    rng : numpy.random.Generator or int
        For k-means++'s seeding.
    attempts : int
        k-means restarts (1 to 100); the most compact result is kept.

    Returns
    -------
    (k, T, 2) ndarray of float64
        Ordered by cluster size, largest first.

    Notes
    -----
    Each future is flattened to a point of :math:`\\mathbb{R}^{2T}`; k-means minimises
    :math:`\\sum_i \\min_j \\lVert s_i - a_j \\rVert^2`, the sum over time of squared distances
    between a trajectory and its nearest anchor (:func:`helpers.segmentation.kmeans`). The
    anchors are fixed before training and never learned.

    References
    ----------
    Chai et al., "MultiPath", CoRL 2019, section 3 (anchors from k-means on training
    trajectories). Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    Two groups of straight lines, going up and going right: two anchors, one per group.

    >>> t = np.arange(1, 4)[:, None]
    >>> up, right = np.c_[0 * t, t], np.c_[t, 0 * t]
    >>> anchors = trajectory_anchors([up, up + 0.1, right, right - 0.1], 2, rng=0)
    >>> anchors[:, -1].round(2).tolist()
    [[2.95, -0.05], [0.05, 3.05]]
    """
    s = _check_trajectories(futures, "futures")
    if s.shape[1] > 32:
        raise ValueError(f"futures must have at most 32 steps (64 k-means dimensions); got "
                         f"{s.shape[1]}")
    k = check_int(k, "k", min=1, max=min(len(s), MAX_ANCHORS))
    result = kmeans(s.reshape(len(s), -1), k, rng=rng, attempts=check_int(attempts, "attempts",
                                                                           min=1, max=100))
    sizes = np.bincount(result.labels, minlength=k)
    order = np.argsort(-sizes, kind="stable")
    return result.centres[order].reshape(k, s.shape[1], 2)


def anchor_targets(futures: Any, anchors: Any) -> tuple[np.ndarray, np.ndarray]:
    """The mixture's training targets: each future's nearest anchor, and the residual from it.

    Parameters
    ----------
    futures : (N, T, 2) array_like
    anchors : (K, T, 2) array_like

    Returns
    -------
    index : (N,) ndarray of int64
        :math:`k^* = \\arg\\min_k \\sum_t \\lVert s_t - a^k_t \\rVert^2` (the lower index on ties).
    residual : (N, T, 2) ndarray of float64
        :math:`s_t - a^{k^*}_t`, what the offset head must predict for that anchor.

    Notes
    -----
    MultiPath trains the anchor probabilities with the cross-entropy towards :math:`k^*` and
    the offsets of anchor :math:`k^*` only (a "hard assignment"), so each anchor's offsets
    specialise on the trajectories near it.

    References
    ----------
    Chai et al., "MultiPath", CoRL 2019, equation (2). Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> anchors = np.array([[[0.0, 1.0], [0.0, 2.0]], [[1.0, 0.0], [2.0, 0.0]]])
    >>> index, residual = anchor_targets([[[0.1, 1.0], [0.3, 2.0]]], anchors)
    >>> index.tolist(), residual.round(2).tolist()
    ([0], [[[0.1, 0.0], [0.3, 0.0]]])
    """
    s = _check_trajectories(futures, "futures")
    a = _check_trajectories(anchors, "anchors")
    if a.shape[1:] != s.shape[1:]:
        raise ValueError(f"anchors must have the futures' {s.shape[1]} steps, (K, {s.shape[1]}, "
                         f"2); got {a.shape}")
    if len(a) > MAX_ANCHORS:
        raise ValueError(f"at most {MAX_ANCHORS} anchors; got {len(a)}")
    # Squared distance of every future to every anchor, summed over time: (N, K).
    d2 = ((s[:, None] - a[None]) ** 2).sum(axis=(2, 3))
    index = d2.argmin(axis=1).astype(np.int64)
    return index, s - a[index]


def constant_velocity(history: Any, future: int, *, window: int = 1) -> np.ndarray:
    """The baseline: hold the last observed velocity for the whole horizon.

    Parameters
    ----------
    history : (N, T_h, 2) array_like
        Past positions, the current one last (T_h > window).
    future : int
        Steps to predict (1 to 64).
    window : int
        Velocity from the last ``window`` steps (1 to 63): ``(p_0 - p_{-w}) / w``.

    Returns
    -------
    (N, future, 2) ndarray of float64
        :math:`p_k = p_0 + k \\, (p_0 - p_{-w}) / w`, :math:`k = 1..\\text{future}`.

    Examples
    --------
    >>> constant_velocity([[[0.0, -2.0], [0.0, -1.0], [0.0, 0.0]]], 2).tolist()
    [[[0.0, 1.0], [0.0, 2.0]]]
    """
    hist = _check_trajectories(history, "history")
    f = check_int(future, "future", min=1, max=MAX_STEPS)
    w = check_int(window, "window", min=1, max=MAX_STEPS - 1)
    if hist.shape[1] <= w:
        raise ValueError(f"history must have more than window={w} steps; got {hist.shape[1]}")
    velocity = (hist[:, -1] - hist[:, -1 - w]) / w
    steps = np.arange(1, f + 1)[None, :, None]
    return hist[:, -1][:, None] + steps * velocity[:, None]


def min_ade_fde(
    modes: Any, probabilities: Any, truth: Any, *, k: int, reduction: str = "mean"
) -> tuple[Any, Any]:
    """minADE and minFDE over the ``k`` most probable modes.

    Parameters
    ----------
    modes : (N, M, T, 2) array_like
        Predicted trajectories, M per agent.
    probabilities : (N, M) array_like
        How probable the model finds each mode (ranks them; need not sum to 1).
    truth : (N, T, 2) array_like
    k : int
        Modes considered, 1 to M (the top ``k`` by probability; ties: lower index first).
    reduction : {"mean", "none"}
        Average over agents, or one value per agent.

    Returns
    -------
    min_ade, min_fde : float, or (N,) ndarrays
        :math:`\\min_{m \\in \\text{top-}k} \\frac{1}{T} \\sum_t \\lVert \\hat s^m_t - s_t
        \\rVert` and :math:`\\min_{m \\in \\text{top-}k} \\lVert \\hat s^m_T - s_T \\rVert`
        (metres), each minimised separately, as the Waymo and Argoverse benchmarks define them.

    Notes
    -----
    With :math:`k = 1` these are the plain ADE and FDE of the most probable mode. Larger
    :math:`k` forgives a model for ranking the right mode second: the numbers measure whether
    the truth is *among* the predictions, not which one the model believed.

    References
    ----------
    Chai et al., "MultiPath", CoRL 2019, section 5 (minADE, minFDE). Used in
    chapters/22_frontiers_search.ipynb.

    Examples
    --------
    Two modes, one per side of the truth; the more probable one is 1 m off, the other 0.5 m:

    >>> truth = np.zeros((1, 2, 2))
    >>> modes = np.stack([truth + [1.0, 0.0], truth - [0.5, 0.0]], axis=1)
    >>> min_ade_fde(modes, [[0.7, 0.3]], truth, k=1), min_ade_fde(modes, [[0.7, 0.3]], truth, k=2)
    ((1.0, 1.0), (0.5, 0.5))
    """
    m = _check_trajectories(modes, "modes", ndim=4)
    p = as_array(probabilities, "probabilities", ndim=2, shape_hint="(N, M)")
    s = _check_trajectories(truth, "truth")
    if p.shape != m.shape[:2] or s.shape != (m.shape[0], *m.shape[2:]):
        raise ValueError(f"probabilities must be (N, M) = {m.shape[:2]} and truth (N, T, 2) = "
                         f"{(m.shape[0], *m.shape[2:])} for modes {m.shape}; got {p.shape} and "
                         f"{s.shape}")
    k = check_int(k, "k", min=1, max=m.shape[1])
    check_choice(reduction, "reduction", ("mean", "none"))
    top = np.argsort(-p, axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(m, top[:, :, None, None], axis=1)  # (N, k, T, 2)
    err = np.linalg.norm(chosen - s[:, None], axis=-1)             # (N, k, T)
    ade, fde = err.mean(axis=2).min(axis=1), err[:, :, -1].min(axis=1)
    if reduction == "mean":
        return float(ade.mean()), float(fde.mean())
    return ade, fde
