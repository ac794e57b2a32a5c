"""Pixels: gray levels, colour spaces, thresholds and histograms.

Used in chapters/01_pixels.ipynb (and wherever a chapter needs a gray or float image).

Conventions (the course's image contract):

* An image is a numpy array, ``(H, W)`` gray or ``(H, W, 3)`` RGB (never OpenCV's BGR).
* ``uint8`` images hold 0 (black) .. 255 (white); float images hold 0.0 .. 1.0.
  :func:`helpers.image.as_float_image` and :func:`helpers.image.as_uint8_image` convert
  between the two (re-exported here for the chapters that met them as ``color.*``).
* HSV: hue in degrees [0, 360), saturation and value in [0, 1] (OpenCV's float convention;
  OpenCV's uint8 images store hue / 2 to fit 0-179, scikit-image stores hue / 360).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_float, check_image, check_int
from .image import as_float_image, as_uint8_image  # noqa: F401 - re-exported for chapter 01

__all__ = [
    "LUMA_WEIGHTS",
    "MAX_BINS",
    "histogram",
    "hsv_to_rgb",
    "hue_mask",
    "rgb_to_hsv",
    "threshold",
    "threshold_for_fraction",
    "to_gray",
]

#: Most bins :func:`histogram` makes (a uint8 image has only 256 levels anyway).
MAX_BINS = 65536

#: ITU-R BT.601 luma weights for R, G, B: the eye is most sensitive to green, least to blue.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """Luma of an RGB image: ``Y = 0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601).

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        uint8 or float in [0, 1]; channels in R, G, B order.

    Returns
    -------
    (H, W) ndarray
        uint8 (rounded) for uint8 input, float32 otherwise.

    Notes
    -----
    Same weights as ``cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)``. For uint8, OpenCV computes in
    14-bit fixed point, so its result can differ from the rounded exact value by 1 gray level
    (tests/test_color.py measures it). A plain average ``(R + G + B) / 3`` would make a pure
    blue pixel as bright as a pure green one, which is not what the eye sees.

    References
    ----------
    ITU-R Recommendation BT.601. Used in chapters/01_pixels.ipynb.

    Examples
    --------
    >>> to_gray(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8))
    array([[ 76, 150,  29]], dtype=uint8)
    """
    rgb = check_image(rgb, "rgb", ndim=3, fix="it is already gray" if np.ndim(rgb) == 2 else None)
    weights = np.asarray(LUMA_WEIGHTS, dtype=np.float32)
    if rgb.dtype == np.uint8:
        return np.round(rgb.astype(np.float32) @ weights).astype(np.uint8)
    return as_float_image(rgb) @ weights


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """Convert RGB to HSV: hue in degrees [0, 360), saturation and value in [0, 1].

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        uint8 or float in [0, 1].

    Returns
    -------
    (H, W, 3) ndarray of float32
        ``[..., 0]`` hue (degrees), ``[..., 1]`` saturation, ``[..., 2]`` value.

    Notes
    -----
    With ``M = max(R, G, B)``, ``m = min(R, G, B)`` and chroma ``C = M - m``:
    ``V = M``, ``S = C / M`` (0 where ``M = 0``), and the hue is the angle around the colour
    hexagon: ``60 * ((G - B) / C mod 6)`` if ``M = R``, ``60 * ((B - R) / C + 2)`` if ``M = G``,
    ``60 * ((R - G) / C + 4)`` if ``M = B``; gray pixels (``C = 0``) get hue 0.
    Agrees with ``cv2.cvtColor(float32 RGB, cv2.COLOR_RGB2HSV)`` and with
    ``skimage.color.rgb2hsv`` times 360 for the hue.

    References
    ----------
    A. R. Smith, "Color gamut transform pairs", SIGGRAPH 1978. Used in chapters/01_pixels.ipynb.

    Examples
    --------
    >>> rgb_to_hsv(np.array([[[1.0, 0.5, 0.0]]]))  # orange
    array([[[30.,  1.,  1.]]], dtype=float32)
    """
    rgb = as_float_image(check_image(rgb, "rgb", ndim=3))
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(axis=-1)
    c = v - rgb.min(axis=-1)
    safe_c = np.where(c > 0, c, 1)  # avoid 0/0 for gray pixels; their hue is set to 0 below
    hue = np.select(
        [c == 0, v == r, v == g],
        [0.0, ((g - b) / safe_c) % 6, (b - r) / safe_c + 2],
        default=(r - g) / safe_c + 4,
    ) * 60
    s = np.where(v > 0, c / np.where(v > 0, v, 1), 0)
    return np.stack([hue % 360, s, v], axis=-1).astype(np.float32)


def _check_hsv(hsv):
    hsv = check_image(hsv, "hsv", ndim=3)
    if hsv.dtype.kind != "f":
        raise TypeError(
            f"hsv must be a float array from rgb_to_hsv (hue in degrees, S and V in [0, 1]); got "
            f"dtype {hsv.dtype} - OpenCV's uint8 HSV stores hue / 2 (0-179) and S, V in 0-255"
        )
    s, v = hsv[..., 1], hsv[..., 2]
    if s.min() < 0 or s.max() > 1 or v.min() < 0 or v.max() > 1:
        raise ValueError("hsv saturation and value (channels 1 and 2) must lie in [0, 1]; "
                         f"got S in [{s.min():.4g}, {s.max():.4g}], V in [{v.min():.4g}, "
                         f"{v.max():.4g}]")
    return hsv


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Convert HSV (hue in degrees, S and V in [0, 1]) back to float32 RGB in [0, 1].

    Parameters
    ----------
    hsv : (H, W, 3) ndarray of float

    Returns
    -------
    (H, W, 3) ndarray of float32

    Notes
    -----
    Each channel is ``V - V S max(0, min(k, 4 - k, 1))`` with ``k = (n + H / 60) mod 6`` and
    ``n = 5, 3, 1`` for R, G, B: the inverse of :func:`rgb_to_hsv`.

    Examples
    --------
    >>> hsv_to_rgb(np.array([[[30.0, 1.0, 1.0]]]))
    array([[[1. , 0.5, 0. ]]], dtype=float32)
    """
    hsv = _check_hsv(hsv)
    s, v = hsv[..., 1], hsv[..., 2]
    h = (hsv[..., 0] % 360) / 60
    out = [v - v * s * np.clip(np.minimum((n + h) % 6, 4 - (n + h) % 6), 0, 1) for n in (5, 3, 1)]
    return np.stack(out, axis=-1).astype(np.float32)


def threshold(gray: np.ndarray, t: float) -> np.ndarray:
    """Binary image: ``True`` (white) where ``gray > t``, ``False`` (black) elsewhere.

    Parameters
    ----------
    gray : (H, W) ndarray
        uint8 (compare with ``t`` in 0-255) or float (``t`` in 0-1).
    t : float
        The threshold. A pixel exactly equal to ``t`` is black, as in OpenCV's THRESH_BINARY.

    Returns
    -------
    (H, W) ndarray of bool

    Examples
    --------
    >>> threshold(np.array([[10, 128, 129]], np.uint8), 128)
    array([[False, False,  True]])
    """
    gray = check_image(gray, "gray", ndim=2, fix="convert with to_gray() first")
    t = check_float(t, "t")
    return gray > t


def histogram(gray: np.ndarray, bins: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Count pixels per gray level.

    Parameters
    ----------
    gray : (H, W) ndarray
        uint8 (levels 0-255) or float in [0, 1].
    bins : int
        Number of equal-width bins over the full range (0-256 for uint8, 0-1 for float),
        1 to :data:`MAX_BINS`.

    Returns
    -------
    counts : (bins,) ndarray of int64
    edges : (bins + 1,) ndarray of float64

    Notes
    -----
    Agrees with ``cv2.calcHist([gray], [0], None, [bins], [0, 256])`` for uint8 input.

    Examples
    --------
    >>> counts, edges = histogram(np.array([[0, 0, 255]], np.uint8))
    >>> int(counts[0]), int(counts[255]), int(counts.sum())
    (2, 1, 3)
    """
    gray = check_image(gray, "gray", ndim=2, fix="convert with to_gray() first")
    bins = check_int(bins, "bins", min=1, max=MAX_BINS)
    top = 256.0 if gray.dtype == np.uint8 else 1.0
    if gray.dtype == np.uint8 and bins == 256:
        counts = np.bincount(gray.ravel(), minlength=256).astype(np.int64)
        return counts, np.arange(257, dtype=np.float64)
    counts, edges = np.histogram(gray, bins=bins, range=(0.0, top))
    return counts.astype(np.int64), edges


def hue_mask(
    hsv: np.ndarray,
    hue: float,
    width: float,
    *,
    min_saturation: float = 0.0,
    min_value: float = 0.0,
) -> np.ndarray:
    """Select pixels whose hue lies within ``width`` degrees of ``hue`` (on the colour circle).

    Parameters
    ----------
    hsv : (H, W, 3) ndarray of float
        From :func:`rgb_to_hsv` (not OpenCV's uint8 HSV, whose hue is halved).
    hue : float
        Centre hue in degrees, 0 to 360 (0 red, 60 yellow, 120 green, 240 blue).
    width : float
        Half-width of the accepted band in degrees, 0-180.
    min_saturation, min_value : float
        Also require S and V at least this large (gray and dark pixels have unreliable hue).

    Returns
    -------
    (H, W) ndarray of bool

    Notes
    -----
    Hue is an angle, so 350 degrees and 10 degrees are 20 degrees apart, not 340: the distance
    is ``min(|h - hue| mod 360, 360 - |h - hue| mod 360)``.

    Examples
    --------
    >>> hsv = np.array([[[350.0, 1, 1], [10.0, 1, 1], [180.0, 1, 1]]])
    >>> hue_mask(hsv, 0, 20)
    array([[ True,  True, False]])
    """
    hsv = _check_hsv(hsv)
    hue = check_float(hue, "hue", min=0, max=360)
    width = check_float(width, "width", min=0, max=180)
    min_saturation = check_float(min_saturation, "min_saturation", min=0, max=1)
    min_value = check_float(min_value, "min_value", min=0, max=1)
    d = np.abs(hsv[..., 0] - hue) % 360
    d = np.minimum(d, 360 - d)
    return (d <= width) & (hsv[..., 1] >= min_saturation) & (hsv[..., 2] >= min_value)


def threshold_for_fraction(gray: np.ndarray, fraction: float) -> int:
    """The smallest threshold ``t`` that leaves at most ``fraction`` of the pixels white.

    Parameters
    ----------
    gray : (H, W) ndarray of uint8
    fraction : float
        Largest share of pixels allowed above ``t``, in [0, 1].

    Returns
    -------
    int
        ``t`` in 0-255 such that ``mean(gray > t) <= fraction``, and no smaller ``t`` does.

    Notes
    -----
    From the histogram ``h`` and no sorting: the number of pixels above ``t`` is
    :math:`N - \\sum_{g \\le t} h(g)`, a cumulative sum read from the top. It falls as ``t``
    grows, so the answer is the first ``t`` where it drops to :math:`fraction \\cdot N` or
    below; ``t = 255`` always qualifies. Ties matter: many pixels of one gray level cannot be
    split, so the white share can be well below ``fraction``.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 3.3 (2018).
    Used in chapters/01_pixels.ipynb (an exercise).

    Examples
    --------
    >>> threshold_for_fraction(np.array([[0, 50, 100, 150, 200]], np.uint8), 0.4)
    100
    """
    gray = check_image(gray, "gray", ndim=2, fix="convert with to_gray() first")
    if gray.dtype != np.uint8:
        raise TypeError(f"gray must be uint8 (levels 0-255); got dtype {gray.dtype} - convert "
                        "with as_uint8_image(gray)")
    fraction = check_float(fraction, "fraction", min=0, max=1)
    counts = np.bincount(gray.ravel(), minlength=256)
    above = gray.size - np.cumsum(counts)  # above[t]: pixels brighter than t
    return int(np.argmax(above <= fraction * gray.size))
