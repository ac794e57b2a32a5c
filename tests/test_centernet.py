"""Tests for helpers.centernet, helpers.nets.centernet, the CenterNet explorer and check
(chapter 22).

References: the peaks against ``scipy.ndimage.maximum_filter`` (border padded with -inf,
i.e. ``mode="constant", cval=-inf``) and against ``torch.nn.functional.max_pool2d(heat, 3,
stride=1, padding=1) == heat`` (the official code's NMS), exact; the radius rule against the
IoU it promises, computed directly from displaced boxes (1e-9); the focal loss against an
independent numpy formula of equation (1) of the paper (1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import centernet as C
from helpers.checks.frontiers import check_centernet_heatmap


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda z: (z[2] - z[0]) * (z[3] - z[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


# -- the radius rule ------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.3, 0.5, 0.7])
def test_gaussian_radius_keeps_the_promised_iou(t):
    rng = np.random.default_rng(0)
    for h, w in rng.uniform(2, 80, (50, 2)):
        r = C.gaussian_radius(h, w, min_overlap=t)
        box = (0.0, 0.0, w, h)
        cases = [(r, r, w + r, h + r),            # shifted
                 (r, r, w - r, h - r),            # shrunk
                 (-r, -r, w + r, h + r)]          # grown
        ious = [_iou(box, c) for c in cases]
        assert min(ious) == pytest.approx(t, abs=1e-9)  # the tightest case is exactly at t
        assert all(i >= t - 1e-9 for i in ious)


def test_gaussian_radius_code_rule_is_larger():
    exact = C.gaussian_radius(20, 30, min_overlap=0.7)
    code = C.gaussian_radius(20, 30, min_overlap=0.7, rule="centernet_code")
    assert code > exact


def test_gaussian_radius_errors():
    with pytest.raises(ValueError, match="min_overlap"):
        C.gaussian_radius(10, 10, min_overlap=1.0)
    with pytest.raises(ValueError, match="height"):
        C.gaussian_radius(float("nan"), 10)
    with pytest.raises(ValueError, match="width"):
        C.gaussian_radius(10, 1e12)
    with pytest.raises(ValueError, match="rule"):
        C.gaussian_radius(10, 10, rule="paper")


# -- targets --------------------------------------------------------------------------------
def test_draw_gaussian_formula_and_maximum():
    heat = C.draw_gaussian(np.zeros((9, 9)), (4, 3), 2)
    sigma = 5 / 6
    y, x = np.mgrid[:9, :9]
    expected = np.exp(-((x - 4) ** 2 + (y - 3) ** 2) / (2 * sigma**2))
    expected[(np.abs(x - 4) > 2) | (np.abs(y - 3) > 2)] = 0
    np.testing.assert_allclose(heat, expected, atol=1e-6)
    both = C.draw_gaussian(heat, (5, 3), 2)
    assert both.max() == 1.0 and np.all(both >= heat)  # maximum, never the sum
    clipped = C.draw_gaussian(np.zeros((4, 4)), (0, 0), 3)  # at the corner
    assert clipped[0, 0] == 1.0 and clipped.shape == (4, 4)


def test_draw_gaussian_errors():
    with pytest.raises(ValueError, match="centre"):
        C.draw_gaussian(np.zeros((4, 4)), (4, 0), 1)
    with pytest.raises(ValueError, match="radius"):
        C.draw_gaussian(np.zeros((4, 4)), (0, 0), -1)
    with pytest.raises(ValueError, match="heatmap"):
        C.draw_gaussian(np.zeros(4), (0, 0), 1)


def test_encode_decode_round_trip():
    from helpers.shapes import make_detection_dataset

    _, boxes, labels = make_detection_dataset(20, image_size=64, rng=3)
    for b, lab in zip(boxes, labels, strict=True):
        if C.count_centre_conflicts(b, lab, window=3):
            continue
        heat, size, offset, mask = C.centernet_encode(b, lab, num_classes=3, image_size=64)
        assert heat.shape == (3, 16, 16) and heat.dtype == np.float32
        assert mask.sum() <= len(b) and np.all((offset >= 0) & (offset < 1))
        assert np.count_nonzero(heat == 1) == len(b)
        out, scores, classes = C.centernet_decode(heat, size, offset, threshold=0.99)
        order = np.lexsort(b.T[::-1])
        np.testing.assert_allclose(out[np.lexsort(out.T[::-1])], b[order], atol=1e-4)
        assert sorted(classes.tolist()) == sorted(lab.tolist())


def test_heatmap_errors():
    with pytest.raises(ValueError, match="labels"):
        C.centernet_heatmap([[0, 0, 4, 4]], [3], num_classes=2, image_size=16)
    with pytest.raises(ValueError, match="image_size"):
        C.centernet_heatmap([[0, 0, 4, 4]], [0], num_classes=1, image_size=10**7)
    with pytest.raises(ValueError, match="boxes"):
        C.centernet_heatmap([[0, 0, 4]], [0], num_classes=1, image_size=16)


# -- peaks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("window", [1, 3, 5])
def test_peaks_agree_with_scipy_maximum_filter(window):
    from scipy import ndimage

    rng = np.random.default_rng(window)
    for _ in range(30):
        # Rounded scores make plateaus (equal neighbours) common.
        heat = rng.random((2, 11, 13)).round(1)
        scores, c, y, x = C.heatmap_peaks(heat, threshold=0.2, window=window, max_peaks=10_000)
        pooled = ndimage.maximum_filter(heat, size=(1, window, window), mode="constant",
                                        cval=-np.inf)
        keep = (heat == pooled) & (heat > 0.2)
        assert set(zip(c.tolist(), y.tolist(), x.tolist(), strict=True)) == set(
            map(tuple, np.argwhere(keep).tolist()))
        assert np.all(np.diff(scores) <= 0)
        naive = C.heatmap_peaks_naive(heat, threshold=0.2, window=window, max_peaks=10_000)
        for a, b in zip(naive, (scores, c, y, x), strict=True):
            np.testing.assert_array_equal(a, b)


def test_peaks_agree_with_torch_max_pool():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    heat = rng.random((3, 16, 16)).astype(np.float32)
    t = torch.from_numpy(heat)[None]
    keep = (torch.nn.functional.max_pool2d(t, 3, stride=1, padding=1) == t)[0].numpy()
    _, c, y, x = C.heatmap_peaks(heat, threshold=0.0, max_peaks=10_000)
    assert set(zip(c.tolist(), y.tolist(), x.tolist(), strict=True)) == set(
        map(tuple, np.argwhere(keep & (heat > 0)).tolist()))


def test_peaks_max_and_errors():
    heat = np.random.default_rng(1).random((1, 8, 8))
    assert len(C.heatmap_peaks(heat, threshold=0, window=1, max_peaks=5)[0]) == 5
    with pytest.raises(ValueError, match="window"):
        C.heatmap_peaks(heat, window=2)
    with pytest.raises(ValueError, match="threshold"):
        C.heatmap_peaks(heat, threshold=float("nan"))
    with pytest.raises(ValueError, match="max_peaks"):
        C.heatmap_peaks(heat, max_peaks=0)
    with pytest.raises(ValueError, match="heatmap"):
        C.heatmap_peaks(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="naive"):
        C.heatmap_peaks_naive(np.zeros((1, 500, 500)))
    with pytest.raises(ValueError, match="size and offset"):
        C.centernet_decode(np.zeros((1, 4, 4)), np.zeros((2, 3, 4)), np.zeros((2, 4, 4)))


def test_count_centre_conflicts():
    same = [[0, 0, 8, 8], [1, 1, 9, 9]]
    assert C.count_centre_conflicts(same, [0, 0]) == 2
    assert C.count_centre_conflicts(same, [0, 1]) == 0
    assert C.count_centre_conflicts([[0, 0, 8, 8], [40, 40, 48, 48]], [0, 0]) == 0


# -- the network and its loss ---------------------------------------------------------------
def _focal_reference(out, heat, size, offset, mask):
    c = heat.shape[1]
    p = np.clip(1 / (1 + np.exp(-out[:, :c])), 1e-4, 1 - 1e-4)
    pos = heat == 1
    loss = np.where(pos, (1 - p) ** 2 * np.log(p), (1 - heat) ** 4 * p**2 * np.log(1 - p))
    focal = -loss.sum() / max(pos.sum(), 1)
    m = mask
    l_size = np.abs(out[:, c:c + 2].transpose(0, 2, 3, 1)[m] - size.transpose(0, 2, 3, 1)[m])
    l_off = np.abs(out[:, c + 2:].transpose(0, 2, 3, 1)[m] - offset.transpose(0, 2, 3, 1)[m])
    return focal + 0.1 * l_size.mean() + l_off.mean()


def test_centernet_loss_matches_formula():
    torch = pytest.importorskip("torch")
    from helpers.nets.centernet import centernet_loss

    rng = np.random.default_rng(2)
    heat, size, offset, mask = C.centernet_encode([[4, 4, 20, 28], [30, 2, 60, 20]], [0, 1],
                                                  num_classes=2, image_size=64)
    out = rng.normal(size=(1, 6, 16, 16)).astype(np.float32)
    got = centernet_loss(*(torch.from_numpy(a[None] if a is not out else a)
                           for a in (out, heat, size, offset, mask)))
    want = _focal_reference(out, heat[None], size[None], offset[None], mask[None])
    eps = float(torch.finfo(torch.float32).eps)
    assert float(got) == pytest.approx(want, rel=1e-4, abs=10 * eps)


def test_centernet_loss_errors_and_net_shapes():
    torch = pytest.importorskip("torch")
    from helpers.nets.centernet import TinyCenterNet, centernet_loss, centernet_predict

    with pytest.raises(TypeError, match="out"):
        centernet_loss(np.zeros((1, 5, 2, 2)), *(torch.zeros(1, 1, 2, 2),) * 3,
                       torch.zeros(1, 2, 2, dtype=bool))
    with pytest.raises(ValueError, match="out"):
        centernet_loss(torch.zeros(1, 4, 2, 2), torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2, 2),
                       torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=bool))
    heat, size, offset = centernet_predict(TinyCenterNet(3), np.zeros((2, 32, 32, 3), np.uint8))
    assert heat.shape == (2, 3, 8, 8) and size.shape == offset.shape == (2, 2, 8, 8)
    assert np.all((heat >= 0) & (heat <= 1))
    with pytest.raises(ValueError, match="images"):
        centernet_predict(TinyCenterNet(3), np.zeros((1, 30, 30, 3)))
    with pytest.raises(TypeError, match="model"):
        centernet_predict("net", np.zeros((1, 32, 32, 3)))


# -- the check ------------------------------------------------------------------------------
def _heatmap_right(boxes, labels, num_classes, image_size, stride):
    side = image_size // stride
    heat = np.zeros((num_classes, side, side), np.float32)
    for (x1, y1, x2, y2), k in zip(np.asarray(boxes, float), labels, strict=True):
        cx = min(int((x1 + x2) / 2 / stride), side - 1)
        cy = min(int((y1 + y2) / 2 / stride), side - 1)
        r = int(C.gaussian_radius((y2 - y1) / stride, (x2 - x1) / stride, min_overlap=0.3))
        heat[k] = C.draw_gaussian(heat[k], (cx, cy), r)
    return heat


def test_check_centernet_heatmap():
    assert check_centernet_heatmap(_heatmap_right).passed

    def summed(boxes, labels, num_classes, image_size, stride):  # adds bumps instead of max
        out = np.zeros_like(_heatmap_right(boxes[:0], labels[:0], num_classes, image_size,
                                           stride))
        for b, k in zip(boxes, labels, strict=True):
            out += _heatmap_right(b[None], [k], num_classes, image_size, stride)
        return out

    bad = check_centernet_heatmap(summed)
    assert bad.status == "failed" and "maximum" in bad.message

    def stub(boxes, labels, num_classes, image_size, stride):
        raise NotImplementedError

    assert check_centernet_heatmap(stub).status == "not attempted"
