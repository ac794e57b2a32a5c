"""Convolution and filtering of single-channel images.

Used in chapters/02_filtering.ipynb (and by the edge detectors of chapters/03_edges.ipynb).

Conventions, as in OpenCV's ``cv2.filter2D``:

* :func:`correlate2d` slides the kernel over the image *without flipping it*: this is what the
  notes (and every CNN library) call "convolution". :func:`convolve2d` flips the kernel first,
  which is the mathematical convolution. For symmetric kernels (box, Gaussian) they agree.
* The kernel's anchor is its centre, so kernels for ``mode="same"`` need odd sides.
* Borders: ``mode="same"`` pads the image so the output keeps its size. The border names and
  their equivalents elsewhere:

  ============== =========================== ==================== ============== ================
  ``border``     pads ``abcd`` as            OpenCV               numpy.pad      scipy.ndimage
  ============== =========================== ==================== ============== ================
  "reflect101"   ``dcb|abcd|cba``            BORDER_REFLECT_101   "reflect"      "mirror"
  "reflect"      ``cba|abcd|dcb``            BORDER_REFLECT       "symmetric"    "reflect"
  "replicate"    ``aaa|abcd|ddd``            BORDER_REPLICATE     "edge"         "nearest"
  "constant"     ``000|abcd|000`` (``cval``) BORDER_CONSTANT      "constant"     "constant"
  ============== =========================== ==================== ============== ================

  ``"reflect101"`` is OpenCV's default and ours.
* ``mode="valid"`` uses no padding: only positions where the whole kernel fits, so an
  ``(H, W)`` image and ``(kh, kw)`` kernel give ``(H - kh + 1, W - kw + 1)``.
* Integer and bool images are filtered as float32 values (no rescaling to [0, 1]); float64
  stays float64. Convert with :func:`helpers.color.as_float_image` first for [0, 1].
* The median filter is not linear, keeps the input's dtype (uint8 in, uint8 out) and pads with
  ``"replicate"`` by default, as ``cv2.medianBlur`` does.
* Noise models take an explicit ``rng`` and return float32 images in [0, 1] (clipped, like
  ``skimage.util.random_noise``); :func:`psnr` measures how far a result is from the clean image.
"""

from __future__ import annotations

import numpy as np

from . import notes
from ._validation import (
    as_array,
    check_bool,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_kernel,
    check_rng,
)

__all__ = [
    "BORDERS",
    "DENOISERS",
    "KERNELS",
    "MAX_FILTER_WORK",
    "MAX_KERNEL_SIDE",
    "MAX_MEDIAN_SIZE",
    "MAX_MEDIAN_WORK",
    "MAX_NAIVE_WORK",
    "MAX_NOISE_SIGMA",
    "MAX_PAD",
    "MAX_PEAK",
    "MAX_SIGMA",
    "NOISE_KINDS",
    "add_gaussian_noise",
    "add_noise",
    "add_poisson_noise",
    "add_salt_and_pepper",
    "add_speckle_noise",
    "box_blur",
    "box_kernel",
    "convolve2d",
    "correlate2d",
    "correlate2d_naive",
    "denoise",
    "edge_kernel",
    "gaussian_blur",
    "gaussian_kernel",
    "gaussian_sigma_for_size",
    "median_filter",
    "median_filter_naive",
    "pad",
    "psnr",
    "unsharp_mask",
]

#: Border name -> numpy.pad mode (see the module docstring for OpenCV/scipy names).
BORDERS = {
    "reflect101": "reflect",
    "reflect": "symmetric",
    "replicate": "edge",
    "constant": "constant",
}


#: Largest kernel or window side any function here accepts (a 1023 x 1023 kernel is 8 MB).
MAX_KERNEL_SIDE = 1023
#: Largest padding :func:`pad` adds on a side.
MAX_PAD = 1024
#: Largest Gaussian ``sigma`` (pixels) and unsharp-mask ``sigma``; a kernel side covers 6 sigma.
MAX_SIGMA = 1000.0
#: Most multiply-adds one linear filter call may cost (taps x output pixels, ~ seconds).
MAX_FILTER_WORK = 2**32
#: Most multiply-adds (or window values) the loop versions may visit (about a second).
MAX_NAIVE_WORK = 2**22
#: Most window values the vectorised median may sort (output pixels x size**2).
MAX_MEDIAN_WORK = 2**28


def _check_work(work: int, limit: int, what: str, fix: str) -> None:
    """Refuse a call that would run for minutes, naming what makes it large and the way out."""
    if work > limit:
        raise ValueError(f"{what} needs {work:,} operations, more than the {limit:,} allowed "
                         f"here - {fix}")


def _float_dtype(image: np.ndarray) -> type:
    return np.float64 if image.dtype == np.float64 else np.float32


def pad(
    image: np.ndarray, ph: int, pw: int, *, border: str = "reflect101", cval: float = 0.0
) -> np.ndarray:
    """Pad a 2-D image by ``ph`` rows above and below and ``pw`` columns left and right.

    Parameters
    ----------
    image : (H, W) ndarray
    ph, pw : int
        Rows and columns to add on each side, 0 to :data:`MAX_PAD`.
    border : {"reflect101", "reflect", "replicate", "constant"}
    cval : float
        The value used by ``border="constant"``.

    Returns
    -------
    (H + 2 ph, W + 2 pw) ndarray, same dtype as ``image``.

    Notes
    -----
    Equivalent to ``cv2.copyMakeBorder`` with the OpenCV border named in the module docstring.

    References
    ----------
    R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed., Sec. 3.2 (2022).
    Used in chapters/02_filtering.ipynb and chapters/03_edges.ipynb.

    Examples
    --------
    >>> pad(np.array([[1, 2, 3]]), 0, 2, border="reflect101")
    array([[3, 2, 1, 2, 3, 2, 1]])
    >>> pad(np.array([[1, 2, 3]]), 0, 2, border="replicate")
    array([[1, 1, 1, 2, 3, 3, 3]])
    """
    image = check_image(image, ndim=2, fix="filter each channel separately")
    ph, pw = check_int(ph, "ph", min=0, max=MAX_PAD), check_int(pw, "pw", min=0, max=MAX_PAD)
    check_choice(border, "border", BORDERS)
    cval = check_float(cval, "cval")
    if border == "reflect101" and (ph >= image.shape[0] or pw >= image.shape[1]) and (ph or pw):
        raise ValueError(
            f"border='reflect101' needs the image to be larger than the padding; got image shape "
            f"{image.shape} and padding ({ph}, {pw}) - use a smaller kernel or border='replicate'"
        )
    kwargs = {"constant_values": cval} if border == "constant" else {}
    return np.pad(image, ((ph, ph), (pw, pw)), mode=BORDERS[border], **kwargs)


def _prepare(image, kernel, mode, border, cval, *, naive=False):
    image = check_image(image, ndim=2, fix="filter each channel separately, or use to_gray()")
    check_choice(mode, "mode", ("same", "valid"))
    kernel = check_kernel(kernel, odd=(mode == "same"))
    check_choice(border, "border", BORDERS)
    cval = check_float(cval, "cval")
    if max(kernel.shape) > MAX_KERNEL_SIDE:
        raise ValueError(f"kernel sides must be at most {MAX_KERNEL_SIDE}; got shape "
                         f"{kernel.shape} - filter a downscaled image instead")
    if mode == "same":
        out_pixels = image.shape[0] * image.shape[1]
    else:
        out_pixels = max(image.shape[0] - kernel.shape[0] + 1, 0) * max(
            image.shape[1] - kernel.shape[1] + 1, 0)
    if naive:
        _check_work(out_pixels * kernel.size, MAX_NAIVE_WORK, "the loop version",
                    "use correlate2d (vectorised) or a smaller image or kernel")
    else:
        _check_work(out_pixels * int(np.count_nonzero(kernel)), MAX_FILTER_WORK,
                    f"a {kernel.shape[0]}x{kernel.shape[1]} kernel on a {image.shape} image",
                    "use a separable filter (gaussian_blur, box_blur) or a smaller image")
    dtype = _float_dtype(image)
    image = image.astype(dtype, copy=False)
    kernel = kernel.astype(dtype, copy=False)
    kh, kw = kernel.shape
    if mode == "same":
        image = pad(image, kh // 2, kw // 2, border=border, cval=cval)
    else:
        if kh > image.shape[0] or kw > image.shape[1]:
            raise ValueError(
                f"kernel of shape {kernel.shape} is larger than the image {image.shape}: "
                "mode='valid' has no output; use mode='same' or a smaller kernel"
            )
    return image, kernel


def correlate2d_naive(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    mode: str = "same",
    border: str = "reflect101",
    cval: float = 0.0,
) -> np.ndarray:
    """Cross-correlation with plain loops: the definition, one output pixel at a time.

    Same signature and result as :func:`correlate2d`; kept for reading, not for speed (at most
    :data:`MAX_NAIVE_WORK` multiply-adds: about a second of Python loops).

    Parameters
    ----------
    image : (H, W) ndarray
    kernel : (kh, kw) ndarray
        Odd sides for ``mode="same"``.
    mode : {"same", "valid"}
    border : {"reflect101", "reflect", "replicate", "constant"}
    cval : float

    Returns
    -------
    ndarray of float32 (float64 for float64 input)
        ``(H, W)`` for "same", ``(H - kh + 1, W - kw + 1)`` for "valid".

    Notes
    -----
    .. math:: g(y, x) = \\sum_{i=0}^{k_h-1} \\sum_{j=0}^{k_w-1} k(i, j)\\, f(y + i, x + j)

    where ``f`` is the (padded) input. No flip of ``k``: see :func:`convolve2d`.

    References
    ----------
    R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed., Sec. 3.2 (2022).
    Used in chapters/02_filtering.ipynb and chapters/03_edges.ipynb.

    Examples
    --------
    >>> correlate2d_naive(np.arange(9).reshape(3, 3), np.ones((3, 3)), mode="valid")
    array([[36.]], dtype=float32)
    """
    padded, kernel = _prepare(image, kernel, mode, border, cval, naive=True)
    kh, kw = kernel.shape
    out_h, out_w = padded.shape[0] - kh + 1, padded.shape[1] - kw + 1
    out = np.zeros((out_h, out_w), dtype=padded.dtype)
    for y in range(out_h):  # every output pixel ...
        for x in range(out_w):
            total = 0.0
            for i in range(kh):  # ... is a weighted sum of the window under the kernel
                for j in range(kw):
                    total += kernel[i, j] * padded[y + i, x + j]
            out[y, x] = total
    return out


def correlate2d(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    mode: str = "same",
    border: str = "reflect101",
    cval: float = 0.0,
) -> np.ndarray:
    """Cross-correlation (what CNNs and ``cv2.filter2D`` compute), vectorised.

    Instead of looping over output pixels, loop over the few kernel taps and, for each, add a
    whole shifted copy of the image times that weight: ``kh * kw`` array operations in total,
    each over contiguous memory.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, any real dtype (integers are filtered as float32 values, not rescaled).
    kernel : (kh, kw) ndarray
        Odd sides for ``mode="same"``.
    mode : {"same", "valid"}
        "same": output the size of the input (padding by ``border``); "valid": no padding.
    border : {"reflect101", "reflect", "replicate", "constant"}
        How ``mode="same"`` pads; see the module docstring for OpenCV/scipy equivalents.
    cval : float
        Padding value for ``border="constant"``.

    Returns
    -------
    ndarray of float32 (float64 for float64 input)

    Raises
    ------
    ValueError
        Wrong dimensions, empty or non-finite input, even kernel with "same", kernel larger
        than the image with "valid", unknown mode or border, a kernel side above
        :data:`MAX_KERNEL_SIDE`, or more than :data:`MAX_FILTER_WORK` multiply-adds.

    Notes
    -----
    Agrees with ``cv2.filter2D(image, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101)``
    and with ``scipy.ndimage.correlate(image, kernel, mode="mirror")`` (tests/test_filters.py).

    References
    ----------
    R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed., Sec. 3.2 (2022).
    Used in chapters/02_filtering.ipynb and chapters/03_edges.ipynb.

    Examples
    --------
    The notes' vertical-edge filter on the first 3x3 window of their 6x6 example:

    >>> window = np.array([[3, 0, 1], [1, 5, 8], [2, 7, 2]])
    >>> vertical = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    >>> correlate2d(window, vertical, mode="valid")
    array([[-5.]], dtype=float32)
    """
    padded, kernel = _prepare(image, kernel, mode, border, cval)
    kh, kw = kernel.shape
    rows, width = padded.shape
    out_h, out_w = rows - kh + 1, width - kw + 1
    # Work on the padded image flattened row by row: the pixel one row down is `width` further
    # on, so for tap (i, j) the pixels under it for *all* outputs form one contiguous slice,
    # starting at i * width + j. We compute outputs on full padded rows (width per row) and drop
    # the kw - 1 wrap-around columns of each row at the end.
    flat = np.ascontiguousarray(padded).ravel()
    n = (out_h - 1) * width + out_w  # flat index of the last output pixel, plus one
    acc = np.zeros(out_h * width, dtype=padded.dtype)
    body = acc[:n]
    for i in range(kh):
        for j in range(kw):
            if kernel[i, j] != 0:  # zero taps (half of an edge kernel) cost nothing
                start = i * width + j
                body += flat[start : start + n] * kernel[i, j]
    return np.ascontiguousarray(acc.reshape(out_h, width)[:, :out_w])


def convolve2d(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    mode: str = "same",
    border: str = "reflect101",
    cval: float = 0.0,
) -> np.ndarray:
    """True convolution: :func:`correlate2d` with the kernel flipped in both axes.

    Notes
    -----
    .. math:: (f * k)(y, x) = \\sum_{i, j} k(i, j)\\, f(y - i, x - j)

    Flipping makes convolution commutative and associative (blur then sharpen = one kernel),
    which correlation is not. Agrees with ``scipy.ndimage.convolve(image, kernel, mode="mirror")``.

    References
    ----------
    R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed., Sec. 3.2 (2022).
    Used in chapters/02_filtering.ipynb and chapters/03_edges.ipynb.

    Examples
    --------
    >>> k = np.array([[1, 0, -1]] * 3)
    >>> window = np.array([[3, 0, 1], [1, 5, 8], [2, 7, 2]])
    >>> convolve2d(window, k, mode="valid")  # the flip changes the sign for this kernel
    array([[5.]], dtype=float32)
    """
    kernel = check_kernel(kernel, odd=(mode == "same"))
    return correlate2d(image, kernel[::-1, ::-1], mode=mode, border=border, cval=cval)


def gaussian_sigma_for_size(size: int) -> float:
    """OpenCV's default sigma for a Gaussian of odd ``size``: ``0.3 * ((size - 1) / 2 - 1) + 0.8``.

    Parameters
    ----------
    size : int
        Odd kernel side, 1 to :data:`MAX_KERNEL_SIDE`.

    Returns
    -------
    float

    Notes
    -----
    The formula OpenCV documents for ``sigma <= 0``. OpenCV itself uses fixed tables instead for
    sizes 3 to 9 (see :func:`gaussian_kernel`).

    References
    ----------
    OpenCV documentation, ``cv2.getGaussianKernel``. Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> gaussian_sigma_for_size(3), round(gaussian_sigma_for_size(5), 2)
    (0.8, 1.1)
    """
    size = check_int(size, "size", min=1, max=MAX_KERNEL_SIDE, odd=True)
    return 0.3 * ((size - 1) * 0.5 - 1) + 0.8


def gaussian_kernel(size: int, sigma: float | None = None) -> np.ndarray:
    """A normalised 2-D Gaussian kernel, the outer product of two 1-D Gaussians.

    Parameters
    ----------
    size : int
        Odd side length (the kernel is ``size x size``), 1 to :data:`MAX_KERNEL_SIDE`.
    sigma : float, optional
        Standard deviation in pixels, in (0, :data:`MAX_SIGMA`]; ``None`` uses
        :func:`gaussian_sigma_for_size`, OpenCV's formula for ``sigma=0``. (OpenCV itself
        replaces that formula by fixed binomial-like tables for sizes 3 to 9, e.g.
        ``[1, 2, 1] / 4`` for 3, which differ from it by up to 0.022; pass ``sigma``
        explicitly to match OpenCV exactly.)

    Returns
    -------
    (size, size) ndarray of float64, summing to 1.

    Notes
    -----
    .. math:: g(i) \\propto \\exp\\left(-\\frac{(i - c)^2}{2\\sigma^2}\\right), \\quad
              G = g g^T, \\quad \\sum G = 1

    Agrees with ``cv2.getGaussianKernel(size, sigma)`` (outer product) to 1e-12 for any
    explicit ``sigma`` (tests/test_filters.py).

    References
    ----------
    OpenCV documentation, ``cv2.getGaussianKernel``. Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> gaussian_kernel(3, sigma=0.8).round(3)
    array([[0.057, 0.125, 0.057],
           [0.125, 0.272, 0.125],
           [0.057, 0.125, 0.057]])
    """
    size = check_int(size, "size", min=1, max=MAX_KERNEL_SIDE, odd=True)
    if sigma is None:
        sigma = gaussian_sigma_for_size(size)
    sigma = check_float(sigma, "sigma", min=0, min_inclusive=False, max=MAX_SIGMA)
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    g /= g.sum()
    return np.outer(g, g)


def gaussian_blur(
    image: np.ndarray,
    size: int,
    sigma: float | None = None,
    *,
    border: str = "reflect101",
) -> np.ndarray:
    """Smooth a gray image with a ``size x size`` Gaussian (see :func:`gaussian_kernel`).

    Parameters
    ----------
    image : (H, W) ndarray
    size : int
        Odd kernel side, 1 to :data:`MAX_KERNEL_SIDE`.
    sigma : float, optional
        Standard deviation in pixels, in (0, :data:`MAX_SIGMA`]; ``None`` uses OpenCV's rule
        from ``size``.
    border : {"reflect101", "reflect", "replicate", "constant"}

    Returns
    -------
    (H, W) ndarray of float32 (float64 for float64 input)

    Notes
    -----
    The 2-D Gaussian is separable: blurring rows with the 1-D kernel and then columns gives the
    same result for ``2 * size`` instead of ``size**2`` multiplications per pixel; this function
    uses that. Agrees with ``cv2.GaussianBlur(image, (size, size), sigma)`` on float32 images
    for an explicit ``sigma``.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 3.5 (2018).
    Used in chapters/02_filtering.ipynb and chapters/03_edges.ipynb.

    Examples
    --------
    >>> float(gaussian_blur(np.ones((5, 5)), 3).mean())
    1.0
    """
    image = check_image(image, ndim=2, fix="blur each channel separately, or use to_gray()")
    kernel = gaussian_kernel(size, sigma)
    _check_separable_work(image, kernel.shape[0])
    g = kernel.sum(axis=0)  # the 1-D factor: rows of G sum to the 1-D Gaussian
    rows = correlate2d(image, g[None, :], border=border)
    return correlate2d(rows, g[:, None], border=border)


# -- box filter and the kernel presets -----------------------------------------------------------


def _check_separable_work(image: np.ndarray, size: int) -> None:
    _check_work(2 * size * image.size, MAX_FILTER_WORK, f"a {size}x{size} blur of a "
                f"{image.shape} image", "use a smaller kernel or a downscaled image")


def box_kernel(size: int) -> np.ndarray:
    """The ``size x size`` averaging kernel: every weight ``1 / size**2``.

    Parameters
    ----------
    size : int
        Odd side length, 1 to :data:`MAX_KERNEL_SIDE`, so the kernel has a centre pixel.

    Returns
    -------
    (size, size) ndarray of float64, summing to 1.

    Notes
    -----
    .. math:: B_{ij} = \\frac{1}{n^2}, \\qquad (f \\star B)(y, x) =
              \\frac{1}{n^2} \\sum_{|i|, |j| \\le (n - 1)/2} f(y + i, x + j)

    the plain mean of the window. It is what ``cv2.blur`` / ``cv2.boxFilter(normalize=True)``
    use (tests/test_filters.py).

    References
    ----------
    R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed., Sec. 3.2 (2022).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> box_kernel(3) * 9
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    size = check_int(size, "size", min=1, max=MAX_KERNEL_SIDE, odd=True)
    return np.full((size, size), 1.0 / size**2)


def box_blur(image: np.ndarray, size: int, *, border: str = "reflect101") -> np.ndarray:
    """Mean of each ``size x size`` window (see :func:`box_kernel`), computed separably.

    Parameters
    ----------
    image : (H, W) ndarray
    size : int
        Odd window side, 1 to :data:`MAX_KERNEL_SIDE`.
    border : {"reflect101", "reflect", "replicate", "constant"}

    Returns
    -------
    (H, W) ndarray of float32 (float64 for float64 input)

    Notes
    -----
    The box kernel is the outer product of two 1-D kernels ``1/n``, so rows then columns give the
    same result with ``2n`` instead of ``n**2`` operations per pixel. Agrees with
    ``cv2.blur(image, (size, size), borderType=cv2.BORDER_REFLECT_101)`` on float32 to 1e-6.

    References
    ----------
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> box_blur(np.array([[0.0, 0, 9, 0, 0]] * 3), 3, border="replicate")[1]
    array([0., 3., 3., 3., 0.])
    """
    image = check_image(image, ndim=2, fix="blur each channel separately, or use to_gray()")
    size = check_int(size, "size", min=1, max=MAX_KERNEL_SIDE, odd=True)
    _check_separable_work(image, size)
    g = np.full(size, 1.0 / size)
    return correlate2d(correlate2d(image, g[None, :], border=border), g[:, None], border=border)


def _preset(rows: list[list[float]], scale: float = 1.0) -> np.ndarray:
    kernel = np.array(rows, dtype=np.float64) * scale
    kernel.flags.writeable = False  # a shared table: nobody may change a preset by accident
    return kernel


#: Named 3x3 kernels for the kernel editor of chapters/02_filtering.ipynb (read-only arrays).
#: All are applied by correlation (no flip), as ``cv2.filter2D`` and CNNs do; "vertical edge" is
#: the notes' ``[[1, 0, -1]] * 3`` (bright-to-dark from left to right gives a positive response).
KERNELS: dict[str, np.ndarray] = {
    "identity": _preset([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur": _preset([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1 / 9),
    "gaussian 3x3": _preset([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),  # = cv2's sigma=0 table
    "sharpen": _preset([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "vertical edge": notes.VERTICAL_EDGE_KERNEL,
    "horizontal edge": _preset([[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
    "laplacian": _preset([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _preset([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}


def edge_kernel(f: int) -> np.ndarray:
    """A vertical-edge detector of side ``f``: +1 in the left columns, -1 in the right, 0 between.

    Parameters
    ----------
    f : int
        Kernel side (1 to 101).

    Returns
    -------
    (f, f) ndarray of float64

    Notes
    -----
    Row :math:`r_j = \\mathrm{sign}((f - 1)/2 - j)`, the same in every row: a bright-to-dark step
    from left to right gives a positive response. For f = 3 this is the notes'
    ``[[1, 0, -1]] * 3`` (:data:`helpers.notes.VERTICAL_EDGE_KERNEL`).

    References
    ----------
    Used in chapters/08_conv_arithmetic.ipynb (the convolution explorer's kernel).

    Examples
    --------
    >>> edge_kernel(3)
    array([[ 1.,  0., -1.],
           [ 1.,  0., -1.],
           [ 1.,  0., -1.]])
    """
    f = check_int(f, "f", min=1, max=101)
    row = np.sign((f - 1) / 2 - np.arange(f)) if f > 1 else np.ones(1)
    return np.tile(row, (f, 1)).astype(float)


def unsharp_mask(
    image: np.ndarray,
    sigma: float = 1.0,
    amount: float = 1.0,
    *,
    size: int | None = None,
    border: str = "reflect101",
) -> np.ndarray:
    """Sharpen by adding back the detail a Gaussian blur removes: ``image + amount * detail``.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image (integers are filtered as float32 values, not rescaled).
    sigma : float
        Standard deviation of the blur, in (0, 100]: the size of the details that get boosted.
    amount : float
        How much detail to add back, 0 to 100; 0 returns the image unchanged (as float).
    size : int, optional
        Odd side of the Gaussian (at most :data:`MAX_KERNEL_SIDE`); default
        ``2 * ceil(3 * sigma) + 1``.
    border : {"reflect101", "reflect", "replicate", "constant"}

    Returns
    -------
    (H, W) ndarray of float32 (float64 for float64 input), **not clipped**: sharpening
    overshoots at edges (that is what makes them look crisp); clip for display.

    Notes
    -----
    .. math:: d = f - G_\\sigma \\star f, \\qquad
              s = f + a\\, d = (1 + a) f - a\\, G_\\sigma \\star f

    ``d`` (original minus blurred) is the *detail* or high-pass layer, not a sharpened image.
    Agrees with ``skimage.filters.unsharp_mask(image, radius=sigma, amount=amount,
    preserve_range=True)`` when ``size=2 * int(4 * sigma + 0.5) + 1`` and ``border="reflect"``
    (scikit-image truncates its Gaussian at 4 sigma and pads with scipy's "reflect").

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 3.6 (2018).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    A step gets an undershoot before it and an overshoot after it:

    >>> unsharp_mask(np.array([[0.0, 0, 0, 1, 1, 1]]), sigma=1.0, amount=1.0, size=3,
    ...              border="replicate").round(2)
    array([[ 0.  ,  0.  , -0.27,  1.27,  1.  ,  1.  ]])
    """
    image = check_image(image, ndim=2, fix="sharpen each channel separately, or use to_gray()")
    sigma = check_float(sigma, "sigma", min=0, min_inclusive=False, max=100)
    amount = check_float(amount, "amount", min=0, max=100)
    if size is None:
        size = 2 * int(np.ceil(3 * sigma)) + 1
    check_choice(border, "border", BORDERS)
    image = image.astype(_float_dtype(image), copy=False)
    blurred = gaussian_blur(image, size, sigma, border=border)
    return image + amount * (image - blurred)


# -- median filter --------------------------------------------------------------------------------


#: Largest median window side (a 101 x 101 window holds 10,201 values per pixel).
MAX_MEDIAN_SIZE = 101


def _median_prepare(image, size, border, cval, *, naive=False):
    image = check_image(image, ndim=2, fix="filter each channel separately, or use to_gray()")
    size = check_int(size, "size", min=1, max=MAX_MEDIAN_SIZE, odd=True)
    check_choice(border, "border", BORDERS)
    if naive:
        _check_work(image.size * size * size, MAX_NAIVE_WORK, "the loop version",
                    "use median_filter (vectorised) or a smaller image or window")
    else:
        _check_work(image.size * size * size, MAX_MEDIAN_WORK,
                    f"a {size}x{size} median of a {image.shape} image",
                    "use a smaller window or a downscaled image")
    return pad(image, size // 2, size // 2, border=border, cval=cval), size


def median_filter_naive(
    image: np.ndarray, size: int = 3, *, border: str = "replicate", cval: float = 0.0
) -> np.ndarray:
    """Median filter with plain loops: sort each window, take the middle value.

    Same signature and result as :func:`median_filter`; kept for reading, not for speed (at
    most :data:`MAX_NAIVE_WORK` window values in total).

    Parameters
    ----------
    image : (H, W) ndarray
    size : int
        Odd window side, 1 to :data:`MAX_MEDIAN_SIZE` (the window has ``size**2`` pixels, so
        the median is one of them).
    border : {"replicate", "reflect101", "reflect", "constant"}
        Default "replicate", as ``cv2.medianBlur``.
    cval : float
        Padding value for ``border="constant"``.

    Returns
    -------
    (H, W) ndarray, same dtype as ``image``.

    Notes
    -----
    .. math:: g(y, x) = \\operatorname{median}\\{ f(y + i, x + j) : |i|, |j| \\le (n - 1)/2 \\}

    References
    ----------
    J. W. Tukey, *Exploratory Data Analysis*, Addison-Wesley (1977).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> median_filter_naive(np.array([[1, 1, 1], [1, 255, 1], [1, 1, 1]], np.uint8), 3)
    array([[1, 1, 1],
           [1, 1, 1],
           [1, 1, 1]], dtype=uint8)
    """
    padded, size = _median_prepare(image, size, border, cval, naive=True)
    h, w = image.shape if hasattr(image, "shape") else np.shape(image)
    out = np.empty((h, w), dtype=padded.dtype)
    middle = size * size // 2
    for y in range(h):
        for x in range(w):
            window = sorted(padded[y : y + size, x : x + size].ravel())  # all n*n values ...
            out[y, x] = window[middle]  # ... and the one in the middle of the sorted list
    return out


def median_filter(
    image: np.ndarray, size: int = 3, *, border: str = "replicate", cval: float = 0.0
) -> np.ndarray:
    """Median filter, vectorised: every window at once as a strided view, then a partial sort.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, any real dtype; the output keeps it (uint8 in, uint8 out).
    size : int
        Odd window side, 1 to :data:`MAX_MEDIAN_SIZE`.
    border : {"replicate", "reflect101", "reflect", "constant"}
        Default "replicate", as ``cv2.medianBlur``.
    cval : float
        Padding value for ``border="constant"``.

    Returns
    -------
    (H, W) ndarray, same dtype as ``image``.

    Raises
    ------
    ValueError
        Wrong dimensions, empty or non-finite image, even, non-positive or too large ``size``,
        unknown border, an image too small for ``border="reflect101"``, or more than
        :data:`MAX_MEDIAN_WORK` window values (pixels x ``size**2``) in total.

    Notes
    -----
    ``numpy.lib.stride_tricks.sliding_window_view`` gives an ``(H, W, n, n)`` view of all windows
    without copying; ``numpy.partition`` then puts the middle element in place in ``O(n^2)`` per
    window instead of sorting (``O(n^2 log n)``). Pixels are processed in blocks of at most
    ``2**22`` window values to bound memory.
    The median is not linear (``median(a + b) != median(a) + median(b)``), so no kernel, no
    separability and no FFT: it costs far more per pixel than a box or Gaussian blur.

    Agrees exactly with ``cv2.medianBlur`` (uint8, any size; float32 for sizes 3 and 5) and with
    ``scipy.ndimage.median_filter(image, size, mode="nearest")``; the other borders match scipy's
    "mirror" (reflect101), "reflect" and "constant" (tests/test_filters.py).

    References
    ----------
    J. W. Tukey, *Exploratory Data Analysis*, Addison-Wesley (1977).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    One salt pixel disappears; the step edge stays a step:

    >>> median_filter(np.array([[0, 0, 9, 9], [0, 255, 9, 9], [0, 0, 9, 9]], np.uint8), 3)
    array([[0, 0, 9, 9],
           [0, 0, 9, 9],
           [0, 0, 9, 9]], dtype=uint8)
    """
    padded, size = _median_prepare(image, size, border, cval)
    h, w = padded.shape[0] - size + 1, padded.shape[1] - size + 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))  # (h, w, n, n) view
    middle = size * size // 2
    out = np.empty((h, w), dtype=padded.dtype)
    # Blocks of rows (and of columns, for wide windows) so that the copied windows stay below
    # ~2**22 values at a time.
    per_block = max(1, (1 << 22) // (size * size))
    rows, cols = max(1, per_block // w), min(w, per_block)
    for top in range(0, h, rows):
        for left in range(0, w, cols):
            block = windows[top : top + rows, left : left + cols]
            block = block.reshape(*block.shape[:2], size * size)
            out[top : top + rows, left : left + cols] = np.partition(block, middle, -1)[..., middle]
    return out


# -- noise models --------------------------------------------------------------------------------


def _unit_float(image: np.ndarray) -> np.ndarray:
    from .color import as_float_image  # the course's one uint8 <-> float converter

    return as_float_image(image)


#: Largest noise ``sigma`` (in units of the [0, 1] range; 10 is already pure noise).
MAX_NOISE_SIGMA = 10.0
#: Largest Poisson ``peak`` (photons at white); numpy's Poisson sampler stops near 1e18.
MAX_PEAK = 1e12


def _finish(noisy: np.ndarray, clip: bool) -> np.ndarray:
    if clip:
        np.clip(noisy, 0.0, 1.0, out=noisy)
    return noisy.astype(np.float32, copy=False)


def add_gaussian_noise(
    image: np.ndarray, sigma: float, *, rng: np.random.Generator | int, clip: bool = True
) -> np.ndarray:
    """Additive white Gaussian noise: each pixel and channel gets its own ``N(0, sigma^2)`` draw.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 (0-255) or float in [0, 1]; converted with :func:`helpers.color.as_float_image`.
    sigma : float
        Standard deviation of the noise, in units of the [0, 1] range, 0 to
        :data:`MAX_NOISE_SIGMA`.
    rng : numpy.random.Generator or int
        Source of randomness (a seed gives the same noise every run).
    clip : bool
        Clip the result to [0, 1] (as a camera's sensor saturates).

    Returns
    -------
    ndarray of float32, the shape of ``image``.

    Notes
    -----
    .. math:: g = f + n, \\qquad n \\sim \\mathcal{N}(0, \\sigma^2) \\text{ i.i.d.}

    The model of sensor read-out and thermal noise. Same distribution as
    ``skimage.util.random_noise(image, mode="gaussian", var=sigma**2)``: tests compare mean and
    variance of the added noise.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 5.2 (2018).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> noisy = add_gaussian_noise(np.full((200, 200), 0.5), 0.1, rng=0)
    >>> round(float(noisy.std()), 2)
    0.1
    """
    image = _unit_float(image)
    sigma = check_float(sigma, "sigma", min=0, max=MAX_NOISE_SIGMA)
    rng = check_rng(rng)
    clip = check_bool(clip, "clip")
    return _finish(image + rng.normal(0.0, sigma, image.shape), clip)


def add_salt_and_pepper(
    image: np.ndarray,
    amount: float,
    *,
    rng: np.random.Generator | int,
    salt_vs_pepper: float = 0.5,
) -> np.ndarray:
    """Impulse noise: a fraction ``amount`` of the pixels becomes white (salt) or black (pepper).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 (0-255) or float in [0, 1].
    amount : float
        Probability that a pixel is corrupted, in [0, 1].
    rng : numpy.random.Generator or int
    salt_vs_pepper : float
        Probability that a corrupted pixel is salt (1.0) rather than pepper (0.0), in [0, 1].

    Returns
    -------
    ndarray of float32, the shape of ``image``.

    Notes
    -----
    Each pixel independently: with probability :math:`p` (``amount``) it is replaced by 1 with
    probability :math:`s` (``salt_vs_pepper``) or by 0 otherwise; else it is kept. Models dead or
    stuck sensor cells and bit errors in transmission.

    Convention difference: ``skimage.util.random_noise(mode="s&p")`` corrupts each *channel*
    separately (coloured specks in RGB images); here a corrupted pixel turns white or black in
    all channels at once, like a dead sensor cell. On gray images the two are the same model
    (tests compare the fraction of corrupted pixels and the salt share).

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 5.2 (2018).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> noisy = add_salt_and_pepper(np.full((100, 100), 0.5), 0.1, rng=0)
    >>> round(float(np.mean(noisy != 0.5)), 2), sorted(np.unique(noisy).tolist())
    (0.1, [0.0, 0.5, 1.0])
    """
    image = _unit_float(image)
    amount = check_float(amount, "amount", min=0, max=1)
    salt_vs_pepper = check_float(salt_vs_pepper, "salt_vs_pepper", min=0, max=1)
    rng = check_rng(rng)
    hit = rng.random(image.shape[:2]) < amount
    salt = rng.random(image.shape[:2]) < salt_vs_pepper
    noisy = image.copy()
    noisy[hit & salt] = 1.0  # on RGB these index whole pixels: all three channels together
    noisy[hit & ~salt] = 0.0
    return noisy


def add_poisson_noise(
    image: np.ndarray, peak: float, *, rng: np.random.Generator | int, clip: bool = True
) -> np.ndarray:
    """Shot noise: photon counts are Poisson, so the noise grows with the brightness.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 (0-255) or float in [0, 1].
    peak : float
        Expected photon count of a white pixel, in (0, :data:`MAX_PEAK`]. Fewer photons (a
        dark scene, a short exposure) mean more noise: the standard deviation at white is
        ``1 / sqrt(peak)``.
    rng : numpy.random.Generator or int
    clip : bool
        Clip to [0, 1] (a count can exceed ``peak``).

    Returns
    -------
    ndarray of float32, the shape of ``image``.

    Notes
    -----
    .. math:: g = \\frac{1}{P}\\, \\mathrm{Poisson}(P f), \\qquad
              \\mathrm{E}[g] = f, \\quad \\mathrm{Var}[g] = f / P

    Signal-dependent: dark pixels get little noise, bright ones more (but a better
    signal-to-noise ratio, :math:`\\sqrt{P f}`). ``skimage.util.random_noise(mode="poisson")`` is
    this model with ``P`` fixed to the next power of two above the number of distinct values in
    the image (256 for a typical uint8 photo); tests compare with it at ``peak=256``.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 5.2 (2018).
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> noisy = add_poisson_noise(np.full((200, 200), 0.25), peak=100, rng=0, clip=False)
    >>> round(float(noisy.mean()), 2), round(float(noisy.var()), 4)  # f and f / P
    (0.25, 0.0025)
    """
    image = _unit_float(image)
    peak = check_float(peak, "peak", min=0, min_inclusive=False, max=MAX_PEAK)
    rng = check_rng(rng)
    clip = check_bool(clip, "clip")
    return _finish(rng.poisson(image * np.float64(peak)) / peak, clip)


def add_speckle_noise(
    image: np.ndarray, sigma: float, *, rng: np.random.Generator | int, clip: bool = True
) -> np.ndarray:
    """Multiplicative noise ``f + f n`` with ``n ~ N(0, sigma^2)`` (radar, ultrasound, lasers).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 (0-255) or float in [0, 1].
    sigma : float
        Standard deviation of the multiplier ``n``, 0 to :data:`MAX_NOISE_SIGMA`.
    rng : numpy.random.Generator or int
    clip : bool
        Clip the result to [0, 1].

    Returns
    -------
    ndarray of float32, the shape of ``image``.

    Notes
    -----
    .. math:: g = f (1 + n), \\qquad \\mathrm{Var}[g \\mid f] = \\sigma^2 f^2

    Same as ``skimage.util.random_noise(image, mode="speckle", var=sigma**2)``.

    References
    ----------
    J. W. Goodman, "Some fundamental properties of speckle", *JOSA* 66(11), 1976.
    Used in chapters/02_filtering.ipynb.

    Examples
    --------
    >>> add_speckle_noise(np.zeros((2, 2)), 0.5, rng=0)  # black stays black
    array([[0., 0.],
           [0., 0.]], dtype=float32)
    """
    image = _unit_float(image)
    sigma = check_float(sigma, "sigma", min=0, max=MAX_NOISE_SIGMA)
    rng = check_rng(rng)
    clip = check_bool(clip, "clip")
    return _finish(image + image * rng.normal(0.0, sigma, image.shape), clip)


#: The noise models :func:`add_noise` knows, in the order the chapter introduces them.
NOISE_KINDS = ("gaussian", "salt_and_pepper", "poisson", "speckle")


def add_noise(
    image: np.ndarray, kind: str, level: float, *, rng: np.random.Generator | int
) -> np.ndarray:
    """One entry point for the noise models, with one knob ``level`` for all of them.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 (0-255) or float in [0, 1].
    kind : {"gaussian", "salt_and_pepper", "poisson", "speckle"}
    level : float
        The strength, 0 to :data:`MAX_NOISE_SIGMA` (0 returns the clean image as float32):

        * "gaussian", "speckle": the noise standard deviation ``sigma``;
        * "poisson": the standard deviation at white, ``1 / sqrt(peak)``, so ``peak = level**-2``
          (0 or at least ``MAX_PEAK**-0.5 = 1e-6``);
        * "salt_and_pepper": the fraction of corrupted pixels, ``amount`` (<= 1).
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray of float32 in [0, 1], the shape of ``image``.

    Notes
    -----
    Dispatches to :func:`add_gaussian_noise`, :func:`add_salt_and_pepper`,
    :func:`add_poisson_noise` and :func:`add_speckle_noise`.

    References
    ----------
    Used in chapters/02_filtering.ipynb (the noise explorer and the PSNR table).

    Examples
    --------
    >>> add_noise(np.full((2, 2), 0.5), "salt_and_pepper", 1.0, rng=1)
    array([[0., 0.],
           [1., 1.]], dtype=float32)
    """
    check_choice(kind, "kind", NOISE_KINDS)
    level = check_float(level, "level", min=0,
                        max=1 if kind == "salt_and_pepper" else MAX_NOISE_SIGMA)
    if kind == "poisson" and 0 < level < MAX_PEAK**-0.5:
        raise ValueError(f"level must be 0 or at least {MAX_PEAK**-0.5:g} for Poisson noise "
                         f"(a peak of at most {MAX_PEAK:g} photons); got {level}")
    if level == 0:
        return _unit_float(image).copy()
    if kind == "gaussian":
        return add_gaussian_noise(image, level, rng=rng)
    if kind == "salt_and_pepper":
        return add_salt_and_pepper(image, level, rng=rng)
    if kind == "poisson":
        return add_poisson_noise(image, level**-2, rng=rng)
    return add_speckle_noise(image, level, rng=rng)


#: The smoothing filters :func:`denoise` knows.
DENOISERS = ("box", "gaussian", "median")


def denoise(image: np.ndarray, method: str, size: int) -> np.ndarray:
    """Smooth a gray image with a ``size x size`` box, Gaussian or median filter.

    Parameters
    ----------
    image : (H, W) ndarray
    method : {"box", "gaussian", "median"}
        "gaussian" uses OpenCV's sigma for the size (:func:`gaussian_sigma_for_size`).
    size : int
        Odd window side.

    Returns
    -------
    (H, W) ndarray of float32 (float64 for float64 input; the median keeps the input dtype).

    Notes
    -----
    Box and Gaussian are linear (weighted means: good against Gaussian noise, which averages
    out); the median is not (it ignores outliers: good against salt and pepper). Borders: the
    linear filters use "reflect101", the median "replicate", as OpenCV's defaults.

    References
    ----------
    Used in chapters/02_filtering.ipynb (the noise explorer and the PSNR table).

    Examples
    --------
    >>> image = np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]])
    >>> [round(float(denoise(image, m, 3)[1, 1]), 3) for m in DENOISERS]
    [0.111, 0.272, 0.0]
    """
    check_choice(method, "method", DENOISERS)
    size = check_int(size, "size", min=1, max=MAX_KERNEL_SIDE if method != "median"
                     else MAX_MEDIAN_SIZE, odd=True)
    if method == "box":
        return box_blur(image, size)
    if method == "gaussian":
        return gaussian_blur(image, size)
    return median_filter(image, size)


def psnr(reference: np.ndarray, test: np.ndarray, *, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio of ``test`` against the clean ``reference``, in decibels.

    Parameters
    ----------
    reference, test : ndarray
        The clean image and the image to score, same shape (any number of dimensions).
    data_range : float, optional
        The largest possible value minus the smallest, ``L``. Default: 255 for a uint8
        ``reference``, 1.0 for bool or a float ``reference`` in [0, 1]; other inputs must say.

    Returns
    -------
    float
        Higher is better; ``inf`` for identical images. +6 dB halves the RMS error.

    Notes
    -----
    .. math:: \\mathrm{MSE} = \\frac{1}{N} \\sum (r - t)^2, \\qquad
              \\mathrm{PSNR} = 10 \\log_{10} \\frac{L^2}{\\mathrm{MSE}}

    Computed in float64. Agrees with ``skimage.metrics.peak_signal_noise_ratio`` given the same
    ``data_range`` (scikit-image's float default is 2, for [-1, 1]; ours 1, for [0, 1]) and with
    ``cv2.PSNR`` (to 1e-9 dB).

    References
    ----------
    Q. Huynh-Thu and M. Ghanbari, "Scope of validity of PSNR in image/video quality assessment",
    *Electronics Letters* 44(13), 2008. Used in chapters/02_filtering.ipynb.

    Examples
    --------
    An RMS error of 0.1 on a [0, 1] image is 20 dB:

    >>> psnr(np.zeros((2, 2)), np.full((2, 2), 0.1))
    20.0
    """
    ref = as_array(reference, "reference")
    out = as_array(test, "test")
    if ref.shape != out.shape:
        raise ValueError(
            f"reference and test must have the same shape; got {ref.shape} and {out.shape}"
        )
    if data_range is None:
        if ref.dtype == np.uint8:
            data_range = 255.0
        elif ref.dtype == bool or (ref.dtype.kind == "f" and ref.min() >= 0 and ref.max() <= 1):
            data_range = 1.0
        else:
            raise ValueError(
                f"data_range must be given for a reference of dtype {ref.dtype} with values in "
                f"[{float(ref.min()):.4g}, {float(ref.max()):.4g}]; e.g. data_range=255 for "
                "0-255 data"
            )
    data_range = check_float(data_range, "data_range", min=0, min_inclusive=False)
    mse = float(np.mean((ref.astype(np.float64) - out.astype(np.float64)) ** 2))
    if mse == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / mse))
