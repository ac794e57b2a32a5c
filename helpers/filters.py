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
"""

from __future__ import annotations

import numpy as np

from ._validation import check_choice, check_float, check_image, check_int, check_kernel

__all__ = [
    "BORDERS",
    "convolve2d",
    "correlate2d",
    "correlate2d_naive",
    "gaussian_blur",
    "gaussian_kernel",
    "gaussian_sigma_for_size",
    "pad",
]

#: Border name -> numpy.pad mode (see the module docstring for OpenCV/scipy names).
BORDERS = {
    "reflect101": "reflect",
    "reflect": "symmetric",
    "replicate": "edge",
    "constant": "constant",
}


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
        Rows and columns to add on each side (>= 0).
    border : {"reflect101", "reflect", "replicate", "constant"}
    cval : float
        The value used by ``border="constant"``.

    Returns
    -------
    (H + 2 ph, W + 2 pw) ndarray, same dtype as ``image``.

    Examples
    --------
    >>> pad(np.array([[1, 2, 3]]), 0, 2, border="reflect101")
    array([[3, 2, 1, 2, 3, 2, 1]])
    >>> pad(np.array([[1, 2, 3]]), 0, 2, border="replicate")
    array([[1, 1, 1, 2, 3, 3, 3]])
    """
    image = check_image(image, ndim=2, fix="filter each channel separately")
    ph, pw = check_int(ph, "ph", min=0), check_int(pw, "pw", min=0)
    check_choice(border, "border", BORDERS)
    cval = check_float(cval, "cval")
    if border == "reflect101" and (ph >= image.shape[0] or pw >= image.shape[1]) and (ph or pw):
        raise ValueError(
            f"border='reflect101' needs the image to be larger than the padding; got image shape "
            f"{image.shape} and padding ({ph}, {pw}) - use a smaller kernel or border='replicate'"
        )
    kwargs = {"constant_values": cval} if border == "constant" else {}
    return np.pad(image, ((ph, ph), (pw, pw)), mode=BORDERS[border], **kwargs)


def _prepare(image, kernel, mode, border, cval):
    image = check_image(image, ndim=2, fix="filter each channel separately, or convert with to_gray()")
    check_choice(mode, "mode", ("same", "valid"))
    kernel = check_kernel(kernel, odd=(mode == "same"))
    dtype = _float_dtype(image)
    image = image.astype(dtype, copy=False)
    kernel = kernel.astype(dtype, copy=False)
    kh, kw = kernel.shape
    if mode == "same":
        image = pad(image, kh // 2, kw // 2, border=border, cval=cval)
    else:
        check_choice(border, "border", BORDERS)
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

    Same signature and result as :func:`correlate2d`; kept for reading, not for speed.

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

    Examples
    --------
    >>> correlate2d_naive(np.arange(9).reshape(3, 3), np.ones((3, 3)), mode="valid")
    array([[36.]], dtype=float32)
    """
    padded, kernel = _prepare(image, kernel, mode, border, cval)
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
        than the image with "valid", unknown mode or border.

    Notes
    -----
    Agrees with ``cv2.filter2D(image, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101)``
    and with ``scipy.ndimage.correlate(image, kernel, mode="mirror")`` (tests/test_filters.py).

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

    Examples
    --------
    >>> gaussian_sigma_for_size(3), round(gaussian_sigma_for_size(5), 2)
    (0.8, 1.1)
    """
    size = check_int(size, "size", min=1, odd=True)
    return 0.3 * ((size - 1) * 0.5 - 1) + 0.8


def gaussian_kernel(size: int, sigma: float | None = None) -> np.ndarray:
    """A normalised 2-D Gaussian kernel, the outer product of two 1-D Gaussians.

    Parameters
    ----------
    size : int
        Odd side length (the kernel is ``size x size``).
    sigma : float, optional
        Standard deviation in pixels (> 0); ``None`` uses :func:`gaussian_sigma_for_size`,
        as OpenCV does for ``sigma=0``.

    Returns
    -------
    (size, size) ndarray of float64, summing to 1.

    Notes
    -----
    .. math:: g(i) \\propto \\exp\\left(-\\frac{(i - c)^2}{2\\sigma^2}\\right), \\quad
              G = g g^T, \\quad \\sum G = 1

    Agrees with ``cv2.getGaussianKernel(size, sigma)`` (outer product) to 1e-12.

    Examples
    --------
    >>> gaussian_kernel(3, sigma=0.8).round(3)
    array([[0.057, 0.125, 0.057],
           [0.125, 0.272, 0.125],
           [0.057, 0.125, 0.057]])
    """
    size = check_int(size, "size", min=1, odd=True)
    if sigma is None:
        sigma = gaussian_sigma_for_size(size)
    sigma = check_float(sigma, "sigma", min=0, min_inclusive=False)
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
        Odd kernel side.
    sigma : float, optional
        Standard deviation in pixels; ``None`` uses OpenCV's rule from ``size``.
    border : {"reflect101", "reflect", "replicate", "constant"}

    Returns
    -------
    (H, W) ndarray of float32 (float64 for float64 input)

    Notes
    -----
    The 2-D Gaussian is separable: blurring rows with the 1-D kernel and then columns gives the
    same result for ``2 * size`` instead of ``size**2`` multiplications per pixel; this function
    uses that. Agrees with ``cv2.GaussianBlur(image, (size, size), sigma)`` on float32 images.

    Examples
    --------
    >>> float(gaussian_blur(np.ones((5, 5)), 3).mean())
    1.0
    """
    image = check_image(image, ndim=2, fix="blur each channel separately, or convert with to_gray()")
    kernel = gaussian_kernel(size, sigma)
    g = kernel.sum(axis=0)  # the 1-D factor: rows of G sum to the 1-D Gaussian
    rows = correlate2d(image, g[None, :], border=border)
    return correlate2d(rows, g[:, None], border=border)
