"""Static figures for chapters/16_style_transfer.ipynb (plain matplotlib, no widgets).

Kept apart from :mod:`helpers.style`, which never imports matplotlib. Every function returns the
pyplot Figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_array, check_figure_size, check_image, check_int, describe

__all__ = [
    "plot_style_costs",
    "show_activation_rows",
    "show_gram_matrices",
    "show_layer_reconstructions",
]


def _numpy(x: Any, name: str, ndim) -> np.ndarray:
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    return as_array(x, name, ndim=ndim)


def show_activation_rows(maps: dict, *, channels: int = 5, size: float = 1.6):
    """One row per layer: the most active channels of its ``(C, H, W)`` feature map.

    Colours are signed (red positive, blue negative, white zero), one scale per row.

    Parameters
    ----------
    maps : dict of str to (C, H, W) or (1, C, H, W) array or tensor
        Feature maps by layer name.
    channels : int
        Channels shown per layer (the ones with the largest mean absolute activation), 1 to 12.
    size : float
        Inches per panel.
    """
    import matplotlib.pyplot as plt

    if not isinstance(maps, dict) or not maps:
        raise TypeError(f"maps must be a dict of layer name -> feature map; got {describe(maps)}")
    if len(maps) > 12:
        raise ValueError(f"maps must hold at most 12 layers (one row each); got {len(maps)}")
    channels = check_int(channels, "channels", min=1, max=12)
    size = check_figure_size(size)
    fig, axes = plt.subplots(len(maps), channels, figsize=(size * channels + 0.8, size * len(maps)),
                             squeeze=False, layout="constrained")
    for row, (name, fmap) in zip(axes, maps.items(), strict=True):
        a = _numpy(fmap, f"maps[{name!r}]", (3, 4))
        a = a[0] if a.ndim == 4 else a
        order = np.argsort(np.abs(a).mean(axis=(1, 2)))[::-1][:channels]
        hi = float(np.abs(a[order]).max()) or 1.0
        # Signed values (EfficientNet's stage outputs are linear): zero is white.
        for ax, k in zip(row, order, strict=False):
            im = ax.imshow(a[k], cmap="RdBu_r", vmin=-hi, vmax=hi)
            ax.set_title(f"{name} ch {k}", fontsize=8)
            ax.set_axis_off()
        for ax in row[len(order):]:
            ax.set_axis_off()
        fig.colorbar(im, ax=row.tolist(), shrink=0.8, label=f"{name}: {a.shape[1]}x{a.shape[2]}")
    return fig


def show_gram_matrices(grams: dict, *, size: float = 2.8):
    """Gram matrices side by side on one colour scale (a shared colour bar).

    Parameters
    ----------
    grams : dict of str to (C, C) array or tensor
        Title -> Gram matrix (already divided by the number of positions, so they compare).
    size : float
        Inches per panel.
    """
    import matplotlib.pyplot as plt

    if not isinstance(grams, dict) or not grams:
        raise TypeError(f"grams must be a dict of title -> (C, C) matrix; got {describe(grams)}")
    if len(grams) > 12:
        raise ValueError(f"grams must hold at most 12 matrices; got {len(grams)}")
    size = check_figure_size(size)
    mats = {t: _numpy(g, f"grams[{t!r}]", 2) for t, g in grams.items()}
    hi = max(float(np.abs(m).max()) for m in mats.values()) or 1.0
    signed = any(float(m.min()) < 0 for m in mats.values())
    cmap, lo = ("RdBu_r", -hi) if signed else ("magma", 0.0)
    fig, axes = plt.subplots(1, len(mats), figsize=(size * len(mats) + 1, size), squeeze=False,
                             layout="constrained")
    for ax, (title, m) in zip(axes[0], mats.items(), strict=True):
        im = ax.imshow(m, cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("channel k'")
        ax.set_ylabel("channel k")
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.85, label="G[k, k'] / (H W)")
    return fig


def plot_style_costs(result: Any, *, size: tuple[float, float] = (11, 3.0)):
    """The content, style and total-variation costs of a style transfer, step by step.

    The style cost is drawn on a log scale (it falls by orders of magnitude), the others linear.

    Parameters
    ----------
    result : helpers.style.StyleTransferResult
    size : (width, height) in inches
    """
    import matplotlib.pyplot as plt

    costs = getattr(result, "costs", None)
    if not isinstance(costs, dict) or not costs.get("style"):
        raise TypeError(f"result must be a StyleTransferResult; got {describe(result)}")
    size = check_figure_size(size, pair=True)
    fig, axes = plt.subplots(1, 3, figsize=size, layout="constrained")
    steps = np.arange(len(costs["style"]))
    for ax, key, colour in zip(axes, ("content", "style", "tv"),
                               ("tab:blue", "tab:orange", "tab:green"), strict=True):
        values = np.asarray(costs[key], float)
        ax.plot(steps, values, color=colour)
        if key == "style" and (values > 0).all():
            ax.set_yscale("log")  # it falls by orders of magnitude
        ax.set_xlabel("Adam step")
        name = {"tv": "total variation"}.get(key, f"{key} cost")
        first = 0.0 if abs(values[0]) < 1e-6 * max(np.abs(values).max(), 1e-30) else values[0]
        ax.set_title(f"{name}: {first:.3g} -> {values[-1]:.3g}", fontsize=10)
        ax.set_ylabel("unweighted " + ("cost (log scale)" if key == "style" else name))
        ax.grid(alpha=0.3)
    return fig


def show_layer_reconstructions(results: dict, originals: dict, *, size: float = 2.0):
    """Images rebuilt from one layer at a time: a row for content, a row for style.

    Parameters
    ----------
    results : dict of (kind, layer) to StyleTransferResult
        ``kind`` is "content" or "style" (from :func:`helpers.style.reconstruct_from_layer`).
    originals : dict of kind to (H, W, 3) ndarray
        The image each row reconstructs ("content": the photo, "style": the style image),
        shown first in its row.
    size : float
        Inches per panel.
    """
    import matplotlib.pyplot as plt

    if not isinstance(results, dict) or not results:
        raise TypeError(f"results must be a dict (kind, layer) -> result; got {describe(results)}")
    if not isinstance(originals, dict):
        raise TypeError(f"originals must be a dict kind -> image; got {describe(originals)}")
    for key, res in results.items():
        if (not isinstance(key, tuple) or len(key) != 2 or key[0] not in ("content", "style")
                or not isinstance(key[1], str)):
            raise ValueError(f"results keys must be (kind, layer) with kind 'content' or 'style';"
                             f" got {key!r}")
        if not isinstance(getattr(res, "image", None), np.ndarray):
            raise TypeError(f"results[{key!r}] must be a StyleTransferResult; got "
                            f"{describe(res)}")
    if len(results) > 24:
        raise ValueError(f"results must hold at most 24 reconstructions; got {len(results)}")
    originals = {k: check_image(v, f"originals[{k!r}]") for k, v in originals.items()}
    size = check_figure_size(size)
    layers = list(dict.fromkeys(layer for _, layer in results))
    kinds = [k for k in ("content", "style") if any(kind == k for kind, _ in results)]
    fig, axes = plt.subplots(len(kinds), len(layers) + 1,
                             figsize=(size * (len(layers) + 1), size * len(kinds) + 0.3),
                             squeeze=False, layout="constrained")
    for row, kind in zip(axes, kinds, strict=True):
        if kind in originals:
            row[0].imshow(originals[kind])
            row[0].set_title(f"the {kind} image", fontsize=9)
        for ax, layer in zip(row[1:], layers, strict=True):
            res = results.get((kind, layer))
            if res is not None:
                ax.imshow(res.image)
                ax.set_title(f"{kind} of {layer}", fontsize=9)
        for ax in row:
            ax.set_axis_off()
    return fig
