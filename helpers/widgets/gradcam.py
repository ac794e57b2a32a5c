"""Explorer for chapters/17_inside_cnns.ipynb: Grad-CAM on real photos, by class and layer.

The factory runs the network once per photo and one backward pass per class
(:func:`helpers.gradcam.gradcam_precompute`) and keeps each layer's activations and channel
weights. Each update then does only Grad-CAM's last two steps, live - the weighted sum with its
ReLU (:func:`helpers.gradcam.gradcam_map`) and the upsampling
(:func:`helpers.gradcam.upsample_map`) - which takes a few milliseconds.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .. import gradcam
from .._validation import check_image, check_int, describe
from ..image import as_float_image, from_batch
from ._base import PHOTO_JPEG, Explorer, register_bench

__all__ = ["GradCAMExplorer", "gradcam_explorer"]

#: The layers offered by default: (stage name of ImageNetNet, label).
DEFAULT_LAYERS = ("stage3", "stage5", "head")


def _check_parts(photos: Any, table: Any, labels: Any, layer_info: Any) -> tuple:
    """The explorer's precomputed inputs (what :func:`gradcam_explorer` builds), by name."""
    if not isinstance(photos, dict) or not 1 <= len(photos) <= 8:
        raise TypeError(f"photos must be a dict of 1 to 8 name -> image; got {describe(photos)}")
    photos = {n: check_image(im, f"photos[{n!r}]") for n, im in photos.items()}
    if not isinstance(layer_info, dict) or not 1 <= len(layer_info) <= 12:
        raise TypeError(f"layer_info must be a dict of 1 to 12 layer name -> (C, h, w); got "
                        f"{describe(layer_info)}")
    for name, shape in layer_info.items():
        if not isinstance(name, str) or len(tuple(shape) if hasattr(shape, "__len__") else ()) != 3:
            raise TypeError(f"layer_info must map layer names to (C, h, w); got {name!r}: "
                            f"{describe(shape)}")
    if not isinstance(table, dict) or not {"activations", "weights", "class_index"} <= set(table):
        raise TypeError("table must be the dict of gradcam_precompute() (activations, weights, "
                        f"class_index); got {describe(table)}")
    index = table["class_index"]
    if not isinstance(index, np.ndarray) or index.ndim != 2 or len(index) != len(photos):
        raise ValueError(f"table['class_index'] must be (photos, K), one row per photo "
                         f"({len(photos)}); got {describe(index)}")
    for name in layer_info:
        if name not in table["activations"] or name not in table["weights"]:
            raise ValueError(f"table must hold activations and weights of every layer of "
                             f"layer_info; {name!r} is missing")
    k = index.shape[1]
    if not isinstance(labels, list) or len(labels) != len(photos):
        raise TypeError(f"labels must be a list with one list of (class name, probability) per "
                        f"photo ({len(photos)}); got {describe(labels)}")
    for i, row in enumerate(labels):
        if (not isinstance(row, (list, tuple)) or len(row) != k
                or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in row)):
            raise TypeError(f"labels[{i}] must be a list of {k} (class name, probability) "
                            f"pairs; got {describe(row)}")
    return photos, table, labels, layer_info


class GradCAMExplorer(Explorer):
    """Pick a photo, one of the network's top guesses and a layer; see where the evidence is."""

    figsize = (11.0, 3.6)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, photos: dict, table: dict, labels: list, layer_info: dict) -> None:
        photos, table, labels, layer_info = _check_parts(photos, table, labels, layer_info)
        self.names = list(photos)
        self.photos = photos
        self.table = table
        self.labels = labels          # per photo: list of (class name, probability)
        self.layer_info = layer_info  # layer name -> (channels, h, w)
        super().__init__()

    def _build(self) -> None:
        style = {"description_width": "initial"}
        k = self.table["class_index"].shape[1]
        self.controls = {
            "photo": W.Dropdown(options=self.names, value=self.names[0], description="photo",
                                style=style),
            "rank": W.Dropdown(options=[(f"guess {r + 1}", r) for r in range(k)], value=0,
                               description="class: the network's", style=style),
            "layer": W.Dropdown(
                options=[(f"{n} ({h}x{w}, {c} channels)", n)
                         for n, (c, h, w) in self.layer_info.items()],
                value=list(self.layer_info)[-1], description="layer", style=style),
            "opacity": W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05,
                                     description="heat-map opacity", style=style),
        }
        ax_img, ax_coarse, ax_w = self.figure.subplots(1, 3, width_ratios=(1, 1, 1.2))
        first = self.photos[self.names[0]]
        self._photo = ax_img.imshow(first)
        self._heat = ax_img.imshow(np.zeros(first.shape[:2]), cmap="jet", vmin=0, vmax=1,
                                   alpha=0.5)
        self.figure.colorbar(self._heat, ax=ax_img, fraction=0.046, pad=0.02,
                             label="Grad-CAM (scaled to 0-1)")
        self._title = ax_img.set_title("")
        # A fixed extent: maps of every layer fill the same square (blitting keeps the axes).
        self._coarse = ax_coarse.imshow(np.zeros((7, 7)), cmap="magma", vmin=0, vmax=1,
                                        interpolation="nearest", extent=(0, 1, 1, 0))
        self.figure.colorbar(self._coarse, ax=ax_coarse, fraction=0.046, pad=0.02,
                             label="ReLU(Σ α_k A_k) / max")
        self._coarse_title = ax_coarse.set_title("")
        for ax in (ax_img, ax_coarse):
            ax.set_axis_off()
        self._weights = ax_w.plot([0], [0], color="tab:purple", lw=1.2)[0]
        ax_w.axhline(0, color="0.5", lw=0.8)
        ax_w.set_xlim(0, 1)
        ax_w.set_ylim(-1.05, 1.05)
        ax_w.set_xlabel("channels sorted by weight (fraction of the layer)")
        ax_w.set_ylabel("α_k / max |α|")
        self._w_title = ax_w.set_title("two lines\nof title")  # room for the readout's text
        self.dynamic = [self._photo, self._heat, self._title, self._coarse, self._coarse_title,
                        self._weights, self._w_title]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        i = self.names.index(v["photo"])
        acts = self.table["activations"][v["layer"]][i]
        weights = self.table["weights"][v["layer"]][i, v["rank"]]
        coarse = gradcam.gradcam_map(acts, weights)
        size = self.photos[v["photo"]].shape[:2]
        name, prob = self.labels[i][v["rank"]]
        return {"photo": v["photo"], "class_name": name, "probability": prob,
                "class_index": int(self.table["class_index"][i, v["rank"]]),
                "coarse": coarse, "heatmap": gradcam.upsample_map(coarse, size),
                "weights": weights, "layer": v["layer"], "opacity": v["opacity"]}

    def draw(self, result: dict[str, Any]) -> str:
        self._photo.set_data(self.photos[result["photo"]])
        self._heat.set_data(result["heatmap"])
        self._heat.set_alpha(result["opacity"])
        self._title.set_text(f"{result['class_name']} (p = {result['probability']:.2f})")
        coarse = result["coarse"]
        peak = float(coarse.max())
        self._coarse.set_data(coarse / peak if peak > 0 else coarse)
        h, w = coarse.shape
        self._coarse_title.set_text(f"{result['layer']}: {h}x{w} map before upsampling")
        ws = np.sort(result["weights"])[::-1]
        span = float(np.abs(ws).max()) or 1.0
        self._weights.set_data(np.linspace(0, 1, len(ws)), ws / span)
        positive = int((ws > 0).sum())
        self._w_title.set_text(f"{positive} of {len(ws)} channels have α_k > 0\n"
                               f"(largest |α_k| = {span:.2g})")
        share = float((result["heatmap"] > 0.5).mean())
        return (f"{result['photo']}: Grad-CAM for <b>{result['class_name']}</b> (class "
                f"{result['class_index']}, p = {result['probability']:.2f}) at {result['layer']}; "
                f"{share:.0%} of the image is above half the peak")


def gradcam_explorer(net: Any, photos: dict, *, layers: tuple = DEFAULT_LAYERS,
                     top_k: int = 5) -> GradCAMExplorer:
    """Grad-CAM explorer for the pretrained network on a few photos (precomputes, returns it).

    Parameters
    ----------
    net : helpers.nets.pretrained.ImageNetNet
        From :func:`helpers.nets.pretrained.load_imagenet_net`.
    photos : dict of str to (H, W, 3) ndarray
        1 to 8 photos by name; each is resized to the network's 224x224 input.
    layers : tuple of str
        Stages of ``net`` to offer (1 to 6).
    top_k : int
        How many of the network's top guesses to offer per photo (1 to 10).
    """
    import torch

    from ..nets.pretrained import imagenet_input, imagenet_top_classes

    if not hasattr(net, "layers") or not hasattr(net, "features"):
        raise TypeError(f"net must come from load_imagenet_net(); got {describe(net)}")
    if not isinstance(photos, dict) or not 1 <= len(photos) <= 8:
        raise TypeError(f"photos must be a dict of 1 to 8 name -> image; got {describe(photos)}")
    if not isinstance(layers, (tuple, list)) or not 1 <= len(layers) <= 6:
        raise TypeError(f"layers must be a tuple of 1 to 6 stage names; got {describe(layers)}")
    for name in layers:
        if name not in net.layers:
            raise ValueError(f"layers must be stages of net ({', '.join(net.layers)}); got "
                             f"{name!r}")
    top_k = check_int(top_k, "top_k", min=1, max=10)
    batches = {n: imagenet_input(check_image(im, f"photos[{n!r}]")) for n, im in photos.items()}
    labels, indices = [], []
    for x in batches.values():
        top = imagenet_top_classes(net, x, k=top_k)
        labels.append([(name, p) for _, name, p in top])
        indices.append([i for i, _, _ in top])
    x = torch.cat(list(batches.values()))
    table = gradcam.gradcam_precompute(net, x, layers={n: net.layers[n] for n in layers},
                                       class_indices=np.array(indices))
    shown = {n: as_float_image(np.clip(from_batch(b)[0], 0, 1)) for n, b in batches.items()}
    info = {n: table["activations"][n].shape[1:] for n in layers}
    return GradCAMExplorer(shown, table, labels, info)


@register_bench("gradcam")
def _bench_gradcam() -> GradCAMExplorer:
    from ..data import load_photo
    from ..nets.pretrained import load_imagenet_net

    photos = {n: load_photo(n) for n in ("chelsea", "coffee", "astronaut")}
    return gradcam_explorer(load_imagenet_net(), photos)
