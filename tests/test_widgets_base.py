"""The Explorer machinery: updates, error display, blitted renders, bench changes."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.text import Text

from helpers.widgets import BENCH_FACTORIES, Explorer, load_all
from helpers.widgets._base import MIN_FONT_PT, downscale


class Doubler(Explorer):
    def _build(self):
        self.controls = {"n": W.IntSlider(value=1, min=-5, max=5)}
        ax = self.figure.subplots()
        self._im = ax.imshow(np.zeros((4, 4)), vmin=0, vmax=10)
        self.dynamic = [self._im]

    def compute(self):
        n = self.controls["n"].value
        if n < 0:
            raise ValueError(f"n must be >= 0; got {n}")
        return {"image": np.full((4, 4), 2 * n)}

    def draw(self, result):
        self._im.set_data(result["image"])
        return f"value {result['image'][0, 0]}"


def test_update_on_control_change_and_render_changes():
    ex = Doubler()
    first = ex.image.value
    assert ex.readout.value == "value 2" and first[:3] == b"\xff\xd8\xff"  # JPEG
    ex.controls["n"].value = 4
    assert ex.result["image"][0, 0] == 8 and ex.readout.value == "value 8"
    assert ex.image.value != first and ex.last_update_ms > 0


def test_rejected_setting_shows_message_keeps_picture_and_recovers():
    ex = Doubler()
    ex.controls["n"].value = 3
    picture = ex.image.value
    ex.controls["n"].value = -2
    assert ex.error == "n must be >= 0; got -2" and "Cannot compute" in ex.readout.value
    assert ex.image.value == picture
    ex.controls["n"].value = 2
    assert ex.error is None and ex.readout.value == "value 4"


def test_set_names_unknown_controls():
    with pytest.raises(ValueError, match="no control named 'm'; this explorer has n"):
        Doubler().set(m=1)


def test_bench_changes_move_every_slider_within_range():
    ex = Doubler()
    changes = ex.bench_changes(10)
    assert len(changes) == 10 and all(-5 <= v <= 5 for _, v in changes)


def test_downscale_caps_the_longest_side():
    assert downscale(np.zeros((1000, 300))).shape == (250, 75)
    small = np.zeros((10, 10))
    assert downscale(small) is small


def test_every_registered_widget_builds_and_updates():
    load_all()
    assert BENCH_FACTORIES, "widget modules register their explorers for make bench"
    for name, factory in BENCH_FACTORIES.items():
        ex = factory()
        for control, value in ex.bench_changes(3):
            ex.controls[control].value = value
        magic = {"png": b"\x89PNG", "jpeg": b"\xff\xd8\xff"}[ex.image_format]
        assert bytes(ex.image.value).startswith(magic), name
        assert ex.image.format == ex.image_format, name
        # Legible type: no text in the figure under MIN_FONT_PT (8 pt, 8.9 px as shown).
        small = sorted({f"{t.get_text()!r} at {t.get_fontsize():g} pt"
                        for t in ex.figure.findobj(Text)
                        if t.get_visible() and t.get_text().strip()
                        and t.get_fontsize() < MIN_FONT_PT})
        assert not small, f"{name}: " + ", ".join(small[:5])


def test_picture_travels_as_a_binary_buffer_with_its_format_and_front_end():
    import traitlets
    from ipywidgets.widgets.widget import _remove_buffers

    from helpers.widgets._picture import Picture

    ex = Doubler()
    assert isinstance(ex.image, Picture)
    state, paths, buffers = _remove_buffers(ex.image.get_state())
    # The bytes go as a WebSocket binary frame, not base64 in the JSON.
    assert paths == [["value"]] and bytes(buffers[0]) == ex.image.value
    assert state["format"] == "jpeg" and state["description"] == "Doubler figure"
    # The browser side (exercised for real by tests/test_browser.py) ships with the state.
    assert "createImageBitmap" in state["_esm"] and "export default { render }" in state["_esm"]
    with pytest.raises(traitlets.TraitError, match="expected any of \\['jpeg', 'png'\\]"):
        Picture(format="gif")


def test_controls_are_sized_to_their_labels_and_keep_a_track():
    from matplotlib.font_manager import FontProperties, findfont
    from PIL import ImageFont

    from helpers.widgets._base import _fit_controls, _text_px

    # Label widths agree with Pillow's FreeType layout of the same font (the independent
    # reference), to the pixel.
    font = ImageFont.truetype(findfont(FontProperties(family="DejaVu Sans")), 13)
    for text in ("k", "threshold (share of the largest R)", "IoU threshold \u2265", "W" * 40):
        assert abs(_text_px(text) - font.getlength(text)) <= 1.5, text

    def px(value):
        return int(value.removesuffix("px"))

    long = "angle (degrees, counter-clockwise)"
    squeezed = W.FloatSlider(description=long, style={"description_width": "initial"})
    clipped = W.IntSlider(description=long, style={"description_width": "80px"})
    wide = W.IntSlider(description="k", layout=W.Layout(width="900px"))
    menu = W.Dropdown(options=["a", "SORT's filter (u, v, s, r), fixed noise"],
                      description="motion model", style={"description_width": "initial"})
    box = W.Checkbox(description=long)
    _fit_controls([squeezed, clipped, wide, menu, box, W.HBox([])])
    for slider in (squeezed, clipped):
        label = px(slider.style.description_width)
        assert label >= _text_px(long)
        assert px(slider.layout.width) - label >= 170 + 60  # track + readout
    assert wide.layout.width == "900px" and px(wide.style.description_width) >= _text_px("k")
    need = _text_px("motion model") + _text_px("SORT's filter (u, v, s, r), fixed noise")
    assert px(menu.layout.width) >= need + 24
    assert box.layout.width is None  # a check box shows its label whole already


def test_explorer_displays_as_its_widget():
    bundle = Doubler()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_stamped_labels_look_like_matplotlibs_own_text():
    # Explorers with many cell values stamp them from a glyph cache instead of drawing each
    # Text through matplotlib; the picture must be the same up to whole-pixel placement.
    import io

    import PIL.Image
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from helpers.widgets._draw import stamp_texts

    rng = np.random.default_rng(0)

    def figure_with_texts():
        fig = Figure(figsize=(4, 2), dpi=80)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 5)
        ax.set_axis_off()
        where = zip(rng.uniform(0.5, 9.5, 12), rng.uniform(0.5, 4.5, 12),
                    rng.integers(-30, 30, 12), ["black", "white", "red"] * 4, strict=True)
        texts = [ax.text(x, y, f"{v:g}", ha="center", va="center", fontsize=9, color=c)
                 for x, y, v, c in where]
        return fig, texts

    rng = np.random.default_rng(0)
    fig, _ = figure_with_texts()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    drawn = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)

    rng = np.random.default_rng(0)
    fig, texts = figure_with_texts()
    for t in texts:
        t.set_visible(False)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    for t in texts:
        t.set_visible(True)
    pixels = np.asarray(canvas.buffer_rgba())
    assert not np.array_equal(pixels[..., :3], drawn)  # the labels are not there yet
    stamp_texts(pixels, texts, fig.dpi)
    stamped = pixels[..., :3].astype(int)
    # Same ink in the same places: the per-channel sums agree closely, and shifted by at most
    # one pixel every strongly inked pixel of matplotlib's picture is inked in ours.
    ink_drawn, ink_stamped = (255 * 3 - drawn.sum(-1)), (255 * 3 - stamped.sum(-1))
    assert abs(ink_drawn.sum() - ink_stamped.sum()) < 0.03 * ink_drawn.sum()
    strong = ink_drawn > 300
    near = np.zeros_like(strong)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= np.roll(ink_stamped > 150, (dy, dx), axis=(0, 1))
    assert near[strong].all()
    # Off the canvas edge: clipped, not an error; invisible and empty texts are skipped.
    texts[0].set_position((-0.1, 5.0))
    texts[1].set_visible(False)
    texts[2].set_text("")
    texts[3].set_color(np.array([0.2, 0.4, 0.6]))  # any matplotlib colour, arrays too
    texts[4].set_text("-12345.678 a long label")  # longer than a cell value: not clipped
    stamp_texts(pixels, texts, fig.dpi)
    assert PIL.Image.fromarray(pixels).save(io.BytesIO(), format="png") is None
    with pytest.raises(ValueError, match="pixels must be an"):
        stamp_texts(pixels[..., :3], texts, fig.dpi)
    texts[5].set_horizontalalignment("left")
    with pytest.raises(ValueError, match="texts must be centred"):
        stamp_texts(pixels, texts, fig.dpi)


def _drawn_and_pasted(image):
    """The canvas with ``image`` drawn by matplotlib, and with it pasted (same background)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from helpers.widgets._draw import paste_image

    canvas = FigureCanvasAgg(image.figure)
    image.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(image.figure.bbox)
    image.figure.draw_artist(image)
    drawn = np.asarray(canvas.buffer_rgba()).copy()
    canvas.restore_region(background)
    pixels = np.asarray(canvas.buffer_rgba())
    pasted = paste_image(pixels, image)
    return drawn, pixels.copy(), pasted


def test_paste_image_paints_the_pixels_matplotlib_draws():
    from matplotlib.figure import Figure

    rng = np.random.default_rng(0)
    for trial in range(40):
        fig = Figure(figsize=(rng.uniform(2, 8), rng.uniform(2, 5)), dpi=80)
        ax = fig.add_subplot(1, 1, 1)
        if trial % 3 == 1:  # transparent figure and axes: an opaque image makes pixels opaque
            fig.patch.set_alpha(0.0)
            ax.patch.set_alpha(0.0)
        h, w = (int(v) for v in rng.integers(2, 300, 2))
        kind = trial % 5
        if kind == 0:
            data, kw = rng.integers(0, 256, (h, w), dtype=np.uint8), {"cmap": "gray", "vmin": 0,
                                                                      "vmax": 255}
        elif kind == 1:
            data, kw = rng.normal(size=(h, w)), {"cmap": "magma"}
        elif kind == 2:
            data, kw = rng.integers(0, 256, (h, w, 3), dtype=np.uint8), {}
        elif kind == 3:
            data, kw = rng.random((h, w, 3)), {}
        else:  # masked values: transparent, the background shows through
            data = np.ma.masked_array(rng.random((h, w)), rng.random((h, w)) < 0.2)
            kw = {"cmap": "RdBu_r"}
        if trial % 7 == 3:  # over a picture, translucent: a colour map with an alpha, or RGBA
            ax.imshow(rng.integers(0, 256, (9, 13, 4), dtype=np.uint8), interpolation="nearest")
            if data.ndim == 2:
                kw["alpha"] = float(rng.uniform(0.05, 0.95))
            else:
                data = np.dstack([data, rng.random((h, w))]) if data.dtype != np.uint8 else data
        image = ax.imshow(data, interpolation="nearest", origin=("upper", "lower")[trial % 2],
                          extent=None if trial % 3 else (-3.0, 10.0, 7.0, -2.0),
                          aspect=("equal", "auto")[trial // 2 % 2], **kw)
        if trial % 4 == 0:  # zoomed in: part of the image is clipped by the axes
            ax.set_xlim(ax.get_xlim()[0] + 0.3 * np.diff(ax.get_xlim())[0], ax.get_xlim()[1])
        drawn, pasted, done = _drawn_and_pasted(image)
        assert done
        np.testing.assert_array_equal(pasted, drawn, err_msg=f"trial {trial}")


def test_paste_image_takes_auto_images_where_matplotlib_samples_them_nearest():
    # "auto" (the default) is nearest sampling above 3x magnification, antialiasing below.
    from matplotlib.figure import Figure

    rng = np.random.default_rng(3)
    pasted_some = declined_some = False
    for trial in range(30):
        fig = Figure(figsize=(rng.uniform(2, 6), rng.uniform(2, 4)), dpi=80)
        ax = fig.add_subplot(1, 1, 1)
        h, w = (int(v) for v in rng.integers(2, 120, 2))
        data = np.ma.masked_array(rng.normal(size=(h, w)), rng.random((h, w)) < 0.1 * (trial % 2))
        image = ax.imshow(data, cmap="viridis", aspect="auto",
                          interpolation=("auto", "antialiased")[trial % 2])
        drawn, pasted, done = _drawn_and_pasted(image)
        magnified = min(ax.bbox.width / w, ax.bbox.height / h)
        if magnified > 3.01:
            assert done, f"trial {trial}: {magnified:.2f}x should be pasted"
            np.testing.assert_array_equal(pasted, drawn, err_msg=f"trial {trial}")
            pasted_some = True
        elif magnified < 2.99:
            assert not done, f"trial {trial}: {magnified:.2f}x is antialiased by matplotlib"
            declined_some = True
    assert pasted_some and declined_some


def test_paste_image_settles_exact_ties_as_matplotlib():
    # Whole-number ratios put pixel centres exactly on borders between samples.
    from matplotlib.figure import Figure

    rng = np.random.default_rng(1)
    for n, side, origin in ((64, 200, "upper"), (256, 230, "lower"), (128, 40, "upper"),
                            (200, 100, "lower"), (7, 301, "upper"), (100, 200, "lower")):
        fig = Figure(figsize=(side / 100, side / 100), dpi=100)
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
        data = rng.integers(0, 256, (n, n + 3), dtype=np.uint8)
        image = ax.imshow(data, interpolation="nearest", cmap="gray", vmin=0, vmax=255,
                          aspect="auto", origin=origin)
        drawn, pasted, done = _drawn_and_pasted(image)
        assert done
        # Identical, except that Agg's fixed-point interpolation may settle a tie the other way
        # in the image's last column of pixels (the axes' last one here).
        rows, cols = np.nonzero((drawn != pasted).any(axis=2))
        last = int(round(ax.bbox.x1)) - 1
        assert set(cols.tolist()) <= {last}, f"{n} on {side} px, {origin}: columns {set(cols)}"
        assert rows.size <= 0.2 * ax.bbox.height


def test_paste_image_declines_what_it_does_not_cover_and_checks_its_arguments():
    from matplotlib.figure import Figure

    from helpers.widgets._draw import paste_image

    def image(**kw):
        fig = Figure(figsize=(3, 2), dpi=80)
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
        return ax.imshow(kw.pop("X", np.eye(5)), **{"interpolation": "nearest", **kw})

    canvas = np.zeros((160, 240, 4), np.uint8)
    for declined in (image(interpolation="bilinear"), image(alpha=np.full((5, 5), 0.5)),
                     image(X=np.ones((5, 5, 3)), alpha=0.5)):
        assert paste_image(canvas, declined) is False
    eight_bit = image(X=np.full((5, 5, 4), 200, np.uint8))  # translucent 8-bit RGBA
    assert paste_image(canvas, eight_bit) is False
    logy = image()
    logy.axes.set_yscale("log")
    assert paste_image(canvas, logy) is False
    assert not canvas.any()  # declining paints nothing
    # Translucent pixels (an RGBA image) blend over the canvas exactly as Agg blends them.
    fig = Figure(figsize=(3, 2), dpi=80)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    translucent = ax.imshow(np.random.default_rng(2).random((20, 30, 4)),
                            interpolation="nearest")
    drawn, pasted, done = _drawn_and_pasted(translucent)
    assert done
    np.testing.assert_array_equal(pasted, drawn)
    with pytest.raises(ValueError, match=r"pixels must be an \(H, W, 4\) uint8 RGBA canvas"):
        paste_image(canvas[..., :3], image())
    with pytest.raises(TypeError, match="image must be a matplotlib AxesImage; got list"):
        paste_image(canvas, [])


def test_explorers_paste_their_images():
    # The blitted update pastes its nearest-sampled images: same picture as drawing them.
    from helpers.widgets import restoration as R

    ex = R.wiener_explorer(np.random.default_rng(3).random((64, 80)))
    ex.set(balance=1e-3)
    pasted = ex.image.value
    calls = []
    import helpers.widgets._base as base

    real = base.paste_image
    try:
        base.paste_image = lambda pixels, artist: calls.append(artist) or False  # declines all
        ex._background = None  # redraw from scratch, every image through matplotlib
        ex.update()
    finally:
        base.paste_image = real
    assert len(calls) == 3 and ex.image.value == pasted


def test_text_memo_replays_exactly_what_matplotlib_draws():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from helpers.widgets._draw import TextMemo

    def scene():
        fig = Figure(figsize=(4, 3), dpi=80)
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.7))
        image = ax.imshow(np.zeros((4, 4)), cmap="gray", vmin=0, vmax=1)
        title = ax.set_title("")
        label = ax.text(1.5, 1.5, "", ha="left", va="top", color="red", rotation=20)
        boxed = ax.text(0.5, 2.5, "", fontsize=7, bbox={"fc": "lime", "ec": "k", "pad": 1.5,
                                                         "lw": 2})
        for artist in (image, title, label, boxed):
            artist.set_animated(True)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return fig, canvas, canvas.copy_from_bbox(fig.bbox), image, title, label, boxed

    memo = TextMemo(capacity=6)
    ours, plain = scene(), scene()
    steps = [("a 5x5", 0.0), ("b 7x7", 0.0), ("a 5x5", 0.0), ("b 7x7", 1.0), ("a 5x5", 0.0),
             ("c", 0.0), ("d", 0.0), ("e", 0.0), ("a 5x5", 0.0)]
    for k, (words, shade) in enumerate(steps):
        for (fig, canvas, background, image, title, label, boxed), replay in ((ours, True),
                                                                              (plain, False)):
            canvas.restore_region(background)
            image.set_data(np.full((4, 4), shade))
            title.set_text(words)
            label.set_text(words.upper())
            boxed.set_text(words[:1] + " 0.93")
            pixels = np.asarray(canvas.buffer_rgba())
            fig.draw_artist(image)
            for text in (title, label, boxed):
                if not (replay and memo.draw(pixels, text)):
                    fig.draw_artist(text)
        np.testing.assert_array_equal(np.asarray(ours[1].buffer_rgba()),
                                      np.asarray(plain[1].buffer_rgba()), err_msg=f"step {k}")
    # Replayed: step 2's title, label and boxed label; step 3's title (the image under the
    # labels changed, so they were drawn again); step 4's three texts (the image is back as it
    # was). The last "a 5x5" texts had been pushed out by c, d and e (6 texts kept).
    assert memo.hits == 7
    assert len(memo._entries) == 6


def test_text_memo_declines_what_it_does_not_replay_and_checks_its_arguments():
    from matplotlib.figure import Figure

    from helpers.widgets._draw import TextMemo

    fig = Figure(figsize=(3, 2), dpi=80)
    ax = fig.add_subplot()
    canvas = np.zeros((160, 240, 4), np.uint8)
    memo = TextMemo()
    hatched = ax.text(0.5, 0.5, "boxed", bbox={"facecolor": "yellow", "hatch": "//"})
    arrow = ax.annotate("note", (0.2, 0.2), (0.5, 0.5), arrowprops={"arrowstyle": "->"})
    hidden = ax.text(0.5, 0.5, "hidden", visible=False)
    empty = ax.text(0.5, 0.5, "")
    for text in (hatched, arrow, hidden, empty):
        assert memo.draw(canvas, text) is False
    assert not canvas.any() and memo.hits == 0
    with pytest.raises(ValueError, match=r"pixels must be an \(H, W, 4\) uint8 RGBA canvas"):
        memo.draw(canvas[..., 0], empty)
    with pytest.raises(TypeError, match="text must be a matplotlib Text; got Line2D"):
        memo.draw(canvas, ax.plot([0, 1])[0])
    for capacity in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="capacity must be a positive int"):
            TextMemo(capacity)


@pytest.mark.parametrize("name", ["conv", "wiener_balance", "architecture", "gradcam",
                                  "centernet"])
def test_explorers_replaying_texts_show_the_same_pictures(name, monkeypatch):
    # The same control changes, there and back, with texts replayed and with every text drawn
    # by matplotlib: byte-identical pictures.
    from helpers.widgets import BENCH_FACTORIES, load_all
    from helpers.widgets._draw import TextMemo

    load_all()
    changes = BENCH_FACTORIES[name]().bench_changes(8)
    changes += changes[::-1]
    replayed = BENCH_FACTORIES[name]()
    shown = []
    for control, value in changes:
        replayed.controls[control].value = value
        shown.append(replayed.image.value)
    assert replayed._texts.hits > 0
    monkeypatch.setattr(TextMemo, "draw", lambda self, pixels, text: False)
    drawn = BENCH_FACTORIES[name]()
    for k, (control, value) in enumerate(changes):
        drawn.controls[control].value = value
        assert drawn.image.value == shown[k], f"{name}: picture {k} differs"


def test_grid_explorers_stamp_their_cell_values():
    from helpers.widgets.conv import conv_explorer

    ex = conv_explorer(padding=1)
    assert ex.stamped and not set(map(id, ex.stamped)) & set(map(id, ex.dynamic))
    before = ex.image.value
    ex.set(step=5)
    assert ex.image.value != before and ex.last_update_ms < 1000


class Counted(Doubler):
    """Doubler that counts its updates."""

    def update(self):
        self.updates = getattr(self, "updates", 0) + 1
        super().update()


def test_a_change_from_python_updates_at_once_even_inside_an_event_loop():
    import asyncio

    async def cell():  # an async cell: a running loop, but the change comes from Python
        ex = Counted()
        ex.controls["n"].value = 3
        return ex.readout.value, ex.updates

    assert asyncio.run(cell()) == ("value 6", 2)  # the first draw, then the change
    ex = Counted()
    ex.controls["n"].set_state({"value": 4})  # as from the browser, but no loop: at once
    assert ex.readout.value == "value 8" and ex.updates == 2


def test_browser_changes_update_after_the_message_and_share_one_update():
    import asyncio

    async def kernel():
        ex = Counted()
        slider = ex.controls["n"]
        slider.set_state({"value": 2})  # what the kernel does with the browser's message
        pending = ex.readout.value, ex.updates
        slider.set_state({"value": 5})  # a second message before the loop turns
        slider.set_state({"value": 3})
        await asyncio.sleep(0)
        settled = ex.readout.value, ex.updates, ex.result["image"][0, 0]
        slider.set_state({"value": -1})  # a refused setting, deferred like any other
        await asyncio.sleep(0)
        return pending, settled, ex.error, ex.updates

    pending, settled, error, updates = asyncio.run(kernel())
    assert pending == ("value 2", 1)          # acknowledged, not yet drawn
    assert settled == ("value 6", 2, 6)       # one update, with the latest value
    assert error == "n must be >= 0; got -1" and updates == 3


def _browser_state(control, value) -> dict:
    """The state the browser sends for ``control`` taking ``value`` (selections send index)."""
    if "index" in control.keys and hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return {"index": values.index(value)}
    return {"value": value}


def test_every_explorer_draws_a_browser_change_once_after_the_message():
    import asyncio

    load_all()

    async def kernel(ex, name, value):
        calls = []
        update = ex.update
        ex.update = lambda: (calls.append(1), update())
        ex.controls[name].set_state(_browser_state(ex.controls[name], value))
        acknowledged = len(calls)
        await asyncio.sleep(0)
        return acknowledged, len(calls)

    for bench_name, factory in BENCH_FACTORIES.items():
        ex = factory()
        changes = [(n, v) for n, v in ex.bench_changes(6) if v != ex.controls[n].value]
        if not changes:
            continue
        name, value = changes[0]
        assert asyncio.run(kernel(ex, name, value)) == (0, 1), (bench_name, name)
