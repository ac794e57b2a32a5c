"""Explorers for chapters/12_localization.ipynb: IoU of two boxes (on a canvas or a photo), anchors
labelled by IoU."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .. import boxes as B
from .._validation import check_bool, check_boxes, check_image, check_int, check_str
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench
from ._draw import box_segments

__all__ = ["AnchorExplorer", "IoUExplorer", "anchor_explorer", "iou_explorer"]

_STYLE = {"description_width": "initial"}
#: Side of the IoU explorer's blank canvas (box corners up to it, sides up to 60).
CANVAS = 100


class IoUExplorer(Explorer):
    """Two boxes on sliders (or one fixed, e.g. a detection), on a blank canvas or a photo;
    their intersection and union drawn, IoU computed live."""

    figsize = (8.4, 3.9)

    def __init__(self, a: tuple[int, int, int, int], b: tuple[int, int, int, int], *,
                 image: np.ndarray | None = None, a_label: str = "A", b_label: str = "B",
                 move_a: bool = True) -> None:
        check_str(a_label, "a_label")
        check_str(b_label, "b_label")
        move_a = check_bool(move_a, "move_a")
        self.picture = None if image is None else check_image(image, "image")
        if self.picture is not None:
            self.jpeg_options = PHOTO_JPEG  # photographic panels
        if self.picture is not None and max(self.picture.shape[:2]) > 8192:
            raise ValueError(f"image sides must be at most 8192; got {self.picture.shape[:2]}")
        h, w = (self.picture.shape[:2] if self.picture is not None else (CANVAS, CANVAS))
        limits = (w, h, w, h) if self.picture is not None else (CANVAS, CANVAS, 60, 60)
        for name, box in (("a", a), ("b", b)):
            if not isinstance(box, (tuple, list)) or len(box) != 4:
                raise TypeError(f"{name} must be (x1, y1, w, h), four integers; got {box!r}")
            for k, value in enumerate(box):
                check_int(value, f"{name}[{k}]", min=0, max=limits[k])
        self._init = (tuple(a), tuple(b))
        # Box coordinates are the image's pixels; the picture is only shown downscaled.
        if self.picture is None:
            self.extent = (CANVAS + 60, CANVAS + 60)
        else:
            self.extent = self.picture.shape[:2][::-1]  # (W, H)
            self.picture = downscale(self.picture, 320)
        self.labels = (a_label, b_label)
        self.move_a = move_a
        super().__init__()

    def _build(self) -> None:
        (ax_, ay, aw, ah), (bx, by, bw, bh) = self._init
        wmax, hmax = self.extent if self.picture is not None else (CANVAS, CANVAS)
        smax = self.extent if self.picture is not None else (60, 60)
        a_name, b_name = self.labels

        def slider(text: str, value: int, hi: int) -> W.IntSlider:
            return W.IntSlider(value=int(value), min=0, max=int(hi), description=text,
                               style=_STYLE, layout=W.Layout(width="300px"))

        self.controls = {
            "b_x": slider(f"{b_name}: left edge x1", bx, wmax),
            "b_y": slider(f"{b_name}: top edge y1", by, hmax),
            "b_w": slider(f"{b_name}: width", bw, smax[0]),
            "b_h": slider(f"{b_name}: height", bh, smax[1]),
        }
        if self.move_a:
            self.controls = {
                "a_x": slider(f"{a_name}: left edge x1", ax_, wmax),
                "a_y": slider(f"{a_name}: top edge y1", ay, hmax),
                "a_w": slider(f"{a_name}: width", aw, smax[0]),
                "a_h": slider(f"{a_name}: height", ah, smax[1]),
                **self.controls,
            }
        self._fixed_a = (ax_, ay, aw, ah)
        ax, bar = self.figure.subplots(1, 2, width_ratios=[1.5, 1])
        w, h = self.extent
        if self.picture is not None:
            ax.imshow(self.picture, extent=(0, w, h, 0))
            ax.tick_params(labelsize=9)
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)  # image convention: y grows downwards
        ax.set_aspect("equal")
        # Light fills on a photo (the picture must stay visible), stronger on the blank canvas.
        fill = 0.3 if self.picture is None else 0.12
        self._a = ax.add_patch(Rectangle((0, 0), 1, 1, fc=(0.12, 0.47, 0.71, fill),
                                         ec="tab:blue", lw=2.5, label=a_name))
        self._b = ax.add_patch(Rectangle((0, 0), 1, 1, fc=(1.0, 0.5, 0.05, fill),
                                         ec="tab:orange", lw=2.5, label=b_name))
        self._inter = ax.add_patch(Rectangle((0, 0), 0, 0, fc=(0.17, 0.63, 0.17, 2.5 * fill),
                                             ec="tab:green", lw=1.5, hatch="//",
                                             label="intersection"))
        ax.legend(handles=[self._a, self._b, self._inter], loc="upper center", fontsize=10,
                  ncol=3, bbox_to_anchor=(0.5, -0.06), frameon=False)
        bar.set_xlim(0, 2 * smax[0] * smax[1] if self.picture is None else 1.0)
        bar.set_ylim(-0.6, 3.6)
        names = ["union", "intersection", b_name, a_name]
        bar.set_yticks([0, 1, 2, 3], [f"{n}" for n in names], fontsize=10)
        bar.set_xlabel("area (px$^2$)" if self.picture is None else
                       "area, as a fraction of the union", fontsize=10)
        bar.tick_params(labelsize=9)
        self._bars = bar.barh([0, 1, 2, 3], [0, 0, 0, 0],
                              color=["0.55", "tab:green", "tab:orange", "tab:blue"])
        self._iou_text = bar.set_title("", fontsize=11)
        self.dynamic = [self._a, self._b, self._inter, *self._bars, self._iou_text]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        ax_, ay, aw, ah = ((v["a_x"], v["a_y"], v["a_w"], v["a_h"]) if self.move_a
                           else self._fixed_a)
        a = np.array([[ax_, ay, ax_ + aw, ay + ah]], float)
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
        scale = 1.0 if self.picture is None else 1.0 / max(r["union"], 1e-9)
        for bar, value in zip(self._bars, (r["union"], r["intersection"], r["area_b"],
                                           r["area_a"]), strict=True):
            bar.set_width(value * scale)
        verdict = "a hit at 0.5" if r["iou"] >= 0.5 else "a miss at 0.5"
        self._iou_text.set_text(f"IoU = {r['intersection']:.0f} / {r['union']:.0f} = "
                                f"{r['iou']:.3f}\n({verdict})")
        a_name, b_name = self.labels
        text = (f"intersection = {r['intersection']:.0f} px&sup2;, union = {r['area_a']:.0f} "
                f"({a_name}) + {r['area_b']:.0f} ({b_name}) &minus; {r['intersection']:.0f} = "
                f"{r['union']:.0f} px&sup2;, <b>IoU = {r['iou']:.3f}</b>")
        if r["union"] == 0:
            text += " (both boxes have zero area: IoU is defined as 0 here)"
        return text


class AnchorExplorer(Explorer):
    """Anchors over an image, labelled positive / ignored / negative by two IoU thresholds."""

    figsize = (8.4, 4.0)

    def __init__(self, image: np.ndarray, truth: np.ndarray, *, stride: int,
                 sizes: tuple[float, ...], aspect_ratios: tuple[float, ...]) -> None:
        self.picture = check_image(image, "image")
        h, w = self.picture.shape[:2]
        if max(h, w) > 1024:
            raise ValueError(f"image sides must be at most 1024 (downscale it first); got "
                             f"{(h, w)}")
        self.truth = check_boxes(truth, "truth")
        self.stride = check_int(stride, "stride", min=1, max=1024)
        if min(h, w) < self.stride:
            raise ValueError(f"image must be at least stride = {self.stride} pixels on each side "
                             f"(one anchor cell); got shape {self.picture.shape}")
        self.anchors = B.make_anchors((h // self.stride, w // self.stride), self.stride,
                                      sizes, aspect_ratios)
        if len(self.anchors) > 20_000:
            raise ValueError(f"{len(self.anchors):,} anchors are too many to draw (at most "
                             "20,000): use a larger stride or fewer sizes and ratios")
        self.per_cell = len(self.anchors) // ((h // self.stride) * (w // self.stride))
        self.iou = B.box_iou(self.anchors, self.truth) if len(self.truth) else None
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "pos_threshold": W.FloatSlider(value=0.6, min=0, max=1, step=0.05, style=_STYLE,
                                           description="positive if best IoU \u2265",
                                           layout=W.Layout(width="330px")),
            "neg_threshold": W.FloatSlider(value=0.3, min=0, max=1, step=0.05, style=_STYLE,
                                           description="negative if best IoU <",
                                           layout=W.Layout(width="330px")),
            "low_quality": W.Checkbox(value=True, indent=False, layout=W.Layout(width="auto"),
                                      description="each object's best anchor is positive too"),
        }
        ax, hist = self.figure.subplots(1, 2, width_ratios=[1.3, 1])
        h, w = self.picture.shape[:2]
        ax.imshow(self.picture, extent=(0, w, h, 0), cmap="gray")
        ax.set_xlim(-w * 0.15, w * 1.15)
        ax.set_ylim(h * 1.15, -h * 0.15)
        ax.set_axis_off()
        ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=2.5,
                                         label="true box"))
        self._neg = ax.scatter([], [], s=5, c="tab:blue", label="negative (its centre)")
        self._ign = ax.add_collection(LineCollection([], colors="orange", lw=1, ls="--",
                                                     label="ignored"))
        self._pos = ax.add_collection(LineCollection([], colors="magenta", lw=2, label="positive"))
        handles = [self._pos, self._ign, self._neg,
                   Line2D([], [], color="0.3", lw=2.5, label="true box (white)")]
        self.figure.legend(handles=handles, loc="lower center", fontsize=10, ncol=4,
                           frameon=False)
        self.figure.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))
        self._title = ax.set_title("", fontsize=11)
        best = self.iou.max(axis=1) if self.iou is not None else np.zeros(len(self.anchors))
        hist.hist(best, bins=np.linspace(0, 1, 41), color="0.5")
        hist.set_yscale("log")
        hist.set_xlabel("each anchor's best IoU with a true box", fontsize=10)
        hist.set_ylabel("anchors (log scale)", fontsize=10)
        hist.tick_params(labelsize=9)
        hist.set_title("anchors by best IoU", fontsize=11)
        self._pos_line = hist.axvline(0.6, color="magenta", lw=2, label="positive threshold")
        self._neg_line = hist.axvline(0.3, color="tab:blue", lw=2, label="negative threshold")
        hist.legend(fontsize=9, loc="upper right")
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
                 b: tuple[int, int, int, int] = (45, 35, 40, 45), *,
                 image: np.ndarray | None = None, a_label: str = "A", b_label: str = "B",
                 move_a: bool = True) -> IoUExplorer:
    """Two boxes given as ``(x1, y1, w, h)`` on sliders, with IoU live (returned, not displayed).

    Without ``image`` the boxes live on a blank 160-pixel canvas (corners up to 100, sides up to
    60). With an ``(H, W, 3)`` photo they live on it, in its pixels (corners and sides up to its
    width and height); ``move_a=False`` fixes box A (say, a detection) and leaves only B on
    sliders. ``a_label`` and ``b_label`` name the boxes in the figure and the controls.
    """
    return IoUExplorer(a, b, image=image, a_label=a_label, b_label=b_label,
                       move_a=move_a)


def anchor_explorer(image: np.ndarray, truth: np.ndarray, *, stride: int = 16,
                    sizes: tuple[float, ...] = (24, 48),
                    aspect_ratios: tuple[float, ...] = (0.5, 1.0, 2.0)) -> AnchorExplorer:
    """Anchors of :func:`helpers.boxes.make_anchors` over ``image``, labelled against the xyxy
    ``truth`` boxes by :func:`helpers.boxes.assign_anchors` (returned, not displayed).

    ``image`` (H, W, 3) up to 1024 pixels a side; ``stride`` from 1 to min(H, W); at most
    20,000 anchors in all.
    """
    return AnchorExplorer(image, truth, stride=stride, sizes=sizes, aspect_ratios=aspect_ratios)


@register_bench("iou")
def _bench_iou() -> IoUExplorer:
    # As in chapter 12: a fixed box on the astronaut photo (there, YOLOv4-tiny's "person"),
    # and the learner's box on sliders.
    from ..data import load_photo

    return iou_explorer((29, 0, 373, 470), (60, 40, 300, 400), image=load_photo("astronaut"),
                        a_label="detection", b_label="your box", move_a=False)


@register_bench("iou_canvas")
def _bench_iou_canvas() -> IoUExplorer:
    return iou_explorer()


@register_bench("anchors")
def _bench_anchors() -> AnchorExplorer:
    from ..shapes import make_detection_dataset

    images, boxes, _ = make_detection_dataset(1, image_size=128, min_size=20, max_size=56,
                                              max_objects=4, rng=3)
    return anchor_explorer(images[0], boxes[0])
