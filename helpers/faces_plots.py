"""Static figures for chapters/15_faces.ipynb: Haar features, boosted stumps, detections,
distance histograms, ROC curves, embeddings and verification mistakes.

Plain matplotlib (kept out of the algorithm modules :mod:`helpers.faces` and
:mod:`helpers.verification`, which never import it). Every function returns its Figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_axes,
    check_choice,
    check_figure_size,
    check_float,
    check_image,
    check_int,
    check_text,
    describe,
)

__all__ = [
    "plot_boosting_errors",
    "plot_distance_histograms",
    "plot_verification_roc",
    "show_boosted_features",
    "show_detections",
    "show_embedding_pca",
    "show_haar_kinds",
    "show_verification_mistakes",
]

_PLUS, _MINUS = "#ffffff", "#000000"


def _draw_feature(ax, kind: str, y: int, x: int, h: int, w: int, alpha: float = 0.5) -> None:
    """Overlay a Haar feature: white cells add their pixels, black cells subtract them."""
    import matplotlib.patches as mpatches

    from .faces import haar_rectangles

    for y0, x0, y1, x1, sign in haar_rectangles(kind, y, x, h, w):
        # Pixel (i, j) covers [j - 0.5, j + 0.5] in imshow's coordinates.
        ax.add_patch(mpatches.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0,
                                        facecolor=_PLUS if sign > 0 else _MINUS, alpha=alpha,
                                        edgecolor="tab:red", linewidth=1))


def show_haar_kinds(window: Any, placements: Sequence[tuple[str, int, int, int, int]],
                    *, size: float = 2.2):
    """One panel per feature: the window with the feature's white (+) and black (-) cells.

    Parameters
    ----------
    window : (H, W) ndarray
        A gray window (a face).
    placements : sequence of (kind, y, x, h, w)
    size : float
        Panel size in inches.
    """
    import matplotlib.pyplot as plt

    from .faces import HAAR_KINDS, haar_rectangles

    window = check_image(window, "window", ndim=2)
    if not isinstance(placements, (list, tuple)):
        raise TypeError("placements must be a list of (kind, y, x, h, w); got "
                        f"{describe(placements)}")
    if not 1 <= len(placements) <= 12:
        raise ValueError(f"placements must hold 1 to 12 (kind, y, x, h, w); got {len(placements)}")
    for i, p in enumerate(placements):
        if not isinstance(p, (list, tuple)) or len(p) != 5:
            raise TypeError(f"placements[{i}] must be a (kind, y, x, h, w) tuple; got "
                            f"{describe(p)}")
        check_choice(p[0], f"placements[{i}] kind", HAAR_KINDS)
        for name, v in zip(("y", "x", "h", "w"), p[1:], strict=True):
            check_int(v, f"placements[{i}] {name}", min=0 if name in "yx" else 1,
                      max=max(window.shape))
        haar_rectangles(*p)
    size = check_figure_size(size)
    fig, axes = plt.subplots(1, len(placements), figsize=(size * len(placements), size + 0.3),
                             squeeze=False, layout="constrained")
    for ax, (kind, y, x, h, w) in zip(axes[0], placements, strict=True):
        ax.imshow(window, cmap="gray", interpolation="nearest")
        _draw_feature(ax, kind, y, x, h, w)
        ax.set_title(kind, fontsize=10)
        ax.set_axis_off()
    fig.suptitle("Haar-like features: white cells add their pixels, black cells subtract them",
                 fontsize=10)
    return fig


def show_boosted_features(window: Any, ensemble: Any, bank: Any, *, count: int = 6,
                          size: float = 2.0):
    """The first ``count`` stumps of a boosted classifier, drawn on a window.

    Parameters
    ----------
    window : (H, W) ndarray
        Background, e.g. the mean training face.
    ensemble : helpers.faces.StumpEnsemble
    bank : (M, 5) ndarray
        The bank whose columns the ensemble was trained on.
    count : int
        How many stumps to show (1 to 20).
    """
    import matplotlib.pyplot as plt

    from .faces import HAAR_KINDS, StumpEnsemble

    window = check_image(window, "window", ndim=2)
    if not isinstance(ensemble, StumpEnsemble):
        raise TypeError(f"ensemble must be a StumpEnsemble from helpers.faces.adaboost_fit; got "
                        f"{describe(ensemble)}")
    bank = as_array(bank, "bank", ndim=2, kinds="iu", shape_hint="(M, 5)")
    if bank.shape[1] != 5 or (len(ensemble) and ensemble.feature.max() >= len(bank)):
        raise ValueError(f"bank must be the (M, 5) bank the ensemble was trained on; got shape "
                         f"{bank.shape}")
    count = check_int(count, "count", min=1, max=20)
    size = check_figure_size(size)
    count = min(count, len(ensemble))
    if count == 0:
        raise ValueError("ensemble holds no stumps to show")
    fig, axes = plt.subplots(1, count, figsize=(size * count, size + 0.5), squeeze=False,
                             layout="constrained")
    for t, ax in enumerate(axes[0]):
        k, y, x, h, w = bank[ensemble.feature[t]]
        ax.imshow(window, cmap="gray", interpolation="nearest")
        _draw_feature(ax, HAAR_KINDS[k], y, x, h, w)
        side = ">" if ensemble.polarity[t] > 0 else "<"
        ax.set_title(f"round {t + 1}: f {side} {ensemble.threshold[t]:.2f}\n"
                     f"error {ensemble.stump_error[t]:.2f}, vote {ensemble.alpha[t]:.2f}",
                     fontsize=8)
        ax.set_axis_off()
    return fig


def plot_boosting_errors(train_error: Any, test_error: Any, *, size=(6.0, 3.0)):
    """Training and held-out error of a boosted classifier against the number of rounds."""
    import matplotlib.pyplot as plt

    train = as_array(train_error, "train_error", ndim=1)
    test = as_array(test_error, "test_error", ndim=1)
    size = check_figure_size(size, pair=True)
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    rounds = np.arange(1, len(train) + 1)
    ax.plot(rounds, train, "o-", ms=3, label="training images")
    ax.plot(np.arange(1, len(test) + 1), test, "s-", ms=3, label="held-out images")
    ax.set_xlabel("rounds (stumps in the vote)")
    ax.set_ylabel("error rate")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def show_detections(panels: Sequence[tuple[Any, Any, str]], *, candidates: Sequence[Any] | None
                    = None, size: float = 3.6):
    """Photos with detected boxes (yellow); optional raw candidate windows (thin cyan).

    Parameters
    ----------
    panels : sequence of (image, boxes, title)
        ``image`` RGB or gray; ``boxes`` ``(N, 4)`` xyxy.
    candidates : sequence of (K, 4) arrays, optional
        One per panel (or None entries): windows accepted before grouping.
    """
    import matplotlib.patches as mpatches
    import matplotlib.pyplot as plt

    if not isinstance(panels, (list, tuple)) or not panels or not all(
            isinstance(p, (list, tuple)) and len(p) == 3 for p in panels):
        raise ValueError(f"panels must be a non-empty list of (image, boxes, title); got "
                         f"{describe(panels)}")
    if len(panels) > 8:
        raise ValueError(f"panels must hold at most 8 photos; got {len(panels)}")
    size = check_figure_size(size)
    if candidates is not None and not isinstance(candidates, (list, tuple)):
        raise TypeError(f"candidates must be a list of (K, 4) arrays (or None entries), one per "
                        f"panel; got {describe(candidates)}")
    if candidates is not None and len(candidates) != len(panels):
        raise ValueError(f"candidates must have one entry per panel ({len(panels)}); got "
                         f"{len(candidates)}")
    fig, axes = plt.subplots(1, len(panels), figsize=(size * len(panels), size), squeeze=False,
                             layout="constrained")
    for i, (ax, (image, boxes, title)) in enumerate(zip(axes[0], panels, strict=True)):
        image = check_image(image, f"panels[{i}] image")
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
        extra = candidates[i] if candidates is not None else None
        if extra is not None:
            for x1, y1, x2, y2 in as_array(extra, "candidates", ndim=2, allow_empty=True):
                ax.add_patch(mpatches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                                ec="cyan", lw=0.7, alpha=0.8))
        for x1, y1, x2, y2 in as_array(boxes, f"panels[{i}] boxes", ndim=2, allow_empty=True):
            ax.add_patch(mpatches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                            ec="yellow", lw=2.5))
        ax.set_title(check_text(title, f"panels[{i}] title"), fontsize=9)
        ax.set_axis_off()
    return fig


def plot_distance_histograms(distances: Any, same: Any, *, threshold: float | None = None,
                             ax=None, title: str | None = None):
    """Histograms of genuine and impostor pair distances, with the threshold as a line."""
    import matplotlib.pyplot as plt

    d = as_array(distances, "distances", ndim=1)
    s = as_array(same, "same", ndim=1, kinds="b")
    if len(s) != len(d):
        raise ValueError(f"same must have one entry per distance ({len(d)}); got {len(s)}")
    if threshold is not None:
        threshold = check_float(threshold, "threshold")
    check_axes(ax)
    check_text(title, "title", allow_none=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
    bins = np.linspace(0, max(2.0, float(d.max())), 61)
    ax.hist(d[s], bins=bins, density=True, alpha=0.6, color="tab:green",
            label=f"same identity ({int(s.sum()):,} pairs)")
    ax.hist(d[~s], bins=bins, density=True, alpha=0.6, color="tab:red",
            label=f"different identities ({int((~s).sum()):,} pairs)")
    if threshold is not None:
        ax.axvline(threshold, color="k", ls="--", label=f"threshold {threshold:.2f}")
    ax.set_xlabel("distance between embeddings")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure


def plot_verification_roc(curves: Mapping[str, tuple[Any, Any]], *,
                          points: Mapping[str, tuple[float, float]] | None = None, ax=None):
    """ROC curves (FAR on x, TAR on y), one per entry, with optional marked operating points.

    Parameters
    ----------
    curves : dict of label -> (far, tar)
        From :func:`helpers.verification.verification_roc`; put the AUC in the label.
    points : dict of label -> (far, tar), optional
        Operating points (a chosen threshold) to mark.
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, Mapping) or not 1 <= len(curves) <= 20:
        raise TypeError(f"curves must be a dict of 1 to 20 label -> (far, tar); got "
                        f"{describe(curves)}")
    lines = {}
    for label, curve in curves.items():
        if not isinstance(curve, (list, tuple)) or len(curve) != 2:
            raise TypeError(f"curves[{label!r}] must be a (far, tar) pair of arrays; got "
                            f"{describe(curve)}")
        far = as_array(curve[0], f"curves[{label!r}] far", ndim=1)
        tar = as_array(curve[1], f"curves[{label!r}] tar", ndim=1)
        if len(far) != len(tar):
            raise ValueError(f"curves[{label!r}] far and tar must have the same length; got "
                             f"{len(far)} and {len(tar)}")
        lines[str(label)] = (far, tar)
    if points is not None and not isinstance(points, Mapping):
        raise TypeError(f"points must be a dict label -> (far, tar); got {describe(points)}")
    marks = {}
    for label, point in (points or {}).items():
        if not isinstance(point, (list, tuple)) or len(point) != 2:
            raise TypeError(f"points[{label!r}] must be a (far, tar) pair; got {describe(point)}")
        marks[str(label)] = [check_float(v, f"points[{label!r}]", min=0, max=1) for v in point]
    check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.8), layout="constrained")
    for label, (far, tar) in lines.items():
        ax.plot(far, tar, label=label)
    ax.plot([0, 1], [0, 1], color="0.6", ls=":", label="chance")
    for label, (far, tar) in marks.items():
        ax.plot([far], [tar], "o", ms=8, mec="k", label=label)
    ax.set_xlabel("false accept rate (FAR)")
    ax.set_ylabel("true accept rate (1 - FRR)")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax.figure


def show_embedding_pca(embeddings: Any, labels: Any, *, title: str = "", ax=None):
    """Embeddings projected on their first two principal components, coloured by identity."""
    import matplotlib.pyplot as plt

    e = as_array(embeddings, "embeddings", ndim=2)
    y = as_array(labels, "labels", ndim=1, kinds="iu")
    if len(y) != len(e):
        raise ValueError(f"labels must have one entry per embedding ({len(e)}); got {len(y)}")
    check_text(title, "title")
    check_axes(ax)
    centred = e - e.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.8), layout="constrained")
    for k in np.unique(y):
        m = y == k
        ax.scatter(xy[m, 0], xy[m, 1], s=8, alpha=0.6, label=f"digit {k}")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.legend(fontsize=8, markerscale=2)
    ax.set_title(title, fontsize=10)
    return ax.figure


def show_verification_mistakes(images: Any, pairs: Any, distances: Any, title: str, *,
                               size: float = 1.2):
    """Pairs of images side by side with their distance: e.g. the worst false accepts.

    Parameters
    ----------
    images : (N, H, W) ndarray
    pairs : (K, 2) ndarray of int
        Indices into ``images`` (K at most 12).
    distances : (K,) ndarray
    title : str
    """
    import matplotlib.pyplot as plt

    images = as_array(images, "images", ndim=3)
    pairs = as_array(pairs, "pairs", ndim=2, kinds="iu")
    d = as_array(distances, "distances", ndim=1)
    if pairs.shape[1] != 2 or len(pairs) != len(d) or len(pairs) > 12:
        raise ValueError(f"pairs must be (K, 2) with K <= 12 and one distance each; got "
                         f"{pairs.shape} and {d.shape}")
    if pairs.min() < 0 or pairs.max() >= len(images):
        raise ValueError(f"pairs must index images (0 to {len(images) - 1}); got values from "
                         f"{pairs.min()} to {pairs.max()}")
    check_text(title, "title")
    size = check_figure_size(size)
    fig, axes = plt.subplots(2, len(pairs), figsize=(size * len(pairs), 2 * size + 0.6),
                             squeeze=False, layout="constrained")
    for k, ((i, j), dist) in enumerate(zip(pairs, d, strict=True)):
        axes[0, k].imshow(images[i], cmap="gray")
        axes[1, k].imshow(images[j], cmap="gray")
        axes[0, k].set_title(f"d = {dist:.2f}", fontsize=8)
        axes[0, k].set_axis_off()
        axes[1, k].set_axis_off()
    fig.suptitle(title, fontsize=10)
    return fig
