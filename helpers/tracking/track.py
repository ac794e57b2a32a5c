"""A track's life cycle, one state machine shared by SORT and Deep SORT.

A track is born *tentative* from an unmatched detection. Every frame it is predicted
(:meth:`Track.predict`), then either matched to a detection (:meth:`Track.update`) or missed
(:meth:`Track.mark_missed`). Two counters drive the states:

* ``hit_streak``: frames matched in a row since the last miss (the birth detection is not a
  match, as in SORT's reference code);
* ``time_since_update``: frames since the last match (0 right after one).

The transitions, with ``confirm_after`` and ``max_age`` set by the tracker::

    tentative --(update, hit_streak >= confirm_after)--> confirmed
    any state --(miss, time_since_update > max_age)---> deleted
    rules="deep_sort":  tentative --(miss)--> deleted     confirmed --(miss)--> confirmed
    rules="sort":       tentative --(miss)--> tentative   confirmed --(miss)--> tentative

Deep SORT puts new tracks on probation (one miss and they are gone) and then keeps them
confirmed through occlusions; SORT forgives a new track's miss but asks every track to earn its
confirmation again after a miss (it reports a track only while it has been matched ``min_hits``
frames in a row). Track IDs come from the tracker instance that creates the track (no
class-level counter), so two trackers started twice give the same IDs.

:func:`predict_tracks` and :func:`update_tracks` do the same as the methods for a list of
tracks, with one batched Kalman step (what the trackers call every frame).

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import as_array, check_choice, check_instance, check_int

__all__ = [
    "LIFE_CYCLE_RULES",
    "MAX_TRACK_FRAMES",
    "Track",
    "TrackState",
    "life_cycle_states",
    "predict_tracks",
    "update_tracks",
]

#: The two life-cycle rule sets :class:`Track` knows.
LIFE_CYCLE_RULES = ("sort", "deep_sort")
#: Largest ``confirm_after`` / ``max_age`` accepted (frames).
MAX_TRACK_FRAMES = 100_000


class TrackState(enum.Enum):
    """Where a track is in its life cycle (deep_sort's states; not bare ints)."""

    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    DELETED = "deleted"


def _check_filter(kalman: Any) -> Any:
    from .kalman import KalmanBoxFilter, SortKalmanFilter

    return check_instance(kalman, "kalman", (KalmanBoxFilter, SortKalmanFilter),
                          "a KalmanBoxFilter or a SortKalmanFilter")


@dataclass
class Track:
    """One tracked object: its Kalman state, its counters and its place in the life cycle.

    Parameters
    ----------
    track_id : int >= 1
        Unique within the tracker that made it.
    mean : (dim,) ndarray
        Kalman state (8 numbers for :class:`~helpers.tracking.kalman.KalmanBoxFilter`, 7 for
        :class:`~helpers.tracking.kalman.SortKalmanFilter`).
    cov : (dim, dim) ndarray
    confirm_after : int >= 0
        Matches in a row that confirm a tentative track (SORT: ``min_hits``; Deep SORT:
        ``n_init - 1``, at least 1). 0 confirms a track at birth.
    max_age : int >= 0
        Frames a track may go unmatched before it is deleted.
    rules : {"sort", "deep_sort"}
        What a miss does (see the module docstring).
    feature : (D,) ndarray, optional
        Appearance of the birth detection (Deep SORT), the first entry of ``features``.

    Attributes
    ----------
    hits : int
        Detections absorbed, the birth one included.
    hit_streak : int
        Matches in a row since the last miss (the birth is not a match).
    age : int
        Frames since birth (1 in the birth frame).
    time_since_update : int
        Frames since the last match (0 right after one).
    state : TrackState
    features : list of (D,) ndarray
        Appearance features matched since the tracker last moved them to its gallery.

    Examples
    --------
    >>> from helpers.tracking.kalman import KalmanBoxFilter
    >>> kf = KalmanBoxFilter()
    >>> t = Track(1, *kf.initiate([50, 50, 0.5, 40]), confirm_after=2, max_age=1, rules="sort")
    >>> for matched in (True, True, False, False):
    ...     t.predict(kf)
    ...     t.update(kf, [50, 50, 0.5, 40]) if matched else t.mark_missed()
    ...     print(t.state.value, t.hit_streak, t.time_since_update)
    tentative 1 0
    confirmed 2 0
    tentative 0 1
    deleted 0 2
    """

    track_id: int
    mean: np.ndarray
    cov: np.ndarray
    confirm_after: int = 2
    max_age: int = 30
    rules: str = "deep_sort"
    feature: Any = None
    hits: int = field(default=1, init=False)
    hit_streak: int = field(default=0, init=False)
    age: int = field(default=1, init=False)
    time_since_update: int = field(default=0, init=False)
    state: TrackState = field(default=TrackState.TENTATIVE, init=False)
    features: list = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.track_id = check_int(self.track_id, "track_id", min=1)
        self.mean = as_array(self.mean, "mean", ndim=1, kinds="iuf").astype(np.float64)
        self.cov = as_array(self.cov, "cov", ndim=2, kinds="iuf").astype(np.float64)
        if self.cov.shape != (len(self.mean),) * 2:
            raise ValueError(f"cov must be ({len(self.mean)}, {len(self.mean)}) to match mean; "
                             f"got {self.cov.shape}")
        self.confirm_after = check_int(self.confirm_after, "confirm_after", min=0,
                                       max=MAX_TRACK_FRAMES)
        self.max_age = check_int(self.max_age, "max_age", min=0, max=MAX_TRACK_FRAMES)
        self.rules = check_choice(self.rules, "rules", LIFE_CYCLE_RULES)
        if self.feature is not None:
            self.features.append(as_array(self.feature, "feature", ndim=1, kinds="iuf"))
        self.feature = None
        self._check_confirmation()

    # -- states ----------------------------------------------------------------------------
    @property
    def is_confirmed(self) -> bool:
        return self.state is TrackState.CONFIRMED

    @property
    def is_tentative(self) -> bool:
        return self.state is TrackState.TENTATIVE

    @property
    def is_deleted(self) -> bool:
        return self.state is TrackState.DELETED

    def _check_confirmation(self) -> None:
        if self.state is TrackState.TENTATIVE and self.hit_streak >= self.confirm_after:
            self.state = TrackState.CONFIRMED

    # -- events ----------------------------------------------------------------------------
    def predict(self, kalman: Any) -> None:
        """A new frame: move the state one frame ahead and count the frame."""
        self.mean, self.cov = _check_filter(kalman).predict(self.mean, self.cov)
        self._count_frame()

    def _count_frame(self) -> None:
        self.age += 1
        self.time_since_update += 1

    def update(self, kalman: Any, measurement: Any, feature: Any = None) -> None:
        """Matched to a detection (its measurement in the filter's format): correct and count."""
        if feature is not None:
            feature = as_array(feature, "feature", ndim=1, kinds="iuf", shape_hint="(D,)")
        self.mean, self.cov = _check_filter(kalman).update(self.mean, self.cov, measurement)
        self._count_hit(feature)

    def _count_hit(self, feature: Any = None) -> None:
        self.hits += 1
        self.hit_streak += 1
        self.time_since_update = 0
        if feature is not None:
            self.features.append(feature)
        self._check_confirmation()

    def mark_missed(self) -> None:
        """Not matched in this frame: the streak ends; delete or demote by the rules."""
        self.hit_streak = 0
        if self.rules == "deep_sort" and self.state is TrackState.TENTATIVE:
            self.state = TrackState.DELETED  # on probation: one miss and it is gone
        elif self.time_since_update > self.max_age:
            self.state = TrackState.DELETED
        elif self.rules == "sort":
            self.state = TrackState.TENTATIVE  # SORT: earn the confirmation again


def _check_tracks(tracks: Any) -> list[Track]:
    if not isinstance(tracks, Sequence) or isinstance(tracks, (str, bytes)):
        raise TypeError(f"tracks must be a list of Track; got {type(tracks).__name__}")
    if not all(isinstance(t, Track) for t in tracks):
        for i, t in enumerate(tracks):
            check_instance(t, f"tracks[{i}]", Track)
    return list(tracks)


def predict_tracks(kalman: Any, tracks: Sequence[Track]) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`Track.predict` for every track, in one batched Kalman step.

    Returns the stacked predicted ``means`` (N, dim) and ``covs`` (N, dim, dim) for the
    association step (empty arrays for no tracks).

    Examples
    --------
    >>> from helpers.tracking.kalman import SortKalmanFilter
    >>> kf = SortKalmanFilter()
    >>> tracks = [Track(i + 1, *kf.initiate([10.0 * i, 0, 100, 1])) for i in range(3)]
    >>> means, covs = predict_tracks(kf, tracks)
    >>> means.shape, covs.shape, tracks[0].time_since_update
    ((3, 7), (3, 7, 7), 1)
    """
    kalman = _check_filter(kalman)
    tracks = _check_tracks(tracks)
    if not tracks:
        return np.zeros((0, kalman.dim)), np.zeros((0, kalman.dim, kalman.dim))
    means, covs = kalman.predict(np.stack([t.mean for t in tracks]),
                                 np.stack([t.cov for t in tracks]))
    for t, m, c in zip(tracks, means, covs, strict=True):
        t.mean, t.cov = m, c
        t._count_frame()
    return means, covs


def update_tracks(
    kalman: Any, tracks: Sequence[Track], measurements: Any, features: Any = None
) -> None:
    """:meth:`Track.update` for every track with its measurement, in one batched Kalman step.

    Parameters
    ----------
    kalman : KalmanBoxFilter or SortKalmanFilter
    tracks : list of N Track
    measurements : (N, 4) array_like
        In the filter's measurement format, one per track.
    features : (N, D) array_like, optional
        The matched detections' appearance features (Deep SORT).
    """
    kalman = _check_filter(kalman)
    tracks = _check_tracks(tracks)
    if not tracks:
        return
    z = as_array(measurements, "measurements", ndim=2, kinds="iuf", shape_hint="(N, 4)")
    if z.shape != (len(tracks), 4):
        raise ValueError(f"measurements must have shape ({len(tracks)}, 4), one per track; "
                         f"got {z.shape}")
    if features is not None:
        features = as_array(features, "features", ndim=2, kinds="iuf", shape_hint="(N, D)")
        if len(features) != len(tracks):
            raise ValueError(f"features must have one row per track ({len(tracks)}); "
                             f"got shape {features.shape}")
    means, covs = kalman.update(np.stack([t.mean for t in tracks]),
                                np.stack([t.cov for t in tracks]), z)
    for k, (t, m, c) in enumerate(zip(tracks, means, covs, strict=True)):
        t.mean, t.cov = m, c
        t._count_hit(None if features is None else features[k])


def life_cycle_states(
    matched: Any, *, rules: str = "sort", confirm_after: int = 3, max_age: int = 1
) -> list[str]:
    """The states a track goes through, frame by frame, for a given pattern of matches.

    Parameters
    ----------
    matched : sequence of bool, at most 100,000
        Whether the track is matched in each frame after the one it was born in.
    rules : {"sort", "deep_sort"}
    confirm_after : int >= 0
        Matches in a row that confirm it (SORT's ``min_hits``; Deep SORT's ``n_init - 1``).
    max_age : int >= 0

    Returns
    -------
    list of str
        ``"tentative"``, ``"confirmed"`` or ``"deleted"`` per frame, the birth frame first
        (so one more entry than ``matched``); frames after the deletion say ``"deleted"``.

    Examples
    --------
    >>> life_cycle_states([True, True, True, False, False], rules="sort", confirm_after=3)
    ['tentative', 'tentative', 'tentative', 'confirmed', 'tentative', 'deleted']
    >>> life_cycle_states([True, False], rules="deep_sort", confirm_after=2, max_age=30)
    ['tentative', 'tentative', 'deleted']
    """
    from .kalman import KalmanBoxFilter

    if isinstance(matched, (str, bytes)):
        raise TypeError(f"matched must be a sequence of bools; got {matched!r}")
    if not isinstance(matched, np.ndarray):
        matched = list(matched) if isinstance(matched, (list, tuple, range)) else matched
        if isinstance(matched, list) and not matched:
            matched = np.zeros(0, bool)
    flags = as_array(matched, "matched", ndim=1, kinds="b", allow_empty=True,
                     shape_hint="(T,) bool")
    if len(flags) > MAX_TRACK_FRAMES:
        raise ValueError(f"matched must cover at most {MAX_TRACK_FRAMES} frames; got {len(flags)}")
    kf = KalmanBoxFilter()
    z = np.array([50.0, 50.0, 0.5, 40.0])
    track = Track(1, *kf.initiate(z), confirm_after=confirm_after, max_age=max_age, rules=rules)
    states = [track.state.value]
    for hit in flags:
        if track.is_deleted:
            states.append(TrackState.DELETED.value)
            continue
        track.predict(kf)
        if hit:
            track.update(kf, z)
        else:
            track.mark_missed()
        states.append(track.state.value)
    return states
