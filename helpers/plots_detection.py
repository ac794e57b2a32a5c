"""Figures for chapters/12_localization.ipynb and chapters/13_detection.ipynb (plain matplotlib;
the algorithms are in helpers.boxes, helpers.ops, helpers.yolo and helpers.evaluation).

Kept apart from the algorithm modules, which never import matplotlib. Every function returns the
matplotlib Figure; boxes are ``(N, 4)`` xyxy in the image's pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_boxes,
    check_float,
    check_image,
    check_instance,
    check_int,
    check_pair,
    describe,
)
from .boxes import assign_anchors, box_iou, encode_boxes, make_anchors
from .ops import sliding_windows

__all__ = [
    "plot_anchor_shapes",
    "plot_head_objectness",
    "plot_pr_curves",
    "plot_region_detectors",
    "plot_rpn",
    "plot_sliding_windows",
    "plot_ssd_default_boxes",
    "show_boxes",
]

#: Most images one figure shows.
MAX_PANELS = 24
#: Colours of boxes by class (cycled), readable on photos.
BOX_COLOURS = ("#ffd400", "#00e5ff", "#ff4fd8", "#7cff4f", "#ff8c1a", "#b49cff")


def _size(size: Any, name: str = "size") -> float:
    return check_float(size, name, min=0, max=40, min_inclusive=False)


def _check_ax(ax: Any, name: str = "ax") -> Any:
    if ax is not None and not (hasattr(ax, "figure") and hasattr(ax, "imshow")):
        raise TypeError(f"{name} must be a matplotlib Axes or None; got {describe(ax)}")
    return ax


def _names(class_names: Any) -> tuple[str, ...] | None:
    if class_names is None:
        return None
    return _strings(class_names, "class_names")


def _strings(values: Any, name: str, count: int | None = None) -> tuple[str, ...]:
    check_instance(values, name, (list, tuple), "a list of str")
    if not values or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{name} must be a non-empty list of str; got {describe(values)}")
    if count is not None and len(values) != count:
        raise ValueError(f"{name} must have one entry per panel ({count}); got {len(values)}")
    return tuple(values)


def _image_list(images: Any, name: str = "images") -> list[np.ndarray]:
    if isinstance(images, np.ndarray) and images.ndim == 4:
        images = list(images)
    check_instance(images, name, (list, tuple), "a list of (H, W, 3) or (H, W) images")
    if not 1 <= len(images) <= MAX_PANELS:
        raise ValueError(f"{name} must hold 1 to {MAX_PANELS} images; got {len(images)}")
    return [check_image(im, f"{name}[{i}]") for i, im in enumerate(images)]


def _draw_boxes(ax, boxes: np.ndarray, texts: Sequence[str] | None, colours: Sequence[str],
                shape: tuple[int, int], lw: float = 2.0, fontsize: float = 9) -> None:
    from matplotlib.patches import Rectangle

    h, w = shape
    placed: list[tuple[float, float]] = []
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        colour = colours[k % len(colours)]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=lw))
        if texts is None or not texts[k]:
            continue
        # Above the box's top edge, or just inside it when the box touches the image's top;
        # moved down a line while it would cover an earlier (higher-scored) box's label.
        inside = y1 < 0.08 * h
        y = y1
        while any(abs(px - x1) < 0.3 * w and abs(py - y) < 0.06 * h for px, py in placed):
            y, inside = y + 0.07 * h, True
        placed.append((x1, y))
        ax.text(x1 + lw, y, texts[k], color="k", fontsize=fontsize, clip_on=True,
                va="top" if inside else "bottom", bbox={"fc": colour, "ec": "none", "pad": 1})


def show_boxes(
    images: Any,
    boxes: Any,
    labels: Any = None,
    *,
    scores: Any = None,
    class_names: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
    size: float = 3.0,
    columns: int | None = None,
):
    """Images with their boxes, each labelled with its class (and score).

    Parameters
    ----------
    images : list of (H, W, 3) or (H, W) ndarray, or (N, H, W, 3) ndarray
        1 to 24 images.
    boxes : list of (K_i, 4) array_like
        xyxy boxes per image.
    labels : list of (K_i,) array_like of int, optional
        Class per box (colours follow the class; names from ``class_names``).
    scores : list of (K_i,) array_like, optional
        Shown after the name ("cat 0.37").
    class_names : sequence of str, optional
    titles : sequence of str, optional
        One per image.
    size : float
        Inches per panel (0 to 40).
    columns : int, optional
        Panels per row (default: all in one row).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_boxes([np.zeros((8, 8, 3))], [[[1, 1, 5, 6]]], [[0]], class_names=("x",))
    >>> len(fig.axes[0].patches)
    1
    """
    import matplotlib.pyplot as plt

    imgs = _image_list(images)
    n = len(imgs)
    names = _names(class_names)
    per_image = []
    for key, value in (("boxes", boxes), ("labels", labels), ("scores", scores)):
        if value is None:
            per_image.append([None] * n)
            continue
        if len(value) != n:
            raise ValueError(f"{key} must have one entry per image ({n}); got {len(value)}")
        per_image.append(list(value))
    if titles is not None:
        titles = _strings(titles, "titles", n)
    size = _size(size)
    cols = n if columns is None else check_int(columns, "columns", min=1, max=MAX_PANELS)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols * 1.1, size * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel():
        ax.set_axis_off()
    for i, (ax, im) in enumerate(zip(axes.ravel(), imgs, strict=False)):
        b = check_boxes(per_image[0][i], f"boxes[{i}]")
        lab = per_image[1][i]
        sc = per_image[2][i]
        if lab is not None and not isinstance(lab, str) and np.size(lab) == 0:
            lab = np.zeros(0, np.int64)  # an empty list has no integer dtype of its own
        lab = None if lab is None else as_array(lab, f"labels[{i}]", ndim=1, kinds="iu",
                                                allow_empty=True)
        if lab is not None and len(lab) != len(b):
            raise ValueError(f"labels[{i}] must have one class per box ({len(b)}); got {len(lab)}")
        if lab is not None and len(lab) and (lab.min() < 0 or (names and lab.max() >= len(names))):
            raise ValueError(f"labels[{i}] must index class_names; got {lab.tolist()[:8]}")
        sc = None if sc is None else as_array(sc, f"scores[{i}]", ndim=1, allow_empty=True)
        if sc is not None and len(sc) != len(b):
            raise ValueError(f"scores[{i}] must have one score per box ({len(b)}); got {len(sc)}")
        texts = None
        if lab is not None or sc is not None:
            texts = []
            for k in range(len(b)):
                name = "" if lab is None else (names[lab[k]] if names else str(lab[k]))
                texts.append(f"{name} {sc[k]:.2f}".strip() if sc is not None else name)
        colours = ([BOX_COLOURS[int(c) % len(BOX_COLOURS)] for c in lab] if lab is not None
                   else [BOX_COLOURS[0]])
        h, w = im.shape[:2]
        ax.imshow(im, extent=(0, w, h, 0), cmap="gray" if im.ndim == 2 else None)
        _draw_boxes(ax, b, texts, colours or [BOX_COLOURS[0]], (h, w))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        if titles is not None:
            ax.set_title(titles[i], fontsize=11)
    return fig


def plot_anchor_shapes(image: Any, anchor_sets: dict[str, Any], *, size: float = 3.6):
    """Anchor shapes ``(w, h)`` drawn centred on a photo, one panel per set, to compare them.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
    anchor_sets : dict of str to (K, 2) array_like
        Title -> anchor widths and heights in the image's pixels (1 to 6 sets, each 1 to 64
        anchors).
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_anchor_shapes(np.zeros((20, 20)), {"two": [[4, 8], [10, 5]]})
    >>> len(fig.axes[0].patches)
    2
    """
    import matplotlib.pyplot as plt

    img = check_image(image, "image")
    check_instance(anchor_sets, "anchor_sets", dict, "a dict title -> (K, 2) anchor sizes")
    if not 1 <= len(anchor_sets) <= 6:
        raise ValueError(f"anchor_sets must hold 1 to 6 sets; got {len(anchor_sets)}")
    sets = {}
    for title, wh in anchor_sets.items():
        check_instance(title, "anchor_sets key", str)
        arr = as_array(wh, f"anchor_sets[{title!r}]", ndim=2, shape_hint="(K, 2)")
        if arr.shape[1] != 2 or not 1 <= len(arr) <= 64 or (arr <= 0).any():
            raise ValueError(f"anchor_sets[{title!r}] must be 1 to 64 positive (w, h) pairs; "
                             f"got shape {arr.shape}")
        sets[title] = arr.astype(float)
    size = _size(size)
    h, w = img.shape[:2]
    fig, axes = plt.subplots(1, len(sets), figsize=(size * len(sets) * w / h + 0.6, size + 0.4),
                             squeeze=False, layout="constrained")
    for ax, (title, wh) in zip(axes[0], sets.items(), strict=True):
        ax.imshow(img, extent=(0, w, h, 0), cmap="gray" if img.ndim == 2 else None, alpha=0.75)
        cx, cy = w / 2, h / 2
        boxes = np.c_[cx - wh[:, 0] / 2, cy - wh[:, 1] / 2, cx + wh[:, 0] / 2, cy + wh[:, 1] / 2]
        colours = [plt.get_cmap("viridis")(k / max(len(wh) - 1, 1)) for k in range(len(wh))]
        for (x1, y1, x2, y2), colour, (bw, bh) in zip(boxes, colours, wh, strict=True):
            ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=2.2,
                                       label=f"{bw:.0f} x {bh:.0f}"))
        ax.set_xlim(min(0, boxes[:, 0].min()), max(w, boxes[:, 2].max()))
        ax.set_ylim(max(h, boxes[:, 3].max()), min(0, boxes[:, 1].min()))
        ax.set_title(title, fontsize=11)
        ax.set_axis_off()
        ax.legend(title="w x h (pixels)", fontsize=8, title_fontsize=9, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_sliding_windows(image: Any, windows: Sequence[tuple[int, int]], *, size: float = 3.4):
    """Every position of a sliding window over a photo (faint), one position highlighted, for
    each ``(window, stride)``; the title counts the classifier runs.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
    windows : sequence of (int, int)
        ``(window side, stride)`` in pixels, 1 to 4 of them.
    size : float

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_sliding_windows(np.zeros((32, 32)), [(16, 8)])
    >>> fig.axes[0].get_title()
    '16x16 window, stride 8: 9 positions'
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    img = check_image(image, "image")
    check_instance(windows, "windows", (list, tuple), "a list of (window, stride) pairs")
    if not 1 <= len(windows) <= 4:
        raise ValueError(f"windows must hold 1 to 4 (window, stride) pairs; got {len(windows)}")
    h, w = img.shape[:2]
    pairs = [check_pair(p, f"windows[{i}]", min=1, max=4096, hint="(window, stride)")
             for i, p in enumerate(windows)]
    for i, (window, _) in enumerate(pairs):
        if window > min(h, w):
            raise ValueError(f"windows[{i}]: a {window}-pixel window does not fit the "
                             f"{h}x{w} image")
    size = _size(size)
    fig, axes = plt.subplots(1, len(pairs), figsize=(size * len(pairs) * w / h, size + 0.3),
                             squeeze=False, layout="constrained")
    for ax, (window, stride) in zip(axes[0], pairs, strict=True):
        boxes = sliding_windows((h, w), window=window, stride=stride)
        ax.imshow(img, extent=(0, w, h, 0), cmap="gray" if img.ndim == 2 else None)
        x1, y1, x2, y2 = boxes.T
        outline = np.stack([np.c_[x1, y1], np.c_[x2, y1], np.c_[x2, y2], np.c_[x1, y2],
                            np.c_[x1, y1]], axis=1)
        ax.add_collection(LineCollection(outline[:: max(1, len(boxes) // 400)], colors="w",
                                         lw=0.5, alpha=0.35))
        bx = boxes[len(boxes) // 2]
        ax.add_patch(Rectangle(bx[:2], window, window, fill=False, ec="#ffd400", lw=2.5))
        ax.set_title(f"{window}x{window} window, stride {stride}: {len(boxes):,} positions",
                     fontsize=10)
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
    return fig


def _block(ax, x, y, text, colour, width=1.55, height=0.62, fontsize=8.5):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.08", fc=colour,
                                ec="0.25", lw=1))
    ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, x0, x1, y):
    ax.annotate("", xy=(x1, y), xytext=(x0, y),
                arrowprops={"arrowstyle": "-|>", "color": "0.2", "lw": 1.2})


def plot_region_detectors(*, size: float = 10.0):
    """R-CNN, Fast R-CNN and Faster R-CNN as three pipelines, per-region work in red, shared
    work in green.

    Parameters
    ----------
    size : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_region_detectors()
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_text().endswith("R-CNN")]
    ['R-CNN', 'Fast R-CNN', 'Faster R-CNN']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    size = _size(size)
    shared, per_region, other = "#b9e4b0", "#f4b6b0", "#dde3ea"
    rows = [
        ("R-CNN", [("image", other), ("~2,000 proposals\n(Selective Search)", other),
                   ("warp each\nto 227 x 227", per_region),
                   ("CNN on each crop\n(2,000 passes)", per_region),
                   ("SVM per class\n+ box regressor", per_region)]),
        ("Fast R-CNN", [("image", other), ("CNN once:\nfeature map", shared),
                        ("~2,000 proposals\n(Selective Search)", other),
                        ("RoI pooling:\n7 x 7 per region", per_region),
                        ("FC head: class\n+ box offsets", per_region)]),
        ("Faster R-CNN", [("image", other), ("CNN once:\nfeature map", shared),
                          ("RPN on the map:\nk anchors per cell", shared),
                          ("RoI pooling:\n~300 proposals", per_region),
                          ("FC head: class\n+ box offsets", per_region)]),
    ]
    fig, ax = plt.subplots(figsize=(size, size * 0.36), layout="constrained")
    step = 1.95
    for r, (name, blocks) in enumerate(rows):
        y = 2 - r
        ax.text(-0.15, y, name, ha="right", va="center", fontsize=11, fontweight="bold")
        for k, (text, colour) in enumerate(blocks):
            _block(ax, k * step, y, text, colour)
            if k:
                _arrow(ax, (k - 1) * step + 1.57, k * step - 0.02, y)
    ax.set_xlim(-1.9, len(rows[0][1]) * step)
    ax.set_ylim(-0.55, 2.5)
    ax.set_axis_off()
    ax.legend(handles=[Patch(fc=per_region, ec="0.25", label="work repeated for every region"),
                       Patch(fc=shared, ec="0.25", label="work shared by all regions"),
                       Patch(fc=other, ec="0.25", label="input / outside the network")],
              loc="lower center", ncol=3, fontsize=9, frameon=False,
              bbox_to_anchor=(0.5, -0.14))
    return fig


def plot_rpn(image: Any, truth: Any, *, stride: int = 32, sizes: Sequence[float] = (64, 128, 256),
             aspect_ratios: Sequence[float] = (0.5, 1.0, 2.0), size: float = 4.0):
    """What a region proposal network learns at one cell: its k anchors, the label each gets
    from its IoU with the object, and the offsets a positive anchor must predict.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
    truth : (1, 4) array_like
        One true xyxy box; the cell drawn is the one under its centre.
    stride : int
        Pixels per feature-map cell (1 to 512).
    sizes, aspect_ratios : sequence of float
        As :func:`helpers.boxes.make_anchors` (k = len(sizes) x len(aspect_ratios) <= 16).
    size : float
        Height in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_rpn(np.zeros((128, 128)), [[30, 30, 90, 100]], stride=32, sizes=(64,))
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    img = check_image(image, "image")
    t = check_boxes(truth, "truth")
    if len(t) != 1:
        raise ValueError(f"truth must hold exactly one box, shape (1, 4); got {t.shape}")
    h, w = img.shape[:2]
    stride = check_int(stride, "stride", min=1, max=512)
    if stride > min(h, w):
        raise ValueError(f"stride must be at most the image's shorter side: image is {h}x{w}, "
                         f"stride {stride}")
    size = _size(size)
    gh, gw = h // stride, w // stride
    cx, cy = (t[0, 0] + t[0, 2]) / 2, (t[0, 1] + t[0, 3]) / 2
    i, j = min(int(cy // stride), gh - 1), min(int(cx // stride), gw - 1)
    per_cell = make_anchors((1, 1), stride, sizes, aspect_ratios)
    k = len(per_cell)
    if k > 16:
        raise ValueError(f"at most 16 anchors per cell fit the figure; got {k}")
    anchors = per_cell + [j * stride, i * stride, j * stride, i * stride]
    labels, _ = assign_anchors(anchors, t, pos_threshold=0.7, neg_threshold=0.3)
    iou = box_iou(anchors, t)[:, 0]
    deltas = encode_boxes(np.repeat(t, k, axis=0), anchors)
    fig, (ax, tab) = plt.subplots(1, 2, figsize=(size * (w / h) + size * 1.25, size),
                                  width_ratios=[w / h, 1.25], layout="constrained")
    ax.imshow(img, extent=(0, w, h, 0), cmap="gray" if img.ndim == 2 else None)
    grid = [[(x, 0), (x, gh * stride)] for x in np.arange(gw + 1) * stride]
    grid += [[(0, y), (gw * stride, y)] for y in np.arange(gh + 1) * stride]
    ax.add_collection(LineCollection(grid, colors="w", lw=0.5, alpha=0.5))
    ax.add_patch(Rectangle((j * stride, i * stride), stride, stride, fc="#ffd400", alpha=0.5))
    colour = {1: "#7cff4f", 0: "#ff4f4f", -1: "#ffd400"}
    for n, (x1, y1, x2, y2) in enumerate(anchors):
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               ec=colour[int(labels[n])], lw=1.6, ls="-" if labels[n] else "--"))
        ax.text(x1 + 2, y1 + 2, str(n), color=colour[int(labels[n])], fontsize=8, va="top")
    ax.add_patch(Rectangle(t[0, :2], t[0, 2] - t[0, 0], t[0, 3] - t[0, 1], fill=False, ec="w",
                           lw=2.5, ls=":"))
    ax.set_xlim(min(0, anchors[:, 0].min()), max(w, anchors[:, 2].max()))
    ax.set_ylim(max(h, anchors[:, 3].max()), min(0, anchors[:, 1].min()))
    ax.set_axis_off()
    ax.set_title(f"cell ({i}, {j}) of the {gh}x{gw} feature map: its {k} anchors", fontsize=10)
    names = {1: "positive", 0: "negative", -1: "ignored"}
    rows = [[str(n), f"{iou[n]:.2f}", names[int(labels[n])],
             " ".join(f"{d:+.2f}" for d in deltas[n]) if labels[n] == 1 else "-"]
            for n in range(k)]
    tab.set_axis_off()
    table = tab.table(cellText=rows, colLabels=["anchor", "IoU", "objectness target",
                                                "offsets tx, ty, tw, th"], loc="center",
                      cellLoc="center", colWidths=[0.13, 0.12, 0.28, 0.47])
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    table.scale(1, 1.25)
    for n in range(k):
        table[n + 1, 2].set_facecolor(colour[int(labels[n])])
    tab.set_title(f"what the RPN head learns at this cell: {k} objectness scores, {4 * k} "
                  "offsets", fontsize=10)
    return fig


def plot_ssd_default_boxes(
    image: Any,
    grids: Sequence[int] = (8, 4, 2),
    scales: Sequence[float] = (0.2, 0.45, 0.7),
    aspect_ratios: Sequence[float] = (1.0, 2.0, 0.5),
    *,
    size: float = 3.2,
):
    """SSD's idea in one figure: finer grids carry smaller default boxes, coarser grids larger
    ones; each panel draws one grid and the default boxes of its centre cell.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
    grids : sequence of int
        Grid sides (cells per row), fine to coarse, 1 to 5 of them (each 1 to 64).
    scales : sequence of float
        Default box size per grid, as a fraction of the image's shorter side (0 to 1].
    aspect_ratios : sequence of float
        Ratios h / w of the default boxes (each in (0, 10]).
    size : float

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_ssd_default_boxes(np.zeros((64, 64)), grids=(4, 2), scales=(0.3, 0.6))
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    img = check_image(image, "image")
    for name, values in (("grids", grids), ("scales", scales), ("aspect_ratios", aspect_ratios)):
        check_instance(values, name, (list, tuple), "a tuple of numbers")
    g = [check_int(v, f"grids[{i}]", min=1, max=64) for i, v in enumerate(grids)]
    s = [check_float(v, f"scales[{i}]", min=0, max=1, min_inclusive=False)
         for i, v in enumerate(scales)]
    ratios = [check_float(v, f"aspect_ratios[{i}]", min=0, max=10, min_inclusive=False)
              for i, v in enumerate(aspect_ratios)]
    if not 1 <= len(g) <= 5 or len(s) != len(g) or not 1 <= len(ratios) <= 6:
        raise ValueError(f"grids and scales must have the same length, 1 to 5 (got {len(g)} and "
                         f"{len(s)}), and aspect_ratios 1 to 6 values (got {len(ratios)})")
    size = _size(size)
    h, w = img.shape[:2]
    fig, axes = plt.subplots(1, len(g), figsize=(size * len(g) * w / h, size + 0.3),
                             squeeze=False, layout="constrained")
    colours = [BOX_COLOURS[k % len(BOX_COLOURS)] for k in range(len(ratios))]
    for ax, side, scale in zip(axes[0], g, s, strict=True):
        sx, sy = w / side, h / side
        ax.imshow(img, extent=(0, w, h, 0), cmap="gray" if img.ndim == 2 else None)
        lines = [[(x, 0), (x, h)] for x in np.arange(1, side) * sx]
        lines += [[(0, y), (w, y)] for y in np.arange(1, side) * sy]
        ax.add_collection(LineCollection(lines, colors="w", lw=0.7, alpha=0.6))
        ci = cj = side // 2
        ax.add_patch(Rectangle((cj * sx, ci * sy), sx, sy, fc="w", alpha=0.35))
        box = scale * min(h, w)
        for r, colour in zip(ratios, colours, strict=True):
            bw, bh = box / np.sqrt(r), box * np.sqrt(r)
            cx, cy = (cj + 0.5) * sx, (ci + 0.5) * sy
            ax.add_patch(Rectangle((cx - bw / 2, cy - bh / 2), bw, bh, fill=False, ec=colour,
                                   lw=2, label=f"h/w = {r:g}"))
        ax.set_title(f"{side}x{side} map: default boxes of {scale:.0%} of the image", fontsize=10)
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
    axes[0][-1].legend(fontsize=8, loc="lower right", framealpha=0.8)
    return fig


def plot_head_objectness(image: Any, objectness: Sequence[Any], titles: Sequence[str], *,
                         size: float = 3.3):
    """A photo and, per output head, the best objectness of each cell (max over its anchors)
    laid over the photo, with a colour bar.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
    objectness : list of (Sy, Sx, A) array_like
        Per head, :math:`\\sigma(t_o)` per cell and anchor, in [0, 1] (1 to 4 heads).
    titles : sequence of str
        One per head.
    size : float

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_head_objectness(np.zeros((16, 16)), [np.zeros((2, 2, 3))], ["13x13"])
    >>> len(fig.axes)   # photo, one head, its colour bar
    3
    """
    import matplotlib.pyplot as plt

    img = check_image(image, "image")
    check_instance(objectness, "objectness", (list, tuple), "a list of (Sy, Sx, A) arrays")
    maps = [as_array(o, f"objectness[{i}]", ndim=3, shape_hint="(Sy, Sx, A)").max(axis=2)
            for i, o in enumerate(objectness)]
    if not 1 <= len(maps) <= 4:
        raise ValueError(f"objectness must hold 1 to 4 heads; got {len(maps)}")
    titles = _strings(titles, "titles", len(maps))
    if any(m.min() < 0 or m.max() > 1 for m in maps):
        raise ValueError("objectness values must be probabilities in [0, 1]")
    size = _size(size)
    h, w = img.shape[:2]
    n = len(maps) + 1
    fig, axes = plt.subplots(1, n, figsize=(size * n * w / h + 0.8, size + 0.3), squeeze=False,
                             layout="constrained")
    axes = axes[0]
    axes[0].imshow(img, extent=(0, w, h, 0), cmap="gray" if img.ndim == 2 else None)
    axes[0].set_title("the photo", fontsize=10)
    shown = None
    for ax, m, title in zip(axes[1:], maps, titles, strict=True):
        ax.imshow(img, extent=(0, w, h, 0), cmap="gray" if img.ndim == 2 else None, alpha=0.45)
        shown = ax.imshow(m, extent=(0, w, h, 0), cmap="magma", vmin=0, vmax=1, alpha=0.75,
                          interpolation="nearest")
        ax.set_title(title, fontsize=10)
    for ax in axes:
        ax.set_axis_off()
    bar = fig.colorbar(shown, ax=list(axes[1:]), fraction=0.03, pad=0.02)
    bar.set_label("best objectness in the cell", fontsize=9)
    return fig


def plot_pr_curves(curves: dict[str, tuple[Any, Any]], *, envelope: bool = True, ax: Any = None,
                   size: tuple[float, float] = (5.0, 3.6)):
    """Precision-recall curves, each with its AP area shaded under the monotone envelope.

    Parameters
    ----------
    curves : dict of str to (precision, recall)
        Name -> the two (P,) arrays of :func:`helpers.evaluation.precision_recall` (1 to 10).
    envelope : bool
        Also draw the envelope (each recall's best precision at that recall or beyond) and
        shade the area under it, which is the AP.
    ax : matplotlib Axes, optional
    size : (float, float)
        Figure size when ``ax`` is not given.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_pr_curves({"shape": ([1.0, 0.5, 2 / 3], [0.5, 0.5, 1.0])})
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'shape (AP 0.83)'
    """
    import matplotlib.pyplot as plt

    from .evaluation import average_precision

    check_instance(curves, "curves", dict, "a dict name -> (precision, recall)")
    if not 1 <= len(curves) <= 10:
        raise ValueError(f"curves must hold 1 to 10 curves; got {len(curves)}")
    if not isinstance(envelope, bool):
        raise TypeError(f"envelope must be True or False; got {describe(envelope)}")
    ax = _check_ax(ax)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size must be a (width, height) pair in inches; got {describe(size)}")
    size = (_size(size[0], "size[0]"), _size(size[1], "size[1]"))  # checked even with ax
    if ax is None:
        fig, ax = plt.subplots(figsize=size,
                               layout="constrained")
    else:
        fig = ax.figure
    for k, (name, (p, r)) in enumerate(curves.items()):
        p = as_array(p, f"curves[{name!r}] precision", ndim=1, allow_empty=True)
        r = as_array(r, f"curves[{name!r}] recall", ndim=1, allow_empty=True)
        ap = average_precision(p, r)
        colour = plt.get_cmap("tab10")(k)
        rr = np.r_[0.0, r]
        ax.plot(rr, np.r_[1.0 if len(p) else 0.0, p], color=colour, lw=1, alpha=0.6)
        if envelope and len(p):
            env = np.maximum.accumulate(p[::-1])[::-1]
            ax.fill_between(rr, np.r_[env[0], env], step="pre", color=colour, alpha=0.15)
            ax.step(rr, np.r_[env[0], env], where="pre", color=colour, lw=2,
                    label=f"{name} (AP {ap:.2f})")
        else:
            ax.plot([], [], color=colour, label=f"{name} (AP {ap:.2f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.05))
    ax.legend(loc="lower left", fontsize=9)
    return fig
