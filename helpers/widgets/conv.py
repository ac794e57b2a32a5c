"""Explorers for chapters/08_conv_arithmetic.ipynb: the convolution window and pooling.

Both show the (padded) input as a grid of cells, the window at one output position, and the
output grid, with the size formula filled in. The input is the notes' own example (tiled when
the grid is larger), so the default settings reproduce the notes' figures cell for cell.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Rectangle

from .. import conv, notes
from .._validation import check_choice, check_int
from ..filters import edge_kernel
from ._base import Explorer, register_bench

__all__ = ["ConvExplorer", "PoolExplorer", "conv_explorer", "pool_explorer"]

_CELL = 8  # pixels per grid cell in the rendered panels
_PAD_RGB = np.array([0.85, 0.90, 0.97])  # padding cells: pale blue
_LINE_RGB = np.array([0.55, 0.55, 0.55])
_WINDOW_RGB = np.array([1.0, 0.55, 0.0])  # kernel taps: orange


def _tile(pattern: np.ndarray, n: int) -> np.ndarray:
    reps = -(-n // pattern.shape[0])
    return np.tile(pattern, (reps, reps))[:n, :n]


def _cells(rgb: np.ndarray) -> np.ndarray:
    """Blow a (h, w, 3) cell image up to pixels, with grid lines between the cells."""
    big = rgb.repeat(_CELL, axis=0).repeat(_CELL, axis=1)
    big = np.pad(big, ((0, 1), (0, 1), (0, 0)))
    big[::_CELL, :] = _LINE_RGB
    big[:, ::_CELL] = _LINE_RGB
    return big


def _shade(values: np.ndarray, lo: float, hi: float, cmap: str) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    return colormaps[cmap]((values - lo) / span)[..., :3]


class _GridExplorer(Explorer):
    """Shared layout: input grid (with window) | kernel or window | output grid (with cell)."""

    figsize = (9.0, 3.2)

    def _panels(self, titles: tuple[str, str, str]) -> None:
        self._axes = self.figure.subplots(1, 3, width_ratios=[1, 0.6, 1])
        self._ims, self._titles = [], []
        for ax, title in zip(self._axes, titles, strict=True):
            self._ims.append(ax.imshow(np.ones((2, 2, 3)), interpolation="nearest"))
            self._titles.append(ax.set_title(title, fontsize=10))
            ax.set_axis_off()
        self._window = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="tab:red")
        self._cell = Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="tab:red")
        self._axes[0].add_patch(self._window)
        self._axes[2].add_patch(self._cell)
        self.dynamic = [*self._ims, *self._titles, self._window, self._cell]

    def _show(self, i: int, rgb: np.ndarray, scale: int) -> None:
        """Panel i shows the cell image ``rgb``; ``scale`` cells fill the panel's width."""
        h, w = rgb.shape[:2]
        self._ims[i].set_data(_cells(rgb))
        self._ims[i].set_extent((-0.5, w * _CELL + 0.5, h * _CELL + 0.5, -0.5))
        # Input and output share one scale, so the output visibly shrinks or keeps its size.
        self._axes[i].set_xlim(-0.5, scale * _CELL + 0.5)
        self._axes[i].set_ylim(scale * _CELL + 0.5, -0.5)

    @staticmethod
    def _box(rect: Rectangle, top: int, left: int, h: int, w: int) -> None:
        rect.set_bounds(left * _CELL - 0.5, top * _CELL - 0.5, w * _CELL, h * _CELL)

    def _play(self) -> W.Widget:
        play = W.Play(
            value=0, min=0, max=self.controls["step"].max, interval=700, description="animate"
        )
        W.jslink((play, "value"), (self.controls["step"], "value"))
        return play

    def _layout_controls(self) -> W.Widget:
        return W.HBox(
            [*self.controls.values(), self._play()], layout=W.Layout(flex_flow="row wrap")
        )


class ConvExplorer(_GridExplorer):
    """Input size, kernel, padding, stride and dilation -> the window, the output and its size."""

    def __init__(
        self, n: int = 6, f: int = 3, padding: int = 0, stride: int = 1, dilation: int = 1
    ) -> None:
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
        self._show(0, rgb, m)
        span = d * (f - 1) + 1
        self._box(self._window, r * s, q * s, span, span)
        self._titles[0].set_text(f"padded input {m}x{m} (n={n}, p={p})")
        # Kernel panel.
        self._show(1, _shade(result["w"], -1.5, 1.5, "RdBu_r"), max(f, 3))
        self._titles[1].set_text(f"kernel {f}x{f}" + (f", d={d}" if d > 1 else ""))
        # Output panel.
        lim = max(1.0, float(np.abs(out).max()))
        self._show(2, _shade(out, -lim, lim, "RdBu_r"), m)
        self._box(self._cell, r, q, 1, 1)
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

    def __init__(self, n: int = 4, size: int = 2, stride: int = 2, mode: str = "max") -> None:
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
        self._show(0, rgb, n)
        self._box(self._window, r * s, q * s, f, f)
        self._titles[0].set_text(f"input {n}x{n}")
        self._show(1, _shade(result["window"], 0, hi, "Greys") * 0.7 + 0.3, max(f, 3))
        self._titles[1].set_text(f"window {f}x{f}")
        self._show(2, _shade(out, 0, hi, "Greys") * 0.7 + 0.3, n)
        self._box(self._cell, r, q, 1, 1)
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
    for name, value, lo, hi in (
        ("n", n, 3, 12),
        ("f", f, 1, 7),
        ("padding", padding, 0, 4),
        ("stride", stride, 1, 4),
        ("dilation", dilation, 1, 3),
    ):
        check_int(value, name, min=lo, max=hi)
    return ConvExplorer(n, f, padding, stride, dilation)


def pool_explorer(n: int = 4, size: int = 2, stride: int = 2, mode: str = "max") -> PoolExplorer:
    """The pooling explorer on the notes' 4x4 examples (returned, not displayed)."""
    for name, value, lo, hi in (("n", n, 2, 12), ("size", size, 1, 4), ("stride", stride, 1, 4)):
        check_int(value, name, min=lo, max=hi)
    return PoolExplorer(n, size, stride, mode)


@register_bench("conv")
def _bench_conv() -> ConvExplorer:
    return conv_explorer()


@register_bench("pool")
def _bench_pool() -> PoolExplorer:
    return pool_explorer()
