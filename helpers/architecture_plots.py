"""Figures for chapters 10 and 11: network diagrams drawn from layer tables, block diagrams,
per-layer costs, receptive fields and gradient norms.

Plain matplotlib, kept apart from the algorithm modules (:mod:`helpers.architecture`,
:mod:`helpers.nets.summary`), which never import it. Every function returns the Figure.

Used in chapters/10_classic_networks.ipynb and chapters/11_modern_architectures.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_choice,
    check_figure_size,
    check_float,
    check_int,
    describe,
)

__all__ = [
    "BLOCK_DIAGRAMS",
    "KIND_COLORS",
    "draw_layer_costs",
    "plot_block",
    "plot_compound_scaling",
    "plot_gradient_norms",
    "plot_layer_costs",
    "plot_network",
    "plot_receptive_field",
]

#: Colour of each kind of layer, in every figure of chapters 10 and 11.
KIND_COLORS = {
    "conv": "#4C72B0", "linear": "#55A868", "pool": "#DD8452", "attention": "#937860",
    "block": "#8172B3", "norm": "#8C8C8C", "activation": "#8C8C8C", "dropout": "#8C8C8C",
    "other": "#8C8C8C", "parameter": "#8C8C8C",
}
NEW_COLOR = "#C44E52"
_MAIN_KINDS = ("conv", "linear", "pool", "attention")
_TAG_NAMES = {"LocalResponseNorm": "LRN", "BatchNorm2d": "BN", "Dropout": "dropout",
              "StochasticDepth": "stoch. depth", "Standardize": "standardize"}
_SKIP_TAGS = ("Flatten", "Identity")


def _check_title(title: Any) -> str | None:
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None; got {describe(title)}")
    return title


def _check_table(table: Any) -> Any:
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or not {"name", "type", "kind", "output_shape",
                                                   "parameters", "macs"} <= set(table.columns):
        raise TypeError("table must be a DataFrame from helpers.nets.summary.layer_table; got "
                        f"{describe(table)}")
    if table.empty:
        raise ValueError("table has no rows")
    return table


# -- network diagrams -------------------------------------------------------------------------
def _stages(table, group: int | None) -> list[dict]:
    """Consecutive rows merged into drawable stages, with their tags (ReLU, LRN, ...).

    Activations and normalisations tag the stage before them, dropout the stage after it (it
    acts on that layer's input); with ``group``, rows sharing a name prefix form one stage.
    """
    rows = [r for r in table.itertuples(index=False)
            if r.output_shape is not None and r.kind != "parameter"]
    shapes = table.attrs.get("module_shapes", {})
    pieces: list[list] = []                       # runs of rows: one per stage or one tag
    for row in rows:
        key = ".".join(row.name.split(".")[:group]) if group else row.name
        if group and pieces and pieces[-1][0] == key:
            pieces[-1][1].append(row)
        else:
            pieces.append([key, [row]])
    stages: list[dict] = []
    pending: list[str] = []
    for key, run in pieces:
        main = [r for r in run if r.kind in _MAIN_KINDS]
        if not main:                               # a tag, not a box
            for r in run:
                if r.type in _SKIP_TAGS:
                    continue
                if r.kind == "dropout" or not stages:
                    pending.append(r.type)
                else:
                    stages[-1]["tags"].append(r.type)
            continue
        stage = {"key": key, "rows": run, "tags": pending}
        pending = []
        stage["tags"] += [r.type for r in run if r.kind not in _MAIN_KINDS
                          and r.type not in _SKIP_TAGS]
        stage["shape"] = shapes.get(key, run[-1].output_shape) if group and len(run) > 1 \
            else run[-1].output_shape
        stage["params"] = sum(r.parameters for r in run)
        stage["macs"] = sum(r.macs for r in run)
        if len(main) == 1:
            r = main[0]
            stage["kind"] = r.kind
            what = {"conv": "conv", "linear": "FC", "pool": r.type.replace("2d", "").lower()
                    .replace("adaptive", "adapt. "), "attention": "attention"}[r.kind]
            settings = getattr(r, "settings", "") or ""
            if r.kind == "conv":          # "96->256 5x5 pad 2 groups 2" -> "conv 5x5 groups 2"
                settings = " ".join(settings.split(" ")[1:]).replace("pad ", "p")
            elif r.kind == "linear":
                settings = ""
            stage["label"] = f"{what} {settings}".strip()
            stage["type"] = r.type
        else:
            stage["kind"] = "block"
            stage["label"] = key
            stage["type"] = key
        stage["tags"] = list(dict.fromkeys(stage["tags"]))
        stages.append(stage)
    return stages


def _shape_text(shape: tuple) -> str:
    return "x".join(str(s) for s in shape)


def plot_network(
    table: Any,
    *,
    title: str | None = None,
    new: Mapping[str, str] | None = None,
    group: int | None = None,
    width: float | None = None,
):
    """A network as a row of boxes, one per layer (or group of layers), from its layer table.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`helpers.nets.summary.layer_table`.
    title : str, optional
    new : dict of str to str, optional
        What the network introduced: a layer type (``"ReLU"``, ``"LocalResponseNorm"``,
        ``"Dropout"``, ``"MaxPool2d"``, ``"Conv2d"``) or the start of a box's label
        (``"conv 7x7/2"``, ``"inception"``) -> the explanation shown under the diagram.
        Matching boxes and tags are drawn in red.
    group : int, optional
        Merge consecutive layers whose names share their first ``group`` components (1 for
        GoogLeNet's ``inception3a.*``); by default every convolution, pooling and fully
        connected layer is a box and activations, normalisations and dropout are tags on it.
    width : float, optional
        Figure width in inches (default grows with the number of boxes).

    Returns
    -------
    matplotlib.figure.Figure
        Box height grows with the output's spatial size, box width with its channels (both on
        log scales); above each box the output shape, below it the layer and its parameters.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    table = _check_table(table)
    _check_title(title)
    if group is not None:
        group = check_int(group, "group", min=1, max=16)
    if new is not None and (not isinstance(new, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in new.items())):
        raise TypeError(f"new must be a dict of str (layer type or label) to str (what was new); "
                        f"got {describe(new)}")
    if width is not None:
        width = check_float(width, "width", min=2, max=40)
    new = dict(new or {})
    stages = _stages(table, group)
    if not stages:
        raise ValueError("table has no layer that ran: nothing to draw")
    if len(stages) > 80:
        raise ValueError(f"{len(stages)} boxes are too many to read; pass group=1 (or 2) to "
                         "merge the layers of each block")
    sides = [s["shape"][-1] if len(s["shape"]) >= 2 else 1 for s in stages]
    chans = [s["shape"][0] for s in stages]
    max_side, max_c = max(max(sides), 2), max(max(chans), 2)
    n_tags = max(len(s["tags"]) for s in stages)
    label_y = -1.65 - 0.3 * n_tags                 # labels below the tallest box and its tags
    fig_w = width or min(18.0, 2.0 + 0.62 * len(stages))
    fig, ax = plt.subplots(figsize=(fig_w, 4.8 + 0.25 * n_tags), layout="constrained")
    for i, s in enumerate(stages):
        flat = len(s["shape"]) < 2
        h = 0.5 + 2.5 * (math.log2(max(sides[i], 1)) / math.log2(max_side) if not flat else 0)
        w = 0.18 + 0.5 * math.log2(max(chans[i], 1)) / math.log2(max_c)
        if flat:   # a vector: a thin bar whose height grows with its length
            h, w = 0.4 + 2.6 * math.log2(max(chans[i], 1)) / math.log2(max_c), 0.16
        is_new = s["type"] in new or any(s["label"].startswith(k) for k in new)
        ax.add_patch(Rectangle((i - w / 2, -h / 2), w, h, facecolor=KIND_COLORS[s["kind"]],
                               edgecolor=NEW_COLOR if is_new else "black",
                               lw=2.5 if is_new else 0.8, alpha=0.9))
        ax.text(i, h / 2 + 0.08, _shape_text(s["shape"]), ha="center", va="bottom",
                fontsize=7.5, rotation=90)
        params = f"{s['params']:,} p" if s["params"] else ""
        ax.text(i, label_y, f"{s['label']}\n{params}", ha="center", va="top", fontsize=7.5,
                rotation=90, color=NEW_COLOR if is_new else "black")
        for j, tag in enumerate(s["tags"]):
            ax.text(i, -1.6 - 0.3 * j, _TAG_NAMES.get(tag, tag), ha="center",
                    va="top", fontsize=7, color=NEW_COLOR if tag in new else "0.35",
                    fontweight="bold" if tag in new else "normal")
    ax.set_xlim(-0.7, len(stages) - 0.3)
    ax.set_ylim(label_y - 2.8, 3.3)
    ax.set_axis_off()
    handles = [Rectangle((0, 0), 1, 1, color=KIND_COLORS[k]) for k in
               dict.fromkeys(s["kind"] for s in stages)]
    labels = [{"conv": "convolution", "linear": "fully connected", "pool": "pooling",
               "block": "block of layers", "attention": "attention", "other": "other"}[k]
              for k in dict.fromkeys(s["kind"] for s in stages)]
    ax.legend(handles, labels, loc="upper left", fontsize=8, ncols=len(labels), frameon=False,
              bbox_to_anchor=(0.0, 1.0))
    total = int(table["parameters"].sum())
    macs = int(table["macs"].sum())
    head = f"{title}: " if title else ""
    ax.set_title(f"{head}{total:,} parameters, {macs / 1e6:,.1f} M MACs per image",
                 fontsize=11, loc="left")
    if new:
        text = "new: " + "; ".join(f"{_TAG_NAMES.get(k, k)}: {v}" for k, v in new.items())
        fig.text(0.01, 0.005, text, color=NEW_COLOR, fontsize=8.5, va="bottom", wrap=True)
    return fig


# -- per-layer costs ----------------------------------------------------------------------------
def draw_layer_costs(ax_params, ax_macs, table: Any, *, log: bool = True) -> dict:
    """Bars of parameters and MACs for each weight layer of ``table``, into two given axes.

    Returns the bar containers (``{"params": ..., "macs": ...}``) so an explorer can toggle
    them. Shared by :func:`plot_layer_costs` and the architecture explorer.
    """
    table = _check_table(table)
    log = check_bool(log, "log")
    for name, ax in (("ax_params", ax_params), ("ax_macs", ax_macs)):
        if not hasattr(ax, "bar"):
            raise TypeError(f"{name} must be a matplotlib Axes; got {describe(ax)}")
    weights = table[table["kind"].isin(("conv", "linear", "attention"))
                    & (table["parameters"] + table["macs"] > 0)]
    x = np.arange(len(weights))
    colors = [KIND_COLORS[k] for k in weights["kind"]]
    bars = {
        "params": ax_params.bar(x, np.maximum(weights["parameters"].to_numpy(), 1), width=0.85,
                                color=colors),
        "macs": ax_macs.bar(x, np.maximum(weights["macs"].to_numpy(), 1), width=0.85,
                            color=colors),
    }
    for ax, what in ((ax_params, "parameters"), (ax_macs, "MACs")):
        if log:
            ax.set_yscale("log")
        ax.set_ylabel(what)
        ax.set_xlim(-0.7, max(len(weights), 1) - 0.3)
        ax.grid(axis="y", alpha=0.3)
    ax_macs.set_xlabel("weight layer (input side first)")
    return bars


def plot_layer_costs(table: Any, *, title: str | None = None, log: bool = True):
    """Where a network's memory (parameters) and its work (MACs) are, layer by layer.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`helpers.nets.summary.layer_table`.
    title : str, optional
    log : bool
        Logarithmic y axes (the counts span several orders of magnitude).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    _check_title(title)
    log = check_bool(log, "log")
    fig, (ax_p, ax_m) = plt.subplots(2, 1, figsize=(10, 4.4), sharex=True, layout="constrained")
    draw_layer_costs(ax_p, ax_m, table, log=log)
    kinds = [k for k in ("conv", "linear", "attention") if (table["kind"] == k).any()]
    ax_p.legend([Rectangle((0, 0), 1, 1, color=KIND_COLORS[k]) for k in kinds],
                [{"conv": "convolution", "linear": "fully connected",
                  "attention": "attention"}[k] for k in kinds], fontsize=8, loc="upper left")
    if title:
        ax_p.set_title(title)
    return fig


# -- block diagrams ---------------------------------------------------------------------------
#: name -> (nodes, edges, title). Node: id -> (x, y, text, kind); edge: (from, to, label, rad).
BLOCK_DIAGRAMS: dict[str, tuple[dict, list, str]] = {
    "conv_layer": (
        {"x": (0, 0.55, "input\nC_in x H x W", "io"),
         "w": (2.3, 0.55, "C_out filters\neach f x f x C_in", "conv"),
         "y": (4.6, 0.55, "output\nC_out x H_out x W_out", "io"),
         "x2": (0, -0.55, "input\nC_in x H x W", "io"),
         "g1": (2.3, -0.25, "group 1: C_out/2 filters\neach f x f x C_in/2", "conv"),
         "g2": (2.3, -0.95, "group 2: C_out/2 filters\neach f x f x C_in/2", "conv"),
         "y2": (4.6, -0.55, "concat\nC_out x H_out x W_out", "op")},
        [("x", "w", "", 0), ("w", "y", "", 0), ("x2", "g1", "first half", 0),
         ("x2", "g2", "second half", 0), ("g1", "y2", "", 0), ("g2", "y2", "", 0)],
        "a convolution layer (top) and the same layer with groups = 2 (bottom)",
    ),
    "plain": (
        {"x": (0, 0, "x", "io"), "c1": (1.4, 0, "3x3 conv\n+ ReLU", "conv"),
         "c2": (2.8, 0, "3x3 conv", "conv"), "r": (4.1, 0, "ReLU", "op"),
         "y": (5.2, 0, "y", "io")},
        [("x", "c1", "", 0), ("c1", "c2", "", 0), ("c2", "r", "", 0), ("r", "y", "", 0)],
        "plain block: y = ReLU(F(x))",
    ),
    "residual": (
        {"x": (0, 0, "x", "io"), "c1": (1.4, 0, "3x3 conv\nBN, ReLU", "conv"),
         "c2": (2.8, 0, "3x3 conv\nBN", "conv"), "add": (3.9, 0, "+", "op"),
         "r": (4.8, 0, "ReLU", "op"), "y": (5.8, 0, "y", "io")},
        [("x", "c1", "", 0), ("c1", "c2", "", 0), ("c2", "add", "F(x)", 0),
         ("x", "add", "identity shortcut: x", -0.45), ("add", "r", "", 0), ("r", "y", "", 0)],
        "residual block: y = ReLU(F(x) + x)",
    ),
    "dense": (
        {"x0": (0, 0, "x0\nC0", "io"), "h1": (1.5, 0, "H1", "conv"), "h2": (3.0, 0, "H2", "conv"),
         "h3": (4.5, 0, "H3", "conv"), "out": (6.0, 0, "concat\nC0 + 3k", "op")},
        [("x0", "h1", "C0", 0), ("h1", "h2", "k", 0), ("h2", "h3", "k", 0),
         ("h3", "out", "k", 0), ("x0", "h2", "", -0.35), ("x0", "h3", "", -0.4),
         ("x0", "out", "", -0.45), ("h1", "h3", "", 0.35), ("h1", "out", "", 0.4),
         ("h2", "out", "", 0.35)],
        "dense block: every layer gets every earlier output, concatenated",
    ),
    "inception_naive": (
        {"x": (0, 0, "input\nC_in", "io"), "a": (2, 1.5, "1x1 conv", "conv"),
         "b": (2, 0.5, "3x3 conv", "conv"), "c": (2, -0.5, "5x5 conv", "conv"),
         "d": (2, -1.5, "3x3 max pool", "pool"), "cat": (4, 0, "concat", "op")},
        [("x", n, "", 0) for n in "abcd"] + [(n, "cat", "", 0) for n in "abcd"],
        "naive Inception module",
    ),
    "inception": (
        {"x": (0, 0, "input\nC_in", "io"), "a": (3, 1.5, "1x1 conv", "conv"),
         "r3": (1.7, 0.5, "1x1 conv\n(reduce)", "reduce"), "b": (3.3, 0.5, "3x3 conv", "conv"),
         "r5": (1.7, -0.5, "1x1 conv\n(reduce)", "reduce"), "c": (3.3, -0.5, "5x5 conv", "conv"),
         "d": (1.7, -1.5, "3x3 max pool", "pool"), "p": (3.3, -1.5, "1x1 conv\n(project)",
                                                        "reduce"),
         "cat": (5, 0, "concat", "op")},
        [("x", "a", "", 0), ("x", "r3", "", 0), ("r3", "b", "", 0), ("x", "r5", "", 0),
         ("r5", "c", "", 0), ("x", "d", "", 0), ("d", "p", "", 0), ("a", "cat", "", 0),
         ("b", "cat", "", 0), ("c", "cat", "", 0), ("p", "cat", "", 0)],
        "Inception module with 1x1 reductions (GoogLeNet)",
    ),
    "separable": (
        {"x": (0, 0.5, "input\nM channels", "io"),
         "s": (2.2, 0.5, "f x f conv\nN filters, each f x f x M", "conv"),
         "y": (4.6, 0.5, "output\nN channels", "io"),
         "x2": (0, -0.5, "input\nM channels", "io"),
         "dw": (1.7, -0.5, "depthwise f x f\none filter per channel", "conv"),
         "m": (3.2, -0.5, "M channels", "io"),
         "pw": (4.5, -0.5, "pointwise 1x1\nN filters, each 1x1 x M", "reduce"),
         "y2": (6.0, -0.5, "output\nN channels", "io")},
        [("x", "s", "", 0), ("s", "y", "", 0), ("x2", "dw", "", 0), ("dw", "m", "", 0),
         ("m", "pw", "", 0), ("pw", "y2", "", 0)],
        "standard convolution (top) vs depthwise separable (bottom)",
    ),
    "se": (
        {"x": (0, 0, "x\nC x H x W", "io"), "gap": (1.5, 1.1, "global\navg pool", "pool"),
         "fc1": (2.9, 1.1, "FC C/r\nReLU", "linear"), "fc2": (4.3, 1.1, "FC C\nsigmoid",
                                                              "linear"),
         "mul": (4.3, 0, "x", "op"), "y": (5.5, 0, "y\nC x H x W", "io")},
        [("x", "gap", "squeeze", 0), ("gap", "fc1", "C", 0), ("fc1", "fc2", "", 0),
         ("fc2", "mul", "s (C weights)", 0), ("x", "mul", "", 0), ("mul", "y", "", 0)],
        "squeeze-and-excitation: y_c = s_c x_c",
    ),
    "highway": (
        {"x": (0, 0, "x", "io"), "h": (1.6, 1.0, "H: FC + ReLU", "linear"),
         "t": (1.6, 0, "T: FC + sigmoid\n(gate)", "reduce"),
         "m1": (3.4, 1.0, "T * H", "op"), "m2": (3.4, -1.0, "(1 - T) * x", "op"),
         "add": (4.6, 0, "+", "op"), "y": (5.6, 0, "y", "io")},
        [("x", "h", "", 0), ("x", "t", "", 0), ("h", "m1", "", 0), ("t", "m1", "", 0),
         ("t", "m2", "", 0), ("x", "m2", "carry x", 0), ("m1", "add", "", 0),
         ("m2", "add", "", 0), ("add", "y", "", 0)],
        "highway layer: y = T * H(x) + (1 - T) * x",
    ),
}
_BLOCK_COLORS = {"io": "#F2F2F2", "conv": "#A6BDDB", "pool": "#F3C9A6", "op": "#FFFFFF",
                 "linear": "#B7DDB9", "reduce": "#D6C6E9"}


def plot_block(name: str | Sequence[str], *, size: tuple[float, float] | None = None):
    """Block diagrams of chapter 11 (residual, dense, Inception, separable, SE, highway).

    Parameters
    ----------
    name : str or sequence of str
        Keys of :data:`BLOCK_DIAGRAMS`; several (at most 12) are drawn one above the other.
    size : (width, height), optional
        Inches, each in (0, 40].

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(name, (str, list, tuple)):
        raise TypeError(f"name must be a diagram name or a list of them (keys of BLOCK_DIAGRAMS);"
                        f" got {describe(name)}")
    names = [name] if isinstance(name, str) else list(name)
    if not 1 <= len(names) <= 12:
        raise ValueError(f"name must name 1 to 12 diagrams; got {len(names)}")
    for n in names:
        check_choice(n, "name", BLOCK_DIAGRAMS)
    if size is not None:
        size = check_figure_size(size, pair=True)
    spans = []
    for n in names:
        nodes, edges, _ = BLOCK_DIAGRAMS[n]
        xs, ys = [v[0] for v in nodes.values()], [v[1] for v in nodes.values()]
        bulge = max((abs(rad) * math.dist(nodes[a][:2], nodes[b][:2]) / 2
                     for a, b, _, rad in edges), default=0)
        spans.append((max(xs) - min(xs) + 1.5, max(ys) - min(ys) + 1.0 + 2 * bulge))
    if size is None:       # about 1.3 inches per unit, so every diagram has the same scale
        scale = min(1.3, 12 / max(w for w, _ in spans))
        size = (max(w for w, _ in spans) * scale, sum(h * scale + 0.35 for _, h in spans))
    fig, axes = plt.subplots(len(names), 1, figsize=size, squeeze=False, layout="constrained",
                             gridspec_kw={"height_ratios": [h for _, h in spans]})
    for ax, n in zip(axes[:, 0], names, strict=True):
        nodes, edges, title = BLOCK_DIAGRAMS[n]
        boxes = {}
        for key, (x, y, text, kind) in nodes.items():
            t = ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=3,
                        bbox={"boxstyle": "circle,pad=0.25" if kind == "op" and len(text) < 3
                              else "round,pad=0.35", "fc": _BLOCK_COLORS[kind], "ec": "0.3"})
            boxes[key] = t
        for a, b, label, rad in edges:
            ax.annotate("", xy=(nodes[b][0], nodes[b][1]), xytext=(nodes[a][0], nodes[a][1]),
                        arrowprops={"arrowstyle": "-|>", "color": "0.25", "lw": 1.1,
                                    "connectionstyle": f"arc3,rad={rad}",
                                    "patchA": boxes[a].get_bbox_patch(),
                                    "patchB": boxes[b].get_bbox_patch(), "shrinkA": 2,
                                    "shrinkB": 2}, zorder=2)
            if label:
                (xa, ya), (xb, yb) = nodes[a][:2], nodes[b][:2]
                xm, ym = (xa + xb) / 2, (ya + yb) / 2
                if xa == xb:                                   # vertical: label on the right
                    ax.text(xm + 0.12, ym, label, ha="left", va="center", fontsize=8,
                            color="0.2")
                    continue
                # the arc's apex is rad * chord / 2 off the chord's middle, to its right
                ym += 0.2 if rad == 0 else -rad * (xb - xa) / 2 + 0.05
                xm += rad * (yb - ya) / 2
                ax.text(xm, ym, label, ha="center", va="bottom", fontsize=8, color="0.2")
        xs = [v[0] for v in nodes.values()]
        ys = [v[1] for v in nodes.values()]
        # arc3 bends in display space: with equal scales its apex is rad * chord / 2 off
        bulge = max((abs(rad) * math.dist(nodes[a][:2], nodes[b][:2]) / 2
                     for a, b, _, rad in edges), default=0)
        ax.set_xlim(min(xs) - 0.7, max(xs) + 0.8)
        ax.set_ylim(min(ys) - 0.5 - bulge, max(ys) + 0.5 + bulge)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_axis_off()
    return fig


def plot_compound_scaling(phi: float = 2.0, alpha: float = 1.2, beta: float = 1.1,
                          gamma: float = 1.15):
    """EfficientNet's figure 2 with numbers: a base network scaled in width, depth, resolution,
    and in all three at once.

    Parameters
    ----------
    phi, alpha, beta, gamma : float
        As in :func:`helpers.architecture.compound_scaling` (each single-dimension panel uses
        the same cost budget, spent on that dimension alone).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .architecture import compound_scaling

    s = compound_scaling(phi, alpha, beta, gamma)
    budget = s["flops"]
    # the same budget spent on one dimension: depth x budget, width or resolution x sqrt(budget)
    panels = [("baseline", 1, 1, 1), ("wider", 1, math.sqrt(budget), 1),
              ("deeper", budget, 1, 1), ("higher resolution", 1, 1, math.sqrt(budget)),
              ("compound", s["depth"], s["width"], s["resolution"])]
    fig, axes = plt.subplots(1, 5, figsize=(12, 3.0), layout="constrained")
    for ax, (name, d, w, r) in zip(axes, panels, strict=True):
        n_layers = max(1, round(3 * d))
        for i in range(n_layers):           # layers as stacked slabs: count = depth
            y = i * 1.6 / n_layers
            ax.add_patch(Rectangle((1 - w * 0.35, y + 0.15), w * 0.7, 1.2 / n_layers,
                                   fc=KIND_COLORS["conv"], ec="white", alpha=0.85))
        ax.add_patch(Rectangle((1 - r * 0.4, -0.95 * r), 0.8 * r, 0.8 * r,
                               fc=KIND_COLORS["pool"], alpha=0.7))
        ax.set_title(f"{name}\ndepth x{d:.2f}, width x{w:.2f}, res. x{r:.2f}", fontsize=8.5)
        ax.set_xlim(-0.3, 2.3)
        ax.set_ylim(-2.4, 2.0)
        ax.set_aspect("equal")
        ax.set_axis_off()
    fig.suptitle(f"same cost (x{budget:.2f} MACs), spent on one dimension or on all three "
                 f"(phi = {phi:g}, alpha = {alpha:g}, beta = {beta:g}, gamma = {gamma:g}); "
                 "orange: the input image", fontsize=9.5)
    return fig


# -- curves -------------------------------------------------------------------------------------
def plot_receptive_field(labels: Sequence[str], sizes: Any, *, title: str | None = None):
    """Receptive field side after each layer, as a step curve with the layers named.

    Parameters
    ----------
    labels : sequence of str
        One name per layer.
    sizes : (L,) array_like of int
        From :func:`helpers.architecture.receptive_field` (each 1 to 1,000,000 pixels).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    _check_title(title)
    sizes = as_array(sizes, "sizes", ndim=1, kinds="iu")
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a list of str; got {describe(labels)}")
    for i, label in enumerate(labels):
        if not isinstance(label, str):
            raise TypeError(f"labels[{i}] must be a str; got {describe(label)}")
    if len(sizes) and (sizes.min() < 1 or sizes.max() > 1_000_000):
        raise ValueError(f"sizes must be receptive field sides from 1 to 1,000,000 pixels; got "
                         f"values from {sizes.min()} to {sizes.max()}")
    if len(sizes) > 1000:
        raise ValueError(f"sizes must hold at most 1000 layers to be drawn; got {len(sizes)}")
    if len(labels) != len(sizes):
        raise ValueError(f"labels must have one entry per size ({len(sizes)}); got {len(labels)}")
    fig, ax = plt.subplots(figsize=(min(14, 2 + 0.45 * len(sizes)), 3.6), layout="constrained")
    x = np.arange(len(sizes))
    ax.plot(x, sizes, "o-", color=KIND_COLORS["conv"])
    for xi, s in zip(x, sizes, strict=True):
        ax.annotate(str(int(s)), (xi, s), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=7)
    ax.set_xticks(x, labels, rotation=90, fontsize=8)
    ax.set_ylabel("receptive field (pixels)")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


def plot_gradient_norms(norms: Mapping[str, Any], *, title: str | None = None):
    """Gradient norm of each weight layer (log scale), one line per network.

    Parameters
    ----------
    norms : dict of str to (L,) array_like
        Network name -> :func:`helpers.nets.modern.layer_gradient_norms`' norms.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    _check_title(title)
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError(f"norms must be a non-empty dict name -> array; got {describe(norms)}")
    fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
    for name, values in norms.items():
        values = as_array(values, f"norms[{name!r}]", ndim=1)
        ax.semilogy(np.arange(1, len(values) + 1), np.maximum(values, 1e-30), "o-", label=name)
    ax.set_xlabel("weight layer (1 = next to the input)")
    ax.set_ylabel("gradient norm ||dL/dW||")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig
