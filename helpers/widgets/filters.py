"""Explorers for chapters/02_filtering.ipynb: a 3x3 kernel editor, the Gaussian's size and sigma,
and noise models against smoothing filters, each applied live to a real photo."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .. import filters
from .._validation import check_choice, check_float, check_image, check_int
from ..color import as_float_image
from ..data import load_photo
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = [
    "GaussianExplorer",
    "KernelExplorer",
    "NoiseExplorer",
    "gaussian_explorer",
    "kernel_explorer",
    "noise_explorer",
]

_STYLE = {"description_width": "initial"}
# Sliders of one explorer share a label column and a width: no ragged wrapping.
_LABEL = {"description_width": "250px"}


def _row() -> W.Layout:
    return W.Layout(width="560px")


def _gray_float(image: Any, max_side: int) -> np.ndarray:
    image = check_image(image, ndim=2, fix="use load_photo(name, gray=True)")
    return as_float_image(downscale(image, max_side))


def _hide_axes(*axes: Any) -> None:
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


# -- 1. the kernel editor ----------------------------------------------------------------------
class KernelExplorer(Explorer):
    """Nine number cells, a preset menu and a normalise switch; the kernel is applied live.

    Typed numbers go through ``ipywidgets.FloatText``, which converts with ``float()``: text is
    never evaluated as code, and anything that is not a number is refused by the widget itself.
    Editing a cell switches the preset menu to "custom"; choosing a preset fills the cells.
    """

    figsize = (10.0, 3.5)
    jpeg_options = PHOTO_JPEG  # photographic panels
    CELLS = tuple(f"k{i}{j}" for i in range(3) for j in range(3))

    def __init__(self, image: np.ndarray, preset: str = "sharpen") -> None:
        self.gray = _gray_float(image, 256)
        self._preset0 = check_choice(preset, "preset", filters.KERNELS)
        self._loading = False  # True while the explorer itself sets cells: one update, not nine
        super().__init__()

    def _build(self) -> None:
        start = filters.KERNELS[self._preset0]
        cells = {
            name: W.FloatText(value=float(start.flat[n]), step=0.1,
                              layout=W.Layout(width="72px"))
            for n, name in enumerate(self.CELLS)
        }
        self.controls = {
            "preset": W.Dropdown(options=[*filters.KERNELS, "custom"], value=self._preset0,
                                 description="preset kernel (fills the nine cells)",
                                 style=_STYLE),
            "normalise": W.Checkbox(value=False, description="normalise: divide the weights by "
                                    "their sum (when it is not 0)", style=_STYLE,
                                    layout=W.Layout(width="460px")),
            **cells,
        }
        ax_in, ax_k, ax_out = self.figure.subplots(1, 3, width_ratios=[1, 0.6, 1.2])
        ax_in.imshow(self.gray, cmap="gray", vmin=0, vmax=1)
        ax_in.set_title("photo (0 = black, 1 = white)")
        self._kimg = ax_k.imshow(np.zeros((3, 3)), cmap="RdBu_r", vmin=-1, vmax=1)
        self._ktext = [
            ax_k.text(j, i, "", ha="center", va="center", fontsize=11)
            for i in range(3) for j in range(3)
        ]
        ax_k.set_title("kernel (red > 0, blue < 0)")
        self._out = ax_out.imshow(self.gray, cmap="gray", vmin=0, vmax=1)
        ax_out.set_title("correlated with the kernel")
        # The output's scale changes with the kernel (signed for kernels summing to 0): a gray
        # strip as its colour bar, with three value labels that change (cheaper to redraw than a
        # matplotlib colour bar with its ticks).
        bar = ax_out.inset_axes((1.04, 0.0, 0.05, 1.0))
        bar.imshow(np.linspace(1, 0, 64)[:, None], cmap="gray", aspect="auto",
                   extent=(0, 1, 0, 1))
        bar.set_axis_off()
        self._bar_labels = [bar.text(1.3, y, "", ha="left", va=va, fontsize=9,
                                     transform=bar.transAxes)
                            for y, va in ((1.0, "top"), (0.0, "bottom"))]
        _hide_axes(ax_in, ax_k, ax_out)
        # Titles stay fixed (text is the costliest thing to redraw); the mode is in the readout.
        self.dynamic = [self._kimg, *self._ktext, self._out, *self._bar_labels]

    def _layout_controls(self) -> W.Widget:
        grid = W.GridBox([self.controls[name] for name in self.CELLS],
                         layout=W.Layout(grid_template_columns="repeat(3, 76px)"))
        cells = W.VBox([W.HTML("kernel weights (type a number in any cell):"), grid])
        side = W.VBox([self.controls["preset"], self.controls["normalise"]],
                      layout=W.Layout(margin="0 0 0 24px"))
        return W.HBox([cells, side])

    def _on_change(self, change: dict) -> None:
        if self._loading:
            return
        owner, preset = change["owner"], self.controls["preset"]
        self._loading = True
        try:
            if owner is preset and preset.value in filters.KERNELS:
                for name, value in zip(self.CELLS, filters.KERNELS[preset.value].flat, strict=True):
                    self.controls[name].value = float(value)
            elif owner is not preset and owner is not self.controls["normalise"]:
                if preset.value != "custom" and not np.array_equal(
                    self.typed_kernel(), filters.KERNELS[preset.value]
                ):
                    preset.value = "custom"
        finally:
            self._loading = False
        self._request_update(change)

    def typed_kernel(self) -> np.ndarray:
        """The 3x3 kernel as typed in the cells (before normalising)."""
        return np.array([self.controls[name].value for name in self.CELLS],
                        dtype=np.float64).reshape(3, 3)

    def compute(self) -> dict[str, Any]:
        typed = self.typed_kernel()
        total = float(typed.sum()) if np.isfinite(typed).all() else float("nan")
        normalise = self.controls["normalise"].value and abs(total) > 1e-9
        kernel = typed / total if normalise else typed
        output = filters.correlate2d(self.gray, kernel)  # rejects NaN/inf cells with a message
        return {"typed": typed, "kernel": kernel, "sum": total, "normalised": normalise,
                "output": output, "range": (float(output.min()), float(output.max()))}

    def draw(self, result: dict[str, Any]) -> str:
        kernel = result["kernel"]
        scale = max(float(np.abs(kernel).max()), 1e-9)
        self._kimg.set_data(kernel)
        self._kimg.set_clim(-scale, scale)
        for text, value in zip(self._ktext, kernel.flat, strict=True):
            text.set_text(f"{value:.3g}")
            text.set_color("white" if abs(value) > 0.6 * scale else "black")  # legible on dark
        lo, hi = result["range"]
        zero_sum = abs(float(kernel.sum())) < 1e-9
        if zero_sum:
            # Flat regions give 0: show signed values with mid-gray = 0 so both signs are visible.
            m = max(abs(lo), abs(hi), 1e-9)
            self._out.set_clim(-m, m)
            ticks = (m, -m)
            shown = "shown with mid-gray = 0, white positive, black negative"
        else:
            self._out.set_clim(0, 1)
            ticks = (1.0, 0.0)
            clipped = float(np.mean((result["output"] < 0) | (result["output"] > 1)))
            shown = f"{clipped:.1%} of pixels fall outside [0, 1] and are clipped in the picture"
        self._out.set_data(result["output"])
        for label, value in zip(self._bar_labels, ticks, strict=True):
            label.set_text(f"{value:.3g}")
        used = float(kernel.sum())
        note = ""
        if result["normalised"]:
            note = " after normalising (divided by the typed sum)"
        elif self.controls["normalise"].value:
            note = " (the sum is 0, so it cannot be normalised: used as typed)"
        meaning = ("brightness kept" if abs(used - 1) < 1e-9 else
                   "flat regions become 0: a detector of change" if zero_sum else
                   f"brightness scaled by {used:.3g}")
        return (f"kernel sum = {used:.4g}{note}: {meaning}. Output range "
                f"[{lo:.3f}, {hi:.3f}]; {shown}.")

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        names = list(filters.KERNELS)
        changes: list[tuple[str, Any]] = []
        for i in range(n):
            if i % 2:
                changes.append(("preset", names[(i // 2 + 1) % len(names)]))
            else:
                changes.append((self.CELLS[i % 9], round(0.5 + 0.1 * i, 2)))
        return changes


def kernel_explorer(image: np.ndarray, preset: str = "sharpen") -> KernelExplorer:
    """An editable 3x3 kernel applied live to a gray photo (returned, not displayed).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray photo, uint8 or float in [0, 1]; shown at most 256 px a side.
    preset : str
        The kernel to start with, a key of :data:`helpers.filters.KERNELS`.
    """
    return KernelExplorer(image, preset)


# -- 2. the Gaussian's size and sigma ------------------------------------------------------------
class GaussianExplorer(Explorer):
    """Kernel size and sigma: the kernel, its middle row, and the blurred photo."""

    figsize = (10.0, 3.4)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, image: np.ndarray, size: int = 7, sigma: float = 1.0) -> None:
        self.gray = _gray_float(image, 256)
        self._init = (check_int(size, "size", min=1, max=31, odd=True),
                      check_float(sigma, "sigma", min=0.2, max=8))
        super().__init__()

    def _build(self) -> None:
        size, sigma = self._init
        self.controls = {
            "size": W.IntSlider(value=size, min=1, max=31, step=2,
                                description="kernel size (odd side, pixels)", style=_LABEL,
                                layout=_row()),
            "sigma": W.FloatSlider(value=sigma, min=0.2, max=8.0, step=0.1,
                                   description="sigma, the width of the bell (pixels)",
                                   style=_LABEL, layout=_row()),
        }
        ax_k, ax_row, ax_out = self.figure.subplots(1, 3, width_ratios=[0.8, 1, 1])
        # Weights relative to the centre one: a fixed 0-1 scale, so the colour bar stays put.
        self._kimg = ax_k.imshow(np.ones((1, 1)), cmap="viridis", vmin=0, vmax=1)
        self.figure.colorbar(self._kimg, ax=ax_k, fraction=0.07, pad=0.03,
                             label="weight / centre weight")
        ax_k.set_title("the kernel")
        # Fixed axes (the widest kernel, weights relative to the centre) so that only the
        # curves are redrawn; the dashed bell runs past the dots where the kernel cuts it off.
        (self._bell,) = ax_row.plot([0], [1], "--", color="0.6", lw=1, label="uncut bell")
        (self._row,) = ax_row.plot([0], [1], "o-", ms=3, label="kernel weights")
        ax_row.set_xlim(-15.5, 15.5)
        ax_row.set_ylim(0, 1.08)
        ax_row.set_title("middle row / centre weight")
        ax_row.set_xlabel("offset from centre (px)")
        ax_row.legend(loc="upper right", fontsize=9)
        self._out = ax_out.imshow(self.gray, cmap="gray", vmin=0, vmax=1)
        ax_out.set_title("the photo, blurred")
        _hide_axes(ax_k, ax_out)
        # Titles stay fixed (text is the costliest thing to redraw): numbers go in the readout.
        self.dynamic = [self._kimg, self._bell, self._row, self._out]

    def _layout_controls(self) -> W.Widget:
        return W.VBox(list(self.controls.values()))

    def compute(self) -> dict[str, Any]:
        size, sigma = self.controls["size"].value, self.controls["sigma"].value
        kernel = filters.gaussian_kernel(size, sigma)
        blurred = filters.gaussian_blur(self.gray, size, sigma)
        # How much of the bell the window cuts off: the edge weight relative to the centre.
        edge_ratio = float(kernel[size // 2, 0] / kernel[size // 2, size // 2])
        return {"size": size, "sigma": sigma, "kernel": kernel, "blurred": blurred,
                "edge_ratio": edge_ratio, "suggested_size": 2 * int(np.ceil(3 * sigma)) + 1}

    def draw(self, result: dict[str, Any]) -> str:
        size, sigma, kernel = result["size"], result["sigma"], result["kernel"]
        half = size // 2
        self._kimg.set_data(kernel / kernel[half, half])
        self._kimg.set_extent((-0.5, size - 0.5, size - 0.5, -0.5))
        row = kernel[half] / kernel[half, half]
        self._row.set_data(np.arange(-half, half + 1), row)
        fine = np.linspace(-15.5, 15.5, 311)
        self._bell.set_data(fine, np.exp(-(fine**2) / (2 * sigma**2)))
        self._out.set_data(result["blurred"])
        ratio, suggested = result["edge_ratio"], result["suggested_size"]
        if ratio > 0.05:
            advice = (f"the window cuts the bell off (outer weight {ratio:.1%} of the centre): "
                      f"the result is closer to a box blur; use size >= {suggested}")
        elif size > suggested + 4:
            advice = (f"the outer weights are only {ratio:.1e} of the centre: wasted work, "
                      f"size {suggested} gives almost the same result")
        else:
            advice = f"size fits sigma (outer weight {ratio:.1%} of the centre)"
        return (f"{size}x{size}, sigma = {sigma:.1f}: centre weight {kernel[half, half]:.4f}, "
                f"weights sum to {kernel.sum():.4f}; {advice}.")


def gaussian_explorer(image: np.ndarray, size: int = 7, sigma: float = 1.0) -> GaussianExplorer:
    """Gaussian blur with live size and sigma on a gray photo (returned, not displayed).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray photo, uint8 or float in [0, 1]; shown at most 256 px a side.
    size : int
        Odd starting kernel side, 1-31.
    sigma : float
        Starting standard deviation, 0.2-8.
    """
    return GaussianExplorer(image, size, sigma)


# -- 3. noise against filters ---------------------------------------------------------------------
#: What the one ``level`` slider sets for each noise model (see :func:`helpers.filters.add_noise`).
_LEVEL_MEANING = {
    "gaussian": "a noise standard deviation sigma of that many times the white level",
    "salt_and_pepper": "that fraction of the pixels turned white or black",
    "poisson": "a standard deviation of that much at white (peak = 1 / level² photons)",
    "speckle": "a multiplier f (1 + n) with n of that standard deviation",
}
class NoiseExplorer(Explorer):
    """Pick a noise model and a filter: clean, noisy and filtered side by side, PSNR in the readout.

    The noise is drawn from a fixed seed, so changing only the filter keeps the same noisy image
    (and it is cached, so filter changes do not pay for new noise).
    """

    figsize = (10.0, 3.6)
    jpeg_options = PHOTO_JPEG  # photographic panels
    FILTERS = ("none", *filters.DENOISERS)

    def __init__(self, image: np.ndarray, *, seed: int = 0) -> None:
        self.gray = _gray_float(image, 256)
        self.seed = check_int(seed, "seed", min=0)
        self._cache: dict[tuple[str, float], np.ndarray] = {}
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "noise": W.Dropdown(options=list(filters.NOISE_KINDS), value="salt_and_pepper",
                                description="noise model", style=_LABEL, layout=_row()),
            "level": W.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.01,
                                   description="noise level (its meaning: see below)",
                                   style=_LABEL, layout=_row()),
            "filter": W.Dropdown(options=list(self.FILTERS), value="median",
                                 description="smoothing filter", style=_LABEL, layout=_row()),
            "size": W.IntSlider(value=3, min=3, max=7, step=2,
                                description="filter window size (odd, pixels)", style=_LABEL,
                                layout=_row()),
        }
        axes = self.figure.subplots(1, 3)
        # Nearest sampling: each pixel as it is (the noise is the point; the panels show the
        # 256-pixel images at about 1:1, where antialiasing would only soften it).
        self._images = [ax.imshow(self.gray, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                        for ax in axes]
        self._titles = [ax.set_title(t) for ax, t in zip(axes, ("clean", "noisy", "filtered"),
                                                         strict=True)]
        _hide_axes(*axes)
        self.dynamic = [*self._images[1:], *self._titles[1:]]

    def _layout_controls(self) -> W.Widget:
        return W.VBox(list(self.controls.values()))

    def _noisy(self, kind: str, level: float) -> np.ndarray:
        key = (kind, round(level, 6))
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = filters.add_noise(self.gray, kind, level, rng=self.seed)
        return self._cache[key]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        noisy = self._noisy(v["noise"], v["level"])
        if v["filter"] == "none":
            filtered = noisy
        else:
            filtered = filters.denoise(noisy, v["filter"], v["size"])
        return {"noisy": noisy, "filtered": filtered,
                "psnr_noisy": filters.psnr(self.gray, noisy, data_range=1.0),
                "psnr_filtered": filters.psnr(self.gray, filtered, data_range=1.0), **v}

    def draw(self, result: dict[str, Any]) -> str:
        self._images[1].set_data(result["noisy"])
        self._images[2].set_data(result["filtered"])
        pn, pf = result["psnr_noisy"], result["psnr_filtered"]
        self._titles[1].set_text(f"{result['noise']}, PSNR {pn:.1f} dB")
        label = "no filter" if result["filter"] == "none" else (
            f"{result['filter']} {result['size']}x{result['size']}")
        self._titles[2].set_text(f"{label}, PSNR {pf:.1f} dB")
        if not np.isfinite(pn):
            return "level 0: no noise added (PSNR is infinite); filtering can only lose detail."
        gain = pf - pn
        verdict = "better" if gain > 0 else "worse"
        return (f"PSNR against the clean photo: noisy {pn:.2f} dB, {label} {pf:.2f} dB "
                f"({gain:+.2f} dB, {verdict}). Level {result['level']:.2f} means "
                f"{_LEVEL_MEANING[result['noise']]}.")


def noise_explorer(image: np.ndarray, *, seed: int = 0) -> NoiseExplorer:
    """Noise type and level against filter type and size, with PSNR (returned, not displayed).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray photo, uint8 or float in [0, 1]; shown at most 256 px a side.
    seed : int
        Seed of the noise (the same seed gives the same noisy image).
    """
    return NoiseExplorer(image, seed=seed)


@register_bench("kernel_editor")
def _bench_kernel() -> KernelExplorer:
    return kernel_explorer(load_photo("camera"))


@register_bench("gaussian_size_sigma")
def _bench_gaussian() -> GaussianExplorer:
    return gaussian_explorer(load_photo("camera"))


@register_bench("noise_vs_filter")
def _bench_noise() -> NoiseExplorer:
    return noise_explorer(load_photo("camera"))
