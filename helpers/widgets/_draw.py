"""Drawing shared by the explorers: fast outlines for matplotlib collections, stamped labels.

Private to :mod:`helpers.widgets` (the chapters draw with :mod:`helpers.plots`); the names here
are public so that every explorer module can use them without reaching into a sibling's
private names.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from .._validation import as_array, describe

__all__ = ["box_segments", "covariance_ellipse", "stamp_texts"]



def box_segments(boxes: Any) -> np.ndarray:
    """(N, 4) xyxy boxes -> (N, 5, 2) closed outlines for one ``LineCollection`` (fast).

    A single box may be given as ``(4,)``. Values are not checked for ``x1 <= x2``: an
    explorer draws whatever a slider produced.

    Examples
    --------
    >>> box_segments([0, 0, 2, 1])[0].tolist()
    [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    """
    b = as_array(boxes, "boxes", ndim=(1, 2), allow_empty=True, shape_hint="(N, 4)")
    x1, y1, x2, y2 = b.astype(float).reshape(-1, 4).T
    return np.stack([np.stack([x1, y1], 1), np.stack([x2, y1], 1), np.stack([x2, y2], 1),
                     np.stack([x1, y2], 1), np.stack([x1, y1], 1)], axis=1)


def covariance_ellipse(mean_xy: Any, cov_xy: Any, k: float = 2.0) -> np.ndarray:
    """Points of the ``k``-sigma ellipse of a 2-D Gaussian (for drawing), shape (41, 2).

    Examples
    --------
    >>> pts = covariance_ellipse([0.0, 0.0], np.diag([4.0, 1.0]), k=1.0)
    >>> np.abs(pts).max(axis=0).round(6).tolist()        # semi-axes: 2 and 1
    [2.0, 1.0]
    """
    mean_xy = as_array(mean_xy, "mean_xy", ndim=1)
    vals, vecs = np.linalg.eigh(as_array(cov_xy, "cov_xy", ndim=2))
    angle = np.linspace(0, 2 * np.pi, 41)
    circle = np.stack([np.cos(angle), np.sin(angle)], 1)
    return mean_xy + k * (circle * np.sqrt(np.maximum(vals, 0))) @ vecs.T


@lru_cache(maxsize=4096)
def _glyph(text: str, font: tuple, dpi: float) -> tuple[np.ndarray, int, int]:
    """Coverage (h, w) in [0, 1] of ``text`` drawn centred, and the offset of its top-left
    corner from the anchor. Rendered once by matplotlib's own Agg text path, then reused."""
    family, style, weight, size = font
    # A square canvas with the anchor at its centre, wide enough for the whole text.
    side = 2 * (int(len(text) * size * dpi / 72) + 8)
    figure = Figure(figsize=(side / dpi, side / dpi), dpi=dpi)
    figure.patch.set_alpha(0.0)
    prop = FontProperties(family=list(family), style=style, weight=weight, size=size)
    figure.text(0.5, 0.5, text, ha="center", va="center", fontproperties=prop, color="black")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    alpha = np.asarray(canvas.buffer_rgba())[..., 3]
    rows, cols = np.nonzero(alpha)
    if rows.size == 0:
        return np.zeros((0, 0), np.float32), 0, 0
    top, left = rows.min(), cols.min()
    cover = alpha[top : rows.max() + 1, left : cols.max() + 1].astype(np.float32) / 255.0
    cover.setflags(write=False)
    return cover, int(top) - side // 2, int(left) - side // 2


def stamp_texts(pixels: np.ndarray, texts: list, dpi: float) -> None:
    """Paint the visible, centre-aligned ``texts`` (matplotlib ``Text``) into ``pixels``.

    ``pixels`` is the figure's (H, W, 4) uint8 RGBA canvas, changed in place. Drawing a
    ``Text`` through matplotlib lays it out and rasterises it every time (about 0.5 ms each);
    explorers that write a value in each of 100 grid cells stamp the same few glyphs from a
    cache instead (microseconds each). The look is matplotlib's: each glyph is rendered once by
    its Agg text path at ``dpi``; only the placement is rounded to whole pixels.
    """
    if not (isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.ndim == 3
            and pixels.shape[2] == 4):
        raise ValueError(f"pixels must be an (H, W, 4) uint8 RGBA canvas; got {describe(pixels)}")
    height, width = pixels.shape[:2]
    shown = [t for t in texts if t.get_visible() and t.get_text()]
    for text in shown:
        if (text.get_horizontalalignment(), text.get_verticalalignment(),
                text.get_rotation()) != ("center", "center", 0.0):
            raise ValueError("texts must be centred (ha and va 'center') and not rotated; got "
                             f"{text.get_text()!r} with ha={text.get_horizontalalignment()!r}, "
                             f"va={text.get_verticalalignment()!r}, "
                             f"rotation={text.get_rotation():g}")
    # One transform call per coordinate system (all of a panel's labels share one).
    anchors: dict[int, np.ndarray] = {}
    by_transform: dict[int, tuple[Any, list[int]]] = {}
    for k, text in enumerate(shown):
        transform = text.get_transform()
        by_transform.setdefault(id(transform), (transform, []))[1].append(k)
    for transform, members in by_transform.values():
        xy = transform.transform([shown[k].get_position() for k in members])
        anchors.update(zip(members, xy, strict=True))
    for k, text in enumerate(shown):
        prop = text.get_fontproperties()
        font = (tuple(prop.get_family()), prop.get_style(), prop.get_weight(),
                prop.get_size_in_points())
        cover, dy, dx = _glyph(text.get_text(), font, dpi)
        x, y = anchors[k]
        top, left = int(round(height - y)) + dy, int(round(x)) + dx
        r0, c0 = max(top, 0), max(left, 0)
        r1, c1 = min(top + cover.shape[0], height), min(left + cover.shape[1], width)
        if r0 >= r1 or c0 >= c1:
            continue
        a = cover[r0 - top : r1 - top, c0 - left : c1 - left, None]
        colour = np.array(to_rgb(text.get_color()), np.float32) * 255.0
        region = pixels[r0:r1, c0:c1, :3]
        region[...] = (region * (1.0 - a) + colour * a + 0.5).astype(np.uint8)
