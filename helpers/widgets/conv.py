"""Explorers for chapters/08_conv_arithmetic.ipynb (the convolution window and pooling) and
chapters/14_segmentation_cnns.ipynb (the transpose convolution).

All show the input as a grid of cells, the kernel, and the output grid, with the size formula
filled in. The input is the notes' own example (tiled when the grid is larger), so the default
settings reproduce the notes' figures cell for cell.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Colormap
from matplotlib.patches import Patch, Rectangle

from .. import conv, notes
from .._validation import check_choice, check_int
from ..filters import edge_kernel
from ._base import Explorer, register_bench

__all__ = [
    "ConvExplorer",
    "ConvTransposeExplorer",
    "PoolExplorer",
    "conv_explorer",
    "conv_transpose_explorer",
    "pool_explorer",
]

_CELL = 8  # pixels per grid cell in the rendered panels
_PAD_RGB = np.array([0.85, 0.90, 0.97])  # padding cells: pale blue
_LINE_RGB = np.array([0.55, 0.55, 0.55])
_LINE_UINT8 = (_LINE_RGB * 255 + 0.5).astype(np.uint8)
_WINDOW_RGB = np.array([1.0, 0.55, 0.0])  # kernel taps: orange
_MAX_LABELLED = 10  # a panel writes its values in the cells up to this many cells per side
_EXTRA_RGB = np.array([1.0, 0.96, 0.75])  # output padding cells: pale yellow


def _tile(pattern: np.ndarray, n: int) -> np.ndarray:
    reps = -(-n // pattern.shape[0])
    return np.tile(pattern, (reps, reps))[:n, :n]


def _cells(rgb: np.ndarray) -> np.ndarray:
    """Blow a (h, w, 3) cell image in [0, 1] up to uint8 pixels, with grid lines between the
    cells (uint8: matplotlib checks and rescales a float image on every draw)."""
    small = (np.clip(rgb, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    big = small.repeat(_CELL, axis=0).repeat(_CELL, axis=1)
    big = np.pad(big, ((0, 1), (0, 1), (0, 0)))
    big[::_CELL, :] = _LINE_UINT8
    big[:, ::_CELL] = _LINE_UINT8
    return big


def _shade(values: np.ndarray, lo: float, hi: float, cmap: str) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    return _colormap(cmap)((values - lo) / span)[..., :3]


@cache
def _colormap(name: str) -> Colormap:
    # matplotlib's registry hands out a fresh copy, whose lookup table is rebuilt on first use
    # (a quarter of a millisecond, several times an update): keep one of each.
    return colormaps[name]


class _GridExplorer(Explorer):
    """Shared layout: input grid (with window) | kernel or window | output grid (with cell)."""

    figsize = (9.0, 3.6)
    #: Legend entries (label, colour) under the panels, saying what each colour means.
    legend: tuple[tuple[str, Any], ...] = ()

    def _panels(self, titles: tuple[str, str, str]) -> None:
        self._axes = self.figure.subplots(1, 3, width_ratios=[1, 0.6, 1])
        self._ims, self._titles, self._labels = [], [], []
        self._offsets = [(0.0, 0.0)] * 3
        for ax, title in zip(self._axes, titles, strict=True):
            self._ims.append(ax.imshow(np.ones((2, 2, 3)), interpolation="nearest"))
            self._titles.append(ax.set_title(title, fontsize=11))
            ax.set_axis_off()
            # Every cell's value is written in it (small grids), so the readout's sums can be
            # checked against the picture; the texts are made once and moved on updates.
            self._labels.append([ax.text(0, 0, "", ha="center", va="center", fontsize=9,
                                         visible=False) for _ in range(_MAX_LABELLED ** 2)])
        self._window = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="tab:red")
        self._cell = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="tab:red")
        self._axes[0].add_patch(self._window)
        self._axes[2].add_patch(self._cell)
        handles = [Patch(fc=colour, ec="0.4", label=label) for label, colour in self.legend]
        handles.append(Patch(fill=False, ec="tab:red", lw=2,
                             label="window -> its output value"))
        self.figure.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                           fontsize=9, frameon=False)
        self.dynamic = [*self._ims, *self._titles, self._window, self._cell]
        # Up to ~300 cell values: stamped from a glyph cache (drawing each Text through
        # matplotlib cost ~35 ms an update, most of the explorer's time).
        self.stamped = [text for labels in self._labels for text in labels]

    def _show(self, i: int, rgb: np.ndarray, scale: int, values: np.ndarray | None = None,
              skip: np.ndarray | None = None) -> None:
        """Panel i shows the cell image ``rgb`` (centred; ``scale`` cells fill the panel's
        width) and, for small grids, ``values`` written in the cells (not where ``skip``)."""
        h, w = rgb.shape[:2]
        # Input and output share one scale, so the output visibly shrinks or keeps its size;
        # the grid is centred so that the panel's title sits over it.
        dx, dy = (scale - w) * _CELL / 2, 0.0
        self._offsets[i] = (dx, dy)
        self._ims[i].set_data(_cells(rgb))
        self._ims[i].set_extent((dx - 0.5, dx + w * _CELL + 0.5, dy + h * _CELL + 0.5, dy - 0.5))
        self._axes[i].set_xlim(-0.5, scale * _CELL + 0.5)
        self._axes[i].set_ylim(scale * _CELL + 0.5, -0.5)
        labels = self._labels[i]
        show = values is not None and max(h, w) <= _MAX_LABELLED
        for text in labels:
            text.set_visible(False)
        if show:
            cells = [(rq, v) for rq, v in np.ndenumerate(values) if skip is None or not skip[rq]]
            for text, ((r, q), v) in zip(labels, cells, strict=False):
                text.set_visible(True)
                text.set_position((dx + (q + 0.5) * _CELL, dy + (r + 0.5) * _CELL))
                text.set_text(f"{v:.3g}" if v % 1 else f"{v:.0f}")
                text.set_color("white" if rgb[r, q].mean() < 0.45 else "black")
                size = 9 if scale <= 8 else 7
                if text.get_fontsize() != size:  # setting it copies the font: skip if same
                    text.set_fontsize(size)

    def _box(self, i: int, rect: Rectangle, top: int, left: int, h: int, w: int) -> None:
        dx, dy = self._offsets[i]
        rect.set_bounds(dx + left * _CELL - 0.5, dy + top * _CELL - 0.5, w * _CELL, h * _CELL)

    def _play(self) -> W.Widget:
        play = W.Play(
            value=0, min=0, max=self.controls["step"].max, interval=700,
            description="animate the window steps", tooltip="play, pause, stop, repeat",
        )
        W.jslink((play, "value"), (self.controls["step"], "value"))
        label = W.Label("animate the window steps (play, pause, stop, repeat):")
        return W.HBox([label, play])

    def _layout_controls(self) -> W.Widget:
        return W.HBox(
            [*self.controls.values(), self._play()], layout=W.Layout(flex_flow="row wrap")
        )


class ConvExplorer(_GridExplorer):
    """Input size, kernel, padding, stride and dilation -> the window, the output and its size."""

    legend = (("padding (zeros)", _PAD_RGB), ("window taps", _WINDOW_RGB),
              ("negative", colormaps["RdBu_r"](0.1)), ("positive", colormaps["RdBu_r"](0.9)))

    def __init__(
        self, n: int = 6, f: int = 3, padding: int = 0, stride: int = 1, dilation: int = 1
    ) -> None:
        for name, value, lo, hi in (("n", n, 3, 12), ("f", f, 1, 7), ("padding", padding, 0, 4),
                                    ("stride", stride, 1, 4), ("dilation", dilation, 1, 3)):
            check_int(value, name, min=lo, max=hi)
        self._init = {"n": n, "f": f, "padding": padding, "stride": stride, "dilation": dilation}
        super().__init__()

    def _build(self) -> None:
        style = {"description_width": "initial"}
        v = self._init
        self.controls = {
            "n": W.IntSlider(value=v["n"], min=3, max=12, description="input n", style=style),
            "f": W.IntSlider(value=v["f"], min=1, max=7, description="kernel f", style=style),
            "padding": W.IntSlider(
                value=v["padding"], min=0, max=4, description="padding p", style=style
            ),
            "stride": W.IntSlider(
                value=v["stride"], min=1, max=4, description="stride s", style=style
            ),
            "dilation": W.IntSlider(
                value=v["dilation"], min=1, max=3, description="dilation d", style=style
            ),
            "step": W.IntSlider(value=0, min=0, max=399, description="window step", style=style),
        }
        self._panels(("padded input", "kernel", "output"))

    def compute(self) -> dict[str, Any]:
        v = self.values()
        n, f, p, s, d = v["n"], v["f"], v["padding"], v["stride"], v["dilation"]
        x = _tile(notes.EDGE_INPUT, n)
        w = edge_kernel(f)
        out = conv.conv2d(x[None, None], w[None, None], padding=p, stride=s, dilation=d)[0, 0]
        oh, ow = out.shape
        k = v["step"] % out.size
        r, q = divmod(k, ow)
        padded = np.pad(x, p)
        window = padded[r * s : r * s + d * (f - 1) + 1 : d, q * s : q * s + d * (f - 1) + 1 : d]
        return {
            "x": x,
            "w": w,
            "out": out,
            "padded": padded,
            "row": r,
            "col": q,
            "k": k,
            "window": window,
            "value": float(out[r, q]),
            "n_out": oh,
            "params": (n, f, p, s, d),
        }

    def draw(self, result: dict[str, Any]) -> str:
        n, f, p, s, d = result["params"]
        padded, out, r, q = result["padded"], result["out"], result["row"], result["col"]
        m = padded.shape[0]
        # Input panel: gray values, pale padding, orange taps.
        rgb = _shade(padded, 0, 9, "Greys") * 0.7 + 0.3
        is_pad = np.ones_like(padded, bool)
        is_pad[p : p + n, p : p + n] = False
        rgb[is_pad] = _PAD_RGB
        taps = (slice(r * s, r * s + d * (f - 1) + 1, d), slice(q * s, q * s + d * (f - 1) + 1, d))
        rgb[taps] = 0.45 * rgb[taps] + 0.55 * _WINDOW_RGB
        self._show(0, rgb, m, padded, skip=is_pad)  # padding cells are zeros (legend)
        span = d * (f - 1) + 1
        self._box(0, self._window, r * s, q * s, span, span)
        self._titles[0].set_text(f"padded input {m}x{m} (n={n}, p={p})")
        # Kernel panel.
        self._show(1, _shade(result["w"], -1.5, 1.5, "RdBu_r"), max(f, 3), result["w"])
        self._titles[1].set_text(f"kernel {f}x{f}" + (f", d={d}" if d > 1 else ""))
        # Output panel.
        lim = max(1.0, float(np.abs(out).max()))
        self._show(2, _shade(out, -lim, lim, "RdBu_r"), m, out)
        self._box(2, self._cell, r, q, 1, 1)
        self._titles[2].set_text(f"output {out.shape[0]}x{out.shape[1]}")
        # Readout: the formula with the numbers in, and this window's sum of products.
        if d == 1:
            formula = (
                f"n_out = &lfloor;(n + 2p &minus; f) / s&rfloor; + 1 = "
                f"&lfloor;({n} + 2&middot;{p} &minus; {f}) / {s}&rfloor; + 1 = "
                f"&lfloor;{n + 2 * p - f}/{s}&rfloor; + 1 = {result['n_out']}"
            )
        else:
            formula = (
                f"n_out = &lfloor;(n + 2p &minus; d(f &minus; 1) &minus; 1) / s&rfloor; + 1 = "
                f"&lfloor;({n} + 2&middot;{p} &minus; {d}&middot;{f - 1} &minus; 1) / {s}"
                f"&rfloor; + 1 = {result['n_out']}"
            )
        terms = [
            f"{a:g}&middot;{b:g}" if b > 0 else f"{a:g}&middot;({b:g})"
            for a, b in zip(result["window"].ravel(), result["w"].ravel(), strict=True)
            if b != 0
        ]
        products = " + ".join(terms) if len(terms) <= 9 else f"{len(terms)} products"
        return (
            f"{formula}<br>window {result['k'] + 1} of {out.size}: output[{r}, {q}] = "
            f"{products} = <b>{result['value']:g}</b> (zero weights left out)"
        )


class PoolExplorer(_GridExplorer):
    """Window size, stride and max/average -> which input cells make each pooled value."""

    legend = (("the window on the input", _WINDOW_RGB),
              ("darker: larger value", colormaps["Greys"](0.7)))

    def __init__(self, n: int = 4, size: int = 2, stride: int = 2, mode: str = "max") -> None:
        for name, value, lo, hi in (("n", n, 2, 12), ("size", size, 1, 4),
                                    ("stride", stride, 1, 4)):
            check_int(value, name, min=lo, max=hi)
        check_choice(mode, "mode", ("max", "avg"))
        self._init = {"n": n, "size": size, "stride": stride, "mode": mode}
        super().__init__()

    def _build(self) -> None:
        style = {"description_width": "initial"}
        v = self._init
        self.controls = {
            "mode": W.ToggleButtons(options=["max", "avg"], value=v["mode"], description="pooling"),
            "n": W.IntSlider(value=v["n"], min=2, max=12, description="input n", style=style),
            "size": W.IntSlider(value=v["size"], min=1, max=4, description="window f", style=style),
            "stride": W.IntSlider(
                value=v["stride"], min=1, max=4, description="stride s", style=style
            ),
            "step": W.IntSlider(value=0, min=0, max=143, description="window step", style=style),
        }
        self._panels(("input", "window", "output"))

    def compute(self) -> dict[str, Any]:
        v = self.values()
        n, f, s, mode = v["n"], v["size"], v["stride"], v["mode"]
        x = _tile(notes.MAX_POOL_INPUT if mode == "max" else notes.AVG_POOL_INPUT, n)
        pool = conv.max_pool2d if mode == "max" else conv.avg_pool2d
        out = pool(x[None, None], f, s)[0, 0]
        k = v["step"] % out.size
        r, q = divmod(k, out.shape[1])
        window = x[r * s : r * s + f, q * s : q * s + f]
        return {
            "x": x,
            "out": out,
            "row": r,
            "col": q,
            "k": k,
            "window": window,
            "value": float(out[r, q]),
            "params": (n, f, s, mode),
        }

    def draw(self, result: dict[str, Any]) -> str:
        n, f, s, mode = result["params"]
        x, out, r, q = result["x"], result["out"], result["row"], result["col"]
        hi = max(1.0, float(x.max()))
        rgb = _shade(x, 0, hi, "Greys") * 0.7 + 0.3
        win = (slice(r * s, r * s + f), slice(q * s, q * s + f))
        rgb[win] = 0.45 * rgb[win] + 0.55 * _WINDOW_RGB
        self._show(0, rgb, n, x)
        self._box(0, self._window, r * s, q * s, f, f)
        self._titles[0].set_text(f"input {n}x{n}")
        self._show(1, _shade(result["window"], 0, hi, "Greys") * 0.7 + 0.3, max(f, 3),
                   result["window"])
        self._titles[1].set_text(f"window {f}x{f}")
        self._show(2, _shade(out, 0, hi, "Greys") * 0.7 + 0.3, n, out)
        self._box(2, self._cell, r, q, 1, 1)
        self._titles[2].set_text(f"{mode} pool {out.shape[0]}x{out.shape[1]}")
        values = ", ".join(f"{a:g}" for a in result["window"].ravel())
        what = f"max({values})" if mode == "max" else f"mean({values})"
        size = conv.conv_output_size(n, f, 0, s)
        return (
            f"n_out = &lfloor;(n &minus; f) / s&rfloor; + 1 = &lfloor;({n} &minus; {f}) / {s}"
            f"&rfloor; + 1 = {size}<br>window {result['k'] + 1} of {out.size}: "
            f"output[{r}, {q}] = {what} = <b>{result['value']:g}</b>"
        )


def conv_explorer(
    n: int = 6, f: int = 3, padding: int = 0, stride: int = 1, dilation: int = 1
) -> ConvExplorer:
    """The convolution explorer on the notes' 6x6 example with a vertical-edge kernel (returned)."""
    return ConvExplorer(n, f, padding, stride, dilation)


def pool_explorer(n: int = 4, size: int = 2, stride: int = 2, mode: str = "max") -> PoolExplorer:
    """The pooling explorer on the notes' 4x4 examples (returned, not displayed)."""
    return PoolExplorer(n, size, stride, mode)


class ConvTransposeExplorer(_GridExplorer):
    """Input size, kernel, stride, padding, output padding -> scatter, add, crop, and the size."""

    legend = (("cropped by the padding p", _PAD_RGB), ("output padding", _EXTRA_RGB))

    def __init__(self, n: int = 2, f: int = 2, stride: int = 1, padding: int = 0,
                 output_padding: int = 0) -> None:
        for name, value, lo, hi in (("n", n, 1, 6), ("f", f, 1, 5), ("stride", stride, 1, 4),
                                    ("padding", padding, 0, 3),
                                    ("output_padding", output_padding, 0, 3)):
            check_int(value, name, min=lo, max=hi)
        self._init = {"n": n, "f": f, "stride": stride, "padding": padding,
                      "output_padding": output_padding}
        super().__init__()

    def _build(self) -> None:
        style = {"description_width": "initial"}
        v = self._init
        self.controls = {
            "n": W.IntSlider(value=v["n"], min=1, max=6, description="input n", style=style),
            "f": W.IntSlider(value=v["f"], min=1, max=5, description="kernel f", style=style),
            "stride": W.IntSlider(value=v["stride"], min=1, max=4, description="stride s",
                                  style=style),
            "padding": W.IntSlider(value=v["padding"], min=0, max=3, description="padding p",
                                   style=style),
            "output_padding": W.IntSlider(value=v["output_padding"], min=0, max=3,
                                          description="output padding", style=style),
            "step": W.IntSlider(value=0, min=0, max=35, description="input value step",
                                style=style),
        }
        self._panels(("input", "kernel x value", "output"))

    def compute(self) -> dict[str, Any]:
        v = self.values()
        n, f, s, p, op = v["n"], v["f"], v["stride"], v["padding"], v["output_padding"]
        x = _tile(notes.TRANSPOSE_INPUT, n)
        w = _tile(notes.TRANSPOSE_KERNEL, f)
        out = conv.conv_transpose2d(x[None, None], w[None, None], stride=s, padding=p,
                                    output_padding=op)[0, 0]
        k = v["step"] % x.size
        r, q = divmod(k, n)
        partial = np.where(np.arange(x.size).reshape(x.shape) <= k, x, 0.0)
        # The full canvas (nothing cropped), then grown to hold the output padding cells.
        full = conv.conv_transpose2d(partial[None, None], w[None, None], stride=s)[0, 0]
        m = max(full.shape[0], p + out.shape[0])
        canvas = np.zeros((m, m))
        canvas[: full.shape[0], : full.shape[1]] = full
        return {
            "x": x, "w": w, "out": out, "canvas": canvas, "full_side": full.shape[0],
            "row": r, "col": q, "k": k, "value": float(x[r, q]),
            "params": (n, f, s, p, op),
        }

    def draw(self, result: dict[str, Any]) -> str:
        n, f, s, p, op = result["params"]
        x, out, canvas, r, q = (result[key] for key in ("x", "out", "canvas", "row", "col"))
        m, full_side, n_out = canvas.shape[0], result["full_side"], out.shape[0]
        # Input: gray values, the current value outlined.
        rgb = _shade(x, 0, 3, "Greys") * 0.7 + 0.3
        rgb[r, q] = 0.45 * rgb[r, q] + 0.55 * _WINDOW_RGB
        self._show(0, rgb, m, values=x)
        self._box(0, self._window, r, q, 1, 1)
        self._titles[0].set_text(f"input {n}x{n}: value {result['k'] + 1} of {x.size}")
        # The kernel scaled by the current value.
        lim_k = max(1.0, float(np.abs(result["w"]).max()) * 3)
        scaled = result["w"] * result["value"]
        self._show(1, _shade(scaled, -lim_k, lim_k, "RdBu_r"), max(f, 3), values=scaled)
        self._titles[1].set_text(f"kernel x {result['value']:g}")
        # Output canvas: partial sums; cropped cells pale blue, output padding pale yellow.
        lim = max(1.0, float(np.abs(out).max()))
        rgb = _shade(canvas, -lim, lim, "RdBu_r")
        inside = np.zeros((m, m), bool)
        inside[p : p + n_out, p : p + n_out] = True
        extra = np.zeros((m, m), bool)
        extra[full_side:, :] = extra[:, full_side:] = True
        rgb[~inside] = _PAD_RGB
        rgb[inside & extra] = _EXTRA_RGB
        self._show(2, rgb, m, values=canvas)
        self._box(2, self._cell, r * s, q * s, f, f)
        self._titles[2].set_text(f"output {n_out}x{n_out} (blue: cropped by p={p})")
        formula = (
            f"n_out = (n &minus; 1)s &minus; 2p + (f &minus; 1) + output_padding + 1 = "
            f"({n} &minus; 1)&middot;{s} &minus; 2&middot;{p} + ({f} &minus; 1) + {op} + 1 = "
            f"<b>{n_out}</b>"
        )
        return (
            f"{formula}<br>input[{r}, {q}] = {result['value']:g} scales the kernel and adds it "
            f"at rows {r * s}-{r * s + f - 1}, columns {q * s}-{q * s + f - 1} of the full "
            f"{full_side}x{full_side} result; overlaps add up. Slide the step (or press play) "
            "to scatter the values one by one."
        )


def conv_transpose_explorer(n: int = 2, f: int = 2, stride: int = 1, padding: int = 0,
                            output_padding: int = 0) -> ConvTransposeExplorer:
    """The transpose-convolution explorer on the notes' 2x2 example (returned, not displayed).

    Parameters
    ----------
    n : int
        Input side, 1 to 6 (the notes' 2x2 input, tiled).
    f : int
        Kernel side, 1 to 5 (the notes' 2x2 kernel, tiled).
    stride, padding, output_padding : int
        1 to 4, 0 to 3, 0 to 3 (``output_padding < stride`` or the readout says why not).

    Returns
    -------
    ConvTransposeExplorer
        Its step slider scatters the input values one at a time; the output panel shows the
        partial sum on the full canvas, the cropped border (pale blue) and the output padding
        (pale yellow).

    Examples
    --------
    >>> ex = conv_transpose_explorer()
    >>> ex.result["out"].tolist()
    [[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [4.0, 12.0, 9.0]]
    """
    return ConvTransposeExplorer(n, f, stride, padding, output_padding)


@register_bench("conv")
def _bench_conv() -> ConvExplorer:
    return conv_explorer()


@register_bench("conv_transpose")
def _bench_conv_transpose() -> ConvTransposeExplorer:
    return conv_transpose_explorer(n=3, f=3, stride=2, padding=1, output_padding=1)


@register_bench("pool")
def _bench_pool() -> PoolExplorer:
    return pool_explorer()
