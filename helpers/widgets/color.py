"""Explorers for chapters/01_pixels.ipynb: hue bands on the HSV channels, and thresholds."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.patches import Wedge

from .. import color
from .._validation import check_float, check_image, check_int
from ..data import load_photo
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = ["ColorExplorer", "ThresholdExplorer", "color_explorer", "threshold_explorer"]

# Every slider the same width, its label in full in a fixed column: no ragged wrapping.
_LABEL = {"description_width": "330px"}


def _row() -> W.Layout:
    return W.Layout(width="640px")


def _column(controls: dict[str, W.Widget]) -> W.Widget:
    return W.VBox(list(controls.values()))


class ThresholdExplorer(Explorer):
    """A threshold slider over a gray photo: the histogram, the cut, and the binary result."""

    figsize = (10.0, 3.4)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, t: int = 128) -> None:
        self.gray = downscale(color.as_uint8_image(check_image(gray, "gray", ndim=2)))
        self._t0 = check_int(t, "t", min=0, max=255)
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "threshold": W.IntSlider(value=self._t0, min=0, max=255,
                                     description="threshold t (pixels brighter than t turn white)",
                                     continuous_update=True, style=_LABEL, layout=_row()),
        }
        ax_img, ax_hist, ax_bin = self.figure.subplots(1, 3, width_ratios=[1, 1.25, 1])
        ax_img.imshow(self.gray, cmap="gray", vmin=0, vmax=255)
        ax_img.set_title("gray image (uint8)")
        counts, _ = color.histogram(self.gray)
        ax_hist.stairs(counts, np.arange(257), fill=True, color="0.45")  # one artist: fast
        ax_hist.set_title("histogram: pixels per gray level")
        ax_hist.set_xlabel("gray level")
        ax_hist.set_ylabel("pixels")
        ax_hist.set_xlim(0, 256)
        self._white = ax_hist.axvspan(self._t0 + 1, 256, color="gold", alpha=0.35,
                                      label="turn white (> t)")
        self._line = ax_hist.axvline(self._t0, color="tab:red", label="threshold t")
        legend = ax_hist.legend(loc="upper center", fontsize=9, framealpha=0.9)
        self._bin = ax_bin.imshow(np.zeros(self.gray.shape, bool), cmap="gray", vmin=0, vmax=1)
        self._bin_title = ax_bin.set_title("")
        # The legend is redrawn last, so that the moving band never hides it.
        self.dynamic = [self._white, self._line, legend, self._bin, self._bin_title]
        for ax in (ax_img, ax_bin):
            ax.set_axis_off()

    def _layout_controls(self) -> W.Widget:
        return _column(self.controls)

    def compute(self) -> dict[str, Any]:
        t = self.controls["threshold"].value
        binary = color.threshold(self.gray, t)
        return {"threshold": t, "binary": binary, "white_fraction": float(binary.mean())}

    def draw(self, result: dict[str, Any]) -> str:
        t = result["threshold"]
        self._bin.set_data(result["binary"])
        self._line.set_xdata([t, t])
        self._white.set_x(t + 1)
        self._white.set_width(255 - t)
        self._bin_title.set_text(f"binary: white where gray > {t}")
        n = result["binary"].size
        white = int(result["binary"].sum())
        return (f"t = {t}: {white:,} of {n:,} pixels ({result['white_fraction']:.1%}) are "
                f"brighter than t and turn white; the other {n - white:,} turn black.")


def _hs_disc(size: int = 161) -> np.ndarray:
    """RGBA picture of the hue-saturation disc at V = 1: angle = hue, radius = saturation."""
    y, x = np.mgrid[1:-1:size * 1j, -1:1:size * 1j]  # first row is the top (y = +1)
    radius = np.hypot(x, y)
    hue = np.degrees(np.arctan2(y, x)) % 360  # counter-clockwise from +x, as on colour wheels
    hsv = np.stack([hue, np.clip(radius, 0, 1), np.ones_like(hue)], axis=-1).astype(np.float32)
    rgba = np.ones((size, size, 4))
    rgba[..., :3] = color.hsv_to_rgb(hsv)
    rgba[..., 3] = radius <= 1
    return rgba


class ColorExplorer(Explorer):
    """The H, S and V channels of a photo, and the pixels a hue band selects.

    The band is drawn on the hue-saturation disc (angle = hue, distance from the centre =
    saturation): the pixels selected are those whose (H, S) falls inside the outlined ring
    sector, and whose V is high enough.
    """

    figsize = (10.5, 5.4)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, rgb: np.ndarray, hue: int = 30, width: int = 20,
                 min_saturation: float = 0.3, min_value: float = 0.0) -> None:
        rgb = check_image(rgb, "rgb", ndim=3)
        self._init = (check_int(hue, "hue", min=0, max=359), check_int(width, "width", min=0,
                                                                      max=180),
                      check_float(min_saturation, "min_saturation", min=0, max=1),
                      check_float(min_value, "min_value", min=0, max=1))
        self.rgb = downscale(color.as_uint8_image(rgb), 300)
        self.hsv = color.rgb_to_hsv(self.rgb)
        self._dimmed = (color.to_gray(self.rgb)[..., None].repeat(3, axis=2) // 3).astype(np.uint8)
        super().__init__()

    def _build(self) -> None:
        hue, width, min_s, min_v = self._init
        self.controls = {
            "hue": W.IntSlider(value=hue, min=0, max=359, description="hue at the centre of "
                               "the band (degrees, 0 = red)", style=_LABEL, layout=_row()),
            "width": W.IntSlider(value=width, min=0, max=180, description="half-width of the "
                                 "band (degrees either side)", style=_LABEL, layout=_row()),
            "min_saturation": W.FloatSlider(value=min_s, min=0.0, max=1.0, step=0.05,
                                            description="minimum saturation S (grays have no "
                                            "real hue)", style=_LABEL, layout=_row()),
            "min_value": W.FloatSlider(value=min_v, min=0.0, max=1.0, step=0.05,
                                       description="minimum value V (near-black has no real "
                                       "hue)", style=_LABEL, layout=_row()),
        }
        grid = self.figure.subplots(2, 3, height_ratios=[0.82, 1])
        (ax_photo, ax_sel, ax_disc), (ax_h, ax_s, ax_v) = grid
        ax_photo.imshow(self.rgb)
        ax_photo.set_title("photo")
        self._selected = ax_sel.imshow(self.rgb, interpolation="nearest")
        ax_sel.set_title("selected (in colour)")
        ax_disc.imshow(_hs_disc(), extent=(-1, 1, -1, 1))
        for angle in (0, 60, 120, 180, 240, 300):
            rad = np.radians(angle)
            ax_disc.text(1.2 * np.cos(rad), 1.2 * np.sin(rad), f"{angle}°", ha="center",
                         va="center", fontsize=9)
        self._wedge = Wedge((0, 0), 1.0, 0, 30, width=0.7, fill=False, lw=2.5, ec="black")
        ax_disc.add_patch(self._wedge)
        ax_disc.set_xlim(-1.4, 1.4)
        ax_disc.set_ylim(-1.4, 1.4)
        ax_disc.set_title("the band: hue = angle, S = radius")
        channels = [
            (ax_h, self.hsv[..., 0], "hsv", 360, "H, hue (degrees)"),
            (ax_s, self.hsv[..., 1], "gray", 1, "S, saturation (0 = gray)"),
            (ax_v, self.hsv[..., 2], "gray", 1, "V, value = max(R, G, B)"),
        ]
        for ax, channel, cmap, top, title in channels:
            im = ax.imshow(channel, cmap=cmap, vmin=0, vmax=top, interpolation="nearest")
            ax.set_title(title)
            bar = self.figure.colorbar(im, ax=ax, orientation="horizontal", fraction=0.08,
                                       pad=0.04)
            if top == 360:
                bar.set_ticks([0, 60, 120, 180, 240, 300, 360])
        for ax in grid.ravel():
            ax.set_axis_off()
        self.dynamic = [self._selected, self._wedge]

    def _layout_controls(self) -> W.Widget:
        return _column(self.controls)

    def compute(self) -> dict[str, Any]:
        v = self.values()
        mask = color.hue_mask(self.hsv, v["hue"], v["width"], min_saturation=v["min_saturation"],
                              min_value=v["min_value"])
        return {"mask": mask, "selected_fraction": float(mask.mean()), **v}

    def draw(self, result: dict[str, Any]) -> str:
        self._selected.set_data(np.where(result["mask"][..., None], self.rgb, self._dimmed))
        hue, width, min_s = result["hue"], result["width"], result["min_saturation"]
        self._wedge.set_theta1(hue - width)
        self._wedge.set_theta2(hue + width)
        self._wedge.set_width(max(1.0 - min_s, 1e-3))
        lo, hi = (hue - width) % 360, (hue + width) % 360
        if width >= 180:
            band = "the whole hue circle"
        elif lo > hi:
            band = f"from {lo}° up to 359° and on from 0° to {hi}° (the band wraps around red)"
        else:
            band = f"from {lo}° to {hi}°"
        return (f"hue {band}, saturation &ge; {min_s:.2f}, value &ge; "
                f"{result['min_value']:.2f}: <b>{result['selected_fraction']:.1%}</b> of the "
                f"pixels are selected.")


def threshold_explorer(gray: np.ndarray, t: int = 128) -> ThresholdExplorer:
    """A live threshold slider on a gray image (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        uint8, or float in [0, 1] (shown as uint8); downscaled to at most 256 px a side.
    t : int
        The starting threshold, 0-255.
    """
    return ThresholdExplorer(gray, t)


def color_explorer(rgb: np.ndarray, hue: int = 30, width: int = 20, *,
                   min_saturation: float = 0.3, min_value: float = 0.0) -> ColorExplorer:
    """HSV channels and a hue band selecting pixels of an RGB photo (returned, not displayed).

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        uint8, or float in [0, 1]; downscaled to at most 300 px a side.
    hue : int
        Starting centre of the band, 0-359 degrees.
    width : int
        Starting half-width of the band, 0-180 degrees.
    min_saturation, min_value : float
        Starting lower limits on S and V, in [0, 1].
    """
    return ColorExplorer(rgb, hue, width, min_saturation, min_value)


@register_bench("threshold")
def _bench_threshold() -> ThresholdExplorer:
    return threshold_explorer(load_photo("camera"))


@register_bench("color_hsv")
def _bench_color() -> ColorExplorer:
    return color_explorer(load_photo("coffee"))
