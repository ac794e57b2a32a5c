"""Explorers for chapter 22: CenterNet's peak threshold and window, CRAFT's three thresholds,
the architecture search under a budget, and MultiPath's predicted modes.

Everything that does not depend on the controls (network outputs, search records, predicted
modes for every setting) is computed before the explorer is built and passed in; an update only
decodes, thresholds, filters or selects. No torch here: the chapter runs the networks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection

from .._validation import (
    as_array,
    check_boxes,
    check_float,
    check_image,
    check_instance,
    check_int,
    describe,
)
from ..centernet import centernet_decode, centernet_encode
from ..evaluation import match_detections
from ..frontiers_plots import road_segments
from ..nas import architecture_macs, pareto_front, random_search
from ..shapes import SHAPE_CLASSES, make_detection_dataset
from ..text_detection import (
    craft_targets,
    evaluate_text_detection,
    group_words,
    make_text_dataset,
    word_boxes,
    word_polygons,
)
from ..trajectories import min_ade_fde
from ._base import PHOTO_JPEG, Explorer, register_bench
from ._draw import box_segments

__all__ = [
    "CenterNetExplorer",
    "CraftExplorer",
    "MultiPathExplorer",
    "NasBudgetExplorer",
    "centernet_explorer",
    "craft_explorer",
    "multipath_explorer",
    "nas_budget_explorer",
]

_STYLE = {"description_width": "initial"}
_WIDE = W.Layout(width="330px")
_MAX_LABELS = 6


# -- CenterNet ------------------------------------------------------------------------------------
class CenterNetExplorer(Explorer):
    """Heatmap threshold and peak window -> CenterNet's detections on one image."""

    figsize = (8.0, 3.9)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, image, heatmap, size, offset, *, class_names, truth_boxes, truth_labels,
                 stride):
        self.picture = check_image(image)
        self.heatmap = as_array(heatmap, "heatmap", ndim=3, shape_hint="(C, h, w)")
        self.size = as_array(size, "size", ndim=3, shape_hint="(2, h, w)")
        self.offset = as_array(offset, "offset", ndim=3, shape_hint="(2, h, w)")
        self.stride = check_int(stride, "stride", min=1, max=64)
        check_instance(class_names, "class_names", (tuple, list), "a tuple of class names")
        if not all(isinstance(c, str) for c in class_names):
            raise TypeError(f"class_names must hold strings; got {describe(class_names)}")
        self.class_names = tuple(class_names)
        if len(self.class_names) != len(self.heatmap):
            raise ValueError(f"class_names must name the heatmap's {len(self.heatmap)} classes; "
                             f"got {len(self.class_names)}")
        self.truth = check_boxes(truth_boxes, "truth_boxes")
        self.truth_labels = as_array(truth_labels, "truth_labels", ndim=1, kinds="iu",
                                     allow_empty=True)
        if len(self.truth_labels) != len(self.truth):
            raise ValueError(f"truth_labels must give one class per box of truth_boxes; got "
                             f"{len(self.truth_labels)} labels for {len(self.truth)} boxes")
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "threshold": W.FloatSlider(value=0.3, min=0.02, max=0.98, step=0.02,
                                       description="keep peaks scoring above", style=_STYLE,
                                       layout=_WIDE),
            "window": W.IntSlider(value=3, min=1, max=9, step=2,
                                  description="peak window (cells, max-pool size)", style=_STYLE,
                                  layout=_WIDE),
        }
        ax, heat = self.figure.subplots(1, 2)
        h, w = self.picture.shape[:2]
        ax.imshow(self.picture, extent=(0, w, h, 0))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
        ax.add_collection(LineCollection(box_segments(self.truth), colors="w", lw=1,
                                         linestyles=":"))
        self._boxes = ax.add_collection(LineCollection([], colors="lime", lw=1.8))
        self._labels = [ax.text(0, 0, "", fontsize=7, va="bottom", visible=False,
                                bbox={"fc": "lime", "ec": "none", "pad": 0.5})
                        for _ in range(_MAX_LABELS)]
        self._title = ax.set_title("", fontsize=9)
        m = self.heatmap.max(axis=0)
        hh, ww = m.shape
        im = heat.imshow(m, vmin=0, vmax=1, cmap="magma",
                         extent=(0, ww * self.stride, hh * self.stride, 0))
        self.figure.colorbar(im, ax=heat, shrink=0.8, label="heatmap score (max over classes)")
        heat.set_axis_off()
        # States both settings, so the picture says what it shows (and every slider move shows).
        self._heat_title = heat.set_title("", fontsize=9)
        self._peaks = heat.scatter([], [], s=30, marker="+", c="cyan", lw=1.5)
        self.dynamic = [self._boxes, *self._labels, self._title, self._heat_title, self._peaks]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        boxes, scores, classes = centernet_decode(self.heatmap, self.size, self.offset,
                                                  stride=self.stride, threshold=v["threshold"],
                                                  window=v["window"])
        found = 0
        false = 0
        for c in range(len(self.class_names)):
            mine = classes == c
            tp = match_detections(boxes[mine], scores[mine], self.truth[self.truth_labels == c])
            found += int(tp.sum())
            false += int((~tp).sum())
        return {"boxes": boxes, "scores": scores, "classes": classes, "found": found,
                "false": false}

    def draw(self, r: dict[str, Any]) -> str:
        boxes, scores, classes = r["boxes"], r["scores"], r["classes"]
        self._boxes.set_segments(box_segments(boxes))
        for k, label in enumerate(self._labels):
            label.set_visible(k < len(boxes))
            if k < len(boxes):
                label.set_position((boxes[k, 0], boxes[k, 1]))
                label.set_text(f"{self.class_names[classes[k]][:4]} {scores[k]:.2f}")
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        self._peaks.set_offsets(centres.reshape(-1, 2))
        self._title.set_text(f"{len(boxes)} detections (green), truth dotted")
        v = self.values()
        self._heat_title.set_text(f"heatmap; cyan: peaks above {v['threshold']:.2f}, "
                                  f"{v['window']}x{v['window']} maxima")
        return (f"{len(boxes)} peaks score above {v['threshold']:.2f} and are the maximum of "
                f"their {v['window']}x{v['window']} window; each becomes a box. At IoU 0.5 they "
                f"find <b>{r['found']} of {len(self.truth)}</b> objects, with {r['false']} false "
                "or duplicate detections. A window of 1 keeps every cell above the threshold "
                "(the duplicates a max-pool removes); a wide window can swallow a neighbour.")


def centernet_explorer(image: Any, heatmap: Any, size: Any, offset: Any, *,
                       class_names: Sequence[str], truth_boxes: Any, truth_labels: Any,
                       stride: int = 4) -> CenterNetExplorer:
    """CenterNet's decoding on one image: heatmap threshold and peak window -> detections.

    ``heatmap`` (C, h, w), ``size`` and ``offset`` (2, h, w) are the network's maps for
    ``image`` (:func:`helpers.nets.centernet.centernet_predict`); the truth is drawn dotted.
    """
    check_instance(class_names, "class_names", (tuple, list), "a tuple of class names")
    return CenterNetExplorer(image, heatmap, size, offset, class_names=class_names,
                             truth_boxes=truth_boxes, truth_labels=truth_labels, stride=stride)


@register_bench("centernet")
def _bench_centernet() -> CenterNetExplorer:
    images, boxes, labels = make_detection_dataset(1, image_size=128, max_objects=6, rng=7)
    heat, size, offset, _ = centernet_encode(boxes[0], labels[0], num_classes=3, image_size=128)
    noisy = np.clip(heat + np.random.default_rng(0).uniform(0, 0.3, heat.shape), 0, 1)
    return centernet_explorer(images[0], noisy, size, offset, class_names=SHAPE_CLASSES,
                              truth_boxes=boxes[0], truth_labels=labels[0])


# -- CRAFT ----------------------------------------------------------------------------------------
class CraftExplorer(Explorer):
    """CRAFT's three thresholds -> the words grouped from the region and affinity maps."""

    figsize = (8.0, 3.9)

    def __init__(self, image, region, affinity, *, truth, stride, text_threshold=0.7,
                 low_text=0.4, link_threshold=0.4):
        self.picture = check_image(image)
        # Where the sliders start (CRAFT's own thresholds by default); each on its slider's range.
        self._start = {
            "text_threshold": check_float(text_threshold, "text_threshold", min=0.05, max=1.0),
            "low_text": check_float(low_text, "low_text", min=0.05, max=0.95),
            "link_threshold": check_float(link_threshold, "link_threshold", min=0.05, max=0.95),
        }
        self.region = as_array(region, "region", ndim=2)
        self.affinity = as_array(affinity, "affinity", ndim=2)
        if self.region.shape != self.affinity.shape:
            raise ValueError(f"region and affinity must have the same shape; got "
                             f"{self.region.shape} and {self.affinity.shape}")
        self.stride = check_int(stride, "stride", min=1, max=16)
        check_instance(truth, "truth", (list, tuple), "a list of (V, 2) word polygons")
        self.truth = [as_array(p, "truth polygon", ndim=2) for p in truth]
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "text_threshold": W.FloatSlider(value=self._start["text_threshold"], min=0.05,
                                            max=1.0, step=0.05,
                                            description="word needs a region peak of",
                                            style=_STYLE, layout=_WIDE),
            "low_text": W.FloatSlider(value=self._start["low_text"], min=0.05, max=0.95,
                                      step=0.05, description="character cells: region above",
                                      style=_STYLE, layout=_WIDE),
            "link_threshold": W.FloatSlider(value=self._start["link_threshold"], min=0.05,
                                            max=0.95, step=0.05,
                                            description="link cells: affinity above",
                                            style=_STYLE, layout=_WIDE),
        }
        ax, lab = self.figure.subplots(1, 2)
        h, w = self.picture.shape[:2]
        ax.imshow(self.picture, extent=(0, w, h, 0))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
        outlines = [np.vstack([p, p[:1]]) for p in self.truth]
        ax.add_collection(LineCollection(outlines, colors="w", lw=1, linestyles=":"))
        self._words = ax.add_collection(LineCollection([], colors="lime", lw=1.8))
        self._title = ax.set_title("", fontsize=9, pad=15)
        # One text per threshold, under the title: a slider move redraws only its own (a title
        # holding all three was a new 90-character text, 10 ms, at every move).
        self._marks = [ax.text(x, 1.015, "", transform=ax.transAxes, fontsize=8.5, ha=ha,
                               va="bottom") for x, ha in ((0.0, "left"), (0.5, "center"),
                                                          (1.0, "right"))]
        hh, ww = self.region.shape
        extent = (0, ww * self.stride, hh * self.stride, 0)
        lab.imshow(np.maximum(self.region, self.affinity), cmap="gray", vmin=0, vmax=1,
                   extent=extent)
        self._labels = lab.imshow(np.ma.masked_equal(np.zeros((hh, ww)), 0), cmap="tab20",
                                  vmin=1, vmax=20, alpha=0.6, extent=extent,
                                  interpolation="nearest")
        lab.set_axis_off()
        lab.set_title("max(region, affinity); one colour per word", fontsize=9)
        self.dynamic = [self._words, self._title, *self._marks, self._labels]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        labels = group_words(self.region, self.affinity, text_threshold=v["text_threshold"],
                             link_threshold=v["link_threshold"], low_text=v["low_text"])
        boxes = word_boxes(labels, stride=self.stride)
        score = evaluate_text_detection([boxes], [self.truth], image_size=self.picture.shape[:2])
        return {"labels": labels, "boxes": boxes, "matched": score["matched"]}

    def draw(self, r: dict[str, Any]) -> str:
        self._words.set_segments([np.vstack([b, b[:1]]) for b in r["boxes"]])
        shown = np.ma.masked_equal((r["labels"] - 1) % 20 + 1, 0)
        shown[r["labels"] == 0] = np.ma.masked
        self._labels.set_data(shown)
        v = self.values()
        n = len(r["boxes"])
        self._title.set_text(f"{n} word{'' if n == 1 else 's'} found (green), truth dotted")
        for mark, name, key in zip(self._marks, ("peak", "characters", "links"),
                                   ("text_threshold", "low_text", "link_threshold"), strict=True):
            mark.set_text(f"{name} \u2265 {v[key]:.2f}")
        return (f"At word peak {v['text_threshold']:.2f}, character {v['low_text']:.2f}, link "
                f"{v['link_threshold']:.2f}: {len(r['boxes'])} connected components pass (cells "
                f"above 'character' or 'link', with a peak above the word threshold); "
                f"<b>{r['matched']} of "
                f"{len(self.truth)}</b> true words matched at IoU 0.5. Lower the link threshold "
                "and neighbouring words merge; raise it and words break into letters.")


def craft_explorer(image: Any, region: Any, affinity: Any, *, truth: Sequence[Any],
                   stride: int = 2, text_threshold: float = 0.7, low_text: float = 0.4,
                   link_threshold: float = 0.4) -> CraftExplorer:
    """CRAFT's grouping on one image: the three thresholds -> words (returned, not displayed).

    ``region`` and ``affinity`` are the network's maps for ``image``
    (:func:`helpers.nets.craft.craft_predict`); ``truth`` the true word polygons.
    ``text_threshold`` (0.05 to 1), ``low_text`` and ``link_threshold`` (0.05 to 0.95) are where
    the sliders start: CRAFT's own values by default.
    """
    return CraftExplorer(image, region, affinity, truth=truth, stride=stride,
                         text_threshold=text_threshold, low_text=low_text,
                         link_threshold=link_threshold)


@register_bench("craft")
def _bench_craft() -> CraftExplorer:
    images, quads, words, _ = make_text_dataset(1, max_words=3, rng=3)
    region, affinity = craft_targets(quads[0], words[0], image_size=images.shape[1])
    return craft_explorer(images[0], region, affinity, truth=word_polygons(quads[0], words[0]))


# -- architecture search ------------------------------------------------------------------------
class NasBudgetExplorer(Explorer):
    """MAC budget and number of candidates -> the best architecture each search found."""

    figsize = (8.0, 4.0)
    _COLOURS = ("tab:blue", "tab:orange", "tab:purple", "tab:brown")

    def __init__(self, searches, *, everything, baseline):
        check_instance(searches, "searches", Mapping, "a dict of method name -> records")
        if not 1 <= len(searches) <= len(self._COLOURS):
            raise ValueError(f"searches must hold 1 to {len(self._COLOURS)} methods; got "
                             f"{len(searches)}")
        self.searches = {}
        for name, recs in searches.items():
            check_instance(recs, f"searches[{name!r}]", (list, tuple), "a list of records")
            if not recs or not all(isinstance(r, Mapping) and {"macs", "accuracy", "arch"}
                                   <= set(r) for r in recs):
                raise ValueError(f"searches[{name!r}] must be a non-empty list of search records "
                                 "(dicts with arch, macs, accuracy)")
            self.searches[str(name)] = list(recs)
        if everything is not None:
            check_instance(everything, "everything", (list, tuple),
                           "a list of search records (dicts with macs and accuracy)")
            if not all(isinstance(r, Mapping) and {"macs", "accuracy"} <= set(r)
                       for r in everything):
                raise ValueError("everything must hold search records (dicts with macs and "
                                 "accuracy)")
        self.everything = list(everything) if everything is not None else []
        if baseline is not None:
            if not (isinstance(baseline, (tuple, list)) and len(baseline) == 3):
                raise TypeError(f"baseline must be (macs, accuracy, label); got "
                                f"{describe(baseline)}")
            baseline = (check_float(baseline[0], "baseline macs", min=0),
                        check_float(baseline[1], "baseline accuracy", min=0, max=1),
                        str(baseline[2]))
        self.baseline = baseline
        macs = sorted({int(r["macs"]) for recs in self.searches.values() for r in recs} |
                      {int(r["macs"]) for r in self.everything})
        self.budgets = macs
        super().__init__()

    def _build(self) -> None:
        longest = max(len(r) for r in self.searches.values())
        default = self.baseline[0] if self.baseline is not None else self.budgets[-1]
        options = [(f"{b:,}", b) for b in self.budgets]
        start = min(self.budgets, key=lambda b: abs(b - default))
        self.controls = {
            "budget": W.SelectionSlider(options=options, value=start,
                                        description="MAC budget", style=_STYLE,
                                        layout=W.Layout(width="420px")),
            "candidates": W.IntSlider(value=longest, min=1, max=longest,
                                      description="candidates trained per search",
                                      style=_STYLE, layout=_WIDE),
        }
        ax = self.figure.subplots()
        if self.everything:
            c = np.array([r["macs"] for r in self.everything], float)
            a = np.array([r["accuracy"] for r in self.everything], float)
            ax.scatter(c, a, s=12, c="0.8", label="whole space")
            front = pareto_front(c, a)
            ax.step(c[front], a[front], where="post", color="0.6", ls="--", lw=1,
                    label="whole space's Pareto front")
        self._points = {}
        for (name, recs), colour in zip(self.searches.items(), self._COLOURS, strict=False):
            c = np.array([r["macs"] for r in recs], float)
            a = np.array([r["accuracy"] for r in recs], float)
            self._points[name] = ax.scatter(c, a, s=28, c=colour, ec="k", lw=0.4, label=name)
        if self.baseline is not None:
            ax.scatter([self.baseline[0]], [self.baseline[1]], marker="*", s=200, c="gold",
                       ec="k", zorder=5, label=str(self.baseline[2]))
        self._best = ax.scatter([], [], s=160, facecolors="none", edgecolors="tab:red", lw=2,
                                zorder=6, label="best under budget")
        self._line = ax.axvline(self.budgets[-1], color="tab:red", ls=":")
        ax.set_xscale("log")
        ax.set(xlabel="MACs per digit (log scale)", ylabel="validation accuracy")
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
        self.dynamic = [*self._points.values(), self._best, self._line]

    def compute(self) -> dict[str, Any]:
        budget = int(self.controls["budget"].value)
        n = int(self.controls["candidates"].value)
        best = {}
        for name, recs in self.searches.items():
            seen = [r for r in recs[:n] if r["macs"] <= budget]
            best[name] = max(seen, key=lambda r: r["accuracy"]) if seen else None
        pool = [r for r in self.everything if r["macs"] <= budget]
        best_all = max(pool, key=lambda r: r["accuracy"]) if pool else None
        return {"budget": budget, "n": n, "best": best, "best_all": best_all}

    def draw(self, r: dict[str, Any]) -> str:
        n, budget = r["n"], r["budget"]
        for name, pts in self._points.items():
            recs = self.searches[name]
            alpha = np.array([1.0 if (i < n and rec["macs"] <= budget) else 0.12
                              for i, rec in enumerate(recs)])
            colours = pts.get_facecolors()
            if len(colours) == len(recs):
                colours[:, 3] = alpha
                pts.set_facecolors(colours)
        bests = [b for b in r["best"].values() if b is not None]
        self._best.set_offsets(np.array([[b["macs"], b["accuracy"]] for b in bests]).reshape(-1, 2))
        self._line.set_xdata([budget, budget])
        parts = []
        for name, b in r["best"].items():
            parts.append(f"{name}: <b>{b['accuracy']:.1%}</b> with {b['arch']} "
                         f"({b['macs']:,} MACs)" if b is not None else f"{name}: nothing yet")
        text = f"Budget {budget:,} MACs, first {n} candidates of each search. " + "; ".join(parts)
        if r["best_all"] is not None:
            b = r["best_all"]
            text += (f". Best in the whole space under this budget: {b['accuracy']:.1%} "
                     f"({b['arch']}, {b['macs']:,} MACs).")
        return text


def nas_budget_explorer(searches: Mapping[str, Sequence[Mapping]], *,
                        everything: Sequence[Mapping] | None = None,
                        baseline: tuple[float, float, str] | None = None) -> NasBudgetExplorer:
    """The searches' candidates under a MAC budget (returned, not displayed).

    ``searches`` maps a method's name to its records (:func:`helpers.nas.random_search`,
    :func:`helpers.nas.evolution_search`); ``everything`` optionally holds a record for every
    architecture of the space; ``baseline`` is ``(macs, accuracy, label)``.
    """
    return NasBudgetExplorer(searches, everything=everything, baseline=baseline)


@register_bench("nas_budget")
def _bench_nas_budget() -> NasBudgetExplorer:
    score = lambda a: 0.8 + 0.01 * a.depth + 0.004 * a.width  # noqa: E731 - a made-up score
    searches = {"random search": random_search(score, n=16, rng=0),
                "made-up second search": random_search(score, n=16, rng=1)}
    return nas_budget_explorer(searches, baseline=(architecture_macs(searches["random search"][0]
                                                                     ["arch"]), 0.9, "reference"))


# -- MultiPath ------------------------------------------------------------------------------------
class MultiPathExplorer(Explorer):
    """Number of anchors, history length and agent -> MultiPath's predicted modes."""

    figsize = (8.0, 5.2)
    _MAX_MODES = 16
    # Metres shown: the lane from 20 m behind to 75 m ahead (the futures reach about 73 m).
    _XLIM, _YLIM = (-35, 35), (-20, 75)

    def __init__(self, predictions, *, history, future, distance, anchors):
        check_instance(predictions, "predictions", Mapping,
                       "a dict (num_anchors, history_len) -> (modes, probabilities)")
        self.history = as_array(history, "history", ndim=3, shape_hint="(N, T_h, 2)")
        self.future = as_array(future, "future", ndim=3, shape_hint="(N, T, 2)")
        self.distance = as_array(distance, "distance", ndim=1)
        n = len(self.history)
        if len(self.future) != n or len(self.distance) != n:
            raise ValueError("history, future and distance must describe the same agents")
        check_instance(anchors, "anchors", Mapping, "a dict num_anchors -> (K, T, 2) anchors")
        self.predictions = {}
        for key, value in predictions.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValueError(f"predictions keys must be (num_anchors, history_len); got "
                                 f"{key!r}")
            modes = as_array(value[0], f"predictions[{key}] modes", ndim=4)
            probs = as_array(value[1], f"predictions[{key}] probabilities", ndim=2)
            if modes.shape[:2] != probs.shape or len(modes) != n or \
                    modes.shape[1] > self._MAX_MODES:
                raise ValueError(f"predictions[{key}] must be modes (N={n}, K<=16, T, 2) and "
                                 f"probabilities (N, K); got {modes.shape} and {probs.shape}")
            self.predictions[(int(key[0]), int(key[1]))] = (modes, probs)
        self.anchors = {int(k): as_array(v, f"anchors[{k}]", ndim=3) for k, v in anchors.items()}
        self.scores = {key: {k: min_ade_fde(m, p, self.future, k=min(k, m.shape[1]))
                             for k in (1, 3, 6)} for key, (m, p) in self.predictions.items()}
        super().__init__()

    def _build(self) -> None:
        ks = sorted({k for k, _ in self.predictions})
        hs = sorted({h for _, h in self.predictions})
        self.controls = {
            "anchors": W.Dropdown(options=ks, value=ks[len(ks) // 2],
                                  description="number of anchors K", style=_STYLE),
            "history": W.Dropdown(options=hs, value=hs[-1],
                                  description="past positions the model sees", style=_STYLE),
            "agent": W.IntSlider(value=0, min=0, max=len(self.history) - 1,
                                 description="agent", style=_STYLE),
        }
        ax = self.figure.subplots()
        self._road = ax.add_collection(LineCollection([], colors="0.55", lw=1))
        self._anchor_lines = ax.add_collection(LineCollection([], colors="0.75", lw=0.8,
                                                              linestyles="--"))
        self._modes = [ax.plot([], [], "-", color="tab:purple")[0] for _ in range(self._MAX_MODES)]
        # A mode may end outside the view: its probability is written at the nearest point
        # inside (clipped to the axes, never floating over the title).
        self._probs = [ax.text(0, 0, "", fontsize=8, color="tab:purple", clip_on=True)
                       for _ in range(self._MAX_MODES)]
        self._past, = ax.plot([], [], "k.", ms=5, label="past the model sees")
        self._unseen, = ax.plot([], [], ".", color="0.7", ms=4, label="older past (unseen)")
        self._truth, = ax.plot([], [], "-", color="tab:green", lw=2, label="true future")
        ax.plot([], [], "-", color="tab:purple", label="predicted modes (width: probability)")
        ax.plot([], [], "--", color="0.75", label="anchors")
        ax.set_xlim(*self._XLIM)
        ax.set_ylim(*self._YLIM)
        ax.set_aspect("equal")
        ax.set(xlabel="x (m)", ylabel="y (m, along the lane)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.03, 1.0))
        self._title = ax.set_title("", fontsize=9)
        self.dynamic = [self._road, self._anchor_lines, *self._modes, *self._probs, self._past,
                        self._unseen, self._truth, self._title]

    def compute(self) -> dict[str, Any]:
        k = int(self.controls["anchors"].value)
        h = int(self.controls["history"].value)
        i = check_int(self.controls["agent"].value, "agent", min=0, max=len(self.history) - 1)
        if (k, h) not in self.predictions:
            raise ValueError(f"no model was trained for K={k} anchors and {h} past positions")
        modes, probs = self.predictions[(k, h)]
        ade, fde = min_ade_fde(modes[i:i + 1], probs[i:i + 1], self.future[i:i + 1],
                               k=min(6, modes.shape[1]))
        return {"k": k, "h": h, "i": i, "modes": modes[i], "probs": probs[i], "ade": ade,
                "fde": fde}

    def draw(self, r: dict[str, Any]) -> str:
        i, h = r["i"], r["h"]
        self._road.set_segments(road_segments(float(np.clip(self.distance[i], -100, 100))))
        anchors = self.anchors.get(r["k"])
        self._anchor_lines.set_segments([] if anchors is None else
                                        [np.vstack([[0, 0], a]) for a in anchors])
        p = r["probs"]
        for j, (line, label) in enumerate(zip(self._modes, self._probs, strict=True)):
            on = j < len(p)
            line.set_visible(on)
            label.set_visible(on and p[j] >= 0.05)
            if on:
                line.set_data(*np.vstack([[0, 0], r["modes"][j]]).T)
                line.set_linewidth(0.6 + 6 * p[j])
                line.set_alpha(0.25 + 0.75 * p[j] / p.max())
                end = r["modes"][j][-1]
                label.set_position((float(np.clip(end[0], self._XLIM[0] + 1, self._XLIM[1] - 6)),
                                    float(np.clip(end[1], self._YLIM[0] + 1, self._YLIM[1] - 3))))
                label.set_text(f"{p[j]:.2f}")
        hist = self.history[i]
        self._past.set_data(*hist[-h:].T)
        self._unseen.set_data(*hist[:-h].T.reshape(2, -1))
        self._truth.set_data(*np.vstack([hist[-1:], self.future[i]]).T)
        self._title.set_text(f"agent {i}: K = {r['k']} anchors, {h} past position(s)")
        s = self.scores[(r["k"], h)]
        return (f"This agent: minADE@6 {r['ade']:.2f} m, minFDE@6 {r['fde']:.2f} m. This model "
                f"on all {len(self.history)} agents shown: minADE@1 {s[1][0]:.2f} m, @3 "
                f"{s[3][0]:.2f} m, @6 {s[6][0]:.2f} m. One model per (K, history) setting was "
                "trained in the notebook before this explorer was built.")


def multipath_explorer(predictions: Mapping[tuple[int, int], tuple[Any, Any]], *, history: Any,
                       future: Any, distance: Any,
                       anchors: Mapping[int, Any]) -> MultiPathExplorer:
    """Predicted modes for each (number of anchors, history length) setting (returned).

    ``predictions[(K, h)] = (modes (N, K, T, 2), probabilities (N, K))`` for the same N agents
    given by ``history`` (N, T_h, 2), ``future`` (N, T, 2) and ``distance`` (N,); ``anchors[K]``
    the (K, T, 2) anchors of that setting.
    """
    return MultiPathExplorer(predictions, history=history, future=future, distance=distance,
                             anchors=anchors)


@register_bench("multipath")
def _bench_multipath() -> MultiPathExplorer:
    from ..trajectories import make_agent_dataset, trajectory_anchors

    data = make_agent_dataset(300, rng=0)
    predictions, anchors = {}, {}
    for k in (4, 8):
        anchors[k] = trajectory_anchors(data["future"], k, rng=0, attempts=1)
        modes = np.repeat(anchors[k][None], 50, axis=0)
        for h in (1, 8):
            predictions[(k, h)] = (modes, np.full((50, k), 1 / k))
    return multipath_explorer(predictions, history=data["history"][:50],
                              future=data["future"][:50], distance=data["distance"][:50],
                              anchors=anchors)
