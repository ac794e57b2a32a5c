"""Explorers for chapters/15_faces.ipynb: verification errors against the training margin and the
distance threshold, and OpenCV's cascade against its scale factor and minimum neighbours.

Both precompute what the controls cannot change (pair distances per trained margin; candidate
windows per scale factor) so that a slider move only counts, groups and redraws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection

from .. import faces, verification
from .._validation import as_array, check_float, check_image, check_int, describe
from ..data import load_photo
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = ["CascadeExplorer", "VerificationExplorer", "cascade_explorer",
           "verification_explorer"]

_STYLE = {"description_width": "initial"}
_BINS = np.linspace(0.0, 2.0, 61)


def _box_segments(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) xyxy -> (N, 5, 2) closed outlines for one LineCollection."""
    b = np.asarray(boxes, float).reshape(-1, 4)
    x1, y1, x2, y2 = b.T
    return np.stack([np.stack([x1, y1], 1), np.stack([x2, y1], 1), np.stack([x2, y2], 1),
                     np.stack([x1, y2], 1), np.stack([x1, y1], 1)], axis=1)


class VerificationExplorer(Explorer):
    """Margin used in training and distance threshold -> FAR, FRR and the point on the ROC."""

    figsize = (9.6, 3.6)

    def __init__(self, margins: Sequence[float], distances: Sequence[Any], same: Any,
                 thresholds: Sequence[float] | None = None, threshold: float = 0.8) -> None:
        if isinstance(margins, (str, bytes)) or not hasattr(margins, "__len__"):
            raise TypeError(f"margins must be a sequence of numbers; got {describe(margins)}")
        if not 1 <= len(margins) <= 12:
            raise ValueError(f"margins must hold 1 to 12 trained margins; got {len(margins)}")
        self.margins = [check_float(m, f"margins[{i}]", min=0, max=10)
                        for i, m in enumerate(margins)]
        if isinstance(distances, np.ndarray) and distances.ndim == 1:
            distances = [distances]
        if not isinstance(distances, (list, tuple, np.ndarray)) or len(distances) != len(margins):
            raise ValueError(f"distances must hold one (P,) array per margin ({len(margins)}); "
                             f"got {describe(distances)}")
        self.same = as_array(same, "same", ndim=1, kinds="b")
        self.curves = []
        for i, d in enumerate(distances):
            d = as_array(d, f"distances[{i}]", ndim=1)
            far, tar, _ = verification.verification_roc(d, self.same)
            step = max(1, len(far) // 400)          # a few hundred points draw as the same curve
            self.curves.append({
                "genuine": np.sort(d[self.same]), "impostor": np.sort(d[~self.same]),
                "hist_genuine": np.histogram(np.clip(d[self.same], 0, 2), _BINS, density=True)[0],
                "hist_impostor": np.histogram(np.clip(d[~self.same], 0, 2), _BINS,
                                              density=True)[0],
                "far": np.r_[far[::step], far[-1]], "tar": np.r_[tar[::step], tar[-1]],
                "auc": verification.verification_auc(d, self.same),
            })
        if thresholds is not None and len(thresholds) != len(margins):
            raise ValueError(f"thresholds must hold one chosen threshold per margin "
                             f"({len(margins)}); got {len(thresholds)}")
        self.chosen = (None if thresholds is None else
                       [check_float(t, f"thresholds[{i}]") for i, t in enumerate(thresholds)])
        self._t0 = check_float(threshold, "threshold", min=0, max=2)
        super().__init__()

    def _build(self) -> None:
        options = [(f"{m:g}", i) for i, m in enumerate(self.margins)]
        start = min(range(len(self.margins)), key=lambda i: abs(self.margins[i] - 0.2))
        self.controls = {
            "margin": W.SelectionSlider(options=options, value=start,
                                        description="margin used in training", style=_STYLE),
            "threshold": W.FloatSlider(value=self._t0, min=0.0, max=2.0, step=0.01,
                                       description="distance threshold (accept if <=)",
                                       style=_STYLE, continuous_update=True,
                                       layout=W.Layout(width="420px")),
        }
        ax_h, ax_r = self.figure.subplots(1, 2, width_ratios=[1.5, 1])
        top = max(max(c["hist_genuine"].max(), c["hist_impostor"].max()) for c in self.curves)
        self._g = ax_h.stairs(np.zeros(len(_BINS) - 1), _BINS, fill=True, alpha=0.6,
                              color="tab:green", label="same identity")
        self._i = ax_h.stairs(np.zeros(len(_BINS) - 1), _BINS, fill=True, alpha=0.6,
                              color="tab:red", label="different identities")
        self._line = ax_h.axvline(self._t0, color="k", ls="--", label="threshold")
        ax_h.set_xlim(0, 2)
        ax_h.set_ylim(0, top * 1.4)           # room for the legend above the bars
        ax_h.set_xlabel("distance between embeddings (unseen digits)")
        ax_h.set_ylabel("density")
        ax_h.legend(fontsize=8, loc="upper left", ncols=3)
        self._roc, = ax_r.plot([], [], color="tab:blue")
        ax_r.plot([0, 1], [0, 1], color="0.6", ls=":")
        self._point, = ax_r.plot([], [], "o", ms=9, color="tab:orange", mec="k")
        ax_r.set_xlim(-0.02, 1.02)
        ax_r.set_ylim(-0.02, 1.02)
        ax_r.set_xlabel("false accept rate (FAR)")
        ax_r.set_ylabel("true accept rate (1 - FRR)")
        ax_r.grid(alpha=0.3)
        self._title = ax_r.set_title(" ", fontsize=10)
        self.dynamic = [self._g, self._i, self._line, self._roc, self._point, self._title]

    def compute(self) -> dict[str, Any]:
        i = self.controls["margin"].value
        t = float(self.controls["threshold"].value)
        c = self.curves[i]
        accepted_imp = int(np.searchsorted(c["impostor"], t, side="right"))
        accepted_gen = int(np.searchsorted(c["genuine"], t, side="right"))
        n_imp, n_gen = len(c["impostor"]), len(c["genuine"])
        return {"index": i, "margin": self.margins[i], "threshold": t, "auc": c["auc"],
                "far": accepted_imp / n_imp, "frr": 1 - accepted_gen / n_gen,
                "false_accepts": accepted_imp, "false_rejects": n_gen - accepted_gen,
                "impostor_pairs": n_imp, "genuine_pairs": n_gen}

    def draw(self, result: dict[str, Any]) -> str:
        c = self.curves[result["index"]]
        self._g.set_data(c["hist_genuine"])
        self._i.set_data(c["hist_impostor"])
        self._line.set_xdata([result["threshold"]] * 2)
        self._roc.set_data(c["far"], c["tar"])
        self._point.set_data([result["far"]], [1 - result["frr"]])
        self._title.set_text(f"ROC, margin {result['margin']:g}: AUC {result['auc']:.3f}")
        chosen = ""
        if self.chosen is not None:
            chosen = (f" The threshold chosen on validation pairs for this margin is "
                      f"{self.chosen[result['index']]:.2f}.")
        return (f"margin {result['margin']:g}, threshold {result['threshold']:.2f}: "
                f"<b>FAR {result['far']:.1%}</b> ({result['false_accepts']:,} of "
                f"{result['impostor_pairs']:,} different-digit pairs accepted), "
                f"<b>FRR {result['frr']:.1%}</b> ({result['false_rejects']:,} of "
                f"{result['genuine_pairs']:,} same-digit pairs rejected).{chosen}")


def verification_explorer(margins: Sequence[float], distances: Sequence[Any], same: Any, *,
                          thresholds: Sequence[float] | None = None,
                          threshold: float = 0.8) -> VerificationExplorer:
    """Verification errors live: pick a trained margin and a distance threshold.

    Parameters
    ----------
    margins : sequence of float
        The triplet margins the nets were trained with (1 to 12).
    distances : sequence of (P,) ndarray
        For each margin, the distances of the same P test pairs.
    same : (P,) ndarray of bool
        True for genuine pairs.
    thresholds : sequence of float, optional
        The threshold chosen on validation pairs for each margin (shown in the readout).
    threshold : float
        Starting threshold, in [0, 2].
    """
    return VerificationExplorer(margins, distances, same, thresholds, threshold)


class CascadeExplorer(Explorer):
    """OpenCV's cascade on a photo: scale factor and min neighbours, before and after grouping."""

    figsize = (5.2, 5.0)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, image: Any, cascade: str, scale_factors: Sequence[float],
                 min_size: int) -> None:
        self.photo = downscale(check_image(image), 256)
        if isinstance(scale_factors, np.ndarray) and scale_factors.ndim == 1:
            scale_factors = scale_factors.tolist()
        if not isinstance(scale_factors, (list, tuple)):
            raise TypeError(f"scale_factors must be a list of 1 to 8 factors; got "
                            f"{describe(scale_factors)}")
        if not 1 <= len(scale_factors) <= 8:
            raise ValueError(f"scale_factors must be a list of 1 to 8 factors; got "
                             f"{describe(scale_factors)}")
        self.scale_factors = [check_float(s, f"scale_factors[{i}]", min=1, max=4,
                                          min_inclusive=False)
                              for i, s in enumerate(scale_factors)]
        self.min_size = check_int(min_size, "min_size", min=1, max=4096)
        if min(self.photo.shape[:2]) < self.min_size:
            raise ValueError(f"image must be at least min_size = {self.min_size} pixels on each "
                             f"side (after downscaling to 256); got shape {self.photo.shape}")
        self.cascade = cascade
        self.candidates = [faces.cascade_candidates(self.photo, cascade, scale_factor=s,
                                                    min_size=self.min_size)
                           for s in self.scale_factors]
        self.windows = [int(faces.cascade_scales(self.photo.shape, cascade, scale_factor=s,
                                                 min_size=self.min_size)[1].sum())
                        for s in self.scale_factors]
        super().__init__()

    def _build(self) -> None:
        options = [(f"{s:g}", i) for i, s in enumerate(self.scale_factors)]
        start = min(range(len(options)), key=lambda i: abs(self.scale_factors[i] - 1.1))
        self.controls = {
            "scale_factor": W.SelectionSlider(options=options, value=start,
                                              description="scale factor", style=_STYLE),
            "min_neighbors": W.IntSlider(value=5, min=0, max=15, description="min neighbours",
                                         style=_STYLE),
        }
        ax = self.figure.subplots()
        ax.imshow(self.photo, cmap="gray" if self.photo.ndim == 2 else None)
        ax.set_axis_off()
        self._cand = ax.add_collection(LineCollection([], colors="cyan", lw=0.7, alpha=0.8,
                                                      label="accepted windows"))
        self._det = ax.add_collection(LineCollection([], colors="yellow", lw=2.5,
                                                     label="detections"))
        ax.legend(loc="lower right", fontsize=8)
        self._title = ax.set_title(" ", fontsize=9)
        self.dynamic = [self._cand, self._det, self._title]

    def compute(self) -> dict[str, Any]:
        i = self.controls["scale_factor"].value
        k = self.controls["min_neighbors"].value
        candidates = self.candidates[i]
        return {"scale_factor": self.scale_factors[i], "min_neighbors": k,
                "candidates": candidates, "windows": self.windows[i],
                "detections": faces.group_detections(candidates, k)}

    def draw(self, result: dict[str, Any]) -> str:
        self._cand.set_segments(_box_segments(result["candidates"]))
        self._det.set_segments(_box_segments(result["detections"]))
        n = len(result["detections"])
        self._title.set_text(f"{self.cascade}: {n} detection{'s' * (n != 1)}")
        return (f"scale factor {result['scale_factor']:g}: about {result['windows']:,} windows "
                f"examined, {len(result['candidates'])} accepted by every stage (cyan); "
                f"min neighbours {result['min_neighbors']}: {n} group{'s' * (n != 1)} with more "
                f"than {result['min_neighbors']} member{'s' * (result['min_neighbors'] != 1)} "
                "(yellow)")


def cascade_explorer(image: Any, cascade: str = "frontalface_default", *,
                     scale_factors: Sequence[float] = (1.05, 1.1, 1.2, 1.3, 1.5),
                     min_size: int = 20) -> CascadeExplorer:
    """A cascade on a photo (shown at most 256 px): scale factor and min neighbours live.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    cascade : str
        One of :func:`helpers.faces.available_cascades`.
    scale_factors : sequence of float
        The scale factors offered (each > 1); candidates are computed once per factor.
    min_size : int
        Smallest window side, in pixels of the downscaled photo.
    """
    return CascadeExplorer(image, cascade, scale_factors, min_size)  # validates every argument


@register_bench("verification")
def _bench_verification() -> VerificationExplorer:
    # Sizes as in the chapter (300 test digits: 44,850 pairs, 4 margins); synthetic distances.
    rng = np.random.default_rng(0)
    same = rng.random(44_850) < 0.33
    margins = [0.05, 0.2, 0.5, 1.0]
    distances = [np.clip(np.where(same, rng.normal(0.7, 0.25, same.size),
                                  rng.normal(1.1 + m / 4, 0.25, same.size)), 0, 2)
                 for m in margins]
    return verification_explorer(margins, distances, same)


@register_bench("cascade")
def _bench_cascade() -> CascadeExplorer:
    return cascade_explorer(load_photo("astronaut"))
