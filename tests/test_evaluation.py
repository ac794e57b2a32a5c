"""Tests for helpers.evaluation (chapter 13): matching, precision/recall, AP, mAP.

No reference library for VOC AP is installed; every case is computed by hand in the test.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import evaluation as D


# -- evaluation ------------------------------------------------------------------------------
def test_match_and_ap_hand_computed():
    tp = D.match_detections([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [20, 0, 30, 10]],
                            [0.9, 0.8, 0.7, 0.6], [[0, 0, 10, 10], [20, 0, 30, 10]])
    np.testing.assert_array_equal(tp, [True, False, False, True])
    p, r = D.precision_recall([0.9, 0.8, 0.7, 0.6], tp, 2)
    np.testing.assert_allclose(p, [1, 0.5, 1 / 3, 0.5])
    np.testing.assert_allclose(r, [0.5, 0.5, 0.5, 1.0])
    # AP = 0.5 * 1 (first half of recall at precision 1) + 0.5 * 0.5 = 0.75
    assert D.average_precision(p, r) == pytest.approx(0.75)
    assert D.average_precision([], []) == 0.0


def test_evaluate_detections_per_class():
    dets = [([[0, 0, 10, 10], [20, 0, 30, 10]], [0.9, 0.8], [0, 0]),
            ([[0, 0, 10, 10]], [0.5], [1])]
    truths = [([[0, 0, 10, 10]], [0]), ([[40, 40, 50, 50]], [1])]
    res = D.evaluate_detections(dets, truths, num_classes=3)
    assert res["ap"][0] == 1.0 and res["ap"][1] == 0.0 and np.isnan(res["ap"][2])
    assert res["map"] == 0.5
    with pytest.raises(ValueError, match="recall must be non-decreasing"):
        D.average_precision([1, 1], [0.5, 0.2])
    with pytest.raises(ValueError, match="the same images; got 2 and 1"):
        D.evaluate_detections(dets, truths[:1], num_classes=3)




def test_evaluate_detections_names_a_malformed_image_entry():
    with pytest.raises(TypeError, match=r"detections\[0\] must be a \(boxes, scores, classes\)"):
        D.evaluate_detections([object()], [(np.zeros((0, 4)), [])], num_classes=1)
    with pytest.raises(TypeError, match=r"truths\[0\] must be a \(boxes, classes\)"):
        D.evaluate_detections([(np.zeros((0, 4)), [], [])], [3], num_classes=1)
