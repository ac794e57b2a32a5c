"""Checks for the exercises of chapters/07_restoration.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import restoration
from ._core import Case, CheckResult, run_cases

__all__ = ["check_richardson_lucy_step", "check_wiener_filter"]


def _wiener_periodic(image: np.ndarray, psf: np.ndarray, balance: float) -> np.ndarray:
    return restoration.wiener(np.asarray(image, np.float64), psf, balance, border="periodic",
                              keep_mean=False)


def check_wiener_filter(fn: Callable) -> CheckResult:
    """Check ``fn(image, psf, balance)``: the periodic Wiener filter ``H* G / (|H|^2 + K)``,
    applied to every frequency (the mean included), returned as a real ``(H, W)`` image."""
    rng = np.random.default_rng(71)
    image = rng.random((24, 32))
    blurred = restoration.degrade(image, restoration.gaussian_psf(1.5), 0.01, rng=1,
                                  border="periodic").astype(np.float64)
    cases = [
        Case("a 1x1 PSF (no blur): every frequency is scaled by 1 / (1 + K)", image,
             np.ones((1, 1)), 0.25),
        Case("a 3x3 box blur, small balance", blurred, np.full((3, 3), 1 / 9), 1e-3),
        Case("the Gaussian PSF that blurred the image", blurred, restoration.gaussian_psf(1.5),
             1e-2),
        Case("an odd width (31 columns): irfft2 needs the shape", blurred[:, :31],
             restoration.gaussian_psf(1.5), 1e-2),
        Case("a large balance: little is restored", blurred, restoration.gaussian_psf(1.5), 10.0),
        Case("a horizontal motion blur", blurred, restoration.motion_psf(5, 0), 1e-2),
        Case("a lopsided PSF (complex H: is it conjugated?)", blurred,
             np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.3], [0.0, 0.0, 0.2]]), 1e-2),
    ]
    return run_cases("wiener_filter", fn, cases, reference=_wiener_periodic, atol=1e-8,
                     rtol=1e-8)


def _rl_step(estimate: np.ndarray, image: np.ndarray, psf: np.ndarray) -> np.ndarray:
    return restoration.richardson_lucy_step(estimate, np.asarray(image, np.float64), psf)


def check_richardson_lucy_step(fn: Callable) -> CheckResult:
    """Check ``fn(estimate, image, psf)``: one Richardson-Lucy update with zero-padded 'same'
    convolutions, ``estimate * ((image / (psf * estimate + 1e-12)) correlated with psf)``."""
    rng = np.random.default_rng(72)
    image = rng.random((20, 24))
    box = np.full((3, 3), 1 / 9)
    cases = [
        Case("a 1x1 PSF: the estimate jumps to the data", np.full((4, 5), 0.5), image[:4, :5],
             np.ones((1, 1))),
        Case("first step from 0.5 with a 3x3 box", np.full(image.shape, 0.5), image, box),
        Case("an estimate that is not flat", rng.random(image.shape), image, box),
        Case("an asymmetric PSF (is the second one flipped?)", rng.random(image.shape), image,
             np.array([[0.0, 0.1, 0.0], [0.0, 0.3, 0.5], [0.0, 0.1, 0.0]])),
        Case("a 5x5 Gaussian PSF", rng.random(image.shape), image,
             restoration.gaussian_psf(1.0, 5)),
        Case("zeros in the data", rng.random((6, 7)), np.zeros((6, 7)), box),
    ]
    return run_cases("richardson_lucy_step", fn, cases, reference=_rl_step, atol=1e-9,
                     rtol=1e-7)
