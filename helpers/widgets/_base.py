"""The explorer pattern every chapter widget follows.

An :class:`Explorer` owns a few ipywidgets controls, a pure :meth:`~Explorer.compute` step that
calls the algorithm helpers with the controls' values, and a :meth:`~Explorer.draw` step that
updates an off-screen matplotlib figure. The figure is rendered to a JPEG (or PNG) and shown by a
:class:`~._picture.Picture` (drawn on a canvas in the browser), next to a text readout, so the
widget looks the same in JupyterLab, in nbval and in a headless browser, and needs no interactive
matplotlib backend.

Tests (and the benchmark) drive an explorer without a browser::

    ex = threshold_explorer(image)
    ex.controls["threshold"].value = 100      # what a learner's slider move does
    ex.result["binary"]                       # what was computed for that value
    ex.readout.value                          # the text the learner sees

Explorer factories *return* the explorer; the notebook's last expression displays it.
"""

from __future__ import annotations

import asyncio
import functools
import io
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import ipywidgets as W
import numpy as np
import PIL.Image

# The Agg canvas and a bare Figure: no pyplot, no backend switching, nothing global.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from ._draw import TextMemo, paste_image, stamp_texts
from ._picture import Picture

__all__ = ["BENCH_FACTORIES", "PHOTO_JPEG", "SHARP_JPEG", "Explorer", "downscale",
           "register_bench"]

#: JPEG settings for explorers: crisp lines and text (the default), and photographs.
SHARP_JPEG: Mapping[str, int] = MappingProxyType({"quality": 95, "subsampling": 0})
PHOTO_JPEG: Mapping[str, int] = MappingProxyType({"quality": 90})

#: name -> zero-argument factory returning a ready Explorer; ``make bench`` times each.
BENCH_FACTORIES: dict[str, Callable[[], Explorer]] = {}


# -- control sizes ------------------------------------------------------------------------------
# JupyterLab draws control labels in 13 px type (--jp-widgets-font-size); DejaVu Sans is among the
# widest fonts it falls back to, so a label measured in it fits the others too.
_LABEL_PX = 13
_LABEL_PAD_PX = 12  # label margin and rounding
_TRACK_PX = 170  # the least slider track worth dragging
_READOUT_PX = 90  # a slider's value readout and the margins around the track
_SELECT_PAD_PX = 40  # a drop-down's arrow and padding
_SELECT_MAX_PX = 420
_FIELD_PX = 120  # a text field holding a number or a word


#: The smallest type in an explorer's figure, in points: 8 pt is 8.9 px at the explorers' 80 dpi,
#: shown 1:1. Smaller texts set in ``_build`` (legends, tick labels, box labels) are raised to it.
MIN_FONT_PT = 8.0


def _legible(figure) -> None:
    """Raise every text (and tick label) in ``figure`` smaller than :data:`MIN_FONT_PT`."""
    for text in figure.findobj(Text):
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    for ax in figure.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for which in ("major", "minor"):
                labels = axis.get_ticklabels(which=which)
                if labels and labels[0].get_fontsize() < MIN_FONT_PT:
                    ax.tick_params(axis=name, which=which, labelsize=MIN_FONT_PT)


def _text_px(text: str) -> int:
    """Width in pixels of ``text`` in 13 px DejaVu Sans (what a control's label needs)."""
    from matplotlib.ft2font import LoadFlags

    font = _label_font()
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)  # browsers lay text out unhinted
    return -(-font.get_width_height()[0] // 64)


@functools.cache
def _label_font():
    """DejaVu Sans at 13 px, loaded on first use."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    font = FT2Font(findfont(FontProperties(family="DejaVu Sans")))
    font.set_size(_LABEL_PX, 72)  # 13 pt at 72 dpi: 13 px
    return font


def _px(value: str | None) -> int | None:
    """``"250px"`` -> 250; anything else (unset, "initial", "100%") -> None."""
    if value and value.endswith("px"):
        try:
            return round(float(value[:-2]))
        except ValueError:
            return None
    return None


def _fit_controls(controls) -> None:
    """Size each control so its whole label shows and a slider keeps a track worth dragging.

    ipywidgets gives every slider, drop-down and text field 300 px in all: a long label
    (``description_width="initial"``) squeezes the track to nothing, and a fixed label width
    narrower than its text cuts the text off. For every control with a description this widens
    the label to its text (measured in the font JupyterLab uses) and the control to label + a
    170 px track (sliders) or label + the longest option (drop-downs). Widths set wider stay.
    """
    for control in controls:
        label = getattr(control, "description", "") or ""
        style = getattr(control, "style", None)
        if not label or style is None or not hasattr(style, "description_width") \
                or isinstance(control, (W.Checkbox, W.ToggleButton, W.Button)):
            continue
        need = _text_px(label) + _LABEL_PAD_PX
        if isinstance(control, W.ToggleButtons):
            if (_px(style.description_width) or need) < need:
                style.description_width = f"{need}px"
            continue
        style.description_width = f"{max(need, _px(style.description_width) or 0)}px"
        label_px = _px(style.description_width)
        if "Slider" in type(control).__name__:
            body = _TRACK_PX + _READOUT_PX
        elif isinstance(control, (W.Dropdown, W.Select)):
            # Options are labels, (label, value) pairs or a dict of label -> value.
            options = control.options.keys() if isinstance(control.options, Mapping) \
                else control.options
            labels = (o[0] if isinstance(o, tuple) and len(o) == 2 else o for o in options)
            longest = max((_text_px(str(text)) for text in labels), default=0)
            body = min(longest + _SELECT_PAD_PX, _SELECT_MAX_PX)
        else:
            body = _FIELD_PX
        width = _px(control.layout.width)
        if control.layout.width in (None, "") or (width is not None and width < label_px + body):
            control.layout.width = f"{max(label_px + body, 300)}px"


def register_bench(name: str) -> Callable[[Callable[[], Explorer]], Callable[[], Explorer]]:
    """Register a zero-argument explorer factory under a stable benchmark name."""

    def decorator(factory: Callable[[], Explorer]) -> Callable[[], Explorer]:
        BENCH_FACTORIES[name] = factory
        return factory

    return decorator


def downscale(image, max_side: int = 256):
    """Every k-th pixel so that neither side exceeds ``max_side``: keeps widget updates fast.

    Plain subsampling (no smoothing) on purpose: explorers show what the algorithm does to the
    pixels, and the same subsampled image is what they compute on.
    """
    step = max(1, -(-max(image.shape[:2]) // max_side))  # ceiling division
    return image[::step, ::step].copy() if step > 1 else image


class Explorer:
    """Base class: controls -> :meth:`compute` -> :meth:`draw` -> picture + readout.

    Subclasses set up ``self.controls`` (name -> ipywidget with a ``value``) and the figure's
    artists in ``__init__`` via :meth:`_build`, and implement :meth:`compute` (pure: returns a
    dict, never touches the figure) and :meth:`draw` (updates artists from that dict, returns the
    readout text/HTML). Artists that updates change go in ``self.dynamic`` so that only they
    are redrawn (blitting); leave it empty to redraw the whole figure each time. Errors from
    compute are shown in the readout, never raised into the
    learner's notebook, so no slider position can crash the widget.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        The learner's controls, by name.
    result : dict
        What the last update computed.
    error : str or None
        The message of the last update's error, if any.
    readout : ipywidgets.HTML
        The text shown under the figure.
    image : Picture
        The rendered figure (JPEG, or PNG where ``image_format`` says so).
    widget : ipywidgets.Box
        Everything, laid out; this is what the notebook displays.
    last_update_ms : float
        Compute + draw + encoding time of the last update.
    """

    #: Figure size in inches and resolution; small on purpose so updates stay fast.
    figsize: tuple[float, float] = (8.0, 3.2)
    dpi: int = 80
    #: "jpeg" (the default) or "png" (exact pixels, for an explorer that needs them). PNG took
    #: 2-14 ms of an update to encode; JPEG takes about 1 ms.
    image_format: str = "jpeg"
    #: PIL's JPEG settings. The default, quality 95 with full-resolution colour (4:4:4), keeps
    #: one-pixel lines and small coloured text sharp (at most ~20 of 255 off on an edge);
    #: explorers that show photographs use :data:`PHOTO_JPEG` (half the bytes, same look there).
    jpeg_options: Mapping[str, int] = SHARP_JPEG

    def __init__(self) -> None:
        self.controls: dict[str, W.Widget] = {}
        self.result: dict[str, Any] = {}
        self.error: str | None = None
        self.last_update_ms = float("nan")
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        self._canvas = FigureCanvasAgg(self.figure)
        # Shown at the pixels it was rendered at (a flex column would stretch it to the
        # notebook's width: blurred text and more to paint); narrower screens scale it down.
        shown = W.Layout(max_width="100%", height="auto", align_self="flex-start")
        self.image = Picture(format=self.image_format, layout=shown,
                             description=f"{type(self).__name__} figure")
        self.readout = W.HTML()
        #: Artists that updates change; set in _build. Empty means "redraw everything".
        self.dynamic: list = []
        #: Centre-aligned ``Text`` artists that updates change, painted from a glyph cache
        #: (:func:`._draw.stamp_texts`) instead of by matplotlib: for explorers with many labels.
        self.stamped: list = []
        self._background = None
        self._texts = TextMemo()  # the dynamic texts' pixels, replayed when seen again
        self._update_pending = False
        self._build()
        _legible(self.figure)
        _fit_controls(self.controls.values())
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = W.VBox([self._layout_controls(), self.image, self.readout])
        self.update()

    # -- for subclasses -------------------------------------------------------------------
    def _build(self) -> None:
        """Create ``self.controls`` and the figure's axes/artists."""
        raise NotImplementedError

    def compute(self) -> dict[str, Any]:
        """Read the controls, call the algorithm helpers, return the results (no drawing)."""
        raise NotImplementedError

    def draw(self, result: dict[str, Any]) -> str:
        """Update the figure from ``result``; return the readout (HTML allowed)."""
        raise NotImplementedError

    def _layout_controls(self) -> W.Widget:
        return W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap"))

    # -- machinery ----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: c.value for name, c in self.controls.items()}

    def _on_change(self, change: dict) -> None:
        self._request_update(change)

    def _request_update(self, change: Mapping[str, Any] | None = None) -> None:
        """Update for a control ``change`` (a traitlets change dict): at once, or soon after.

        A change made from Python (a cell, a test) updates at once, so ``result`` and
        ``readout`` are current on the next line. A change from the browser (ipywidgets holds the
        control's property lock while it applies the browser's value) updates as soon as the
        kernel has acknowledged the message: the browser sends only one message per control
        until the kernel is idle, so acknowledging first lets the next value travel while this
        one is drawn, and changes that arrive before the update runs share one update with the
        latest values. While a slider is dragged, pictures then come as fast as the kernel
        draws them instead of once per round trip.
        """
        owner = change.get("owner") if change else None
        if owner is None or not getattr(owner, "_property_lock", None):
            self.update()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (not inside a kernel's message handler)
            self.update()
            return
        if not self._update_pending:
            self._update_pending = True
            loop.call_soon(self._deferred_update)

    def _deferred_update(self) -> None:
        self._update_pending = False
        self.update()

    def update(self) -> None:
        """Recompute, redraw and re-render; called on every control change."""
        start = time.perf_counter()
        try:
            self.result = self.compute()
            self.error = None
            text = self.draw(self.result)
        except (ValueError, TypeError) as exc:
            # A combination of settings the algorithm rejects: say why, keep the last picture.
            self.error = str(exc)
            text = f"<b style='color:#b00'>Cannot compute this setting:</b> {exc}"
        else:
            self.image.value = self._render()
        self.readout.value = text
        self.last_update_ms = (time.perf_counter() - start) * 1e3

    def _render(self) -> bytes:
        """Render the figure to ``image_format`` bytes, redrawing only ``self.dynamic`` if it can.

        The first render draws everything (and freezes the layout); the static part (axes,
        ticks, fixed images) is kept as a background, and later renders restore it and draw
        only the artists an update changes (blitting), which is several times cheaper.
        """
        canvas = self._canvas
        if self._background is None or not self.dynamic:
            for artist in (*self.dynamic, *self.stamped):
                artist.set_animated(True)  # keep them out of the cached background
            canvas.draw()
            if self.figure.get_layout_engine() is not None:
                # Lay out once, then freeze: re-running the layout per update costs more than
                # the drawing. Redraw so the background matches the frozen layout.
                self.figure.set_layout_engine("none")
                canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        pixels = np.asarray(canvas.buffer_rgba())  # the canvas itself, written in place
        for artist in self.dynamic:
            # Images are pasted (same pixels, several times cheaper) unless paste_image
            # declines one; in list order either way, so later artists draw over them.
            if isinstance(artist, AxesImage) and paste_image(pixels, artist):
                continue
            if isinstance(artist, Text) and self._texts.draw(pixels, artist):
                continue  # drawn, or replayed from an identical earlier draw (same pixels)
            self.figure.draw_artist(artist)
        if self.stamped:
            stamp_texts(pixels, self.stamped, self.figure.dpi)
        picture = PIL.Image.fromarray(pixels)
        buf = io.BytesIO()
        if self.image_format == "jpeg":
            picture.convert("RGB").save(buf, format="jpeg", **self.jpeg_options)
        else:
            # Light compression: at PIL's default level, PNG encoding dominated the update time.
            picture.save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def set(self, **values: Any) -> Explorer:
        """Set several controls at once (each change triggers an update, as in the browser)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(
                    f"no control named {name!r}; this explorer has {', '.join(self.controls)}"
                )
            self.controls[name].value = value
        return self

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        """``n`` control changes a learner might make, for latency measurement.

        Cycles through the sliders and drop-downs, moving each to a different point of its range
        every time. Subclasses with other controls override this. ``n`` is 0 to 10,000.
        """
        from .._validation import check_int

        n = check_int(n, "n", min=0, max=10_000)
        fractions = (0.2, 0.8, 0.5, 0.35, 0.65, 0.95, 0.05)
        changes: list[tuple[str, Any]] = []
        names = [k for k, c in self.controls.items() if hasattr(c, "max") or hasattr(c, "options")]
        if not names:
            return changes
        for i in range(n):
            name = names[i % len(names)]
            c = self.controls[name]
            k = i // len(names)
            if hasattr(c, "options"):
                opts = [o[1] if isinstance(o, tuple) else o for o in c.options]
                changes.append((name, opts[(k + 1) % len(opts)]))
            elif isinstance(c, W.FloatLogSlider):  # min/max are exponents of `base` there
                exponent = c.min + (c.max - c.min) * fractions[k % len(fractions)]
                changes.append((name, c.base**exponent))
            else:
                value = c.min + (c.max - c.min) * fractions[k % len(fractions)]
                if isinstance(c.value, int) and not isinstance(c.value, bool):
                    step = getattr(c, "step", 1) or 1
                    value = int(c.min + round((value - c.min) / step) * step)
                changes.append((name, value))
        return changes

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)
