"""Explorers for chapters/03_edges.ipynb: image gradients, and Canny stage by stage."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib import colormaps

from .. import color, edges
from .._validation import check_choice, check_image, check_int
from ..data import load_photo
from ..filters import gaussian_blur
from ..image import as_float_image
from ._base import Explorer, downscale, register_bench

__all__ = ["CannyExplorer", "GradientExplorer", "canny_explorer", "gradient_explorer"]

_STYLE = {"description_width": "initial"}
# Panels are shown near 1:1 so that one-pixel edges stay visible; this bounds the work.
_MAX_SIDE = 200
# Colours of the double-threshold panel: rejected, weak, strong.
_WEAK_RGB = np.array([1.0, 0.55, 0.0])
_STRONG_RGB = np.array([1.0, 1.0, 1.0])


def _gray_uint8(image: Any, name: str) -> np.ndarray:
    image = check_image(image, name, ndim=2, fix="convert with to_gray() first")
    return downscale(color.as_uint8_image(image), _MAX_SIDE)


class CannyExplorer(Explorer):
    """Canny's thresholds, smoothing and norm, with every stage drawn and its pixels counted."""

    figsize = (7.2, 5.0)

    def __init__(self, gray: np.ndarray, low: int, high: int, blur_size: int) -> None:
        self.gray = _gray_uint8(gray, "gray")
        self._init = (check_int(low, "low", min=0, max=600),
                      check_int(high, "high", min=0, max=1200),
                      check_int(blur_size, "blur_size", min=1, max=11, odd=True))
        super().__init__()

    def _build(self) -> None:
        low, high, blur_size = self._init
        self.controls = {
            "low": W.IntSlider(value=low, min=0, max=600, step=5, description="low", style=_STYLE),
            "high": W.IntSlider(value=high, min=0, max=1200, step=5, description="high",
                                style=_STYLE),
            "blur_size": W.IntSlider(value=blur_size, min=1, max=11, step=2,
                                     description="blur size (1 = none)", style=_STYLE),
            "norm": W.ToggleButtons(options=["L1", "L2"], value="L1", description="magnitude"),
        }
        axes = self.figure.subplots(2, 3)
        blank = np.zeros(self.gray.shape)
        near = {"interpolation": "nearest"}  # panels are shown about 1:1
        self._ims = {
            "smoothed": axes[0, 0].imshow(blank, cmap="gray", vmin=0, vmax=255, **near),
            "magnitude": axes[0, 1].imshow(blank, cmap="magma", vmin=0, vmax=1, **near),
            "thinned": axes[0, 2].imshow(blank, cmap="magma", vmin=0, vmax=1, **near),
            "classes": axes[1, 0].imshow(np.zeros((*self.gray.shape, 3)), interpolation="nearest"),
            "edges": axes[1, 1].imshow(blank, cmap="gray", vmin=0, vmax=1, interpolation="nearest"),
            "overlay": axes[1, 2].imshow(np.zeros((*self.gray.shape, 3)), interpolation="nearest"),
        }
        titles = ["1. smoothed", "2. gradient magnitude", "3. after non-max suppression",
                  "4. strong (white) / weak (orange)", "5. after hysteresis", "edges on the image"]
        for ax, title in zip(axes.ravel(), titles, strict=True):
            ax.set_title(title, fontsize=9)
            ax.set_axis_off()
        # Titles stay fixed (redrawing text costs more than an image); counts go in the readout.
        self.dynamic = list(self._ims.values())

    def compute(self) -> dict[str, Any]:
        v = self.values()
        stages = edges.canny_stages(self.gray, v["low"], v["high"], blur_size=v["blur_size"],
                                    l2_gradient=v["norm"] == "L2")
        return {"stages": stages, "counts": stages.counts(), **v}

    def draw(self, result: dict[str, Any]) -> str:
        s, c = result["stages"], result["counts"]
        # One gray scale for magnitude and NMS, so the two panels can be compared.
        top = max(float(np.percentile(s.magnitude, 99.5)), 1.0)
        self._ims["smoothed"].set_data(s.smoothed)
        self._ims["magnitude"].set_data(s.magnitude / top)
        self._ims["thinned"].set_data(s.thinned / top)
        classes = np.zeros((*s.strong.shape, 3))
        classes[s.weak] = _WEAK_RGB
        classes[s.strong] = _STRONG_RGB
        self._ims["classes"].set_data(classes)
        self._ims["edges"].set_data(s.edges)
        overlay = np.repeat(as_float_image(self.gray)[..., None] * 0.6, 3, axis=2)
        overlay[s.edges] = (1.0, 0.1, 0.1)
        self._ims["overlay"].set_data(overlay)
        size = result["blur_size"]
        blur = "no smoothing" if size == 1 else f"Gaussian {size}x{size}"
        return (
            f"low = {result['low']}, high = {result['high']}, {result['norm']} norm, {blur}: "
            f"of {c['pixels']:,} pixels, {c['above low']:,} have a gradient above low; "
            f"non-max suppression keeps {c['after NMS']:,} of them: "
            f"{c['strong']:,} strong (m &gt; {result['high']}) and {c['weak']:,} weak "
            f"({result['low']} &lt; m &le; {result['high']}); hysteresis keeps "
            f"{c['weak kept']:,} of the weak: <b>{c['edges']:,} edge pixels</b>."
        )

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        # Valid settings only (low <= high), so every timed update computes and draws.
        cycle = [("low", 30), ("high", 200), ("blur_size", 3), ("low", 80), ("norm", "L2"),
                 ("high", 300), ("blur_size", 7), ("low", 20), ("norm", "L1"), ("high", 120)]
        return [cycle[i % len(cycle)] for i in range(n)]


class GradientExplorer(Explorer):
    """Sobel or Prewitt derivatives, and their magnitude or direction, after optional smoothing."""

    figsize = (9.0, 2.6)

    def __init__(self, gray: np.ndarray, operator: str, view: str, blur_size: int) -> None:
        self.gray = _gray_uint8(gray, "gray").astype(np.float32)
        self._init = (check_choice(operator, "operator", ("sobel", "prewitt")),
                      check_choice(view, "view", ("magnitude", "direction")),
                      check_int(blur_size, "blur_size", min=1, max=11, odd=True))
        super().__init__()

    def _build(self) -> None:
        operator, view, blur_size = self._init
        self.controls = {
            "operator": W.ToggleButtons(options=["sobel", "prewitt"], value=operator,
                                        description="operator"),
            "view": W.ToggleButtons(options=["magnitude", "direction"], value=view,
                                    description="show"),
            "blur_size": W.IntSlider(value=blur_size, min=1, max=11, step=2,
                                     description="blur size (1 = none)", style=_STYLE),
        }
        axes = self.figure.subplots(1, 4)
        blank = np.zeros(self.gray.shape)
        near = {"interpolation": "nearest"}
        self._ims = [
            axes[0].imshow(blank, cmap="gray", vmin=0, vmax=255, **near),
            # Diverging maps centred on 0: red where the derivative is positive.
            axes[1].imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1, **near),
            axes[2].imshow(blank, cmap="RdBu_r", vmin=-1, vmax=1, **near),
            axes[3].imshow(np.zeros((*self.gray.shape, 3)), interpolation="nearest"),
        ]
        for ax, title in zip(axes, ["image", "gx (red: brighter to the right)",
                                     "gy (red: brighter downwards)"], strict=False):
            ax.set_title(title, fontsize=9)
        self._last_title = axes[3].set_title("", fontsize=9)
        for ax in axes:
            ax.set_axis_off()
        # Only the last title changes; redrawing text is slower than redrawing an image.
        self.dynamic = [*self._ims, self._last_title]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        image = self.gray if v["blur_size"] == 1 else gaussian_blur(self.gray, v["blur_size"])
        gx, gy = edges.sobel(image) if v["operator"] == "sobel" else edges.prewitt(image)
        magnitude = edges.gradient_magnitude(gx, gy)
        direction = edges.gradient_direction(gx, gy, degrees=True)
        return {"image": image, "gx": gx, "gy": gy, "magnitude": magnitude,
                "direction": direction, **v}

    def draw(self, result: dict[str, Any]) -> str:
        m = result["magnitude"]
        top = max(float(np.percentile(m, 99.5)), 1e-6)
        self._ims[0].set_data(result["image"])
        self._ims[1].set_data(result["gx"] / top)
        self._ims[2].set_data(result["gy"] / top)
        strength = np.clip(m / top, 0, 1)
        if result["view"] == "magnitude":
            panel = np.repeat(strength[..., None], 3, axis=2)
            last = "magnitude sqrt(gx² + gy²)"
        else:
            # Hue = direction (cyclic colour map), brightness = magnitude: flat areas stay dark.
            hue = colormaps["twilight_shifted"]((result["direction"] + 180.0) / 360.0)[..., :3]
            panel = hue * strength[..., None]
            last = "direction atan2(gy, gx)"
        self._ims[3].set_data(panel)
        self._last_title.set_text(last)
        name = result["operator"].capitalize()
        size = result["blur_size"]
        blur = "" if size == 1 else f", smoothed {size}x{size}"
        strong = m > 0.25 * top
        return (
            f"{name}{blur}: gx in [{result['gx'].min():.0f}, {result['gx'].max():.0f}], "
            f"gy in [{result['gy'].min():.0f}, {result['gy'].max():.0f}], largest magnitude "
            f"{m.max():.0f}; {int(strong.sum()):,} of {m.size:,} pixels have a magnitude above "
            f"a quarter of the 99.5th percentile ({0.25 * top:.0f})."
        )


def canny_explorer(
    gray: np.ndarray, low: int = 50, high: int = 150, *, blur_size: int = 5
) -> CannyExplorer:
    """Canny with live thresholds, smoothing and norm, every stage shown (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray image (uint8, or float in [0, 1]); downscaled to at most 200 pixels a side.
    low, high : int
        Initial thresholds (0-600 and 0-1200, steps of 5), on the uint8 gradient scale.
    blur_size : int
        Initial odd Gaussian size (1-11; 1 = no smoothing).
    """
    return CannyExplorer(gray, low, high, blur_size)


def gradient_explorer(
    gray: np.ndarray, *, operator: str = "sobel", view: str = "magnitude", blur_size: int = 1
) -> GradientExplorer:
    """Sobel/Prewitt derivatives with magnitude or direction view (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray image (uint8, or float in [0, 1]); downscaled to at most 200 pixels a side.
    operator : {"sobel", "prewitt"}
    view : {"magnitude", "direction"}
    blur_size : int
        Initial odd Gaussian size (1-11; 1 = no smoothing).
    """
    return GradientExplorer(gray, operator, view, blur_size)


@register_bench("canny")
def _bench_canny() -> CannyExplorer:
    return canny_explorer(load_photo("camera"))


@register_bench("gradient")
def _bench_gradient() -> GradientExplorer:
    return gradient_explorer(load_photo("coins"))

