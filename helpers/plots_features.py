"""Figures for chapters/05_corners.ipynb (plain matplotlib; the maths is in helpers.features).

Kept apart from the algorithm module, which never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_array, check_float, check_image, check_text, describe
from .image import as_float_image

__all__ = ["plot_eigenvalue_regions", "plot_matches", "plot_shift_energy", "show_points"]


def plot_shift_energy(patches: Sequence[np.ndarray], energies: Sequence[np.ndarray],
                      titles: Sequence[str]):
    """Each patch above the SSD surface E(u, v) of shifting it (one column per patch).

    Parameters
    ----------
    patches : sequence of (h, w) ndarray
        Gray patches.
    energies : sequence of (2s+1, 2s+1) ndarray
        E(u, v) for shifts -s..s (:func:`helpers.features.window_shift_ssd`).
    titles : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
        One colour scale for all surfaces, with a colour bar.
    """
    import matplotlib.pyplot as plt

    for name, value in (("patches", patches), ("energies", energies), ("titles", titles)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be a list or tuple; got {describe(value)}")
    if not (len(patches) == len(energies) == len(titles)) or not 1 <= len(patches) <= 6:
        raise ValueError("patches, energies and titles must have the same length, 1 to 6; got "
                         f"{len(patches)}, {len(energies)} and {len(titles)}")
    titles = [check_text(t, f"titles[{i}]") for i, t in enumerate(titles)]
    patches = [as_array(p, f"patches[{i}]", ndim=2) for i, p in enumerate(patches)]
    energies = [as_array(e, f"energies[{i}]", ndim=2) for i, e in enumerate(energies)]
    top = max(float(np.max(e)) for e in energies) or 1.0
    fig, axes = plt.subplots(2, len(patches), figsize=(3.0 * len(patches), 5.6), squeeze=False,
                             layout="constrained")
    for i, (p, e, t) in enumerate(zip(patches, energies, titles, strict=True)):
        axes[0, i].imshow(p, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        axes[0, i].set_title(t, fontsize=10)
        axes[0, i].set_axis_off()
        s = e.shape[0] // 2
        im = axes[1, i].imshow(e, cmap="viridis", vmin=0, vmax=top, extent=(-s - .5, s + .5,
                                                                            s + .5, -s - .5))
        axes[1, i].set_xlabel("shift u (pixels)")
        axes[1, i].set_ylabel("shift v")
    fig.colorbar(im, ax=axes[1].tolist(), label="E(u, v): sum of squared differences")
    return fig


def plot_eigenvalue_regions(k: float, lambdas: np.ndarray | None = None, *, limit: float = 1.0):
    """The (lambda1, lambda2) plane split by Harris' response: flat, edge and corner.

    Parameters
    ----------
    k : float
        Harris' k (0 to 0.25).
    lambdas : (N, 2) ndarray, optional
        Eigenvalue pairs to scatter (e.g. from a photo's pixels).
    limit : float
        Axis range [0, limit], 0 < limit <= 1e12.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    k = check_float(k, "k", min=0.0, max=0.25)
    limit = check_float(limit, "limit", min=0.0, max=1e12, min_inclusive=False)
    l1, l2 = np.meshgrid(np.linspace(0, limit, 300), np.linspace(0, limit, 300))
    r = l1 * l2 - k * (l1 + l2) ** 2
    fig, ax = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    scale = float(np.abs(r).max()) or 1.0
    im = ax.contourf(l1, l2, r / scale, levels=np.linspace(-1, 1, 21), cmap="RdBu_r")
    ax.contour(l1, l2, r, levels=[0.0], colors="k", linewidths=1.5)
    fig.colorbar(im, ax=ax, label="R / max|R|  (R = λ1 λ2 - k (λ1 + λ2)²)")
    if lambdas is not None:
        lam = as_array(lambdas, "lambdas", ndim=2)
        ax.scatter(lam[:, 0], lam[:, 1], s=4, c="k", alpha=0.3)
    ax.text(0.05 * limit, 0.05 * limit, "flat", fontsize=11)
    ax.text(0.75 * limit, 0.06 * limit, "edge", fontsize=11)
    ax.text(0.06 * limit, 0.85 * limit, "edge", fontsize=11)
    ax.text(0.65 * limit, 0.7 * limit, "corner", fontsize=11)
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.set_xlabel("λ1")
    ax.set_ylabel("λ2")
    ax.set_title(f"Harris with k = {k:g}: black line R = 0", fontsize=10)
    return fig


def show_points(image: np.ndarray, points: np.ndarray, *, title: str = "", radii=None,
                color: str = "tab:orange", ax=None):
    """An image with circles at ``(x, y)`` points (radii in pixels, default 4).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle

    image = check_image(image)
    pts = as_array(points, "points", ndim=(1, 2), allow_empty=True, shape_hint="(N, 2) or (2,)")
    if pts.shape[-1:] != (2,) and pts.size:
        raise ValueError(f"points must hold (x, y) pairs, shape (N, 2) or (2,); got {pts.shape}")
    pts = pts.reshape(-1, 2)
    if radii is None:
        r = np.full(len(pts), 4.0)
    else:
        r = as_array(radii, "radii", ndim=(0, 1), kinds="iuf").astype(float).reshape(-1)
        if r.size == 1:
            r = np.full(len(pts), float(r[0]))
        if len(r) != len(pts) or (r <= 0).any():
            raise ValueError(f"radii must be one positive number per point ({len(pts)}); got "
                             f"{describe(radii)}")
    if not isinstance(color, str):
        raise TypeError(f"color must be a matplotlib colour name such as 'tab:orange'; got "
                        f"{describe(color)}")
    if ax is not None and not hasattr(ax, "imshow"):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {describe(ax)}")
    title = check_text(title, "title")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5 * image.shape[0] / image.shape[1]),
                             layout="constrained")
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
    circles = [Circle((x, y), rr) for (x, y), rr in zip(pts, r, strict=True)]
    ax.add_collection(PatchCollection(circles, facecolor="none", edgecolor=color, lw=1.2))
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return ax


def plot_matches(image1: np.ndarray, image2: np.ndarray, points1: np.ndarray,
                 points2: np.ndarray, correct: np.ndarray | None = None, *, title: str = ""):
    """Two gray images side by side with a line per match (green correct, red wrong).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    a = check_image(image1, "image1", ndim=2)
    b = check_image(image2, "image2", ndim=2)
    p1 = as_array(points1, "points1", ndim=2, allow_empty=True, shape_hint="(N, 2)")
    p2 = as_array(points2, "points2", ndim=2, allow_empty=True, shape_hint="(N, 2)")
    if p1.shape[1:] != (2,) or p1.shape != p2.shape:
        raise ValueError(f"points1 and points2 must have the same shape (N, 2); got {p1.shape} "
                         f"and {p2.shape}")
    if correct is None:
        ok = np.ones(len(p1), bool)
    else:
        ok = as_array(correct, "correct", ndim=1, kinds="b", allow_empty=True)
        if len(ok) != len(p1):
            raise ValueError(f"correct must hold one bool per match ({len(p1)}); got {len(ok)}")
    title = check_text(title, "title")
    h = max(a.shape[0], b.shape[0])
    canvas = np.zeros((h, a.shape[1] + b.shape[1]), np.float64)
    canvas[: a.shape[0], : a.shape[1]] = as_float_image(a, "image1")
    canvas[: b.shape[0], a.shape[1]:] = as_float_image(b, "image2")
    fig, ax = plt.subplots(figsize=(11, 11 * h / canvas.shape[1] + 0.4), layout="constrained")
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    segments = np.stack([p1, p2 + [a.shape[1], 0]], axis=1)
    ax.add_collection(LineCollection(segments, colors=np.where(ok, "#2ca02c", "#d62728"),
                                     linewidths=0.8))
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return fig
