"""Restoration: undoing blur and noise with a model of how the image was degraded.

Used in chapters/07_restoration.ipynb.

The module follows the chapter, section by section:

1. **The degradation model** ``g = h * f + n``: point spread functions (:func:`gaussian_psf`,
   :func:`motion_psf`, :func:`disk_psf`), their transfer functions (:func:`psf_to_otf`) and
   :func:`degrade`.
2. **Linear deconvolution** in the frequency domain: :func:`inverse_filter` and :func:`wiener`.
3. **Richardson-Lucy**: :func:`richardson_lucy_step` (one update, for reading) and
   :func:`richardson_lucy`; the blind variant :func:`blind_richardson_lucy`.
4. **Edge-preserving smoothing**: :func:`bilateral_filter` beside :func:`bilateral_filter_naive`.
5. **Scores**: :func:`restoration_scores` (PSNR and SSIM).

Conventions, and where they meet the reference libraries (tests/test_restoration.py):

* Images are gray ``(H, W)``, uint8 or float; they are restored as float values in [0, 1]
  (uint8 divided by 255). Results are float32, or float64 for float64 input, and are **not
  clipped**: a deconvolution may overshoot [0, 1] slightly; clip before display or saving.
* A PSF's origin (the pixel that does not move) is its index ``(kh // 2, kw // 2)``: the centre
  for odd sizes. This is ``scipy.ndimage.convolve``'s convention and that of
  ``skimage.restoration.uft.ir2tf``. PSFs must be non-negative with a positive sum.
* **Borders.** A real photo is not periodic, but the discrete Fourier transform assumes it is:
  its right edge wraps onto its left. ``border="periodic"`` accepts that (and the error it causes
  along the borders); ``border="reflect"`` mirrors the image to twice its size first, which makes
  the periodic copy continuous. Blurring that mirrored image periodically is *exactly*
  ``scipy.ndimage.convolve(image, psf, mode="reflect")``, the model :func:`degrade` uses, and for
  PSFs symmetric in each axis the deconvolution then inverts that model exactly.
* :func:`richardson_lucy` follows ``skimage.restoration.richardson_lucy(..., clip=False)``: start
  at 0.5, zero-padded ("same"-size) convolutions, ``1e-12`` added before dividing. For even PSF
  sizes that function's origin is ``((kh - 1) // 2, (kw - 1) // 2)`` (``scipy.signal.convolve``),
  one pixel off the convention above; odd sizes agree.
* :func:`bilateral_filter` is ``cv2.bilateralFilter(image, diameter, sigma_color, sigma_space)``:
  a circular window of radius ``max(diameter // 2, 1)``, borders by ``BORDER_REFLECT_101``,
  ``sigma_color`` in the image's units (gray levels for uint8).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_rng,
)
from .image import as_float_image

__all__ = [
    "BlindResult",
    "RestorationScores",
    "WienerDeconvolver",
    "bilateral_filter",
    "bilateral_filter_naive",
    "blind_richardson_lucy",
    "degrade",
    "disk_psf",
    "gaussian_psf",
    "inverse_filter",
    "motion_psf",
    "psf_to_otf",
    "restoration_scores",
    "richardson_lucy",
    "richardson_lucy_step",
    "wiener",
]

#: The largest PSF side and transfer-function side accepted: nothing can ask for gigabytes.
MAX_PSF, MAX_SIDE = 255, 8192


# -- shared checks -------------------------------------------------------------------------------


def _image(image: Any, name: str = "image") -> tuple[np.ndarray, type]:
    """A gray image as float64 values (uint8 / 255) and the dtype results are returned in."""
    arr = check_image(image, name, ndim=2, fix="restore each channel separately, or use to_gray()")
    if max(arr.shape) > MAX_SIDE:
        raise ValueError(f"{name} must be at most {MAX_SIDE} pixels a side; got shape {arr.shape}")
    out_dtype = np.float64 if arr.dtype == np.float64 else np.float32
    if arr.dtype.kind == "f":
        return arr.astype(np.float64), out_dtype  # any finite float: deconvolution is linear
    return as_float_image(arr, name).astype(np.float64), out_dtype


def _psf(psf: Any, name: str = "psf") -> np.ndarray:
    psf = as_array(psf, name, ndim=2, kinds="biuf", shape_hint="(kh, kw)").astype(np.float64)
    if max(psf.shape) > MAX_PSF:
        raise ValueError(f"{name} must be at most {MAX_PSF} pixels a side; got shape {psf.shape}")
    if (psf < 0).any():
        raise ValueError(f"{name} must be non-negative (light is not subtracted); got min "
                         f"{psf.min():.3g}")
    if psf.sum() <= 0:
        raise ValueError(f"{name} must have a positive sum; got {psf.sum():.3g}")
    return psf


def _border(border: Any, allowed: tuple[str, ...]) -> str:
    return check_choice(border, "border", allowed)


def _mirror(image: np.ndarray) -> np.ndarray:
    """The image and its three mirror copies, ``(2H, 2W)``: periodic without a jump."""
    h, w = image.shape
    return np.pad(image, ((0, h), (0, w)), mode="symmetric")


# == 1. The degradation model ====================================================================


def gaussian_psf(sigma: float, size: int | None = None) -> np.ndarray:
    """A Gaussian point spread function: out-of-focus optics, atmospheric turbulence.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, 0.1-40.
    size : int, optional
        Odd side length, at most 255; default ``2 * ceil(3 * sigma) + 1`` (the bell down to
        1.1% of its peak at the edge).

    Returns
    -------
    (size, size) ndarray of float64, summing to 1.

    Notes
    -----
    :func:`helpers.filters.gaussian_kernel` with the size chosen from sigma. Its transfer function
    is again a Gaussian, :math:`|H(\\omega)| \\approx e^{-\\sigma^2 \\omega^2 / 2}`: it never
    reaches zero but becomes tiny at high frequencies.

    References
    ----------
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    >>> psf = gaussian_psf(1.0)
    >>> psf.shape, round(float(psf.sum()), 6)
    ((7, 7), 1.0)
    """
    from .filters import gaussian_kernel

    sigma = check_float(sigma, "sigma", min=0.1, max=40.0)
    if size is None:
        size = 2 * int(np.ceil(3 * sigma)) + 1
        size = min(size, MAX_PSF)
    size = check_int(size, "size", min=1, max=MAX_PSF, odd=True)
    return gaussian_kernel(size, sigma)


def motion_psf(length: float, angle: float = 0.0) -> np.ndarray:
    """Linear motion blur: the camera moved ``length`` pixels along a line during the exposure.

    Parameters
    ----------
    length : float
        Length of the motion in pixels, 1-200.
    angle : float
        Direction in degrees, counter-clockwise from the +x axis as seen on screen (y points
        down in the array, so 90 is straight up).

    Returns
    -------
    (s, s) ndarray of float64, summing to 1, with odd ``s = 2 * ceil(length / 2) + 1``.

    Notes
    -----
    The segment from :math:`-L/2` to :math:`L/2` through the centre is sampled at 16 points per
    pixel and each sample is spread over its four nearest pixels (bilinear weights), so lines at
    any angle have the same total weight and no jagged gaps. Its transfer function is a sinc
    along the motion, :math:`\\sin(\\pi L u) / (\\pi L u)`, with exact **zeros**: frequencies
    that the blur destroys completely.

    References
    ----------
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    A horizontal streak of 3 pixels, in the middle row of a 5x5 kernel:

    >>> motion_psf(3, 0)[2].round(3)
    array([0.046, 0.291, 0.327, 0.291, 0.046])
    """
    length = check_float(length, "length", min=1.0, max=200.0)
    angle = check_float(angle, "angle", min=-360.0, max=360.0)
    half = int(np.ceil(length / 2))
    size = 2 * half + 1
    n = int(np.ceil(length * 16)) + 1
    t = np.linspace(-length / 2, length / 2, n)
    theta = np.deg2rad(angle)
    xs, ys = half + t * np.cos(theta), half - t * np.sin(theta)
    psf = np.zeros((size, size))
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = xs - x0, ys - y0
    for dy, dx, weight in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx),
                           (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        yy, xx = np.clip(y0 + dy, 0, size - 1), np.clip(x0 + dx, 0, size - 1)
        np.add.at(psf, (yy, xx), weight)
    return psf / psf.sum()


def disk_psf(radius: float) -> np.ndarray:
    """A uniform disc: the blur of a lens focused at the wrong distance (defocus).

    Parameters
    ----------
    radius : float
        Radius in pixels, 0.5-100.

    Returns
    -------
    (s, s) ndarray of float64, summing to 1, ``s = 2 * ceil(radius) + 1``.

    Notes
    -----
    Each pixel's weight is the fraction of it inside the circle, estimated on an 8x8 grid of
    sub-pixels, so small discs are round rather than square. Its transfer function (an Airy-like
    pattern, :math:`2 J_1(x) / x`) has rings of exact zeros.

    References
    ----------
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    >>> disk_psf(1.0).round(3)  # the corners hold the small part of them inside the circle
    array([[0.029, 0.144, 0.029],
           [0.144, 0.308, 0.144],
           [0.029, 0.144, 0.029]])
    """
    radius = check_float(radius, "radius", min=0.5, max=100.0)
    half = int(np.ceil(radius))
    size = 2 * half + 1
    sub = (np.arange(size * 8) + 0.5) / 8 - half - 0.5  # sub-pixel centres
    inside = (sub[:, None] ** 2 + sub[None, :] ** 2) <= radius**2
    psf = inside.reshape(size, 8, size, 8).mean(axis=(1, 3))
    psf[psf < 1e-3] = 0.0  # corners grazed by the circle by a hair: not part of the disc
    return psf / psf.sum()


def psf_to_otf(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Transfer function of a PSF on an ``(H, W)`` grid (the real-input FFT's half plane).

    Parameters
    ----------
    psf : (kh, kw) ndarray
        The point spread function (non-negative, positive sum, sides at most 255).
    shape : (int, int)
        The grid ``(H, W)``, at least the PSF's size and at most 8192 a side.

    Returns
    -------
    (H, W // 2 + 1) ndarray of complex128
        ``H(u, v)``, to multiply with ``numpy.fft.rfft2`` of an ``(H, W)`` image.

    Notes
    -----
    The PSF is zero-padded to ``(H, W)`` and rolled so that its origin ``(kh // 2, kw // 2)``
    lands on pixel ``(0, 0)``: otherwise the product of transforms would shift the image. Then
    the convolution theorem holds for periodic (circular) convolution:

    .. math:: \\mathcal{F}\\{h \\circledast f\\} = H \\cdot F

    Equal to ``skimage.restoration.uft.ir2tf(psf, shape)`` (tests/test_restoration.py).

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 4.6 (2018).
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    A PSF that sums to one passes the mean unchanged: ``H(0, 0) = 1``.

    >>> otf = psf_to_otf(np.full((3, 3), 1 / 9), (8, 8))
    >>> otf.shape, complex(otf[0, 0].round(12))
    ((8, 5), (1+0j))
    """
    psf = _psf(psf)
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be a pair (H, W); got {shape!r}")
    h = check_int(shape[0], "shape[0]", min=psf.shape[0], max=MAX_SIDE)
    w = check_int(shape[1], "shape[1]", min=psf.shape[1], max=MAX_SIDE)
    return _otf(psf, (h, w))


def _otf(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    padded = np.zeros(shape)
    kh, kw = psf.shape
    padded[:kh, :kw] = psf
    padded = np.roll(padded, (-(kh // 2), -(kw // 2)), axis=(0, 1))
    return np.fft.rfft2(padded)


def _check_fits(image: np.ndarray, psf: np.ndarray, border: str) -> None:
    limit = 2 if border == "reflect" else 1
    if psf.shape[0] > limit * image.shape[0] or psf.shape[1] > limit * image.shape[1]:
        raise ValueError(
            f"psf of shape {psf.shape} is too large for an image of shape {image.shape} with "
            f"border={border!r}; use a smaller PSF or a larger image"
        )


def _periodic_domain(image: np.ndarray, border: str) -> np.ndarray:
    return _mirror(image) if border == "reflect" else image


def degrade(
    image: np.ndarray,
    psf: np.ndarray,
    noise_sigma: float,
    *,
    rng: np.random.Generator | int,
    border: str = "reflect",
) -> np.ndarray:
    """The degradation model: blur by a PSF, then add white Gaussian noise, ``g = h * f + n``.

    Parameters
    ----------
    image : (H, W) ndarray
        The clean image ``f``: uint8, or float in [0, 1].
    psf : (kh, kw) ndarray
        The blur ``h`` (non-negative, positive sum).
    noise_sigma : float
        Standard deviation of the noise ``n`` in [0, 1] units (0 to 1; 0 for blur only).
    rng : numpy.random.Generator or int
        Source of the noise.
    border : {"reflect", "periodic"}
        How the blur sees beyond the image: "reflect" mirrors it (``cba|abcd|dcb``, a real
        camera's view continues smoothly), "periodic" wraps it around.

    Returns
    -------
    (H, W) ndarray
        float32 (float64 for float64 input); not clipped, so the noise keeps its zero mean.

    Notes
    -----
    .. math:: g(x, y) = \\sum_{s, t} h(s, t)\\, f(x - s, y - t) + n(x, y), \\qquad
              n \\sim \\mathcal{N}(0, \\sigma^2)\\ \\text{i.i.d.}

    In the frequency domain :math:`G = H F + N`. The blur is computed there (one FFT each way
    on the mirrored image for "reflect"); it equals ``scipy.ndimage.convolve(image, psf,
    mode="reflect")`` (or ``mode="wrap"``) to about 1e-15 (tests/test_restoration.py). The noise
    comes from :func:`helpers.filters.add_gaussian_noise` with ``clip=False``.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 5.1 (2018).
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    Blur without noise keeps a flat image flat:

    >>> degrade(np.full((4, 4), 0.5), gaussian_psf(1.0), 0.0, rng=0).round(6)[0]
    array([0.5, 0.5, 0.5, 0.5])
    """
    from .filters import add_gaussian_noise

    values, out_dtype = _image(image)
    psf = _psf(psf)
    noise_sigma = check_float(noise_sigma, "noise_sigma", min=0.0, max=1.0)
    rng = check_rng(rng)
    border = _border(border, ("reflect", "periodic"))
    _check_fits(values, psf, border)
    domain = _periodic_domain(values, border)
    blurred = np.fft.irfft2(np.fft.rfft2(domain) * _otf(psf, domain.shape), s=domain.shape)
    blurred = blurred[: values.shape[0], : values.shape[1]]
    if noise_sigma > 0:
        noisy = add_gaussian_noise(np.zeros(values.shape), noise_sigma, rng=rng, clip=False)
        blurred = blurred + noisy.astype(np.float64)
    return blurred.astype(out_dtype)


# == 2. Inverse and Wiener filters ===============================================================


def inverse_filter(
    image: np.ndarray, psf: np.ndarray, *, cutoff: float = 0.0, border: str = "reflect"
) -> np.ndarray:
    """Divide by the transfer function: ``F = G / H``. Exact without noise, useless with it.

    Parameters
    ----------
    image : (H, W) ndarray
        The degraded image ``g``.
    psf : (kh, kw) ndarray
        The blur ``h`` it went through.
    cutoff : float
        In [0, 1). Frequencies where ``|H| <= cutoff * max|H|`` are set to zero instead of
        divided ("pseudo-inverse"); 0 divides everywhere except where ``H`` is exactly 0.
    border : {"reflect", "periodic"}
        See the module docstring; "reflect" matches images blurred with :func:`degrade`'s
        default.

    Returns
    -------
    (H, W) ndarray
        float32 (float64 for float64 input), not clipped.

    Notes
    -----
    .. math:: \\hat F = \\frac{G}{H} = F + \\frac{N}{H}

    Where the blur all but removed a frequency, :math:`|H|` is tiny and the noise term
    :math:`N / H` is multiplied enormously: a Gaussian PSF with :math:`\\sigma = 2` has
    :math:`|H| < 10^{-8}` at the highest frequencies, so noise of 0.01 becomes errors of
    :math:`10^{6}`. Even 8-bit rounding (noise of about 0.001) is enough to ruin the result.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 5.7 (2018).
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    Without noise, the inverse filter undoes a mild blur exactly:

    >>> f = np.random.default_rng(0).random((16, 16))
    >>> g = degrade(f, gaussian_psf(0.7), 0.0, rng=0)
    >>> bool(np.abs(inverse_filter(g, gaussian_psf(0.7)) - f).max() < 1e-9)
    True
    """
    values, out_dtype = _image(image)
    psf = _psf(psf)
    cutoff = check_float(cutoff, "cutoff", min=0.0, max=1.0, max_inclusive=False)
    border = _border(border, ("reflect", "periodic"))
    _check_fits(values, psf, border)
    domain = _periodic_domain(values, border)
    otf = _otf(psf, domain.shape)
    magnitude = np.abs(otf)
    keep = magnitude > cutoff * magnitude.max()
    gain = np.zeros_like(otf)
    gain[keep] = 1.0 / otf[keep]
    restored = np.fft.irfft2(np.fft.rfft2(domain) * gain, s=domain.shape)
    return restored[: values.shape[0], : values.shape[1]].astype(out_dtype)


def wiener(
    image: np.ndarray,
    psf: np.ndarray,
    balance: float,
    *,
    border: str = "reflect",
    keep_mean: bool = True,
) -> np.ndarray:
    """The Wiener filter: the linear deconvolution with the least mean squared error.

    Parameters
    ----------
    image : (H, W) ndarray
        The degraded image ``g = h * f + n`` (uint8, or float).
    psf : (kh, kw) ndarray
        The blur ``h`` (non-negative, positive sum; origin at ``(kh // 2, kw // 2)``).
    balance : float
        The noise-to-signal power ratio ``K = S_n / S_f`` (> 0, at most 1e6), taken constant
        over frequencies. Small: sharper, noisier; large: smoother. Zero is the inverse filter
        (:func:`inverse_filter`).
    border : {"reflect", "periodic"}
        "reflect" (default) deconvolves the mirrored image, which removes the ringing a periodic
        filter produces along the borders of a real photo; "periodic" is the plain FFT filter.
    keep_mean : bool
        Pass the zero frequency (the image's mean) unscaled: ``W(0, 0) = 1 / H(0, 0)``. The one
        frequency where a constant ``K`` is certainly wrong: the mean of a photo carries far more
        power than the noise. ``False`` applies the formula there too (dimming the image by
        ``1 / (1 + K)``), as ``skimage.restoration.wiener`` does.

    Returns
    -------
    (H, W) ndarray
        float32 (float64 for float64 input), not clipped.

    Notes
    -----
    Among all linear filters :math:`W`, the one minimising :math:`E|F - W G|^2` for
    :math:`G = H F + N` is

    .. math:: W(u, v) = \\frac{H^*(u, v)}{|H(u, v)|^2 + S_n(u, v) / S_f(u, v)}
              \\approx \\frac{H^*}{|H|^2 + K}

    Where :math:`|H|^2 \\gg K` it inverts the blur (:math:`W \\approx 1/H`); where
    :math:`|H|^2 \\ll K`, it gives up (:math:`W \\approx H^* / K \\to 0`) instead of amplifying
    noise. With ``border="periodic", keep_mean=False`` it equals
    ``skimage.restoration.wiener(image, psf, balance, reg=np.ones((1, 1)), clip=False)`` to
    1e-12 (tests/test_restoration.py; scikit-image's default ``reg`` is a Laplacian, so its
    ``balance`` weighs high frequencies more and means something else).

    References
    ----------
    N. Wiener, *Extrapolation, Interpolation, and Smoothing of Stationary Time Series*, MIT Press
    (1949). R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 5.8 (2018).
    M. K. Ng, R. H. Chan and W.-C. Tang, "A fast algorithm for deblurring models with Neumann
    boundary conditions", *SIAM J. Sci. Comput.* 21(3), 1999 (the mirrored border).
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    Without noise and with a tiny balance, Wiener is nearly the inverse filter:

    >>> f = np.random.default_rng(0).random((16, 16))
    >>> g = degrade(f, gaussian_psf(0.7), 0.0, rng=0)
    >>> bool(np.abs(wiener(g, gaussian_psf(0.7), 1e-10) - f).max() < 1e-4)
    True
    """
    balance = check_float(balance, "balance", min=0.0, max=1e6, min_inclusive=False)
    keep_mean = check_bool(keep_mean, "keep_mean")
    return WienerDeconvolver(image, psf, border=border).restore(balance, keep_mean=keep_mean)


class WienerDeconvolver:
    """The Wiener filter for one image and one PSF, with their FFTs computed once.

    :func:`wiener` for several balances: the transforms of the (mirrored) image and of the PSF
    do not depend on the balance, so each :meth:`restore` costs one inverse FFT. Used by the
    Wiener explorer, where the balance moves under a slider.

    Parameters
    ----------
    image : (H, W) ndarray
        The degraded image (uint8, or float).
    psf : (kh, kw) ndarray
        The blur (non-negative, positive sum).
    border : {"reflect", "periodic"}
        As in :func:`wiener`.

    Notes
    -----
    ``WienerDeconvolver(image, psf, border=b).restore(k, keep_mean=m)`` equals
    ``wiener(image, psf, k, border=b, keep_mean=m)`` exactly (it is what :func:`wiener` runs).

    References
    ----------
    Used in chapters/07_restoration.ipynb (the Wiener explorer).

    Examples
    --------
    >>> g = degrade(np.random.default_rng(0).random((16, 16)), gaussian_psf(1.0), 0.01, rng=0)
    >>> deconvolver = WienerDeconvolver(g, gaussian_psf(1.0))
    >>> [round(float(deconvolver.restore(k).std()), 3) for k in (1e-3, 1e-1)]  # less K, sharper
    [0.23, 0.093]
    """

    def __init__(self, image: np.ndarray, psf: np.ndarray, *, border: str = "reflect") -> None:
        values, self.out_dtype = _image(image)
        psf = _psf(psf)
        self.border = _border(border, ("reflect", "periodic"))
        _check_fits(values, psf, self.border)
        self.shape = values.shape
        domain = _periodic_domain(values, self.border)
        self.domain_shape = domain.shape
        self.spectrum = np.fft.rfft2(domain)  # G(u, v)
        self.otf = _otf(psf, domain.shape)  # H(u, v)
        self.otf_power = np.abs(self.otf) ** 2

    def restore(self, balance: float, *, keep_mean: bool = True) -> np.ndarray:
        """The Wiener estimate for one balance ``K`` (see :func:`wiener`).

        Parameters
        ----------
        balance : float
            The noise-to-signal ratio ``K`` (> 0, at most 1e6).
        keep_mean : bool
            Pass the zero frequency unscaled.

        Returns
        -------
        (H, W) ndarray
            float32 (float64 for float64 input), not clipped.
        """
        balance = check_float(balance, "balance", min=0.0, max=1e6, min_inclusive=False)
        keep_mean = check_bool(keep_mean, "keep_mean")
        gain = np.conj(self.otf) / (self.otf_power + balance)
        if keep_mean:
            gain[0, 0] = 1.0 / self.otf[0, 0]
        restored = np.fft.irfft2(self.spectrum * gain, s=self.domain_shape)
        return restored[: self.shape[0], : self.shape[1]].astype(self.out_dtype)


# == 3. Richardson-Lucy ==========================================================================


class _LinearConvolver:
    """Zero-padded 'same' convolution with a fixed PSF and its mirror, FFTs precomputed.

    ``scipy.signal.convolve(x, psf, mode="same")`` (what scikit-image's Richardson-Lucy uses):
    the full linear convolution, cropped to ``x``'s size starting at ``(kh - 1) // 2``.
    """

    def __init__(self, shape: tuple[int, int], psf: np.ndarray) -> None:
        from scipy.fft import next_fast_len

        h, w = shape
        kh, kw = psf.shape
        self.shape = shape
        self.full = (next_fast_len(h + kh - 1, real=True), next_fast_len(w + kw - 1, real=True))
        self.start = ((kh - 1) // 2, (kw - 1) // 2)
        self.psf = psf
        self.psf_f = np.fft.rfft2(psf, s=self.full)
        self.mirror_f = None  # computed on first use: the blind PSF updates never need it

    def _apply(self, x: np.ndarray, kernel_f: np.ndarray) -> np.ndarray:
        out = np.fft.irfft2(np.fft.rfft2(x, s=self.full) * kernel_f, s=self.full)
        (y0, x0), (h, w) = self.start, self.shape
        return out[y0 : y0 + h, x0 : x0 + w]

    def blur(self, x: np.ndarray) -> np.ndarray:
        return self._apply(x, self.psf_f)

    def correlate(self, x: np.ndarray) -> np.ndarray:
        if self.mirror_f is None:
            self.mirror_f = np.fft.rfft2(self.psf[::-1, ::-1], s=self.full)
        return self._apply(x, self.mirror_f)


#: Added to the re-blurred estimate before dividing by it (scikit-image's value).
RL_EPSILON = 1e-12


def richardson_lucy_step(estimate: np.ndarray, image: np.ndarray, psf: np.ndarray) -> np.ndarray:
    """One Richardson-Lucy update: re-blur, compare with the data, correct multiplicatively.

    Parameters
    ----------
    estimate : (H, W) ndarray
        The current estimate of the sharp image (non-negative).
    image : (H, W) ndarray
        The observed blurred image ``g``.
    psf : (kh, kw) ndarray
        The blur ``h``.

    Returns
    -------
    (H, W) ndarray of float64
        The next estimate.

    Notes
    -----
    .. math:: f_{k+1} = f_k \\cdot \\left( \\frac{g}{h * f_k + \\epsilon} \\star h \\right)

    where :math:`*` is convolution, :math:`\\star` correlation (convolution with the PSF
    flipped) and :math:`\\epsilon = 10^{-12}`; both are zero-padded and cropped to the image's
    size, as ``scipy.signal.convolve(..., mode="same")``. Where the re-blurred estimate is too
    dark the ratio exceeds 1 and the estimate brightens there, and the other way round. A
    non-negative start stays non-negative. Running it ``n`` times from 0.5 is
    :func:`richardson_lucy` (tests/test_restoration.py).

    References
    ----------
    W. H. Richardson, "Bayesian-based iterative method of image restoration", *JOSA* 62(1), 1972.
    L. B. Lucy, "An iterative technique for the rectification of observed distributions",
    *Astronomical Journal* 79(6), 1974. Used in chapters/07_restoration.ipynb.

    Examples
    --------
    An estimate that already explains the data (with the identity PSF) does not change:

    >>> g = np.array([[0.2, 0.4], [0.6, 0.8]])
    >>> richardson_lucy_step(g, g, np.ones((1, 1))).round(6)
    array([[0.2, 0.4],
           [0.6, 0.8]])
    """
    data, _ = _image(image)
    current = as_array(estimate, "estimate", ndim=2, shape_hint="(H, W)").astype(np.float64)
    if current.shape != data.shape:
        raise ValueError(f"estimate and image must have the same shape; got {current.shape} and "
                         f"{data.shape}")
    psf = _psf(psf)
    conv = _LinearConvolver(data.shape, psf)
    return current * conv.correlate(data / (conv.blur(current) + RL_EPSILON))


def richardson_lucy(
    image: np.ndarray, psf: np.ndarray, num_iter: int = 30, *, border: str = "constant"
) -> np.ndarray:
    """Richardson-Lucy deconvolution: the maximum-likelihood image under Poisson noise.

    Parameters
    ----------
    image : (H, W) ndarray
        The blurred image ``g`` (uint8, or float; values should be >= 0).
    psf : (kh, kw) ndarray
        The blur ``h`` (non-negative, positive sum, normally summing to 1).
    num_iter : int
        Number of updates, 1-10,000. Few: still blurred; many: noise and ringing grow
        (the iteration count is the regularisation).
    border : {"constant", "reflect"}
        "constant" (default): zero-padded convolutions, as scikit-image. "reflect": the image is
        first mirrored by the PSF's size on every side, deconvolved, and cropped back, so its
        borders are not treated as falling off to black.

    Returns
    -------
    (H, W) ndarray
        float32 (float64 for float64 input), not clipped.

    Notes
    -----
    Starting from :math:`f_0 = 0.5`, repeat :func:`richardson_lucy_step`. Each update increases
    the Poisson likelihood of the data; it keeps the estimate non-negative and (for a PSF summing
    to 1, away from the borders) its total brightness. The FFTs of the PSF and of its mirror are
    computed once, so an iteration costs four real FFTs.

    With ``border="constant"`` it agrees with ``skimage.restoration.richardson_lucy(image, psf,
    num_iter=num_iter, clip=False)`` to about 1e-12 on float64 images (tests/test_restoration.py;
    uint8 images are divided by 255 here, and scikit-image would deconvolve 0-255 values).

    References
    ----------
    W. H. Richardson (1972) and L. B. Lucy (1974), see :func:`richardson_lucy_step`.
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    A single bright pixel blurred by a 3x3 box comes back sharper after a few iterations:

    >>> g = np.zeros((7, 7)); g[2:5, 2:5] = 1 / 9
    >>> f = richardson_lucy(g, np.full((3, 3), 1 / 9), num_iter=50)
    >>> bool(f[3, 3] > 0.5 and f[3, 3] == f.max())
    True
    """
    data, out_dtype = _image(image)
    psf = _psf(psf)
    num_iter = check_int(num_iter, "num_iter", min=1, max=10_000)
    border = _border(border, ("constant", "reflect"))
    if border == "reflect":
        ph, pw = psf.shape
        if ph > data.shape[0] or pw > data.shape[1]:
            raise ValueError(f"psf of shape {psf.shape} is larger than the image {data.shape}; "
                             "use border='constant' or a smaller PSF")
        padded = np.pad(data, ((ph, ph), (pw, pw)), mode="symmetric")
    else:
        padded = data
    conv = _LinearConvolver(padded.shape, psf)
    estimate = np.full(padded.shape, 0.5)
    for _ in range(num_iter):
        estimate *= conv.correlate(padded / (conv.blur(estimate) + RL_EPSILON))
    if border == "reflect":
        estimate = estimate[ph:-ph, pw:-pw]
    return estimate.astype(out_dtype)


class BlindResult(NamedTuple):
    """What :func:`blind_richardson_lucy` returns: the image and the PSF it settled on."""

    image: np.ndarray
    psf: np.ndarray


def blind_richardson_lucy(
    image: np.ndarray,
    initial_psf: np.ndarray,
    num_iter: int = 20,
    *,
    image_iter: int = 1,
    psf_iter: int = 5,
) -> BlindResult:
    """Blind deconvolution by alternating Richardson-Lucy updates of the image and the PSF.

    Parameters
    ----------
    image : (H, W) ndarray
        The blurred image ``g`` (uint8, or float >= 0).
    initial_psf : (kh, kw) ndarray
        A first guess of the blur, e.g. a flat disc or a wide Gaussian. Its **size is the
        prior**: the estimated PSF never grows beyond it. Non-negative, positive sum.
    num_iter : int
        Outer rounds, 1-1,000.
    image_iter, psf_iter : int
        Richardson-Lucy updates of the image (PSF fixed), then of the PSF (image fixed), per
        round; 1-100 each.

    Returns
    -------
    BlindResult
        ``image``: (H, W) float32 (float64 for float64 input); ``psf``: (kh, kw) float64
        summing to 1.

    Notes
    -----
    Convolution is symmetric in its two arguments, so the Richardson-Lucy update works for
    either one while the other is held fixed (Fish et al. 1995). With :math:`r = g / (h * f)`:

    .. math::
        f \\leftarrow f \\cdot (r \\star h), \\qquad
        h \\leftarrow \\frac{h \\cdot (r \\star f)|_{\\text{support}}}{\\sum f}

    followed by clipping the PSF at 0 and normalising it to sum 1. The image starts from the
    blurred data. Honest limits: the problem is ill-posed (``f = g`` with ``h`` a single pixel
    explains the data perfectly), so the answer depends on the initial PSF's size and shape and
    on the number of iterations; it typically recovers a blur of the right *width*, and rarely
    beats non-blind Richardson-Lucy with the true PSF.

    References
    ----------
    D. A. Fish, A. M. Brinicombe, E. R. Pike and J. G. Walker, "Blind deconvolution by means of
    the Richardson-Lucy algorithm", *JOSA A* 12(1), 1995. Used in chapters/07_restoration.ipynb.

    Examples
    --------
    >>> g = degrade(np.random.default_rng(0).random((32, 32)), gaussian_psf(1.0), 0.0, rng=0)
    >>> result = blind_richardson_lucy(g, np.full((5, 5), 1 / 25), num_iter=3)
    >>> result.psf.shape, round(float(result.psf.sum()), 6)
    ((5, 5), 1.0)
    """
    data, out_dtype = _image(image)
    psf = _psf(initial_psf, "initial_psf")
    num_iter = check_int(num_iter, "num_iter", min=1, max=1000)
    image_iter = check_int(image_iter, "image_iter", min=1, max=100)
    psf_iter = check_int(psf_iter, "psf_iter", min=1, max=100)
    kh, kw = psf.shape
    if kh > data.shape[0] or kw > data.shape[1]:
        raise ValueError(f"initial_psf of shape {psf.shape} is larger than the image "
                         f"{data.shape}; use a smaller first guess")
    from scipy.fft import next_fast_len

    # Mirror the data by the PSF's size on every side (as richardson_lucy(border="reflect")):
    # zero-padded borders would look like black edges that the updates try to explain.
    data = np.pad(np.clip(data, 0.0, None), ((kh, kh), (kw, kw)), mode="symmetric")
    h, w = data.shape
    full = (next_fast_len(h + kh - 1, real=True), next_fast_len(w + kw - 1, real=True))
    y0, x0 = (kh - 1) // 2, (kw - 1) // 2
    psf = psf / psf.sum()
    estimate = data.copy()
    for _ in range(num_iter):
        conv = _LinearConvolver(data.shape, psf)
        for _ in range(image_iter):
            estimate *= conv.correlate(data / (conv.blur(estimate) + RL_EPSILON))
        # PSF step. (h * f)(x) = sum_k h(k) f(x - k + o) with o = (y0, x0), so the derivative
        # of the likelihood in h(k) needs c(k) = sum_x r(x) f(x - k + o): the cross-correlation
        # of r with f at lag o - k, computed for all lags at once with FFTs.
        estimate_f = np.fft.rfft2(estimate, s=full)
        total = estimate.sum()
        for _ in range(psf_iter):
            ratio = data / (conv.blur(estimate) + RL_EPSILON)
            lags = np.fft.irfft2(np.fft.rfft2(ratio, s=full).conj() * estimate_f, s=full)
            ky = (y0 - np.arange(kh)) % full[0]
            kx = (x0 - np.arange(kw)) % full[1]
            psf = psf * lags[np.ix_(ky, kx)] / max(total, RL_EPSILON)
            psf = np.clip(psf, 0.0, None)
            psf /= max(psf.sum(), RL_EPSILON)
            conv = _LinearConvolver(data.shape, psf)
    return BlindResult(estimate[kh:-kh, kw:-kw].astype(out_dtype), psf)


# == 4. Edge-preserving smoothing: the bilateral filter ===========================================


def _bilateral_inputs(image, diameter, sigma_color, sigma_space):
    image = check_image(image, ndim=2, fix="filter each channel separately, or use to_gray()")
    if image.dtype not in (np.uint8, np.float32, np.float64):
        raise TypeError(f"image must be uint8 or float (as cv2.bilateralFilter); got dtype "
                        f"{image.dtype} - convert with helpers.image.as_float_image()")
    diameter = check_int(diameter, "diameter", min=0, max=101)
    sigma_color = check_float(sigma_color, "sigma_color", min=0.0, max=1e6, min_inclusive=False)
    sigma_space = check_float(sigma_space, "sigma_space", min=0.0, max=1e6, min_inclusive=False)
    if diameter == 0 and sigma_space > 60:
        raise ValueError(f"sigma_space must be <= 60 when diameter is 0 (the window would be "
                         f"{2 * round(1.5 * sigma_space) + 1} pixels wide); got {sigma_space} - "
                         "pass a diameter")
    radius = int(np.round(sigma_space * 1.5)) if diameter == 0 else diameter // 2
    radius = max(radius, 1)
    if radius >= min(image.shape):
        raise ValueError(f"the window radius ({radius}) must be smaller than the image's sides "
                         f"{image.shape} for the mirrored border; use a smaller diameter")
    return image, radius, sigma_color, sigma_space


def _bilateral_dtype(image: np.ndarray) -> type:
    return np.float64 if image.dtype == np.float64 else np.float32


def _bilateral_offsets(radius: int, sigma_space: float, dtype) -> list[tuple[int, int, Any]]:
    """(dy, dx, spatial weight) for every offset inside the circle of the given radius."""
    offsets = []
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            r = np.sqrt(dy * dy + dx * dx)
            if r > radius:
                continue  # OpenCV's window is a disc, not a square
            offsets.append((dy, dx, dtype(np.exp(-(r * r) / (2 * sigma_space**2)))))
    return offsets


def _colour_weight(diff: np.ndarray, sigma_color: float, image_dtype, dtype) -> np.ndarray:
    if image_dtype == np.uint8:
        # OpenCV tabulates the weight per whole gray-level difference (0-255).
        table = np.exp(-(np.arange(256.0) ** 2) / (2 * sigma_color**2)).astype(dtype)
        return table[np.abs(diff).astype(np.int64)]
    return np.exp(-(diff * diff) / dtype(2 * sigma_color**2)).astype(dtype)


def bilateral_filter_naive(
    image: np.ndarray, diameter: int, sigma_color: float, sigma_space: float
) -> np.ndarray:
    """The bilateral filter one pixel at a time: weights for distance *and* difference.

    Same signature and result as :func:`bilateral_filter`; kept for reading (small images).

    Parameters
    ----------
    image : (H, W) ndarray
        uint8 (0-255) or float.
    diameter : int
        Window diameter (0-101); the radius is ``max(diameter // 2, 1)``, or
        ``round(1.5 * sigma_space)`` when ``diameter`` is 0, as in OpenCV.
    sigma_color : float
        How different a neighbour's value may be and still count, in the image's units (> 0).
    sigma_space : float
        How far a neighbour may be and still count, in pixels (> 0; at most 60 when
        ``diameter`` is 0).

    Returns
    -------
    (H, W) ndarray
        uint8 (rounded) for uint8 input, float32 for float32, float64 for float64.

    Notes
    -----
    .. math::
        BF[I](p) = \\frac{\\sum_{q \\in S_p} w_s(p, q)\\, w_c(p, q)\\, I(q)}
                        {\\sum_{q \\in S_p} w_s(p, q)\\, w_c(p, q)}, \\quad
        w_s = e^{-\\lVert p - q \\rVert^2 / 2\\sigma_s^2}, \\quad
        w_c = e^{-(I(p) - I(q))^2 / 2\\sigma_c^2}

    Over a flat area :math:`w_c \\approx 1` and it is a Gaussian blur; across an edge the
    pixels on the other side get :math:`w_c \\approx 0`, so the edge is not smeared.

    References
    ----------
    C. Tomasi and R. Manduchi, "Bilateral filtering for gray and color images", *ICCV* 1998.
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    >>> step = np.array([[10, 10, 200, 200]] * 3, np.uint8)
    >>> bilateral_filter_naive(step, 3, 20, 2)[1]  # the step survives
    array([ 10,  10, 200, 200], dtype=uint8)
    """
    image, radius, sigma_color, sigma_space = _bilateral_inputs(
        image, diameter, sigma_color, sigma_space
    )
    dtype = _bilateral_dtype(image)
    offsets = _bilateral_offsets(radius, sigma_space, dtype)
    padded = np.pad(image.astype(dtype), radius, mode="reflect")  # reflect101
    h, w = image.shape
    out = np.zeros((h, w), dtype=dtype)
    for y in range(h):
        for x in range(w):
            centre = padded[y + radius, x + radius]
            num = den = dtype(0)
            for dy, dx, ws in offsets:  # every neighbour in the disc
                value = padded[y + radius + dy, x + radius + dx]
                weight = ws * _colour_weight(np.array(value - centre), sigma_color,
                                             image.dtype, dtype)
                num += dtype(value * weight)
                den += dtype(weight)
            out[y, x] = num / den
    if image.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out


def bilateral_filter(
    image: np.ndarray, diameter: int, sigma_color: float, sigma_space: float
) -> np.ndarray:
    """Edge-preserving smoothing: each pixel averages the neighbours that look like it.

    Parameters
    ----------
    image : (H, W) ndarray
        uint8 (0-255) or float (float32 as OpenCV; float64 computed in float64).
    diameter : int
        Window diameter (0-101); radius ``max(diameter // 2, 1)``, or ``round(1.5 *
        sigma_space)`` when ``diameter`` is 0, as in OpenCV.
    sigma_color : float
        Range sigma in the image's units (gray levels for uint8; > 0).
    sigma_space : float
        Spatial sigma in pixels (> 0; at most 60 when ``diameter`` is 0).

    Returns
    -------
    (H, W) ndarray
        uint8 (rounded) for uint8 input, float32 for float32, float64 for float64.

    Notes
    -----
    The formula of :func:`bilateral_filter_naive`, vectorised over the image: one pass per
    offset in the disc, adding ``weight * value`` and ``weight`` for all pixels at once.
    Agreement with ``cv2.bilateralFilter`` (tests/test_restoration.py): float32 to about 1e-6;
    uint8 identical up to one gray level on a handful of pixels (float rounding of the sums), as
    long as OpenCV runs its own code. The opencv-python wheels hand 8-bit images with a radius
    of 1 or 2 to Intel IPP, whose result differs by one gray level on many pixels
    (``cv2.ipp.setUseIPP(False)`` restores exact agreement).

    References
    ----------
    C. Tomasi and R. Manduchi, "Bilateral filtering for gray and color images", *ICCV* 1998.
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    >>> step = np.array([[10, 10, 200, 200]] * 3, np.uint8)
    >>> bilateral_filter(step, 3, 20, 2)[1]
    array([ 10,  10, 200, 200], dtype=uint8)
    """
    image, radius, sigma_color, sigma_space = _bilateral_inputs(
        image, diameter, sigma_color, sigma_space
    )
    dtype = _bilateral_dtype(image)
    padded = np.pad(image.astype(dtype), radius, mode="reflect")  # reflect101
    h, w = image.shape
    centre = padded[radius : radius + h, radius : radius + w]
    num = np.zeros((h, w), dtype=dtype)
    den = np.zeros((h, w), dtype=dtype)
    for dy, dx, ws in _bilateral_offsets(radius, sigma_space, dtype):
        value = padded[radius + dy : radius + dy + h, radius + dx : radius + dx + w]
        weight = ws * _colour_weight(value - centre, sigma_color, image.dtype, dtype)
        num += value * weight
        den += weight
    out = num / den
    if image.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out


# == 5. Scores ===================================================================================


class RestorationScores(NamedTuple):
    """PSNR (dB, higher is better) and SSIM (at most 1, higher is better) of a restoration."""

    psnr: float
    ssim: float


def restoration_scores(
    reference: np.ndarray, test: np.ndarray, *, data_range: float = 1.0
) -> RestorationScores:
    """PSNR and SSIM of ``test`` against the clean ``reference``.

    Parameters
    ----------
    reference, test : (H, W) ndarray
        The clean image and the one to score, same shape, same units (both in [0, 1] by default;
        ``test`` may overshoot, it is scored as it is).
    data_range : float
        The range of the data, 1.0 for [0, 1] images, 255 for 0-255 values.

    Returns
    -------
    RestorationScores
        ``(psnr, ssim)``.

    Notes
    -----
    PSNR (:func:`helpers.filters.psnr`) measures the mean squared error, pixel by pixel. SSIM
    compares local means, contrasts and correlations in 7x7 windows,

    .. math:: \\mathrm{SSIM}(x, y) = \\frac{(2\\mu_x\\mu_y + C_1)(2\\sigma_{xy} + C_2)}
              {(\\mu_x^2 + \\mu_y^2 + C_1)(\\sigma_x^2 + \\sigma_y^2 + C_2)}

    averaged over the image (``skimage.metrics.structural_similarity``): it punishes lost
    structure (blur, ringing) more, and a uniform brightness change less, than PSNR does.

    References
    ----------
    Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image quality assessment: from
    error visibility to structural similarity", *IEEE Trans. Image Processing* 13(4), 2004.
    Used in chapters/07_restoration.ipynb.

    Examples
    --------
    >>> f = np.linspace(0, 1, 64).reshape(8, 8)
    >>> round(restoration_scores(f, f + 0.01).psnr, 6)
    40.0
    """
    from skimage.metrics import structural_similarity

    from .filters import psnr

    ref = as_array(reference, "reference", ndim=2, shape_hint="(H, W)").astype(np.float64)
    out = as_array(test, "test", ndim=2, shape_hint="(H, W)").astype(np.float64)
    if ref.shape != out.shape:
        raise ValueError(f"reference and test must have the same shape; got {ref.shape} and "
                         f"{out.shape}")
    if min(ref.shape) < 7:
        raise ValueError(f"reference must be at least 7x7 for SSIM's window; got {ref.shape}")
    data_range = check_float(data_range, "data_range", min=0.0, min_inclusive=False)
    return RestorationScores(
        psnr(ref, out, data_range=data_range),
        float(structural_similarity(ref, out, data_range=data_range)),
    )
