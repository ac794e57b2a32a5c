"""The small detection networks of chapters 12 and 13, their losses, trainers and predictors.

* :class:`TinyDetector` (chapter 13): a single-shot, YOLO-style detector, four conv stages and
  a 1x1 head: one prediction per 8 x 8 cell. :func:`train_detector` trains it on YOLO targets
  (:func:`helpers.yolo.yolo_encode`) with :func:`detector_loss`; :func:`detector_predict` turns
  its raw output into the YOLO grid that :func:`helpers.yolo.detect` decodes.
* :class:`LandmarkRegressor` (chapter 12): a small CNN that regresses ``(x, y)`` landmarks;
  :func:`train_landmarks` and :func:`predict_landmarks`.

Images go in as the course's stacks ``(N, H, W, 3)`` (uint8, or float in [0, 1]) and become
``(N, 3, H, W)`` batches through :func:`helpers.image.to_tensor`, the one converter. The
networks centre their input (``x - 0.5``) in their first step: centring is the network's
business, not the image contract's. Both train through :func:`helpers.nets.training.fit` (one
pinned thread, seeded, a progress bar) and return ``(model, History)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from torch import nn

from .._validation import (
    as_array,
    check_bool,
    check_float,
    check_instance,
    check_int,
    check_tensor,
)
from ..image import to_tensor
from ..yolo import yolo_encode
from .blocks import conv_bn_relu
from .history import History
from .training import fit, predict

__all__ = [
    "DETECTOR_STRIDE",
    "LandmarkRegressor",
    "TinyDetector",
    "detector_loss",
    "detector_predict",
    "predict_landmarks",
    "train_detector",
    "train_landmarks",
]

#: Pixels per grid cell of :class:`TinyDetector` (three 2x2 max-pools).
DETECTOR_STRIDE = 8
MAX_WIDTH = 512
MAX_CLASSES = 1000
MAX_EPOCHS = 1000
MAX_BATCH = 65536


class TinyDetector(nn.Module):
    """A tiny single-shot, YOLO-style detector: four 3x3 conv stages and a 1x1 head.

    Parameters
    ----------
    num_classes : int
        C, the number of object classes.
    width : int
        Channels of the first stage (doubled after each pool, up to ``4 * width``).
    seed : int
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Attributes
    ----------
    backbone : torch.nn.Sequential
        The conv stages: ``(N, 3, H, W) -> (N, 4 width, H / 8, W / 8)``.
    head : torch.nn.Conv2d
        1x1 convolution to ``5 + C`` raw scores per cell.

    Notes
    -----
    Input ``(N, 3, H, W)`` in [0, 1] with sides multiples of 8; the forward pass centres it
    (:math:`x - 0.5`) and returns ``(N, 5 + C, H / 8, W / 8)`` raw scores (logits): per cell
    objectness, ``tx, ty, w, h`` and the C class scores, channels first as every torch output.
    Fully convolutional, so it runs on any image whose sides are multiples of 8.

    References
    ----------
    Redmon et al., "You Only Look Once", CVPR 2016 (single-shot grid prediction).
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> net = TinyDetector(3)
    >>> tuple(net(torch.zeros(1, 3, 64, 64)).shape)
    (1, 8, 8, 8)
    """

    stride = DETECTOR_STRIDE

    def __init__(self, num_classes: int = 3, *, width: int = 16, seed: int = 0) -> None:
        super().__init__()
        c = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
        w = check_int(width, "width", min=1, max=MAX_WIDTH)
        seed = check_int(seed, "seed", min=0)
        self.num_classes = c
        with torch.random.fork_rng(devices=[]):  # seeded weights, global RNG untouched
            torch.manual_seed(seed)
            self.backbone = nn.Sequential(
                *conv_bn_relu(3, w, pool=True),
                *conv_bn_relu(w, 2 * w, pool=True),
                *conv_bn_relu(2 * w, 4 * w, pool=True),
                *conv_bn_relu(4 * w, 4 * w),
            )
            self.head = nn.Conv2d(4 * w, 5 + c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", ndim=4, channels=3, shape_hint="(N, 3, H, W)")
        return self.head(self.backbone(x - 0.5))  # centre [0, 1] inputs on 0


class LandmarkRegressor(nn.Module):
    """A small CNN that regresses ``num_points`` ``(x, y)`` landmarks from an image.

    Parameters
    ----------
    num_points : int
        P, the number of landmarks.
    width : int
        Channels of the first conv stage.
    seed : int
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Notes
    -----
    ``(N, 3, H, W)`` in [0, 1] -> ``(N, 2 P)``: coordinates as fractions of the image side.
    Three conv stages, then an adaptive average pool to 3 x 3 (it keeps coarse "where"
    information, which a global pool would throw away) and two fully connected layers.

    References
    ----------
    Zhang et al., "Facial Landmark Detection by Deep Multi-task Learning", ECCV 2014.
    Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> tuple(LandmarkRegressor(3)(torch.zeros(2, 3, 48, 48)).shape)
    (2, 6)
    """

    def __init__(self, num_points: int = 3, *, width: int = 16, seed: int = 0) -> None:
        super().__init__()
        n = check_int(num_points, "num_points", min=1, max=1000)
        w = check_int(width, "width", min=1, max=MAX_WIDTH)
        seed = check_int(seed, "seed", min=0)
        self.num_points = n
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.features = nn.Sequential(
                *conv_bn_relu(3, w, pool=True),
                *conv_bn_relu(w, 2 * w, pool=True),
                *conv_bn_relu(2 * w, 4 * w, pool=True),
                nn.AdaptiveAvgPool2d(3),
            )
            self.regressor = nn.Sequential(
                nn.Flatten(), nn.Linear(4 * w * 9, 64), nn.ReLU(), nn.Linear(64, 2 * n)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", ndim=4, channels=3, shape_hint="(N, 3, H, W)")
        return self.regressor(self.features(x - 0.5))  # centre [0, 1] inputs on 0


# -- loss, training, prediction ----------------------------------------------------------------
def detector_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """YOLOv1's loss, simplified, between raw detector output and YOLO targets.

    Parameters
    ----------
    out : (N, 5 + C, S, S) torch.Tensor
        :class:`TinyDetector`'s raw scores.
    target : (N, S, S, 5 + C) torch.Tensor
        Stacked :func:`helpers.yolo.yolo_encode` grids (channels last, as the grid contract).

    Returns
    -------
    scalar torch.Tensor

    Notes
    -----
    Binary cross-entropy of every cell's objectness (positive cells weighted 4x: about 2 of 64
    cells hold an object, and without the weight objectness settles low everywhere), plus, for
    the cells responsible for an object, :math:`5 \\times` the squared error of
    ``(tx, ty, w, h)`` (predicted through a sigmoid; 5 is YOLOv1's :math:`\\lambda_{coord}`)
    and the cross-entropy of the class.

    References
    ----------
    Redmon et al. (2016). Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> out, target = torch.zeros(1, 8, 2, 2), torch.zeros(1, 2, 2, 8)
    >>> round(float(detector_loss(out, target)), 4)   # objectness 0.5 on empty cells: log 2
    0.6931
    """
    out = check_tensor(out, "out", ndim=4)
    target = check_tensor(target, "target", ndim=4)
    target = target.permute(0, 3, 1, 2)  # the grid contract -> torch's (N, 5 + C, S, S)
    if out.shape != target.shape:
        raise ValueError(f"out and target must describe the same grid; got {tuple(out.shape)} "
                         f"and {tuple(target.shape)} (after permuting target to channels first)")
    obj = target[:, 0]
    positive = obj > 0.5
    loss_obj = F.binary_cross_entropy_with_logits(out[:, 0], obj, pos_weight=out.new_tensor(4.0))
    if not positive.any():
        return loss_obj
    box_pred = torch.sigmoid(out[:, 1:5]).permute(0, 2, 3, 1)[positive]
    box_true = target[:, 1:5].permute(0, 2, 3, 1)[positive]
    loss_box = F.mse_loss(box_pred, box_true, reduction="sum") / positive.sum()
    cls_pred = out[:, 5:].permute(0, 2, 3, 1)[positive]
    cls_true = target[:, 5:].permute(0, 2, 3, 1)[positive].argmax(-1)
    return loss_obj + 5.0 * loss_box + F.cross_entropy(cls_pred, cls_true)


def _rgb_batch(images: Any, name: str = "images") -> torch.Tensor:
    """An ``(N, H, W, 3)`` stack -> ``(N, 3, H, W)`` float tensor in [0, 1] (the one contract)."""
    arr = as_array(images, name, ndim=4, shape_hint="(N, H, W, 3)")
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must be (N, H, W, 3) RGB; got shape {arr.shape}")
    return to_tensor(arr, name)


def _check_training(epochs, batch_size, lr, seed, progress):
    return (check_int(epochs, "epochs", min=1, max=MAX_EPOCHS),
            check_int(batch_size, "batch_size", min=2, max=MAX_BATCH),
            check_float(lr, "lr", min=0, max=1, min_inclusive=False),
            check_int(seed, "seed", min=0), check_bool(progress, "progress"))


def train_detector(
    model: TinyDetector,
    images: Any,
    boxes: list[Any],
    labels: list[Any],
    *,
    epochs: int = 12,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[TinyDetector, History]:
    """Train a :class:`TinyDetector` on images with boxes and labels (YOLO targets, Adam).

    Parameters
    ----------
    model : TinyDetector
        Trained in place (and returned).
    images : (N, H, W, 3) ndarray
        Square images, sides a multiple of 8; uint8, or float in [0, 1].
    boxes, labels : lists of N arrays
        xyxy boxes ``(K_i, 4)`` and classes ``(K_i,)`` per image, as returned by
        :func:`helpers.shapes.make_detection_dataset`.
    epochs : int
        Passes over the images (1 to 1,000).
    batch_size : int
        Images per step (>= 2: batch norm needs two).
    lr : float
        Peak learning rate of a one-cycle schedule (warm up, then anneal), in (0, 1].
    seed : int
        Seeds the batch order (:func:`helpers.nets.training.fit`).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    model : TinyDetector
        The same object, trained, in eval mode.
    history : helpers.nets.history.History
        Loss per epoch and timings.

    Notes
    -----
    Targets: :func:`helpers.yolo.yolo_encode` per image, ``S = side / 8``. Loss:
    :func:`detector_loss`. Adam through :func:`helpers.nets.training.fit` with
    ``schedule="onecycle"`` on one pinned torch thread.

    Examples
    --------
    >>> from helpers.shapes import make_detection_dataset
    >>> images, boxes, labels = make_detection_dataset(8, rng=0)
    >>> model, history = train_detector(TinyDetector(3), images, boxes, labels, epochs=1,
    ...                                 progress=False)
    >>> len(history.loss)
    1
    """
    check_instance(model, "model", TinyDetector)
    x = _rgb_batch(images)
    size = x.shape[-1]
    if x.shape[-2] != size or size % DETECTOR_STRIDE:
        raise ValueError(f"images must be square with sides a multiple of 8; got {tuple(x.shape)}")
    check_instance(boxes, "boxes", (list, tuple), "a list with one (K, 4) box array per image")
    check_instance(labels, "labels", (list, tuple), "a list with one (K,) label array per image")
    if len(boxes) != len(x) or len(labels) != len(x):
        raise ValueError(
            f"boxes and labels must have one entry per image; got {len(boxes)} and "
            f"{len(labels)} for {len(x)} images"
        )
    epochs, batch_size, lr, seed, progress = _check_training(epochs, batch_size, lr, seed,
                                                             progress)
    y = torch.from_numpy(np.stack([
        yolo_encode(b, lab, image_size=size, grid_size=size // DETECTOR_STRIDE,
                    num_classes=model.num_classes)
        for b, lab in zip(boxes, labels, strict=True)
    ]))
    return fit(model, (x, y), loss=detector_loss, epochs=epochs, lr=lr, batch_size=batch_size,
               schedule="onecycle", seed=seed, progress=progress, desc="training detector")


def detector_predict(model: TinyDetector, images: Any) -> np.ndarray:
    """Run the detector: per-cell probabilities in the grid layout of :func:`helpers.yolo`.

    Parameters
    ----------
    model : TinyDetector
    images : (N, H, W, 3) ndarray
        Sides multiples of 8 (any size: the net is fully convolutional).

    Returns
    -------
    (N, H / 8, W / 8, 5 + C) ndarray of float32
        Sigmoid of objectness and box, softmax of the classes; channels last (the grid
        contract), converted here from the network's channels-first output.

    Examples
    --------
    >>> detector_predict(TinyDetector(3), np.zeros((1, 16, 16, 3), np.uint8)).shape
    (1, 2, 2, 8)
    """
    check_instance(model, "model", TinyDetector)
    x = _rgb_batch(images)
    if x.shape[-1] % DETECTOR_STRIDE or x.shape[-2] % DETECTOR_STRIDE:
        raise ValueError(f"images must have sides that are multiples of 8; got {tuple(x.shape)}")
    out = predict(model, x, batch_size=64)  # 64 at a time: a lower peak memory
    probs = torch.cat([torch.sigmoid(out[:, :5]), torch.softmax(out[:, 5:], 1)], 1)
    return probs.permute(0, 2, 3, 1).numpy()


def train_landmarks(
    model: LandmarkRegressor,
    images: Any,
    points: Any,
    *,
    epochs: int = 15,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[LandmarkRegressor, History]:
    """Train a :class:`LandmarkRegressor` with the mean squared error of the coordinates.

    Parameters
    ----------
    model : LandmarkRegressor
        Trained in place (and returned).
    images : (N, H, W, 3) ndarray
        Square images; uint8, or float in [0, 1].
    points : (N, P, 2) array_like
        ``(x, y)`` landmarks in pixels.
    epochs, batch_size, lr, seed, progress
        As in :func:`train_detector`.

    Returns
    -------
    model : LandmarkRegressor
    history : helpers.nets.history.History

    Notes
    -----
    Loss :math:`\\frac{1}{2P} \\sum_p \\lVert \\hat{\\mathbf{p}}_p - \\mathbf{p}_p \\rVert^2`
    with coordinates divided by the image side; Adam, one-cycle schedule, through
    :func:`helpers.nets.training.fit` on one torch thread (this net is too small to gain from
    more: on shared cores two threads were measured 10x slower).

    Examples
    --------
    >>> from helpers.shapes import make_landmark_dataset
    >>> images, points = make_landmark_dataset(8, rng=0)
    >>> model, history = train_landmarks(LandmarkRegressor(3), images, points, epochs=1,
    ...                                  progress=False)
    >>> len(history.loss)
    1
    """
    check_instance(model, "model", LandmarkRegressor)
    x = _rgb_batch(images)
    p = as_array(points, "points", ndim=3, shape_hint="(N, P, 2)")
    if p.shape != (len(x), model.num_points, 2):
        raise ValueError(f"points must have shape ({len(x)}, {model.num_points}, 2) for "
                         f"{len(x)} images and a {model.num_points}-point model; got {p.shape}")
    epochs, batch_size, lr, seed, progress = _check_training(epochs, batch_size, lr, seed,
                                                             progress)
    y = torch.from_numpy((p.reshape(len(p), -1) / x.shape[-1]).astype(np.float32))
    return fit(model, (x, y), loss=F.mse_loss, epochs=epochs, lr=lr, batch_size=batch_size,
               schedule="onecycle", seed=seed, progress=progress, desc="training landmarks")


def predict_landmarks(model: LandmarkRegressor, images: Any) -> np.ndarray:
    """Landmarks predicted by a :class:`LandmarkRegressor`, in pixels.

    Parameters
    ----------
    model : LandmarkRegressor
    images : (N, H, W, 3) ndarray

    Returns
    -------
    (N, P, 2) ndarray of float64
        ``(x, y)`` per landmark.

    Examples
    --------
    >>> predict_landmarks(LandmarkRegressor(3), np.zeros((1, 48, 48, 3), np.uint8)).shape
    (1, 3, 2)
    """
    check_instance(model, "model", LandmarkRegressor)
    x = _rgb_batch(images)
    out = predict(model, x).numpy().astype(np.float64)
    return out.reshape(len(x), -1, 2) * x.shape[-1]
