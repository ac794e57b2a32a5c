"""Training figures for chapters 14 (U-Net) and 18 (3-D U-Net), with the notebooks' settings.

* ``unet/dice``: mean Dice of ``logits > 0`` over the 200 held-out 48x48 scenes after training
  TinyUNet(width=4, depth=2) for 4 epochs on 800 scenes (as solutions/14_segmentation_cnns.ipynb);
  ``unet/train_seconds`` its wall-clock training time (fit, one thread).
* ``unet/no_skips_dice``: the same network without skip connections, trained the same way.
* ``unet3d/dice`` and ``unet3d/train_seconds``: TinyUNet3d(width=2, depth=2) with the Dice loss,
  6 epochs on 200 volumes of 16^3, 50 held out (as solutions/18_conv_1d_3d.ipynb).
"""

from __future__ import annotations


def run(record) -> None:
    import numpy as np
    import torch

    from helpers import segmentation
    from helpers.image import to_tensor
    from helpers.nets.segmentation import (
        TinyUNet,
        TinyUNet3d,
        dice_loss,
        mean_dice_metric,
        segmentation_loss,
    )
    from helpers.nets.training import fit, predict
    from helpers.shapes import make_segmentation_dataset
    from helpers.volumes import make_blob_volumes

    train = make_segmentation_dataset(800, image_size=48, min_size=8, max_size=20, rng=1)
    test = make_segmentation_dataset(200, image_size=48, min_size=8, max_size=20, rng=2)
    x_train, x_test = to_tensor(train.images), to_tensor(test.images)
    y_train = torch.from_numpy(train.semantic[:, None] > 0).float()
    y_test = torch.from_numpy(test.semantic[:, None] > 0).float()
    truth = test.semantic > 0
    for skips in (True, False):
        net = TinyUNet(width=4, depth=2, skips=skips, seed=0)
        net, history = fit(net, (x_train, y_train), loss=segmentation_loss, epochs=4, lr=0.01,
                           batch_size=32, schedule="onecycle", val=(x_test[:100], y_test[:100]),
                           metrics={"dice": mean_dice_metric}, seed=0, progress=False)
        prob = torch.sigmoid(predict(net, x_test, batch_size=50))[:, 0].numpy()
        dice = float(np.mean([segmentation.dice(p > 0.5, t)
                              for p, t in zip(prob, truth, strict=True)]))
        if skips:
            record("unet/dice", dice, "Dice", ">= 0.9")
            record("unet/train_seconds", history.seconds, "s", "<= 40")
        else:
            record("unet/no_skips_dice", dice, "Dice")

    train_v = make_blob_volumes(200, size=16, rng=1)
    test_v = make_blob_volumes(50, size=16, rng=2)
    vnet = TinyUNet3d(width=2, depth=2, seed=0)
    vnet, history = fit(vnet, (train_v.volumes[:, None], train_v.masks[:, None].astype(np.float32)),
                        loss=dice_loss, epochs=6, lr=0.02, batch_size=8, schedule="onecycle",
                        seed=0, progress=False)
    prob = torch.sigmoid(predict(vnet, test_v.volumes[:, None]))[:, 0].numpy()
    dice = float(np.mean([segmentation.dice(p > 0.5, m)
                          for p, m in zip(prob, test_v.masks, strict=True)]))
    record("unet3d/dice", dice, "Dice", ">= 0.8")
    record("unet3d/train_seconds", history.seconds, "s", "<= 30")
