"""The Explorer machinery: updates, error display, blitted renders, bench changes."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pytest

from helpers.widgets import BENCH_FACTORIES, Explorer, load_all
from helpers.widgets._base import downscale


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
    assert ex.readout.value == "value 2" and first[:4] == b"\x89PNG"
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


def test_explorer_displays_as_its_widget():
    bundle = Doubler()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
