"""helpers.verification (chapters/15_faces.ipynb): ROC and AUC against scikit-learn, the naive
ROC against the fast one, thresholds, FAR / FRR and one-shot identification on hand-made cases.

Convention: scikit-learn scores pairs by similarity (larger = more alike), we by distance
(smaller = more alike), so it is called with ``-distances`` and its thresholds are minus ours;
its first threshold is ``+inf`` where ours is ``-inf`` (nothing accepted).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import verification as V


def _random_pairs(rng, n, rounded):
    d = rng.random(n)
    d = np.round(d, 2) if rounded else d                 # rounded: many ties
    same = rng.random(n) < 0.3
    same[:2] = [True, False]
    return d, same


@pytest.mark.parametrize("rounded", [False, True])
def test_roc_and_auc_match_sklearn(rng, rounded):
    metrics = pytest.importorskip("sklearn.metrics")
    for _ in range(30):
        d, same = _random_pairs(rng, int(rng.integers(2, 400)), rounded)
        far, tar, t = V.verification_roc(d, same)
        fpr, tpr, thr = metrics.roc_curve(same, -d, drop_intermediate=False)
        np.testing.assert_allclose(far, fpr, atol=1e-12)
        np.testing.assert_allclose(tar, tpr, atol=1e-12)
        np.testing.assert_allclose(t[1:], -thr[1:], atol=1e-12)
        assert t[0] == -np.inf and thr[0] == np.inf
        assert V.verification_auc(d, same) == pytest.approx(
            metrics.roc_auc_score(same, -d), abs=1e-12)


def test_naive_roc_equals_fast(rng):
    for rounded in (False, True):
        d, same = _random_pairs(rng, 150, rounded)
        for a, b in zip(V.verification_roc(d, same), V.verification_roc_naive(d, same),
                        strict=True):
            np.testing.assert_allclose(a, b, atol=1e-12)


def test_auc_analytic_cases():
    assert V.verification_auc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 1.0
    assert V.verification_auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 0.0
    # one genuine pair among two impostors: closer than one, farther than the other
    assert V.verification_auc([0.5, 0.2, 0.8], [True, False, False]) == 0.5


def test_auc_is_the_probability_a_genuine_pair_is_closer(rng):
    d, same = _random_pairs(rng, 300, rounded=True)
    g, i = d[same], d[~same]
    wins = (g[:, None] < i[None, :]).mean() + 0.5 * (g[:, None] == i[None, :]).mean()
    assert V.verification_auc(d, same) == pytest.approx(wins, abs=1e-12)


def test_rates_at_thresholds_exactly_on_a_distance():
    d = np.array([0.1, 0.3, 0.3, 0.6])
    same = np.array([True, True, False, False])
    assert V.verification_rates(d, same, 0.3) == (0.5, 0.0)     # <= threshold is accepted
    assert V.verification_rates(d, same, 0.2999) == (0.0, 0.5)
    assert V.verification_rates(d, same, -1.0) == (0.0, 1.0)
    assert V.verification_rates(d, same, 5.0) == (1.0, 0.0)


def test_threshold_choices():
    d = np.array([0.1, 0.2, 0.35, 0.3, 0.5, 0.9])
    same = np.array([True, True, True, False, False, False])
    t = V.verification_threshold(d, same)
    far, frr = V.verification_rates(d, same, t)
    assert far + frr == pytest.approx(1 / 3)          # best possible: one pair on the wrong side
    strict = V.verification_threshold(d, same, max_far=0.0)
    assert V.verification_rates(d, same, strict)[0] == 0.0
    assert 0.2 < strict < 0.3
    assert V.verification_threshold(d, same, max_far=1.0) > 0.9
    nothing = V.verification_threshold([0.1, 0.2], [False, True], max_far=0.0)
    assert nothing < 0.1


def test_pair_distances_against_brute_force(rng):
    e = rng.normal(size=(30, 5))
    labels = rng.integers(0, 4, 30)
    d, same = V.pair_distances(e, labels)
    k = 0
    for i in range(30):
        for j in range(i + 1, 30):
            assert d[k] == pytest.approx(np.linalg.norm(e[i] - e[j]), abs=1e-9)
            assert same[k] == (labels[i] == labels[j])
            k += 1
    assert k == len(d)


def test_one_shot_identify_and_open_set():
    gallery = np.array([[0.0, 0.0], [10.0, 0.0]])
    queries = np.array([[1.0, 0.0], [9.0, 1.0], [6.0, 8.0]])
    assert V.one_shot_identify(gallery, [4, 2], queries).tolist() == [4, 2, 2]
    assert V.one_shot_identify(gallery, [4, 2], queries, threshold=2.0).tolist() == [4, 2, -1]


def test_one_shot_accuracy_is_reproducible_and_perfect_on_separated_clusters(rng):
    centres = np.array([[0.0, 0.0], [5.0, 5.0], [10.0, 0.0]])
    labels = np.repeat([0, 1, 2], 20)
    pool = centres[labels] + rng.normal(scale=0.3, size=(60, 2))
    queries = centres[labels] + rng.normal(scale=0.3, size=(60, 2))
    acc = V.one_shot_accuracy(pool, labels, queries, labels, trials=10, rng=1)
    assert acc.shape == (10,) and (acc == 1.0).all()
    noisy = centres[labels] + rng.normal(scale=4.0, size=(60, 2))
    a = V.one_shot_accuracy(pool, labels, noisy, labels, trials=10, rng=1)
    b = V.one_shot_accuracy(pool, labels, noisy, labels, trials=10, rng=1)
    np.testing.assert_array_equal(a, b)
    assert a.std() > 0


def test_digit_split_holds_the_unseen_digits_out_of_training():
    split = V.load_digit_verification_split((7, 8, 9))
    assert split.seen == (0, 1, 2, 3, 4, 5, 6) and split.unseen == (7, 8, 9)
    assert not np.isin(split.train_labels, (7, 8, 9)).any()
    assert set(np.unique(split.val_labels)) == set(np.unique(split.test_labels)) == {7, 8, 9}
    assert split.train_images.dtype == np.uint8 and split.train_images.shape[1:] == (28, 28)
    assert len(split.test_images) == 300 and len(split.val_images) == 1200
    flat = lambda x: {im.tobytes() for im in x}  # noqa: E731
    assert not flat(split.val_images) & flat(split.test_images)


@pytest.mark.parametrize("call, match", [
    (lambda: V.verification_roc([0.1, 0.2], [True, True]), "both genuine"),
    (lambda: V.verification_roc([0.1, 0.2], [1, 0]), "bool dtype"),
    (lambda: V.verification_roc([0.1, np.nan], [True, False]), "NaN"),
    (lambda: V.verification_roc([0.1, 0.2, 0.3], [True, False]), "one entry per distance"),
    (lambda: V.verification_roc([[0.1, 0.2]], [True, False]), "1-D"),
    (lambda: V.verification_roc([], []), "empty"),
    (lambda: V.verification_rates([0.1, 0.2], [True, False], np.inf), "threshold must be finite"),
    (lambda: V.verification_rates([0.1, 0.2], [True, False], "0.5"), "threshold must be a real"),
    (lambda: V.verification_threshold([0.1, 0.2], [True, False], max_far=2), "max_far"),
    (lambda: V.pair_distances(np.zeros((1, 3)), [0]), "at least 2 rows"),
    (lambda: V.pair_distances(np.zeros((6000, 2)), np.zeros(6000, int)), "at most"),
    (lambda: V.pair_distances(np.zeros((3, 2)), [0, 1]), "one entry per embedding"),
    (lambda: V.pair_distances(np.zeros(3), [0, 1, 2]), "2-D"),
    (lambda: V.one_shot_identify(np.zeros((2, 2)), [0, -1], np.zeros((1, 2))), ">= 0"),
    (lambda: V.one_shot_identify(np.zeros((2, 2)), [0, 1], np.zeros((1, 3))), "dimension 2"),
    (lambda: V.one_shot_identify(np.zeros((2, 2)), [0, 1], np.zeros((1, 2)), threshold=-1),
     "threshold must be >= 0"),
    (lambda: V.one_shot_accuracy(np.zeros((2, 2)), [0, 1], np.zeros((1, 2)), [5]), "missing"),
    (lambda: V.one_shot_accuracy(np.zeros((2, 2)), [0, 1], np.zeros((1, 2)), [0], trials=0),
     "trials must be"),
    (lambda: V.one_shot_accuracy(np.zeros((2, 2)), [0, 1], np.zeros((1, 2)), [0], rng=None),
     "rng must be"),
    (lambda: V.load_digit_verification_split((7,)), "2 to 5 different digits"),
    (lambda: V.load_digit_verification_split((7, 7)), "2 to 5 different digits"),
    (lambda: V.load_digit_verification_split((7, 10)), "unseen must be an integer >= 0 and <= 9"),
    (lambda: V.load_digit_verification_split("789"), "unseen must be a tuple"),
])
def test_bad_input_is_refused_with_a_clear_message(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_torch_tensors_are_refused_with_the_fix():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"detach\(\).numpy\(\)"):
        V.pair_distances(torch.zeros(3, 2), np.zeros(3, int))


def test_rates_by_identity_against_brute_force(rng):
    e = rng.normal(size=(40, 3))
    labels = rng.integers(0, 4, 40)
    t = 1.5
    rates = V.verification_rates_by_identity(e, labels, t)
    for k in range(4):
        acc_imp, n_imp, rej_gen, n_gen = 0, 0, 0, 0
        for i in range(40):
            for j in range(i + 1, 40):
                if k not in (labels[i], labels[j]):
                    continue
                ok = np.linalg.norm(e[i] - e[j]) <= t
                if labels[i] == labels[j]:
                    n_gen, rej_gen = n_gen + 1, rej_gen + (not ok)
                else:
                    n_imp, acc_imp = n_imp + 1, acc_imp + ok
        assert rates[k] == pytest.approx((acc_imp / n_imp, rej_gen / n_gen))
    overall = V.verification_rates(*V.pair_distances(e, labels), t)
    assert min(r[1] for r in rates.values()) <= overall[1] <= max(r[1] for r in rates.values())


def test_naive_roc_refuses_large_inputs():
    with pytest.raises(ValueError, match="use verification_roc"):
        V.verification_roc_naive(np.arange(6000.0), np.arange(6000) % 2 == 0)
