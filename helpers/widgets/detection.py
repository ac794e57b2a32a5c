"""Explorers for chapters/13_detection.ipynb: the NMS playground and the YOLO grid view."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .._validation import (
    as_array,
    check_boxes,
    check_float,
    check_image,
    check_instance,
    check_int,
)
from ..ops import batched_nms, nms
from ..shapes import SHAPE_CLASSES, make_raw_detections
from ..yolo import yolo_decode, yolo_encode
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench
from ._draw import box_segments

__all__ = ["NMSExplorer", "YoloGridExplorer", "nms_explorer", "yolo_grid_explorer"]

_STYLE = {"description_width": "initial"}
_WIDE = W.Layout(width="430px")
_MAX_LABELS = 4  # labels on the best kept boxes: text is the slowest thing to draw
_KEPT, _SUPPRESSED, _CANDIDATE = "#00e000", "#ff3030", "#ffd400"


def _class_names(class_names: Any, n_classes: int | None = None) -> tuple[str, ...]:
    check_instance(class_names, "class_names", (list, tuple), "a tuple of class names (str)")
    names = tuple(class_names)
    if not names or not all(isinstance(n, str) for n in names) or len(names) > 10_000:
        raise TypeError(f"class_names must be a non-empty tuple of str (at most 10,000); got "
                        f"{names[:3]!r}...")
    if n_classes is not None and n_classes > len(names):
        raise ValueError(f"classes go up to {n_classes - 1}, but class_names has only "
                         f"{len(names)} names")
    return names


class NMSExplorer(Explorer):
    """Raw detections, a score threshold and NMS's IoU threshold: the boxes before and after."""

    figsize = (8.4, 4.0)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, image: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                 classes: np.ndarray, *, class_names: tuple[str, ...],
                 truth: np.ndarray | None = None,
                 score_threshold: float = 0.1, iou_threshold: float = 0.5) -> None:
        # The picture is shown downscaled; boxes stay in the image's own pixels (imshow's
        # extent maps one to the other), so every number in the readout is the image's.
        self.full_shape = check_image(image, "image").shape[:2]
        self.picture = downscale(image, 320)
        self.boxes = check_boxes(boxes)
        self.scores = as_array(scores, "scores", ndim=1)
        self.classes = as_array(classes, "classes", ndim=1, kinds="iu")
        if not len(self.boxes) == len(self.scores) == len(self.classes):
            raise ValueError(
                f"boxes, scores and classes must have the same length; got {len(self.boxes)}, "
                f"{len(self.scores)} and {len(self.classes)}"
            )
        if len(self.boxes) > 100_000:
            raise ValueError(f"boxes: at most 100,000 raw boxes; got {len(self.boxes)}")
        self.class_names = _class_names(class_names, int(self.classes.max()) + 1
                                        if len(self.classes) else None)
        self.truth = check_boxes(truth if truth is not None else np.zeros((0, 4)), "truth")
        self._start = (check_float(score_threshold, "score_threshold", min=0.01, max=1.0),
                       check_float(iou_threshold, "iou_threshold", min=0.0, max=1.0))
        super().__init__()

    def _build(self) -> None:
        st, it = self._start
        self.controls = {
            "score_threshold": W.FloatSlider(
                value=st, min=0.01, max=1.0, step=0.01, style=_STYLE, layout=_WIDE,
                description="score threshold (keep boxes scoring above)"),
            "iou_threshold": W.FloatSlider(
                value=it, min=0.0, max=1.0, step=0.05, style=_STYLE, layout=_WIDE,
                description="NMS IoU threshold (suppress overlaps above)"),
            "per_class": W.Checkbox(
                value=True, indent=False, layout=W.Layout(width="auto"),
                description="one NMS per class (boxes of different classes never suppress "
                            "each other)"),
        }
        before, after = self.figure.subplots(1, 2)
        h, w = self.full_shape
        # The titles state the two thresholds, so the picture says what it shows (and every
        # slider move shows in it, even where the boxes stay the same).
        self._titles = []
        for ax in (before, after):
            ax.imshow(self.picture, extent=(0, w, h, 0))
            ax.set_xlim(0, w)
            ax.set_ylim(h, 0)
            ax.set_axis_off()
            ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=1.5,
                                             ls=":"))
            self._titles.append(ax.set_title("", fontsize=10))
        self._cand = before.add_collection(LineCollection([], colors=_CANDIDATE, lw=1.2))
        self._supp = after.add_collection(LineCollection([], colors=_SUPPRESSED, lw=1, ls="--"))
        self._kept = after.add_collection(LineCollection([], colors=_KEPT, lw=2.5))
        self._labels = [after.text(0, 0, "", fontsize=10, color="k", va="bottom",
                                   bbox={"fc": _KEPT, "ec": "none", "pad": 1}, visible=False)
                        for _ in range(_MAX_LABELS)]
        handles = [Line2D([], [], color=_CANDIDATE, lw=1.5, label="above the score threshold"),
                   Line2D([], [], color=_KEPT, lw=2.5, label="kept by NMS"),
                   Line2D([], [], color=_SUPPRESSED, lw=1, ls="--", label="suppressed by NMS")]
        if len(self.truth):
            handles.append(Line2D([], [], color="0.3", lw=1.5, ls=":", label="true box"))
        self.figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=10,
                           frameon=False)
        self.figure.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))
        self.dynamic = [self._cand, self._supp, self._kept, *self._labels, *self._titles]

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
        cand, kept, supp = r["candidates"], r["kept"], r["suppressed"]
        self._cand.set_segments(box_segments(self.boxes[cand]))
        self._kept.set_segments(box_segments(self.boxes[kept]))
        self._supp.set_segments(box_segments(self.boxes[supp]))
        # The best box's label takes its place first; a later label that would cover an earlier
        # one moves down a line (labels are inside the box when it touches the image's top).
        h, w = self.full_shape
        placed: list[tuple[float, float]] = []
        for k, label in enumerate(self._labels):
            label.set_visible(k < len(kept))
            if k >= len(kept):
                continue
            i = kept[k]
            x, y = self.boxes[i, 0], self.boxes[i, 1]
            inside = y < 0.08 * h
            while any(abs(px - x) < 0.3 * w and abs(py - y) < 0.06 * h for px, py in placed):
                y, inside = y + 0.07 * h, True
            placed.append((x, y))
            label.set_position((x, y))
            label.set_verticalalignment("top" if inside else "bottom")
            label.set_text(f"{self.class_names[self.classes[i]]} {self.scores[i]:.2f}")
        v = self.values()
        self._titles[0].set_text(f"before NMS: the boxes scoring above {v['score_threshold']:.2f}")
        self._titles[1].set_text(f"after NMS: overlaps above IoU {v['iou_threshold']:.2f} "
                                 "suppressed")
        names = ", ".join(f"{self.class_names[self.classes[i]]} {self.scores[i]:.2f}"
                          for i in kept[:8]) + ("" if len(kept) <= 8 else ", ...")
        how = "one per class" if v["per_class"] else "all classes together"
        return (f"{len(self.boxes)} raw boxes; <b>{len(cand)}</b> score above "
                f"{v['score_threshold']:.2f} (left); NMS ({how}; IoU &gt; "
                f"{v['iou_threshold']:.2f} suppresses) keeps <b>{len(kept)}</b> and suppresses "
                f"{len(supp)} (right): {names or 'none'}")


def _spotlight_bands(x: float, y: float, size: float, n: float) -> list[tuple[float, ...]]:
    # Four rectangles (x, y, w, h) covering everything but the square cell at (x, y).
    return [(0, 0, n, y), (0, y + size, n, n - y - size), (0, y, x, size),
            (x + size, y, n - x - size, size)]


class YoloGridExplorer(Explorer):
    """The S x S grid of a YOLO output: pick a cell, see what it predicts and what it owns."""

    figsize = (8.4, 4.0)

    def __init__(self, image: np.ndarray, grid: np.ndarray, *, class_names: tuple[str, ...],
                 truth_boxes: np.ndarray | None = None,
                 truth_labels: np.ndarray | None = None) -> None:
        self.picture = check_image(image, "image")
        self.grid = as_array(grid, "grid", ndim=3, shape_hint="(S, S, 5 + C)")
        self.size = self.picture.shape[0]
        if self.picture.shape[1] != self.size or self.grid.shape[0] != self.grid.shape[1]:
            raise ValueError(f"image and grid must be square; got {self.picture.shape} and "
                             f"{self.grid.shape}")
        if self.grid.shape[0] > 64 or self.size > 1024:
            raise ValueError(f"grid: at most 64 x 64 cells on an image of at most 1024 pixels; "
                             f"got {self.grid.shape[0]} cells, {self.size} pixels")
        self.class_names = _class_names(class_names)
        if self.grid.shape[2] != 5 + len(self.class_names):
            raise ValueError(f"grid must have 5 + {len(self.class_names)} channels for "
                             f"{len(self.class_names)} classes; got shape {self.grid.shape}")
        self.truth = check_boxes(truth_boxes if truth_boxes is not None else np.zeros((0, 4)),
                                 "truth_boxes")
        self.truth_labels = (np.zeros(0, int) if truth_labels is None else
                             as_array(truth_labels, "truth_labels", ndim=1, kinds="iu",
                                      allow_empty=True))
        if len(self.truth_labels) and (len(self.truth_labels) != len(self.truth)
                                       or self.truth_labels.max() >= len(self.class_names)):
            raise ValueError("truth_labels must give one class index (< len(class_names)) per "
                             f"box of truth_boxes ({len(self.truth)}); got "
                             f"{self.truth_labels.tolist()}")
        self.boxes, self.scores, self.classes = yolo_decode(self.grid, image_size=self.size)
        super().__init__()

    def _build(self) -> None:
        s = self.grid.shape[0]
        best = np.unravel_index(int(self.grid[..., 0].argmax()), (s, s))
        self.controls = {
            "row": W.IntSlider(value=int(best[0]), min=0, max=s - 1, style=_STYLE,
                               description="cell row i (down, y)"),
            "col": W.IntSlider(value=int(best[1]), min=0, max=s - 1, style=_STYLE,
                               description="cell column j (across, x)"),
        }
        ax, heat = self.figure.subplots(1, 2)
        n, cell = self.size, self.size / s
        ax.imshow(self.picture, extent=(0, n, n, 0))
        lines = [[(t, 0), (t, n)] for t in np.arange(1, s) * cell]
        lines += [[(0, t), (n, t)] for t in np.arange(1, s) * cell]
        ax.add_collection(LineCollection(lines, colors="w", lw=0.6, alpha=0.7))
        ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=1.5, ls=":"))
        # The chosen cell is lit by darkening every other cell: readable on any object colour.
        self._shade = [ax.add_patch(Rectangle((0, 0), 0, 0, fc="k", alpha=0.55, ec="none"))
                       for _ in range(4)]
        self._cell = ax.add_patch(Rectangle((0, 0), cell, cell, fc="none", ec="w", lw=2.5))
        self._pred = ax.add_collection(LineCollection([], colors="#00e5ff", lw=2.5))
        centres = (self.truth[:, :2] + self.truth[:, 2:]) / 2
        self._stars = ax.plot(centres[:, 0], centres[:, 1], "*", color="w", ms=18, mec="k",
                              mew=1.5, ls="none")[0]
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)
        ax.set_title("the image and its grid", fontsize=11)
        image = heat.imshow(self.grid[..., 0], cmap="magma", vmin=0, vmax=1,
                            extent=(0, s, s, 0))
        heat.set_title("objectness of every cell", fontsize=11)
        self._marker = heat.add_patch(Rectangle((0, 0), 1, 1, fc="none", ec="#00e5ff", lw=2.5))
        step = 1 if s <= 10 else 2
        for a, scale in ((ax, cell), (heat, 1.0)):
            ticks = np.arange(0, s, step)
            a.set_xticks((ticks + 0.5) * scale, [str(t) for t in ticks], fontsize=9)
            a.set_yticks((ticks + 0.5) * scale, [str(t) for t in ticks], fontsize=9)
            a.set_xlabel("column j", fontsize=10)
            a.set_ylabel("row i", fontsize=10)
        bar = self.figure.colorbar(image, ax=heat, fraction=0.046, pad=0.03)
        bar.set_label("objectness (probability)", fontsize=10)
        handles = [Line2D([], [], color="w", marker="*", ms=14, mec="k", ls="none",
                          label="true object centre"),
                   Line2D([], [], color="0.3", lw=1.5, ls=":", label="true box"),
                   Line2D([], [], color="#00e5ff", lw=2.5, label="the cell's predicted box")]
        self.figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=10,
                           frameon=False)
        self.figure.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))
        self.dynamic = [*self._shade, self._cell, self._pred, self._stars, self._marker]

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
        for patch, (x, y, w, h) in zip(self._shade, _spotlight_bands(j * cell, i * cell, cell,
                                                                     self.size), strict=True):
            patch.set_bounds(x, y, w, h)
        self._cell.set_xy((j * cell, i * cell))
        self._marker.set_xy((j, i))
        self._pred.set_segments(box_segments(r["box"][None]))
        v = r["values"]
        probs = ", ".join(f"{name} {p:.2f}"
                          for name, p in zip(self.class_names, v[5:], strict=True))
        if len(r["owns"]):
            names = ", ".join(self.class_names[self.truth_labels[g]] if len(self.truth_labels)
                              else f"object {g}" for g in r["owns"])
            owner = f"responsible for: {names} (its centre, a white star, is in this cell)"
        else:
            owner = "no object's centre is in this cell: it should predict objectness ~0"
        return (f"cell ({i}, {j}): objectness {v[0]:.2f}, t<sub>x</sub> {v[1]:.2f}, "
                f"t<sub>y</sub> {v[2]:.2f}, w {v[3]:.2f}, h {v[4]:.2f} (of the image); "
                f"classes: {probs}; score = objectness x best class = {r['score']:.2f}.<br>{owner}")


def nms_explorer(image: np.ndarray, boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray,
                 *, class_names: tuple[str, ...], truth: np.ndarray | None = None,
                 score_threshold: float = 0.1, iou_threshold: float = 0.5) -> NMSExplorer:
    """The NMS playground on raw detections of ``image`` (returned, not displayed).

    ``boxes`` (N, 4) xyxy in the image's pixels, ``scores`` (N,), ``classes`` (N,) are a
    detector's raw output: :func:`helpers.yolo.yolo_decode_heads` of YOLOv4-tiny's heads on a
    photo, :func:`helpers.yolo.yolo_decode` of the tiny detector's grid, or
    :func:`helpers.shapes.make_raw_detections`. ``score_threshold`` (in [0.01, 1]) and
    ``iou_threshold`` (in [0, 1]) are the sliders' starting values.
    """
    return NMSExplorer(image, boxes, scores, classes, class_names=class_names, truth=truth,
                       score_threshold=score_threshold, iou_threshold=iou_threshold)


def yolo_grid_explorer(image: np.ndarray, grid: np.ndarray, *, class_names: tuple[str, ...],
                       truth_boxes: np.ndarray | None = None,
                       truth_labels: np.ndarray | None = None) -> YoloGridExplorer:
    """A cell picker over a YOLO output ``grid`` (S, S, 5 + C) of ``image`` (returned)."""
    return YoloGridExplorer(image, grid, class_names=class_names, truth_boxes=truth_boxes,
                            truth_labels=truth_labels)


@register_bench("nms")
def _bench_nms() -> NMSExplorer:
    # The chapter's explorer runs on YOLOv4-tiny's raw boxes of a photo; without the wheel, on
    # synthetic raw detections of the same size.
    from .. import darknet, yolo
    from ..data import load_photo

    model = darknet.load_yolo_tiny(missing_ok=True)
    if model is None:
        image, raw, scores, classes, truth, _ = make_raw_detections(0)
        return nms_explorer(image, raw, scores, classes, class_names=SHAPE_CLASSES, truth=truth)
    photo = load_photo("grace_hopper")
    heads = [yolo.yolo_head_grid(r, len(h.anchors))
             for r, h in zip(darknet.yolo_tiny_forward(model, photo), model.config.heads,
                             strict=True)]
    boxes, scores, classes = yolo.yolo_decode_heads(heads, model.config,
                                                    image_shape=photo.shape[:2])
    return nms_explorer(photo, boxes, scores, classes, class_names=model.class_names,
                        score_threshold=0.05, iou_threshold=0.45)


@register_bench("yolo_grid")
def _bench_yolo_grid() -> YoloGridExplorer:
    image, _, _, _, truth, lab = make_raw_detections(0)
    grid = yolo_encode(truth, lab, image_size=image.shape[0], grid_size=16, num_classes=3)
    return yolo_grid_explorer(image, grid, class_names=SHAPE_CLASSES, truth_boxes=truth,
                              truth_labels=lab)
