"""Per-track appearance galleries and the cosine distance Deep SORT matches with.

Each confirmed track keeps the last ``budget`` appearance features of the detections it was
matched to. The appearance distance between a track and a new detection is the *smallest* cosine
distance from the detection's feature to any feature in the track's gallery, so a track
remembers how its object looked from several sides and under different light.

Used in chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._validation import as_array, check_int

__all__ = ["MAX_BUDGET", "FeatureGallery", "cosine_distance"]

#: Largest gallery (features per track) accepted.
MAX_BUDGET = 100_000


def cosine_distance(a: Any, b: Any) -> np.ndarray:
    """Pairwise cosine distance ``1 - cos(angle)`` between rows of ``a`` and ``b``.

    Parameters
    ----------
    a : (N, D) array_like
    b : (M, D) array_like

    Returns
    -------
    (N, M) ndarray of float64 in [0, 2]

    Notes
    -----
    .. math:: d(a, b) = 1 - \\frac{a^\\top b}{\\lVert a \\rVert \\, \\lVert b \\rVert}

    Rows are normalised here, so features need not be unit length. Same as
    ``scipy.spatial.distance.cdist(a, b, "cosine")`` (tests: 1e-12). A zero row raises.

    Examples
    --------
    >>> cosine_distance([[1, 0], [0, 2]], [[1, 0], [1, 1]]).round(4)
    array([[0.    , 0.2929],
           [1.    , 0.2929]])
    """
    a = as_array(a, "a", ndim=2, kinds="iuf", allow_empty=True, shape_hint="(N, D)")
    b = as_array(b, "b", ndim=2, kinds="iuf", allow_empty=True, shape_hint="(M, D)")
    if a.shape[1] != b.shape[1]:
        raise ValueError("a and b must have the same feature length D; "
                         f"got {a.shape} and {b.shape}")
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    if (na == 0).any() or (nb == 0).any():
        raise ValueError("features must not be all-zero vectors (their direction is undefined)")
    return np.clip(1.0 - (a / na[:, None]) @ (b / nb[:, None]).T, 0.0, 2.0)


def _check_ids(values: Any, name: str) -> np.ndarray:
    """Track ids as an int64 array; an empty list or set is fine."""
    if isinstance(values, (set, frozenset, range)):
        values = sorted(values)
    if isinstance(values, (list, tuple)) and len(values) == 0:
        return np.zeros(0, np.int64)
    ids = as_array(values, name, ndim=1, kinds="iu", allow_empty=True,
                   shape_hint="(K,) track ids")
    if ids.dtype.kind == "u" and len(ids) and ids.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must be track ids that fit in int64; got {ids.max()}")
    ids = ids.astype(np.int64)
    if len(ids) and ids.min() < 0:
        raise ValueError(f"{name} must be track ids >= 0; got {ids.min()}")
    return ids


class FeatureGallery:
    """The appearance memory of all tracks: track id -> its last ``budget`` features.

    Parameters
    ----------
    budget : int in [1, 100000]
        Features kept per track (Deep SORT: 100); the oldest are forgotten first.

    Examples
    --------
    >>> g = FeatureGallery(budget=2)
    >>> g.partial_fit([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], [7, 7, 7], active_targets=[7])
    >>> len(g.samples[7])                       # only the last 2 kept
    2
    >>> g.distance([[1.0, 0.0]], [7]).round(2)  # nearest of (0, 1) and (0.6, 0.8)
    array([[0.4]])
    """

    def __init__(self, budget: int = 100) -> None:
        self.budget = check_int(budget, "budget", min=1, max=MAX_BUDGET)
        self.samples: dict[int, np.ndarray] = {}

    def _feature_length(self) -> int | None:
        """D of the stored features (None while the gallery is empty)."""
        for gallery in self.samples.values():
            if len(gallery):
                return int(gallery.shape[1])
        return None

    def partial_fit(self, features: Any, targets: Any, active_targets: Iterable[int]) -> None:
        """Append features to their tracks' galleries; forget tracks not in ``active_targets``.

        Parameters
        ----------
        features : (N, D) array_like
            Finite; D must match the features already stored.
        targets : (N,) array_like of int >= 0
            The track id of each feature.
        active_targets : sequence of int >= 0
            The tracks to remember (Deep SORT: the confirmed ones); the others are forgotten.
            Ids are labels, not sizes: any non-negative integer is fine.
        """
        f = as_array(features, "features", ndim=2, kinds="iuf", allow_empty=True,
                     shape_hint="(N, D)")
        tg = _check_ids(targets, "targets")
        if len(f) != len(tg):
            raise ValueError("features and targets must have the same length; "
                             f"got {len(f)} and {len(tg)}")
        active_targets = _check_ids(active_targets, "active_targets")
        width = self._feature_length()
        if len(f) and width is not None and f.shape[1] != width:
            raise ValueError(f"features must have the gallery's feature length {width}; got "
                             f"shape {f.shape}")
        for target in np.unique(tg):
            new = f[tg == target]
            old = self.samples.get(int(target))
            stacked = new if old is None else np.concatenate([old, new])
            self.samples[int(target)] = stacked[-self.budget:]
        active = {int(t) for t in active_targets}
        self.samples = {k: v for k, v in self.samples.items() if k in active}

    def distance(self, features: Any, targets: Any) -> np.ndarray:
        """(T, M) smallest cosine distance from each of M features to each target's gallery.

        A target with an empty gallery gets distance 1 (orthogonal: no evidence either way).
        """
        f = as_array(features, "features", ndim=2, kinds="iuf", allow_empty=True,
                     shape_hint="(M, D)")
        targets = _check_ids(targets, "targets")
        width = self._feature_length()
        if len(f) and width is not None and f.shape[1] != width:
            raise ValueError(f"features must have the gallery's feature length {width}; got "
                             f"shape {f.shape}")
        out = np.ones((len(targets), len(f)))
        if len(f) == 0:
            return out
        for i, target in enumerate(targets):
            gallery = self.samples.get(int(target))
            if gallery is not None and len(gallery):
                out[i] = cosine_distance(gallery, f).min(axis=0)
        return out
