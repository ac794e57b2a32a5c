"""Small static-figure helpers shared by the chapters (plain matplotlib, no widgets).

Kept apart from the algorithm modules, which never import matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_array, check_int

__all__ = ["mosaic", "plot_history", "show_images", "show_values"]


def show_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    *,
    cmap: str = "gray",
    size: float = 3.0,
    vmin: float | None = None,
    vmax: float | None = None,
    columns: int | None = None,
):
    """Show images side by side with titles; returns the pyplot Figure.

    Gray images use ``cmap``; ``vmin``/``vmax`` fix the gray scale (default: the dtype's full
    range, 0-255 for uint8, 0-1 for bool/float in [0, 1], else the image's own range).
    """
    import matplotlib.pyplot as plt

    images = [as_array(im, f"images[{i}]", ndim=(2, 3)) for i, im in enumerate(images)]
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles must have one entry per image ({len(images)}); got {len(titles)}")
    columns = columns or len(images)
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel():
        ax.set_axis_off()
    for i, (ax, im) in enumerate(zip(axes.ravel(), images, strict=False)):
        lo, hi = vmin, vmax
        if lo is None and hi is None and im.ndim == 2:
            if im.dtype == np.uint8:
                lo, hi = 0, 255
            elif im.dtype == bool or (im.min() >= 0 and im.max() <= 1):
                lo, hi = 0, 1
        ax.imshow(im, cmap=cmap if im.ndim == 2 else None, vmin=lo, vmax=hi,
                  interpolation="nearest" if max(im.shape[:2]) <= 64 else "antialiased")
        if titles is not None:
            ax.set_title(titles[i])
    return fig


def mosaic(maps: np.ndarray, rows: int = 4) -> np.ndarray:
    """Tile ``(C, h, w)`` maps (filters, feature maps) into one image, NaN gaps between them.

    Parameters
    ----------
    maps : (C, h, w) array_like
    rows : int
        Maps per column of the mosaic (capped at C).

    Returns
    -------
    (rows * (h + 1) - 1, cols * (w + 1) - 1) ndarray of float64
        Show it with ``imshow``: the NaN gaps are drawn as background.

    Examples
    --------
    >>> mosaic(np.ones((4, 2, 2)), rows=2).shape
    (5, 5)
    """
    maps = as_array(maps, "maps", ndim=3, shape_hint="(C, h, w)")
    c, h, w = maps.shape
    rows = min(check_int(rows, "rows", min=1, max=4096), c)
    cols = -(-c // rows)
    if rows * cols * h * w > 50_000_000:
        raise ValueError(f"maps are too many or too large to tile ({maps.shape}); show fewer")
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for k in range(c):
        r, q = divmod(k, cols)
        out[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = maps[k]
    return out


def show_values(ax, patch: np.ndarray, *, fmt: str = "{:g}", cmap: str = "gray") -> None:
    """Draw a small 2-D array as an image with each value written in its cell."""
    patch = as_array(patch, "patch", ndim=2)
    if patch.size > 400:
        raise ValueError(f"patch must be small enough to label (<= 400 values); got {patch.shape}")
    ax.imshow(patch, cmap=cmap, interpolation="nearest")
    mid = (float(patch.max()) + float(patch.min())) / 2
    for (y, x), v in np.ndenumerate(patch):
        ax.text(x, y, fmt.format(v), ha="center", va="center", fontsize=8,
                color="black" if v > mid else "white")
    ax.set_xticks(range(patch.shape[1]))
    ax.set_yticks(range(patch.shape[0]))


def plot_history(history, *, title: str | None = None, size: tuple[float, float] = (10, 3.2)):
    """Loss curves (train and validation) and every validation metric of a training run.

    Parameters
    ----------
    history : helpers.nets.training.History or dict
        What :func:`helpers.nets.training.fit` returned (or its ``as_dict()``).
    title : str, optional
        Figure title.
    size : (width, height)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One panel for the losses, one per metric; x is the epoch (1, 2, ...).
    """
    import matplotlib.pyplot as plt

    h = history.as_dict() if hasattr(history, "as_dict") else dict(history)
    if not isinstance(h.get("loss"), list) or not h["loss"]:
        raise ValueError("history must hold a non-empty 'loss' list (from fit); got "
                         f"{type(history).__name__}")
    names = [k for k, v in h.items()
             if isinstance(v, list) and k not in ("loss", "val_loss", "lr", "epoch_seconds")]
    fig, axes = plt.subplots(1, 1 + len(names), figsize=size, squeeze=False, layout="constrained")
    axes = axes[0]
    epochs = np.arange(1, len(h["loss"]) + 1)
    axes[0].plot(epochs, h["loss"], "o-", label="training loss")
    if h.get("val_loss"):
        axes[0].plot(epochs[: len(h["val_loss"])], h["val_loss"], "s--", label="validation loss")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("loss")
    axes[0].legend()
    for ax, name in zip(axes[1:], names, strict=True):
        ax.plot(epochs[: len(h[name])], h[name], "o-", color="tab:green")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(f"validation {name}: {h[name][-1]:.4g} at the end")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    return fig
