"""helpers.widgets.signals: the 1-D convolution explorer, driven from Python."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import conv, signals
from helpers.widgets.signals import signal_conv_explorer


def test_explorer_computes_with_the_helpers():
    x = np.sin(np.linspace(0, 12, 200))
    ex = signal_conv_explorer(x, kind="derivative", size=3)
    want = conv.conv1d(x[None, None], signals.signal_kernel("derivative", 3)[None, None])[0, 0]
    np.testing.assert_allclose(ex.result["out"], want)
    assert ex.result["field"] == 3 and "<b>3</b>" in ex.readout.value
    ex.set(layers=2, dilation=2, size=3, stride=1)
    assert ex.result["field"] == conv.receptive_field_size([3, 3], dilations=[2, 2]) == 9
    assert len(ex.result["taps"]) == 5 and "4 skipped" in ex.readout.value
    assert ex.result["lengths"] == [200, 196, 192]
    ex.set(stride=2, layers=3, position=1.0)
    t = ex.result["index"]
    assert t == len(ex.result["out"]) - 1
    np.testing.assert_array_equal(ex.result["taps"],
                                  conv.input_dependencies(t, [3] * 3, [2] * 3, [2] * 3))


def test_explorer_survives_settings_with_no_output():
    ex = signal_conv_explorer(np.arange(32.0), size=15)
    ex.set(dilation=8, layers=4)
    assert ex.error is not None and "does not fit" in ex.readout.value
    ex.set(dilation=1, layers=1)
    assert ex.error is None


def test_factory_validates():
    with pytest.raises(ValueError, match="signal must have 16 to 2,048 samples"):
        signal_conv_explorer(np.zeros(4))
    with pytest.raises(ValueError, match="signal must be 1-D"):
        signal_conv_explorer(np.zeros((20, 2)))
    with pytest.raises(ValueError, match="kind must be one of"):
        signal_conv_explorer(np.zeros(20), kind="median")
    with pytest.raises(ValueError, match="dilation must be an integer >= 1 and <= 8"):
        signal_conv_explorer(np.zeros(20), dilation=9)
