"""Static figures for chapter 22 (chapters/22_frontiers_detection.ipynb and
chapters/22_frontiers_search.ipynb): CenterNet's radius rule, targets and outputs; CRAFT's
maps and words; the architecture search's scatter, progress and supernet; trajectories, anchors
and predicted modes.

Plain matplotlib, imported inside each function (the algorithm modules
:mod:`helpers.centernet`, :mod:`helpers.text_detection`, :mod:`helpers.nas` and
:mod:`helpers.trajectories` never import it). Every function returns its Figure. Images are
drawn with ``extent=(0, W, H, 0)``, so boxes in pixel-edge coordinates land on the pixels
they cover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_boxes,
    check_float,
    check_image,
    check_instance,
    check_int,
    describe,
)

__all__ = [
    "plot_agents",
    "plot_anchors",
    "plot_predicted_modes",
    "plot_radius_rule",
    "plot_search_progress",
    "plot_search_results",
    "plot_supernet",
    "road_segments",
    "show_centernet_outputs",
    "show_centernet_targets",
    "show_text_detections",
    "show_text_targets",
]

#: One colour per behaviour of :data:`helpers.trajectories.BEHAVIOURS`.
BEHAVIOUR_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")
#: One colour per search method in :func:`plot_search_results`.
METHOD_COLOURS = ("tab:blue", "tab:orange", "tab:purple", "tab:brown")
MAX_PANELS = 12


def _show(ax, image, title=None):
    h, w = image.shape[:2]
    ax.imshow(image, extent=(0, w, h, 0), cmap="gray" if image.ndim == 2 else None)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)


def _boxes(ax, boxes, colour, lw=1.5, ls="-"):
    import matplotlib.patches as mpatches

    for x1, y1, x2, y2 in boxes:
        ax.add_patch(mpatches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=lw,
                                        ls=ls))


def _per_image(value: Any, name: str, what: str) -> Sequence[Any]:
    """A list or tuple with one entry per image (detections, truths, predictions)."""
    check_instance(value, name, (list, tuple), f"a list with one {what} per image")
    return value


def _strings(value: Any, name: str, what: str) -> tuple[str, ...]:
    check_instance(value, name, (list, tuple), f"a sequence of {what}")
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must hold strings ({what}); got {describe(value)}")
    return tuple(value)


def _names(class_names: Any) -> tuple[str, ...]:
    check_instance(class_names, "class_names", (tuple, list), "a tuple of class names")
    if not 1 <= len(class_names) <= 100 or not all(isinstance(c, str) for c in class_names):
        raise ValueError(f"class_names must be 1 to 100 strings; got {describe(class_names)}")
    return tuple(class_names)


# -- CenterNet ---------------------------------------------------------------------------------
def plot_radius_rule(height: float, width: float, *, min_overlap: float = 0.7,
                     size: tuple[float, float] = (7.0, 3.2)):
    """IoU of a displaced box against the true one, for CornerNet's three cases, and the radius.

    Parameters
    ----------
    height, width : float
        The true box (pixels or cells), 1 to 10,000.
    min_overlap : float
        The IoU ``t`` the radius keeps, in (0, 1).
    size : (float, float)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        IoU against the displacement ``r`` for the box moved by ``(r, r)``, shrunk and grown by
        ``r`` at both corners; the line IoU = t; the exact radius (and CenterNet's code's).
    """
    import matplotlib.pyplot as plt

    from .centernet import gaussian_radius

    h = check_float(height, "height", min=1, max=10_000)
    w = check_float(width, "width", min=1, max=10_000)
    t = check_float(min_overlap, "min_overlap", min=0, max=1, min_inclusive=False,
                    max_inclusive=False)
    r = np.linspace(0, min(h, w) / 2, 200)
    moved = (w - r) * (h - r) / (2 * w * h - (w - r) * (h - r))
    shrunk = (w - 2 * r).clip(0) * (h - 2 * r).clip(0) / (w * h)
    grown = w * h / ((w + 2 * r) * (h + 2 * r))
    exact = gaussian_radius(h, w, min_overlap=t)
    code = gaussian_radius(h, w, min_overlap=t, rule="centernet_code")
    fig, ax = plt.subplots(figsize=_pair(size), layout="constrained")
    ax.plot(r, moved, label="both corners shift the same way")
    ax.plot(r, shrunk, label="both corners move inwards")
    ax.plot(r, grown, label="both corners move outwards")
    ax.axhline(t, color="k", lw=0.8, ls=":", label=f"IoU = {t:g}")
    ax.axvline(exact, color="tab:red", label=f"exact radius {exact:.2f}")
    if code < r[-1]:
        ax.axvline(code, color="tab:red", ls="--", label=f"CenterNet code's radius {code:.2f}")
    ax.set(xlabel="corner displacement r", ylabel="IoU with the true box", ylim=(0, 1.02),
           title=f"a {w:g} x {h:g} box")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _pair(size):
    if not (isinstance(size, (tuple, list)) and len(size) == 2):
        raise TypeError(f"size must be a (width, height) pair in inches; got {describe(size)}")
    return tuple(check_float(v, f"size[{i}]", min=0, max=40, min_inclusive=False)
                 for i, v in enumerate(size))


def show_centernet_targets(image: Any, boxes: Any, heatmap: Any, *, class_names: Sequence[str],
                           stride: int = 4, size: float = 2.6):
    """An image with its boxes and centres, next to CenterNet's heatmap target of each class.

    Parameters
    ----------
    image : (H, W, 3) ndarray
    boxes : (K, 4) array_like
        xyxy boxes in pixels.
    heatmap : (C, H / stride, W / stride) array_like
        :func:`helpers.centernet.centernet_heatmap`.
    class_names : sequence of str
        C names.
    stride : int
        Pixels per heatmap cell (1 to 64).
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    img = check_image(image)
    b = check_boxes(boxes)
    heat = as_array(heatmap, "heatmap", ndim=3, shape_hint="(C, h, w)")
    names = _names(class_names)
    r = check_int(stride, "stride", min=1, max=64)
    size = check_float(size, "size", min=0.5, max=10)
    if len(names) != len(heat) or len(heat) > MAX_PANELS:
        raise ValueError(f"class_names must name the heatmap's {len(heat)} classes (at most "
                         f"{MAX_PANELS}); got {len(names)}")
    fig, axes = plt.subplots(1, 1 + len(heat), figsize=(size * (1 + len(heat)) + 0.6, size),
                             layout="constrained")
    _show(axes[0], img, "image, boxes and centres")
    _boxes(axes[0], b, "yellow")
    axes[0].plot((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, "r+", ms=8)
    im = None
    for ax, m, name in zip(axes[1:], heat, names, strict=True):
        h, w = m.shape
        im = ax.imshow(m, vmin=0, vmax=1, cmap="magma", extent=(0, w * r, h * r, 0))
        ax.set_title(f"heatmap: {name}", fontsize=9)
        ax.set_axis_off()
    fig.colorbar(im, ax=list(axes[1:]), shrink=0.8, label="target score")
    return fig


def show_centernet_outputs(images: Any, heatmaps: Any, detections: Sequence[Any],
                           truths: Sequence[Any], *, stride: int = 4, size: float = 2.4):
    """Images with detections (green) and true boxes (white, dotted), over the predicted
    heatmaps (the maximum over classes).

    Parameters
    ----------
    images : (N, H, W, 3) ndarray
        1 to 8 images.
    heatmaps : (N, C, H / stride, W / stride) array_like
    detections : sequence of N (boxes, scores, classes)
    truths : sequence of N (K, 4) box arrays
    stride : int
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows: the detections, then the heatmaps with the detected centres.
    """
    import matplotlib.pyplot as plt

    imgs = as_array(images, "images", ndim=4, shape_hint="(N, H, W, 3)")
    heat = as_array(heatmaps, "heatmaps", ndim=4, shape_hint="(N, C, h, w)")
    r = check_int(stride, "stride", min=1, max=64)
    size = check_float(size, "size", min=0.5, max=10)
    detections = _per_image(detections, "detections", "(boxes, scores, classes) tuple")
    truths = _per_image(truths, "truths", "(K, 4) box array")
    n = len(imgs)
    if not 1 <= n <= 8 or len(heat) != n or len(detections) != n or len(truths) != n:
        raise ValueError(f"images, heatmaps, detections and truths must hold the same 1 to 8 "
                         f"images; got {n}, {len(heat)}, {len(detections)} and {len(truths)}")
    fig, axes = plt.subplots(2, n, figsize=(size * n + 0.6, 2 * size), squeeze=False,
                             layout="constrained")
    im = None
    for i in range(n):
        if not (isinstance(detections[i], (tuple, list)) and len(detections[i]) == 3):
            raise TypeError(f"detections[{i}] must be a (boxes, scores, classes) tuple; got "
                            f"{describe(detections[i])}")
        boxes = check_boxes(detections[i][0], "detections boxes")
        _show(axes[0, i], check_image(imgs[i], "images[i]"), f"{len(boxes)} detections")
        _boxes(axes[0, i], check_boxes(truths[i], "truths"), "white", lw=1, ls=":")
        _boxes(axes[0, i], boxes, "lime", lw=1.5)
        m = heat[i].max(axis=0)
        h, w = m.shape
        im = axes[1, i].imshow(m, vmin=0, vmax=1, cmap="magma", extent=(0, w * r, h * r, 0))
        axes[1, i].plot((boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2, "c+")
        axes[1, i].set_axis_off()
        axes[1, i].set_title("predicted heatmap (max over classes)", fontsize=8)
    fig.colorbar(im, ax=list(axes[1]), shrink=0.8, label="score")
    return fig


# -- CRAFT ---------------------------------------------------------------------------------------
def show_text_targets(image: Any, char_quads: Any, char_words: Any, region: Any, affinity: Any,
                      *, stride: int = 2, size: float = 3.0):
    """An image with its character boxes (yellow) and affinity boxes (cyan), and CRAFT's two maps.

    Parameters
    ----------
    image : (H, W, 3) ndarray
    char_quads : (K, 4, 2) array_like
    char_words : (K,) array_like of int
    region, affinity : (H / stride, W / stride) array_like
    stride : int
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    from .text_detection import affinity_quads

    img = check_image(image)
    quads = as_array(char_quads, "char_quads", ndim=3, allow_empty=True)
    links = affinity_quads(quads, char_words)
    reg = as_array(region, "region", ndim=2)
    aff = as_array(affinity, "affinity", ndim=2)
    r = check_int(stride, "stride", min=1, max=16)
    size = check_float(size, "size", min=0.5, max=10)
    fig, axes = plt.subplots(1, 3, figsize=(3 * size + 0.6, size), layout="constrained")
    _show(axes[0], img, "character boxes and affinity boxes")
    for q in quads:
        axes[0].add_patch(Polygon(q, fill=False, ec="yellow", lw=1))
    for q in links:
        axes[0].add_patch(Polygon(q, fill=False, ec="cyan", lw=1))
    im = None
    for ax, m, title in ((axes[1], reg, "region score"), (axes[2], aff, "affinity score")):
        h, w = m.shape
        im = ax.imshow(m, vmin=0, vmax=1, cmap="magma", extent=(0, w * r, h * r, 0))
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    fig.colorbar(im, ax=list(axes[1:]), shrink=0.8, label="score")
    return fig


def show_text_detections(images: Any, predictions: Sequence[Any], truths: Sequence[Any], *,
                         titles: Sequence[str] | None = None, size: float = 2.6):
    """Images with predicted word boxes (green) and the true word outlines (white, dotted).

    Parameters
    ----------
    images : (N, H, W, 3) ndarray
        1 to 12 images.
    predictions : sequence of N collections of (V, 2) polygons
    truths : sequence of N lists of (V, 2) polygons
    titles : sequence of N str, optional
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    imgs = as_array(images, "images", ndim=4, shape_hint="(N, H, W, 3)")
    size = check_float(size, "size", min=0.5, max=10)
    predictions = _per_image(predictions, "predictions", "list of (V, 2) polygons")
    truths = _per_image(truths, "truths", "list of (V, 2) polygons")
    if titles is not None:
        titles = _strings(titles, "titles", "panel titles")
    for name, value in (("predictions", predictions), ("truths", truths)):
        for i, polygons in enumerate(value):
            check_instance(polygons, f"{name}[{i}]", (list, tuple, np.ndarray),
                           "a list of (V, 2) polygons")
    n = len(imgs)
    if not 1 <= n <= MAX_PANELS or len(predictions) != n or len(truths) != n or \
            (titles is not None and len(titles) != n):
        raise ValueError(f"images, predictions, truths (and titles) must hold the same 1 to "
                         f"{MAX_PANELS} images; got {n}, {len(predictions)}, {len(truths)}")
    cols = min(n, 6)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    for i, ax in enumerate(axes.ravel()[:n]):
        _show(ax, check_image(imgs[i], "images[i]"), titles[i] if titles is not None else None)
        for p in truths[i]:
            ax.add_patch(Polygon(as_array(p, "truth polygon", ndim=2), fill=False, ec="white",
                                 lw=1, ls=":"))
        for p in predictions[i]:
            ax.add_patch(Polygon(as_array(p, "predicted polygon", ndim=2), fill=False, ec="lime",
                                 lw=1.5))
    return fig


# -- architecture search --------------------------------------------------------------------------
def _records(records: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    check_instance(records, name, (list, tuple), "a list of search records (dicts)")
    if not all(isinstance(r, Mapping) and "macs" in r and "accuracy" in r for r in records):
        raise ValueError(f"{name} must hold dicts with 'macs' and 'accuracy' (from the "
                         "searches of helpers.nas)")
    return (np.array([r["macs"] for r in records], float),
            np.array([r["accuracy"] for r in records], float))


def plot_search_results(searches: Mapping[str, Sequence[Mapping]], *, budget: int | None = None,
                        baseline: tuple[float, float, str] | None = None,
                        everything: Sequence[Mapping] | None = None,
                        size: tuple[float, float] = (8.0, 4.2)):
    """Accuracy against MACs of every candidate, with the Pareto front and the budget.

    Parameters
    ----------
    searches : dict of str to list of records
        One entry per method (at most 4), records from :func:`helpers.nas.random_search` or
        :func:`helpers.nas.evolution_search`.
    budget : int, optional
        The MAC budget, drawn as a vertical line.
    baseline : (macs, accuracy, label), optional
        A reference network (chapter 10's LeNet-5), drawn as a star.
    everything : list of records, optional
        Every architecture of the space (the exhaustive search), drawn in grey with its front.
    size : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .nas import pareto_front

    check_instance(searches, "searches", Mapping, "a dict of method name -> records")
    if not 1 <= len(searches) <= len(METHOD_COLOURS):
        raise ValueError(f"searches must hold 1 to {len(METHOD_COLOURS)} methods; got "
                         f"{len(searches)}")
    fig, ax = plt.subplots(figsize=_pair(size), layout="constrained")
    if everything is not None:
        c, a = _records(everything, "everything")
        ax.scatter(c, a, s=14, c="0.75", label=f"the whole space ({len(c)} architectures)")
        front = pareto_front(c, a)
        ax.step(c[front], a[front], where="post", color="0.5", lw=1, ls="--",
                label="its Pareto front")
    all_c, all_a = [], []
    for (name, recs), colour in zip(searches.items(), METHOD_COLOURS, strict=False):
        c, a = _records(recs, f"searches[{name!r}]")
        ax.scatter(c, a, s=30, c=colour, ec="k", lw=0.4, label=f"{name} ({len(c)} candidates)")
        all_c.append(c)
        all_a.append(a)
    c, a = np.concatenate(all_c), np.concatenate(all_a)
    front = pareto_front(c, a)
    ax.step(c[front], a[front], where="post", color="k", lw=1.5,
            label="Pareto front of the searches")
    if budget is not None:
        ax.axvline(check_int(budget, "budget", min=1), color="tab:red", ls=":",
                   label=f"budget {budget:,} MACs")
    if baseline is not None:
        if not (isinstance(baseline, (tuple, list)) and len(baseline) == 3):
            raise TypeError(f"baseline must be (macs, accuracy, label); got {describe(baseline)}")
        ax.scatter([check_float(baseline[0], "baseline[0]", min=0)],
                   [check_float(baseline[1], "baseline[1]", min=0, max=1)], marker="*", s=220,
                   c="gold", ec="k", zorder=5, label=str(baseline[2]))
    ax.set_xscale("log")
    ax.set(xlabel="MACs per digit (log scale)", ylabel="validation accuracy",
           title="architecture search: accuracy against cost")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def plot_search_progress(searches: Mapping[str, Sequence[Mapping]], *,
                         size: tuple[float, float] = (6.0, 3.2)):
    """Best validation accuracy found so far against the number of candidates trained.

    Parameters
    ----------
    searches : dict of str to list of records
        As :func:`plot_search_results`.
    size : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    check_instance(searches, "searches", Mapping, "a dict of method name -> records")
    if not 1 <= len(searches) <= len(METHOD_COLOURS):
        raise ValueError(f"searches must hold 1 to {len(METHOD_COLOURS)} methods; got "
                         f"{len(searches)}")
    fig, ax = plt.subplots(figsize=_pair(size), layout="constrained")
    for (name, recs), colour in zip(searches.items(), METHOD_COLOURS, strict=False):
        _, a = _records(recs, f"searches[{name!r}]")
        ax.plot(np.arange(1, len(a) + 1), np.maximum.accumulate(a), "o-", color=colour,
                label=name)
    ax.set(xlabel="candidates trained", ylabel="best validation accuracy so far",
           title="search progress")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_supernet(*, blocks: int = 4, choices: Sequence[str] = ("3x3", "5x5", "7x7", "xcep"),
                  path: Sequence[int] = (0, 2, 1, 3), size: tuple[float, float] = (9.0, 3.4)):
    """Weight sharing in one picture: a supernet whose blocks each hold every choice.

    Parameters
    ----------
    blocks : int
        Blocks in the drawing (2 to 8).
    choices : sequence of str
        The operations each block can use (2 to 6; DetNAS has four).
    path : sequence of int
        The choice taken in each block (one sampled architecture), drawn in colour.
    size : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
        Left: the supernet, one path highlighted. Right: what each approach trains.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    n = check_int(blocks, "blocks", min=2, max=8)
    choices = _strings(choices, "choices", "operation names")
    if not 2 <= len(choices) <= 6:
        raise ValueError(f"choices must hold 2 to 6 names; got {len(choices)}")
    p = as_array(path, "path", ndim=1, kinds="iu")
    if len(p) != n or p.min() < 0 or p.max() >= len(choices):
        raise ValueError(f"path must give one choice in [0, {len(choices)}) per block ({n}); got "
                         f"{p.tolist()}")
    fig, (ax, text) = plt.subplots(1, 2, figsize=_pair(size), width_ratios=[1.6, 1],
                                   layout="constrained")
    k = len(choices)
    for b in range(n):
        for c in range(k):
            on = p[b] == c
            ax.add_patch(FancyBboxPatch((b * 1.6, c * 0.8), 1.1, 0.55, boxstyle="round,pad=0.03",
                                        fc="tab:orange" if on else "0.9", ec="k", lw=0.6))
            ax.text(b * 1.6 + 0.55, c * 0.8 + 0.27, str(choices[c]), ha="center", va="center",
                    fontsize=8)
        if b:
            ax.annotate("", xy=(b * 1.6, p[b] * 0.8 + 0.27),
                        xytext=((b - 1) * 1.6 + 1.1, p[b - 1] * 0.8 + 0.27),
                        arrowprops={"arrowstyle": "->", "color": "tab:orange", "lw": 1.5})
        ax.text(b * 1.6 + 0.55, -0.35, f"block {b + 1}", ha="center", fontsize=8)
    ax.set_xlim(-0.2, n * 1.6)
    ax.set_ylim(-0.6, k * 0.8)
    ax.set_axis_off()
    ax.set_title(f"supernet: {k} choices in each of {n} blocks = {k ** n:,} architectures; "
                 "one path (orange) is one of them", fontsize=9)
    text.set_axis_off()
    text.text(0, 0.95, "train every candidate separately\n"
                       "  cost = candidates x one training\n\n"
                       "one-shot (weight sharing)\n"
                       "  train the supernet once, a random path per batch\n"
                       "  score a candidate = run its path with the\n"
                       "  inherited weights: no training\n"
                       "  cost = one (longer) training + cheap evaluations\n\n"
                       "DetNAS: supernet pre-trained on ImageNet,\n"
                       "  fine-tuned on detection, then evolution\n"
                       "  scores paths on the detection task",
              va="top", fontsize=8.5, family="monospace", transform=text.transAxes)
    return fig


# -- trajectories ---------------------------------------------------------------------------------
def road_segments(distance: float, *, lane: float = 3.5, extent: float = 60.0) -> np.ndarray:
    """Kerb lines of the junction in an agent's lane frame, for drawing.

    Parameters
    ----------
    distance : float
        Metres from the agent to the junction (-100 to 100).
    lane : float
        Half the road's width in metres (0.5 to 20).
    extent : float
        How far the roads are drawn (1 to 500 m).

    Returns
    -------
    (M, 2, 2) ndarray
        Line segments ``[(x0, y0), (x1, y1)]``, for a ``LineCollection``: the approach road
        along y up to the junction, the crossing road along x, the road beyond, and the line.

    Examples
    --------
    >>> road_segments(10.0).shape
    (9, 2, 2)
    """
    d = check_float(distance, "distance", min=-100, max=100)
    a = check_float(lane, "lane", min=0.5, max=20)
    e = check_float(extent, "extent", min=1, max=500)
    y0, y1 = d, d + 2 * a  # the crossing road spans y0..y1 (its near and far kerbs)
    return np.array([
        [(-a, -e), (-a, y0)], [(a, -e), (a, y0)],          # approach road
        [(-e, y0), (-a, y0)], [(a, y0), (e, y0)],          # near kerb of the crossing road
        [(-e, y1), (-a, y1)], [(a, y1), (e, y1)],          # far kerb
        [(-a, y1), (-a, e)], [(a, y1), (a, e)],            # road beyond
        [(-a, y0), (a, y0)],                               # the stop line
    ], float)


def _road(ax, distance, view):
    from matplotlib.collections import LineCollection

    segs = road_segments(float(np.clip(distance, -100, 100)))
    ax.add_collection(LineCollection(segs[:-1], colors="0.55", lw=1))
    ax.add_collection(LineCollection(segs[-1:], colors="k", lw=2, linestyles=":"))
    ax.set_xlim(-view, view)
    ax.set_ylim(-view * 0.45, view * 1.25)
    ax.set_aspect("equal")


def plot_agents(data: Mapping[str, np.ndarray], indices: Sequence[int], *, size: float = 2.6):
    """A few agents on their junction: past (dots), future (line), coloured by behaviour.

    Parameters
    ----------
    data : dict
        :func:`helpers.trajectories.make_agent_dataset`'s output.
    indices : sequence of int
        1 to 12 agents to draw.
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .trajectories import BEHAVIOURS

    check_instance(data, "data", Mapping, "make_agent_dataset's dict")
    idx = as_array(indices, "indices", ndim=1, kinds="iu")
    if len(idx) > MAX_PANELS or idx.min() < 0 or idx.max() >= len(data["history"]):
        raise ValueError(f"indices must be 1 to {MAX_PANELS} agents in [0, "
                         f"{len(data['history'])}); got {idx.tolist()}")
    size = check_float(size, "size", min=0.5, max=10)
    cols = min(len(idx), 6)
    rows = -(-len(idx) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows * 1.1), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel()[len(idx):]:
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), idx, strict=False):
        b = int(data["behaviour"][i])
        _road(ax, data["distance"][i], 35)
        ax.plot(*data["history"][i].T, ".", color="k", ms=4)
        ax.plot(*np.vstack([data["history"][i][-1:], data["future"][i]]).T, "-",
                color=BEHAVIOUR_COLOURS[b], lw=2)
        ax.set_title(f"{BEHAVIOURS[b]}, junction at {data['distance'][i]:.0f} m", fontsize=8)
        ax.tick_params(labelsize=7)
    return fig


def plot_anchors(anchors: Any, futures: Any, *, sample: int = 300, rng: int = 0,
                 size: tuple[float, float] = (4.6, 4.6)):
    """The anchor trajectories over a sample of the training futures.

    Parameters
    ----------
    anchors : (K, T, 2) array_like
    futures : (N, T, 2) array_like
    sample : int
        Futures drawn (1 to 5,000).
    rng : int
        Seed for the sample.
    size : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    a = as_array(anchors, "anchors", ndim=3, shape_hint="(K, T, 2)")
    s = as_array(futures, "futures", ndim=3, shape_hint="(N, T, 2)")
    if len(a) > 256:
        raise ValueError(f"at most 256 anchors; got {len(a)}")
    k = check_int(sample, "sample", min=1, max=5000)
    pick = np.random.default_rng(check_int(rng, "rng", min=0)).choice(len(s), min(k, len(s)),
                                                                       replace=False)
    fig, ax = plt.subplots(figsize=_pair(size), layout="constrained")
    for f in s[pick]:
        ax.plot(*np.vstack([[0, 0], f]).T, color="0.8", lw=0.6)
    cmap = plt.get_cmap("tab20")
    for j, anchor in enumerate(a):
        ax.plot(*np.vstack([[0, 0], anchor]).T, "-o", ms=2.5, lw=2, color=cmap(j % 20))
    ax.set_aspect("equal")
    ax.set(xlabel="x (m)", ylabel="y (m, along the lane)",
           title=f"{len(a)} anchors (k-means) over {len(pick)} training futures")
    ax.grid(alpha=0.3)
    return fig


def plot_predicted_modes(history: Any, future: Any, modes: Any, probabilities: Any, *,
                         distance: float, baseline: Any = None, top: int = 6, ax=None,
                         size: tuple[float, float] = (4.4, 4.6)):
    """One agent: its past, its true future, the predicted modes (width ~ probability).

    Parameters
    ----------
    history : (T_h, 2) array_like
    future : (T, 2) array_like
    modes : (K, T, 2) array_like
    probabilities : (K,) array_like
    distance : float
        Metres to the junction (for the road).
    baseline : (T, 2) array_like, optional
        The constant-velocity prediction, dashed.
    top : int
        Draw the ``top`` most probable modes (1 to 256).
    ax : matplotlib Axes, optional
    size : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    h = as_array(history, "history", ndim=2)
    f = as_array(future, "future", ndim=2)
    m = as_array(modes, "modes", ndim=3)
    p = as_array(probabilities, "probabilities", ndim=1)
    if len(p) != len(m) or m.shape[1:] != f.shape or len(m) > 256:
        raise ValueError(f"modes (K, T, 2), probabilities (K,) and future (T, 2) must agree; got "
                         f"{m.shape}, {p.shape} and {f.shape}")
    top = check_int(top, "top", min=1, max=256)
    if ax is None:
        fig, ax = plt.subplots(figsize=_pair(size), layout="constrained")
    else:
        from matplotlib.axes import Axes

        check_instance(ax, "ax", Axes, "a matplotlib Axes")
        fig = ax.figure
    _road(ax, check_float(distance, "distance", min=-100, max=100), 35)
    order = np.argsort(-p, kind="stable")[:top]
    for rank, j in enumerate(order):
        ax.plot(*np.vstack([[0, 0], m[j]]).T, "-", color="tab:purple", lw=0.8 + 5 * p[j],
                alpha=0.35 + 0.65 * p[j] / p.max(),
                label="predicted modes (width: probability)" if rank == 0 else None)
        ax.text(*m[j][-1], f"{p[j]:.2f}", fontsize=7, color="tab:purple")
    if baseline is not None:
        ax.plot(*np.vstack([h[-1:], as_array(baseline, "baseline", ndim=2)]).T, "--",
                color="tab:red", lw=1.2, label="constant velocity")
    ax.plot(*h.T, "k.", ms=5, label="past")
    ax.plot(*np.vstack([h[-1:], f]).T, "-", color="tab:green", lw=2, label="true future")
    ax.legend(fontsize=7, loc="lower left")
    return fig
