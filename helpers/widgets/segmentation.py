"""Explorers for chapters/06_segmentation.ipynb: thresholds and Otsu's criterion, region growing
from a seed, and k-means on the colours of a photo."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.patches import Patch

from .. import segmentation
from .._validation import check_choice, check_float, check_image, check_int
from ..data import load_photo
from ..image import as_uint8_image
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = [
    "AdaptiveThresholdExplorer",
    "KMeansExplorer",
    "OtsuExplorer",
    "RegionGrowingExplorer",
    "adaptive_threshold_explorer",
    "kmeans_explorer",
    "otsu_explorer",
    "region_growing_explorer",
]

_STYLE = {"description_width": "initial"}
_NEAREST = {"interpolation": "nearest"}  # panels are shown about 1:1; nearest is fastest


def _gray_uint8(image: Any, name: str, max_side: int = 256) -> np.ndarray:
    image = check_image(image, name, ndim=2, fix="use load_photo(name, gray=True)")
    return downscale(as_uint8_image(image, name), max_side)


def _hide_axes(*axes: Any) -> None:
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


# -- 1. thresholds: global and Otsu ---------------------------------------------------------------
class OtsuExplorer(Explorer):
    """A gray photo, its histogram with Otsu's between-class variance, and the binary result.

    ``threshold chosen`` is either "by hand" (the slider) or "Otsu": choosing Otsu moves the
    slider to Otsu's threshold, and moving the slider switches back to "by hand", so every control
    always changes what is shown.
    """

    figsize = (10.0, 3.4)
    METHODS = ("by hand", "Otsu")

    def __init__(self, gray: np.ndarray, threshold: int) -> None:
        self.gray = _gray_uint8(gray, "gray")
        self.counts = np.bincount(self.gray.ravel(), minlength=256)
        self.sigma_b = segmentation.otsu_between_class_variance(self.counts)
        self.otsu_t = segmentation.threshold_otsu(self.gray)
        self._t0 = check_int(threshold, "threshold", min=0, max=255)
        self._syncing = False  # True while the explorer moves its own controls: one update
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "threshold": W.IntSlider(value=self._t0, min=0, max=255, description="threshold t",
                                     style=_STYLE),
            "method": W.ToggleButtons(options=list(self.METHODS), value="by hand",
                                      description="threshold chosen", style=_STYLE),
        }
        ax_img, ax_hist, ax_bin = self.figure.subplots(1, 3, width_ratios=[1, 1.25, 1])
        ax_img.imshow(self.gray, cmap="gray", vmin=0, vmax=255)
        ax_img.set_title("gray photo")
        top = float(self.counts.max())
        ax_hist.stairs(self.counts, np.arange(257), fill=True, color="0.65", label="histogram")
        scaled = self.sigma_b / max(float(self.sigma_b.max()), 1e-12) * top
        ax_hist.plot(np.arange(256) + 0.5, scaled, color="tab:blue", lw=1.5,
                     label="between-class variance (scaled)")
        ax_hist.plot([self.otsu_t + 0.5], [top], "v", color="tab:blue", ms=8,
                     label=f"Otsu's maximum, t = {self.otsu_t}")
        self._line = ax_hist.axvline(self._t0, color="tab:red", lw=1.5, label="threshold used")
        ax_hist.set_xlim(0, 256)
        ax_hist.set_ylim(0, top * 1.15)
        ax_hist.set_xlabel("gray level")
        ax_hist.set_ylabel("pixels")
        ax_hist.legend(loc="upper left", fontsize=7, framealpha=0.85)
        self._bin = ax_bin.imshow(np.zeros(self.gray.shape, np.uint8), cmap="gray", vmin=0,
                                  vmax=1, **_NEAREST)
        self._bin_title = ax_bin.set_title("")
        _hide_axes(ax_img, ax_bin)
        self.dynamic = [self._line, self._bin, self._bin_title]

    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            if change["owner"] is self.controls["method"] and change["new"] == "Otsu":
                self.controls["threshold"].value = self.otsu_t
            elif change["owner"] is self.controls["threshold"]:
                self.controls["method"].value = "by hand"
        finally:
            self._syncing = False
        self._request_update(change)

    def compute(self) -> dict[str, Any]:
        method = self.controls["method"].value
        t = self.otsu_t if method == "Otsu" else self.controls["threshold"].value
        return {"method": method, "threshold": t, "binary": self.gray > t,
                "sigma_b": float(self.sigma_b[t]), "sigma_b_max": float(self.sigma_b.max())}

    def draw(self, result: dict[str, Any]) -> str:
        t = result["threshold"]
        self._bin.set_data(result["binary"].view(np.uint8))
        self._line.set_xdata([t + 0.5, t + 0.5])
        self._bin_title.set_text(f"gray > {t}")
        share = result["sigma_b"] / max(result["sigma_b_max"], 1e-12)
        white = float(result["binary"].mean())
        return (f"{result['method']}: t = {t}; the between-class variance at t is {share:.1%} of "
                f"its maximum (Otsu's t = {self.otsu_t}); {white:.1%} of the pixels are white.")

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        plan = [("threshold", 60), ("threshold", 180), ("method", "Otsu"), ("threshold", 90),
                ("threshold", 140), ("method", "Otsu"), ("threshold", 30)]
        return [plan[i % len(plan)] for i in range(n)]


def otsu_explorer(gray: np.ndarray, *, threshold: int = 128) -> OtsuExplorer:
    """A threshold by hand or by Otsu's criterion on a gray photo (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray photo, uint8 or float in [0, 1]; shown at most 256 px a side.
    threshold : int
        Starting threshold, 0-255.
    """
    return OtsuExplorer(gray, threshold)


class AdaptiveThresholdExplorer(Explorer):
    """Adaptive thresholds: the local mean (mean or Gaussian) minus C as a threshold surface,
    and the binary result, beside the single global threshold Otsu would pick."""

    figsize = (10.0, 3.0)

    def __init__(self, gray: np.ndarray, block_size: int, c: float) -> None:
        self.gray = _gray_uint8(gray, "gray")
        self._init = (check_int(block_size, "block_size", min=3, max=101, odd=True),
                      check_float(c, "c", min=-30, max=30))
        self.otsu_t = segmentation.threshold_otsu(self.gray)
        super().__init__()

    def _build(self) -> None:
        block, c = self._init
        self.controls = {
            "block_size": W.IntSlider(value=block, min=3, max=101, step=2,
                                      description="block size", style=_STYLE),
            "c": W.FloatSlider(value=c, min=-30, max=30, step=1,
                               description="C, subtracted from the local mean", style=_STYLE,
                               layout=W.Layout(width="380px")),
            "method": W.ToggleButtons(options=["mean", "gaussian"], value="mean",
                                      description="local mean", style=_STYLE),
        }
        ax_otsu, ax_surface, ax_bin = self.figure.subplots(1, 3)
        ax_otsu.imshow((self.gray > self.otsu_t).view(np.uint8), cmap="gray", vmin=0, vmax=1,
                       **_NEAREST)
        ax_otsu.set_title(f"global Otsu: gray > {self.otsu_t}")
        self._surface = ax_surface.imshow(np.zeros(self.gray.shape), cmap="gray", vmin=0,
                                          vmax=255, **_NEAREST)
        self.figure.colorbar(self._surface, ax=ax_surface, fraction=0.046, pad=0.03,
                             label="threshold (gray level)")
        self._surface_title = ax_surface.set_title("")
        self._bin = ax_bin.imshow(np.zeros(self.gray.shape, np.uint8), cmap="gray", vmin=0,
                                  vmax=1, **_NEAREST)
        self._bin_title = ax_bin.set_title("")
        _hide_axes(ax_otsu, ax_surface, ax_bin)
        self.dynamic = [self._surface, self._surface_title, self._bin, self._bin_title]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        mean = segmentation.adaptive_local_mean(self.gray, v["block_size"], v["method"])
        binary = segmentation.adaptive_threshold(self.gray, v["block_size"], v["c"], v["method"])
        return {**v, "surface": mean.astype(np.float64) - v["c"], "binary": binary}

    def draw(self, result: dict[str, Any]) -> str:
        b, c, method = result["block_size"], result["c"], result["method"]
        self._surface.set_data(result["surface"])
        self._surface_title.set_text(f"threshold: local {method} {b}x{b} - {c:g}")
        self._bin.set_data(result["binary"].view(np.uint8))
        self._bin_title.set_text("gray > threshold")
        white = float(result["binary"].mean())
        otsu_white = float(np.mean(self.gray > self.otsu_t))
        return (f"{method} over {b}x{b}, C = {c:g}: {white:.1%} of the pixels are white "
                f"(global Otsu: {otsu_white:.1%}). Each pixel is compared with its own "
                f"neighbourhood's {'mean' if method == 'mean' else 'Gaussian-weighted mean'} "
                f"minus C.")


def adaptive_threshold_explorer(gray: np.ndarray, *, block_size: int = 35,
                                c: float = 10.0) -> AdaptiveThresholdExplorer:
    """Adaptive mean / Gaussian thresholds with live block size and C (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray photo, uint8 or float in [0, 1]; shown at most 256 px a side.
    block_size : int
        Starting odd block size, 3-101.
    c : float
        Starting constant subtracted from the local mean, -30 to 30.
    """
    return AdaptiveThresholdExplorer(gray, block_size, c)


# -- 2. region growing ----------------------------------------------------------------------------
#: Colours of the region-growing panel: dissimilar, similar but not connected, the region.
_REGION_COLOURS = np.array([[0.05, 0.05, 0.05], [0.55, 0.55, 0.55], [1.0, 0.5, 0.0]])
# The same as uint8 RGB: matplotlib draws uint8 images several times faster than float ones.
_REGION_RGB = np.round(_REGION_COLOURS * 255).astype(np.uint8)


class RegionGrowingExplorer(Explorer):
    """Move a seed and a tolerance: the region grown from the seed, and the similar pixels that
    it cannot reach because they are not connected to it."""

    figsize = (9.0, 4.0)

    def __init__(self, gray: np.ndarray, seed: tuple[int, int] | None, tolerance: float,
                 connectivity: int) -> None:
        self.gray = _gray_uint8(gray, "gray", max_side=200)
        h, w = self.gray.shape
        if seed is None:
            seed = (h // 2, w // 2)
        if not (isinstance(seed, (tuple, list)) and len(seed) == 2):
            raise TypeError(f"seed must be a (row, col) pair; got {seed!r}")
        self._init = (check_int(seed[0], "seed[0] (row)", min=0, max=h - 1),
                      check_int(seed[1], "seed[1] (col)", min=0, max=w - 1),
                      check_float(tolerance, "tolerance", min=0, max=128),
                      check_choice(connectivity, "connectivity", (4, 8)))
        self._tinted = np.repeat((self.gray * 0.75).astype(np.uint8)[..., None], 3, axis=2)
        super().__init__()

    def _build(self) -> None:
        row, col, tol, conn = self._init
        h, w = self.gray.shape
        self.controls = {
            "row": W.IntSlider(value=row, min=0, max=h - 1, description="seed row",
                               style=_STYLE),
            "col": W.IntSlider(value=col, min=0, max=w - 1, description="seed column",
                               style=_STYLE),
            "tolerance": W.IntSlider(value=int(tol), min=0, max=128,
                                     description="tolerance |I - I(seed)|", style=_STYLE),
            "connectivity": W.ToggleButtons(options=[4, 8], value=conn,
                                            description="neighbours", style=_STYLE),
        }
        ax_img, ax_map = self.figure.subplots(1, 2)
        self._overlay = ax_img.imshow(self._tinted, **_NEAREST)
        (self._seed,) = ax_img.plot([col], [row], "+", color="cyan", ms=14, mew=2.5)
        self._img_title = ax_img.set_title("")
        self._map = ax_map.imshow(np.zeros((h, w, 3), np.uint8), **_NEAREST)
        ax_map.set_title("which pixels the tolerance admits")
        ax_map.legend(handles=[Patch(color=_REGION_COLOURS[2], label="grown region"),
                               Patch(color=_REGION_COLOURS[1], label="similar, not connected"),
                               Patch(color=_REGION_COLOURS[0], label="too different")],
                      loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=3, fontsize=7,
                      frameon=False)
        _hide_axes(ax_img, ax_map)
        self.dynamic = [self._overlay, self._seed, self._img_title, self._map]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        seed = (v["row"], v["col"])
        labels = segmentation.region_grow(self.gray, seed, v["tolerance"],
                                          connectivity=v["connectivity"])
        region = labels == 1
        value = int(self.gray[seed])
        similar = np.abs(self.gray.astype(np.int16) - value) <= v["tolerance"]
        return {"seed": seed, "seed_value": value, "region": region, "similar": similar,
                "tolerance": v["tolerance"], "connectivity": v["connectivity"]}

    def draw(self, result: dict[str, Any]) -> str:
        region, similar = result["region"], result["similar"]
        shown = self._tinted.copy()
        shown[region] = (0.45 * shown[region] + 0.55 * _REGION_RGB[2]).astype(np.uint8)
        self._overlay.set_data(shown)
        row, col = result["seed"]
        self._seed.set_data([col], [row])
        classes = similar.astype(np.int8) + region.astype(np.int8)
        self._map.set_data(_REGION_RGB[classes])
        n, n_similar = int(region.sum()), int(similar.sum())
        self._img_title.set_text(f"region: {n:,} px ({n / region.size:.1%})")
        value, tol = result["seed_value"], result["tolerance"]
        return (f"seed ({row}, {col}) has gray level {value}; tolerance {tol} admits levels "
                f"{max(0, value - tol)}-{min(255, value + tol)}: {n_similar:,} similar "
                f"pixels, of which {n:,} are connected to the seed through "
                f"{result['connectivity']}-neighbours.")


def region_growing_explorer(gray: np.ndarray, *, seed: tuple[int, int] | None = None,
                            tolerance: float = 20, connectivity: int = 4
                            ) -> RegionGrowingExplorer:
    """Region growing from a seed moved by two sliders (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Gray photo, uint8 or float in [0, 1]; shown (and grown) at most 200 px a side, so
        ``seed`` is in the coordinates of that downscaled image.
    seed : (int, int), optional
        Starting ``(row, col)`` of the seed in the downscaled image; default its centre.
    tolerance : float
        Starting tolerance in gray levels, 0-128.
    connectivity : {4, 8}
    """
    return RegionGrowingExplorer(gray, seed, tolerance, connectivity)


# -- 3. k-means on colours -------------------------------------------------------------------
class KMeansExplorer(Explorer):
    """k, the initialisation and its seed: the photo painted with its k-colour palette.

    The centres are fitted on a fixed random sample of pixels and every pixel is then assigned
    (:func:`helpers.segmentation.kmeans_colors` with ``sample``); results are cached per setting.
    """

    figsize = (9.6, 3.3)
    jpeg_options = PHOTO_JPEG  # photographic panels
    MAX_K = 12

    def __init__(self, rgb: np.ndarray, k: int, sample: int) -> None:
        rgb = check_image(rgb, "rgb", ndim=3, fix="pass an RGB photo, e.g. load_photo('coffee')")
        self.rgb = downscale(as_uint8_image(rgb, "rgb"), 160)
        self._init = check_int(k, "k", min=1, max=self.MAX_K)
        self.sample = check_int(sample, "sample", min=100, max=100_000)
        self._cache: dict[tuple, segmentation.KMeansResult] = {}
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "k": W.IntSlider(value=self._init, min=1, max=self.MAX_K,
                             description="k (number of colours)", style=_STYLE),
            "init": W.ToggleButtons(options=["k-means++", "random"], value="k-means++",
                                    description="initial centres", style=_STYLE),
            "seed": W.IntSlider(value=0, min=0, max=9, description="random seed",
                                style=_STYLE),
        }
        ax_img, ax_out, ax_bar = self.figure.subplots(1, 3, width_ratios=[1, 1, 0.9])
        ax_img.imshow(self.rgb)
        ax_img.set_title("photo")
        self._out = ax_out.imshow(self.rgb, **_NEAREST)
        self._out_title = ax_out.set_title("")
        self._bars = ax_bar.barh(np.arange(self.MAX_K), np.zeros(self.MAX_K), color="0.5",
                                 edgecolor="0.2", linewidth=0.5)
        ax_bar.set_xlim(0, 1)
        ax_bar.set_ylim(self.MAX_K - 0.5, -0.5)
        ax_bar.set_yticks(np.arange(self.MAX_K))
        ax_bar.set_ylabel("cluster (palette colour)")
        ax_bar.set_xlabel("share of the pixels")
        self._bar_title = ax_bar.set_title("palette")
        _hide_axes(ax_img, ax_out)
        self.dynamic = [self._out, self._out_title, *self._bars, self._bar_title]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        key = (v["k"], v["init"], v["seed"])
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = segmentation.kmeans_colors(
                self.rgb, v["k"], rng=v["seed"], init=v["init"], sample=self.sample)
        result = self._cache[key]
        shares = np.bincount(result.labels.ravel(), minlength=v["k"]) / result.labels.size
        order = np.argsort(-shares)
        return {"k": v["k"], "init": v["init"], "result": result, "shares": shares[order],
                "palette": result.centres[order],
                "quantized": as_uint8_image(np.clip(result.centres, 0, 1))[result.labels]}

    def draw(self, result: dict[str, Any]) -> str:
        k, fit = result["k"], result["result"]
        self._out.set_data(result["quantized"])
        self._out_title.set_text(f"painted with {k} colour{'s' if k > 1 else ''}")
        for i, bar in enumerate(self._bars):
            if i < k:
                bar.set_width(float(result["shares"][i]))
                bar.set_color(np.clip(result["palette"][i], 0, 1))
                bar.set_edgecolor("0.2")
            else:
                bar.set_width(0.0)
        self._bar_title.set_text(f"palette, largest cluster {result['shares'][0]:.0%}")
        n = fit.labels.size
        return (f"k = {k} ({result['init']}): compactness {fit.compactness:.2f} (sum of squared "
                f"RGB distances, [0, 1] units, over {n:,} pixels), i.e. an RMS colour error of "
                f"{np.sqrt(fit.compactness / n) * 255:.1f} levels; {fit.iterations} iterations.")


def kmeans_explorer(rgb: np.ndarray, *, k: int = 4, sample: int = 3000) -> KMeansExplorer:
    """K-means colour clustering with live k, initialisation and seed (returned, not displayed).

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        RGB photo, uint8 or float in [0, 1]; clustered at most 160 px a side.
    k : int
        Starting number of clusters, 1-12.
    sample : int
        Pixels the centres are fitted on (100-100,000); all pixels are then assigned.
    """
    return KMeansExplorer(rgb, k, sample)


@register_bench("otsu_threshold")
def _bench_otsu() -> OtsuExplorer:
    return otsu_explorer(load_photo("camera"))


@register_bench("adaptive_threshold")
def _bench_adaptive() -> AdaptiveThresholdExplorer:
    return adaptive_threshold_explorer(load_photo("page"))


@register_bench("region_growing")
def _bench_region() -> RegionGrowingExplorer:
    return region_growing_explorer(load_photo("coins"), seed=(60, 120), tolerance=30)


@register_bench("kmeans_colors")
def _bench_kmeans() -> KMeansExplorer:
    return kmeans_explorer(load_photo("coffee"))
