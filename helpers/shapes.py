"""Synthetic localization and detection data with exact ground truth.

Shapes (ellipses, rectangles, triangles) in random colours are pasted on random crops of real
photographs (:func:`helpers.data.load_photo`), so the backgrounds are real clutter while every
box, class and landmark is known to the pixel. Everything is reproducible from ``rng``.

Used in chapters/12_localization.ipynb (landmarks, anchors) and chapters/13_detection.ipynb
(the tiny detector, and the raw detections of the NMS explorer).

Conventions: images are ``(H, W, 3)`` uint8 RGB; boxes are ``(K, 4)`` float64 xyxy in
pixel-edge coordinates and *tight*: ``x1`` is the first column the shape covers and ``x2`` one
past the last, so ``box_area`` of a 1-pixel shape is 1; landmarks are ``(x, y)`` in pixels.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_choice, check_float, check_instance, check_int, check_rng
from .data import PHOTOS, load_photo

__all__ = [
    "BACKGROUNDS",
    "LANDMARK_NAMES",
    "SHAPE_CLASSES",
    "SegmentationScenes",
    "make_detection_dataset",
    "make_landmark_dataset",
    "make_raw_detections",
    "make_segmentation_dataset",
    "random_background",
    "shape_mask",
]

#: Class names, in label order (label 0 is "ellipse").
SHAPE_CLASSES = ("ellipse", "rectangle", "triangle")

#: Photographs used as backgrounds by default (real texture and clutter, varied colours).
BACKGROUNDS = ("astronaut", "chelsea", "coffee", "rocket", "grass", "gravel")

#: The three landmarks of :func:`make_landmark_dataset`, in order.
LANDMARK_NAMES = ("left eye", "right eye", "mouth")

#: Most images one call of :func:`make_detection_dataset` / :func:`make_landmark_dataset` makes.
MAX_IMAGES = 20_000
#: Most bytes of images one call makes (256 MB: 20,000 images of 64x64x3 take 246 MB).
MAX_BYTES = 256 * 2**20
#: Largest shape :func:`shape_mask` draws.
MAX_SHAPE_SIDE = 4096


def _check_backgrounds(backgrounds: object) -> tuple[str, ...]:
    check_instance(backgrounds, "backgrounds", (tuple, list), "a tuple of photo names")
    if not backgrounds:
        raise ValueError(f"backgrounds must name at least one photo, e.g. {BACKGROUNDS[:2]}; "
                         "got an empty tuple")
    for name in backgrounds:
        check_choice(name, "backgrounds", PHOTOS)
    return tuple(backgrounds)


def _check_count(n: object, image_size: int) -> int:
    n = check_int(n, "n", min=1, max=MAX_IMAGES)
    if n * image_size * image_size * 3 > MAX_BYTES:
        raise ValueError(f"n={n} images of {image_size}x{image_size} would take more than "
                         f"{MAX_BYTES // 2**20} MB; make fewer or smaller images")
    return n


@cache
def _photo_small(name: str, short_side: int) -> np.ndarray:
    # Downscale once per process by block averaging: backgrounds keep their texture at the
    # scale of a 64-pixel image instead of showing a tiny patch of a 512-pixel photo.
    photo = load_photo(name)
    if photo.ndim == 2:
        photo = np.repeat(photo[..., None], 3, axis=2)
    factor = max(1, min(photo.shape[:2]) // short_side)
    h, w = (photo.shape[0] // factor) * factor, (photo.shape[1] // factor) * factor
    blocks = photo[:h, :w].reshape(h // factor, factor, w // factor, factor, 3)
    return blocks.mean(axis=(1, 3)).astype(np.uint8)


def random_background(
    size: int, rng: np.random.Generator | int, *, backgrounds: tuple[str, ...] = BACKGROUNDS
) -> np.ndarray:
    """A random ``size x size`` crop of a downscaled real photograph.

    Parameters
    ----------
    size : int
        Side of the square crop in pixels (8 to 256).
    rng : numpy.random.Generator or int
    backgrounds : tuple of str
        Names from :data:`helpers.data.PHOTOS`.

    Returns
    -------
    (size, size, 3) ndarray of uint8

    Examples
    --------
    >>> random_background(32, rng=0).shape
    (32, 32, 3)
    """
    size = check_int(size, "size", min=8, max=256)
    rng = check_rng(rng)
    backgrounds = _check_backgrounds(backgrounds)
    photo = _photo_small(backgrounds[rng.integers(len(backgrounds))], max(size * 2, 128))
    y = rng.integers(photo.shape[0] - size + 1)
    x = rng.integers(photo.shape[1] - size + 1)
    return photo[y : y + size, x : x + size].copy()


def shape_mask(kind: str, width: int, height: int) -> np.ndarray:
    """The pixels a shape of class ``kind`` covers inside its ``height x width`` box.

    Parameters
    ----------
    kind : {"ellipse", "rectangle", "triangle"}
    width, height : int
        Size of the box in pixels (3 to 4096).

    Returns
    -------
    (height, width) ndarray of bool
        Touches all four sides of the box, so the box is tight.

    Notes
    -----
    A pixel is inside when its centre ``(x + 0.5, y + 0.5)`` is: for the ellipse,
    :math:`((x - c_x) / a)^2 + ((y - c_y) / b)^2 \\le 1`; for the triangle (apex at the top
    centre), on the inner side of its three edges. Pixels in the outer row/column are then
    switched on where needed so the shape spans the box exactly.

    Examples
    --------
    >>> shape_mask("triangle", 5, 3).astype(int)
    array([[0, 0, 1, 0, 0],
           [0, 1, 1, 1, 0],
           [1, 1, 1, 1, 1]])
    """
    check_choice(kind, "kind", SHAPE_CLASSES)
    width = check_int(width, "width", min=3, max=MAX_SHAPE_SIDE)
    height = check_int(height, "height", min=3, max=MAX_SHAPE_SIDE)
    y, x = np.mgrid[0:height, 0:width] + 0.5
    if kind == "rectangle":
        return np.ones((height, width), bool)
    if kind == "ellipse":
        a, b = width / 2, height / 2
        mask = ((x - a) / a) ** 2 + ((y - b) / b) ** 2 <= 1.0
    else:
        # |x - w/2| <= (w/2) * (y / h): the two slanted edges; the base is the last row.
        mask = np.abs(x - width / 2) <= (width / 2) * (y / height) + 0.5
    # Make the mask tight: the middle pixel of each side is always inside.
    mask[0, width // 2] = mask[-1, width // 2] = True
    mask[height // 2, 0] |= kind == "ellipse"
    mask[height // 2, -1] |= kind == "ellipse"
    mask[-1, 0] |= kind == "triangle"
    mask[-1, -1] |= kind == "triangle"
    return mask


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    # A saturated, bright colour: one channel high, one low, one anywhere; stands out from
    # most photo backgrounds without being a class cue (every class gets every colour).
    c = np.empty(3)
    order = rng.permutation(3)
    c[order[0]] = rng.uniform(200, 255)
    c[order[1]] = rng.uniform(0, 60)
    c[order[2]] = rng.uniform(0, 255)
    return c


def make_detection_dataset(
    n: int,
    *,
    image_size: int = 64,
    min_size: int = 12,
    max_size: int = 28,
    max_objects: int = 3,
    classes: tuple[str, ...] = SHAPE_CLASSES,
    backgrounds: tuple[str, ...] = BACKGROUNDS,
    rng: np.random.Generator | int,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Images of 1 to ``max_objects`` shapes on real photo crops, with exact boxes and classes.

    Parameters
    ----------
    n : int
        Number of images (1 to 20,000, and at most 256 MB of them).
    image_size : int
        Side of the square images (16 to 256).
    min_size, max_size : int
        Range of a shape's width and height in pixels (3 <= min_size <= max_size <=
        image_size); the aspect ratio ``w / h`` stays within [1/2, 2].
    max_objects : int
        Each image holds between 1 and ``max_objects`` shapes. Shapes never overlap (their boxes
        keep a 1-pixel gap), so every object is fully visible.
    classes : tuple of str
        Subset of :data:`SHAPE_CLASSES`; label ``k`` is ``classes[k]``.
    backgrounds : tuple of str
        Photo names (see :data:`BACKGROUNDS`).
    rng : numpy.random.Generator or int

    Returns
    -------
    images : (n, image_size, image_size, 3) ndarray of uint8
    boxes : list of n (K_i, 4) ndarrays of float64
        Tight xyxy boxes.
    labels : list of n (K_i,) ndarrays of int64
        Class indices into ``classes``.

    Raises
    ------
    ValueError
        If the sizes do not fit (``max_size > image_size``, ``min_size > max_size``, ...).

    Examples
    --------
    >>> images, boxes, labels = make_detection_dataset(2, rng=0)
    >>> images.shape, boxes[0].shape[1], labels[0].dtype
    ((2, 64, 64, 3), 4, dtype('int64'))
    """
    image_size = check_int(image_size, "image_size", min=16, max=256)
    n = _check_count(n, image_size)
    min_size = check_int(min_size, "min_size", min=3, max=image_size)
    max_size = check_int(max_size, "max_size", min=min_size, max=image_size)
    max_objects = check_int(max_objects, "max_objects", min=1, max=16)
    check_instance(classes, "classes", (tuple, list), "a tuple of shape names")
    if not classes:
        raise ValueError("classes must name at least one shape; got an empty tuple")
    for kind in classes:
        check_choice(kind, "classes", SHAPE_CLASSES)
    backgrounds = _check_backgrounds(backgrounds)
    rng = check_rng(rng)
    images = np.empty((n, image_size, image_size, 3), np.uint8)
    all_boxes, all_labels = [], []
    for i in range(n):
        image = random_background(image_size, rng, backgrounds=backgrounds).astype(np.float64)
        boxes, labels = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            label = int(rng.integers(len(classes)))
            for _attempt in range(30):  # rejection sampling of a free spot
                w = int(rng.integers(min_size, max_size + 1))
                h = int(np.clip(round(w * np.exp(rng.uniform(-np.log(2), np.log(2)))),
                                min_size, max_size))
                x1 = int(rng.integers(0, image_size - w + 1))
                y1 = int(rng.integers(0, image_size - h + 1))
                box = (x1, y1, x1 + w, y1 + h)
                if all(box[0] > b[2] or box[2] < b[0] or box[1] > b[3] or box[3] < b[1]
                       for b in boxes):
                    break
            else:
                continue  # no room left for this one
            mask = shape_mask(classes[label], w, h)
            image[y1 : y1 + h, x1 : x1 + w][mask] = _random_colour(rng)
            boxes.append(box)
            labels.append(label)
        images[i] = image.astype(np.uint8)
        all_boxes.append(np.asarray(boxes, np.float64).reshape(-1, 4))
        all_labels.append(np.asarray(labels, np.int64))
    return images, all_boxes, all_labels


def make_landmark_dataset(
    n: int,
    *,
    image_size: int = 48,
    backgrounds: tuple[str, ...] = BACKGROUNDS,
    rng: np.random.Generator | int,
) -> tuple[np.ndarray, np.ndarray]:
    """Cartoon faces (two eyes and a mouth) on photo crops, with the exact landmark positions.

    Each face has a random position, size (35-60 % of the image) and tilt (-30 to 30 degrees),
    so the landmarks move independently enough that a regressor must look at the image.

    Parameters
    ----------
    n : int
        Number of images (1 to 20,000, and at most 256 MB of them).
    image_size : int
        Side of the square images (24 to 256).
    backgrounds : tuple of str
    rng : numpy.random.Generator or int

    Returns
    -------
    images : (n, image_size, image_size, 3) ndarray of uint8
    points : (n, 3, 2) ndarray of float64
        ``(x, y)`` in pixels of :data:`LANDMARK_NAMES` (left eye, right eye, mouth), "left" as
        seen in the image.

    Examples
    --------
    >>> images, points = make_landmark_dataset(3, rng=0)
    >>> images.shape, points.shape
    ((3, 48, 48, 3), (3, 3, 2))
    >>> bool((points >= 0).all() and (points <= 48).all())
    True
    """
    image_size = check_int(image_size, "image_size", min=24, max=256)
    n = _check_count(n, image_size)
    backgrounds = _check_backgrounds(backgrounds)
    rng = check_rng(rng)
    images = np.empty((n, image_size, image_size, 3), np.uint8)
    points = np.empty((n, 3, 2))
    yy, xx = np.mgrid[0:image_size, 0:image_size] + 0.5
    # Landmarks in the face's own frame, in units of its radius: eyes up, mouth down.
    local = np.array([[-0.38, -0.25], [0.38, -0.25], [0.0, 0.45]])
    for i in range(n):
        image = random_background(image_size, rng, backgrounds=backgrounds).astype(np.float64)
        r = rng.uniform(0.175, 0.3) * image_size
        cx, cy = rng.uniform(r, image_size - r, size=2)
        angle = np.deg2rad(rng.uniform(-30, 30))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        pts = (local * r) @ rot.T + (cx, cy)
        skin = rng.uniform([170, 120, 80], [255, 210, 160])
        image[(xx - cx) ** 2 + (yy - cy) ** 2 <= r**2] = skin
        for (px, py), colour, size in zip(pts, ([20, 20, 20], [20, 20, 20], [190, 20, 30]),
                                          (0.13, 0.13, 0.17), strict=True):
            image[(xx - px) ** 2 + (yy - py) ** 2 <= (size * r) ** 2] = colour
        images[i] = image.astype(np.uint8)
        points[i] = pts
    return images, as_array(points, "points")


def make_raw_detections(
    rng: np.random.Generator | int = 0, *, image_size: int = 128, n_boxes: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Detector-like raw output without a network: jittered, scored copies of the true boxes.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    image_size : int
        Side of the square scene (32 to 1024).
    n_boxes : int
        Raw boxes to produce (1 to 100,000).

    Returns
    -------
    image : (image_size, image_size, 3) ndarray of uint8
        One scene of :func:`make_detection_dataset` (up to 5 shapes of 16-40 px).
    boxes : (n_boxes, 4) ndarray of float64
        xyxy copies of the true boxes, each corner moved by :math:`\\mathcal N(0, 3^2)` pixels
        (at least 1 pixel wide and high).
    scores : (n_boxes,) ndarray of float64
        In [0, 1], higher for copies that moved less (plus noise): what NMS has to sort out.
    classes : (n_boxes,) ndarray of int64
        The true class for 85 % of the copies, a random one otherwise.
    truth : (K, 4) ndarray of float64
        The true boxes.
    truth_labels : (K,) ndarray of int64

    References
    ----------
    Used by the NMS explorer of chapters/13_detection.ipynb (and its tests and benchmark).

    Examples
    --------
    >>> image, boxes, scores, classes, truth, labels = make_raw_detections(0)
    >>> image.shape, boxes.shape, bool(scores.min() >= 0), len(truth) == len(labels)
    ((128, 128, 3), (200, 4), True, True)
    """
    rng = check_rng(rng)
    size = check_int(image_size, "image_size", min=32, max=1024)
    n = check_int(n_boxes, "n_boxes", min=1, max=100_000)
    images, boxes, labels = make_detection_dataset(1, image_size=size, min_size=16,
                                                   max_size=40, max_objects=5, rng=rng)
    truth, lab = boxes[0], labels[0]
    reps = rng.integers(len(truth), size=n)
    jitter = rng.normal(0, 3, (n, 4))
    raw = truth[reps] + jitter
    raw[:, 2:] = np.maximum(raw[:, 2:], raw[:, :2] + 1)
    scores = np.clip(1 - np.abs(jitter).mean(1) / 6 + rng.normal(0, 0.1, n), 0, 1)
    classes = np.where(rng.random(n) < 0.85, lab[reps], rng.integers(len(SHAPE_CLASSES), size=n))
    return images[0], raw, scores, classes.astype(np.int64), truth, lab.astype(np.int64)


# -- segmentation scenes: overlapping objects, several of a class (chapter 14) ------------------
class SegmentationScenes(NamedTuple):
    """Images with exact semantic and instance masks (see :func:`make_segmentation_dataset`)."""

    images: np.ndarray
    """``(n, H, W, 3)`` uint8 RGB."""
    semantic: np.ndarray
    """``(n, H, W)`` uint8: 0 for the background ("stuff"), ``k + 1`` for class ``classes[k]``."""
    instances: np.ndarray
    """``(n, H, W)`` uint8: 0 for the background, ``i + 1`` for the i-th object drawn."""
    labels: list
    """n ``(K_i,)`` int64 arrays: the class index of object i (into ``classes``)."""


def make_segmentation_dataset(
    n: int,
    *,
    image_size: int = 64,
    min_size: int = 12,
    max_size: int = 28,
    max_objects: int = 4,
    min_visible: float = 0.5,
    classes: tuple[str, ...] = SHAPE_CLASSES,
    backgrounds: tuple[str, ...] = BACKGROUNDS,
    rng: np.random.Generator | int,
) -> SegmentationScenes:
    """Scenes of 1 to ``max_objects`` shapes that may overlap, with exact per-pixel truth.

    Unlike :func:`make_detection_dataset`, shapes here may overlap and occlude each other
    (later ones are drawn on top) and a scene often holds several shapes of one class: what
    tells semantic, instance and panoptic segmentation apart.

    Parameters
    ----------
    n : int
        Number of images (1 to 20,000).
    image_size : int
        Side of the square images (16 to 256).
    min_size, max_size : int
        Range of a shape's width and height in pixels (aspect ratio within [1/2, 2]).
    max_objects : int
        Each image holds 1 to ``max_objects`` shapes (at most 16).
    min_visible : float
        In (0, 1]: a shape is only placed where every shape keeps at least this fraction of
        its pixels visible (so no object disappears under others); a shape that finds no such
        place within 30 tries is left out.
    classes : tuple of str
        Subset of :data:`SHAPE_CLASSES`; semantic label ``k + 1`` is ``classes[k]``.
    backgrounds : tuple of str
        Photo names (see :data:`BACKGROUNDS`).
    rng : numpy.random.Generator or int

    Returns
    -------
    SegmentationScenes
        ``(images, semantic, instances, labels)``; every non-zero pixel of ``semantic`` lies in
        exactly one instance, ``semantic == labels[i] + 1`` wherever ``instances == i + 1``.
        The label maps are uint8 (at most 16 objects and 3 classes), a quarter of the memory of
        int64 maps; ``labels`` are int64.

    Notes
    -----
    The masks are exact because the image is painted from them: each pixel takes the colour
    of the last shape covering it (the "painter's algorithm"), and that shape's id is what
    ``instances`` holds there.

    References
    ----------
    Kirillov et al., "Panoptic segmentation", CVPR 2019 (things and stuff). Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> scenes = make_segmentation_dataset(2, image_size=32, min_size=6, max_size=14, rng=0)
    >>> scenes.images.shape, scenes.semantic.shape, scenes.semantic.dtype
    ((2, 32, 32, 3), (2, 32, 32), dtype('uint8'))
    >>> bool(((scenes.semantic > 0) == (scenes.instances > 0)).all())
    True
    """
    n = check_int(n, "n", min=1, max=20_000)
    image_size = check_int(image_size, "image_size", min=16, max=256)
    min_size = check_int(min_size, "min_size", min=3, max=image_size)
    max_size = check_int(max_size, "max_size", min=min_size, max=image_size)
    max_objects = check_int(max_objects, "max_objects", min=1, max=16)
    min_visible = check_float(min_visible, "min_visible", min=0, max=1, min_inclusive=False)
    if not isinstance(classes, tuple) or not classes:
        raise ValueError(f"classes must be a non-empty tuple of shape names; got {classes!r}")
    for kind in classes:
        check_choice(kind, "classes", SHAPE_CLASSES)
    rng = check_rng(rng)
    images = np.empty((n, image_size, image_size, 3), np.uint8)
    semantic = np.zeros((n, image_size, image_size), np.uint8)
    instances = np.zeros((n, image_size, image_size), np.uint8)
    all_labels = []
    for i in range(n):
        image = random_background(image_size, rng, backgrounds=backgrounds).astype(np.float64)
        ids = np.zeros((image_size, image_size), np.int64)
        areas: list[int] = []
        labels: list[int] = []
        for _ in range(rng.integers(1, max_objects + 1)):
            label = int(rng.integers(len(classes)))
            for _attempt in range(30):  # rejection sampling: every shape stays visible enough
                w = int(rng.integers(min_size, max_size + 1))
                h = int(np.clip(round(w * np.exp(rng.uniform(-np.log(2), np.log(2)))),
                                min_size, max_size))
                x1 = int(rng.integers(0, image_size - w + 1))
                y1 = int(rng.integers(0, image_size - h + 1))
                mask = np.zeros((image_size, image_size), bool)
                mask[y1 : y1 + h, x1 : x1 + w] = shape_mask(classes[label], w, h)
                trial = np.where(mask, len(areas) + 1, ids)
                visible = np.bincount(trial.ravel(), minlength=len(areas) + 2)[1:]
                if all(visible[k] >= min_visible * areas[k] for k in range(len(areas))):
                    break
            else:
                continue  # no place where everyone stays visible
            ids[:] = trial
            image[mask] = _random_colour(rng)
            areas.append(int(mask.sum()))
            labels.append(label)
        lab = np.asarray(labels, np.int64)
        instances[i] = ids
        semantic[i] = np.where(ids > 0, np.concatenate([[0], lab + 1])[ids], 0)
        images[i] = image.astype(np.uint8)
        all_labels.append(lab)
    return SegmentationScenes(images, semantic, instances, all_labels)
