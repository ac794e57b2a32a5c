"""Chapter 13's explorers and checks, and the old home helpers.detection (re-exports only)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ops, yolo
from helpers.checks.detection import (
    check_average_precision,
    check_nms,
    check_yolo_cell,
    check_yolo_decode_head,
)
from helpers.shapes import SHAPE_CLASSES, make_raw_detections


# -- widgets ---------------------------------------------------------------------------------
def test_nms_explorer_follows_the_sliders():
    from helpers.widgets.detection import NMSExplorer, nms_explorer

    image, raw, scores, classes, truth, _ = make_raw_detections(0)
    names = SHAPE_CLASSES
    ex = nms_explorer(image, raw, scores, classes, class_names=names, truth=truth)
    ex.set(score_threshold=0.4, iou_threshold=0.3, per_class=False)
    cand = np.flatnonzero(scores > 0.4)
    np.testing.assert_array_equal(ex.result["kept"], cand[ops.nms(raw[cand], scores[cand], 0.3)])
    ex.set(per_class=True)
    keep = ops.batched_nms(raw[cand], scores[cand], classes[cand], 0.3)
    np.testing.assert_array_equal(ex.result["kept"], cand[keep])
    assert f"keeps <b>{len(ex.result['kept'])}</b>" in ex.readout.value
    # The picture states both thresholds: a move shows even where the boxes stay the same.
    assert [t.get_text() for t in ex._titles] == [
        "before NMS: the boxes scoring above 0.40", "after NMS: overlaps above IoU 0.30 suppressed"]
    before = ex.image.value
    ex.controls["score_threshold"].value = 0.41
    assert ex.image.value != before
    ex.controls["score_threshold"].value = 1.0  # nothing left: still fine
    assert ex.error is None and "keeps <b>0</b>" in ex.readout.value
    with pytest.raises(ValueError, match="same length"):
        nms_explorer(image, raw, scores[:-1], classes, class_names=names)
    with pytest.raises(TypeError, match="class_names must be a tuple"):
        nms_explorer(image, raw, scores, classes, class_names=None)
    with pytest.raises(ValueError, match="class_names has only 2 names"):
        nms_explorer(image, raw, scores, classes, class_names=names[:2])
    with pytest.raises(ValueError, match="score_threshold must be"):
        nms_explorer(image, raw, scores, classes, class_names=names, score_threshold=0)
    # The class takes the factory's defaults: no ground truth unless given.
    assert NMSExplorer(image, raw, scores, classes, class_names=names).truth.shape == (0, 4)


def test_explorer_controls_are_labelled_in_full():
    # Issue 18: descriptions long enough to read, never cut off (a label as wide as its text,
    # or a checkbox laid out at its natural width).
    from helpers.widgets._base import _text_px
    from helpers.widgets.boxes import anchor_explorer, iou_explorer
    from helpers.widgets.detection import nms_explorer, yolo_grid_explorer

    image, raw, scores, classes, truth, lab = make_raw_detections(0)
    grid = yolo.yolo_encode(truth, lab, image_size=128, grid_size=8, num_classes=3)
    explorers = [nms_explorer(image, raw, scores, classes, class_names=SHAPE_CLASSES),
                 yolo_grid_explorer(image, grid, class_names=SHAPE_CLASSES),
                 iou_explorer(), iou_explorer(image=image, move_a=False),
                 anchor_explorer(image, truth)]
    for ex in explorers:
        for name, control in ex.controls.items():
            where = (type(ex).__name__, name, control.description)
            assert control.description.strip(), where
            if hasattr(control, "indent"):  # a checkbox: no fixed-width label column
                assert not control.indent and control.layout.width == "auto", where
            else:
                label = control.style.description_width
                assert int(label.removesuffix("px")) >= _text_px(control.description), where


def test_yolo_grid_explorer_cells():
    from helpers.widgets.detection import yolo_grid_explorer

    image, _, _, _, truth, lab = make_raw_detections(0)
    names = SHAPE_CLASSES
    grid = yolo.yolo_encode(truth, lab, image_size=128, grid_size=16, num_classes=3)
    ex = yolo_grid_explorer(image, grid, class_names=names, truth_boxes=truth, truth_labels=lab)
    i, j = ex.result["cell"]
    assert grid[i, j, 0] == 1 and "responsible for" in ex.readout.value
    ex.set(row=0, col=0)
    if grid[0, 0, 0] == 0:
        assert "no object's centre" in ex.readout.value
    shade = [p.get_bbox().bounds for p in ex._shade]  # everything but cell (0, 0) is darkened
    assert sum(w * h for _, _, w, h in shade) == pytest.approx(128**2 - 8**2)
    ex.set(row=3, col=5)
    x, y = ex._cell.get_xy()
    assert (x, y) == (5 * 8, 3 * 8) and ex._marker.get_xy() == (5, 3)
    with pytest.raises(ValueError, match="5 \\+ 2 channels"):
        yolo_grid_explorer(image, grid, class_names=names[:2])


# -- checks ----------------------------------------------------------------------------------
def _stub(*_args, **_kwargs):
    raise NotImplementedError("exercise not attempted yet")


def test_check_nms():
    assert check_nms(ops.nms_naive).passed

    def ge_threshold(boxes, scores, thr):  # suppresses at IoU == threshold too
        return ops.nms(boxes, scores, max(thr - 1e-9, 0))

    result = check_nms(ge_threshold)
    assert result.status == "failed" and "exactly at the threshold" in result.message
    assert check_nms(_stub).status == "not attempted"


def test_check_yolo_cell():
    def right(box, image_size, grid_size):
        cell = image_size / grid_size
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return int(cy // cell), int(cx // cell), cx / cell - cx // cell, cy / cell - cy // cell

    def swapped(box, image_size, grid_size):  # (column, row): the classic mix-up
        i, j, tx, ty = right(box, image_size, grid_size)
        return j, i, tx, ty

    assert check_yolo_cell(right).passed
    result = check_yolo_cell(swapped)
    assert result.status == "failed" and "row 5, column 2" in result.message
    assert check_yolo_cell(_stub).status == "not attempted"


def test_check_yolo_decode_head():
    assert check_yolo_decode_head(yolo.yolo_decode_head_naive).passed

    def no_scale(head, anchors, input_size, scale_x_y):  # forgets scale_x_y
        return yolo.yolo_decode_head(head, anchors, input_size=input_size)

    def softmax_classes(head, anchors, input_size, scale_x_y):  # YOLOv1's softmax, not sigmoids
        boxes, obj, _ = yolo.yolo_decode_head(head, anchors, input_size=input_size,
                                              scale_x_y=scale_x_y)
        logits = np.asarray(head, float)[..., 5:].reshape(len(boxes), -1)
        e = np.exp(logits - logits.max(1, keepdims=True))
        return boxes, obj, e / e.sum(1, keepdims=True)

    result = check_yolo_decode_head(no_scale)
    assert result.status == "failed" and "scale_x_y = 1.05" in result.message
    result = check_yolo_decode_head(softmax_classes)
    assert result.status == "failed" and "every logit 0" in result.message
    assert check_yolo_decode_head(_stub).status == "not attempted"


def test_check_average_precision():
    from helpers import evaluation

    def right(tp, n_truth):
        p, r = evaluation.precision_recall(np.arange(len(tp), 0, -1), np.asarray(tp, bool),
                                           n_truth)
        return evaluation.average_precision(p, r)

    def no_envelope(tp, n_truth):  # the raw area under the zig-zag curve
        tp = np.asarray(tp, bool)
        if not len(tp):
            return 0.0
        hits = np.cumsum(tp)
        precision, recall = hits / np.arange(1, len(tp) + 1), hits / n_truth
        return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))

    assert check_average_precision(right).passed
    result = check_average_precision(no_envelope)
    assert result.status == "failed" and "envelope" in result.message
    assert check_average_precision(_stub).status == "not attempted"


# -- data generator and the old module ---------------------------------------------------------
def test_make_raw_detections_is_seeded_and_checked():
    a, b = make_raw_detections(3), make_raw_detections(3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    image, boxes, scores, classes, truth, labels = a
    assert (boxes[:, 2:] > boxes[:, :2]).all() and set(classes) <= {0, 1, 2}
    assert ((scores >= 0) & (scores <= 1)).all() and len(truth) == len(labels) >= 1
    with pytest.raises(ValueError, match="n_boxes must be an integer >= 1 and <= 100000"):
        make_raw_detections(0, n_boxes=10**9)


def test_old_module_re_exports_the_new_homes():
    from helpers import detection, evaluation

    assert detection.nms is ops.nms and detection.detect is yolo.detect
    assert detection.evaluate_detections is evaluation.evaluate_detections
    assert detection.__all__ == []  # every exported name has exactly one home
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        detection.nope  # noqa: B018


def test_old_module_re_exports_the_networks_lazily():
    pytest.importorskip("torch")
    from helpers import detection
    from helpers.nets import detection as nets

    assert detection.tiny_detector is nets.TinyDetector
    assert detection.train_detector is nets.train_detector
    assert detection.DETECTOR_STRIDE == 8
