"""Chapter 15's figures: the boosted Haar classifier, OpenCV's cascades and the Siamese net.

* Boosting: the notebook's recipe (3,550 Haar features, 30 rounds) on scikit-image's
  ``lfw_subset``, held-out accuracy averaged over six random 140 / 60 splits (seeds 0-5), and the
  training time of one run.
* Cascades: detections per photo at OpenCV's defaults as the notebook uses them.
* Triplet loss: largest difference from ``torch.nn.functional.triplet_margin_loss`` over 100
  random batches.
* Siamese net: the notebook's recipe (digits 4, 5, 6 never seen in training; margin 0.2,
  semi-hard mining, 5 epochs), verification AUC on all pairs of the 300 unseen test digits,
  one-shot accuracy over 50 random one-example galleries, and the training time. Which digits are
  held out matters, so the same recipe is also run with three other held-out sets and their AUCs
  are recorded (no target: context for the chosen split).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def _boosting(record: Callable[..., None]) -> None:
    from helpers import faces

    bank = faces.haar_feature_bank((25, 25), position_step=3, size_step=3)
    accuracies, seconds = [], []
    for seed in range(6):
        tr_x, tr_y = faces.load_face_patches("train", rng=seed)
        te_x, te_y = faces.load_face_patches("test", rng=seed)
        start = time.perf_counter()
        model = faces.adaboost_fit(faces.haar_features(tr_x, bank), tr_y, rounds=30)
        seconds.append(time.perf_counter() - start)
        accuracies.append(np.mean(model.predict(faces.haar_features(te_x, bank)) == te_y))
    record("boost/heldout_accuracy_mean", float(np.mean(accuracies)), "acc", ">= 0.9")
    record("boost/heldout_accuracy_min", float(np.min(accuracies)), "acc")
    record("boost/train_seconds", float(np.median(seconds)), "s", "<= 2")


def _cascades(record: Callable[..., None]) -> None:
    from helpers import faces
    from helpers.data import load_photo

    for name, cascade in (("astronaut", "frontalface_default"),
                          ("grace_hopper", "frontalface_default"),
                          ("chelsea", "frontalcatface")):
        record(f"cascade/{name}_detections", len(faces.cascade_detect(load_photo(name), cascade)),
               "boxes", ">= 1" if name != "chelsea" else None)


def _siamese(record: Callable[..., None]) -> None:
    import torch
    import torch.nn.functional as F

    from helpers import verification as V
    from helpers.image import to_tensor
    from helpers.nets.siamese import SiameseNet, TripletMiningLoss, triplet_loss
    from helpers.nets.training import fit, predict

    g, worst = torch.Generator().manual_seed(0), 0.0
    for _ in range(100):
        a, p, n = (torch.randn(64, 32, generator=g) for _ in range(3))
        worst = max(worst, abs(float(triplet_loss(a, p, n, 0.2)
                                     - F.triplet_margin_loss(a, p, n, margin=0.2))))
    record("siamese/triplet_loss_vs_torch_max_abs", worst, "abs", "<= 1e-05")

    def run(unseen):
        split = V.load_digit_verification_split(unseen)
        net, history = fit(SiameseNet(embedding_dim=32, seed=0),
                           (to_tensor(split.train_images), torch.from_numpy(split.train_labels)),
                           loss=TripletMiningLoss(margin=0.2, mining="semihard"), epochs=5,
                           lr=3e-3, batch_size=128, seed=0, progress=False)
        test = predict(net, to_tensor(split.test_images)).numpy()
        auc = V.verification_auc(*V.pair_distances(test, split.test_labels))
        pixels = split.test_images.reshape(len(split.test_images), -1) / 255.0
        auc_pixels = V.verification_auc(*V.pair_distances(pixels, split.test_labels))
        return split, net, test, auc, auc_pixels, history.seconds

    # The chapter's split (4, 5, 6) is a favourable one; the chapter also reports three others.
    # Raw pixels on the same pairs are the baseline: the gain is what training taught about
    # identities it never saw. Seven training identities teach little: the gain is small, or
    # negative, on some splits, and no setting tried (epochs, margin, mining, embedding size,
    # width, batch size, learning rate, weight decay) brings the mean near 0.95.
    split, net, test, auc, auc_pixels, seconds = run((4, 5, 6))
    val = predict(net, to_tensor(split.val_images)).numpy()
    one_shot = V.one_shot_accuracy(val, split.val_labels, test, split.test_labels, trials=50,
                                   rng=0)
    record("siamese/auc_unseen", auc, "AUC", ">= 0.9")
    record("siamese/auc_gain_over_pixels", auc - auc_pixels, "AUC", ">= 0.1")
    record("siamese/one_shot_accuracy", float(one_shot.mean()), "acc")
    record("siamese/train_seconds", seconds, "s", "<= 10")
    aucs, gains = [auc], [auc - auc_pixels]
    for unseen in ((7, 8, 9), (0, 1, 2), (3, 4, 5)):
        _, _, _, a, a_pixels, _ = run(unseen)
        record(f"siamese/auc_unseen_{''.join(map(str, unseen))}", a, "AUC")
        aucs.append(a)
        gains.append(a - a_pixels)
    record("siamese/auc_unseen_mean", float(np.mean(aucs)), "AUC")
    record("siamese/auc_gain_over_pixels_min", min(gains), "AUC")

def run(record: Callable[..., None]) -> None:
    _boosting(record)
    _cascades(record)
    _siamese(record)
