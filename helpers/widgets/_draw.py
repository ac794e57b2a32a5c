"""Drawing shared by the explorers: fast outlines for matplotlib collections, stamped labels,
pasted images, replayed texts.

Private to :mod:`helpers.widgets` (the chapters draw with :mod:`helpers.plots`); the names here
are public so that every explorer module can use them without reaching into a sibling's
private names.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.image import AxesImage
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from .._validation import as_array, describe

__all__ = ["TextMemo", "box_segments", "covariance_ellipse", "paste_image", "stamp_texts"]



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


def _check_canvas(pixels: Any) -> None:
    """The figure canvases these painters write into: (H, W, 4) uint8 RGBA arrays."""
    if not (isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.ndim == 3
            and pixels.shape[2] == 4):
        raise ValueError(f"pixels must be an (H, W, 4) uint8 RGBA canvas; got {describe(pixels)}")


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
    _check_canvas(pixels)
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


def _nearest(start: float, end: float, n: int, centres: np.ndarray,
             tie_to_later: bool = False) -> np.ndarray:
    """Source index (0..n-1) of each display coordinate in ``centres`` for n samples spread from
    display ``start`` to ``end`` (either order). A centre exactly on a border between two
    samples takes the earlier one, or the later with ``tie_to_later``: matplotlib's Agg
    resampler settles ties that way (a tolerance keeps 64.00000000000001 a tie)."""
    position = (centres - start) * (n / (end - start))
    if tie_to_later:
        index = np.floor(position + 1e-7)
    else:
        index = np.ceil(position - 1e-7) - 1
    return np.clip(index.astype(np.intp), 0, n - 1)


_AUTO_NEAREST = 3.0 + 1e-6  # above this magnification matplotlib's "auto" means nearest


def paste_image(pixels: np.ndarray, image: Any) -> bool:
    """Paint ``image`` (an ``AxesImage`` shown with nearest-neighbour sampling) straight into
    ``pixels``, the figure's (H, W, 4) uint8 RGBA canvas; False, painting nothing, for an image
    this does not cover (other interpolation, "auto" interpolation where matplotlib
    antialiases, an alpha array, a scalar alpha on an RGB(A) image, translucent pixels in an
    8-bit RGBA image, a clip path, non-linear axes), which matplotlib then draws.

    The same pixels as matplotlib's Agg path: its output box snapped to whole pixels as
    ``AxesImage._make_image`` snaps it, one sample per pixel centre, ties settled as its resampler
    settles them, a colour-mapped image's scalar ``alpha`` applied as ``_make_image`` applies
    it, and translucent pixels blended in Agg's integer arithmetic. One exception: where a
    pixel centre falls exactly on a border between samples, Agg's fixed-point interpolation can
    take the other sample in the image's last column of pixels. Its resampling machinery
    costs 2-9 ms per 256-pixel image, and explorer updates redraw their images every time; this
    is an index gather, about 1 ms.
    """
    _check_canvas(pixels)
    if not isinstance(image, AxesImage):
        raise TypeError(f"image must be a matplotlib AxesImage; got {type(image).__name__}")
    axes = image.axes
    data = image.get_array()
    interpolation = image.get_interpolation()
    if (not image.get_visible() or data is None or data.size == 0
            or interpolation not in ("nearest", "none", "auto", "antialiased")
            or image.get_clip_path() is not None
            or axes is None or axes.get_xscale() != "linear" or axes.get_yscale() != "linear"
            or image.get_transform() != axes.transData):
        return False
    alpha = image.get_alpha()
    if alpha is not None and (data.ndim != 2 or np.ndim(alpha) != 0):
        return False  # an alpha array, or a scalar over colours: Agg blends those otherwise
    height, width = pixels.shape[:2]
    rows, cols = data.shape[:2]
    left, right, bottom, top = image.get_extent()
    (x_left, y_bottom), (x_right, y_top) = axes.transData.transform([(left, bottom),
                                                                     (right, top)])
    if interpolation in ("auto", "antialiased") and not (
            abs(x_right - x_left) > _AUTO_NEAREST * cols
            and abs(y_top - y_bottom) > _AUTO_NEAREST * rows):
        # matplotlib samples "auto" images by nearest neighbour only when magnified more than
        # 3 times (or exactly 1 or 2 times, float equality this leaves to matplotlib), and
        # antialiases them otherwise.
        return False
    x_lo, x_hi = sorted((x_left, x_right))
    y_lo, y_hi = sorted((y_bottom, y_top))
    if image.get_clip_on() and image.get_clip_box() is not None:
        clip = image.get_clip_box()
        x_lo, x_hi = max(x_lo, clip.x0), min(x_hi, clip.x1)
        y_lo, y_hi = max(y_lo, clip.y0), min(y_hi, clip.y1)
    # The output box, rounded to whole pixels as matplotlib's _make_image rounds it.
    c0 = int(np.floor(x_lo + 0.5))
    c1 = int(np.floor(x_hi + 0.5 + 1e-8))
    r0 = int(np.ceil(y_lo - 0.5 - 1e-8))
    r1 = int(np.ceil(y_hi - 0.5))
    c0, c1, r0, r1 = max(c0, 0), min(c1, width), max(r0, 0), min(r1, height)
    if c0 >= c1 or r0 >= r1:
        return True  # nothing of it is inside the canvas
    # Row 0 of the data sits at the extent's top for origin "upper", at its bottom for "lower".
    y_first, y_last = (y_top, y_bottom) if image.origin == "upper" else (y_bottom, y_top)
    ys = np.arange(r1 - 1, r0 - 1, -1) + 0.5  # display y of each canvas row's centre, top down
    xs = np.arange(c0, c1) + 0.5
    pick_rows = _nearest(y_first, y_last, rows, ys, tie_to_later=image.origin != "upper")
    pick_cols = _nearest(x_left, x_right, cols, xs)
    # One take per axis: a tenth of the time of indexing with two broadcast index arrays.
    if isinstance(data, np.ma.MaskedArray):  # as matplotlib stores images; gather the parts
        mask = np.ma.getmask(data)           # (indexing the masked array costs more again)
        sample = data.data.take(pick_rows, axis=0).take(pick_cols, axis=1)
        if mask is not np.ma.nomask:
            sample = np.ma.MaskedArray(
                sample, mask.take(pick_rows, axis=0).take(pick_cols, axis=1))
    else:
        sample = np.asarray(data).take(pick_rows, axis=0).take(pick_cols, axis=1)
    rgba = image.to_rgba(sample, bytes=True)
    if alpha is not None:  # as _make_image applies it to a colour-mapped image's alpha channel
        rgba[..., 3] = (rgba[..., 3].astype(np.float32) * alpha).astype(np.uint8)
    target = pixels[height - r1 : height - r0, c0:c1]
    cover = rgba[..., 3]
    if cover.min() == 255:
        target[...] = rgba  # opaque: Agg copies the image's colours, and alpha 255
        return True
    if data.ndim == 3 and data.dtype == np.uint8:
        return False  # translucent 8-bit RGBA: Agg's resampler shifts its colours by a level
    # Agg copies opaque pixels, leaves the canvas alone under transparent ones, and blends the
    # rest as its plain (not premultiplied) RGBA blender does, in its integer arithmetic.
    opaque = cover == 255
    target[opaque] = rgba[opaque]
    blend = (cover > 0) & ~opaque
    if blend.any():
        src = rgba[blend].astype(np.int32)
        dst = target[blend].astype(np.int32)
        a, below = src[:, 3:], dst[:, 3:]
        under = dst[:, :3] * below
        out = ((a + below) << 8) - a * below  # the alpha after drawing, times 256 (> 0)
        rgb = (((src[:, :3] << 8) - under) * a + (under << 8)) // out
        target[blend] = np.concatenate([rgb, out >> 8], axis=1).astype(np.uint8)
    return True


class TextMemo:
    """Draws matplotlib ``Text`` artists, replaying the pixels of an identical earlier draw.

    A title such as "output 5x5" costs matplotlib a layout and a rasterisation (1-2 ms) every
    time it is drawn, and an explorer redraws its titles on every update; moving a slider back
    and forth shows the same ones again. The first draw of a text records the canvas region
    under it before and after; a later draw of the same text (same string, place, font, colour,
    alignment, clipping) over the same pixels puts the recorded result back. Over different
    pixels it is drawn again. So the canvas is exactly what matplotlib would draw.

    A text with a plain box behind it (``bbox=``, a ``FancyBboxPatch`` without hatching, path
    effects or sketching) is replayed too, the box included: box labels cost 1.5 ms each.

    ``capacity`` texts are kept (the least recently used go first).
    """

    def __init__(self, capacity: int = 128) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int; got {capacity!r}")
        self.capacity = capacity
        self.hits = 0
        self._entries: OrderedDict = OrderedDict()

    @staticmethod
    def _box_key(patch: Any) -> tuple | None:
        """What decides the pixels of a text's box, besides the text's own key; None for a box
        this does not replay."""
        if (type(patch) is not FancyBboxPatch or patch.get_hatch() or patch.get_path_effects()
                or patch.get_sketch_params() is not None):
            return None
        style = patch.get_boxstyle()
        return (patch.get_visible(), type(style).__name__, tuple(sorted(vars(style).items())),
                to_rgba(patch.get_facecolor()), to_rgba(patch.get_edgecolor()),
                patch.get_fill(), patch.get_linewidth(), str(patch.get_linestyle()),
                patch.get_alpha(), patch.get_antialiased(), patch.get_mutation_aspect(),
                str(patch.get_joinstyle()), str(patch.get_capstyle()))

    @classmethod
    def _key(cls, text: Any) -> tuple | None:
        """What decides the pixels of ``text``; None for one this does not replay."""
        if (type(text) is not Text or not text.get_visible() or not text.get_text()
                or text.get_path_effects()
                or text.get_clip_path() is not None or text.get_wrap()
                or text.get_figure(root=True) is None):
            return None
        patch = text.get_bbox_patch()
        box = None if patch is None else cls._box_key(patch)
        if patch is not None and box is None:
            return None
        anchor = text.get_transform().transform(text.get_unitless_position())
        clip = text.get_clip_box() if text.get_clip_on() else None
        return (box, text.get_text(), tuple(np.round(anchor, 6)), hash(text.get_fontproperties()),
                to_rgba(text.get_color(), text.get_alpha()), text.get_horizontalalignment(),
                text.get_verticalalignment(), text.get_rotation(), text.get_rotation_mode(),
                text.get_linespacing(), text.get_usetex(), text.get_parse_math(),
                text.get_antialiased(), text.get_transform_rotates_text(),
                None if clip is None else tuple(np.round(clip.bounds, 6)),
                text.get_figure(root=True).dpi)

    def draw(self, pixels: np.ndarray, text: Any) -> bool:
        """Draw ``text`` onto ``pixels``, its figure's (H, W, 4) uint8 RGBA canvas buffer,
        replayed or through matplotlib; False, drawing nothing, for a text this does not handle
        (not a plain visible ``Text``, or one with path effects, a clip path, wrapping, or a box
        other than a plain ``FancyBboxPatch``)."""
        _check_canvas(pixels)
        if not isinstance(text, Text):
            raise TypeError(f"text must be a matplotlib Text; got {type(text).__name__}")
        key = self._key(text)
        if key is None:
            return False
        entry = self._entries.get(key)
        if entry is not None:
            (r0, r1, c0, c1), before, after = entry
            region = pixels[r0:r1, c0:c1]
            if np.array_equal(region, before):
                region[...] = after
                self._entries.move_to_end(key)
                self.hits += 1
                return True
        figure = text.get_figure(root=True)
        renderer = figure.canvas.get_renderer()
        extent = text.get_window_extent(renderer)
        margin = 3  # antialiasing may ink a pixel or two past the text's extent
        patch = text.get_bbox_patch()
        if patch is not None:  # the box as the draw will place it (Text.draw does the same)
            text.update_bbox_position_size(renderer)
            extent = Bbox.union([extent, patch.get_window_extent(renderer)])
            margin += int(np.ceil(patch.get_linewidth() * figure.dpi / 72.0))
        height, width = pixels.shape[:2]
        r0 = max(height - int(np.ceil(extent.y1)) - margin, 0)
        r1 = min(height - int(np.floor(extent.y0)) + margin, height)
        c0 = max(int(np.floor(extent.x0)) - margin, 0)
        c1 = min(int(np.ceil(extent.x1)) + margin, width)
        before = pixels[r0:r1, c0:c1].copy()
        figure.draw_artist(text)
        if r0 < r1 and c0 < c1:
            self._entries[key] = ((r0, r1, c0, c1), before, pixels[r0:r1, c0:c1].copy())
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return True
