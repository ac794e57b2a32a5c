"""Static figures for chapters/17_inside_cnns.ipynb (plain matplotlib, no widgets).

Kept apart from :mod:`helpers.gradcam`, which never imports matplotlib. Every function returns
the pyplot Figure; colour that carries values always has a colour bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_figure_size,
    check_float,
    check_instance,
    check_int,
    check_text,
    describe,
)
from .image import as_float_image

__all__ = [
    "plot_gradcam_steps",
    "plot_memory_attention",
    "plot_se_channel_weights",
    "show_gradcam_overlays",
    "show_stn_warps",
]


def _image(x: Any, name: str) -> np.ndarray:
    return as_float_image(as_array(x, name, ndim=(2, 3)), name)


def show_gradcam_overlays(images: Sequence[Any], heatmaps: Sequence[Any],
                          titles: Sequence[str] | None = None, *, alpha: float = 0.5,
                          size: float = 2.6, columns: int | None = None):
    """Each image with its heat map laid over it (jet colours), one shared colour bar.

    Parameters
    ----------
    images : sequence of (H, W) or (H, W, 3) arrays
    heatmaps : sequence of (H, W) arrays in [0, 1]
        Same length and sizes as ``images`` (e.g. ``GradCAMResult.heatmap``).
    titles : sequence of str, optional
    alpha : float
        Opacity of the heat map, 0 to 1.
    size : float
        Inches per panel.
    columns : int, optional
        Panels per row (default: all in one row).
    """
    import matplotlib.pyplot as plt

    if isinstance(images, np.ndarray) and images.ndim in (3, 4):
        images = list(images)
    if isinstance(heatmaps, np.ndarray) and heatmaps.ndim == 3:
        heatmaps = list(heatmaps)
    check_instance(images, "images", (list, tuple), "a list of (H, W) or (H, W, 3) arrays")
    check_instance(heatmaps, "heatmaps", (list, tuple), "a list of (H, W) arrays")
    if len(images) != len(heatmaps) or not len(images):
        raise ValueError(f"images and heatmaps must have the same, non-zero length; got "
                         f"{len(images)} and {len(heatmaps)}")
    if len(images) > 64:
        raise ValueError(f"images must hold at most 64 panels; got {len(images)}")
    if titles is not None:
        check_instance(titles, "titles", (list, tuple), "a list of str, one per image")
        if len(titles) != len(images):
            raise ValueError(f"titles must have one entry per image ({len(images)}); got "
                             f"{len(titles)}")
        for i, t in enumerate(titles):
            check_text(t, f"titles[{i}]")
    alpha = check_float(alpha, "alpha", min=0, max=1)
    size = check_figure_size(size)
    if columns is not None:
        columns = check_int(columns, "columns", min=1, max=32)
    columns = columns or min(len(images), 32)
    pairs = [(_image(im, f"images[{i}]"), as_array(hm, f"heatmaps[{i}]", ndim=2))
             for i, (im, hm) in enumerate(zip(images, heatmaps, strict=True))]
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns + 0.9, size * rows),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.set_axis_off()
    for i, (ax, (im, hm)) in enumerate(zip(axes.ravel(), pairs, strict=False)):
        ax.imshow(im, cmap="gray" if im.ndim == 2 else None)
        heat = ax.imshow(hm, cmap="jet", vmin=0, vmax=1, alpha=alpha,
                         extent=(-0.5, im.shape[1] - 0.5, im.shape[0] - 0.5, -0.5))
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.colorbar(heat, ax=axes.ravel().tolist(), shrink=0.8, label="map (scaled to 0-1)")
    return fig


def plot_gradcam_steps(image: Any, result: Any, *, index: int = 0, channels: int = 3,
                       size: float = 2.3):
    """Grad-CAM stage by stage for one image: the most weighted channels, the weights, the coarse
    map, the overlay.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        The input image (for the overlay).
    result : helpers.gradcam.GradCAMResult
    index : int
        Which image of the batch.
    channels : int
        How many of the channels with the largest weight-times-activation to show (1 to 6).
    size : float
        Inches per panel.
    """
    import matplotlib.pyplot as plt

    from .gradcam import GradCAMResult

    check_instance(result, "result", GradCAMResult, "a GradCAMResult from helpers.gradcam."
                   "grad_cam")
    index = check_int(index, "index", min=0, max=len(result.weights) - 1)
    channels = check_int(channels, "channels", min=1, max=6)
    size = check_figure_size(size)
    base = _image(image, "image")
    acts, weights = result.activations[index], result.weights[index]
    contribution = weights * acts.mean(axis=(1, 2))
    top = np.argsort(contribution)[::-1][:channels]
    fig, axes = plt.subplots(1, channels + 3, figsize=(size * (channels + 3) + 1.2, size + 0.3),
                             layout="constrained", width_ratios=[1] * channels + [1.3, 1, 1])
    hi = float(np.abs(acts[top]).max()) or 1.0
    for ax, k in zip(axes, top, strict=False):
        im = ax.imshow(acts[k], cmap="RdBu_r", vmin=-hi, vmax=hi)
        ax.set_title(f"A_{k}, α = {weights[k]:.2g}", fontsize=9)
        ax.set_axis_off()
    fig.colorbar(im, ax=axes[channels - 1], shrink=0.8, label="activation")
    ax_w = axes[channels]
    order = np.sort(weights)[::-1]
    ax_w.bar(np.arange(len(order)), order, width=1.0,
             color=np.where(order > 0, "tab:red", "tab:blue"))
    ax_w.axhline(0, color="0.3", lw=0.8)
    ax_w.set_title(f"{int((weights > 0).sum())} of {len(weights)} weights > 0", fontsize=9)
    ax_w.set_xlabel("channel, sorted")
    ax_w.set_ylabel("α_k (mean gradient)")
    coarse = result.coarse[index]
    im = axes[channels + 1].imshow(coarse, cmap="magma")
    axes[channels + 1].set_title(f"ReLU(Σ α_k A_k), {coarse.shape[0]}x{coarse.shape[1]}",
                                 fontsize=9)
    fig.colorbar(im, ax=axes[channels + 1], shrink=0.8)
    axes[channels + 2].imshow(base, cmap="gray" if base.ndim == 2 else None)
    heat = axes[channels + 2].imshow(result.heatmap[index], cmap="jet", vmin=0, vmax=1, alpha=0.5,
                                     extent=(-0.5, base.shape[1] - 0.5, base.shape[0] - 0.5, -0.5))
    axes[channels + 2].set_title("upsampled, over the image", fontsize=9)
    fig.colorbar(heat, ax=axes[channels + 2], shrink=0.8)
    for ax in axes[channels + 1:]:
        ax.set_axis_off()
    return fig


def show_stn_warps(inputs: Any, outputs: Any, *, size: float = 1.3):
    """Two rows: digits as given to a spatial transformer, and what it passes on.

    Parameters
    ----------
    inputs, outputs : (N, H, W) arrays
        At most 16 digits each, the same N.
    size : float
        Inches per panel.
    """
    import matplotlib.pyplot as plt

    a = as_array(inputs, "inputs", ndim=3)
    b = as_array(outputs, "outputs", ndim=3)
    if len(a) != len(b) or not 1 <= len(a) <= 16:
        raise ValueError(f"inputs and outputs must hold the same 1 to 16 digits; got {len(a)} and "
                         f"{len(b)}")
    size = check_figure_size(size)
    fig, axes = plt.subplots(2, len(a), figsize=(size * len(a), size * 2 + 0.4), squeeze=False,
                             layout="constrained")
    for i in range(len(a)):
        for row, data in enumerate((a, b)):
            axes[row, i].imshow(data[i], cmap="gray", vmin=0, vmax=1)
            axes[row, i].set_xticks([])
            axes[row, i].set_yticks([])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("after STN")
    return fig


def plot_se_channel_weights(weights: dict, *, size: tuple[float, float] = (11, 3.2)):
    """Mean squeeze-and-excitation weight of each channel (columns) for each class (rows).

    Parameters
    ----------
    weights : dict of str to (K, C) array
        Per SE block: the average channel weight over the images of each of K classes.
    size : (width, height) in inches
    """
    import matplotlib.pyplot as plt

    if not isinstance(weights, dict) or not weights:
        raise TypeError(f"weights must be a dict of block name -> (K, C) array; got "
                        f"{describe(weights)}")
    if len(weights) > 12:
        raise ValueError(f"weights must hold at most 12 blocks; got {len(weights)}")
    mats = {n: as_array(w, f"weights[{n!r}]", ndim=2) for n, w in weights.items()}
    size = check_figure_size(size, pair=True)
    fig, axes = plt.subplots(1, len(mats), figsize=size, squeeze=False, layout="constrained")
    for ax, (name, m) in zip(axes[0], mats.items(), strict=True):
        im = ax.imshow(m, cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        spread = float(m.std(axis=0).mean())
        ax.set_title(f"{name}: spread between classes {spread:.3f}", fontsize=10)
        ax.set_xlabel("channel")
        ax.set_ylabel("class (digit)")
        ax.set_yticks(range(m.shape[0]))
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.85, label="mean channel weight s_c")
    return fig


def plot_memory_attention(lines: Sequence[str], attention: Any, *, support: int | None = None,
                          size: tuple[float, float] = (8, 2.8)):
    """The attention of a memory read over the story's sentences (horizontal bars).

    Parameters
    ----------
    lines : sequence of str
        The sentences (one per memory slot, empty slots as "") and the question last.
    attention : (slots,) array
        The softmax attention over the slots.
    support : int, optional
        The slot holding the answer, drawn in another colour.
    size : (width, height) in inches
    """
    import matplotlib.pyplot as plt

    att = as_array(attention, "attention", ndim=1)
    check_instance(lines, "lines", (list, tuple), "a list of str (the sentences, then the "
                   "question)")
    for i, line in enumerate(lines):
        check_text(line, f"lines[{i}]")
    if len(lines) != len(att) + 1:
        raise ValueError(f"lines must hold one sentence per slot ({len(att)}) and the question; "
                         f"got {len(lines)} lines")
    if len(att) > 200:
        raise ValueError(f"attention must hold at most 200 slots to be drawn; got {len(att)}")
    if support is not None:
        support = check_int(support, "support", min=0, max=len(att) - 1)
    size = check_figure_size(size, pair=True)
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    colours = ["tab:orange" if i == support else "tab:blue" for i in range(len(att))]
    ax.barh(np.arange(len(att)), att, color=colours)
    ax.set_yticks(np.arange(len(att)), [ln or "(empty slot)" for ln in lines[:-1]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("attention p_i (the read's weight on each memory slot)")
    ax.set_title(f"question: {lines[-1]}", fontsize=10)
    return fig
