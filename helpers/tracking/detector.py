"""A simulated person detector with the faults of a real one.

Trackers never see the ground truth, only what a detector reports. :func:`simulate_detections`
turns a :class:`~helpers.tracking.scene.Scene` into per-frame detections:

* a walker is detected with probability ``p_detect`` when it is well visible, falling linearly
  to 0 as its visibility drops from 0.6 to 0.2 (pillars and other walkers cause misses);
* boxes jitter: centre noise with standard deviation ``jitter * h``, size by a log-normal factor;
* false positives (on average ``fp_rate`` per frame) with person-like shapes and low scores;
* duplicates (a second box on the same walker) with probability ``duplicate_rate``;
* confidence scores that grow with visibility; trackers keep detections above a threshold.

Each detection also records which walker caused it (``source_ids``, -1 for false positives):
used to cut labelled training crops for the appearance net, never given to a tracker.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import as_array, check_boxes, check_float, check_instance, check_int
from .scene import MAX_FRAMES, Scene, frame_offsets

__all__ = ["Detections", "simulate_detections"]


@dataclass
class Detections:
    """Detections of a whole sequence, as a frame-sorted table.

    Attributes
    ----------
    n_frames : int
    frames : (R,) ndarray of int64
    boxes : (R, 4) ndarray of float64, xyxy
    scores : (R,) ndarray of float64 in (0, 1)
    source_ids : (R,) ndarray of int64
        The walker that caused the detection; -1 for a false positive.
    """

    n_frames: int
    frames: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    source_ids: np.ndarray
    _offsets: np.ndarray = field(repr=False, default=None, init=False)

    def __post_init__(self) -> None:
        self.n_frames = check_int(self.n_frames, "n_frames", min=1, max=MAX_FRAMES)
        self.frames = as_array(self.frames, "frames", ndim=1, kinds="iu", allow_empty=True)
        self.boxes = check_boxes(self.boxes, "boxes").astype(np.float64)
        self.scores = as_array(self.scores, "scores", ndim=1, kinds="iuf",
                               allow_empty=True).astype(np.float64)
        self.source_ids = as_array(self.source_ids, "source_ids", ndim=1, kinds="iu",
                                   allow_empty=True)
        n = len(self.frames)
        if not len(self.boxes) == len(self.scores) == len(self.source_ids) == n:
            raise ValueError(f"frames, boxes, scores and source_ids must have the same length; "
                             f"got {n}, {len(self.boxes)}, {len(self.scores)}, "
                             f"{len(self.source_ids)}")
        if n and (self.frames.min() < 0 or self.frames.max() >= self.n_frames):
            raise ValueError(f"frames must be in [0, {self.n_frames - 1}]")
        if n and (self.scores.min() < 0 or self.scores.max() > 1):
            raise ValueError("scores must be confidences in [0, 1]; got values from "
                             f"{self.scores.min()} to {self.scores.max()}")
        self._offsets = frame_offsets(self.frames, self.n_frames)

    def at(self, t: int, min_score: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """``(boxes (n, 4), scores (n,))`` of frame ``t`` with score >= ``min_score`` in [0, 1]."""
        s, keep = self._rows(t, min_score)
        return self.boxes[s][keep], self.scores[s][keep]

    def sources_at(self, t: int, min_score: float = 0.0) -> np.ndarray:
        """Walker ids behind frame ``t``'s detections (same order and filter as :meth:`at`)."""
        s, keep = self._rows(t, min_score)
        return self.source_ids[s][keep]

    def _rows(self, t: int, min_score: float) -> tuple[slice, np.ndarray]:
        t = check_int(t, "t", min=0, max=self.n_frames - 1)
        min_score = check_float(min_score, "min_score", min=0, max=1)
        s = slice(self._offsets[t], self._offsets[t + 1])
        return s, self.scores[s] >= min_score


def simulate_detections(
    scene: Scene,
    *,
    seed: int = 0,
    p_detect: float = 0.9,
    jitter: float = 0.04,
    fp_rate: float = 1.0,
    duplicate_rate: float = 0.03,
) -> Detections:
    """Run the simulated detector on every frame of ``scene``.

    Parameters
    ----------
    scene : Scene
    seed : int >= 0
        The detector's own randomness (independent of the scene's).
    p_detect : float in [0, 1]
        Detection probability of a fully visible walker.
    jitter : float in [0, 1]
        Box noise, as a fraction of the box height.
    fp_rate : float in [0, 100]
        Mean number of false positives per frame (Poisson).
    duplicate_rate : float in [0, 1]
        Probability that a detected walker gets a second box.

    Returns
    -------
    Detections

    Notes
    -----
    :math:`P(\\text{detect} \\mid v) = p \\cdot \\mathrm{clip}((v - 0.2) / 0.4, 0, 1)`;
    true scores :math:`\\sim \\mathcal N(0.5 + 0.45 v, 0.1^2)`, false positives' uniform on
    [0.05, 0.6], all clipped to [0.01, 0.99].

    Examples
    --------
    >>> from helpers.tracking.scene import make_scene
    >>> scene = make_scene(0, n_frames=10)
    >>> dets = simulate_detections(scene, seed=0, fp_rate=0.0, duplicate_rate=0.0)
    >>> bool((dets.source_ids > 0).all()), len(dets.frames) <= len(scene.frames)
    (True, True)
    """
    check_instance(scene, "scene", Scene, "a Scene from make_scene()")
    seed = check_int(seed, "seed", min=0, max=2**32 - 1)
    p_detect = check_float(p_detect, "p_detect", min=0, max=1)
    jitter = check_float(jitter, "jitter", min=0, max=1)
    fp_rate = check_float(fp_rate, "fp_rate", min=0, max=100)
    duplicate_rate = check_float(duplicate_rate, "duplicate_rate", min=0, max=1)
    rng = np.random.default_rng([seed, scene.seed, 7])  # tied to the scene too
    horizon = scene.horizon

    frames, boxes, scores, sources = [], [], [], []

    def jittered(box: np.ndarray, k: float) -> np.ndarray:
        w, h = box[2] - box[0], box[3] - box[1]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        cx, cy = cx + rng.normal(0, k * jitter * h), cy + rng.normal(0, k * jitter * h)
        w, h = w * np.exp(rng.normal(0, k * jitter)), h * np.exp(rng.normal(0, k * jitter))
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])

    for t in range(scene.n_frames):
        start = len(frames)
        ids, gt_boxes, vis = scene.at(t)
        p = p_detect * np.clip((vis - 0.2) / 0.4, 0, 1)
        hit = rng.random(len(ids)) < p
        for i, box, v in zip(ids[hit], gt_boxes[hit], vis[hit], strict=True):
            score = float(np.clip(rng.normal(0.5 + 0.45 * v, 0.1), 0.01, 0.99))
            frames.append(t)
            boxes.append(jittered(box, 1.0))
            scores.append(score)
            sources.append(int(i))
            if rng.random() < duplicate_rate:
                frames.append(t)
                boxes.append(jittered(box, 3.0))
                scores.append(float(np.clip(score - rng.uniform(0.05, 0.3), 0.01, 0.99)))
                sources.append(int(i))
        for _ in range(rng.poisson(fp_rate)):
            foot_y = rng.uniform(horizon + 10, scene.height)
            h = scene.walker_height(foot_y) * rng.uniform(0.6, 1.2)
            w = h * rng.uniform(0.3, 0.6)
            cx = rng.uniform(0, scene.width)
            frames.append(t)
            boxes.append(np.array([cx - w / 2, foot_y - h, cx + w / 2, foot_y]))
            scores.append(float(rng.uniform(0.05, 0.6)))
            sources.append(-1)
        # Shuffle within the frame: a detector's output order says nothing about identity.
        order = start + rng.permutation(len(frames) - start)
        for lst in (boxes, scores, sources):
            lst[start:] = [lst[k] for k in order]

    return Detections(
        n_frames=scene.n_frames,
        frames=np.array(frames, np.int64),
        boxes=np.array(boxes, np.float64).reshape(-1, 4),
        scores=np.array(scores, np.float64),
        source_ids=np.array(sources, np.int64),
    )
