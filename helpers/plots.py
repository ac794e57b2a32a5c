"""Small static-figure helpers shared by the chapters (plain matplotlib, no widgets).

Kept apart from the algorithm modules, which never import matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_array, check_float, check_int, check_str

__all__ = [
    "mosaic",
    "plot_bilateral_weights",
    "plot_color_clusters",
    "plot_error_maps",
    "plot_gain_profiles",
    "plot_gradient_descent_1d",
    "plot_history",
    "plot_kernels",
    "plot_labels",
    "plot_psf_spectra",
    "plot_psnr_curves",
    "plot_threshold_histogram",
    "show_images",
    "show_value_panels",
    "show_values",
]


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

    Parameters
    ----------
    images : list or tuple of (H, W) or (H, W, 3) ndarray
        1 to 64 images.
    titles : list or tuple of str, optional
        One per image.
    cmap : str
        A matplotlib colour map name, for gray images.
    size : float
        Inches per panel, in (0, 40].
    vmin, vmax : float, optional
        The gray scale's limits (finite).
    columns : int, optional
        Panels per row, 1 to 64 (default: all in one row).
    """
    import matplotlib.pyplot as plt

    from ._validation import check_float, check_instance, check_int, check_text

    check_instance(images, "images", (list, tuple), what="a list or tuple of images")
    if not 1 <= len(images) <= 64:
        raise ValueError(f"images must hold 1 to 64 images; got {len(images)}")
    images = [as_array(im, f"images[{i}]", ndim=(2, 3)) for i, im in enumerate(images)]
    if titles is not None:
        check_instance(titles, "titles", (list, tuple), what="a list or tuple of strings")
        if len(titles) != len(images):
            raise ValueError(f"titles must have one entry per image ({len(images)}); got "
                             f"{len(titles)}")
        titles = [check_text(t, f"titles[{i}]") for i, t in enumerate(titles)]
    cmap = _check_cmap(cmap)
    size = _check_size(size)
    vmin = None if vmin is None else check_float(vmin, "vmin")
    vmax = None if vmax is None else check_float(vmax, "vmax")
    columns = len(images) if columns is None else check_int(columns, "columns", min=1, max=64)
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
    """Draw a small 2-D array (at most 400 values) as an image with each value in its cell.

    ``ax`` is a matplotlib Axes; ``fmt`` a format string with one ``{}`` field.
    """
    from ._validation import check_text

    _check_ax(ax, allow_none=False)
    patch = as_array(patch, "patch", ndim=2)
    if patch.size > 400:
        raise ValueError(f"patch must be small enough to label (<= 400 values); got {patch.shape}")
    fmt = check_text(fmt, "fmt")
    try:
        fmt.format(patch.flat[0])
    except (ValueError, IndexError, KeyError) as exc:
        raise ValueError(f"fmt must be a format string with one field such as '{{:.2f}}'; got "
                         f"{fmt!r} ({exc})") from None
    cmap = _check_cmap(cmap)
    ax.imshow(patch, cmap=cmap, interpolation="nearest")
    mid = (float(patch.max()) + float(patch.min())) / 2
    for (y, x), v in np.ndenumerate(patch):
        ax.text(x, y, fmt.format(v), ha="center", va="center", fontsize=8,
                color="black" if v > mid else "white")
    ax.set_xticks(range(patch.shape[1]))
    ax.set_yticks(range(patch.shape[0]))


def show_value_panels(
    arrays: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    fmt: str = "{:g}",
    height: float = 2.6,
):
    """Small 2-D arrays side by side, each value written in its cell; returns the Figure.

    Each panel is :func:`show_values` with its title; panel widths follow the arrays' widths,
    so a 2x2 result beside its 4x4 input is drawn at the same cell size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = show_value_panels([np.eye(3), np.ones((2, 2))], ["input", "output"])
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    if not isinstance(arrays, (list, tuple)):
        raise TypeError(f"arrays must be a list of 2-D arrays; got {type(arrays).__name__}")
    arrays = [as_array(a, f"arrays[{i}]", ndim=2) for i, a in enumerate(arrays)]
    if not arrays or len(arrays) > 8:
        raise ValueError(f"arrays must hold 1 to 8 arrays; got {len(arrays)}")
    if not isinstance(titles, (list, tuple)) or len(titles) != len(arrays):
        raise ValueError(f"titles must be a list with one title per array ({len(arrays)}); "
                         f"got {titles!r:.60}")
    if not all(isinstance(t, str) for t in titles):
        raise TypeError(f"titles must be strings; got {titles!r:.60}")
    check_str(fmt, "fmt")
    height = check_float(height, "height", min=0.5, max=10)
    widths = [max(a.shape[1], 3) for a in arrays]  # room for the title of a narrow panel
    rows = max(a.shape[0] for a in arrays)
    fig, axes = plt.subplots(1, len(arrays), figsize=(height * sum(widths) / rows + 0.4
                                                      * len(arrays), height),
                             width_ratios=widths, layout="constrained", squeeze=False)
    for ax, array, title in zip(axes[0], arrays, titles, strict=True):
        show_values(ax, array, fmt=fmt)
        ax.set_title(str(title))
    return fig


def _check_cmap(cmap, name: str = "cmap") -> str:
    """A matplotlib colour map name (``"gray"``, ``"viridis"``, ...)."""
    import matplotlib

    from ._validation import check_text

    cmap = check_text(cmap, name)
    if cmap not in matplotlib.colormaps:
        raise ValueError(f"{name} must be a matplotlib colour map name such as 'gray' or "
                         f"'viridis'; got {cmap!r}")
    return cmap


def plot_gradient_descent_1d(
    lrs: Sequence[float] = (0.1, 0.4, 0.9, 1.05),
    *,
    w0: float = 1.0,
    steps: int = 8,
):
    """Gradient descent on ``L(w) = w^2`` with several learning rates, one panel each.

    Each panel draws the loss curve and the iterates of
    :func:`helpers.cnn.gradient_descent_1d` (dots joined in order, numbered), with the final
    ``|w|`` in the title, so a learner sees slow, fast, oscillating and diverging descent.

    Parameters
    ----------
    lrs : sequence of float
        1 to 6 learning rates, each in [0, 2].
    w0 : float
        Starting weight, in [-3, 3] (nonzero).
    steps : int
        Steps per run, 1 to 50.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> len(plot_gradient_descent_1d((0.1, 0.9), steps=4).axes)
    2
    """
    import matplotlib.pyplot as plt

    from .cnn import gradient_descent_1d

    if not isinstance(lrs, (list, tuple)) or not 1 <= len(lrs) <= 6:
        raise ValueError(f"lrs must be a list or tuple of 1 to 6 learning rates; got {lrs!r:.60}")
    lrs = [check_float(lr, f"lrs[{i}]", min=0.0, max=2.0) for i, lr in enumerate(lrs)]
    w0 = check_float(w0, "w0", min=-3.0, max=3.0)
    if w0 == 0:
        raise ValueError("w0 must be nonzero: at w = 0 the loss w^2 is already at its minimum")
    steps = check_int(steps, "steps", min=1, max=50)
    fig, axes = plt.subplots(1, len(lrs), figsize=(2.6 * len(lrs), 2.8), layout="constrained",
                             squeeze=False, sharey=True)
    span = 1.6 * abs(w0)
    grid = np.linspace(-span, span, 200)
    for ax, lr in zip(axes[0], lrs, strict=True):
        path = gradient_descent_1d(lambda w: 2.0 * w, w0, lr, steps)
        shown = np.clip(path, -span, span)
        ax.plot(grid, grid**2, color="0.6", lw=1.5, label="loss $w^2$")
        ax.plot(shown, shown**2, "-o", color="tab:red", ms=4, lw=1, label="iterates")
        for k in (0, 1, 2):
            ax.annotate(str(k), (shown[k], shown[k] ** 2), textcoords="offset points",
                        xytext=(4, 4), fontsize=8)
        ax.set_title(f"lr = {lr:g}: |w| after {steps} steps\n= {abs(path[-1]):.3g}",
                     fontsize=10)
        ax.set_xlabel("w")
    axes[0][0].set_ylabel("loss")
    axes[0][0].legend(fontsize=8, loc="upper center")
    return fig


def plot_history(history, *, title: str | None = None, size: tuple[float, float] = (10, 3.2)):
    """Loss curves (train and validation) and every validation metric of a training run.

    Parameters
    ----------
    history : helpers.nets.training.History or dict
        What :func:`helpers.nets.training.fit` returned (or its ``as_dict()``).
    title : str, optional
        Figure title.
    size : (width, height)
        Figure size in inches, each in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
        One panel for the losses, one per metric; x is the epoch (1, 2, ...).
    """
    import matplotlib.pyplot as plt

    from ._validation import check_text, describe

    if hasattr(history, "as_dict"):
        history = history.as_dict()
    if not isinstance(history, dict):
        raise TypeError(f"history must be the History that fit returned (or its as_dict()); got "
                        f"{describe(history)}")
    h = dict(history)
    if not isinstance(h.get("loss"), list) or not h["loss"]:
        raise ValueError("history must hold a non-empty 'loss' list (from fit); got keys "
                         f"{sorted(h)[:8]}")
    title = check_text(title, "title", allow_none=True)
    size = _check_size(size, pair=True)
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


# -- chapters 06 (segmentation) and 07 (restoration) ----------------------------------------------


def _check_ax(ax, name: str = "ax", *, allow_none: bool = True):
    """``None`` or a matplotlib Axes (anything with ``figure`` and ``imshow``)."""
    if (ax is None and not allow_none) or (
        ax is not None and not (hasattr(ax, "figure") and hasattr(ax, "imshow"))
    ):
        from ._validation import describe

        wanted = "a matplotlib Axes or None" if allow_none else "a matplotlib Axes"
        raise TypeError(f"{name} must be {wanted}; got {describe(ax)}")
    return ax


def _check_size(size, name: str = "size", *, pair: bool = False):
    """A figure size in inches: one number in (0, 40], or a (width, height) pair of them."""
    from ._validation import check_float

    if pair:
        if not (isinstance(size, (tuple, list)) and len(size) == 2):
            raise TypeError(f"{name} must be a (width, height) pair in inches; got {size!r}")
        return tuple(check_float(v, f"{name}[{i}]", min=0, max=40, min_inclusive=False)
                     for i, v in enumerate(size))
    return check_float(size, name, min=0, max=40, min_inclusive=False)


def plot_threshold_histogram(gray, thresholds=None, *, ax=None, size=(6.0, 3.2)):
    """A uint8 image's histogram with Otsu's between-class variance and named thresholds.

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray image, uint8 or float in [0, 1] (shown on 0-255 levels).
    thresholds : dict[str, float], optional
        Label -> threshold (gray level) to draw as vertical lines.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    size : (width, height)
        Figure size in inches when a new figure is made, each in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
        The histogram (gray bars, left axis: pixels), the curve
        :math:`\\sigma_B^2(t)` (right axis) with Otsu's maximum marked, and the thresholds.

    Used in chapters/06_segmentation.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import check_float, check_image
    from .image import as_uint8_image
    from .segmentation import otsu_between_class_variance, threshold_otsu

    levels = as_uint8_image(check_image(gray, "gray", ndim=2), "gray")
    if thresholds is not None and not isinstance(thresholds, dict):
        raise TypeError(f"thresholds must be a dict label -> gray level; got {thresholds!r}")
    thresholds = {} if thresholds is None else dict(thresholds)
    _check_ax(ax)
    size = _check_size(size, pair=True)
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
    else:
        fig = ax.figure
    counts = np.bincount(levels.ravel(), minlength=256)
    sigma_b = otsu_between_class_variance(counts)
    t_otsu = threshold_otsu(levels)
    ax.stairs(counts, np.arange(257), fill=True, color="0.7", label="histogram")
    ax.set_xlim(0, 256)
    ax.set_xlabel("gray level")
    ax.set_ylabel("pixels")
    twin = ax.twinx()
    twin.plot(np.arange(256) + 0.5, sigma_b, color="tab:blue", lw=1.6)
    twin.plot([t_otsu + 0.5], [sigma_b[t_otsu]], "o", color="tab:blue", ms=7)
    twin.annotate(f"Otsu: t = {t_otsu}", (t_otsu + 0.5, sigma_b[t_otsu]), xytext=(6, -14),
                  textcoords="offset points", color="tab:blue", fontsize=9)
    twin.set_ylabel("between-class variance $\\sigma_B^2(t)$", color="tab:blue")
    twin.set_ylim(0, sigma_b.max() * 1.15 if sigma_b.max() > 0 else 1)
    colours = ["tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown"]
    for (label, t), colour in zip(thresholds.items(), colours * 4, strict=False):
        t = check_float(t, f"thresholds[{label!r}]")
        ax.axvline(t + 0.5, color=colour, ls="--", lw=1.4, label=f"{label}: t = {t:g}")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    return fig


def plot_labels(image, labels, *, seeds=None, ax=None, title=None, size=4.0):
    """Regions drawn in colour over a gray image, seeds as crosses.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray background, uint8 or float in [0, 1].
    labels : (H, W) ndarray of int
        0 for no region, ``k`` for region ``k`` (as from ``segmentation.region_grow``).
    seeds : (N, 2) array_like of int, optional
        ``(row, col)`` of seeds to mark.
    ax : matplotlib Axes, optional
    title : str, optional
    size : float
        Figure side in inches when a new figure is made, in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure

    Used in chapters/06_segmentation.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import as_array, check_image
    from .image import as_float_image

    gray = as_float_image(check_image(image, "image", ndim=2), "image")
    labels = as_array(labels, "labels", ndim=2, kinds="iu", shape_hint="(H, W)")
    if labels.shape != gray.shape:
        raise ValueError(f"labels must have the image's shape {gray.shape}; got {labels.shape}")
    _check_ax(ax)
    size = _check_size(size)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None; got {title!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(size, size), layout="constrained")
    else:
        fig = ax.figure
    palette = plt.get_cmap("tab10")
    shown = np.repeat(gray[..., None], 3, axis=2) * 0.8
    for k in np.unique(labels[labels > 0]):
        region = labels == k
        shown[region] = 0.4 * shown[region] + 0.6 * np.array(palette((k - 1) % 10)[:3])
    ax.imshow(shown)
    if seeds is not None:
        seeds = as_array(seeds, "seeds", ndim=(1, 2), kinds="iu").reshape(-1, 2)
        ax.plot(seeds[:, 1], seeds[:, 0], "+", color="white", ms=12, mew=2.5)
        ax.plot(seeds[:, 1], seeds[:, 0], "+", color="black", ms=8, mew=1.2)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_color_clusters(rgb, centres, *, sample=2500, rng=0, ax=None, size=(5.0, 4.2)):
    """The pixels of a photo as points in RGB space, each drawn in its own colour, with centres.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        uint8 or float in [0, 1].
    centres : (k, 3) array_like
        Cluster centres in [0, 1] (e.g. ``kmeans_colors(...).centres``), drawn as large
        markers with a black edge.
    sample : int
        Pixels drawn (at random, 1-50,000).
    rng : numpy.random.Generator or int
        Which pixels are drawn.
    ax : 3-D matplotlib Axes, optional
    size : (width, height)
        Figure size in inches, each in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure

    Used in chapters/06_segmentation.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import as_array, check_image, check_int, check_rng
    from .image import as_float_image

    points = as_float_image(check_image(rgb, "rgb", ndim=3), "rgb").reshape(-1, 3)
    centres = as_array(centres, "centres", ndim=2, shape_hint="(k, 3)")
    if centres.shape[1] != 3:
        raise ValueError(f"centres must have 3 columns (R, G, B); got shape {centres.shape}")
    sample = check_int(sample, "sample", min=1, max=50_000)
    rng = check_rng(rng)
    _check_ax(ax)
    size = _check_size(size, pair=True)
    picked = points[rng.choice(len(points), size=min(sample, len(points)), replace=False)]
    if ax is None:
        fig = plt.figure(figsize=size, layout="constrained")
        ax = fig.add_subplot(projection="3d")
    else:
        fig = ax.figure
    ax.computed_zorder = False  # draw in zorder: the centres on top of the cloud
    ax.scatter(*picked.T, c=picked, s=4, depthshade=False, zorder=1)
    ax.scatter(*np.clip(centres, 0, 1).T, c=np.clip(centres, 0, 1), s=260, marker="o",
               edgecolors="white", linewidths=3.0, depthshade=False, zorder=3)
    ax.scatter(*np.clip(centres, 0, 1).T, s=260, marker="o", facecolors="none",
               edgecolors="black", linewidths=1.2, depthshade=False, zorder=4)
    ax.set_xlabel("R")
    ax.set_ylabel("G")
    ax.set_zlabel("B")
    for setter in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
        setter(0, 1)
    return fig


def plot_psf_spectra(psfs, *, shape=(128, 128), size=2.6):
    """Each point spread function above the magnitude of its transfer function.

    Parameters
    ----------
    psfs : dict[str, (kh, kw) ndarray]
        Name -> PSF (non-negative, positive sum).
    shape : (int, int)
        The frequency grid (centred, zero frequency in the middle), at most 1024 a side.
    size : float
        Inches per panel, in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
        Top row: the PSFs (each with a colour bar of its weights); bottom row:
        :math:`\\log_{10} |H|` on a shared colour scale (dark = frequencies the blur destroys).

    Used in chapters/07_restoration.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import check_int
    from .restoration import psf_to_otf

    if not isinstance(psfs, dict) or not psfs:
        raise TypeError(f"psfs must be a non-empty dict name -> PSF; got {type(psfs).__name__}")
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be a pair (H, W); got {shape!r}")
    h = check_int(shape[0], "shape[0]", min=8, max=1024)
    w = check_int(shape[1], "shape[1]", min=8, max=1024)
    size = _check_size(size)
    fig, axes = plt.subplots(2, len(psfs), figsize=(size * len(psfs) * 1.15, size * 2),
                             squeeze=False, layout="constrained")
    for col, (name, psf) in enumerate(psfs.items()):
        psf_to_otf(psf, (h, w))  # validates the PSF and the grid
        full = np.abs(np.fft.fft2(np.asarray(psf, np.float64), s=(h, w)))  # |H|: shift-free
        otf = np.fft.fftshift(np.log10(np.maximum(full, 1e-8)))
        im = axes[0, col].imshow(psf, cmap="viridis", interpolation="nearest")
        fig.colorbar(im, ax=axes[0, col], fraction=0.046, pad=0.03)
        axes[0, col].set_title(f"{name}, {psf.shape[0]}x{psf.shape[1]}")
        spec = axes[1, col].imshow(otf, cmap="magma", vmin=-4, vmax=0,
                                   extent=(-0.5, 0.5, 0.5, -0.5))
        axes[1, col].set_xlabel("frequency (cycles / px)")
        axes[1, col].set_title(f"log10 |H|, min |H| = {full.min():.1e}", fontsize=9)
        axes[0, col].set_axis_off()
    fig.colorbar(spec, ax=axes[1, -1], fraction=0.046, pad=0.03, label="log10 |H|")
    return fig


def plot_gain_profiles(psf, balances=(1e-3, 1e-2, 1e-1), *, n=256, size=(7.0, 3.4)):
    """Gain of the inverse and Wiener filters against frequency, along one axis.

    Parameters
    ----------
    psf : (kh, kw) ndarray
        The blur (non-negative, positive sum).
    balances : sequence of float
        Wiener balances ``K`` to draw (each > 0).
    n : int
        Grid size (16-4096); frequencies ``0 .. 0.5`` cycles per pixel along x.
    size : (width, height)
        Figure size in inches, each in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
        :math:`|H|` (what the blur keeps), :math:`1/|H|` (the inverse filter: how much it
        multiplies the noise) and :math:`|W_K| = |H| / (|H|^2 + K)` for each ``K``, log scale.

    Used in chapters/07_restoration.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import check_float_sequence, check_int
    from .restoration import psf_to_otf

    n = check_int(n, "n", min=16, max=4096)
    balances = check_float_sequence(balances, "balances", min_length=1, max_length=8, min=0,
                                    min_inclusive=False)
    size = _check_size(size, pair=True)
    otf = np.abs(psf_to_otf(psf, (n, n))[0])
    freq = np.arange(otf.size) / n
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    ax.semilogy(freq, otf, color="black", lw=2, label="|H|: the blur")
    with np.errstate(divide="ignore"):
        ax.semilogy(freq, 1 / np.maximum(otf, 1e-300), color="tab:red", lw=1.5,
                    label="1 / |H|: inverse filter")
    for k, colour in zip(balances, ("tab:blue", "tab:green", "tab:purple", "tab:orange"),
                         strict=False):
        ax.semilogy(freq, otf / (otf**2 + k), color=colour, ls="--", label=f"Wiener, K = {k:g}")
    ax.set_ylim(1e-4, 1e4)
    ax.set_xlim(0, 0.5)
    ax.axhline(1, color="0.6", lw=0.8)
    ax.set_xlabel("horizontal frequency (cycles per pixel)")
    ax.set_ylabel("gain")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3, which="major")
    return fig


def plot_bilateral_weights(image, point, diameter, sigma_color, sigma_space, *, size=2.7):
    """The weights the bilateral filter gives the neighbours of one pixel.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, uint8 (``sigma_color`` in gray levels) or float in [0, 1].
    point : (int, int)
        ``(row, col)`` of the pixel, at least ``diameter // 2`` from every border.
    diameter : int
        Window diameter (3-51).
    sigma_color, sigma_space : float
        As in ``restoration.bilateral_filter``.
    size : float
        Inches per panel, in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
        The window, the spatial weight, the colour (range) weight and their product, each with
        a colour bar; the centre pixel is marked.

    Used in chapters/07_restoration.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import check_float, check_image, check_int

    image = check_image(image, "image", ndim=2)
    size = _check_size(size)
    diameter = check_int(diameter, "diameter", min=3, max=51)
    sigma_color = check_float(sigma_color, "sigma_color", min=0, min_inclusive=False)
    sigma_space = check_float(sigma_space, "sigma_space", min=0, min_inclusive=False)
    if not (isinstance(point, (tuple, list)) and len(point) == 2):
        raise TypeError(f"point must be a (row, col) pair; got {point!r}")
    r = diameter // 2
    y = check_int(point[0], "point[0]", min=r, max=image.shape[0] - 1 - r)
    x = check_int(point[1], "point[1]", min=r, max=image.shape[1] - 1 - r)
    window = image[y - r : y + r + 1, x - r : x + r + 1].astype(np.float64)
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    spatial = np.exp(-(dy**2 + dx**2) / (2 * sigma_space**2)) * (np.hypot(dy, dx) <= r)
    colour = np.exp(-((window - window[r, r]) ** 2) / (2 * sigma_color**2))
    panels = [(window, "window (gray levels)", "gray"), (spatial, "spatial weight", "viridis"),
              (colour, "colour weight", "viridis"),
              (spatial * colour / (spatial * colour).sum(), "product, normalised", "viridis")]
    fig, axes = plt.subplots(1, 4, figsize=(size * 4.4, size), layout="constrained")
    for ax, (values, title, cmap) in zip(axes, panels, strict=True):
        im = ax.imshow(values, cmap=cmap, interpolation="nearest")
        ax.plot([r], [r], "+", color="red", ms=10, mew=2)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    return fig


def plot_error_maps(reference, images, *, vmax=0.1, size=3.2):
    """Absolute error of each image against a reference, on one shared colour scale.

    Parameters
    ----------
    reference : (H, W) ndarray
        The clean image (float).
    images : dict[str, (H, W) ndarray]
        Title -> image to compare.
    vmax : float
        Error shown at full colour (> 0); larger errors saturate.
    size : float
        Inches per panel, in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure

    Used in chapters/07_restoration.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import as_array, check_float

    ref = as_array(reference, "reference", ndim=2, shape_hint="(H, W)").astype(np.float64)
    vmax = check_float(vmax, "vmax", min=0, min_inclusive=False)
    size = _check_size(size)
    if not isinstance(images, dict) or not images:
        raise TypeError(f"images must be a non-empty dict title -> image; got "
                        f"{type(images).__name__}")
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images) * 1.1, size),
                             squeeze=False, layout="constrained")
    for ax, (title, image) in zip(axes[0], images.items(), strict=True):
        image = as_array(image, f"images[{title!r}]", ndim=2)
        if image.shape != ref.shape:
            raise ValueError(f"images[{title!r}] must have the reference's shape {ref.shape}; "
                             f"got {image.shape}")
        im = ax.imshow(np.abs(image - ref), cmap="magma", vmin=0, vmax=vmax)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    fig.colorbar(im, ax=axes[0, -1], fraction=0.046, pad=0.03, label="|image - clean|")
    return fig


def plot_kernels(kernels, *, columns=None, size=2.4):
    """Small kernels (PSFs) side by side on one colour scale, padded to a common size.

    Parameters
    ----------
    kernels : dict[str, (kh, kw) ndarray]
        Title -> kernel (at most 101 a side). Smaller kernels are padded with zeros around their
        centre, so that every panel shows the same number of pixels at the same scale.
    columns : int, optional
        Panels per row, 1 to 50 (default: all in one row).
    size : float
        Inches per panel, in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
        One panel per kernel and a colour bar of the weights (0 to the largest weight).

    Used in chapters/07_restoration.ipynb.
    """
    import matplotlib.pyplot as plt

    from ._validation import as_array, check_int

    if not isinstance(kernels, dict) or not kernels:
        raise TypeError(f"kernels must be a non-empty dict title -> kernel; got "
                        f"{type(kernels).__name__}")
    arrays = {}
    for title, kernel in kernels.items():
        kernel = as_array(kernel, f"kernels[{title!r}]", ndim=2, shape_hint="(kh, kw)")
        if max(kernel.shape) > 101:
            raise ValueError(f"kernels[{title!r}] must be at most 101 a side; got {kernel.shape}")
        arrays[title] = kernel.astype(np.float64)
    side = max(max(k.shape) for k in arrays.values())
    size = _check_size(size)
    columns = len(arrays) if columns is None else check_int(columns, "columns", min=1, max=50)
    rows = -(-len(arrays) // columns)
    top = max(float(k.max()) for k in arrays.values())
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns * 1.1, size * rows),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, (title, kernel) in zip(axes.ravel(), arrays.items(), strict=False):
        canvas = np.zeros((side, side))
        y0, x0 = (side - kernel.shape[0]) // 2, (side - kernel.shape[1]) // 2
        canvas[y0 : y0 + kernel.shape[0], x0 : x0 + kernel.shape[1]] = kernel
        im = ax.imshow(canvas, cmap="viridis", vmin=0, vmax=top, interpolation="nearest")
        ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=axes, fraction=0.03, pad=0.02, label="weight")
    return fig


def plot_psnr_curves(curves, baselines=None, *, xlabel="iteration", ylabel="PSNR (dB)",
                     size=(6.5, 3.0)):
    """Scores against the iteration number, one curve per run, each with an optional baseline.

    Parameters
    ----------
    curves : dict[str, (n,) array_like]
        Label -> the score after iterations 1, 2, ..., n (finite numbers; at most 10 curves of
        at most 100 000 points).
    baselines : dict[str, float], optional
        Label (one of ``curves``' keys) -> a reference score drawn as a dotted horizontal line in
        that curve's colour, e.g. the PSNR of the degraded image the iterations start from.
    xlabel, ylabel : str
        Axis labels.
    size : (width, height)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: the curves with a legend, the baselines dotted.

    Used in chapters/07_restoration.ipynb (Richardson-Lucy's PSNR, iteration by iteration).
    """
    import matplotlib.pyplot as plt

    from ._validation import check_float, describe

    if not isinstance(curves, dict) or not curves or len(curves) > 10:
        raise TypeError(f"curves must be a dict of 1 to 10 label -> scores; got {describe(curves)}")
    baselines = {} if baselines is None else baselines
    if not isinstance(baselines, dict):
        raise TypeError(f"baselines must be a dict label -> score or None; got "
                        f"{describe(baselines)}")
    unknown = [label for label in baselines if label not in curves]
    if unknown:
        raise ValueError(f"baselines has labels that are not in curves: {unknown}; "
                         f"curves has {list(curves)}")
    for name, value in (("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str; got {describe(value)}")
    size = _check_size(size, pair=True)
    values = {}
    for label, curve in curves.items():
        curve = as_array(curve, f"curves[{label!r}]", ndim=1, shape_hint="(n,)")
        if curve.size > 100_000:
            raise ValueError(f"curves[{label!r}] must have at most 100000 points; got {curve.size}")
        values[label] = curve.astype(np.float64)
    levels = {label: check_float(v, f"baselines[{label!r}]") for label, v in baselines.items()}
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    for i, (label, curve) in enumerate(values.items()):
        colour = f"C{i}"
        ax.plot(np.arange(1, curve.size + 1), curve, color=colour, label=str(label))
        if label in levels:
            ax.axhline(levels[label], color=colour, ls=":", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig
