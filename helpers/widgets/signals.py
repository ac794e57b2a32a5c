"""Explorer for chapters/18_conv_1d_3d.ipynb: a 1-D convolution (stack) sliding over a signal.

The top panel is the input signal with the samples one output depends on (orange) and its
receptive field (shaded); the bottom panel is the output of the stack, each value drawn under
the centre of its receptive field, so input and output line up.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from .. import conv
from .._validation import as_array, check_int
from ..signals import SIGNAL_KERNELS, signal_kernel
from ._base import Explorer, register_bench

__all__ = ["SignalConvExplorer", "signal_conv_explorer"]


class SignalConvExplorer(Explorer):
    """Kernel, size, stride, dilation and layers -> the output, its length and receptive field."""

    figsize = (9.0, 4.2)

    def __init__(self, signal: np.ndarray, kind: str = "average", size: int = 5,
                 stride: int = 1, dilation: int = 1, layers: int = 1) -> None:
        self.signal = _check_arguments(signal, kind, size, stride, dilation, layers)
        self._init = {"kind": kind, "size": size, "stride": stride, "dilation": dilation,
                      "layers": layers}
        super().__init__()

    def _build(self) -> None:
        style = {"description_width": "initial"}
        v = self._init
        self.controls = {
            "kind": W.Dropdown(options=list(SIGNAL_KERNELS), value=v["kind"],
                               description="kernel", style=style),
            "size": W.IntSlider(value=v["size"], min=1, max=15, description="kernel size k",
                                style=style),
            "stride": W.IntSlider(value=v["stride"], min=1, max=4, description="stride s",
                                  style=style),
            "dilation": W.IntSlider(value=v["dilation"], min=1, max=8, description="dilation d",
                                    style=style),
            "layers": W.IntSlider(value=v["layers"], min=1, max=4,
                                  description="layers (same kernel)", style=style),
            "position": W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01,
                                      description="output position (fraction)", style=style),
        }
        top, bottom = self.figure.subplots(2, 1, sharex=True)
        n = len(self.signal)
        xs = np.arange(n)
        top.plot(xs, self.signal, color="0.4", lw=1, label="input")
        self._span = top.axvspan(0, 1, color="tab:orange", alpha=0.18, label="receptive field")
        (self._taps,) = top.plot([], [], "o", ms=3.5, color="tab:orange",
                                 label="samples it reads")
        top.set_ylabel("input")
        top.legend(loc="upper right", fontsize=8, ncols=3)
        lo, hi = float(self.signal.min()), float(self.signal.max())
        pad = 0.1 * (hi - lo or 1.0)
        top.set_ylim(lo - pad, hi + pad * 4)
        (self._out,) = bottom.plot([], [], ".-", color="tab:blue", lw=1, ms=3)
        (self._here,) = bottom.plot([], [], "o", ms=8, mfc="none", mec="tab:red", mew=2)
        self._zero = bottom.axhline(0, color="0.75", lw=0.8)
        self._range = bottom.text(0.005, 0.96, "", transform=bottom.transAxes, fontsize=9,
                                  va="top", color="0.3")
        bottom.set_xlim(-1, n)
        bottom.set_yticks([])  # the range changes with every setting: written as text instead
        bottom.set_xlabel("input sample (each output drawn under the centre of its field)")
        bottom.set_ylabel("output")
        self._top, self._bottom = top, bottom
        self.dynamic = [self._span, self._taps, self._zero, self._out, self._here, self._range]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        k, s, d, layers = v["size"], v["stride"], v["dilation"], v["layers"]
        w = signal_kernel(v["kind"], k)
        y = self.signal[None, None]
        lengths = [len(self.signal)]
        for _ in range(layers):  # the same layer applied `layers` times
            y = conv.conv1d(y, w[None, None], stride=s, dilation=d)
            lengths.append(y.shape[-1])
        out = y[0, 0]
        ks, ss, ds = [k] * layers, [s] * layers, [d] * layers
        field = conv.receptive_field_size(ks, ss, ds)
        jump = s**layers
        centres = np.arange(len(out)) * jump + (field - 1) / 2
        t = min(int(round(v["position"] * (len(out) - 1))), len(out) - 1)
        taps = conv.input_dependencies(t, ks, ss, ds)
        return {"kernel": w, "out": out, "lengths": lengths, "field": field, "index": t,
                "taps": taps, "centres": centres, "params": (k, s, d, layers)}

    def draw(self, result: dict[str, Any]) -> str:
        k, s, d, layers = result["params"]
        taps, out, centres, t = result["taps"], result["out"], result["centres"], result["index"]
        self._taps.set_data(taps, self.signal[taps])
        self._span.set_x(taps[0] - 0.5)
        self._span.set_width(taps[-1] - taps[0] + 1)
        self._out.set_data(centres, out)
        self._here.set_data([centres[t]], [out[t]])
        lo, hi = min(float(out.min()), 0.0), max(float(out.max()), 0.0)
        pad = 0.08 * (hi - lo or 1.0)
        self._bottom.set_ylim(lo - pad, hi + pad)  # no ticks: blitting stays valid
        self._range.set_text(f"output from {out.min():.3g} to {out.max():.3g} "
                             f"({len(out)} values)")
        steps = " &rarr; ".join(str(n) for n in result["lengths"])
        gaps = result["field"] - len(taps)
        return (
            f"length per layer: L' = &lfloor;(L &minus; d(k &minus; 1) &minus; 1) / s&rfloor; + 1"
            f" with k={k}, d={d}, s={s}: {steps}<br>"
            f"receptive field r = 1 + &Sigma; (k &minus; 1) d &prod;s = <b>{result['field']}</b> "
            f"input samples for output {t}; it reads {len(taps)} of them"
            + (f" ({gaps} skipped: the same dilation in every layer leaves holes)"
               if gaps else "")
        )


def signal_conv_explorer(signal: np.ndarray, *, kind: str = "average", size: int = 5,
                         stride: int = 1, dilation: int = 1,
                         layers: int = 1) -> SignalConvExplorer:
    """The 1-D convolution explorer on ``signal`` (returned, not displayed).

    Parameters
    ----------
    signal : (L,) array_like
        16 to 2,048 finite samples (a row of a photo, an ECG trace).
    kind : {"average", "gaussian", "derivative"}
        Initial kernel (:func:`helpers.signals.signal_kernel`).
    size, stride, dilation, layers : int
        Initial kernel size (1-15), stride (1-4), dilation (1-8) and number of stacked
        layers (1-4).

    Returns
    -------
    SignalConvExplorer

    Examples
    --------
    >>> ex = signal_conv_explorer(np.sin(np.linspace(0, 6, 64)), size=3)
    >>> len(ex.result["out"]), ex.result["field"]
    (62, 3)
    """
    return SignalConvExplorer(signal, kind, size, stride, dilation, layers)


def _check_arguments(signal: Any, kind: Any, size: Any, stride: Any, dilation: Any,
                     layers: Any) -> np.ndarray:
    """The explorer's arguments, validated (the class and the factory share it)."""
    signal = as_array(signal, "signal", ndim=1, shape_hint="(L,)").astype(np.float64)
    if not 16 <= len(signal) <= 2048:
        raise ValueError(f"signal must have 16 to 2,048 samples; got {len(signal)}")
    if kind not in SIGNAL_KERNELS:
        signal_kernel(kind, size)  # raises the message naming the choices
    for name, value, lo, hi in (("size", size, 1, 15), ("stride", stride, 1, 4),
                                ("dilation", dilation, 1, 8), ("layers", layers, 1, 4)):
        check_int(value, name, min=lo, max=hi)
    return signal


@register_bench("signal_conv")
def _bench_signal_conv() -> SignalConvExplorer:
    from ..data import load_photo
    from ..image import as_float_image

    row = as_float_image(load_photo("grace_hopper", gray=True))[200, ::2]  # 256 samples
    return signal_conv_explorer(row, size=5, dilation=2, layers=2)
