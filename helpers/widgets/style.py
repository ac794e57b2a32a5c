"""Explorer for chapters/16_style_transfer.ipynb: content weight against style weight.

A style transfer takes seconds, far longer than the 50 ms an explorer update may take, so the
chapter optimises a small grid first (:func:`helpers.style.style_weight_grid`: one run per style
weight, with snapshots along the way) and this explorer only looks results up: pick the style
weight and the optimisation step, see the image and where both costs are at that step.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .._validation import describe
from ._base import Explorer, register_bench

__all__ = ["StyleWeightExplorer", "style_weight_explorer"]


class StyleWeightExplorer(Explorer):
    """Precomputed style transfers: a style-weight slider, a step slider, the costs so far."""

    figsize = (11.0, 3.3)

    def __init__(self, grid: dict) -> None:
        from ..style import StyleTransferResult

        if not isinstance(grid, dict) or not grid:
            raise TypeError("grid must be the dict returned by helpers.style.style_weight_grid; "
                            f"got {describe(grid)}")
        steps = None
        for beta, res in grid.items():
            if not isinstance(res, StyleTransferResult) or not res.snapshots:
                raise ValueError("grid values must be StyleTransferResults with snapshots "
                                 "(style_weight_grid(..., snapshot_every=10))")
            these = [s for s, _ in res.snapshots]
            if steps is not None and these != steps:
                raise ValueError(f"every run in grid must have snapshots at the same steps; "
                                 f"style weight {beta} has {these}, others {steps}")
            steps = these
        self.grid = {float(b): grid[b] for b in sorted(grid)}
        self.steps = steps
        super().__init__()

    def _build(self) -> None:
        style = {"description_width": "initial"}
        betas = list(self.grid)
        self.controls = {
            "style_weight": W.SelectionSlider(
                options=[(f"{b:.0e}", b) for b in betas], value=betas[len(betas) // 2],
                description="style weight β (content weight α = 1)", style=style,
                layout=W.Layout(width="430px")),
            "step": W.SelectionSlider(options=self.steps, value=self.steps[-1],
                                      description="Adam step", style=style,
                                      layout=W.Layout(width="330px")),
        }
        first = next(iter(self.grid.values()))
        ax_c, ax_s, ax_g, ax_cost = self.figure.subplots(1, 4, width_ratios=(1, 1, 1, 1.25))
        ax_c.imshow(first.content)
        ax_c.set_title("content")
        ax_s.imshow(first.style)
        ax_s.set_title("style")
        self._img = ax_g.imshow(first.image)
        self._title = ax_g.set_title("")
        for ax in (ax_c, ax_s, ax_g):
            ax.set_axis_off()
        costs = first.costs
        n = len(costs["style"])
        self._lines = {key: ax_cost.plot(np.arange(n), np.ones(n), label=f"{key} cost", color=c)[0]
                       for key, c in (("content", "tab:blue"), ("style", "tab:orange"))}
        self._now = ax_cost.axvline(0, color="k", lw=1, ls="--")
        lo = min(min(r.costs[k][1:] or r.costs[k]) for r in self.grid.values()
                 for k in ("content", "style")) or 1e-12
        hi = max(max(r.costs[k]) for r in self.grid.values() for k in ("content", "style"))
        ax_cost.set_yscale("log")
        ax_cost.set_ylim(max(lo, hi * 1e-9) / 2, hi * 2)
        ax_cost.set_xlabel("Adam step")
        ax_cost.set_title("unweighted costs (log scale)")
        ax_cost.legend(loc="lower left", fontsize=8)
        self.dynamic = [self._img, self._title, *self._lines.values(), self._now]

    def compute(self) -> dict[str, Any]:
        beta, step = self.controls["style_weight"].value, self.controls["step"].value
        res = self.grid[beta]
        k = self.steps.index(step)
        return {"style_weight": beta, "step": step, "image": res.snapshots[k][1],
                "content_cost": res.costs["content"][step], "style_cost": res.costs["style"][step],
                "costs": res.costs}

    def draw(self, result: dict[str, Any]) -> str:
        self._img.set_data(result["image"])
        self._title.set_text(f"generated, step {result['step']}")
        for key, line in self._lines.items():
            values = np.maximum(result["costs"][key], 1e-30)
            line.set_data(np.arange(len(values)), values)
        self._now.set_xdata([result["step"], result["step"]])
        start = result["costs"]["style"][0]
        fall = start / result["style_cost"] if result["style_cost"] > 0 else float("inf")
        return (f"β = {result['style_weight']:.0e}, step {result['step']}: content cost "
                f"{result['content_cost']:.3g}, style cost {result['style_cost']:.3g} "
                f"({fall:.1f}x below the start)")


def style_weight_explorer(grid: dict) -> StyleWeightExplorer:
    """Browse a precomputed grid of style transfers (from ``style_weight_grid``)."""
    return StyleWeightExplorer(grid)


@register_bench("style_weight")
def _bench_style() -> StyleWeightExplorer:
    from ..data import load_photo
    from ..nets.pretrained import load_imagenet_net
    from ..style import make_painting, style_weight_grid

    grid = style_weight_grid(load_photo("chelsea"), make_painting(128), net=load_imagenet_net(),
                             style_weights=[1e3, 1e4, 1e5], steps=10, max_side=96,
                             snapshot_every=5)
    return style_weight_explorer(grid)
