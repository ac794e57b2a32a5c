"""Explorers for chapters/13_detection.ipynb: the NMS playground and the YOLO grid view."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from .._validation import as_array, check_boxes, check_image, check_int
from ..ops import batched_nms, nms
from ..shapes import SHAPE_CLASSES, make_raw_detections
from ..yolo import yolo_decode, yolo_encode
from ._base import Explorer, register_bench
from ._draw import box_segments

__all__ = ["NMSExplorer", "YoloGridExplorer", "nms_explorer", "yolo_grid_explorer"]

_STYLE = {"description_width": "initial"}
_MAX_LABELS = 4  # score labels on the best kept boxes: text is the slowest thing to draw


class NMSExplorer(Explorer):
    """Raw detections, a score threshold and NMS's IoU threshold: kept vs suppressed boxes."""

    figsize = (8.0, 4.2)

    def __init__(self, image: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                 classes: np.ndarray, *, class_names: tuple[str, ...],
                 truth: np.ndarray | None) -> None:
        self.picture = check_image(image, "image")
        self.boxes = check_boxes(boxes)
        self.scores = as_array(scores, "scores", ndim=1)
        self.classes = as_array(classes, "classes", ndim=1, kinds="iu")
        if not len(self.boxes) == len(self.scores) == len(self.classes):
            raise ValueError(
                f"boxes, scores and classes must have the same length; got {len(self.boxes)}, "
                f"{len(self.scores)} and {len(self.classes)}"
            )
        self.class_names = tuple(class_names)
        self.truth = check_boxes(truth if truth is not None else np.zeros((0, 4)), "truth")
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "score_threshold": W.FloatSlider(value=0.1, min=0, max=1, step=0.01,
                                             description="score >", style=_STYLE),
            "iou_threshold": W.FloatSlider(value=0.5, min=0, max=1, step=0.05,
                                           description="suppress IoU >", style=_STYLE),
            "per_class": W.Checkbox(value=True, description="one NMS per class"),
        }
        ax, sc = self.figure.subplots(1, 2, width_ratios=[1.4, 1])
        h, w = self.picture.shape[:2]
        ax.imshow(self.picture, extent=(0, w, h, 0))
        ax.set_xlim(-2, w + 2)
        ax.set_ylim(h + 2, -2)
        ax.set_axis_off()
        ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=1, ls=":"))
        self._supp = ax.add_collection(LineCollection([], colors="red", lw=0.8, ls="--"))
        self._kept = ax.add_collection(LineCollection([], colors="lime", lw=2))
        self._labels = [ax.text(0, 0, "", fontsize=7, color="k", va="bottom",
                                bbox={"fc": "lime", "ec": "none", "pad": 0.5}, visible=False)
                        for _ in range(_MAX_LABELS)]
        self._title = ax.set_title("")
        order = np.argsort(-self.scores, kind="stable")
        sc.plot(np.arange(1, len(order) + 1), self.scores[order], color="0.6", lw=1)
        sc.set_xscale("log")
        sc.set_xlabel("box rank by score")
        sc.set_ylabel("score")
        sc.set_ylim(0, 1.02)
        sc.set_title("raw boxes, best first")
        self._rank = {int(i): k + 1 for k, i in enumerate(order)}
        self._kept_pts = sc.scatter([], [], s=18, c="lime", ec="k", lw=0.5, zorder=3)
        self._supp_pts = sc.scatter([], [], s=10, c="red", marker="x", lw=0.8, zorder=3)
        self._score_line = sc.axhline(0.1, color="tab:blue", lw=1)
        self.dynamic = [self._supp, self._kept, *self._labels, self._title, self._kept_pts,
                        self._supp_pts, self._score_line]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        candidates = np.flatnonzero(self.scores > v["score_threshold"])
        b, s, c = self.boxes[candidates], self.scores[candidates], self.classes[candidates]
        if v["per_class"]:
            keep = batched_nms(b, s, c, v["iou_threshold"])
        else:
            keep = nms(b, s, v["iou_threshold"])
        kept = candidates[keep]
        suppressed = np.setdiff1d(candidates, kept)
        return {"candidates": candidates, "kept": kept, "suppressed": suppressed}

    def draw(self, r: dict[str, Any]) -> str:
        kept, supp = r["kept"], r["suppressed"]
        self._kept.set_segments(box_segments(self.boxes[kept]))
        self._supp.set_segments(box_segments(self.boxes[supp]))
        for k, label in enumerate(self._labels):
            label.set_visible(k < len(kept))
            if k < len(kept):
                i = kept[k]
                label.set_position((self.boxes[i, 0], self.boxes[i, 1]))
                label.set_text(f"{self.class_names[self.classes[i]][:4]} {self.scores[i]:.2f}")
        pts = lambda idx: np.c_[[self._rank[int(i)] for i in idx], self.scores[idx]].reshape(-1, 2)  # noqa: E731
        self._kept_pts.set_offsets(pts(kept))
        self._supp_pts.set_offsets(pts(supp))
        self._score_line.set_ydata([self.values()["score_threshold"]] * 2)
        self._title.set_text(f"kept {len(kept)} (green), suppressed {len(supp)} (red)")
        return (f"{len(self.boxes)} raw boxes; {len(r['candidates'])} score above "
                f"{self.values()['score_threshold']:.2f}; NMS keeps {len(kept)} and suppresses "
                f"{len(supp)}. Dotted white: the true boxes ({len(self.truth)}).")


class YoloGridExplorer(Explorer):
    """The S x S grid of a YOLO output: pick a cell, see what it predicts and what it owns."""

    figsize = (8.0, 3.8)

    def __init__(self, image: np.ndarray, grid: np.ndarray, *, class_names: tuple[str, ...],
                 truth_boxes: np.ndarray | None, truth_labels: np.ndarray | None) -> None:
        self.picture = check_image(image, "image")
        self.grid = as_array(grid, "grid", ndim=3, shape_hint="(S, S, 5 + C)")
        self.size = self.picture.shape[0]
        if self.picture.shape[1] != self.size or self.grid.shape[0] != self.grid.shape[1]:
            raise ValueError(f"image and grid must be square; got {self.picture.shape} and "
                             f"{self.grid.shape}")
        self.class_names = tuple(class_names)
        if self.grid.shape[2] != 5 + len(self.class_names):
            raise ValueError(f"grid must have 5 + {len(self.class_names)} channels for "
                             f"{len(self.class_names)} classes; got shape {self.grid.shape}")
        self.truth = check_boxes(truth_boxes if truth_boxes is not None else np.zeros((0, 4)),
                                  "truth_boxes")
        self.truth_labels = (np.zeros(0, int) if truth_labels is None else
                             as_array(truth_labels, "truth_labels", ndim=1, kinds="iu",
                                      allow_empty=True))
        self.boxes, self.scores, self.classes = yolo_decode(self.grid, image_size=self.size)
        super().__init__()

    def _build(self) -> None:
        s = self.grid.shape[0]
        best = np.unravel_index(int(self.grid[..., 0].argmax()), (s, s))
        self.controls = {
            "row": W.IntSlider(value=int(best[0]), min=0, max=s - 1, description="cell row i"),
            "col": W.IntSlider(value=int(best[1]), min=0, max=s - 1, description="cell column j"),
        }
        ax, heat = self.figure.subplots(1, 2)
        n, cell = self.size, self.size / s
        ax.imshow(self.picture, extent=(0, n, n, 0))
        ticks = np.arange(s + 1) * cell
        for t in ticks:
            ax.axhline(t, color="w", lw=0.5, alpha=0.6)
            ax.axvline(t, color="w", lw=0.5, alpha=0.6)
        ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=1, ls=":"))
        centres = (self.truth[:, :2] + self.truth[:, 2:]) / 2
        ax.plot(centres[:, 0], centres[:, 1], "w*", ms=8, mec="k")
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)
        ax.set_axis_off()
        ax.set_title("grid, true centres (*), the cell's box")
        self._cell = ax.add_patch(Rectangle((0, 0), cell, cell, fc="yellow", alpha=0.35,
                                            ec="yellow", lw=2))
        self._pred = ax.add_collection(LineCollection([], colors="yellow", lw=2))
        heat.imshow(self.grid[..., 0], cmap="magma", vmin=0, vmax=1)
        heat.set_title("objectness per cell")
        heat.set_xticks(range(s))
        heat.set_yticks(range(s))
        heat.tick_params(labelsize=6)
        self._marker = heat.add_patch(Rectangle((-0.5, -0.5), 1, 1, fc="none", ec="cyan", lw=2))
        self.dynamic = [self._cell, self._pred, self._marker]

    def compute(self) -> dict[str, Any]:
        s = self.grid.shape[0]
        i = check_int(self.controls["row"].value, "row", min=0, max=s - 1)
        j = check_int(self.controls["col"].value, "col", min=0, max=s - 1)
        k = i * s + j
        cell = self.size / s
        centres = (self.truth[:, :2] + self.truth[:, 2:]) / 2
        owns = np.flatnonzero((np.minimum(centres[:, 1] // cell, s - 1) == i)
                              & (np.minimum(centres[:, 0] // cell, s - 1) == j))
        return {"cell": (i, j), "values": self.grid[i, j], "box": self.boxes[k],
                "score": float(self.scores[k]), "class": int(self.classes[k]), "owns": owns}

    def draw(self, r: dict[str, Any]) -> str:
        i, j = r["cell"]
        cell = self.size / self.grid.shape[0]
        self._cell.set_xy((j * cell, i * cell))
        self._marker.set_xy((j - 0.5, i - 0.5))
        self._pred.set_segments(box_segments(r["box"][None]))
        v = r["values"]
        probs = ", ".join(f"{name} {p:.2f}"
                          for name, p in zip(self.class_names, v[5:], strict=True))
        if len(r["owns"]):
            names = ", ".join(self.class_names[self.truth_labels[g]] if len(self.truth_labels)
                              else f"object {g}" for g in r["owns"])
            owner = f"responsible for: {names} (its centre is in this cell)"
        else:
            owner = "no object's centre is in this cell: it should predict objectness ~0"
        return (f"cell ({i}, {j}): objectness {v[0]:.2f}, t<sub>x</sub> {v[1]:.2f}, "
                f"t<sub>y</sub> {v[2]:.2f}, w {v[3]:.2f}, h {v[4]:.2f} (of the image); "
                f"classes: {probs}; score = objectness x best class = {r['score']:.2f}.<br>{owner}")


def nms_explorer(image: np.ndarray, boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray,
                 *, class_names: tuple[str, ...], truth: np.ndarray | None = None) -> NMSExplorer:
    """The NMS playground on raw detections of ``image`` (returned, not displayed).

    ``boxes`` (N, 4) xyxy, ``scores`` (N,), ``classes`` (N,) are a detector's raw output, e.g.
    :func:`helpers.yolo.yolo_decode` of :func:`helpers.nets.detection.detector_predict`, or
    :func:`helpers.shapes.make_raw_detections`.
    """
    return NMSExplorer(image, boxes, scores, classes, class_names=class_names, truth=truth)


def yolo_grid_explorer(image: np.ndarray, grid: np.ndarray, *, class_names: tuple[str, ...],
                       truth_boxes: np.ndarray | None = None,
                       truth_labels: np.ndarray | None = None) -> YoloGridExplorer:
    """A cell picker over a YOLO output ``grid`` (S, S, 5 + C) of ``image`` (returned)."""
    return YoloGridExplorer(image, grid, class_names=class_names, truth_boxes=truth_boxes,
                            truth_labels=truth_labels)


@register_bench("nms")
def _bench_nms() -> NMSExplorer:
    image, raw, scores, classes, truth, _ = make_raw_detections(0)
    return nms_explorer(image, raw, scores, classes, class_names=SHAPE_CLASSES, truth=truth)


@register_bench("yolo_grid")
def _bench_yolo_grid() -> YoloGridExplorer:
    image, _, _, _, truth, lab = make_raw_detections(0)
    grid = yolo_encode(truth, lab, image_size=image.shape[0], grid_size=16, num_classes=3)
    return yolo_grid_explorer(image, grid, class_names=SHAPE_CLASSES, truth_boxes=truth,
                              truth_labels=lab)
