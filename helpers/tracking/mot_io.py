"""MOTChallenge text files: ground truth, detections and tracker results.

One comma-separated line per box, frames numbered from 1 (MOT16/17 layout)::

    ground truth:  frame, id, left, top, width, height, consider, class, visibility
    results:       frame, id, left, top, width, height, conf, -1, -1, -1

so that standard tools (``motmetrics.io.loadtxt``, TrackEval) can read what the course writes.
Pedestrians are class 1; ``consider`` is 1 for boxes that count in the evaluation.

Used in chapters/20_sort.ipynb.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import as_array, check_boxes, check_instance, check_path
from ..boxes import xywh_to_xyxy, xyxy_to_xywh
from .scene import Scene

__all__ = ["read_mot", "write_mot_ground_truth", "write_mot_results"]


def write_mot_ground_truth(scene: Scene, path: str | Path) -> Path:
    """Write a scene's ground truth as a MOTChallenge ``gt.txt``.

    Examples
    --------
    >>> import tempfile, os
    >>> from helpers.tracking.scene import make_scene
    >>> scene = make_scene(0, n_frames=3)
    >>> p = write_mot_ground_truth(scene, os.path.join(tempfile.mkdtemp(), "gt.txt"))
    >>> p.read_text().splitlines()[0].split(",")[:2]     # frame 1, walker 1
    ['1', '1']
    """
    check_instance(scene, "scene", Scene, "a Scene from make_scene()")
    path = check_path(path)
    tlwh = xyxy_to_xywh(scene.boxes)
    lines = [
        f"{f + 1},{i},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,1,{v:.3f}"
        for f, i, (x, y, w, h), v in zip(scene.frames, scene.ids, tlwh, scene.visibility,
                                         strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_mot_results(hypotheses: list, path: str | Path) -> Path:
    """Write a tracker's per-frame output ``(x1, y1, x2, y2, id)`` as a MOTChallenge result file.

    Parameters
    ----------
    hypotheses : list of (K, 5) array_like
        One array per frame, as the trackers return them.
    path : str or Path

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_mot_results([np.array([[10, 20, 15, 30, 3]])],
    ...                       os.path.join(tempfile.mkdtemp(), "r.txt"))
    >>> p.read_text()
    '1,3,10.00,20.00,5.00,10.00,1,-1,-1,-1\\n'
    """
    if not isinstance(hypotheses, (list, tuple)):
        raise TypeError("hypotheses must be a list with one (K, 5) array per frame; "
                        f"got {type(hypotheses).__name__}")
    path = check_path(path)
    lines = []
    for t, h in enumerate(hypotheses):
        h = as_array(h, f"hypotheses[{t}]", ndim=(1, 2), kinds="iuf", allow_empty=True)
        h = np.zeros((0, 5)) if h.size == 0 else h[None] if h.ndim == 1 else h
        if h.shape[1] != 5:
            raise ValueError(f"hypotheses[{t}] must have shape (K, 5); got {h.shape}")
        for (x, y, w, hh), tid in zip(xyxy_to_xywh(check_boxes(h[:, :4], f"hypotheses[{t}]")),
                                      h[:, 4], strict=True):
            lines.append(f"{t + 1},{int(tid)},{x:.2f},{y:.2f},{w:.2f},{hh:.2f},1,-1,-1,-1")
    path.write_text("\n".join(lines) + ("\n" if lines else ""))
    return path


def read_mot(path: str | Path) -> dict[str, np.ndarray]:
    """Read a MOTChallenge file: ``frames`` (0-based), ``ids``, ``boxes`` (xyxy), ``extra`` columns.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "r.txt")
    >>> _ = open(p, "w").write("1,3,10,20,5,10,1,-1,-1,-1\\n")
    >>> read_mot(p)["boxes"].tolist(), read_mot(p)["frames"].tolist()
    ([[10.0, 20.0, 15.0, 30.0]], [0])
    """
    path = check_path(path)
    if not path.exists():
        raise FileNotFoundError(f"path {path} does not exist")
    try:
        data = np.loadtxt(path, delimiter=",", ndmin=2)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"path {path} is not a MOTChallenge text file (comma-separated "
                         f"numbers): {str(exc)[:120]}") from None
    if data.size == 0:
        data = np.zeros((0, 10))
    if data.shape[1] < 6:
        raise ValueError(f"{path} must have at least 6 comma-separated columns "
                         f"(frame, id, left, top, width, height); got {data.shape[1]}")
    return {
        "frames": data[:, 0].astype(np.int64) - 1,
        "ids": data[:, 1].astype(np.int64),
        "boxes": xywh_to_xyxy(data[:, 2:6]),
        "extra": data[:, 6:],
    }
