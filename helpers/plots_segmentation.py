"""Figures for chapters/14_segmentation_cnns.ipynb (plain matplotlib, no widgets).

Each function draws one figure of the chapter and returns the pyplot Figure; the numbers in
them come from the algorithm helpers (:mod:`helpers.conv`, :mod:`helpers.segmentation`) or
from the arrays passed in. Kept apart from the algorithm modules, which never import
matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import conv
from ._validation import (
    as_array,
    check_bool,
    check_float,
    check_image,
    check_instance,
    check_int,
    describe,
)

__all__ = [
    "plot_fpn_diagram",
    "plot_mask_predictions",
    "plot_segmentation_kinds",
    "plot_transpose_scatter",
    "plot_unet_diagram",
]

MAX_VALUES = 16  # input values drawn one panel each in plot_transpose_scatter


def _values(ax, values: np.ndarray, title: str, lim: float, highlight=None) -> None:
    """A small grid with every value written in its cell."""
    ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    for (y, x), v in np.ndenumerate(values):
        ax.text(x, y, f"{v:g}", ha="center", va="center", fontsize=9,
                color="white" if abs(v) > 0.6 * lim else "black")
    if highlight is not None:
        from matplotlib.patches import Rectangle

        (y, x, h, w) = highlight
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, ec="tab:orange", lw=2.5))
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_transpose_scatter(x: np.ndarray, kernel: np.ndarray, *, stride: int = 1):
    """Transpose convolution as scatter-and-add: one panel per input value, then the sum.

    Parameters
    ----------
    x : (h, w) array_like
        At most 16 values.
    kernel : (kh, kw) array_like
        At most 5x5.
    stride : int
        1 to 4.

    Returns
    -------
    matplotlib.figure.Figure
        Input and kernel, then for each input value the kernel scaled by it at its place on
        the (uncropped) output canvas (orange frame), then their sum, which
        :func:`helpers.conv.conv_transpose2d` computes in one call.
    """
    import matplotlib.pyplot as plt

    x = as_array(x, "x", ndim=2, shape_hint="(h, w)").astype(float)
    kernel = as_array(kernel, "kernel", ndim=2, shape_hint="(kh, kw)").astype(float)
    if x.size > MAX_VALUES or max(kernel.shape) > 5:
        raise ValueError(f"x must have at most {MAX_VALUES} values and kernel sides at most 5 "
                         f"to be drawn; got {x.shape} and {kernel.shape}")
    stride = check_int(stride, "stride", min=1, max=4)
    total = conv.conv_transpose2d(x[None, None], kernel[None, None], stride=stride)[0, 0]
    lim = max(1.0, float(np.abs(total).max()))
    panels = 2 + x.size + 1
    fig, axes = plt.subplots(1, panels, figsize=(1.55 * panels + 0.6, 2.3), layout="constrained",
                             width_ratios=[x.shape[1], kernel.shape[1]]
                             + [total.shape[1]] * (x.size + 1))
    _values(axes[0], x, "input", lim)
    _values(axes[1], kernel, "kernel", lim)
    kh, kw = kernel.shape
    for k, (i, j) in enumerate(np.ndindex(*x.shape)):
        copy = np.zeros_like(total)
        copy[i * stride : i * stride + kh, j * stride : j * stride + kw] = x[i, j] * kernel
        _values(axes[2 + k], copy, f"{x[i, j]:g} x kernel", lim,
                highlight=(i * stride, j * stride, kh, kw))
    _values(axes[-1], total, "sum = output", lim)
    fig.suptitle(f"transpose convolution, stride {stride}: every input value scatters a scaled "
                 "copy of the kernel; overlaps add", fontsize=11)
    return fig


# Colours: background grey, one hue per class; instances get lighter/darker shades of it.
_CLASS_RGB = np.array([[0.55, 0.55, 0.55], [0.12, 0.47, 0.71], [0.84, 0.15, 0.16],
                       [0.17, 0.63, 0.17], [0.58, 0.40, 0.74], [0.55, 0.34, 0.29]])


def _class_colours(n: int) -> np.ndarray:
    reps = -(-n // len(_CLASS_RGB))
    return np.tile(_CLASS_RGB, (reps, 1))[:n]


def plot_segmentation_kinds(image: np.ndarray, semantic: np.ndarray, instances: np.ndarray, *,
                            class_names: Sequence[str], size: float = 3.0):
    """Image, semantic, instance and panoptic segmentation of one scene, side by side.

    Parameters
    ----------
    image : (H, W, 3) ndarray
    semantic : (H, W) ndarray of int
        0 background ("stuff"), ``k + 1`` for ``class_names[k]``.
    instances : (H, W) ndarray of int
        0 background, 1, 2, ... per object.
    class_names : sequence of str
        The thing classes (at most 20).
    size : float
        Inches per panel (1 to 8).

    Returns
    -------
    matplotlib.figure.Figure
        Semantic: one colour per class (a legend names them). Instance: one colour per object,
        background left out. Panoptic: the class's hue, a shade per instance, background grey:
        every pixel has exactly one (class, instance) label.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    image = check_image(image, ndim=3)
    semantic = as_array(semantic, "semantic", ndim=2, kinds="iu")
    instances = as_array(instances, "instances", ndim=2, kinds="iu")
    if not (semantic.shape == instances.shape == image.shape[:2]):
        raise ValueError(f"image, semantic and instances must have the same height and width; "
                         f"got {image.shape}, {semantic.shape}, {instances.shape}")
    if not isinstance(class_names, (list, tuple)) or not 1 <= len(class_names) <= 20:
        raise TypeError(f"class_names must be a list of 1 to 20 names; got {describe(class_names)}")
    if semantic.max() > len(class_names) or semantic.min() < 0:
        raise ValueError(f"semantic must hold 0 to {len(class_names)}; got {semantic.min()} to "
                         f"{semantic.max()}")
    if not all(isinstance(c, str) for c in class_names):
        raise TypeError(f"class_names must be strings; got {describe(class_names)}")
    size = check_float(size, "size", min=1, max=8)
    colours = _class_colours(len(class_names) + 1)
    sem_rgb = colours[semantic]
    rng = np.random.default_rng(0)
    n_inst = int(instances.max())
    inst_colours = np.vstack([[1.0, 1.0, 1.0], rng.uniform(0.15, 0.95, (max(n_inst, 1), 3))])
    inst_rgb = inst_colours[instances]
    pan_rgb = sem_rgb.copy()
    for i in range(1, n_inst + 1):  # a shade of the class hue per instance
        where = instances == i
        shade = 0.55 + 0.45 * ((i * 0.618) % 1.0)
        pan_rgb[where] = np.clip(sem_rgb[where] * shade + (1 - shade) * 0.15, 0, 1)
    boundaries = np.zeros(instances.shape, bool)
    boundaries[:-1] |= instances[:-1] != instances[1:]
    boundaries[:, :-1] |= instances[:, :-1] != instances[:, 1:]
    pan_rgb[boundaries] = 1.0
    fig, axes = plt.subplots(1, 4, figsize=(4 * size + 1.8, size + 0.4), layout="constrained")
    present = sorted(set(np.unique(semantic).tolist()) - {0})
    titles = ("image", f"semantic: {len(present)} classes",
              f"instance: {n_inst} objects", "panoptic: class + instance")
    for ax, picture, title in zip(axes, (image, sem_rgb, inst_rgb, pan_rgb), titles,
                                  strict=True):
        ax.imshow(picture, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    handles = [Patch(color=colours[0], label="background (stuff)")] + [
        Patch(color=colours[k + 1], label=name) for k, name in enumerate(class_names)]
    fig.legend(handles=handles, loc="outside right center", fontsize=9)
    return fig


def plot_mask_predictions(images: np.ndarray, truth: np.ndarray,
                          probabilities: Mapping[str, np.ndarray], *, rows: int = 4,
                          size: float = 1.9):
    """Images, true masks and each model's foreground probability, one image per row.

    Parameters
    ----------
    images : (N, H, W, 3) ndarray
    truth : (N, H, W) ndarray of bool
    probabilities : dict of str to (N, H, W) ndarray of float in [0, 1]
        One entry per model (at most 4), e.g. ``{"U-Net": p, "no skips": q}``.
    rows : int
        Images shown (1 to 8, at most N).
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
        The true boundary is drawn in white over every probability map, so blurred or
        shifted edges show; each panel's title gives that image's Dice of ``p > 0.5``, and a
        colour bar the probability scale.
    """
    import matplotlib.pyplot as plt

    from .segmentation import dice, mask_boundary

    images = as_array(images, "images", ndim=4, shape_hint="(N, H, W, 3)")
    truth = as_array(truth, "truth", ndim=3, shape_hint="(N, H, W)").astype(bool)
    check_instance(probabilities, "probabilities", Mapping, "a dict of name -> (N, H, W) array")
    if not 1 <= len(probabilities) <= 4:
        raise ValueError(f"probabilities must hold 1 to 4 models; got {len(probabilities)}")
    probs = {name: as_array(p, f"probabilities[{name!r}]", ndim=3) for name, p in
             probabilities.items()}
    for name, p in probs.items():
        if p.shape != truth.shape:
            raise ValueError(f"probabilities[{name!r}] must have the shape of truth "
                             f"{truth.shape}; got {p.shape}")
    rows = min(check_int(rows, "rows", min=1, max=8), len(images))
    size = check_float(size, "size", min=0.5, max=8)
    cols = 2 + len(probs)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols + 0.8, size * rows),
                             layout="constrained", squeeze=False)
    shown = None
    for r in range(rows):
        edge = mask_boundary(truth[r]) & ~truth[r]
        axes[r, 0].imshow(images[r], interpolation="nearest")
        axes[r, 1].imshow(truth[r], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        for c, (name, p) in enumerate(probs.items(), start=2):
            shown = axes[r, c].imshow(p[r], cmap="magma", vmin=0, vmax=1,
                                      interpolation="nearest")
            ys, xs = np.nonzero(edge)
            axes[r, c].plot(xs, ys, ",", color="white", alpha=0.7)
            axes[r, c].set_title(f"{name}: Dice {dice(p[r] > 0.5, truth[r]):.3f}", fontsize=9)
        for ax in axes[r]:
            ax.set_axis_off()
    axes[0, 0].set_title("image", fontsize=9)
    axes[0, 1].set_title("true mask", fontsize=9)
    fig.colorbar(shown, ax=axes[:, -1], shrink=0.8, label="foreground probability")
    return fig


def _box(ax, x, y, w, h, text, colour, fontsize=8):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", fc=colour, ec="0.3",
                                lw=0.8))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, text="", colour="0.25", style="-|>"):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": style, "color": colour,
                                                      "lw": 1.2})
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, text, fontsize=7,
                ha="center", va="bottom", color=colour)


def plot_unet_diagram(shapes: Mapping[str, tuple], *, skips: bool = True):
    """The U of a U-Net, drawn from the shapes of one forward pass.

    Parameters
    ----------
    shapes : dict of str to tuple
        :attr:`helpers.nets.segmentation.TinyUNet.last_shapes` after a forward pass.
    skips : bool
        Draw the skip connections (False for the plain encoder-decoder).

    Returns
    -------
    matplotlib.figure.Figure
        Encoder levels down the left, the bottom, decoder levels up the right, each box
        labelled ``C x H x W``; arrows for pooling, transpose convolution and skips.
    """
    import matplotlib.pyplot as plt

    skips = check_bool(skips, "skips")
    check_instance(shapes, "shapes", Mapping, "TinyUNet.last_shapes (a dict)")
    depth = sum(1 for k in shapes if str(k).startswith("down"))
    needed = ["input", "bottom", "output"] + [f"down{i}" for i in range(1, depth + 1)] + [
        f"decode{i}" for i in range(1, depth + 1)]
    if not 1 <= depth <= 5 or any(k not in shapes for k in needed):
        raise ValueError("shapes must be TinyUNet.last_shapes after a forward pass (keys input, "
                         f"down1.., bottom, up.., decode.., output); got {sorted(shapes)}")

    def label(key):
        return " x ".join(str(v) for v in shapes[key])

    fig, ax = plt.subplots(figsize=(9, 1.3 + 1.0 * depth), layout="constrained")
    w, h = 2.2, 0.55
    for level in range(1, depth + 1):
        y = depth - level + 1
        _box(ax, 0.5, y, w, h, f"down{level}\n{label(f'down{level}')}", "#cfe2f3")
        _box(ax, 6.3, y, w, h, f"decode{level}\n{label(f'decode{level}')}", "#d9ead3")
        if level < depth:  # pool down to the next level; up-convolve back from it
            _arrow(ax, (1.6, y), (1.6, y - 1 + h))
            ax.text(1.7, y - 0.25, "max-pool 2x2", fontsize=7, va="center")
            _arrow(ax, (7.4, y - 1 + h), (7.4, y))
            ax.text(7.5, y - 0.25, "up-conv 2x2, stride 2", fontsize=7, va="center")
        if skips:
            _arrow(ax, (0.5 + w, y + h / 2), (6.3, y + h / 2), "skip: concatenate", "tab:purple")
    _box(ax, 3.4, 0.1, w, h, f"bottom\n{label('bottom')}", "#fce5cd")
    _arrow(ax, (1.6, 1), (3.4, 0.1 + h / 2))
    ax.text(1.7, 0.6, "max-pool 2x2", fontsize=7)
    _arrow(ax, (3.4 + w, 0.1 + h / 2), (7.4, 1))
    ax.text(6.4, 0.6, "up-conv 2x2, stride 2", fontsize=7, ha="right")
    _box(ax, 0.5, depth + 1.1, w, h, f"input\n{label('input')}", "white")
    _box(ax, 6.3, depth + 1.1, w, h, f"output (logits)\n{label('output')}", "white")
    _arrow(ax, (1.6, depth + 1.1), (1.6, depth + h))
    _arrow(ax, (7.4, depth + h), (7.4, depth + 1.1))
    ax.text(7.5, depth + 0.82, "1x1 conv", fontsize=7, va="center")
    ax.set_xlim(0, 9)
    ax.set_ylim(0, depth + 1.8)
    ax.set_axis_off()
    ax.set_title("U-Net (C x H x W at every level, from one forward pass)"
                 + ("" if skips else ": no skip connections"), fontsize=10)
    return fig


def plot_fpn_diagram(shapes: Mapping[str, tuple] | None = None):
    """FPN's two pathways, and where the pyramid feeds Faster R-CNN and RetinaNet.

    Parameters
    ----------
    shapes : dict of str to tuple, optional
        :attr:`helpers.nets.segmentation.TinyFPN.last_shapes`, to label the maps with their
        sizes; without it the labels give only the strides.

    Returns
    -------
    matplotlib.figure.Figure
        Bottom-up C2..C5 (the backbone, fine to coarse), top-down P5..P2 (coarse to fine:
        upsample x2, add the lateral 1x1 of C_l, smooth with a 3x3), then the two detectors'
        heads on the pyramid.
    """
    import matplotlib.pyplot as plt

    if shapes is not None:
        check_instance(shapes, "shapes", Mapping, "TinyFPN.last_shapes (a dict)")
        if any(f"{k}{i}" not in shapes for k in "CP" for i in range(2, 6)):
            raise ValueError("shapes must be TinyFPN.last_shapes after a forward pass; got "
                             f"{sorted(shapes)}")

    def label(key, stride):
        if shapes is None:
            return f"{key} (stride {stride})"
        c, hh, ww = shapes[key][1:]
        return f"{key}: {c} x {hh} x {ww}"

    fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    for i, level in enumerate(range(2, 6)):
        stride = 2**level
        y = 0.3 + 0.9 * i
        width = 2.3 - 0.35 * i
        _box(ax, 0.2 + (2.3 - width) / 2, y, width, 0.6, label(f"C{level}", stride), "#cfe2f3")
        _box(ax, 3.6 + (2.3 - width) / 2, y, width, 0.6, label(f"P{level}", stride), "#d9ead3")
        _arrow(ax, (0.2 + (2.3 + width) / 2, y + 0.3), (3.6 + (2.3 - width) / 2, y + 0.3),
               "lateral 1x1", "tab:purple")
        if level > 2:
            _arrow(ax, (1.35, y - 0.3), (1.35, y))  # bottom-up: C_l-1 -> C_l
            _arrow(ax, (4.75, y), (4.75, y - 0.3), "2x up, +", "tab:green")
    ax.text(1.35, 4.05, "bottom-up: the backbone\nfine -> coarse, stride 4 -> 32", ha="center",
            fontsize=8)
    ax.text(4.75, 4.05, "top-down: coarse -> fine\nP_l = 1x1(C_l) + up(P_l+1)", ha="center",
            fontsize=8)
    _box(ax, 6.9, 2.45, 3.0, 1.1, "Faster R-CNN + FPN:\nRPN (anchors of one size per level)\n"
         "on P2-P6; RoI pooling from the\nlevel that fits each box", "#fce5cd")
    _box(ax, 6.9, 0.55, 3.0, 1.1, "RetinaNet:\nclass + box subnets shared by\nP3-P7, "
         "focal loss; one stage", "#fff2cc")
    for target in (3.0, 1.1):
        _arrow(ax, (6.0, 2.1), (6.9, target))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.6)
    ax.set_axis_off()
    ax.set_title("Feature pyramid network: where it sits in two detectors", fontsize=10)
    return fig
