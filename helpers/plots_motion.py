"""Figures for chapters/19_motion.ipynb (plain matplotlib; the maths is in helpers.motion).

Kept apart from the algorithm module, which never imports matplotlib. The ``draw_*`` and
``add_*`` functions draw into an existing Axes (the flow explorer uses them too); the ``plot_*``
functions make a whole pyplot figure and return it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._validation import as_array, check_float, check_image, check_int, describe
from .motion import MotionPair, endpoint_error, flow_to_color, flow_wheel

__all__ = [
    "add_flow_wheel",
    "draw_flow_arrows",
    "plot_block_vectors",
    "plot_error_curves",
    "plot_flow_result",
    "plot_motion_pair",
    "plot_pyramid",
    "plot_template_match",
    "plot_tracks",
    "plot_window_motion",
]

_ARROW = "#ffd400"
_GOOD, _BAD = "#2ca02c", "#d62728"
_INVALID_GRAY = 0.55


def _check_ax(ax: Any) -> None:
    if not hasattr(ax, "imshow") or not hasattr(ax, "quiver"):
        raise TypeError(f"ax must be a matplotlib Axes; got {describe(ax)}")


def _flow_field(flow: Any, name: str = "flow") -> np.ndarray:
    f = as_array(flow, name, ndim=3, kinds="iuf", finite=False, shape_hint="(H, W, 2)")
    if f.shape[2] != 2:
        raise ValueError(f"{name} must have shape (H, W, 2) of (dx, dy); got {f.shape}")
    if np.isinf(f).any():
        raise ValueError(f"{name} contains infinite values; use NaN for unknown vectors")
    return f.astype(np.float64)


def _mask(valid: Any, shape: tuple[int, int]) -> np.ndarray:
    if valid is None:
        return np.ones(shape, bool)
    v = as_array(valid, "valid", ndim=2, kinds="b")
    if v.shape != shape:
        raise ValueError(f"valid must have the shape {shape} of the frame and flow; got {v.shape}")
    return v


def draw_flow_arrows(ax, flow: Any, *, step: int = 16, valid: Any = None, color: str = _ARROW,
                     gain: float = 1.0):
    """Draw a flow field as arrows on a grid (every ``step`` pixels) into ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
        Usually showing the frame (image coordinates, y down).
    flow : (H, W, 2) ndarray
        ``(dx, dy)`` per pixel; NaN vectors (and those where ``valid`` is False) are not drawn.
    step : int
        Grid spacing in pixels (2 to 256).
    valid : (H, W) ndarray of bool, optional
    color : str
        Arrow colour.
    gain : float
        Arrow length per pixel of motion (0.1 to 100): 1 draws the true displacement.

    Returns
    -------
    matplotlib.quiver.Quiver
        Update it with ``set_UVC(u, v)`` for the same grid.
    """
    _check_ax(ax)
    f = _flow_field(flow)
    step = check_int(step, "step", min=2, max=256)
    gain = check_float(gain, "gain", min=0.1, max=100.0)
    ok = _mask(valid, f.shape[:2])
    if not isinstance(color, str):
        raise TypeError(f"color must be a matplotlib colour name; got {describe(color)}")
    ys = np.arange(step // 2, f.shape[0], step)
    xs = np.arange(step // 2, f.shape[1], step)
    grid = f[np.ix_(ys, xs)] * gain
    grid[~ok[np.ix_(ys, xs)]] = np.nan
    u = np.ma.masked_invalid(grid[..., 0])
    v = np.ma.masked_invalid(grid[..., 1])
    return ax.quiver(xs, ys, u, v, color=color, angles="xy", scale_units="xy", scale=1.0,
                     width=0.006, headwidth=3.5, headlength=4.0, minlength=0.1)


def add_flow_wheel(ax, max_magnitude: float, *, size: float = 0.3):
    """Put the colour legend of :func:`helpers.motion.flow_to_color` in a corner of ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    max_magnitude : float
        The speed the wheel's rim stands for (pixels, > 0).
    size : float
        The inset's side as a share of ``ax`` (0.1 to 0.6).

    Returns
    -------
    matplotlib Axes
        The inset.
    """
    _check_ax(ax)
    max_magnitude = check_float(max_magnitude, "max_magnitude", min=0.0, max=1e4,
                                min_inclusive=False)
    size = check_float(size, "size", min=0.1, max=0.6)
    inset = ax.inset_axes([1 - size - 0.01, 1 - size - 0.01, size, size])
    inset.imshow(flow_wheel(65), interpolation="bilinear")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_visible(False)
    inset.text(0.5, -0.02, f"direction from the centre;\nrim: {max_magnitude:.3g} px",
               transform=inset.transAxes,
               ha="center", va="top", fontsize=7, color="k",
               bbox={"fc": "w", "ec": "none", "pad": 0.5, "alpha": 0.8})
    return inset


def _flow_image(f: np.ndarray, ok: np.ndarray, max_magnitude: float) -> np.ndarray:
    rgb = flow_to_color(np.where(ok[..., None], f, np.nan), max_magnitude=max_magnitude)
    rgb[~ok | ~np.isfinite(f).all(axis=2)] = int(255 * _INVALID_GRAY)
    return rgb


def _max_speed(*flows: np.ndarray) -> float:
    speeds = [np.hypot(f[..., 0], f[..., 1]) for f in flows]
    top = max((float(np.nanmax(s)) if np.isfinite(s).any() else 0.0) for s in speeds)
    return top if top > 0 else 1.0


def plot_motion_pair(pair: MotionPair, *, step: int = 16, gain: float = 1.0):
    """The two frames of a pair and its true flow (arrows and colour code with its legend).

    Parameters
    ----------
    pair : MotionPair
        From :func:`helpers.motion.make_motion_pair` or :func:`helpers.motion.motorcycle_pair`.
    step : int
        Arrow grid spacing (2 to 256).
    gain : float
        Arrow length per pixel of motion (0.1 to 100).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(pair, MotionPair):
        raise TypeError(f"pair must be a MotionPair; got {describe(pair)}")
    step = check_int(step, "step", min=2, max=256)
    gain = check_float(gain, "gain", min=0.1, max=100.0)
    h, w = pair.prev.shape
    fig, axes = plt.subplots(1, 3, figsize=(13, 13 / 3 * h / w + 0.5), layout="constrained")
    axes[0].imshow(pair.prev, cmap="gray", vmin=0, vmax=255)
    axes[0].set_title("prev, with the true motion (arrows)", fontsize=10)
    draw_flow_arrows(axes[0], pair.flow, step=step, valid=pair.valid, gain=gain)
    axes[1].imshow(pair.next, cmap="gray", vmin=0, vmax=255)
    axes[1].set_title("next", fontsize=10)
    top = _max_speed(np.where(pair.valid[..., None], pair.flow, np.nan))
    axes[2].imshow(_flow_image(pair.flow, pair.valid, top))
    axes[2].set_title("true flow: hue = direction, saturation = speed\n(gray: no ground truth)",
                      fontsize=10)
    add_flow_wheel(axes[2], top)
    for ax in axes:
        ax.set_axis_off()
    return fig


def plot_flow_result(frame: Any, flow: Any, truth: Any = None, valid: Any = None, *,
                     title: str = "", step: int = 16, max_error: float = 2.0):
    """An estimated flow: arrows on the frame, the colour code, and the endpoint error map.

    Parameters
    ----------
    frame : (H, W) ndarray
        The first frame.
    flow : (H, W, 2) ndarray
        The estimate.
    truth : (H, W, 2) ndarray, optional
        The true flow; adds the error map (and colours the estimate on the truth's scale).
    valid : (H, W) ndarray of bool, optional
        Where the truth counts.
    title : str
        Printed above the figure, with the median endpoint error when ``truth`` is given.
    step : int
        Arrow grid spacing (2 to 256).
    max_error : float
        Top of the error map's colour bar, pixels (0.01 to 1000).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    frame = check_image(frame, "frame", ndim=2)
    f = _flow_field(flow)
    if f.shape[:2] != frame.shape:
        raise ValueError(f"flow must have shape {frame.shape + (2,)}; got {f.shape}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str; got {describe(title)}")
    step = check_int(step, "step", min=2, max=256)
    max_error = check_float(max_error, "max_error", min=0.01, max=1000.0)
    ok = _mask(valid, frame.shape)
    panels = 3 if truth is not None else 2
    h, w = frame.shape
    fig, axes = plt.subplots(1, panels, figsize=(4.4 * panels, 4.4 * h / w + 0.6),
                             layout="constrained")
    axes[0].imshow(frame, cmap="gray")
    draw_flow_arrows(axes[0], f, step=step)
    axes[0].set_title("estimate (arrows)", fontsize=10)
    if truth is not None:
        t = _flow_field(truth, "truth")
        if t.shape != f.shape:
            raise ValueError(f"truth must have shape {f.shape}; got {t.shape}")
        top = _max_speed(np.where(ok[..., None], t, np.nan))
    else:
        top = _max_speed(f)
    axes[1].imshow(_flow_image(f, np.ones(frame.shape, bool), top))
    axes[1].set_title("estimate, colour-coded", fontsize=10)
    add_flow_wheel(axes[1], top)
    if truth is not None:
        err = endpoint_error(f, t, ok)
        shown = np.ma.masked_invalid(err)
        cmap = plt.get_cmap("magma").with_extremes(bad=str(_INVALID_GRAY))
        im = axes[2].imshow(shown, cmap=cmap, vmin=0, vmax=max_error)
        fig.colorbar(im, ax=axes[2], shrink=0.8, label="endpoint error (pixels)")
        axes[2].set_title("endpoint error vs truth (gray: no truth)", fontsize=10)
        median = float(np.nanmedian(err)) if np.isfinite(err).any() else float("nan")
        title = f"{title}  -  median endpoint error {median:.3f} px".strip(" -")
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_block_vectors(frame: Any, vectors: Any, block: int, *, correct: Any = None,
                       title: str = "", gain: float = 1.0):
    """Block motion vectors as arrows from each block's centre (green right, red wrong).

    Parameters
    ----------
    frame : (H, W) ndarray
        The frame the blocks tile.
    vectors : (rows, cols, 2) ndarray of int
        ``(dy, dx)`` per block (:func:`helpers.motion.block_matching`).
    block : int
        Block side (2 to 64).
    correct : (rows, cols) ndarray of bool, optional
        Colours the arrows; all yellow without it.
    title : str
    gain : float
        Arrow length per pixel of motion (0.1 to 100).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    frame = check_image(frame, "frame", ndim=2)
    block = check_int(block, "block", min=2, max=64)
    v = as_array(vectors, "vectors", ndim=3, kinds="iuf", shape_hint="(rows, cols, 2)")
    rows, cols = frame.shape[0] // block, frame.shape[1] // block
    if v.shape != (rows, cols, 2):
        raise ValueError(f"vectors must have shape {(rows, cols, 2)}; got {v.shape}")
    gain = check_float(gain, "gain", min=0.1, max=100.0)
    if not isinstance(title, str):
        raise TypeError(f"title must be a str; got {describe(title)}")
    if correct is None:
        colours = np.full((rows, cols), _ARROW, object)
    else:
        c = as_array(correct, "correct", ndim=2, kinds="b")
        if c.shape != (rows, cols):
            raise ValueError(f"correct must have shape {(rows, cols)}; got {c.shape}")
        colours = np.where(c, _GOOD, _BAD)
    h, w = frame.shape
    _, ax = plt.subplots(figsize=(7, 7 * h / w), layout="constrained")
    ax.imshow(frame, cmap="gray")
    cy, cx = np.mgrid[0:rows, 0:cols] * block + (block - 1) / 2.0
    ax.quiver(cx.ravel(), cy.ravel(), gain * v[..., 1].ravel(), gain * v[..., 0].ravel(),
              color=colours.ravel().tolist(), angles="xy", scale_units="xy", scale=1.0,
              width=0.004, minlength=0.1)
    for k in range(1, cols):
        ax.axvline(k * block - 0.5, color="w", lw=0.3, alpha=0.4)
    for k in range(1, rows):
        ax.axhline(k * block - 0.5, color="w", lw=0.3, alpha=0.4)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return ax


def plot_tracks(frame: Any, tracks: Any, alive: Any, *, errors: Any = None, title: str = "",
                max_error: float = 2.0):
    """Feature tracks drawn on a frame, coloured by their final error (or all yellow).

    Parameters
    ----------
    frame : (H, W) ndarray
        Usually the last frame.
    tracks : (T, N, 2) ndarray
        Positions per frame, NaN once lost (:func:`helpers.motion.klt_track`).
    alive : (T, N) ndarray of bool
    errors : (N,) ndarray, optional
        Distance to the truth in the last frame (NaN for a lost track); colours surviving
        tracks (colour bar added).
    title : str
    max_error : float
        Top of the colour scale, pixels (0.01 to 1000).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    frame = check_image(frame, "frame", ndim=2)
    tr = as_array(tracks, "tracks", ndim=3, kinds="iuf", finite=False, shape_hint="(T, N, 2)")
    if tr.shape[2] != 2:
        raise ValueError(f"tracks must have shape (T, N, 2); got {tr.shape}")
    if np.isinf(tr).any():
        raise ValueError("tracks contains infinite values; use NaN for lost positions")
    live = as_array(alive, "alive", ndim=2, kinds="b", allow_empty=True)
    if live.shape != tr.shape[:2]:
        raise ValueError(f"alive must have shape {tr.shape[:2]} (tracks' first two axes); got "
                         f"{live.shape}")
    max_error = check_float(max_error, "max_error", min=0.01, max=1000.0)
    if not isinstance(title, str):
        raise TypeError(f"title must be a str; got {describe(title)}")
    h, w = frame.shape
    _, ax = plt.subplots(figsize=(7, 7 * h / w), layout="constrained")
    ax.imshow(frame, cmap="gray")
    survived = live[-1]
    lines = LineCollection([tr[live[:, i], i] for i in range(tr.shape[1]) if survived[i]],
                           linewidths=1.2)
    if errors is not None:
        e = as_array(errors, "errors", ndim=1, kinds="iuf", finite=False)
        if len(e) != tr.shape[1]:
            raise ValueError(f"errors must hold one value per track ({tr.shape[1]}); got {len(e)}")
        if np.isinf(e).any():
            raise ValueError("errors contains infinite values; use NaN for lost tracks")
        lines.set_array(e[survived])
        lines.set_cmap("viridis")
        lines.set_clim(0, max_error)
        plt.colorbar(lines, ax=ax, shrink=0.8, label="distance to the truth, last frame (px)")
    else:
        lines.set_color(_ARROW)
    ax.add_collection(lines)
    lost_at = [tr[np.flatnonzero(live[:, i])[-1], i] for i in range(tr.shape[1]) if not survived[i]]
    if lost_at:
        pts = np.array(lost_at)
        ax.scatter(pts[:, 0], pts[:, 1], marker="x", s=18, color=_BAD, lw=1,
                   label="lost here")
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return ax


def plot_window_motion(image: Any, centers: Any, window: int, truths: Any, estimates: Any,
                       titles: Sequence[str], *, gain: float = 8.0):
    """Windows of a frame with the true motion and an estimate drawn from each centre.

    Parameters
    ----------
    image : (H, W) ndarray
        The first frame.
    centers : (K, 2) array_like
        ``(x, y)`` of each window (1 to 6 windows).
    window : int
        Window side (3 to 101); a crop three times larger is shown around it.
    truths, estimates : (K, 2) array_like
        ``(dx, dy)`` per window; NaN estimates (no solution) are not drawn.
    titles : sequence of str
    gain : float
        Arrow length per pixel of motion (0.1 to 100).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = check_image(image, "image", ndim=2)
    c = as_array(centers, "centers", ndim=2, kinds="iuf", shape_hint="(K, 2)")
    window = check_int(window, "window", min=3, max=101)
    t = as_array(truths, "truths", ndim=2, kinds="iuf")
    e = as_array(estimates, "estimates", ndim=2, kinds="iuf", finite=False)
    gain = check_float(gain, "gain", min=0.1, max=100.0)
    if not isinstance(titles, (list, tuple)) or not all(isinstance(s, str) for s in titles):
        raise TypeError(f"titles must be a list of str; got {describe(titles)}")
    if not (c.shape[1] == 2 and c.shape == t.shape == e.shape and len(titles) == len(c)
            and 1 <= len(c) <= 6):
        raise ValueError("centers, truths and estimates must be (K, 2) with K titles, 1 <= K <= 6; "
                         f"got {c.shape}, {t.shape}, {e.shape} and {len(titles)} titles")
    half = 1.5 * window
    fig, axes = plt.subplots(1, len(c), figsize=(3.4 * len(c), 3.7), squeeze=False,
                             layout="constrained")
    for ax, (x, y), tv, ev, name in zip(axes[0], c, t, e, titles, strict=True):
        ax.imshow(image, cmap="gray")
        ax.set_xlim(x - half, x + half)
        ax.set_ylim(y + half, y - half)
        ax.add_patch(Rectangle((x - window / 2, y - window / 2), window, window, fill=False,
                               ec="w", lw=1, ls="--"))
        ax.quiver([x], [y], [gain * tv[0]], [gain * tv[1]], color=_GOOD, angles="xy",
                  scale_units="xy", scale=1.0, width=0.02, label="true motion")
        if np.all(np.isfinite(ev)):
            ax.quiver([x], [y], [gain * ev[0]], [gain * ev[1]], color=_ARROW, angles="xy",
                      scale_units="xy", scale=1.0, width=0.012, label="estimate")
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    axes[0, 0].legend(loc="lower left", fontsize=7)
    fig.suptitle(f"arrows {gain:g} x their length; dashed: the {window}x{window} window",
                 fontsize=9)
    return fig


def plot_pyramid(levels: Sequence[np.ndarray]):
    """The levels of an image pyramid side by side at their true relative sizes.

    Parameters
    ----------
    levels : sequence of (H_l, W_l) ndarray
        From :func:`helpers.motion.gaussian_pyramid` (1 to 9 levels).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(levels, (list, tuple)) or not 1 <= len(levels) <= 9:
        raise TypeError(f"levels must be a list of 1 to 9 images; got {describe(levels)}")
    ims = [check_image(im, f"levels[{i}]", ndim=2) for i, im in enumerate(levels)]
    widths = [im.shape[1] for im in ims]
    fig, axes = plt.subplots(1, len(ims), figsize=(12, 12 * ims[0].shape[0] / sum(widths) + 0.6),
                             gridspec_kw={"width_ratios": widths}, squeeze=False,
                             layout="constrained")
    for i, (ax, im) in enumerate(zip(axes[0], ims, strict=True)):
        ax.imshow(im, cmap="gray", interpolation="nearest")
        ax.set_title(f"level {i}: {im.shape[1]}x{im.shape[0]}", fontsize=9)
        ax.set_axis_off()
    return fig


def plot_error_curves(x: Any, curves: Mapping[str, Any], *, xlabel: str, ylabel: str,
                      title: str = "", log_y: bool = False):
    """Several error curves over the same x (e.g. endpoint error against motion size).

    Parameters
    ----------
    x : (K,) array_like
    curves : dict of str -> (K,) array_like
        Label -> values (1 to 10 curves; NaN values are gaps).
    xlabel, ylabel, title : str
    log_y : bool
        Logarithmic y axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    xs = as_array(x, "x", ndim=1, kinds="iuf")
    if not isinstance(curves, Mapping) or not 1 <= len(curves) <= 10:
        raise TypeError(f"curves must be a dict of 1 to 10 label -> values; got {describe(curves)}")
    for name, value in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str; got {describe(value)}")
    if not isinstance(log_y, bool):
        raise TypeError(f"log_y must be True or False; got {describe(log_y)}")
    _, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
    for label, values in curves.items():
        ys = as_array(values, f"curves[{label!r}]", ndim=1, kinds="iuf", finite=False)
        if len(ys) != len(xs):
            raise ValueError(f"curves[{label!r}] must hold one value per value of x ({len(xs)}); "
                             f"got {len(ys)}")
        ax.plot(xs, ys, marker="o", ms=4, label=str(label))
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def _corner(truth: Any, shape: tuple[int, int], tshape: tuple[int, int]) -> tuple[float, float]:
    """A template's top-left corner ``(x, y)``, at most one template size outside the image."""
    t = as_array(truth, "truth", ndim=1, kinds="iuf", shape_hint="(x, y)")
    if len(t) != 2:
        raise ValueError(f"truth must be the (x, y) of the template's top-left corner; got "
                         f"{len(t)} numbers")
    x, y = float(t[0]), float(t[1])
    (h, w), (th, tw) = shape, tshape
    if not (-tw <= x <= w and -th <= y <= h):
        raise ValueError(f"truth must lie within a template size of the {w}x{h} image; got "
                         f"({x:g}, {y:g})")
    return x, y


def plot_template_match(image: Any, template: Any, scores: Any, *, truth: Any = None,
                        title: str = ""):
    """Where a template is found: the image with the best box, the template, the score map.

    Parameters
    ----------
    image : (H, W) ndarray
    template : (h, w) ndarray
    scores : (H - h + 1, W - w + 1) ndarray
        From :func:`helpers.motion.match_template`.
    truth : (x, y), optional
        The true top-left corner, drawn as a dashed box (within a template size of the image).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = check_image(image, "image", ndim=2)
    template = check_image(template, "template", ndim=2)
    s = as_array(scores, "scores", ndim=2, kinds="f")
    h, w = template.shape
    want = (image.shape[0] - h + 1, image.shape[1] - w + 1)
    if s.shape != want:
        raise ValueError(f"scores must have shape {want} for this image and template; got "
                         f"{s.shape}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str; got {describe(title)}")
    if truth is not None:
        _corner(truth, image.shape, template.shape)
    by, bx = np.unravel_index(np.argmax(s), s.shape)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), layout="constrained",
                             gridspec_kw={"width_ratios": [3, 1, 3]})
    axes[0].imshow(image, cmap="gray")
    axes[0].add_patch(Rectangle((bx - 0.5, by - 0.5), w, h, fill=False, ec=_ARROW, lw=2,
                                label=f"best score {s[by, bx]:.3f}"))
    if truth is not None:
        tx, ty = _corner(truth, image.shape, template.shape)
        axes[0].add_patch(Rectangle((tx - 0.5, ty - 0.5), w, h, fill=False, ec=_GOOD, lw=1.2,
                                    ls="--", label="truth"))
    axes[0].legend(loc="lower left", fontsize=8)
    axes[1].imshow(template, cmap="gray")
    axes[1].set_title(f"template {w}x{h}", fontsize=10)
    im = axes[2].imshow(s, cmap="RdBu_r", vmin=-1, vmax=1)
    axes[2].plot(bx, by, "o", mfc="none", mec="k", ms=12)
    fig.colorbar(im, ax=axes[2], shrink=0.8, label="normalised correlation")
    axes[2].set_title("score at each top-left position", fontsize=10)
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
