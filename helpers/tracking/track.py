"""A track's life cycle, shared by SORT and Deep SORT.

A track is born *tentative* from an unmatched detection, becomes *confirmed* after ``n_init``
consecutive hits, and is *deleted* when it is tentative and misses once, or when it has not been
updated for more than ``max_age`` frames. Track IDs come from the tracker instance that creates
the track (no class-level counter), so two trackers started twice give the same IDs.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Track", "TrackState"]


class TrackState(enum.Enum):
    """Where a track is in its life cycle (deep_sort's states; not bare ints)."""

    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    DELETED = "deleted"


@dataclass
class Track:
    """One tracked object: its Kalman state and its bookkeeping.

    Attributes
    ----------
    track_id : int
        Unique within the tracker that made it, from 1.
    mean : (8,) ndarray
        Kalman state ``(cx, cy, a, h, vx, vy, va, vh)``.
    cov : (8, 8) ndarray
    hits : int
        Detections matched so far (including the first).
    hit_streak : int
        Consecutive frames with a match, up to now (SORT's ``min_hits`` rule uses it).
    age : int
        Frames since birth.
    time_since_update : int
        Frames since the last match (0 right after one).
    state : TrackState
    features : list of (D,) ndarray
        Appearance features matched since the last gallery update (Deep SORT only).
    """

    track_id: int
    mean: np.ndarray
    cov: np.ndarray
    hits: int = 1
    hit_streak: int = 1
    age: int = 1
    time_since_update: int = 0
    state: TrackState = TrackState.TENTATIVE
    features: list = field(default_factory=list)

    @property
    def is_confirmed(self) -> bool:
        return self.state is TrackState.CONFIRMED

    @property
    def is_tentative(self) -> bool:
        return self.state is TrackState.TENTATIVE

    @property
    def is_deleted(self) -> bool:
        return self.state is TrackState.DELETED

    def mark_missed(self, max_age: int) -> None:
        """No detection this frame.

        A tentative track dies at once, a confirmed one after max_age.
        """
        if self.state is TrackState.TENTATIVE or self.time_since_update > max_age:
            self.state = TrackState.DELETED
