"""Explorers for chapters/01_pixels.ipynb: colour channels and HSV selection, thresholds."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .. import color
from .._validation import check_float, check_image, check_int
from ..data import load_photo
from ..image import as_float_image
from ._base import Explorer, downscale, register_bench

__all__ = ["ColorExplorer", "ThresholdExplorer", "color_explorer", "threshold_explorer"]


class ThresholdExplorer(Explorer):
    """A threshold slider over a gray photo: the histogram, the cut, and the binary result."""

    figsize = (9.0, 3.0)

    def __init__(self, gray: np.ndarray, t: int = 128) -> None:
        self.gray = downscale(color.as_uint8_image(check_image(gray, "gray", ndim=2)))
        self._t0 = check_int(t, "t", min=0, max=255)
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "threshold": W.IntSlider(value=self._t0, min=0, max=255, description="threshold t",
                                     continuous_update=True,
                                     style={"description_width": "initial"}),
        }
        ax_img, ax_hist, ax_bin = self.figure.subplots(1, 3)
        ax_img.imshow(self.gray, cmap="gray", vmin=0, vmax=255)
        ax_img.set_title("gray image")
        counts, _ = color.histogram(self.gray)
        ax_hist.stairs(counts, np.arange(257), fill=True, color="0.4")  # one artist: fast
        ax_hist.set_title("histogram")
        ax_hist.set_xlabel("gray level")
        self._line = ax_hist.axvline(self._t0, color="tab:red")
        self._bin = ax_bin.imshow(np.zeros(self.gray.shape, bool), cmap="gray", vmin=0, vmax=1)
        self._bin_title = ax_bin.set_title("")
        self.dynamic = [self._bin, self._line, self._bin_title]
        for ax in (ax_img, ax_bin):
            ax.set_axis_off()

    def compute(self) -> dict[str, Any]:
        t = self.controls["threshold"].value
        binary = color.threshold(self.gray, t)
        return {"threshold": t, "binary": binary, "white_fraction": float(binary.mean())}

    def draw(self, result: dict[str, Any]) -> str:
        self._bin.set_data(result["binary"])
        self._line.set_xdata([result["threshold"], result["threshold"]])
        self._bin_title.set_text(f"gray > {result['threshold']}")
        n = result["binary"].size
        white = int(result["binary"].sum())
        return (f"t = {result['threshold']}: {white:,} of {n:,} pixels "
                f"({result['white_fraction']:.1%}) are white")


class ColorExplorer(Explorer):
    """RGB or HSV channels of a photo, and the pixels selected by a hue band."""

    figsize = (10.0, 2.6)

    def __init__(self, rgb: np.ndarray, hue: float = 30, width: float = 20) -> None:
        self.rgb = downscale(color.as_uint8_image(check_image(rgb, "rgb", ndim=3)), 200)
        self.hsv = color.rgb_to_hsv(self.rgb)
        # The sliders hold whole degrees.
        self._init = (round(check_float(hue, "hue", min=0, max=359)),
                      round(check_float(width, "width", min=0, max=180)))
        super().__init__()

    def _build(self) -> None:
        hue, width = self._init
        style = {"description_width": "initial"}
        self.controls = {
            "space": W.ToggleButtons(options=["RGB", "HSV"], value="HSV", description="channels"),
            "hue": W.IntSlider(value=int(hue), min=0, max=359, description="hue (deg)",
                               style=style),
            "width": W.IntSlider(value=int(width), min=0, max=180, description="+/- width",
                                 style=style),
            "min_saturation": W.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05,
                                            description="min S", style=style),
        }
        axes = self.figure.subplots(1, 5)
        axes[0].imshow(self.rgb)
        axes[0].set_title("photo")
        self._channels = [ax.imshow(np.zeros(self.rgb.shape[:2]), cmap="gray", vmin=0, vmax=1)
                          for ax in axes[1:4]]
        self._titles = [ax.set_title("") for ax in axes[1:4]]
        self._mask = axes[4].imshow(self.rgb)
        axes[4].set_title("selected by hue")
        self.dynamic = [*self._channels, *self._titles, self._mask]
        for ax in axes:
            ax.set_axis_off()

    def compute(self) -> dict[str, Any]:
        v = self.values()
        mask = color.hue_mask(self.hsv, v["hue"], v["width"], min_saturation=v["min_saturation"])
        if v["space"] == "RGB":
            rgb = as_float_image(self.rgb, "rgb")
            channels = [rgb[..., i] for i in range(3)]
            names = ["R", "G", "B"]
        else:
            channels = [self.hsv[..., 0] / 360.0, self.hsv[..., 1], self.hsv[..., 2]]
            names = ["H (0-360 deg)", "S", "V"]
        return {"mask": mask, "channels": channels, "names": names,
                "selected_fraction": float(mask.mean())}

    def draw(self, result: dict[str, Any]) -> str:
        for im, title, ch, name in zip(self._channels, self._titles, result["channels"],
                                       result["names"], strict=True):
            im.set_data(ch)
            title.set_text(name)
        # Unselected pixels are shown in gray, selected ones in colour.
        gray = color.to_gray(self.rgb)[..., None].repeat(3, axis=2)
        self._mask.set_data(np.where(result["mask"][..., None], self.rgb, gray // 2))
        v = self.values()
        return (f"hue {v['hue']} +/- {v['width']} deg, saturation >= {v['min_saturation']:.2f}: "
                f"{result['selected_fraction']:.1%} of pixels selected")


def threshold_explorer(gray: np.ndarray, t: int = 128) -> ThresholdExplorer:
    """A live threshold slider on a gray uint8 or float image (returned, not displayed).

    ``t`` is the initial threshold, an integer gray level 0-255.
    """
    return ThresholdExplorer(gray, t)


def color_explorer(rgb: np.ndarray, hue: float = 30, width: float = 20) -> ColorExplorer:
    """RGB/HSV channels and hue-band selection on an RGB photo (returned, not displayed).

    ``hue`` (0-359 degrees) and ``width`` (0-180 degrees) start the sliders, rounded to whole
    degrees.
    """
    return ColorExplorer(rgb, hue, width)


@register_bench("threshold")
def _bench_threshold() -> ThresholdExplorer:
    return threshold_explorer(load_photo("camera"))


@register_bench("color_hsv")
def _bench_color() -> ColorExplorer:
    return color_explorer(load_photo("coffee"))
