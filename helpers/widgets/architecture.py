"""Explorers for chapters 10 and 11: a network's layer table and costs, the cost of a depthwise
separable convolution, and EfficientNet's compound scaling.

Everything that does not depend on the controls is computed once, when the explorer is built:
the layer tables (and their HTML, bars and summaries) of every network, EfficientNet's published
variants. A control change only switches what is shown or evaluates a few formulas.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from .. import architecture as arch
from .._validation import check_choice, check_float, check_int, describe
from ..architecture_plots import KIND_COLORS
from ._base import Explorer, register_bench

__all__ = [
    "ArchitectureExplorer",
    "CompoundScalingExplorer",
    "SeparableCostExplorer",
    "architecture_explorer",
    "compound_scaling_explorer",
    "separable_cost_explorer",
]

_STYLE = {"description_width": "initial"}


def _si(value: float) -> str:
    """1234567 -> '1.23 M'."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.3g}"


# -- chapter 10: the architecture explorer -------------------------------------------------------
def _summary_html(name: str, table) -> str:
    """Totals, where the parameters and the MACs are, and the weight layers as an HTML table."""
    params, macs = int(table["parameters"].sum()), int(table["macs"].sum())
    weights = table[table["kind"].isin(("conv", "linear", "attention"))
                    & (table["parameters"] + table["macs"] > 0)]
    fc = weights[weights["kind"] == "linear"]
    top_p = weights.loc[weights["parameters"].idxmax()]
    top_m = weights.loc[weights["macs"].idxmax()]
    lines = [
        f"<b>{html.escape(name)}</b>: {params:,} parameters ({params * 4 / 2**20:,.1f} MB as "
        f"float32), {macs:,} MACs per image; {len(weights)} weight layers "
        f"({(weights['kind'] == 'conv').sum()} convolution, {len(fc)} fully connected).",
        f"Fully connected layers hold <b>{fc['parameters'].sum() / max(params, 1):.1%}</b> of "
        f"the parameters and do <b>{fc['macs'].sum() / max(macs, 1):.1%}</b> of the MACs. "
        f"Largest layer: {html.escape(top_p['name'])} ({top_p['parameters']:,} parameters); "
        f"busiest: {html.escape(top_m['name'])} ({top_m['macs']:,} MACs).",
    ]
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(r.name)}</td><td>{html.escape(r.settings)}</td>"
        f"<td>{'x'.join(map(str, r.output_shape or ()))}</td>"
        f"<td style='text-align:right'>{r.parameters:,}</td>"
        f"<td style='text-align:right'>{r.macs:,}</td></tr>"
        for i, r in enumerate(weights.itertuples(index=False), start=1)
    )
    head = ("<tr><th>#</th><th>layer</th><th>settings</th><th>output</th><th>parameters</th>"
            "<th>MACs</th></tr>")
    return ("<br>".join(lines) + "<div style='max-height:230px;overflow-y:auto;font-size:12px'>"
            f"<table>{head}{rows}</table></div>")


def _bar_polygons(values: np.ndarray, floor: float) -> list[np.ndarray]:
    """Rectangles for bars at x = (i + 0.5) / n, width 0.85 / n: every network spans [0, 1]."""
    n = max(len(values), 1)
    left = (np.arange(len(values)) + 0.075) / n
    right = left + 0.85 / n
    top = np.maximum(values.astype(float), floor)
    return [np.array([[a, floor], [a, t], [b, t], [b, floor]])
            for a, b, t in zip(left, right, top, strict=True)]


def _check_tables(tables: Any) -> dict[str, Any]:
    """``tables``: a non-empty dict name -> layer_table DataFrame (at most 40), by name."""
    if not isinstance(tables, Mapping) or not tables:
        raise TypeError(f"tables must be a non-empty dict name -> layer table; got "
                        f"{describe(tables)}")
    if len(tables) > 40:
        raise ValueError(f"tables must hold at most 40 networks; got {len(tables)}")
    for key, table in tables.items():
        if not isinstance(key, str):
            raise TypeError(f"tables keys must be names (str); got {describe(key)}")
        if not hasattr(table, "columns") or not {"kind", "parameters", "macs", "settings"} <= \
                set(table.columns):
            raise TypeError(f"tables[{key!r}] must be a layer_table DataFrame; got "
                            f"{describe(table)}")
    return dict(tables)


class ArchitectureExplorer(Explorer):
    """Pick a network: its parameters and MACs layer by layer, and its table of weight layers.

    Every network's bars, colours, summary and HTML table are computed once, at construction;
    a change of network swaps the bars of one collection per panel (blitted, fixed log axes).
    """

    figsize = (9.0, 4.2)
    #: Fixed log ranges: every network's layers fit, so the axes never need redrawing.
    PARAM_RANGE = (1.0, 3e8)
    MAC_RANGE = (1e2, 3e10)

    def __init__(self, tables: Mapping[str, Any], network: str | None = None) -> None:
        self.tables = _check_tables(tables)
        if network is not None:
            check_choice(network, "network", tuple(self.tables))
        self._first = network or next(iter(self.tables))
        self._data = {}
        for name, table in self.tables.items():       # everything per network, once
            weights = table[table["kind"].isin(("conv", "linear", "attention"))
                            & (table["parameters"] + table["macs"] > 0)]
            colors = [KIND_COLORS[k] for k in weights["kind"]]
            self._data[name] = {
                "params": _bar_polygons(weights["parameters"].to_numpy(), self.PARAM_RANGE[0]),
                "macs": _bar_polygons(weights["macs"].to_numpy(), self.MAC_RANGE[0]),
                "colors": colors, "layers": len(weights), "html": _summary_html(name, table),
                "parameters": int(table["parameters"].sum()), "macs_total":
                    int(table["macs"].sum()),
            }
        super().__init__()

    def _build(self) -> None:
        from matplotlib.collections import PolyCollection

        self.controls = {
            "network": W.Dropdown(options=list(self.tables), value=self._first,
                                  description="network", style=_STYLE),
        }
        self._ax_p, self._ax_m = self.figure.subplots(2, 1)
        self._collections = []
        for ax, label, limits in ((self._ax_p, "parameters", self.PARAM_RANGE),
                                  (self._ax_m, "MACs", self.MAC_RANGE)):
            collection = PolyCollection([], edgecolors="none")
            ax.add_collection(collection)
            ax.set_yscale("log")
            ax.set_ylim(*limits)
            ax.set_xlim(0, 1)
            ax.set_xticks([])
            ax.set_ylabel(label)
            ax.grid(axis="y", alpha=0.3)
            self._collections.append(collection)
        kinds = [k for k in ("conv", "linear", "attention")
                 if any((t["kind"] == k).any() for t in self.tables.values())]
        self._ax_p.legend([Rectangle((0, 0), 1, 1, color=KIND_COLORS[k]) for k in kinds],
                          [{"conv": "convolution", "linear": "fully connected",
                            "attention": "attention"}[k] for k in kinds], fontsize=8,
                          loc="upper left", ncols=len(kinds))
        self._title = self._ax_p.set_title(" ", fontsize=10)
        self._xlabel = self._ax_m.text(0.5, -0.12, " ", transform=self._ax_m.transAxes,
                                       ha="center", va="top", fontsize=9)
        self.dynamic = [*self._collections, self._title, self._xlabel]

    def compute(self) -> dict[str, Any]:
        name = self.controls["network"].value
        data = self._data[name]
        return {"network": name, "table": self.tables[name], "parameters": data["parameters"],
                "macs": data["macs_total"], "layers": data["layers"]}

    def draw(self, result: dict[str, Any]) -> str:
        data = self._data[result["network"]]
        for collection, key in zip(self._collections, ("params", "macs"), strict=True):
            collection.set_verts(data[key])
            collection.set_facecolor(data["colors"])
        self._title.set_text(f"{result['network']}: {result['parameters']:,} parameters, "
                             f"{result['macs'] / 1e6:,.1f} M MACs per image")
        self._xlabel.set_text(f"its {result['layers']} weight layers, input side first "
                              "(one bar each)")
        return data["html"]

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        names = list(self.tables)
        return [("network", names[(i + 1) % len(names)]) for i in range(n)]


def architecture_explorer(tables: Mapping[str, Any] | None = None,
                          network: str | None = None) -> ArchitectureExplorer:
    """Explore networks' layer tables: parameters and MACs per weight layer, and the table.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame, optional
        Name -> :func:`helpers.nets.summary.layer_table`; by default every network of
        :data:`helpers.nets.zoo.NETWORKS` (built on ``meta``: a few seconds).
    network : str, optional
        The one shown first.

    Returns
    -------
    ArchitectureExplorer
    """
    if tables is None:
        from ..nets.zoo import network_tables

        tables = network_tables()
    return ArchitectureExplorer(tables, network)


# -- chapter 11: depthwise separable convolution -------------------------------------------------
class SeparableCostExplorer(Explorer):
    """A standard convolution against a depthwise separable one: MACs, parameters, the ratio."""

    figsize = (9.0, 3.3)

    def __init__(self, c_in: int, c_out: int, f: int, size: int) -> None:
        # The sliders' ranges (the formulas take more; the explorer shows these).
        self._init = (check_int(c_in, "c_in", min=1, max=1024),
                      check_int(c_out, "c_out", min=1, max=1024),
                      check_choice(f, "f", (1, 3, 5, 7, 9)),
                      check_int(size, "size", min=1, max=224))
        super().__init__()

    def _build(self) -> None:
        c_in, c_out, f, size = self._init
        self.controls = {
            "c_in": W.IntSlider(value=c_in, min=1, max=1024, description="input channels M",
                                style=_STYLE),
            "c_out": W.IntSlider(value=c_out, min=1, max=1024,
                                 description="output channels N", style=_STYLE),
            "f": W.Dropdown(options=[1, 3, 5, 7, 9], value=f, description="kernel f",
                            style=_STYLE),
            "size": W.IntSlider(value=size, min=1, max=224, description="output side H = W",
                                style=_STYLE),
        }
        ax_bar, ax_ratio = self.figure.subplots(1, 2, width_ratios=[1, 1.4])
        ax_bar.bar([0], [100], width=0.55, color=KIND_COLORS["conv"], label="standard f x f")
        self._dw = ax_bar.bar([1], [0], width=0.55, color="#A6BDDB", label="depthwise f x f")
        self._pw = ax_bar.bar([1], [0], width=0.55, color="#8172B3", label="pointwise 1x1")
        ax_bar.set_xticks([0, 1], ["standard", "separable"])
        ax_bar.set_xlim(-0.6, 3.3)
        ax_bar.set_ylim(0, 230)
        ax_bar.set_ylabel("MACs (% of the standard convolution)")
        ax_bar.legend(fontsize=8, loc="upper right")
        self._bar_text = ax_bar.text(1, 0, "", ha="center", va="bottom", fontsize=9)
        n_grid = np.unique(np.round(np.logspace(0, np.log10(1024), 60)).astype(int))
        self._n_grid = n_grid
        (self._curve,) = ax_ratio.semilogx(n_grid, np.ones_like(n_grid, float), "-",
                                           color="#8172B3", label="1/N + 1/f^2")
        self._floor = ax_ratio.axhline(1, color="0.5", ls="--", lw=1, label="1/f^2 (N large)")
        (self._dot,) = ax_ratio.plot([1], [1], "o", color=KIND_COLORS["linear"], ms=8,
                                     label="this layer")
        ax_ratio.set_xlim(1, 1024)
        ax_ratio.set_ylim(0, 2.05)
        ax_ratio.set_xlabel("output channels N")
        ax_ratio.set_ylabel("separable / standard MACs")
        ax_ratio.grid(alpha=0.3, which="both")
        ax_ratio.legend(fontsize=8, loc="upper right")
        self.dynamic = [*self._dw, *self._pw, self._bar_text, self._curve, self._floor,
                        self._dot]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        cost = arch.separable_conv_cost(v["c_in"], v["c_out"], v["f"], v["size"])
        cost["formula"] = arch.separable_cost_ratio(v["c_out"], v["f"])
        cost["curve"] = 1 / self._n_grid + 1 / v["f"] ** 2
        return cost

    def draw(self, result: dict[str, Any]) -> str:
        v = self.values()
        dw = 100 * result["depthwise_macs"] / result["standard_macs"]
        pw = 100 * result["pointwise_macs"] / result["standard_macs"]
        self._dw[0].set_height(dw)
        self._pw[0].set_y(dw)
        self._pw[0].set_height(pw)
        self._bar_text.set_y(min(dw + pw, 215) + 3)
        self._bar_text.set_text(f"{dw + pw:.1f}%")
        self._curve.set_ydata(result["curve"])
        self._floor.set_ydata([1 / v["f"] ** 2] * 2)
        self._dot.set_data([v["c_out"]], [result["macs_ratio"]])
        r = result
        return (
            f"standard {v['f']}x{v['f']} convolution, {v['c_in']} -> {v['c_out']} channels: "
            f"<b>{r['standard_macs']:,}</b> MACs, {r['standard_params']:,} parameters.<br>"
            f"depthwise separable: {r['depthwise_macs']:,} + {r['pointwise_macs']:,} = "
            f"<b>{r['separable_macs']:,}</b> MACs, {r['separable_params']:,} parameters.<br>"
            f"ratio {r['macs_ratio']:.4f} = 1/{v['c_out']} + 1/{v['f']}^2 = "
            f"{r['formula']:.4f}: <b>{1 / r['macs_ratio']:.1f}x fewer MACs</b>"
            + (" (more MACs: with 1x1 kernels there is nothing to save)" if v["f"] == 1 else "")
        )

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        values = {"c_in": [32, 512, 3, 96], "c_out": [64, 1024, 16, 320],
                  "f": [3, 5, 7, 1], "size": [112, 7, 56, 14]}
        names = list(values)
        return [(names[i % 4], values[names[i % 4]][(i // 4) % 4]) for i in range(n)]


def separable_cost_explorer(c_in: int = 32, c_out: int = 64, f: int = 3,
                            size: int = 112) -> SeparableCostExplorer:
    """A cost calculator: standard vs depthwise separable convolution for any layer.

    Parameters
    ----------
    c_in, c_out : int
        Starting input and output channels (1 to 1024).
    f : {1, 3, 5, 7, 9}
        Starting kernel side.
    size : int
        Starting output side (1 to 224).
    """
    return SeparableCostExplorer(c_in, c_out, f, size)             # validates every argument


# -- chapter 11: EfficientNet's compound scaling -------------------------------------------------
class CompoundScalingExplorer(Explorer):
    """phi, alpha, beta, gamma -> depth, width and resolution, and the MACs they cost."""

    figsize = (9.5, 3.6)

    def __init__(self, phi: float, alpha: float, beta: float, gamma: float) -> None:
        # The sliders' ranges: phi 0 to 6, multipliers 1 to 1.4.
        self._init = (check_float(phi, "phi", min=0, max=6),
                      check_float(alpha, "alpha", min=1, max=1.4),
                      check_float(beta, "beta", min=1, max=1.4),
                      check_float(gamma, "gamma", min=1, max=1.4))
        self._base = arch.efficientnet_cost()
        self._variants = {k: arch.efficientnet_cost(*v) for k, v in
                          arch.EFFICIENTNET_VARIANTS.items()}
        super().__init__()

    def _build(self) -> None:
        phi, alpha, beta, gamma = self._init

        def slider(value: float, lo: float, hi: float, step: float, text: str) -> W.FloatSlider:
            return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=text,
                                 style=_STYLE, readout_format=".2f")

        self.controls = {
            "phi": slider(phi, 0, 6, 0.1, "phi (compound coefficient)"),
            "alpha": slider(alpha, 1, 1.4, 0.01, "alpha (depth per step)"),
            "beta": slider(beta, 1, 1.4, 0.01, "beta (width per step)"),
            "gamma": slider(gamma, 1, 1.4, 0.01, "gamma (resolution per step)"),
        }
        ax_net, ax_cost = self.figure.subplots(1, 2, width_ratios=[1, 1.25])
        # left: the network as a slab (depth x width) and its input image (resolution),
        # with EfficientNet-B0 dashed for comparison
        ax_net.add_patch(Rectangle((0, 0), 1, 1, fill=False, ls="--", ec="0.4"))
        ax_net.add_patch(Rectangle((-1.6, 0), 1, 1, fill=False, ls="--", ec="0.4"))
        self._slab = Rectangle((0, 0), 1, 1, fc=KIND_COLORS["conv"], alpha=0.6)
        self._image = Rectangle((-1.6, 0), 1, 1, fc=KIND_COLORS["pool"], alpha=0.6)
        ax_net.add_patch(self._slab)
        ax_net.add_patch(self._image)
        ax_net.text(-1.4, -0.15, "input image\n(resolution)", ha="center", va="top",
                    fontsize=8)
        ax_net.text(0.9, -0.15, "network\n(depth x width)", ha="center", va="top", fontsize=8)
        ax_net.set_xlim(-2.6, 3.5)
        ax_net.set_ylim(-1.0, 4.6)
        ax_net.set_aspect("equal")
        ax_net.set_axis_off()
        ax_net.set_title("scaled network (dashed: EfficientNet-B0)", fontsize=9)
        self._net_text = ax_net.text(-2.5, 4.5, "", va="top", fontsize=8)
        # right: MACs against phi
        phis = np.linspace(0, 6, 61)
        base = self._base["macs"]
        ax_cost.semilogy(phis, base * 2.0**phis, "--", color="0.4", label="budget: B0 x 2^phi")
        (self._curve,) = ax_cost.semilogy(phis, base * np.ones_like(phis), "-",
                                          color="#8172B3", label="B0 x (alpha beta^2 gamma^2)^phi")
        vx = np.arange(len(self._variants))
        ax_cost.semilogy(vx, [c["macs"] for c in self._variants.values()], "s",
                         color=KIND_COLORS["linear"], label="published B0...B7 (at phi = 0...7)")
        (self._dot,) = ax_cost.semilogy([0], [base], "o", color="#C44E52", ms=8,
                                        label="this network (rounded channels, layers)")
        ax_cost.set_xlim(-0.2, 7.2)
        ax_cost.set_ylim(base / 2, base * 400)
        ax_cost.set_xlabel("phi")
        ax_cost.set_ylabel("MACs per image")
        ax_cost.grid(alpha=0.3, which="both")
        ax_cost.legend(fontsize=7, loc="upper left")
        self._phis = phis
        self.dynamic = [self._slab, self._image, self._net_text, self._curve, self._dot]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        s = arch.compound_scaling(v["phi"], v["alpha"], v["beta"], v["gamma"])
        resolution = int(round(224 * s["resolution"]))
        cost = arch.efficientnet_cost(s["width"], s["depth"], resolution)
        curve = self._base["macs"] * s["flops_per_step"] ** self._phis
        return {**s, "resolution_px": resolution, "cost": cost, "curve": curve}

    def draw(self, result: dict[str, Any]) -> str:
        r, v = result, self.values()
        self._slab.set_width(min(r["depth"], 3.3))
        self._slab.set_height(min(r["width"], 3.3))
        side = min(r["resolution"], 3.3)
        self._image.set_bounds(-0.6 - side, 0, side, side)
        base = self._base
        self._net_text.set_text(
            f"{r['cost']['blocks']} blocks (B0: {base['blocks']})\n"
            f"last stage: {r['cost']['channels'][-1]} channels (B0: {base['channels'][-1]})\n"
            f"input: {r['resolution_px']} px (B0: 224)")
        self._curve.set_ydata(r["curve"])
        self._dot.set_data([v["phi"]], [r["cost"]["macs"]])
        actual = r["cost"]["macs"] / base["macs"]
        return (
            f"phi = {v['phi']:.1f}: depth x{r['depth']:.2f}, width x{r['width']:.2f}, "
            f"resolution x{r['resolution']:.2f} ({r['resolution_px']} px).<br>"
            f"alpha beta^2 gamma^2 = {r['flops_per_step']:.3f} per step "
            f"(EfficientNet chose about 2); predicted MACs x{r['flops']:.2f}, budget "
            f"x{2 ** v['phi']:.2f}.<br>"
            f"Counted with rounded channels and layers: <b>{r['cost']['macs']:,}</b> MACs "
            f"(x{actual:.2f} of B0's {base['macs']:,}), {r['cost']['params']:,} parameters "
            f"(B0: {base['params']:,})."
        )


def compound_scaling_explorer(phi: float = 1.0, alpha: float = 1.2, beta: float = 1.1,
                              gamma: float = 1.15) -> CompoundScalingExplorer:
    """EfficientNet's compound scaling, live: the multipliers, the network and its MACs.

    Parameters
    ----------
    phi : float
        Starting compound coefficient, 0 to 6.
    alpha, beta, gamma : float
        Starting per-step multipliers of depth, width and resolution, 1 to 1.4 (the paper's
        1.2, 1.1, 1.15 by default).
    """
    return CompoundScalingExplorer(phi, alpha, beta, gamma)     # validates every argument


@register_bench("architecture")
def _bench_architecture() -> ArchitectureExplorer:
    from ..nets.zoo import network_tables

    # the largest tables (DenseNet-121 has 366 rows) and the smallest; updates cost the same
    return architecture_explorer(network_tables(["LeNet-5", "VGG-16", "GoogLeNet", "ResNet-50",
                                                 "DenseNet-121"]))


@register_bench("separable_cost")
def _bench_separable() -> SeparableCostExplorer:
    return separable_cost_explorer()


@register_bench("compound_scaling")
def _bench_compound() -> CompoundScalingExplorer:
    return compound_scaling_explorer()
