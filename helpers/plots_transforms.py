"""Figures for chapters/04_transforms.ipynb (plain matplotlib; the maths is in helpers.transforms).

Kept apart from the algorithm module, which never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_array, check_float, check_text, describe
from .transforms import sample_bilinear, transform_points

__all__ = ["F_SHAPE", "plot_bilinear_weights", "plot_point_maps"]

#: An asymmetric outline (a letter F, x right, y down): mirror images and turns show at once.
F_SHAPE = np.array([[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [2.5, 2], [2.5, 3], [1, 3], [1, 5],
                    [0, 5], [0, 0]], dtype=np.float64)


def plot_point_maps(matrices: Sequence[np.ndarray], titles: Sequence[str], *, size: float = 2.9):
    """Draw the letter :data:`F_SHAPE` before (gray) and after (colour) each affine matrix.

    Parameters
    ----------
    matrices : sequence of (2, 3) or (3, 3) ndarray
        One panel per matrix (1 to 8).
    titles : sequence of str
        One title per matrix.
    size : float
        Panel side in inches (1 to 10).

    Returns
    -------
    matplotlib.figure.Figure
        Axes with y pointing down, as in an image; the origin is marked with a dot.
    """
    import matplotlib.pyplot as plt

    for name, value in (("matrices", matrices), ("titles", titles)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be a list or tuple; got {describe(value)}")
    if not 1 <= len(matrices) <= 8 or len(titles) != len(matrices):
        raise ValueError(f"matrices and titles must have the same length, 1 to 8; got "
                         f"{len(matrices)} and {len(titles)}")
    titles = [check_text(t, f"titles[{i}]") for i, t in enumerate(titles)]
    size = check_float(size, "size", min=1.0, max=10.0)
    moved = [transform_points(as_array(m, f"matrices[{i}]", ndim=2), F_SHAPE)
             for i, m in enumerate(matrices)]
    every = np.vstack([F_SHAPE, *moved])
    lo, hi = every.min(axis=0) - 1, every.max(axis=0) + 1
    fig, axes = plt.subplots(1, len(matrices), figsize=(size * len(matrices), size),
                             squeeze=False, layout="constrained")
    for ax, pts, title in zip(axes[0], moved, titles, strict=True):
        ax.fill(*F_SHAPE.T, color="0.85", ec="0.5", label="before")
        ax.fill(*pts.T, color="tab:orange", alpha=0.6, ec="tab:red", label="after")
        ax.plot(0, 0, "k.", ms=8)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(hi[1], lo[1])  # y down, as in images
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
        ax.set_title(title, fontsize=10)
    axes[0, 0].legend(fontsize=8, loc="lower left")
    return fig


def plot_bilinear_weights(patch: np.ndarray, x: float, y: float):
    """Bilinear interpolation inside one 2x2 block of pixels, each weight drawn as an area.

    Parameters
    ----------
    patch : (2, 2) array_like
        The four pixel values; their centres are at (0, 0), (1, 0), (0, 1) and (1, 1).
    x, y : float
        The sample point, each in [0, 1].

    Returns
    -------
    matplotlib.figure.Figure
        Each pixel's weight is the area of the rectangle *opposite* it (same colour).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    patch = as_array(patch, "patch", ndim=2).astype(np.float64)
    if patch.shape != (2, 2):
        raise ValueError(f"patch must have shape (2, 2); got {patch.shape}")
    x = check_float(x, "x", min=0.0, max=1.0)
    y = check_float(y, "y", min=0.0, max=1.0)
    value = float(sample_bilinear(patch, np.array([x]), np.array([y]))[0])
    fig, ax = plt.subplots(figsize=(4.6, 4.2), layout="constrained")
    colours = {(0, 0): "tab:blue", (0, 1): "tab:orange", (1, 0): "tab:green", (1, 1): "tab:purple"}
    for (r, c), colour in colours.items():
        # The rectangle between the point and the opposite corner carries this pixel's weight.
        x0, x1 = sorted((x, 1 - c))
        y0, y1 = sorted((y, 1 - r))
        weight = (x1 - x0) * (y1 - y0)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, color=colour, alpha=0.35))
        ax.plot(c, r, "s", color=colour, ms=14)
        ax.annotate(f"I = {patch[r, c]:g}\nweight {weight:.3f}", (c, r), fontsize=9,
                    xytext=(c + (0.06 if c == 0 else -0.06), r + (-0.08 if r == 0 else 0.12)),
                    ha="left" if c == 0 else "right")
    ax.plot(x, y, "k*", ms=14)
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(1.3, -0.3)
    ax.set_aspect("equal")
    ax.set_xlabel("x (column)")
    ax.set_ylabel("y (row, down)")
    ax.set_title(f"sample at ({x:g}, {y:g}) = {value:.4g}", fontsize=10)
    return fig
