"""helpers.segmentation, section 4 (chapter 14): Dice, IoU, losses, boundaries, panoptic.

References: Dice and IoU against scikit-learn's ``f1_score`` / ``jaccard_score`` on flattened
masks (binary, and ``average=None`` per class; sklearn answers 0 where we answer NaN for a class
in neither map, a convention difference written in our docstring); the binary cross-entropy
against ``torch.nn.functional.binary_cross_entropy``; the soft Dice loss against its torch twin
``helpers.nets.segmentation.dice_loss``; connected components against ``skimage.measure.label``.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import segmentation as seg
from helpers.shapes import make_segmentation_dataset


def test_hand_cases():
    p = np.array([[1, 1, 0, 0]], bool)
    t = np.array([[0, 1, 1, 0]], bool)
    assert seg.dice(p, t) == 0.5 and seg.mask_iou(p, t) == pytest.approx(1 / 3)
    assert seg.dice(t, t) == 1.0 and seg.mask_iou(t, t) == 1.0
    empty = np.zeros((3, 3), bool)
    assert seg.dice(empty, empty) == 1.0 and seg.mask_iou(empty, empty) == 1.0
    assert seg.dice(empty, ~empty) == 0.0
    per = seg.dice(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2]), num_classes=4)
    np.testing.assert_allclose(per[:3], [1, 2 / 3, 2 / 3])
    assert np.isnan(per[3])


def test_dice_and_iou_agree_with_sklearn(rng):
    metrics = pytest.importorskip("sklearn.metrics")
    for _ in range(20):
        shape = tuple(int(s) for s in rng.integers(1, 12, size=int(rng.integers(2, 4))))
        p, t = rng.random(shape) < rng.random(), rng.random(shape) < rng.random()
        if not (p.any() or t.any()):
            continue
        assert seg.dice(p, t) == pytest.approx(metrics.f1_score(t.ravel(), p.ravel()))
        assert seg.mask_iou(p, t) == pytest.approx(metrics.jaccard_score(t.ravel(), p.ravel()))
        j = seg.mask_iou(p, t)
        assert seg.dice(p, t) == pytest.approx(2 * j / (1 + j))
        k = int(rng.integers(2, 6))
        a, b = rng.integers(0, k, size=shape), rng.integers(0, k, size=shape)
        labels = list(range(k))
        want_d = metrics.f1_score(b.ravel(), a.ravel(), labels=labels, average=None,
                                  zero_division=0)
        want_j = metrics.jaccard_score(b.ravel(), a.ravel(), labels=labels, average=None,
                                       zero_division=0)
        present = np.isin(labels, np.union1d(a, b))
        np.testing.assert_allclose(seg.dice(a, b, num_classes=k)[present], want_d[present])
        np.testing.assert_allclose(seg.mask_iou(a, b, num_classes=k)[present], want_j[present])
        assert np.isnan(seg.dice(a, b, num_classes=k)[~present]).all()


def test_losses_agree_with_torch(rng):
    torch = pytest.importorskip("torch")
    from helpers.nets.segmentation import dice_loss

    for _ in range(20):
        logits = rng.normal(0, 3, (1, 1, 9, 7))
        t = rng.random((1, 1, 9, 7)) < 0.3
        p = 1 / (1 + np.exp(-logits))
        want = torch.nn.functional.binary_cross_entropy(torch.from_numpy(p),
                                                        torch.from_numpy(t.astype(float)))
        assert seg.binary_cross_entropy(p, t) == pytest.approx(float(want), rel=1e-5)
        ours = seg.soft_dice_loss(p, t, eps=1.0)
        theirs = dice_loss(torch.from_numpy(logits), torch.from_numpy(t.astype(float)), eps=1.0)
        assert ours == pytest.approx(float(theirs), rel=1e-9)


def test_dice_loss_stays_high_when_a_small_object_is_ignored():
    t = np.zeros((100, 100), bool)
    t[:5, :5] = True  # 0.25 % of the pixels
    background = np.full(t.shape, 0.02)
    perfect = np.where(t, 0.98, 0.02)
    assert seg.binary_cross_entropy(background, t) < 0.05  # close to the perfect answer...
    assert seg.binary_cross_entropy(perfect, t) < 0.03
    assert seg.soft_dice_loss(background, t, eps=0) > 0.9  # ...but Dice says it is all wrong
    assert seg.soft_dice_loss(perfect, t, eps=0) < 0.1


def test_mask_boundary():
    m = np.zeros((7, 7), bool)
    m[2:5, 2:5] = True
    band = seg.mask_boundary(m)
    assert band[2, 2] and band[1, 3] and not band[3, 3] and not band[0, 0]
    assert seg.mask_boundary(m, 3).sum() > band.sum()
    cube = np.zeros((5, 5, 5), bool)
    cube[1:4, 1:4, 1:4] = True
    assert not seg.mask_boundary(cube)[2, 2, 2] and seg.mask_boundary(cube)[1, 2, 2]


def test_label_components_equal_skimage(rng):
    measure = pytest.importorskip("skimage.measure")
    cases = [rng.integers(0, 3, size=(12, 15)) for _ in range(20)]
    spiral = np.zeros((21, 21), int)  # one long winding region: many hooking rounds
    for k in range(0, 10, 2):
        spiral[k, k : 21 - k] = spiral[k : 21 - k, 20 - k] = spiral[20 - k, k : 21 - k] = 1
        spiral[k + 2 : 21 - k, k] = 1
    cases += [spiral, (rng.random((64, 80)) < 0.55).astype(int), np.zeros((3, 3), int)]
    for semantic in cases:
        ours = seg.label_components(semantic, num_classes=3)
        want, count = np.zeros_like(ours), 0
        for c in (1, 2):  # skimage numbers each class's regions in raster order, as we do
            lab = measure.label(semantic == c, connectivity=1)
            want[lab > 0] = lab[lab > 0] + count
            count += lab.max()
        np.testing.assert_array_equal(ours, want)


def test_mask_boundary_equals_scipy(rng):
    ndimage = pytest.importorskip("scipy.ndimage")
    for shape in [(9, 11), (6, 7, 8), (1, 5)]:
        for width in (1, 2, 3):
            m = rng.random(shape) < 0.5
            cross = ndimage.generate_binary_structure(m.ndim, 1)
            want = ndimage.binary_dilation(m, cross, iterations=width) & ~ndimage.binary_erosion(
                m, cross, iterations=width, border_value=1)
            np.testing.assert_array_equal(seg.mask_boundary(m, width), want)


def test_panoptic_map_and_quality():
    sem, inst = np.array([[0, 2, 2, 1]]), np.array([[0, 1, 2, 3]])
    np.testing.assert_array_equal(seg.panoptic_map(sem, inst), [[0, 2001, 2002, 1003]])
    t = np.array([[1001, 1001, 1002, 1002]])
    assert seg.panoptic_quality(t, t) == {"pq": 1.0, "sq": 1.0, "rq": 1.0, "tp": 2, "fp": 0,
                                          "fn": 0}
    merged = seg.panoptic_quality(np.array([[1001] * 4]), t)
    assert merged["pq"] == 0.0 and merged["fp"] == 1 and merged["fn"] == 2
    # one segment found with IoU 3/4: SQ 0.75, RQ 1
    r = seg.panoptic_quality(np.array([[1001, 1001, 1001, 0]]), np.array([[1001, 1001, 1001,
                                                                          1001]]))
    assert r["sq"] == pytest.approx(0.75) and r["rq"] == 1.0
    # a match needs the same class
    assert seg.panoptic_quality(np.array([[2001, 2001]]), np.array([[1001, 1001]]))["tp"] == 0
    assert seg.panoptic_quality(np.zeros((2, 2), int), np.zeros((2, 2), int))["pq"] == 1.0


def test_scenes_are_exact_and_overlap(rng):
    s = make_segmentation_dataset(40, image_size=48, min_size=8, max_size=20, max_objects=5,
                                  rng=rng)
    assert s.images.shape == (40, 48, 48, 3) and s.images.dtype == np.uint8
    assert s.semantic.shape == s.instances.shape == (40, 48, 48)
    overlapping = 0
    for sem, inst, lab in zip(s.semantic, s.instances, s.labels, strict=True):
        assert ((sem > 0) == (inst > 0)).all()
        assert inst.max() == len(lab)
        for k, c in enumerate(lab):
            assert (sem[inst == k + 1] == c + 1).all() and (inst == k + 1).any()
        regions = seg.label_components(sem, num_classes=4)
        overlapping += regions.max() < len(lab)
    assert overlapping > 0  # some scenes have touching objects of one class
    assert any(len(lab) > len(set(lab.tolist())) for lab in s.labels)  # several of a class
    again = make_segmentation_dataset(40, image_size=48, min_size=8, max_size=20, max_objects=5,
                                      rng=np.random.default_rng(20261122))
    np.testing.assert_array_equal(again.images, s.images)


def test_scene_pixels_are_painted_from_the_masks():
    s = make_segmentation_dataset(5, image_size=32, min_size=6, max_size=14,
                                  backgrounds=("gravel",), rng=3)
    for image, inst in zip(s.images, s.instances, strict=True):
        for k in range(1, inst.max() + 1):
            colours = image[inst == k]
            assert (colours == colours[0]).all()  # one flat colour per visible object


@pytest.mark.parametrize(
    "fn, args, kwargs, error, match",
    [
        (seg.dice, (np.zeros((2, 2)), np.zeros((2, 3))), {}, ValueError, "same shape"),
        (seg.dice, (np.array([0, 2]), np.array([0, 1])), {}, ValueError,
         "binary mask .* pass num_classes"),
        (seg.mask_iou, (np.array([0, 5]), np.array([0, 1])), {"num_classes": 3}, ValueError,
         "class indices 0 to 2"),
        (seg.dice, (np.array([0, 1]), np.array([0, 1])), {"num_classes": 0}, ValueError,
         "num_classes must be an integer >= 1"),
        (seg.dice, (None, np.array([0, 1])), {}, TypeError, "pred must be a numeric array"),
        (seg.soft_dice_loss, (np.array([0.5, 2.0]), np.array([0, 1])), {}, ValueError,
         "probabilities in \\[0, 1\\]"),
        (seg.soft_dice_loss, (np.array([0.5, 0.5]), np.array([0, 1])), {"eps": np.nan},
         ValueError, "eps must be finite"),
        (seg.binary_cross_entropy, (np.array([0, 1]), np.array([0, 1])), {}, TypeError,
         "prob must have a floating point dtype"),
        (seg.mask_boundary, (np.zeros(4, bool),), {}, ValueError, "mask must be 2-D or 3-D"),
        (seg.mask_boundary, (np.zeros((4, 4), bool),), {"width": 1000}, ValueError,
         "width must be an integer >= 1 and <= 64"),
        (seg.label_components, (np.array([[0, 3]]),), {"num_classes": 3}, ValueError,
         "class indices 0 to 2"),
        (seg.panoptic_map, (np.array([[1, 0]]), np.array([[0, 0]])), {}, ValueError,
         "every thing pixel"),
        (seg.panoptic_map, (np.array([[1]]), np.array([[5]])), {"label_divisor": 5},
         ValueError, "label_divisor must exceed every instance id"),
        (seg.panoptic_quality, (np.zeros((2, 2), int), np.zeros((2, 3), int)), {}, ValueError,
         "same shape"),
    ],
)
def test_errors(fn, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(*args, **kwargs)


def test_scene_errors():
    with pytest.raises(ValueError, match="n must be an integer >= 1 and <= 20000"):
        make_segmentation_dataset(0, rng=0)
    with pytest.raises(ValueError, match="min_visible must be > 0"):
        make_segmentation_dataset(1, min_visible=0.0, rng=0)
    with pytest.raises(ValueError, match="classes must be a non-empty tuple"):
        make_segmentation_dataset(1, classes=(), rng=0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        make_segmentation_dataset(1, rng=None)


def test_check_dice():
    from helpers.checks.segmentation import check_dice

    def good(pred, target):
        total = pred.sum() + target.sum()
        return 1.0 if total == 0 else float(2 * (pred & target).sum() / total)

    assert check_dice(good).passed

    def iou(pred, target):  # IoU instead of Dice
        union = (pred | target).sum()
        return 1.0 if union == 0 else float((pred & target).sum() / union)

    wrong = check_dice(iou)
    assert wrong.status == "failed" and "one pixel to the right" in wrong.message

    def no_empty_case(pred, target):
        with np.errstate(invalid="ignore"):  # 0 / 0 -> nan on the empty case
            return float(2 * (pred & target).sum() / (pred.sum() + target.sum()))

    assert "both masks empty" in check_dice(no_empty_case).message

    def stub(pred, target):
        raise NotImplementedError

    assert check_dice(stub).status == "not attempted"
