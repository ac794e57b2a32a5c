"""Figures for chapters/18_conv_1d_3d.ipynb (plain matplotlib, no widgets).

Each function draws one figure and returns the pyplot Figure; what they show is computed by
:mod:`helpers.conv` or passed in. Kept apart from the algorithm modules, which never import
matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import conv
from ._validation import (
    as_array,
    check_float,
    check_float_sequence,
    check_image,
    check_instance,
    check_int,
    check_text,
    describe,
)

__all__ = ["plot_conv_dimensions", "plot_dilated_stack", "plot_photo_row", "plot_signals",
           "plot_volume_slices"]


def plot_conv_dimensions():
    """One kernel window in 1-D, 2-D and 3-D: the same sliding, along one, two or three axes.

    Returns
    -------
    matplotlib.figure.Figure
        A 12-sample signal with a 3-tap window, an 8x8 image with a 3x3 window and an 6x6x6
        volume with a 3x3x3 kernel (orange), each titled with its output size from
        :func:`helpers.conv.conv_nd_output_shape`.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 3.4), layout="constrained")
    a1 = fig.add_subplot(1, 3, 1)
    a2 = fig.add_subplot(1, 3, 2)
    a3 = fig.add_subplot(1, 3, 3, projection="3d")
    cells = np.zeros((1, 12))
    cells[0, 4:7] = 1
    a1.imshow(cells, cmap="Oranges", vmin=0, vmax=1.6, extent=(0, 12, 0, 1))
    a1.set_xticks(range(13))
    a1.set_yticks([])
    a1.grid(True, color="0.5")
    a1.tick_params(labelsize=7)
    a1.set_title(f"1-D: signal (L,) = (12,), kernel 3\n"
                 f"output {conv.conv_nd_output_shape((12,), 3)}", fontsize=10)
    grid = np.zeros((8, 8))
    grid[2:5, 3:6] = 1
    a2.imshow(grid, cmap="Oranges", vmin=0, vmax=1.6, extent=(0, 8, 8, 0))
    a2.set_xticks(range(9))
    a2.set_yticks(range(9))
    a2.grid(True, color="0.5")
    a2.tick_params(labelsize=7)
    a2.set_title(f"2-D: image (H, W) = (8, 8), kernel 3x3\noutput "
                 f"{conv.conv_nd_output_shape((8, 8), 3)}", fontsize=10)
    filled = np.ones((6, 6, 6), bool)
    kernel = np.zeros((6, 6, 6), bool)
    kernel[0:3, 0:3, 3:6] = True
    colours = np.empty(filled.shape, object)
    colours[:] = "#d9d9d922"
    colours[kernel] = "#ff8c00cc"
    a3.voxels(filled, facecolors=colours, edgecolor="#80808044", linewidth=0.3)
    a3.set_title(f"3-D: volume (D, H, W) = (6, 6, 6), kernel 3x3x3\noutput "
                 f"{conv.conv_nd_output_shape((6, 6, 6), 3)}", fontsize=10)
    a3.set_axis_off()
    return fig


def plot_signals(t: np.ndarray, signals: Mapping[str, np.ndarray], *,
                 marks: np.ndarray | None = None, xlabel: str = "time (s)",
                 size: tuple[float, float] = (10.0, 1.6)):
    """Several signals over one time axis, one panel each (stacked).

    Parameters
    ----------
    t : (L,) array_like
    signals : dict of str to (L,) array_like
        At most 8; each panel is titled with its name. A signal shorter than ``t`` (the
        output of a "valid" convolution) is drawn against the start of ``t``.
    marks : (K,) array_like of int, optional
        Sample indices marked with dotted vertical lines on every panel (e.g. true beats).
    xlabel : str
    size : (width, height per panel)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    t = as_array(t, "t", ndim=1)
    check_instance(signals, "signals", Mapping, "a dict of name -> (L,) array")
    if not 1 <= len(signals) <= 8:
        raise ValueError(f"signals must hold 1 to 8 signals; got {len(signals)}")
    data = {str(k): as_array(v, f"signals[{k!r}]", ndim=1) for k, v in signals.items()}
    for name, v in data.items():
        if len(v) > len(t):
            raise ValueError(f"signals[{name!r}] is longer ({len(v)}) than t ({len(t)})")
    if marks is not None:
        marks = as_array(marks, "marks", ndim=1, kinds="iu", allow_empty=True)
    xlabel = check_text(xlabel, "xlabel")
    width, height = check_float_sequence(size, "size", min_length=2, max_length=2, min=0.5,
                                         max=40)
    fig, axes = plt.subplots(len(data), 1, figsize=(width, height * len(data)), sharex=True,
                             layout="constrained", squeeze=False)
    for ax, (name, v) in zip(axes[:, 0], data.items(), strict=True):
        ax.plot(t[: len(v)], v, lw=0.9)
        ax.set_title(name, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        for m in [] if marks is None else marks:
            if m < len(t):
                ax.axvline(t[m], color="tab:red", ls=":", lw=0.8)
    axes[-1, 0].set_xlabel(xlabel)
    return fig


def plot_photo_row(image: np.ndarray, row: int, *, size: tuple[float, float] = (10.0, 3.0)):
    """A photograph with one row marked, and that row's values as a 1-D signal.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image.
    row : int
        The row to take (0 to H - 1).
    size : (width, height)

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    image = check_image(image, ndim=2)
    row = check_int(row, "row", min=0, max=image.shape[0] - 1)
    size = check_float_sequence(size, "size", min_length=2, max_length=2, min=0.5, max=40)
    fig, (a, b) = plt.subplots(1, 2, figsize=tuple(size),
                               width_ratios=[1, 2.2], layout="constrained")
    a.imshow(image, cmap="gray")
    a.axhline(row, color="tab:orange", lw=1.5)
    a.set_title(f"row {row}", fontsize=10)
    a.set_axis_off()
    b.plot(image[row], color="tab:orange", lw=1)
    b.set_xlabel("column (sample)")
    b.set_ylabel("gray value")
    b.set_title("the row as a 1-D signal", fontsize=10)
    b.grid(alpha=0.3)
    return fig


def plot_dilated_stack(dilations: Sequence[int], *, kernel: int = 2, length: int = 16):
    """A stack of causal convolutions drawn as WaveNet draws it: who feeds the last output.

    Parameters
    ----------
    dilations : sequence of int
        One per layer (1 to 6 layers), e.g. ``[1, 2, 4, 8]``.
    kernel : int
        Taps per layer (2 to 4).
    length : int
        Samples per row (8 to 64).

    Returns
    -------
    matplotlib.figure.Figure
        Rows: input, then each layer's output. The connections of the newest output are
        traced down to the input (computed with :func:`helpers.conv.input_dependencies`), so
        the receptive field is the span of orange input samples.
    """
    import matplotlib.pyplot as plt

    if isinstance(dilations, (str, bytes)) or not hasattr(dilations, "__len__") or \
            not 1 <= len(dilations) <= 6:
        raise TypeError(f"dilations must be a list of 1 to 6 ints; got {describe(dilations)}")
    ds = [check_int(d, "dilations", min=1, max=32) for d in dilations]
    kernel = check_int(kernel, "kernel", min=2, max=4)
    length = check_int(length, "length", min=8, max=64)
    layers = len(ds)
    field = conv.receptive_field_size([kernel] * layers, dilations=ds)
    fig, ax = plt.subplots(figsize=(min(0.5 * length + 1.5, 14), 0.75 * (layers + 1) + 0.6),
                           layout="constrained")
    # Causal layers keep the length; output position p of layer l reads p - d (k - 1 - i).
    active = {layers: {length - 1}}
    for level in range(layers, 0, -1):
        d = ds[level - 1]
        below = set()
        for p in active[level]:
            for i in range(kernel):
                q = p - d * (kernel - 1 - i)
                if q >= 0:
                    below.add(q)
                    ax.plot([p, q], [level, level - 1], color="tab:orange", lw=1.3, zorder=1)
        active[level - 1] = below
    for level in range(layers + 1):
        on = active.get(level, set())
        xs = np.arange(length)
        colours = ["tab:orange" if x in on else "0.8" for x in xs]
        ax.scatter(xs, np.full(length, level), c=colours, s=38, zorder=2, edgecolors="0.3",
                   linewidths=0.5)
        name = "input" if level == 0 else f"layer {level}, dilation {ds[level - 1]}"
        ax.text(-0.8, level, name, ha="right", va="center", fontsize=8)
    ax.set_xlim(-7.5, length)
    ax.set_ylim(-0.6, layers + 0.6)
    ax.set_axis_off()
    ax.set_title(f"causal convolutions, kernel {kernel}: the newest output sees {field} input "
                 f"samples", fontsize=10)
    return fig


def plot_volume_slices(volumes: Mapping[str, np.ndarray], *, slices: Sequence[int] | None = None,
                       size: float = 1.6, cmap: str = "gray"):
    """Depth slices of one or more volumes, one row per volume.

    Parameters
    ----------
    volumes : dict of str to (D, H, W) ndarray
        At most 6 volumes of the same shape (a scan, its mask, a prediction...).
    slices : sequence of int, optional
        Depth indices to show (at most 10); default 6 evenly spaced ones.
    size : float
        Inches per panel.
    cmap : str
        Colour map for non-boolean volumes (booleans are black and white).

    Returns
    -------
    matplotlib.figure.Figure
        Each row has its own colour scale, shown by a colour bar at its end.
    """
    import matplotlib.pyplot as plt

    check_instance(volumes, "volumes", Mapping, "a dict of name -> (D, H, W) array")
    if not 1 <= len(volumes) <= 6:
        raise ValueError(f"volumes must hold 1 to 6 volumes; got {len(volumes)}")
    data = {str(k): as_array(v, f"volumes[{k!r}]", ndim=3) for k, v in volumes.items()}
    shape = next(iter(data.values())).shape
    if any(v.shape != shape for v in data.values()):
        raise ValueError(f"volumes must all have the same shape; got "
                         f"{[v.shape for v in data.values()]}")
    depth = shape[0]
    if slices is None:
        slices = np.linspace(0, depth - 1, min(6, depth)).round().astype(int).tolist()
    if not hasattr(slices, "__len__") or not 1 <= len(slices) <= 10:
        raise TypeError(f"slices must be a list of 1 to 10 depth indices; got {describe(slices)}")
    slices = [check_int(s, "slices", min=0, max=depth - 1) for s in slices]
    size = check_float(size, "size", min=0.5, max=8)
    cmap = check_text(cmap, "cmap")
    fig, axes = plt.subplots(len(data), len(slices), squeeze=False, layout="constrained",
                             figsize=(size * len(slices) + 1.0, size * len(data) + 0.3))
    for r, (name, v) in enumerate(data.items()):
        lo, hi = (0.0, 1.0) if v.dtype == bool else (float(v.min()), float(v.max()))
        for c, z in enumerate(slices):
            im = axes[r, c].imshow(v[z], cmap="gray" if v.dtype == bool else cmap, vmin=lo,
                                   vmax=hi, interpolation="nearest")
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
            if r == 0:
                axes[r, c].set_title(f"slice {z}", fontsize=9)
        axes[r, 0].set_ylabel(name, fontsize=9)
        fig.colorbar(im, ax=axes[r, :], shrink=0.9, aspect=10)
    return fig
