"""Explorers for chapters/12_localization.ipynb: IoU of two boxes, anchors labelled by IoU."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from .. import boxes as B
from .._validation import check_boxes, check_image, check_int
from ._base import Explorer, register_bench
from ._draw import box_segments

__all__ = ["AnchorExplorer", "IoUExplorer", "anchor_explorer", "iou_explorer"]

_STYLE = {"description_width": "initial"}


class IoUExplorer(Explorer):
    """Two boxes on sliders; their intersection and union drawn, IoU computed live."""

    figsize = (8.0, 3.6)
    canvas = 100

    def __init__(self, a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> None:
        self._init = (a, b)
        super().__init__()

    def _build(self) -> None:
        (ax_, ay, aw, ah), (bx, by, bw, bh) = self._init
        c = self.canvas

        def slider(name: str, value: int, hi: int) -> W.IntSlider:
            return W.IntSlider(value=int(value), min=0, max=hi, description=name, style=_STYLE,
                               layout=W.Layout(width="190px"))

        self.controls = {
            "a_x": slider("A x1", ax_, c), "a_y": slider("A y1", ay, c),
            "a_w": slider("A w", aw, 60), "a_h": slider("A h", ah, 60),
            "b_x": slider("B x1", bx, c), "b_y": slider("B y1", by, c),
            "b_w": slider("B w", bw, 60), "b_h": slider("B h", bh, 60),
        }
        ax, bar = self.figure.subplots(1, 2, width_ratios=[1.6, 1])
        ax.set_xlim(0, c + 60)
        ax.set_ylim(c + 60, 0)  # image convention: y grows downwards
        ax.set_aspect("equal")
        ax.set_title("A (blue), B (orange), A $\\cap$ B (green)")
        self._a = ax.add_patch(Rectangle((0, 0), 1, 1, fc="tab:blue", alpha=0.3, ec="tab:blue",
                                         lw=2))
        self._b = ax.add_patch(Rectangle((0, 0), 1, 1, fc="tab:orange", alpha=0.3,
                                         ec="tab:orange", lw=2))
        self._inter = ax.add_patch(Rectangle((0, 0), 0, 0, fc="tab:green", alpha=0.8, ec="none"))
        bar.set_xlim(0, 2 * 60 * 60)
        bar.set_ylim(-0.6, 3.6)
        bar.set_yticks([0, 1, 2, 3], ["A $\\cup$ B", "A $\\cap$ B", "B", "A"])
        bar.set_xlabel("area (px$^2$)")
        self._bars = bar.barh([0, 1, 2, 3], [0, 0, 0, 0],
                              color=["0.55", "tab:green", "tab:orange", "tab:blue"])
        self._iou_text = bar.set_title("")
        self.dynamic = [self._a, self._b, self._inter, *self._bars, self._iou_text]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        a = np.array([[v["a_x"], v["a_y"], v["a_x"] + v["a_w"], v["a_y"] + v["a_h"]]], float)
        b = np.array([[v["b_x"], v["b_y"], v["b_x"] + v["b_w"], v["b_y"] + v["b_h"]]], float)
        inter_box = np.concatenate([np.maximum(a[:, :2], b[:, :2]), np.minimum(a[:, 2:], b[:, 2:])],
                                   axis=1)
        inter_box[:, 2:] = np.maximum(inter_box[:, 2:], inter_box[:, :2])  # empty -> zero area
        area_a, area_b = B.box_area(a)[0], B.box_area(b)[0]
        inter = B.box_area(inter_box)[0]
        return {"a": a[0], "b": b[0], "intersection_box": inter_box[0], "area_a": area_a,
                "area_b": area_b, "intersection": inter, "union": area_a + area_b - inter,
                "iou": float(B.box_iou(a, b)[0, 0])}

    def draw(self, r: dict[str, Any]) -> str:
        pairs = ((self._a, r["a"]), (self._b, r["b"]), (self._inter, r["intersection_box"]))
        for patch, box in pairs:
            patch.set_bounds(box[0], box[1], box[2] - box[0], box[3] - box[1])
        for bar, value in zip(self._bars, (r["union"], r["intersection"], r["area_b"],
                                           r["area_a"]), strict=True):
            bar.set_width(value)
        verdict = "a hit at 0.5" if r["iou"] >= 0.5 else "a miss at 0.5"
        self._iou_text.set_text(f"IoU = {r['intersection']:.0f} / {r['union']:.0f} = "
                                f"{r['iou']:.3f} ({verdict})")
        text = (f"intersection = {r['intersection']:.0f} px&sup2;, union = {r['area_a']:.0f} + "
                f"{r['area_b']:.0f} &minus; {r['intersection']:.0f} = {r['union']:.0f} px&sup2;, "
                f"<b>IoU = {r['iou']:.3f}</b>")
        if r["union"] == 0:
            text += " (both boxes have zero area: IoU is defined as 0 here)"
        return text


class AnchorExplorer(Explorer):
    """Anchors over an image, labelled positive / ignored / negative by two IoU thresholds."""

    figsize = (8.0, 3.8)

    def __init__(self, image: np.ndarray, truth: np.ndarray, *, stride: int,
                 sizes: tuple[float, ...], aspect_ratios: tuple[float, ...]) -> None:
        self.picture = check_image(image, "image")
        h, w = self.picture.shape[:2]
        self.truth = check_boxes(truth, "truth")
        self.stride = check_int(stride, "stride", min=1)
        self.anchors = B.make_anchors((h // self.stride, w // self.stride), self.stride,
                                      sizes, aspect_ratios)
        self.per_cell = len(sizes) * len(aspect_ratios)
        self.iou = B.box_iou(self.anchors, self.truth) if len(self.truth) else None
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "pos_threshold": W.FloatSlider(value=0.6, min=0, max=1, step=0.05,
                                           description="positive IoU >=", style=_STYLE),
            "neg_threshold": W.FloatSlider(value=0.3, min=0, max=1, step=0.05,
                                           description="negative IoU <", style=_STYLE),
            "low_quality": W.Checkbox(value=True, description="best anchor per object is positive"),
        }
        ax, hist = self.figure.subplots(1, 2, width_ratios=[1.3, 1])
        h, w = self.picture.shape[:2]
        ax.imshow(self.picture, extent=(0, w, h, 0), cmap="gray")
        ax.set_xlim(-w * 0.15, w * 1.15)
        ax.set_ylim(h * 1.15, -h * 0.15)
        ax.set_axis_off()
        ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=2.5))
        self._neg = ax.scatter([], [], s=4, c="tab:blue", label="negative (centre)")
        self._ign = ax.add_collection(LineCollection([], colors="orange", lw=1, ls="--",
                                                     label="ignored"))
        self._pos = ax.add_collection(LineCollection([], colors="magenta", lw=2, label="positive"))
        ax.legend(handles=[self._pos, self._ign, self._neg], loc="lower center", fontsize=7,
                  ncol=3, bbox_to_anchor=(0.5, -0.12), frameon=False)
        self._title = ax.set_title("")
        best = self.iou.max(axis=1) if self.iou is not None else np.zeros(len(self.anchors))
        hist.hist(best, bins=np.linspace(0, 1, 41), color="0.5")
        hist.set_yscale("log")
        hist.set_xlabel("each anchor's best IoU with a true box")
        hist.set_title("anchors by best IoU")
        self._pos_line = hist.axvline(0.6, color="magenta", lw=2)
        self._neg_line = hist.axvline(0.3, color="tab:blue", lw=2)
        self.dynamic = [self._neg, self._ign, self._pos, self._title, self._pos_line,
                        self._neg_line]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        labels, matched = B.assign_anchors(self.anchors, self.truth,
                                           pos_threshold=v["pos_threshold"],
                                           neg_threshold=v["neg_threshold"],
                                           allow_low_quality=v["low_quality"])
        return {"labels": labels, "matched": matched,
                "counts": {k: int((labels == c).sum())
                           for k, c in (("positive", 1), ("ignored", -1), ("negative", 0))}}

    def draw(self, r: dict[str, Any]) -> str:
        labels = r["labels"]
        centres = (self.anchors[:, :2] + self.anchors[:, 2:]) / 2
        self._neg.set_offsets(centres[labels == 0])
        self._ign.set_segments(box_segments(self.anchors[labels == -1]))
        self._pos.set_segments(box_segments(self.anchors[labels == 1]))
        v = self.values()
        self._pos_line.set_xdata([v["pos_threshold"]] * 2)
        self._neg_line.set_xdata([v["neg_threshold"]] * 2)
        c = r["counts"]
        self._title.set_text(f"{c['positive']} positive, {c['ignored']} ignored")
        per_object = [int(((labels == 1) & (r["matched"] == g)).sum())
                      for g in range(len(self.truth))]
        text = (f"{len(self.anchors)} anchors ({self.per_cell} per cell): "
                f"{c['positive']} positive, "
                f"{c['ignored']} ignored, {c['negative']} negative. Positive anchors per true box: "
                f"{per_object}.")
        if 0 in per_object:
            text += " <b>An object with no positive anchor is never learned.</b>"
        return text


def iou_explorer(a: tuple[int, int, int, int] = (20, 20, 50, 40),
                 b: tuple[int, int, int, int] = (45, 35, 40, 45)) -> IoUExplorer:
    """Two boxes given as ``(x1, y1, w, h)`` on sliders, with IoU live (returned, not displayed)."""
    for name, box in (("a", a), ("b", b)):
        if len(box) != 4:
            raise ValueError(f"{name} must be (x1, y1, w, h); got {box!r}")
        for k, value in enumerate(box):
            check_int(value, f"{name}[{k}]", min=0, max=100 if k < 2 else 60)
    return IoUExplorer(tuple(a), tuple(b))


def anchor_explorer(image: np.ndarray, truth: np.ndarray, *, stride: int = 16,
                    sizes: tuple[float, ...] = (24, 48),
                    aspect_ratios: tuple[float, ...] = (0.5, 1.0, 2.0)) -> AnchorExplorer:
    """Anchors of :func:`helpers.boxes.make_anchors` over ``image``, labelled against the xyxy
    ``truth`` boxes by :func:`helpers.boxes.assign_anchors` (returned, not displayed)."""
    return AnchorExplorer(image, truth, stride=stride, sizes=sizes, aspect_ratios=aspect_ratios)


@register_bench("iou")
def _bench_iou() -> IoUExplorer:
    return iou_explorer()


@register_bench("anchors")
def _bench_anchors() -> AnchorExplorer:
    from ..shapes import make_detection_dataset

    images, boxes, _ = make_detection_dataset(1, image_size=128, min_size=20, max_size=56,
                                              max_objects=4, rng=3)
    return anchor_explorer(images[0], boxes[0])
