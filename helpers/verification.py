"""Verification and identification with embeddings: pair distances, ROC, FAR / FRR, one-shot.

Used in chapters/15_faces.ipynb (and by the Siamese net's training metric).

* **Verification** (1:1): are these two images the same identity? Accept the pair when the
  distance between their embeddings is at most a threshold. Two errors: a **false accept**
  (different identities accepted) and a **false reject** (same identity refused).
* **Identification** (1:N): whose image is this? Compare it with a gallery of known identities
  and answer with the nearest; with a threshold, answer "unknown" when even the nearest is far.

Conventions
-----------
* Distances are Euclidean, between embeddings given as ``(N, D)`` float arrays; a pair is
  *accepted* when ``distance <= threshold``.
* ``same`` marks the genuine pairs (same identity) with True, impostor pairs with False.
* :func:`verification_roc` returns the false accept rate (FAR, the ROC's x axis, "false
  positive rate") and the true accept rate (TAR = 1 - FRR, the y axis, "true positive rate").
  scikit-learn's ``roc_curve`` scores pairs by similarity, so it is called with
  ``-distances`` and its thresholds are the negatives of ours (tests compare the two).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validation import as_array, check_float, check_int, check_rng, describe

__all__ = [
    "load_digit_verification_split",
    "one_shot_accuracy",
    "one_shot_identify",
    "pair_distances",
    "verification_auc",
    "verification_rates",
    "verification_rates_by_identity",
    "verification_roc",
    "verification_roc_naive",
    "verification_threshold",
]

MAX_EMBEDDINGS = 5_000          # pair_distances: at most 12.5 million pairs
MAX_PAIRS = 20_000_000
MAX_DIM = 4_096
MAX_TRIALS = 1_000
MAX_NAIVE_PAIRS = 5_000         # verification_roc_naive is O(P^2)


def _check_embeddings(value: Any, name: str, max_rows: int = 1_000_000) -> np.ndarray:
    if type(value).__module__.startswith("torch"):
        raise TypeError(f"{name} must be a numpy array; got a torch tensor - pass "
                        f"{name}.detach().numpy()")
    e = as_array(value, name, ndim=2, kinds="iuf", shape_hint="(N, D)")
    if e.shape[1] > MAX_DIM or len(e) > max_rows:
        raise ValueError(f"{name} must be at most ({max_rows:,}, {MAX_DIM}); got {e.shape}")
    return e.astype(np.float64, copy=False)


def _check_labels(value: Any, name: str, n: int) -> np.ndarray:
    labels = as_array(value, name, ndim=1, kinds="biu", shape_hint="(N,)")
    if len(labels) != n:
        raise ValueError(f"{name} must have one entry per embedding ({n}); got {len(labels)}")
    return labels


def _check_pairs(distances: Any, same: Any) -> tuple[np.ndarray, np.ndarray]:
    d = as_array(distances, "distances", ndim=1, kinds="iuf", shape_hint="(P,)")
    if len(d) > MAX_PAIRS:
        raise ValueError(f"distances must hold at most {MAX_PAIRS:,} pairs; got {len(d):,}")
    s = as_array(same, "same", ndim=1, kinds="b", shape_hint="(P,)")
    if len(s) != len(d):
        raise ValueError(f"same must have one entry per distance ({len(d)}); got {len(s)}")
    if s.all() or not s.any():
        raise ValueError("same must contain both genuine (True) and impostor (False) pairs; got "
                         f"{int(s.sum())} genuine of {len(s)}")
    return d.astype(np.float64, copy=False), s


def pair_distances(embeddings: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distances and genuine / impostor flags of every unordered pair of embeddings.

    Parameters
    ----------
    embeddings : (N, D) ndarray
        N at most 5,000 (12.5 million pairs).
    labels : (N,) ndarray of int
        Identity of each embedding.

    Returns
    -------
    distances : (N (N - 1) / 2,) ndarray of float64
        Euclidean distance of each pair ``i < j``, in ``numpy.triu_indices`` order.
    same : (N (N - 1) / 2,) ndarray of bool
        True where ``labels[i] == labels[j]`` (a genuine pair).

    Examples
    --------
    >>> e = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])
    >>> d, same = pair_distances(e, np.array([0, 0, 1]))
    >>> d.tolist(), same.tolist()
    ([5.0, 1.0, 4.242640687119285], [True, False, False])
    """
    e = _check_embeddings(embeddings, "embeddings", MAX_EMBEDDINGS)
    labels = _check_labels(labels, "labels", len(e))
    if len(e) < 2:
        raise ValueError(f"embeddings must hold at least 2 rows to form a pair; got {len(e)}")
    # The strict upper triangle as a boolean mask (row-major, the order of np.triu_indices):
    # cheaper in memory than two int64 index arrays of length N (N - 1) / 2.
    upper = np.triu(np.ones((len(e), len(e)), bool), k=1)
    sq = (e * e).sum(axis=1)
    d2 = e @ e.T
    d2 *= -2.0
    d2 += sq[:, None]
    d2 += sq[None, :]
    distances = np.sqrt(np.maximum(d2[upper], 0.0))
    del d2
    return distances, (labels[:, None] == labels[None, :])[upper]


def verification_roc(distances: Any, same: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve of distance-threshold verification: FAR and TAR at every useful threshold.

    Parameters
    ----------
    distances : (P,) ndarray
        Distance of each pair.
    same : (P,) ndarray of bool
        True for genuine pairs; both kinds must occur.

    Returns
    -------
    far : (T,) ndarray of float64
        False accept rate at each threshold: accepted impostor pairs / impostor pairs.
    tar : (T,) ndarray of float64
        True accept rate: accepted genuine pairs / genuine pairs (FRR = 1 - TAR).
    thresholds : (T,) ndarray of float64
        Increasing; the first is ``-inf`` (nothing accepted, the point (0, 0)), then every
        distinct distance, the last accepting every pair (the point (1, 1)).

    Notes
    -----
    Sort the pairs by distance once; the accepted counts at each distinct distance are
    cumulative sums, :math:`O(P \\log P)`. :func:`verification_roc_naive` counts at every
    threshold instead, :math:`O(P^2)`.

    References
    ----------
    T. Fawcett, "An introduction to ROC analysis", Pattern Recognition Letters 27, 2006.
    Used in chapters/15_faces.ipynb.

    Examples
    --------
    >>> far, tar, t = verification_roc([0.1, 0.4, 0.35, 0.8], [True, False, True, False])
    >>> far.tolist(), tar.tolist()
    ([0.0, 0.0, 0.0, 0.5, 1.0], [0.0, 0.5, 1.0, 1.0, 1.0])
    """
    d, s = _check_pairs(distances, same)
    order = np.argsort(d, kind="stable")
    d, s = d[order], s[order]
    last = np.r_[d[1:] != d[:-1], True]          # last index of each run of equal distances
    tp = np.cumsum(s)[last]
    fp = np.cumsum(~s)[last]
    far = np.r_[0.0, fp / fp[-1]]
    tar = np.r_[0.0, tp / tp[-1]]
    return far, tar, np.r_[-np.inf, d[last]]


def verification_roc_naive(
    distances: Any, same: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`verification_roc` by counting at each threshold with a loop (same returns).

    Examples
    --------
    >>> far, tar, t = verification_roc_naive([0.1, 0.4, 0.35, 0.8], [True, False, True, False])
    >>> t.tolist()
    [-inf, 0.1, 0.35, 0.4, 0.8]
    """
    d, s = _check_pairs(distances, same)
    if len(d) > MAX_NAIVE_PAIRS:
        raise ValueError(f"verification_roc_naive counts at every threshold: at most "
                         f"{MAX_NAIVE_PAIRS:,} pairs; got {len(d):,} - use verification_roc")
    thresholds = [-np.inf, *sorted(set(d.tolist()))]
    far, tar = [], []
    for t in thresholds:
        accepted = d <= t                       # every pair, at every threshold
        far.append(np.sum(accepted & ~s) / np.sum(~s))
        tar.append(np.sum(accepted & s) / np.sum(s))
    return np.array(far), np.array(tar), np.array(thresholds)


def verification_auc(distances: Any, same: Any) -> float:
    """Area under the verification ROC curve.

    Parameters
    ----------
    distances : (P,) ndarray
    same : (P,) ndarray of bool

    Returns
    -------
    float in [0, 1]
        1: every genuine pair is closer than every impostor pair; 0.5: chance.

    Notes
    -----
    The trapezoid area under :func:`verification_roc`. It equals the probability that a
    random genuine pair is closer than a random impostor pair, ties counted half (the
    Mann-Whitney statistic), and scikit-learn's ``roc_auc_score(same, -distances)``.

    Examples
    --------
    >>> verification_auc([0.1, 0.4, 0.35, 0.8], [True, False, True, False])
    1.0
    >>> verification_auc([0.5, 0.5], [True, False])
    0.5
    """
    far, tar, _ = verification_roc(distances, same)
    return float(np.sum(np.diff(far) * (tar[1:] + tar[:-1]) / 2))


def verification_rates(distances: Any, same: Any, threshold: float) -> tuple[float, float]:
    """False accept and false reject rates at one threshold.

    Parameters
    ----------
    distances : (P,) ndarray
    same : (P,) ndarray of bool
    threshold : float
        Pairs with ``distance <= threshold`` are accepted.

    Returns
    -------
    far : float
        Impostor pairs accepted / impostor pairs.
    frr : float
        Genuine pairs rejected / genuine pairs.

    Examples
    --------
    >>> verification_rates([0.1, 0.4, 0.35, 0.8], [True, False, True, False], 0.5)
    (0.5, 0.0)
    """
    d, s = _check_pairs(distances, same)
    threshold = check_float(threshold, "threshold")
    accepted = d <= threshold
    return float(np.mean(accepted[~s])), float(np.mean(~accepted[s]))


def verification_rates_by_identity(
    embeddings: Any, labels: Any, threshold: float
) -> dict[int, tuple[float, float]]:
    """False accept and false reject rates of each identity at one threshold.

    Parameters
    ----------
    embeddings : (N, D) ndarray
        N at most 5,000.
    labels : (N,) ndarray of int
    threshold : float
        Pairs with ``distance <= threshold`` are accepted.

    Returns
    -------
    dict of identity -> (far, frr)
        ``far``: of the impostor pairs with this identity on one side, the share accepted (how
        often someone else passes as this identity, or this identity as someone else);
        ``frr``: of this identity's genuine pairs, the share rejected.

    Notes
    -----
    One global threshold rarely gives every group the same error rates: the overall FAR and
    FRR are averages that can hide a group with several times the others' rate.

    Examples
    --------
    Identity 2 (at 0.3) passes as identity 0 in 2 of identity 0's 6 impostor pairs, and in 2
    of its own 4; identity 1's two examples are 0.5 apart, so its only genuine pair is refused.

    >>> e = np.array([[0.0], [0.1], [1.0], [1.5], [0.3]])
    >>> rates = verification_rates_by_identity(e, np.array([0, 0, 1, 1, 2]), 0.4)
    >>> {k: (round(far, 3), frr) for k, (far, frr) in rates.items()}
    {0: (0.333, 0.0), 1: (0.0, 1.0), 2: (0.5, nan)}
    """
    e = _check_embeddings(embeddings, "embeddings", MAX_EMBEDDINGS)
    labels = _check_labels(labels, "labels", len(e))
    threshold = check_float(threshold, "threshold")
    d, same = pair_distances(e, labels)
    i, j = np.triu_indices(len(e), k=1)
    accepted = d <= threshold
    out = {}
    for k in np.unique(labels).tolist():
        involved = (labels[i] == k) | (labels[j] == k)
        genuine, impostor = involved & same, involved & ~same
        far = float(accepted[impostor].mean()) if impostor.any() else float("nan")
        frr = float((~accepted[genuine]).mean()) if genuine.any() else float("nan")
        out[int(k)] = (far, frr)
    return out


def verification_threshold(
    distances: Any, same: Any, *, max_far: float | None = None
) -> float:
    """Choose a distance threshold on validation pairs.

    Parameters
    ----------
    distances : (P,) ndarray
    same : (P,) ndarray of bool
    max_far : float, optional
        If given (in [0, 1]), the largest threshold whose false accept rate is at most this:
        the choice of a system where a false accept is costly (unlocking a phone). If not,
        the threshold with the fewest errors overall, FAR + FRR smallest (Youden's J).

    Returns
    -------
    float
        A threshold midway between two neighbouring validation distances, so that a new
        distance equal to a validation distance is not on the knife's edge.

    Examples
    --------
    >>> verification_threshold([0.1, 0.4, 0.35, 0.8], [True, False, True, False])
    0.375
    """
    d, s = _check_pairs(distances, same)
    if max_far is not None:
        max_far = check_float(max_far, "max_far", min=0, max=1)
    far, tar, t = verification_roc(d, s)
    if max_far is None:
        k = int(np.argmax(tar - far))
    else:
        k = int(np.flatnonzero(far <= max_far + 1e-12)[-1])
    if k == 0:                                   # accept nothing: just below the smallest
        return float(t[1] - 1e-6)
    upper = t[k + 1] if k + 1 < len(t) else t[k] + 1e-6
    return float((t[k] + upper) / 2)


def one_shot_identify(
    gallery: Any, gallery_labels: Any, queries: Any, *, threshold: float | None = None
) -> np.ndarray:
    """Identify each query as the identity of its nearest gallery embedding.

    Parameters
    ----------
    gallery : (G, D) ndarray
        Embeddings of the known examples (one per identity for one-shot identification).
    gallery_labels : (G,) ndarray of int
        Their identities (>= 0).
    queries : (Q, D) ndarray
    threshold : float, optional
        If given, a query whose nearest gallery embedding is farther than this is answered
        ``-1`` ("unknown": open-set identification).

    Returns
    -------
    (Q,) ndarray of int64

    Examples
    --------
    >>> one_shot_identify(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([3, 7]),
    ...                   np.array([[0.9, 0.1], [0.2, 0.0], [0.5, 5.0]]), threshold=1.0)
    array([ 7,  3, -1])
    """
    g = _check_embeddings(gallery, "gallery")
    labels = _check_labels(gallery_labels, "gallery_labels", len(g))
    if (labels < 0).any():
        raise ValueError("gallery_labels must be >= 0 (-1 means 'unknown' in the answer)")
    q = _check_embeddings(queries, "queries")
    if q.shape[1] != g.shape[1]:
        raise ValueError(f"queries must have the gallery's dimension {g.shape[1]}; got "
                         f"{q.shape[1]}")
    if len(q) * len(g) > MAX_PAIRS:
        raise ValueError(f"queries x gallery must be at most {MAX_PAIRS:,}; got "
                         f"{len(q):,} x {len(g):,}")
    d = np.sqrt(np.maximum((q * q).sum(1)[:, None] + (g * g).sum(1)[None] - 2 * q @ g.T, 0))
    nearest = d.argmin(axis=1)
    answer = labels[nearest].astype(np.int64)
    if threshold is not None:
        threshold = check_float(threshold, "threshold", min=0)
        answer[d[np.arange(len(q)), nearest] > threshold] = -1
    return answer


def one_shot_accuracy(
    pool: Any, pool_labels: Any, queries: Any, query_labels: Any, *, trials: int = 20,
    rng: Any = 0,
) -> np.ndarray:
    """One-shot identification accuracy over random galleries of one example per identity.

    Parameters
    ----------
    pool : (P, D) ndarray
        Embeddings to draw the gallery from (never the queries themselves).
    pool_labels : (P,) ndarray of int
    queries : (Q, D) ndarray
    query_labels : (Q,) ndarray of int
        Every query's identity must occur in the pool.
    trials : int
        Number of random galleries (1 to 1,000).
    rng : numpy.random.Generator or int

    Returns
    -------
    (trials,) ndarray of float64
        The share of queries identified correctly with each gallery.

    Notes
    -----
    With K identities chance is 1/K. One example is a noisy description of an identity,
    so the accuracy varies from gallery to gallery: report the mean and the spread.

    Examples
    --------
    >>> pool = np.array([[0.0], [0.1], [5.0], [5.2]]); labels = np.array([0, 0, 1, 1])
    >>> one_shot_accuracy(pool, labels, np.array([[0.05], [4.0]]), np.array([0, 1]), trials=3)
    array([1., 1., 1.])
    """
    p = _check_embeddings(pool, "pool")
    p_labels = _check_labels(pool_labels, "pool_labels", len(p))
    q = _check_embeddings(queries, "queries")
    q_labels = _check_labels(query_labels, "query_labels", len(q))
    trials = check_int(trials, "trials", min=1, max=MAX_TRIALS)
    generator = check_rng(rng)
    identities = np.unique(q_labels)
    missing = np.setdiff1d(identities, p_labels)
    if len(missing):
        raise ValueError(f"every query identity must occur in pool_labels; missing "
                         f"{missing[:6].tolist()}")
    members = [np.flatnonzero(p_labels == k) for k in identities]
    accuracy = np.empty(trials)
    for t in range(trials):
        pick = np.array([generator.choice(m) for m in members])
        answer = one_shot_identify(p[pick], identities, q)
        accuracy[t] = np.mean(answer == q_labels)
    return accuracy


class DigitVerificationSplit(NamedTuple):
    """Real digits split by identity for verification (see :func:`load_digit_verification_split`).

    Every array of images is ``(N, 28, 28)`` uint8; labels are ``(N,)`` int64 digits.
    """

    seen: tuple[int, ...]
    unseen: tuple[int, ...]
    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def load_digit_verification_split(unseen: Any = (7, 8, 9)) -> DigitVerificationSplit:
    """The course's 5,000 real digits, with some digits held out of training entirely.

    Parameters
    ----------
    unseen : tuple of int
        Digits (2 to 5 of 0-9) that training never sees.

    Returns
    -------
    DigitVerificationSplit
        ``train``: the other digits' 400 training images each. ``val``: the unseen digits'
        training images (400 each; for choosing a threshold and one-shot galleries). ``test``:
        the unseen digits' 100 test images each (for the ROC, FAR / FRR and one-shot queries).

    Notes
    -----
    Digits stand in for identities: training sees some identities, verification and
    identification are tested on identities it never saw, as a face system meets new people.

    Examples
    --------
    >>> split = load_digit_verification_split((7, 8, 9))
    >>> split.train_images.shape, split.val_images.shape, split.test_images.shape
    ((2800, 28, 28), (1200, 28, 28), (300, 28, 28))
    """
    from .data import load_mnist_subset

    if isinstance(unseen, (str, bytes)) or not hasattr(unseen, "__iter__"):
        raise TypeError(f"unseen must be a tuple of digits; got {describe(unseen)}")
    digits = tuple(check_int(d, "unseen", min=0, max=9) for d in unseen)
    if len(set(digits)) != len(digits) or not 2 <= len(digits) <= 5:
        raise ValueError(f"unseen must hold 2 to 5 different digits; got {digits}")
    seen = tuple(d for d in range(10) if d not in digits)
    x_train, y_train = load_mnist_subset("train")
    x_test, y_test = load_mnist_subset("test")
    keep = np.isin(y_train, seen)
    held = np.isin(y_test, digits)
    return DigitVerificationSplit(
        seen, tuple(sorted(digits)), x_train[keep], y_train[keep], x_train[~keep],
        y_train[~keep], x_test[held], y_test[held],
    )
