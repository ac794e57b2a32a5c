"""Explorer for chapters/09_cnn_from_scratch.ipynb: what a trained CNN sees, layer by layer."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .. import cnn
from .._validation import as_array, check_batch, check_instance, check_int
from ..image import to_batch
from ..plots import mosaic
from ._base import Explorer, register_bench

__all__ = ["FeatureMapExplorer", "feature_map_explorer"]

LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2")


class FeatureMapExplorer(Explorer):
    """Pick a digit and a layer: learned first-layer filters, that layer's maps, the prediction."""

    figsize = (10.0, 3.0)

    def __init__(
        self, net: cnn.SmallCNN, images: np.ndarray, labels: np.ndarray, index: int = 0
    ) -> None:
        net, images, labels, index = _check_inputs(net, images, labels, index)
        self.net, self.images, self.labels, self._index = net, images, labels, index
        # One batched forward pass up front: per-image passes were dominated by BLAS start-up
        # and made slider moves slow; the maps of a few hundred digits fit in ~35 MB.
        self._acts = net.activations(images)
        self._probs = cnn.softmax(self._acts["logits"])
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "index": W.IntSlider(
                value=self._index, min=0, max=len(self.images) - 1, description="test image"
            ),
            "layer": W.Dropdown(options=list(LAYERS), value="conv1", description="layer"),
        }
        ax_in, ax_f, ax_m, ax_p = self.figure.subplots(1, 4, width_ratios=[1, 1, 2, 1.2])
        self._input = ax_in.imshow(np.zeros((28, 28)), cmap="gray", vmin=0, vmax=1)
        ax_in.set_title("test digit", fontsize=10)
        filters = self.net.conv1_w[:, 0]
        lim = float(np.abs(filters).max())
        ax_f.imshow(mosaic(filters), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax_f.set_title("learned conv1 filters", fontsize=10)
        self._maps = ax_m.imshow(
            np.zeros((2, 2)), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest"
        )
        ax_m.set_title("feature maps of the chosen layer", fontsize=10)
        self._bars = ax_p.bar(np.arange(10), np.zeros(10), color="0.6")
        ax_p.set_ylim(0, 1)
        ax_p.set_xticks(range(10))
        ax_p.set_title("class probabilities", fontsize=10)
        for ax in (ax_in, ax_f, ax_m):
            ax.set_axis_off()
        # Titles stay static (text drawing was a third of the update time); the readout names
        # the digit and the layer instead.
        self.dynamic = [self._input, self._maps, *self._bars]

    def compute(self) -> dict[str, Any]:
        i, layer = self.controls["index"].value, self.controls["layer"].value
        probs = self._probs[i]
        return {
            "maps": self._acts[layer][i],
            "probs": probs,
            "predicted": int(probs.argmax()),
            "label": int(self.labels[i]),
            "layer": layer,
            "index": i,
        }

    def draw(self, result: dict[str, Any]) -> str:
        self._input.set_data(self.images[result["index"], 0])
        maps = result["maps"]
        grid = mosaic(maps)
        lim = max(float(np.nanmax(np.abs(grid))), 1e-6)
        self._maps.set_data(grid)
        self._maps.set_extent((-0.5, grid.shape[1] - 0.5, grid.shape[0] - 0.5, -0.5))
        self._maps.axes.set_xlim(-0.5, grid.shape[1] - 0.5)
        self._maps.axes.set_ylim(grid.shape[0] - 0.5, -0.5)
        self._maps.set_clim(-lim, lim)
        for k, bar in enumerate(self._bars):
            bar.set_height(result["probs"][k])
            bar.set_color(
                "tab:green"
                if k == result["label"]
                else ("tab:red" if k == result["predicted"] else "0.6")
            )
        verdict = "right" if result["predicted"] == result["label"] else "<b>wrong</b>"
        return (
            f"test image #{result['index']}: true digit {result['label']}, "
            f"predicted {result['predicted']} "
            f"(p = {result['probs'][result['predicted']]:.3f}): {verdict}. "
            f"Layer {result['layer']}: {maps.shape[0]} maps of {maps.shape[1]}x{maps.shape[2]}, "
            f"output shape {tuple(maps.shape)}; red = positive, "
            "blue = negative."
        )


def feature_map_explorer(
    net: cnn.SmallCNN, images: np.ndarray, labels: np.ndarray, index: int = 0
) -> FeatureMapExplorer:
    """Learned filters and feature maps of ``net`` on ``images`` (returned, not displayed).

    ``images`` is a stack of gray digits ``(N, 28, 28)`` (uint8, or float in [0, 1]) or already
    a batch ``(N, 1, 28, 28)``.
    """
    return FeatureMapExplorer(net, images, labels, index)


def _check_inputs(net: Any, images: Any, labels: Any, index: Any) -> tuple:
    """The explorer's inputs checked: the net, a float (N, 1, H, W) batch, N labels, an index."""
    check_instance(net, "net", cnn.SmallCNN, "a SmallCNN (use torch_to_numpy for a torch model)")
    images = as_array(images, "images", ndim=(3, 4),
                      shape_hint="(N, H, W) gray digits or an (N, 1, H, W) batch")
    batch = to_batch(images) if images.ndim == 3 else check_batch(images, "images", channels=1)
    batch = batch.astype(np.float32, copy=False)
    labels = as_array(labels, "labels", ndim=1, kinds="iu", shape_hint="(N,)")
    if len(labels) != len(batch):
        raise ValueError(f"labels must have one entry per image ({len(batch)}) of images; got "
                         f"{len(labels)} - a 3-D images array is a stack of gray digits")
    index = check_int(index, "index", min=0, max=len(batch) - 1)
    n_flat = net.conv2_w.shape[0] * (batch.shape[2] // 4) * (batch.shape[3] // 4)
    if net.conv1_w.shape[1] != 1 or n_flat != net.fc_w.shape[1]:
        raise ValueError(f"images of shape {batch.shape[2:]} do not fit net (built for "
                         f"{net.conv1_w.shape[1]}-channel images giving {net.fc_w.shape[1]} "
                         "features after two poolings) - use images of the size net was "
                         "built for")
    return net, batch, labels, index


@register_bench("cnn_feature_maps")
def _bench_feature_maps() -> FeatureMapExplorer:
    from ..data import load_mnist_subset

    images, labels = load_mnist_subset("test")
    return feature_map_explorer(cnn.SmallCNN.init(rng=0), images[:50], labels[:50])
