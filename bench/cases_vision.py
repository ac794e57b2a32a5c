"""Chapters 16 and 17: style transfer, Grad-CAM against the grad-cam package, spatial transformer.

* ``style/cost_reduction`` and ``style/seconds``: the chapter's style transfer exactly as the
  notebook runs it (chelsea at 256 px, the course's painting, 100 Adam steps, one thread); the
  style cost at step 0 divided by the style cost at the end (target >= 10), and the wall time.
* ``gradcam/pearson_<case>``: Pearson correlation between our Grad-CAM and
  ``pytorch_grad_cam.GradCAM`` on the same model, layer and class (target >= 0.99); the minimum
  over the images of the case. Cases: the pretrained network on chelsea, coffee and astronaut at
  ``head`` and ``stage5``, and the chapter's digit network at ``conv3``.
* ``stn/accuracy_plain``, ``stn/accuracy_stn``, ``stn/accuracy_gain``: the chapter's experiment
  (same classifier with and without a spatial transformer, 5 epochs on 4,000 warped digits,
  tested on 1,000 others); the gain is in percentage points (target > 0).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _reference(model, x, layer, classes) -> np.ndarray:
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    with GradCAM(model=model, target_layers=[layer]) as cam:
        return cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in classes])


def run(record: Callable[..., None]) -> None:
    import torch
    import torch.nn.functional as F

    from helpers import gradcam, style
    from helpers.data import load_mnist_subset, load_photo
    from helpers.image import to_tensor
    from helpers.nets.inside import SEDigitNet
    from helpers.nets.pretrained import imagenet_input, load_imagenet_net
    from helpers.nets.stn import (
        SpatialTransformer,
        STNClassifier,
        WarpedDigitClassifier,
        warp_digits,
    )
    from helpers.nets.training import accuracy, fit

    net = load_imagenet_net(fallback=False)
    result = style.style_transfer(load_photo("chelsea"), style.make_painting(256, rng=0), net=net,
                                  content_weight=1.0, style_weight=1e5, tv_weight=10.0,
                                  steps=100, lr=0.02, max_side=256, progress=False)
    record("style/cost_reduction", result.style_reduction, "x", ">= 10")
    record("style/seconds", result.seconds, "s")

    photos = torch.cat([imagenet_input(load_photo(n)) for n in ("chelsea", "coffee", "astronaut")])
    for stage in ("head", "stage5"):
        ours = gradcam.grad_cam(net, photos, layer=net.layers[stage])
        ref = _reference(net, photos, net.layers[stage], ours.class_index)
        r = min(_pearson(o, g) for o, g in zip(ours.heatmap, ref, strict=True))
        record(f"gradcam/pearson_photos_{stage}", r, "r", ">= 0.99")

    train_x, train_y = load_mnist_subset("train")
    test_x, test_y = load_mnist_subset("test")
    y_train, y_test = torch.from_numpy(train_y), torch.from_numpy(test_y)
    digits, _ = fit(SEDigitNet(width=8, seed=0), (to_tensor(train_x), y_train),
                    loss=F.cross_entropy, epochs=4, lr=3e-3, batch_size=64, progress=False)
    pick = np.array([np.flatnonzero(test_y == d)[0] for d in range(10)])
    x = to_tensor(test_x[pick])
    ours = gradcam.grad_cam(digits, x, layer=digits.conv3)
    ref = _reference(digits, x, digits.conv3, ours.class_index)
    r = min(_pearson(o, g) for o, g in zip(ours.heatmap, ref, strict=True) if g.max() > 0)
    record("gradcam/pearson_digits_conv3", r, "r", ">= 0.99")

    warped_train, _ = warp_digits(train_x, rng=1)
    warped_test, _ = warp_digits(test_x, rng=2)
    data, val = (to_tensor(warped_train), y_train), (to_tensor(warped_test), y_test)
    settings = dict(loss=F.cross_entropy, epochs=5, lr=2e-3, batch_size=32, schedule="onecycle",
                    val=val, metrics={"accuracy": accuracy}, progress=False)
    _, plain = fit(STNClassifier(WarpedDigitClassifier(40, 8, seed=0)), data, **settings)
    _, with_stn = fit(STNClassifier(WarpedDigitClassifier(40, 8, seed=0),
                                    SpatialTransformer(40, seed=0)), data, **settings)
    a, b = plain.metrics["accuracy"][-1], with_stn.metrics["accuracy"][-1]
    record("stn/accuracy_plain", a, "acc")
    record("stn/accuracy_stn", b, "acc")
    record("stn/accuracy_gain", 100 * (b - a), "points", "> 0")
