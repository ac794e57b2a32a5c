"""Explorers for chapters/07_restoration.ipynb: blur and noise against the Wiener filter's balance,
with PSNR live, and the bilateral filter's two sigmas."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .. import restoration
from .._validation import check_choice, check_float, check_image, check_int
from ..data import load_photo
from ..filters import psnr
from ..image import as_float_image, as_uint8_image
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench

__all__ = ["BilateralExplorer", "WienerExplorer", "bilateral_explorer", "wiener_explorer"]

_STYLE = {"description_width": "initial"}
_NEAREST = {"interpolation": "nearest"}  # panels are shown about 1:1; nearest is fastest
#: The error panel's colour scale: 0 to 0.15 (in [0, 1] units) through magma, as uint8 RGB.
_ERROR_MAX = 0.15
_ERROR_LUT = (colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)


def _hide_axes(*axes: Any) -> None:
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


def _display(image: np.ndarray) -> np.ndarray:
    """uint8 for drawing (clipped to [0, 1] first): matplotlib draws uint8 fastest."""
    return as_uint8_image(np.clip(image, 0.0, 1.0))


class WienerExplorer(Explorer):
    """Blur and noise a photo, then restore it with the Wiener filter; PSNR of both, live.

    The degraded image depends only on the blur and the noise, so it is cached per pair (the
    noise is drawn from a fixed seed: the same noise at every level, only scaled), and so are the
    FFTs of the degraded image and the PSF (:class:`helpers.restoration.WienerDeconvolver`):
    moving the balance costs one inverse FFT on the mirrored image.
    """

    figsize = (10.0, 3.7)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, blur: float, noise: float, balance: float,
                 border: str, seed: int) -> None:
        gray = check_image(gray, "gray", ndim=2, fix="use load_photo(name, gray=True)")
        self.clean = as_float_image(downscale(gray, 256)).astype(np.float64)
        self._init = (check_float(blur, "blur", min=0.5, max=4.0),
                      check_float(noise, "noise", min=0.0, max=0.05),
                      check_float(balance, "balance", min=1e-5, max=1.0),
                      check_choice(border, "border", ("reflect", "periodic")))
        self.seed = check_int(seed, "seed", min=0)
        self.signal_variance = float(self.clean.var())
        self._cache: dict[tuple[float, float], np.ndarray] = {}
        self._deconvolvers: dict[tuple[float, float, str], restoration.WienerDeconvolver] = {}
        super().__init__()

    def _build(self) -> None:
        blur, noise, balance, border = self._init
        self.controls = {
            "blur": W.FloatSlider(value=blur, min=0.5, max=4.0, step=0.25,
                                  description="blur sigma (px)", style=_STYLE),
            "noise": W.FloatSlider(value=noise, min=0.0, max=0.05, step=0.0025,
                                   readout_format=".4f", description="noise sigma",
                                   style=_STYLE),
            "balance": W.FloatLogSlider(value=balance, base=10, min=-5, max=0, step=0.25,
                                        readout_format=".1e",
                                        description="Wiener balance K (noise-to-signal ratio)",
                                        style=_STYLE, layout=W.Layout(width="460px")),
            "border": W.ToggleButtons(options=["reflect", "periodic"], value=border,
                                      description="border", style=_STYLE),
        }
        axes = self.figure.subplots(1, 3)
        blank = np.zeros(self.clean.shape, np.uint8)
        self._degraded = axes[0].imshow(blank, cmap="gray", vmin=0, vmax=255, **_NEAREST)
        self._restored = axes[1].imshow(blank, cmap="gray", vmin=0, vmax=255, **_NEAREST)
        self._error = axes[2].imshow(np.zeros((*self.clean.shape, 3), np.uint8), **_NEAREST)
        # The error is drawn as RGB through a lookup table (cheap); this mappable only carries
        # the same colour scale to the colour bar.
        scale = ScalarMappable(Normalize(0, _ERROR_MAX), cmap="magma")
        self.figure.colorbar(scale, ax=axes[2], fraction=0.046, pad=0.03,
                             label="|restored - clean|")
        self._titles = [ax.set_title("") for ax in axes[:2]]
        axes[2].set_title("error of the restoration")
        _hide_axes(*axes)
        self.dynamic = [self._degraded, self._restored, self._error, *self._titles]

    def _degrade(self, blur: float, noise: float) -> np.ndarray:
        key = (round(blur, 6), round(noise, 6))
        if key not in self._cache:
            if len(self._cache) > 48:
                self._cache.clear()
            self._cache[key] = restoration.degrade(
                self.clean, restoration.gaussian_psf(blur), noise, rng=self.seed)
        return self._cache[key]

    def _deconvolver(self, blur: float, noise: float, border: str
                     ) -> restoration.WienerDeconvolver:
        # The FFTs of the degraded image and of the PSF do not depend on the balance: computed
        # once per (blur, noise, border), so a balance change costs one inverse FFT.
        key = (round(blur, 6), round(noise, 6), border)
        if key not in self._deconvolvers:
            if len(self._deconvolvers) > 16:
                self._deconvolvers.clear()
            self._deconvolvers[key] = restoration.WienerDeconvolver(
                self._degrade(blur, noise), restoration.gaussian_psf(blur), border=border)
        return self._deconvolvers[key]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        degraded = self._degrade(v["blur"], v["noise"])
        restored = self._deconvolver(v["blur"], v["noise"], v["border"]).restore(v["balance"])
        return {**v, "degraded": degraded, "restored": restored,
                "psnr_degraded": psnr(self.clean, degraded, data_range=1.0),
                "psnr_restored": psnr(self.clean, restored, data_range=1.0),
                "nsr": v["noise"] ** 2 / self.signal_variance}

    def draw(self, result: dict[str, Any]) -> str:
        self._degraded.set_data(_display(result["degraded"]))
        self._restored.set_data(_display(result["restored"]))
        error = np.abs(result["restored"] - self.clean)
        index = np.minimum(error * (255 / _ERROR_MAX), 255).astype(np.uint8)
        self._error.set_data(_ERROR_LUT[index])
        pd, pr = result["psnr_degraded"], result["psnr_restored"]
        self._titles[0].set_text(f"degraded, PSNR {pd:.2f} dB")
        self._titles[1].set_text(f"Wiener, PSNR {pr:.2f} dB")
        gain = pr - pd
        hint = (f"sigma_n^2 / var(f) = {result['nsr']:.1e} is the textbook guess for K"
                if result["noise"] > 0 else "no noise: a tiny K inverts the blur almost exactly")
        return (f"blur {result['blur']:.2f} px, noise {result['noise']:.4f}, K = "
                f"{result['balance']:.1e}, border {result['border']}: PSNR {pd:.2f} -> {pr:.2f} dB "
                f"({gain:+.2f} dB). {hint}.")


def wiener_explorer(gray: np.ndarray, *, blur: float = 2.0, noise: float = 0.01,
                    balance: float = 1e-2, border: str = "reflect",
                    seed: int = 0) -> WienerExplorer:
    """Blur and noise level against the Wiener balance, PSNR live (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Clean gray photo, uint8 or float in [0, 1]; used at most 256 px a side.
    blur : float
        Starting sigma of the Gaussian PSF, 0.5-4 pixels.
    noise : float
        Starting noise sigma, 0-0.05 (in [0, 1] units).
    balance : float
        Starting Wiener balance K, 1e-5 to 1.
    border : {"reflect", "periodic"}
        Starting border handling of the Wiener filter.
    seed : int
        Seed of the noise.
    """
    return WienerExplorer(gray, blur, noise, balance, border, seed)


class BilateralExplorer(Explorer):
    """The bilateral filter's two sigmas on a noisy photo, next to a Gaussian blur of the same
    spatial sigma: how much smoothing, and how much of the edges survives."""

    figsize = (10.0, 3.5)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, gray: np.ndarray, noise: float, seed: int) -> None:
        gray = check_image(gray, "gray", ndim=2, fix="use load_photo(name, gray=True)")
        self.clean = as_float_image(downscale(gray, 192)).astype(np.float32)
        noise = check_float(noise, "noise", min=0.0, max=0.3)
        from ..filters import add_gaussian_noise

        self.noisy = add_gaussian_noise(self.clean, noise, rng=check_int(seed, "seed", min=0))
        self.noise = noise
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "sigma_color": W.FloatLogSlider(value=0.1, base=10, min=-2, max=0, step=0.1,
                                            readout_format=".3f",
                                            description="sigma_color (gray levels / 255)",
                                            style=_STYLE, layout=W.Layout(width="420px")),
            "sigma_space": W.FloatSlider(value=2.0, min=0.5, max=5.0, step=0.5,
                                         description="sigma_space (px)", style=_STYLE),
        }
        axes = self.figure.subplots(1, 3)
        self._ims = [ax.imshow(_display(self.noisy), cmap="gray", vmin=0, vmax=255, **_NEAREST)
                     for ax in axes]
        self._titles = [ax.set_title("") for ax in axes]
        self._titles[0].set_text(f"noisy (sigma {self.noise:g}), PSNR "
                                 f"{psnr(self.clean, self.noisy, data_range=1.0):.1f} dB")
        _hide_axes(*axes)
        self.dynamic = [*self._ims[1:], *self._titles[1:]]

    def compute(self) -> dict[str, Any]:
        from ..filters import gaussian_blur

        v = self.values()
        diameter = 2 * int(round(1.5 * v["sigma_space"])) + 1
        bilateral = restoration.bilateral_filter(self.noisy, diameter, v["sigma_color"],
                                                 v["sigma_space"])
        gaussian = gaussian_blur(self.noisy, diameter, v["sigma_space"])
        return {**v, "diameter": diameter, "bilateral": bilateral, "gaussian": gaussian,
                "psnr_bilateral": psnr(self.clean, bilateral, data_range=1.0),
                "psnr_gaussian": psnr(self.clean, np.clip(gaussian, 0, 1), data_range=1.0)}

    def draw(self, result: dict[str, Any]) -> str:
        self._ims[1].set_data(_display(result["gaussian"]))
        self._ims[2].set_data(_display(result["bilateral"]))
        d = result["diameter"]
        self._titles[1].set_text(f"Gaussian {d}x{d}, PSNR {result['psnr_gaussian']:.1f} dB")
        self._titles[2].set_text(f"bilateral, PSNR {result['psnr_bilateral']:.1f} dB")
        return (f"window {d}x{d} (sigma_space {result['sigma_space']:g} px); sigma_color "
                f"{result['sigma_color']:.3f}: neighbours differing by more than about "
                f"{2 * result['sigma_color'] * 255:.0f} gray levels barely count. Large "
                "sigma_color turns the bilateral filter into the Gaussian blur.")


def bilateral_explorer(gray: np.ndarray, *, noise: float = 0.05, seed: int = 0
                       ) -> BilateralExplorer:
    """Bilateral filter against a Gaussian blur on a noisy photo (returned, not displayed).

    Parameters
    ----------
    gray : (H, W) ndarray
        Clean gray photo, uint8 or float in [0, 1]; used at most 192 px a side.
    noise : float
        Sigma of the Gaussian noise added (0-0.3, fixed seed).
    seed : int
        Seed of the noise.
    """
    return BilateralExplorer(gray, noise, seed)


@register_bench("wiener_balance")
def _bench_wiener() -> WienerExplorer:
    return wiener_explorer(load_photo("camera"))


@register_bench("bilateral")
def _bench_bilateral() -> BilateralExplorer:
    return bilateral_explorer(load_photo("camera"))
