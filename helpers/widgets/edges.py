"""Explorers for chapters/03_edges.ipynb: image gradients, and Canny stage by stage."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Patch

from .. import color, edges
from .._validation import check_choice, check_float, check_image, check_int
from ..data import load_photo
from ..filters import gaussian_blur
from ..image import as_float_image
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = ["CannyExplorer", "GradientExplorer", "canny_explorer", "gradient_explorer"]

# Panels are shown near 1:1 so that one-pixel edges stay visible; this bounds the work.
_MAX_SIDE = 256
# Fixed colour scales, in gray levels per pixel of a uint8 image, so that panels compare across
# settings (smoothing visibly weakens the gradient) and the colour bars never change.
_DERIVATIVE_SCALE = 300.0
_MAGNITUDE_SCALE = 400.0
_CANNY_SCALE = 600.0
# Colours of the double-threshold panel: rejected, weak, strong.
_WEAK_RGB = np.array([1.0, 0.55, 0.0])
_STRONG_RGB = np.array([1.0, 1.0, 1.0])
_EDGE_RGB = (1.0, 0.1, 0.1)
# Slider labels in one column of one width: no ragged wrapping.
_LABEL = {"description_width": "300px"}


def _row() -> W.Layout:
    return W.Layout(width="620px")


def _gray_uint8(image: Any, name: str) -> np.ndarray:
    image = check_image(image, name, ndim=2, fix="convert with to_gray() first")
    return downscale(color.as_uint8_image(image), _MAX_SIDE)


def _blur_size(sigma: float) -> int:
    """The Gaussian kernel side for ``sigma``: 2 ceil(3 sigma) + 1 (1 = no smoothing)."""
    return 1 if sigma <= 0 else 2 * int(np.ceil(3 * sigma)) + 1


class CannyExplorer(Explorer):
    """Canny's thresholds, smoothing sigma and norm, every stage drawn and its pixels counted."""

    figsize = (9.2, 6.3)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, low: int, high: int, sigma: float) -> None:
        self._init = (check_int(low, "low", min=0, max=600),
                      check_int(high, "high", min=0, max=1200),
                      check_float(sigma, "sigma", min=0, max=4))
        self.gray = _gray_uint8(gray, "gray")
        super().__init__()

    def _build(self) -> None:
        low, high, sigma = self._init
        self.controls = {
            "low": W.IntSlider(value=low, min=0, max=600, step=5, style=_LABEL, layout=_row(),
                               description="low threshold (weak edge above it)"),
            "high": W.IntSlider(value=high, min=0, max=1200, step=5, style=_LABEL,
                                layout=_row(), description="high threshold (strong edge above it)"),
            "sigma": W.FloatSlider(value=sigma, min=0.0, max=4.0, step=0.1, style=_LABEL,
                                   layout=_row(),
                                   description="Gaussian sigma in pixels (0 = no smoothing)"),
            "norm": W.ToggleButtons(options=["L1", "L2"], value="L1", style=_LABEL,
                                    description="gradient norm: L1 |gx|+|gy|, L2 sqrt(gx²+gy²)"),
        }
        axes = self.figure.subplots(2, 3)
        blank = np.zeros(self.gray.shape)
        near = {"interpolation": "nearest"}  # panels are shown about 1:1
        scale = {"cmap": "magma", "vmin": 0, "vmax": _CANNY_SCALE, **near}
        self._ims = {
            "smoothed": axes[0, 0].imshow(blank, cmap="gray", vmin=0, vmax=255, **near),
            "magnitude": axes[0, 1].imshow(blank, **scale),
            "thinned": axes[0, 2].imshow(blank, **scale),
            "classes": axes[1, 0].imshow(np.zeros((*self.gray.shape, 3)), **near),
            "edges": axes[1, 1].imshow(blank, cmap="gray", vmin=0, vmax=1, **near),
            "overlay": axes[1, 2].imshow(np.zeros((*self.gray.shape, 3)), **near),
        }
        titles = ["1. smoothed", "2. gradient magnitude", "3. after non-max suppression",
                  "4. double threshold", "5. after hysteresis: edges", "edges (red) on the image"]
        for ax, title in zip(axes.ravel(), titles, strict=True):
            ax.set_title(title)
            ax.set_axis_off()
        bar = self.figure.colorbar(self._ims["thinned"], ax=axes[0, 1:], fraction=0.05, pad=0.02,
                                   label="magnitude (gray levels / pixel)")
        # The two thresholds, marked on the magnitude's colour bar (above 600: off the bar).
        self._low_line = bar.ax.axhline(low, color="deepskyblue", lw=2.5)
        self._high_line = bar.ax.axhline(high, color="lime", lw=2.5)
        bar.ax.legend([self._low_line, self._high_line], ["low", "high"], fontsize=8,
                      loc="upper left", bbox_to_anchor=(-1.2, -0.02), frameon=False)
        axes[1, 0].legend(handles=[Patch(color=_STRONG_RGB, ec="0.5", label="strong"),
                                   Patch(color=_WEAK_RGB, label="weak"),
                                   Patch(color="black", label="rejected")],
                          loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=9,
                          frameon=False)
        # Titles stay fixed (text is the costliest thing to redraw); counts go in the readout.
        self.dynamic = [*self._ims.values(), self._low_line, self._high_line]

    def _layout_controls(self) -> W.Widget:
        return W.VBox(list(self.controls.values()))

    def compute(self) -> dict[str, Any]:
        v = self.values()
        stages = edges.canny_stages(self.gray, v["low"], v["high"],
                                    blur_size=_blur_size(v["sigma"]),
                                    sigma=v["sigma"] if v["sigma"] > 0 else None,
                                    l2_gradient=v["norm"] == "L2")
        return {"stages": stages, "counts": stages.counts(), "blur_size": _blur_size(v["sigma"]),
                **v}

    def draw(self, result: dict[str, Any]) -> str:
        s, c = result["stages"], result["counts"]
        self._ims["smoothed"].set_data(s.smoothed)
        self._ims["magnitude"].set_data(s.magnitude)
        self._ims["thinned"].set_data(s.thinned)
        classes = np.zeros((*s.strong.shape, 3))
        classes[s.weak] = _WEAK_RGB
        classes[s.strong] = _STRONG_RGB
        self._ims["classes"].set_data(classes)
        self._ims["edges"].set_data(s.edges)
        overlay = np.repeat(as_float_image(self.gray)[..., None] * 0.6, 3, axis=2)
        overlay[s.edges] = _EDGE_RGB
        self._ims["overlay"].set_data(overlay)
        self._low_line.set_ydata([result["low"], result["low"]])
        self._high_line.set_ydata([result["high"], result["high"]])
        size = result["blur_size"]
        blur = ("no smoothing" if size == 1 else
                f"Gaussian sigma {result['sigma']:.1f} ({size}x{size} kernel)")
        return (
            f"low = {result['low']}, high = {result['high']}, {result['norm']} norm, {blur}: "
            f"of {c['pixels']:,} pixels, {c['above low']:,} have a gradient above low; "
            f"non-max suppression keeps {c['after NMS']:,} of them: "
            f"{c['strong']:,} strong (m &gt; {result['high']}) and {c['weak']:,} weak "
            f"({result['low']} &lt; m &le; {result['high']}); hysteresis keeps "
            f"{c['weak kept']:,} of the weak: <b>{c['edges']:,} edge pixels</b>."
        )

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        # Valid settings only (low <= high), so every timed update computes and draws.
        n = check_int(n, "n", min=0, max=10_000)
        cycle = [("low", 30), ("high", 200), ("sigma", 0.6), ("low", 80), ("norm", "L2"),
                 ("high", 300), ("sigma", 2.0), ("low", 20), ("norm", "L1"), ("high", 120)]
        return [cycle[i % len(cycle)] for i in range(n)]


def _direction_key(size: int = 121) -> np.ndarray:
    """A ring coloured by gradient direction, with y pointing down as in the image."""
    y, x = np.mgrid[-1:1:size * 1j, -1:1:size * 1j]  # first row is the top: y grows downwards
    radius = np.hypot(x, y)
    hue = colormaps["twilight_shifted"]((np.arctan2(y, x) + np.pi) / (2 * np.pi))
    hue[..., 3] = (radius <= 1) & (radius >= 0.45)
    return hue


class GradientExplorer(Explorer):
    """Sobel or Prewitt derivatives, their magnitude and direction, after optional smoothing."""

    figsize = (10.5, 6.8)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, operator: str, blur_size: int) -> None:
        self._init = (check_choice(operator, "operator", ("sobel", "prewitt")),
                      check_int(blur_size, "blur_size", min=1, max=11, odd=True))
        self.gray = _gray_uint8(gray, "gray").astype(np.float32)
        super().__init__()

    def _build(self) -> None:
        operator, blur_size = self._init
        self.controls = {
            "operator": W.ToggleButtons(options=["sobel", "prewitt"], value=operator,
                                        style=_LABEL, description="derivative kernels"),
            "blur_size": W.IntSlider(value=blur_size, min=1, max=11, step=2, style=_LABEL,
                                     layout=_row(),
                                     description="Gaussian blur first: kernel size (1 = none)"),
        }
        axes = self.figure.subplots(2, 3)
        blank = np.zeros(self.gray.shape)
        near = {"interpolation": "nearest"}
        signed = {"cmap": "RdBu_r", "vmin": -_DERIVATIVE_SCALE, "vmax": _DERIVATIVE_SCALE, **near}
        self._ims = {
            "image": axes[0, 0].imshow(blank, cmap="gray", vmin=0, vmax=255, **near),
            # Diverging maps centred on 0: red where the derivative is positive.
            "gx": axes[0, 1].imshow(blank, **signed),
            "gy": axes[0, 2].imshow(blank, **signed),
            "magnitude": axes[1, 0].imshow(blank, cmap="gray", vmin=0, vmax=_MAGNITUDE_SCALE,
                                           **near),
            "direction": axes[1, 1].imshow(np.zeros((*self.gray.shape, 3)), **near),
        }
        titles = ["image (smoothed)", "gx (red: brighter to the right)",
                  "gy (red: brighter downwards)", "magnitude sqrt(gx² + gy²)",
                  "direction (colour) x magnitude"]
        for ax, title in zip(axes.ravel(), titles, strict=False):
            ax.set_title(title)
        bars = {"orientation": "horizontal", "fraction": 0.07, "pad": 0.03}
        self.figure.colorbar(self._ims["gy"], ax=axes[0, 1:], shrink=0.6,
                             label="derivative (gray levels / pixel)", **bars)
        self.figure.colorbar(self._ims["magnitude"], ax=axes[1, 0:2], shrink=0.6,
                             label="magnitude (gray levels / pixel); the direction panel's "
                             "brightness", **bars)
        key = axes[1, 2]
        key.imshow(_direction_key(), extent=(-1, 1, 1, -1))
        for angle, text in ((0, "0°\n→"), (90, "↓\n90°"), (180, "180°\n←"), (-90, "-90°\n↑")):
            rad = np.radians(angle)
            key.text(1.35 * np.cos(rad), 1.35 * np.sin(rad), text, ha="center", va="center",
                     fontsize=9)
        key.set_xlim(-1.7, 1.7)
        key.set_ylim(1.7, -1.7)
        key.set_title("direction key (y points down)")
        for ax in axes.ravel():
            ax.set_axis_off()
        self.dynamic = list(self._ims.values())

    def _layout_controls(self) -> W.Widget:
        return W.VBox(list(self.controls.values()))

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
        for name in ("image", "gx", "gy", "magnitude"):
            self._ims[name].set_data(result[name])
        # Hue = direction (cyclic colour map), brightness = magnitude: flat areas stay dark.
        hue = colormaps["twilight_shifted"]((result["direction"] + 180.0) / 360.0)[..., :3]
        self._ims["direction"].set_data(hue * np.clip(m / _MAGNITUDE_SCALE, 0, 1)[..., None])
        name = result["operator"].capitalize()
        size = result["blur_size"]
        blur = "" if size == 1 else f", smoothed {size}x{size}"
        strong = m > 100
        return (
            f"{name}{blur}: gx in [{result['gx'].min():.0f}, {result['gx'].max():.0f}], "
            f"gy in [{result['gy'].min():.0f}, {result['gy'].max():.0f}], largest magnitude "
            f"{m.max():.0f} gray levels per pixel; {int(strong.sum()):,} of {m.size:,} pixels "
            f"have a magnitude above 100."
        )


def canny_explorer(
    gray: np.ndarray, low: int = 50, high: int = 150, *, sigma: float = 1.1
) -> CannyExplorer:
    """Canny with live thresholds, smoothing sigma and norm, every stage shown (not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray image (uint8, or float in [0, 1]); downscaled to at most 256 pixels a side.
    low, high : int
        Initial thresholds (0-600 and 0-1200, steps of 5), on the uint8 gradient scale.
    sigma : float
        Initial standard deviation of the Gaussian smoothing, 0-4 pixels (0 = none); the kernel
        side is ``2 ceil(3 sigma) + 1``. OpenCV's 5x5 default has sigma 1.1.
    """
    return CannyExplorer(gray, low, high, sigma)


def gradient_explorer(
    gray: np.ndarray, *, operator: str = "sobel", blur_size: int = 1
) -> GradientExplorer:
    """Sobel/Prewitt derivatives, magnitude and direction (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray image (uint8, or float in [0, 1]); downscaled to at most 256 pixels a side.
    operator : {"sobel", "prewitt"}
    blur_size : int
        Initial odd Gaussian size (1-11; 1 = no smoothing).
    """
    return GradientExplorer(gray, operator, blur_size)


@register_bench("canny")
def _bench_canny() -> CannyExplorer:
    return canny_explorer(load_photo("camera"))


@register_bench("gradient")
def _bench_gradient() -> GradientExplorer:
    return gradient_explorer(load_photo("coins"))
