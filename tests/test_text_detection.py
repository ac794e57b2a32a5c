"""Tests for helpers.text_detection, helpers.nets.craft and the word-grouping check (chapter 22).

References: word grouping against ``cv2.connectedComponents`` (4-connectivity) on the same
binary map, the same partition exactly (numbering differs: both are renumbered by first cell
in a row-major scan before comparing); ``polygon_iou`` against the exact geometric IoU of
axis-aligned rectangles with integer corners (the pixel grid is then exact, 1e-12) and
against a square and its 45-degree rotation, computed analytically, within 3 %; the affinity
boxes against the paper's construction computed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import text_detection as T
from helpers.checks.frontiers import check_group_words


def _renumber(labels):
    out = np.zeros_like(labels)
    seen = {}
    for v in labels.ravel():
        if v and v not in seen:
            seen[v] = len(seen) + 1
    for v, k in seen.items():
        out[labels == v] = k
    return out


def test_group_words_agrees_with_cv2_connected_components():
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(0)
    for _ in range(40):
        region, affinity = rng.random((2, 20, 25))
        labels = T.group_words(region, affinity, text_threshold=0.0, link_threshold=0.7,
                               low_text=0.6, min_cells=0)
        binary = ((region > 0.6) | (affinity > 0.7)).astype(np.uint8)
        _, ref = cv2.connectedComponents(binary, connectivity=4)
        np.testing.assert_array_equal(labels, _renumber(ref))


def test_group_words_filters_and_numbers():
    region = np.array([[0.9, 0.0, 0.8, 0.0, 0.5, 0.0, 0.9]])
    affinity = np.array([[0.0, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0]])
    assert T.group_words(region, affinity, min_cells=1).tolist() == [[1, 1, 1, 0, 0, 0, 2]]
    assert T.group_words(region, affinity, min_cells=2).tolist() == [[1, 1, 1, 0, 0, 0, 0]]
    assert T.group_words(region, affinity, min_cells=1).dtype == np.int32
    with pytest.raises(ValueError, match="same shape"):
        T.group_words(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="link_threshold"):
        T.group_words(np.zeros((2, 2)), np.zeros((2, 2)), link_threshold=2)
    with pytest.raises(ValueError, match="region"):
        T.group_words(np.zeros(4), np.zeros(4))


def test_exact_targets_give_every_straight_word():
    images, quads, words, texts = T.make_text_dataset(6, max_words=3, rng=1)
    assert images.shape == (6, 96, 96, 3) and images.dtype == np.uint8
    preds, truths = [], []
    for q, w, t in zip(quads, words, texts, strict=True):
        assert q.shape == (len(w), 4, 2) and sorted(set(w.tolist())) == list(range(len(t)))
        assert len(w) == sum(len(x) for x in t)
        region, affinity = T.craft_targets(q, w, image_size=96)
        assert region.shape == (48, 48) and region.max() <= 1.0
        preds.append(T.word_boxes(T.group_words(region, affinity)))
        truths.append(T.word_polygons(q, w))
    score = T.evaluate_text_detection(preds, truths, image_size=96)
    assert score["recall"] == 1.0 and score["precision"] == 1.0


def test_dataset_is_seeded_and_bent_text_is_marked():
    a = T.make_text_dataset(2, rng=5)
    b = T.make_text_dataset(2, rng=5)
    np.testing.assert_array_equal(a[0], b[0])
    bent = T.make_text_dataset(2, bend=(60.0, 60.0), rng=5)
    assert not np.array_equal(bent[0], a[0])
    with pytest.raises(ValueError, match="image_size"):
        T.make_text_dataset(1, image_size=10**6, rng=0)
    with pytest.raises(ValueError, match="n"):
        T.make_text_dataset(0, rng=0)


def test_affinity_quads_by_hand():
    # Two unit characters: centres (0.5, 0.5) and (1.5, 0.5); each box's upper and lower
    # triangle centres, (x, 1/6) and (x, 5/6), make the affinity box between the characters.
    q = [[[0, 0], [1, 0], [1, 1], [0, 1]], [[1, 0], [2, 0], [2, 1], [1, 1]],
         [[5, 0], [6, 0], [6, 1], [5, 1]]]
    aff = T.affinity_quads(q, [0, 0, 1])
    assert aff.shape == (1, 4, 2)  # no link between words
    np.testing.assert_allclose(aff[0], [[0.5, 1 / 6], [1.5, 1 / 6], [1.5, 5 / 6], [0.5, 5 / 6]])
    with pytest.raises(ValueError, match="char_words"):
        T.affinity_quads(q, [0, 0])


def test_polygon_iou_agrees_with_exact_rectangles():
    rng = np.random.default_rng(3)
    for _ in range(50):
        (x1, y1), (x2, y2) = rng.integers(0, 30, (2, 2))
        w1, h1, w2, h2 = rng.integers(1, 20, 4)
        a = [[x1, y1], [x1 + w1, y1], [x1 + w1, y1 + h1], [x1, y1 + h1]]
        b = [[x2, y2], [x2 + w2, y2], [x2 + w2, y2 + h2], [x2, y2 + h2]]
        ix = max(0, min(x1 + w1, x2 + w2) - max(x1, x2))
        iy = max(0, min(y1 + h1, y2 + h2) - max(y1, y2))
        exact = ix * iy / (w1 * h1 + w2 * h2 - ix * iy)
        assert T.polygon_iou(a, b, image_size=64) == pytest.approx(exact, abs=1e-12)
    # A square and itself rotated by 45 degrees about its centre: IoU = 1 / (4 sqrt 2 - 4)...
    s = 20.0
    square = np.array([[-s, -s], [s, -s], [s, s], [-s, s]]) + 32
    diamond = np.array([[0, -s * 2**0.5], [s * 2**0.5, 0], [0, s * 2**0.5], [-s * 2**0.5, 0]]) + 32
    inter = (2 * s) ** 2 - 4 * (s * (2**0.5 - 1)) ** 2  # the square minus four corner triangles
    exact = inter / (2 * (2 * s) ** 2 - inter)
    assert T.polygon_iou(square, diamond, image_size=64) == pytest.approx(exact, rel=0.03)
    with pytest.raises(ValueError, match="a must"):
        T.polygon_iou([[0, 0], [1, 1]], square, image_size=64)


def test_evaluate_text_detection_counts():
    box = np.array([[0, 0], [10, 0], [10, 5], [0, 5]], float)
    far = box + 40
    score = T.evaluate_text_detection([np.stack([box, far + 5])], [[box, far]], image_size=64)
    assert (score["matched"], score["n_true"], score["n_pred"]) == (1, 2, 2)
    assert score["recall"] == 0.5 and score["precision"] == 0.5
    with pytest.raises(ValueError, match="iou_threshold"):
        T.evaluate_text_detection([], [], image_size=64, iou_threshold=1.5)


def test_craft_net_and_loss():
    torch = pytest.importorskip("torch")
    from helpers.nets.craft import TinyCraft, craft_loss, craft_predict

    region, affinity = craft_predict(TinyCraft(), np.zeros((2, 32, 32, 3), np.uint8))
    assert region.shape == affinity.shape == (2, 16, 16)
    from helpers.nets.craft import POSITIVE_WEIGHT

    rng = np.random.default_rng(4)
    out = rng.normal(size=(2, 2, 5, 6))
    reg, aff = rng.random((2, 2, 5, 6)) * (rng.random((2, 2, 5, 6)) < 0.3)
    weight = np.where(np.maximum(reg, aff) > 0.1, POSITIVE_WEIGHT, 1.0)
    want = (weight * ((out[:, 0] - reg) ** 2 + (out[:, 1] - aff) ** 2)).sum() / out.size
    got = craft_loss(*(torch.tensor(a, dtype=torch.float64) for a in (out, reg, aff)))
    assert float(got) == pytest.approx(want, rel=1e-12)
    with pytest.raises(ValueError, match="region and affinity"):
        craft_loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 4, 3), torch.zeros(1, 4, 3))
    with pytest.raises(TypeError, match="model"):
        craft_predict(None, np.zeros((1, 32, 32, 3)))


# -- the check ------------------------------------------------------------------------------
def _group_right(region, affinity, text_threshold, link_threshold, low_text):
    from scipy import ndimage

    labels, count = ndimage.label((region > low_text) | (affinity > link_threshold))
    out = np.zeros_like(labels)
    k = 0
    for i in range(1, count + 1):
        if region[labels == i].max() >= text_threshold:
            k += 1
            out[labels == i] = k
    return out


def test_check_group_words():
    assert check_group_words(_group_right).passed

    def eight_connected(region, affinity, text_threshold, link_threshold, low_text):
        from scipy import ndimage

        labels, _ = ndimage.label((region > low_text) | (affinity > link_threshold),
                                  structure=np.ones((3, 3)))
        return labels

    bad = check_group_words(eight_connected)
    assert bad.status == "failed"

    def stub(*args):
        raise NotImplementedError

    assert check_group_words(stub).status == "not attempted"
