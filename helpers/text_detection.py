"""CRAFT-style text detection: synthetic words with exact character boxes, character-region
and affinity heatmaps, and words grouped back from the heatmaps.

Used in chapters/22_frontiers_detection.ipynb.

* :func:`make_text_dataset` renders words (OpenCV's Hershey fonts) onto crops of real photos
  (:func:`helpers.shapes.random_background`), rotated and, if asked, bent along an arc; it
  returns every character's box as a quadrilateral, exactly (the corners of its box on the
  flat canvas, carried through the same map that placed the word).
* :func:`craft_targets` builds CRAFT's two training maps: the **region score** (a Gaussian
  warped into each character box, :func:`draw_quad_gaussian`) and the **affinity score** (the
  same Gaussian in the box between two neighbouring characters, :func:`affinity_quads`).
* :func:`group_words` thresholds the two maps and takes connected components (CRAFT's
  post-processing); :func:`word_boxes` turns each component into a rotated rectangle.
* :func:`evaluate_text_detection` matches predicted and true word polygons one-to-one at an
  IoU threshold (:func:`polygon_iou`, computed on the pixel grid) and reports recall and
  precision.

Conventions: images ``(H, W, 3)`` uint8 RGB; points are ``(x, y)`` in pixel-edge coordinates
(the top-left corner of the image is ``(0, 0)``, pixel ``(row, col)`` covers ``[col, col + 1)
x [row, row + 1)``); a quadrilateral is ``(4, 2)`` in the order top-left, top-right,
bottom-right, bottom-left *of the text* (for rotated text "top" is the side above the
letters); score maps are ``(H / stride, W / stride)`` float32, cell ``(i, j)`` covering
pixels ``[j R, (j + 1) R) x [i R, (i + 1) R)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_float,
    check_instance,
    check_int,
    check_pair,
    check_rng,
    describe,
)
from .shapes import BACKGROUNDS, random_background

__all__ = [
    "TEXT_ALPHABET",
    "TEXT_FONTS",
    "affinity_quads",
    "craft_targets",
    "draw_quad_gaussian",
    "evaluate_text_detection",
    "group_words",
    "make_text_dataset",
    "polygon_iou",
    "word_boxes",
    "word_polygons",
]

#: Characters the generator draws: capitals and digits, all sitting on the baseline (no Q,
#: whose tail crosses it).
TEXT_ALPHABET = "ABCDEFGHIJKLMNOPRSTUVWXYZ0123456789"
#: OpenCV's Hershey fonts the generator picks from (``cv2.FONT_HERSHEY_<NAME>``).
TEXT_FONTS = ("SIMPLEX", "DUPLEX", "COMPLEX", "TRIPLEX")

#: Standard deviation of the character Gaussian, in units of the character box (the box is
#: the unit square): the value at the middle of each side is exp(-0.25 / (2 sigma^2)) = 0.1.
GAUSSIAN_SIGMA = math.sqrt(0.25 / (2 * math.log(10)))
#: Largest image side, number of images and characters per image accepted.
MAX_SIDE = 1024
MAX_IMAGES = 20_000
MAX_CHARS = 10_000
#: Largest score map (cells) the grouping and the targets accept.
MAX_MAP_CELLS = 4_000_000


# -- generator ----------------------------------------------------------------------------------
def _render_word(text: str, font: int, scale: float, thickness: int):
    """Anti-aliased word on a flat canvas (float alpha in [0, 1]) and each character's box
    ``(x1, y1, x2, y2)``: its own ink columns, the word's ink rows."""
    import cv2

    (_, th), base = cv2.getTextSize(text, font, scale, thickness)
    advances = [cv2.getTextSize(ch, font, scale, thickness)[0][0] for ch in text]
    pad = thickness + 3
    canvas = np.zeros((th + base + 2 * pad, sum(advances) + 2 * pad), np.uint8)
    x, baseline = pad, pad + th
    columns = []
    for ch, advance in zip(text, advances, strict=True):
        glyph = np.zeros_like(canvas)
        cv2.putText(glyph, ch, (x, baseline), font, scale, 255, thickness, cv2.LINE_AA)
        cols = np.flatnonzero(glyph.max(axis=0) > 0)
        columns.append((cols.min(), cols.max() + 1) if len(cols) else (x, x + advance))
        np.maximum(canvas, glyph, out=canvas)
        x += advance
    rows = np.flatnonzero(canvas.max(axis=1) > 0)
    y1, y2 = rows.min(), rows.max() + 1
    # Thin glyphs (I, 1) get a box at least half as wide as the letters are high, centred on
    # their ink: a one-pixel-wide box would give a Gaussian thinner than a map cell.
    half = np.maximum([(b - a) / 2 for a, b in columns], (y2 - y1) / 4)
    mid = np.array([(a + b) / 2 for a, b in columns])
    boxes = np.stack([mid - half, np.full_like(mid, y1), mid + half, np.full_like(mid, y2)], 1)
    return canvas.astype(np.float32) / 255.0, boxes


def _word_map(u, v, centre, angle, radius, origin):
    """Canvas point(s) (u, v) -> image (x, y): bend along a circle of signed ``radius`` (inf =
    straight) about the canvas ``centre``, rotate by ``angle`` (radians), move to ``origin``."""
    du, dv = u - centre[0], v - centre[1]
    if math.isinf(radius):
        a, b = du, dv
    else:
        theta = du / radius
        a = (radius - dv) * np.sin(theta)
        b = radius - (radius - dv) * np.cos(theta)
    c, s = math.cos(angle), math.sin(angle)
    return origin[0] + c * a - s * b, origin[1] + s * a + c * b


def _word_unmap(x, y, centre, angle, radius, origin):
    """The inverse of :func:`_word_map`: image (x, y) -> canvas (u, v)."""
    c, s = math.cos(angle), math.sin(angle)
    dx, dy = x - origin[0], y - origin[1]
    a, b = c * dx + s * dy, -s * dx + c * dy
    if math.isinf(radius):
        du, dv = a, b
    else:
        sign = 1.0 if radius > 0 else -1.0
        rho = sign * np.hypot(a, radius - b)
        theta = np.arctan2(sign * a, sign * (radius - b))
        du, dv = radius * theta, radius - rho
    return du + centre[0], dv + centre[1]


def _contrasting_colour(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Dark text on a light background and light text on a dark one, in a random hue.
    light = patch.mean() > 110
    base = rng.uniform(0, 70, 3) if light else rng.uniform(190, 255, 3)
    base[rng.integers(3)] = rng.uniform(0, 90) if light else rng.uniform(150, 255)
    return base


def make_text_dataset(
    n: int,
    *,
    image_size: int = 96,
    max_words: int = 3,
    height: tuple[int, int] = (10, 16),
    max_angle: float = 20.0,
    bend: tuple[float, float] = (0.0, 0.0),
    word_length: tuple[int, int] = (3, 6),
    backgrounds: tuple[str, ...] = BACKGROUNDS,
    rng: np.random.Generator | int,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], list[list[str]]]:
    """Words rendered onto real photo crops, with every character's box known exactly.

    Parameters
    ----------
    n : int
        Number of images (1 to 20,000).
    image_size : int
        Side of the square images (32 to 1024).
    max_words : int
        Each image holds 1 to ``max_words`` words (1 to 20); words never touch (their extents
        keep a 4-pixel gap), so every word is one region.
    height : (int, int)
        Range of the letters' height in pixels (6 to 128).
    max_angle : float
        Each word is rotated by a uniform angle in ``[-max_angle, max_angle]`` degrees (0 to 90).
    bend : (float, float)
        Range of the total bend of a word, in degrees (0 to 120): the angle between the
        baseline's directions at its two ends; the sign (up or down) is random. ``(0, 0)`` is
        straight text.
    word_length : (int, int)
        Range of the number of characters per word (1 to 20).
    backgrounds : tuple of str
        Photos for :func:`helpers.shapes.random_background`.
    rng : numpy.random.Generator or int

    Returns
    -------
    images : (n, image_size, image_size, 3) ndarray of uint8
    char_quads : list of n (K_i, 4, 2) ndarrays of float64
        Each character's box: top-left, top-right, bottom-right, bottom-left, ``(x, y)``.
    char_words : list of n (K_i,) ndarrays of int64
        The word each character belongs to (0, 1, ...), characters in reading order.
    texts : list of n lists of str
        The words.

    Notes
    -----
    Each word is drawn with ``cv2.putText`` (anti-aliased) on a flat canvas, one character at
    a time, so each character's ink columns are known; its box spans those columns (widened
    to half the letter height for thin glyphs such as I and 1) and the word's ink rows. The
    canvas point :math:`(u, v)` (relative to the word's centre) goes to
    :math:`((\\rho - v) \\sin(u / \\rho),\\ \\rho - (\\rho - v) \\cos(u / \\rho))` on an arc of
    radius :math:`\\rho` (a straight word: :math:`(u, v)`), is rotated and moved into place.
    The image is filled by the inverse map (``cv2.remap``, bilinear), and the character
    boxes are the images of their four canvas corners: exact for straight text; for bent
    text the sides of a box are arcs and the quadrilateral joins their ends.

    References
    ----------
    Gupta, Vedaldi & Zisserman, "Synthetic Data for Text Localisation in Natural Images"
    (SynthText), CVPR 2016: the idea of pasting rendered text on real images with exact
    character boxes. Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> images, quads, words, texts = make_text_dataset(2, rng=0)
    >>> images.shape, quads[0].shape[1:], len(words[0]) == len("".join(texts[0]))
    ((2, 96, 96, 3), (4, 2), True)
    """
    import cv2

    n = check_int(n, "n", min=1, max=MAX_IMAGES)
    size = check_int(image_size, "image_size", min=32, max=MAX_SIDE)
    max_words = check_int(max_words, "max_words", min=1, max=20)
    h_lo, h_hi = check_pair(height, "height", min=6, max=128, hint="(min, max) pixels")
    if h_lo > h_hi or h_hi > size // 2:
        raise ValueError(f"height must be (min, max) with min <= max <= image_size / 2; got "
                         f"{height} for image_size {size}")
    max_angle = check_float(max_angle, "max_angle", min=0, max=90)
    check_instance(bend, "bend", (tuple, list), "a pair (min, max) of degrees")
    if len(bend) != 2:
        raise ValueError(f"bend must be a pair (min, max) of degrees; got {bend!r}")
    b_lo = check_float(bend[0], "bend[0]", min=0, max=120)
    b_hi = check_float(bend[1], "bend[1]", min=b_lo, max=120)
    l_lo, l_hi = check_pair(word_length, "word_length", min=1, max=20, hint="(min, max)")
    if l_lo > l_hi:
        raise ValueError(f"word_length must be (min, max) with min <= max; got {word_length}")
    rng = check_rng(rng)
    fonts = [getattr(cv2, f"FONT_HERSHEY_{name}") for name in TEXT_FONTS]
    images = np.empty((n, size, size, 3), np.uint8)
    all_quads, all_words, all_texts = [], [], []
    for i in range(n):
        image = random_background(size, rng, backgrounds=backgrounds).astype(np.float32)
        occupied: list[tuple[float, float, float, float]] = []
        quads, words, texts = [], [], []
        for _ in range(int(rng.integers(1, max_words + 1))):
            text = "".join(rng.choice(list(TEXT_ALPHABET), int(rng.integers(l_lo, l_hi + 1))))
            font = fonts[int(rng.integers(len(fonts)))]
            letter = rng.uniform(h_lo, h_hi)
            scale = letter / 22.0  # Hershey capitals are about 22 pixels high at scale 1
            thickness = 1 if letter < 13 else 2
            alpha, boxes = _render_word(text, font, scale, thickness)
            ch, cw = alpha.shape
            centre = (cw / 2, (boxes[0, 1] + boxes[0, 3]) / 2)
            angle = math.radians(rng.uniform(-max_angle, max_angle))
            total = math.radians(rng.uniform(b_lo, b_hi)) * (1 if rng.random() < 0.5 else -1)
            radius = math.inf if total == 0 else (boxes[-1, 2] - boxes[0, 0]) / total
            corners = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], float)
            # The word's extent after the map: sample its outline (arcs bulge between corners).
            edge = np.concatenate([corners, np.c_[np.linspace(0, cw, 9), np.zeros(9)],
                                   np.c_[np.linspace(0, cw, 9), np.full(9, ch)]])
            ex, ey = _word_map(edge[:, 0], edge[:, 1], centre, angle, radius, (0.0, 0.0))
            for _attempt in range(30):  # rejection sampling of a free spot
                ox = rng.uniform(-ex.min() + 1, size - ex.max() - 1) if np.ptp(ex) < size - 2 \
                    else None
                oy = rng.uniform(-ey.min() + 1, size - ey.max() - 1) if np.ptp(ey) < size - 2 \
                    else None
                if ox is None or oy is None:
                    break
                box = (ox + ex.min(), oy + ey.min(), ox + ex.max(), oy + ey.max())
                if all(box[0] > b[2] + 4 or box[2] < b[0] - 4 or box[1] > b[3] + 4 or
                       box[3] < b[1] - 4 for b in occupied):
                    break
            else:
                continue  # no room for this word
            if ox is None or oy is None:
                continue  # the word is wider than the image
            x1, y1 = int(max(box[0] - 1, 0)), int(max(box[1] - 1, 0))
            x2, y2 = int(min(box[2] + 2, size)), int(min(box[3] + 2, size))
            gy, gx = np.mgrid[y1:y2, x1:x2].astype(np.float64) + 0.5  # pixel centres
            u, v = _word_unmap(gx, gy, centre, angle, radius, (ox, oy))
            a = cv2.remap(alpha, (u - 0.5).astype(np.float32), (v - 0.5).astype(np.float32),
                          cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            patch = image[y1:y2, x1:x2]
            colour = _contrasting_colour(patch, rng)
            patch[:] = patch * (1 - a[..., None]) + colour * a[..., None]
            occupied.append(box)
            bx = boxes[:, [0, 2, 2, 0]]
            by = boxes[:, [1, 1, 3, 3]]
            qx, qy = _word_map(bx, by, centre, angle, radius, (ox, oy))
            quads.append(np.stack([qx, qy], axis=-1))
            words += [len(texts)] * len(text)
            texts.append(text)
        images[i] = np.clip(image + 0.5, 0, 255).astype(np.uint8)
        all_quads.append(np.concatenate(quads) if quads else np.zeros((0, 4, 2)))
        all_words.append(np.asarray(words, np.int64))
        all_texts.append(texts)
    return images, all_quads, all_words, all_texts


# -- targets ------------------------------------------------------------------------------------
def _check_quads(char_quads: Any, name: str = "char_quads") -> np.ndarray:
    q = as_array(char_quads, name, ndim=3, allow_empty=True, shape_hint="(K, 4, 2)")
    if q.shape[1:] != (4, 2):
        raise ValueError(f"{name} must be (K, 4, 2): four (x, y) corners per box; got shape "
                         f"{q.shape}")
    if len(q) > MAX_CHARS:
        raise ValueError(f"{name} must hold at most {MAX_CHARS:,} boxes; got {len(q):,}")
    if len(q) and np.abs(q).max() > 1e6:
        raise ValueError(f"{name} has coordinates beyond 1e6 pixels; got {np.abs(q).max():g}")
    return q.astype(np.float64)


def _check_words(char_words: Any, n: int) -> np.ndarray:
    w = as_array(char_words, "char_words", ndim=1, kinds="iu", allow_empty=True,
                 shape_hint="(K,)")
    if len(w) != n:
        raise ValueError(f"char_words must give one word index per character box of char_quads; "
                         f"got {len(w)} for {n} boxes")
    return w.astype(np.int64)


def _square_to_quad(quad: np.ndarray) -> np.ndarray:
    """The homography taking the unit square's corners (0,0), (1,0), (1,1), (0,1) to ``quad``."""
    src = np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])
    rows, rhs = [], []
    for (u, v), (x, y) in zip(src, quad, strict=True):
        rows += [[u, v, 1, 0, 0, 0, -u * x, -v * x], [0, 0, 0, u, v, 1, -u * y, -v * y]]
        rhs += [x, y]
    h = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return np.append(h, 1.0).reshape(3, 3)


def draw_quad_gaussian(score_map: Any, quad: Any, *, stride: int = 2) -> np.ndarray:
    """Warp a 2-D isotropic Gaussian into a quadrilateral on a score map, keeping maxima.

    Parameters
    ----------
    score_map : (h, w) array_like
        Values in [0, 1]; not modified.
    quad : (4, 2) array_like
        ``(x, y)`` corners in image pixels: top-left, top-right, bottom-right, bottom-left.
    stride : int
        Pixels per map cell (1 to 16).

    Returns
    -------
    (h, w) ndarray of float32
        ``maximum(score_map, g)`` with ``g`` the Gaussian seen through the quad.

    Notes
    -----
    Let :math:`H` be the homography that takes the unit square to the quadrilateral. Each
    cell centre :math:`\\mathbf{x}` maps back to :math:`(u, v) = H^{-1} \\mathbf{x}`, and gets

    .. math:: g = \\exp\\Big(-\\frac{(u - \\tfrac12)^2 + (v - \\tfrac12)^2}{2 \\sigma^2}\\Big)
              \\quad \\text{if } 0 \\le u, v \\le 1, \\text{ else } 0,

    with :math:`\\sigma` = :data:`GAUSSIAN_SIGMA` (0.1 at the middle of each side). CRAFT
    warps a Gaussian image with ``cv2.warpPerspective``; evaluating the formula at each cell is
    the same map without resampling the template.

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019, section 3.2.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    A character filling the 2 x 2 pixels of one cell at stride 2: the cell centre is the
    square's centre.

    >>> draw_quad_gaussian(np.zeros((2, 2)), [[0, 0], [2, 0], [2, 2], [0, 2]]).round(2)
    array([[1., 0.],
           [0., 0.]], dtype=float32)
    """
    sm = as_array(score_map, "score_map", ndim=2, shape_hint="(h, w)")
    if sm.size > MAX_MAP_CELLS:
        raise ValueError(f"score_map must have at most {MAX_MAP_CELLS:,} cells; got {sm.size:,}")
    q = _check_quads(np.asarray(quad)[None] if np.ndim(quad) == 2 else quad, "quad")
    if len(q) != 1:
        raise ValueError(f"quad must be one (4, 2) quadrilateral; got shape {np.shape(quad)}")
    r = check_int(stride, "stride", min=1, max=16)
    out = sm.astype(np.float32)
    quad = q[0]
    h_img, w_img = out.shape
    x1, y1 = np.floor(quad.min(axis=0) / r).astype(int)
    x2, y2 = np.ceil(quad.max(axis=0) / r).astype(int) + 1
    x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, w_img), min(y2, h_img)
    if x1 >= x2 or y1 >= y2:
        return out
    try:
        inv = np.linalg.inv(_square_to_quad(quad))
    except np.linalg.LinAlgError:
        return out  # a degenerate box (all corners on a line) covers no area
    gy, gx = np.mgrid[y1:y2, x1:x2].astype(np.float64)
    pts = np.stack([(gx + 0.5) * r, (gy + 0.5) * r, np.ones_like(gx)])
    uvw = np.tensordot(inv, pts, axes=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        u, v = uvw[0] / uvw[2], uvw[1] / uvw[2]
    # A cell centre on the box's edge counts as inside; the tolerance keeps rounding in the
    # inverse homography (which differs between CPUs' BLAS kernels) from deciding.
    eps = 1e-9
    inside = (u >= -eps) & (u <= 1 + eps) & (v >= -eps) & (v <= 1 + eps)
    g = np.where(inside, np.exp(-((u - 0.5) ** 2 + (v - 0.5) ** 2) / (2 * GAUSSIAN_SIGMA**2)),
                 0.0)
    window = out[y1:y2, x1:x2]
    np.maximum(window, g.astype(np.float32), out=window)
    return out


def affinity_quads(char_quads: Any, char_words: Any) -> np.ndarray:
    """CRAFT's affinity boxes: one between each pair of neighbouring characters of a word.

    Parameters
    ----------
    char_quads : (K, 4, 2) array_like
        Character boxes (top-left, top-right, bottom-right, bottom-left), in reading order.
    char_words : (K,) array_like of int
        Word of each character; characters of a word are consecutive.

    Returns
    -------
    (M, 4, 2) ndarray of float64
        ``M`` = K minus the number of words.

    Notes
    -----
    Cut each character box by its diagonals; the centroid of the upper triangle (top-left,
    top-right, centre) and of the lower one (bottom-left, bottom-right, centre) of characters
    :math:`i` and :math:`i + 1` are the four corners of the affinity box: upper :math:`i`,
    upper :math:`i+1`, lower :math:`i+1`, lower :math:`i`. The centre is the mean of the four
    corners, as in CRAFT's code.

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019, figure 3.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    Two unit squares side by side: the affinity box joins their triangle centroids.

    >>> q = [[[0, 0], [1, 0], [1, 1], [0, 1]], [[1, 0], [2, 0], [2, 1], [1, 1]]]
    >>> (affinity_quads(q, [0, 0]) * 6).round(6).tolist()
    [[[3.0, 1.0], [9.0, 1.0], [9.0, 5.0], [3.0, 5.0]]]
    """
    q = _check_quads(char_quads)
    w = _check_words(char_words, len(q))
    centre = q.mean(axis=1)
    upper = (q[:, 0] + q[:, 1] + centre) / 3
    lower = (q[:, 3] + q[:, 2] + centre) / 3
    pairs = np.flatnonzero(w[:-1] == w[1:])
    return np.stack([upper[pairs], upper[pairs + 1], lower[pairs + 1], lower[pairs]],
                    axis=1).reshape(-1, 4, 2)


def craft_targets(
    char_quads: Any, char_words: Any, *, image_size: int, stride: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """CRAFT's region score and affinity score maps for one image.

    Parameters
    ----------
    char_quads : (K, 4, 2) array_like
    char_words : (K,) array_like of int
    image_size : int
        Side of the square image in pixels (a multiple of ``stride``, up to 1024).
    stride : int
        Pixels per map cell (CRAFT: 2).

    Returns
    -------
    region, affinity : (image_size / stride, image_size / stride) ndarrays of float32
        :func:`draw_quad_gaussian` of every character box, and of every
        :func:`affinity_quads` box.

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019, section 3.2.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    Two 6 x 6 characters side by side; the row of cells through their centres (cell centres
    at x = 1, 3, ..., 11): a peak of 1 at each character's centre, and the affinity between
    them, where the box joining the characters' triangle centroids spans x = 3 to 9 (the cells
    centred on its edges get the Gaussian's edge value, 0.1).

    >>> q = [[[0, 0], [6, 0], [6, 6], [0, 6]], [[6, 0], [12, 0], [12, 6], [6, 6]]]
    >>> region, affinity = craft_targets(q, [0, 0], image_size=12)
    >>> region.shape, region[1].round(2).tolist()
    ((6, 6), [0.36, 1.0, 0.36, 0.36, 1.0, 0.36])
    >>> affinity[1].round(2).tolist()
    [0.0, 0.1, 0.77, 0.77, 0.1, 0.0]
    """
    q = _check_quads(char_quads)
    w = _check_words(char_words, len(q))
    size = check_int(image_size, "image_size", min=1, max=MAX_SIDE)
    r = check_int(stride, "stride", min=1, max=16)
    if size % r:
        raise ValueError(f"image_size must be a multiple of stride; got {size} and {r}")
    region = np.zeros((size // r, size // r), np.float32)
    affinity = np.zeros_like(region)
    for quad in q:
        region = draw_quad_gaussian(region, quad, stride=r)
    for quad in affinity_quads(q, w):
        affinity = draw_quad_gaussian(affinity, quad, stride=r)
    return region, affinity


def word_polygons(char_quads: Any, char_words: Any) -> list[np.ndarray]:
    """Each word's outline: the tops of its characters left to right, then their bottoms back.

    Parameters
    ----------
    char_quads : (K, 4, 2) array_like
    char_words : (K,) array_like of int

    Returns
    -------
    list of (2 L, 2) ndarrays
        One polygon per word (in order of first appearance), ``L`` its number of characters.
        Follows a bent word's curve, unlike a rectangle.

    Examples
    --------
    >>> q = [[[0, 0], [1, 0], [1, 1], [0, 1]], [[1, 0], [2, 0], [2, 1], [1, 1]]]
    >>> word_polygons(q, [0, 0])[0].tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 1.0], [0.0, 1.0]]
    """
    q = _check_quads(char_quads)
    w = _check_words(char_words, len(q))
    out = []
    for word in dict.fromkeys(w.tolist()):
        c = q[w == word]
        top = c[:, :2].reshape(-1, 2)
        bottom = c[::-1, [2, 3]].reshape(-1, 2)
        out.append(np.concatenate([top, bottom]))
    return out


# -- from heatmaps to words ---------------------------------------------------------------------
def group_words(
    region: Any,
    affinity: Any,
    *,
    text_threshold: float = 0.7,
    link_threshold: float = 0.4,
    low_text: float = 0.4,
    min_cells: int = 4,
) -> np.ndarray:
    """Words from CRAFT's two maps: threshold, join, connected components, filter.

    Parameters
    ----------
    region, affinity : (h, w) array_like
        Region and affinity scores (the network's output for one image).
    text_threshold : float
        A component is a word only if its highest region score reaches this (CRAFT: 0.7).
    link_threshold : float
        Cells with affinity above this join characters (CRAFT: 0.4).
    low_text : float
        Cells with region score above this belong to a character (CRAFT: 0.4).
    min_cells : int
        Smaller components are dropped (0 to 10,000).

    Returns
    -------
    (h, w) ndarray of int32
        0 for background, ``1..K`` for the words, numbered in the order their first cell
        appears in a row-major scan.

    Notes
    -----
    .. math:: T = (S_r > \\tau_{low}) \\lor (S_a > \\tau_{link})

    then the 4-connected components of :math:`T` (``scipy.ndimage.label``; CRAFT calls
    ``cv2.connectedComponentsWithStats`` with 4-connectivity), keeping those with at least
    ``min_cells`` cells and :math:`\\max S_r \\ge \\tau_{text}`. Characters of a word touch
    through the affinity between them; two words stay apart because nothing links them.

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019, section 3.3
    (and ``getDetBoxes_core`` in the authors' code). Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    Two characters linked by affinity, and a lone weak blob that never reaches 0.7:

    >>> region = np.array([[0.9, 0.0, 0.8, 0.0, 0.5]])
    >>> affinity = np.array([[0.0, 0.6, 0.0, 0.0, 0.0]])
    >>> group_words(region, affinity, min_cells=1).tolist()
    [[1, 1, 1, 0, 0]]
    """
    from scipy import ndimage

    reg = as_array(region, "region", ndim=2, shape_hint="(h, w)")
    aff = as_array(affinity, "affinity", ndim=2, shape_hint="(h, w)")
    if reg.shape != aff.shape:
        raise ValueError(f"region and affinity must have the same shape; got {reg.shape} and "
                         f"{aff.shape}")
    if reg.size > MAX_MAP_CELLS:
        raise ValueError(f"region must have at most {MAX_MAP_CELLS:,} cells; got {reg.size:,}")
    t_text = check_float(text_threshold, "text_threshold", min=0, max=1)
    t_link = check_float(link_threshold, "link_threshold", min=0, max=1)
    t_low = check_float(low_text, "low_text", min=0, max=1)
    min_cells = check_int(min_cells, "min_cells", min=0, max=10_000)
    text = (reg > t_low) | (aff > t_link)
    labels, count = ndimage.label(text)  # 4-connectivity: the default structure
    if count == 0:
        return labels.astype(np.int32)
    index = np.arange(1, count + 1)
    sizes = ndimage.sum_labels(np.ones_like(reg), labels, index)
    peaks = ndimage.maximum(reg, labels, index)
    keep = (sizes >= min_cells) & (peaks >= t_text)
    new = np.zeros(count + 1, np.int32)
    new[1:][keep] = np.arange(1, int(keep.sum()) + 1)
    return new[labels]


def word_boxes(labels: Any, *, stride: int = 2, grow: float = 0.2) -> np.ndarray:
    """A rotated rectangle around each labelled word: the smallest one holding its cells.

    Parameters
    ----------
    labels : (h, w) array_like of int
        :func:`group_words`'s output (0 background, 1..K words).
    stride : int
        Pixels per cell (1 to 16): boxes come out in image pixels.
    grow : float
        Added on every side of each rectangle, as a fraction of its short side (0 to 2): the
        thresholds of :func:`group_words` keep only the core of each character (with the
        default ``low_text`` 0.4, about 63 % of its height), so the component is thinner and
        shorter than the ink. 0.2 gives back about the letters' box (measured on exact targets).

    Returns
    -------
    (K, 4, 2) ndarray of float64
        Corners of word ``k + 1`` (``cv2.boxPoints`` order).

    Notes
    -----
    Each cell is the square ``[j R, (j + 1) R) x [i R, (i + 1) R)``; the rectangle is
    ``cv2.minAreaRect`` of the corners of the word's cells (rotating calipers on their convex
    hull); with short side :math:`s`, both sides then grow by :math:`2 \\cdot grow \\cdot s`.
    CRAFT instead dilates each component by a size-dependent number of pixels before taking
    the rectangle (DBNet "unclips" its polygons by a similar ratio).

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019, section 3.3.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> (word_boxes([[1, 1, 1]], stride=2, grow=0)[0].round(3) + 0.0).tolist()
    [[6.0, 2.0], [0.0, 2.0], [0.0, 0.0], [6.0, 0.0]]
    """
    import cv2

    lab = as_array(labels, "labels", ndim=2, kinds="iu", shape_hint="(h, w)")
    if lab.size > MAX_MAP_CELLS:
        raise ValueError(f"labels must have at most {MAX_MAP_CELLS:,} cells; got {lab.size:,}")
    r = check_int(stride, "stride", min=1, max=16)
    grow = check_float(grow, "grow", min=0, max=2)
    count = int(lab.max()) if lab.size else 0
    if count > MAX_CHARS:
        raise ValueError(f"labels must number at most {MAX_CHARS:,} words; got {count:,}")
    out = np.zeros((count, 4, 2))
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    for k in range(1, count + 1):
        rows, cols = np.nonzero(lab == k)
        if not len(rows):
            continue
        pts = (np.stack([cols, rows], 1)[:, None, :] + corners[None]).reshape(-1, 2) * r
        (cx, cy), (w, h), angle = cv2.minAreaRect(pts.astype(np.float32))
        extra = 2 * grow * min(w, h)
        out[k - 1] = cv2.boxPoints(((cx, cy), (w + extra, h + extra), angle))
    return out


def polygon_iou(a: Any, b: Any, *, image_size: Any) -> float:
    """IoU of two polygons, measured on the pixel grid (pixel centres inside each polygon).

    Parameters
    ----------
    a, b : (P, 2) array_like
        ``(x, y)`` vertices in pixels (at least 3 each, at most 10,000).
    image_size : int or (int, int)
        ``(H, W)`` of the grid (1 to 4096); parts outside it do not count.

    Returns
    -------
    float
        :math:`|A \\cap B| / |A \\cup B|` in pixels; 0 if both are empty.

    Notes
    -----
    Rasterised with ``skimage.draw.polygon`` (a pixel belongs to a polygon when its centre
    does). On words a few pixels high the grid costs a few per cent of accuracy against the
    exact geometric IoU; ICDAR's evaluation computes the geometric one.

    Examples
    --------
    >>> polygon_iou([[0, 0], [4, 0], [4, 4], [0, 4]], [[2, 0], [6, 0], [6, 4], [2, 4]],
    ...             image_size=8)
    0.3333333333333333
    """
    from skimage.draw import polygon as draw_polygon

    shape = check_pair(image_size, "image_size", min=1, max=4096, allow_int=True)
    masks = []
    for name, poly in (("a", a), ("b", b)):
        p = as_array(poly, name, ndim=2, shape_hint="(P, 2)")
        if p.shape[1] != 2 or not 3 <= len(p) <= 10_000:
            raise ValueError(f"{name} must be (P, 2) vertices with 3 <= P <= 10,000; got shape "
                             f"{p.shape}")
        m = np.zeros(shape, bool)
        rr, cc = draw_polygon(p[:, 1] - 0.5, p[:, 0] - 0.5, shape)
        m[rr, cc] = True
        masks.append(m)
    union = np.count_nonzero(masks[0] | masks[1])
    return float(np.count_nonzero(masks[0] & masks[1]) / union) if union else 0.0


def evaluate_text_detection(
    predictions: list[Any],
    truths: list[Any],
    *,
    image_size: Any,
    iou_threshold: float = 0.5,
) -> dict[str, Any]:
    """Word-level recall and precision: one-to-one matches at an IoU threshold.

    Parameters
    ----------
    predictions : list of (P_i, V, 2) arrays or lists of (V, 2) arrays
        Predicted word polygons per image (e.g. :func:`word_boxes`).
    truths : list of lists of (V, 2) arrays
        True word polygons per image (:func:`word_polygons`).
    image_size : int or (int, int)
        For :func:`polygon_iou`.
    iou_threshold : float
        A prediction and a true word match if their IoU is at least this (ICDAR: 0.5).

    Returns
    -------
    dict
        ``"recall"`` (matched true words / true words), ``"precision"`` (matched predictions /
        predictions), ``"f1"``, ``"n_true"``, ``"n_pred"``, ``"matched"``, ``"matched_ious"``
        (the IoU of every matched pair, as an array) and ``"ious"``: per image the
        ``(P_i, G_i)`` IoU matrix.

    Notes
    -----
    Within each image the pairs are matched greedily, best IoU first; each true word and each
    prediction is used at most once (a word split in two gives one match and one false
    positive). The threshold only cuts the end of that list, so the matches at a stricter
    threshold are the pairs of ``"matched_ious"`` above it.

    Examples
    --------
    >>> square = np.array([[0, 0], [4, 0], [4, 4], [0, 4]])
    >>> r = evaluate_text_detection([[square, square + 10]], [[square]], image_size=16)
    >>> r["recall"], r["precision"]
    (1.0, 0.5)
    """
    check_instance(predictions, "predictions", (list, tuple), "a list with one collection of "
                   "polygons per image")
    check_instance(truths, "truths", (list, tuple), "a list with one list of polygons per image")
    if len(predictions) != len(truths):
        raise ValueError(f"predictions and truths must list the same images; got "
                         f"{len(predictions)} and {len(truths)}")
    if len(truths) > MAX_IMAGES:
        raise ValueError(f"at most {MAX_IMAGES:,} images; got {len(truths):,}")
    thr = check_float(iou_threshold, "iou_threshold", min=0, max=1, min_inclusive=False)
    n_true = n_pred = matched = 0
    all_ious, matched_ious = [], []
    for i, (preds, trues) in enumerate(zip(predictions, truths, strict=True)):
        for name, value in (("predictions", preds), ("truths", trues)):
            if not isinstance(value, (list, tuple, np.ndarray)):
                raise TypeError(f"{name}[{i}] must be a list of (V, 2) polygons or a (P, V, 2) "
                                f"array; got {describe(value)}")
        preds, trues = list(preds), list(trues)
        if len(preds) > MAX_CHARS or len(trues) > MAX_CHARS:
            raise ValueError(f"at most {MAX_CHARS:,} polygons per image")
        iou = np.array([[polygon_iou(p, t, image_size=image_size) for t in trues]
                        for p in preds]).reshape(len(preds), len(trues))
        all_ious.append(iou)
        n_true, n_pred = n_true + len(trues), n_pred + len(preds)
        used_p, used_t = set(), set()
        for flat in np.argsort(-iou, axis=None, kind="stable"):
            i, j = divmod(int(flat), len(trues))
            if iou[i, j] < thr:
                break
            if i not in used_p and j not in used_t:
                used_p.add(i)
                used_t.add(j)
                matched_ious.append(float(iou[i, j]))
        matched += len(used_t)
    recall = matched / n_true if n_true else 0.0
    precision = matched / n_pred if n_pred else 0.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {"recall": recall, "precision": precision, "f1": f1, "n_true": n_true,
            "n_pred": n_pred, "matched": matched, "matched_ious": np.asarray(matched_ious),
            "ious": all_ious}
