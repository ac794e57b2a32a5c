"""Explorers for chapters/05_corners.ipynb: Harris corners; SIFT matches under the ratio test."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection

from .. import features
from .._validation import check_float, check_image, check_int
from ..color import to_gray
from ..data import load_photo
from ..image import as_uint8_image
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = ["HarrisExplorer", "MatchExplorer", "harris_explorer", "match_explorer"]

_STYLE = {"description_width": "initial"}
_MAX_SIDE = 256
_CORRECT, _WRONG = "#2ca02c", "#d62728"


def _gray_uint8(image: Any, name: str) -> np.ndarray:
    image = check_image(image, name)
    gray = to_gray(image) if image.ndim == 3 else image
    return downscale(as_uint8_image(gray, name), _MAX_SIDE)


class HarrisExplorer(Explorer):
    """Harris response for a live k, block size and threshold, corners after NMS drawn."""

    figsize = (8.4, 3.9)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, k: float, quality: float, block_size: int) -> None:
        self.gray = _gray_uint8(gray, "gray")
        self._tensors: dict[int, tuple[np.ndarray, ...]] = {}  # block size -> (sxx, sxy, syy)
        self._init = (check_float(k, "k", min=0.0, max=0.2),
                      check_float(quality, "quality", min=1e-4, max=0.5),
                      check_int(block_size, "block_size", min=2, max=9))
        super().__init__()

    def _build(self) -> None:
        k, quality, block_size = self._init
        self.controls = {
            "k": W.FloatSlider(value=k, min=0.0, max=0.2, step=0.005, readout_format=".3f",
                               description="k in R = det M - k (trace M)²", style=_STYLE),
            "quality": W.FloatLogSlider(value=quality, base=10, min=-4, max=-0.3, step=0.1,
                                        readout_format=".4f",
                                        description="threshold (share of the largest R)",
                                        style=_STYLE),
            "block_size": W.IntSlider(value=block_size, min=2, max=9,
                                      description="window (block size)", style=_STYLE),
        }
        ax_img, ax_r = self.figure.subplots(1, 2)
        ax_img.imshow(self.gray, cmap="gray", vmin=0, vmax=255)
        self._corners = ax_img.scatter([], [], s=26, facecolors="none", edgecolors="#ff7f0e",
                                       linewidths=1.4)
        ax_img.set_title("corners: above the threshold, after 3x3 NMS", fontsize=9)
        self._response = ax_r.imshow(np.zeros(self.gray.shape), cmap="RdBu_r", vmin=-1, vmax=1,
                                     interpolation="nearest")  # no resampling filter: faster
        ax_r.set_title("R (red: corner, blue: edge, white: flat)", fontsize=9)
        bar = self.figure.colorbar(self._response, ax=ax_r, fraction=0.046, pad=0.03)
        bar.set_label("sign(R) √(|R| / max|R|)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        for ax in (ax_img, ax_r):
            ax.set_axis_off()
        self.dynamic = [self._corners, self._response]

    def _tensor(self, block_size: int) -> tuple[np.ndarray, ...]:
        if block_size not in self._tensors:  # k and threshold only recombine these
            self._tensors[block_size] = features.structure_tensor(self.gray, block_size, 3)
        return self._tensors[block_size]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        sxx, sxy, syy = self._tensor(v["block_size"])
        response = sxx * syy - sxy * sxy - v["k"] * (sxx + syy) ** 2
        top = float(response.max())
        corners = (features.corner_peaks(response, quality=v["quality"], min_distance=1,
                                         max_corners=5000) if top > 0 else np.zeros((0, 2)))
        above = int(np.sum(response > v["quality"] * top)) if top > 0 else 0
        return {"response": response, "corners": corners, "above": above, "top": top, **v}

    def draw(self, result: dict[str, Any]) -> str:
        r = result["response"]
        scale = max(float(np.abs(r).max()), 1e-30)
        self._response.set_data(np.sign(r) * np.sqrt(np.abs(r) / scale))
        self._corners.set_offsets(result["corners"] if len(result["corners"]) else np.zeros((0, 2)))
        threshold = result["quality"] * result["top"]
        return (
            f"k = {result['k']:.3f}, {result['block_size']}x{result['block_size']} window: "
            f"largest R = {result['top']:.3g}; threshold {result['quality']:.4f} x that = "
            f"{threshold:.3g}. {result['above']:,} pixels lie above it; non-maximum suppression "
            f"keeps <b>{len(result['corners']):,} corners</b>. Edge pixels have R &lt; 0 "
            f"({int(np.sum(r < 0)):,} here)."
        )

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        cycle = [("k", 0.06), ("quality", 0.05), ("k", 0.02), ("quality", 0.002),
                 ("block_size", 3), ("k", 0.1), ("quality", 0.02), ("block_size", 2)]
        return [cycle[i % len(cycle)] for i in range(n)]


class MatchExplorer(Explorer):
    """SIFT matches between a photo and its rotated, scaled, noisy copy, under a live ratio."""

    figsize = (8.4, 3.6)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, angle: float, scale: float, noise: float,
                 ratio: float) -> None:
        self.gray = _gray_uint8(gray, "gray")
        angle = check_float(angle, "angle", min=-180, max=180)
        scale = check_float(scale, "scale", min=0.3, max=3.0)
        noise = check_float(noise, "noise", min=0.0, max=0.3)
        ratio = check_float(ratio, "ratio", min=0.3, max=1.0)
        warped, self.truth = features.make_rotated_pair(self.gray, angle=angle, scale=scale,
                                                        noise=noise, rng=0)
        self.warped = as_uint8_image(warped)
        self.kp1, d1 = features.sift_features(self.gray)
        self.kp2, d2 = features.sift_features(self.warped)
        if len(self.kp1) < 1 or len(self.kp2) < 2:
            raise ValueError("gray has too few SIFT keypoints to match; use a textured photo")
        # Everything the ratio does not change, once: each keypoint's two nearest neighbours
        # and whether its nearest one is where the true transform says.
        dist = features.descriptor_distances(d1, d2)
        order = np.argsort(dist, axis=1)[:, :2]
        rows = np.arange(len(dist))
        self.best = order[:, 0]
        self.d1, self.d2 = dist[rows, order[:, 0]], dist[rows, order[:, 1]]
        self.correct = features.correct_matches(self.kp1[:, :2], self.kp2[self.best, :2],
                                                self.truth)
        self._init = ratio
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "ratio": W.FloatSlider(value=self._init, min=0.3, max=1.0, step=0.01,
                                   description="ratio (keep if best < ratio x second best)",
                                   style=_STYLE, layout=W.Layout(width="520px")),
        }
        ax_pair, ax_curve = self.figure.subplots(
            1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
        h, w = self.gray.shape
        canvas = np.zeros((max(h, self.warped.shape[0]), w + self.warped.shape[1]), np.uint8)
        canvas[:h, :w] = self.gray
        canvas[: self.warped.shape[0], w:] = self.warped
        self._offset = w
        ax_pair.imshow(canvas, cmap="gray", vmin=0, vmax=255)
        ax_pair.set_title("photo | rotated, scaled, noisy copy (green: correct, red: wrong)",
                          fontsize=9)
        ax_pair.set_axis_off()
        self._lines = LineCollection([], linewidths=0.8)
        ax_pair.add_collection(self._lines)
        # The trade-off curve, precomputed: the slider only moves the marker.
        ratios = np.linspace(0.3, 1.0, 71)
        kept = np.array([np.sum(self.d1 < r * self.d2) for r in ratios])
        right = np.array([np.sum((self.d1 < r * self.d2) & self.correct) for r in ratios])
        ax_curve.plot(ratios, right, color=_CORRECT, label="correct matches")
        ax_curve.plot(ratios, kept - right, color=_WRONG, label="wrong matches")
        ax_curve.set_xlabel("ratio", fontsize=8)
        ax_curve.set_ylabel("matches kept", fontsize=8)
        ax_curve.tick_params(labelsize=7)
        ax_curve.legend(fontsize=7, loc="upper left")
        self._marker = ax_curve.axvline(self._init, color="0.3", ls=":")
        self.dynamic = [self._lines, self._marker]

    def compute(self) -> dict[str, Any]:
        ratio = self.controls["ratio"].value
        keep = self.d1 < ratio * self.d2
        return {"ratio": ratio, "keep": keep, "kept": int(keep.sum()),
                "correct": int(np.sum(keep & self.correct))}

    def draw(self, result: dict[str, Any]) -> str:
        keep = result["keep"]
        p1 = self.kp1[keep, :2]
        p2 = self.kp2[self.best[keep], :2] + [self._offset, 0]
        self._lines.set_segments(np.stack([p1, p2], axis=1))
        self._lines.set_colors(np.where(self.correct[keep], _CORRECT, _WRONG))
        self._marker.set_xdata([result["ratio"], result["ratio"]])
        kept, correct = result["kept"], result["correct"]
        share = f"{correct / kept:.1%}" if kept else "-"
        return (
            f"ratio {result['ratio']:.2f}: {kept} of {len(self.kp1)} keypoints keep their "
            f"nearest neighbour; <b>{correct} correct ({share})</b>, {kept - correct} wrong "
            f"(correct = within 3 pixels of where the true rotation + scaling sends it)."
        )


def harris_explorer(
    gray: np.ndarray, *, k: float = 0.04, quality: float = 0.01, block_size: int = 2
) -> HarrisExplorer:
    """Harris corners with live k, threshold and window, response map shown (returned).

    Parameters
    ----------
    gray : (H, W) or (H, W, 3) ndarray
        Photo (uint8, or float in [0, 1]); converted to gray, subsampled to <= 256 px a side.
    k : float
        Initial k (0 to 0.2).
    quality : float
        Initial threshold as a share of the largest response (1e-4 to 0.5).
    block_size : int
        Initial window side (2 to 9).
    """
    return HarrisExplorer(gray, k, quality, block_size)


def match_explorer(
    gray: np.ndarray,
    *,
    angle: float = 30.0,
    scale: float = 0.8,
    noise: float = 0.02,
    ratio: float = 0.75,
) -> MatchExplorer:
    """SIFT matches on a photo and its rotated + scaled + noisy copy, live ratio (returned).

    Parameters
    ----------
    gray : (H, W) or (H, W, 3) ndarray
        Photo (uint8, or float in [0, 1]); converted to gray, subsampled to <= 256 px a side.
    angle : float
        Rotation of the copy in degrees (-180 to 180).
    scale : float
        Scale of the copy (0.3 to 3).
    noise : float
        Gaussian noise added to the copy, on the [0, 1] scale (0 to 0.3).
    ratio : float
        Initial ratio-test threshold (0.3 to 1).
    """
    return MatchExplorer(gray, angle, scale, noise, ratio)


@register_bench("harris")
def _bench_harris() -> HarrisExplorer:
    return harris_explorer(load_photo("camera"))


@register_bench("ratio_test")
def _bench_ratio_test() -> MatchExplorer:
    return match_explorer(load_photo("astronaut"))
