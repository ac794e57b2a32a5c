"""Explorers for chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

* :func:`kalman_explorer`: one walker, its detections (some missed), and the Kalman filter's
  predicted and updated boxes with their 2-sigma uncertainty, under process / measurement noise
  sliders.
* :func:`sort_explorer`: a sequence played back with SORT's track IDs, with IoU-threshold and
  max_age sliders.
* :func:`deep_sort_explorer`: SORT and Deep SORT side by side on the same frames, with
  max_cosine_distance, max_age and n_init sliders.

The playback explorers run the trackers for every slider setting when they are built (a few
seconds), so that moving a slider only looks results up and redraws: a learner sees each
setting at once, within the course's 50 ms budget.
"""

from __future__ import annotations

import functools
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from .._validation import check_choice, check_float, check_instance, check_int
from ..tracking.deep_sort import DeepSortTracker
from ..tracking.detector import Detections, simulate_detections
from ..tracking.kalman import KalmanBoxFilter, SortKalmanFilter, filter_sequence
from ..tracking.pipeline import track_sequence
from ..tracking.scene import Scene, make_scene, render_frame
from ..tracking.sort import SortTracker
from ._base import PHOTO_JPEG, Explorer, downscale, register_bench
from ._draw import box_segments, covariance_ellipse

__all__ = [
    "DeepSortExplorer",
    "KalmanExplorer",
    "SortExplorer",
    "deep_sort_explorer",
    "kalman_explorer",
    "scaled_filter",
    "sort_explorer",
]

_STYLE = {"description_width": "initial"}
_PALETTE = np.array([
    (0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
    (0.58, 0.4, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.5, 0.5, 0.5),
    (0.74, 0.74, 0.13), (0.09, 0.75, 0.81), (0.0, 0.0, 0.55), (1.0, 0.84, 0.0),
])
_MIN_SCORE = 0.3


#: Colours of the Kalman explorer: one hue per kind of box, distinct on the camera image.
_KALMAN_COLOURS = {"truth": "#ffd21f", "detection": "#ff2bd6", "predicted": "#ff7f0e",
                   "updated": "#1fb4ff"}


def scaled_filter(kalman: KalmanBoxFilter | SortKalmanFilter, process: float,
                  measurement: float) -> KalmanBoxFilter | SortKalmanFilter:
    """The same filter with its process and measurement noise standard deviations scaled.

    Parameters
    ----------
    kalman : KalmanBoxFilter or SortKalmanFilter
    process, measurement : float in [1e-3, 1e3]
        Factors on the standard deviations of ``Q`` and of ``R`` (variances scale by the
        square); the initial covariance is left as it is.

    Examples
    --------
    >>> scaled_filter(SortKalmanFilter(), 2.0, 1.0).process_var[:2]
    (4.0, 4.0)
    """
    check_instance(kalman, "kalman", (KalmanBoxFilter, SortKalmanFilter),
                   "a KalmanBoxFilter or a SortKalmanFilter")
    process = check_float(process, "process", min=1e-3, max=1e3)
    measurement = check_float(measurement, "measurement", min=1e-3, max=1e3)
    if isinstance(kalman, SortKalmanFilter):
        return SortKalmanFilter(process_var=tuple(v * process**2 for v in kalman.process_var),
                                measurement_var=tuple(v * measurement**2
                                                      for v in kalman.measurement_var),
                                initial_var=kalman.initial_var)
    return KalmanBoxFilter(std_weight_position=kalman.std_weight_position * process,
                           std_weight_velocity=kalman.std_weight_velocity * process,
                           std_weight_measurement=kalman.std_weight_measurement * measurement)


def _check_scene_detections(scene: Any, detections: Any) -> tuple[Scene, Detections]:
    """A Scene and its Detections (same frame count), refused by name otherwise."""
    check_instance(scene, "scene", Scene, "a Scene (from make_scene())")
    check_instance(detections, "detections", Detections,
                   "a Detections (from simulate_detections(scene))")
    if detections.n_frames != scene.n_frames:
        raise ValueError(f"detections must cover the scene's {scene.n_frames} frames; got "
                         f"{detections.n_frames} - simulate them with simulate_detections(scene)")
    return scene, detections


class KalmanExplorer(Explorer):
    """One walker's detections through the Kalman filter, with noise sliders and a frame slider."""

    figsize = (9.6, 3.9)
    dpi = 100  # rendered at about the size it is shown (960 px), so the text stays sharp
    window = 110  # half-size of the view around the walker, in pixels
    RUNS_KEPT = 64  # filter runs kept (about 120 KB each for 150 frames)
    jpeg_options = PHOTO_JPEG  # photographic panels

    #: The two filters the explorer runs (their papers' settings, scaled by the sliders).
    FILTERS = {"SORT's filter (u, v, s, r), fixed noise": SortKalmanFilter(),
               "Deep SORT's filter (x, y, a, h), noise x box height": KalmanBoxFilter()}

    def __init__(self, scene: Scene, detections: Detections, walker: int,
                 kalman: str = "sort") -> None:
        kalman = check_choice(kalman, "kalman", ("sort", "deep_sort"))
        scene, detections = _check_scene_detections(scene, detections)
        walker = check_int(walker, "walker", min=0)
        if walker not in scene.ids:
            known = np.unique(scene.ids)
            raise ValueError(f"walker must be the id of one of the scene's {len(known)} walkers "
                             f"({int(known.min())} to {int(known.max())}); got {walker}")
        self.scene = scene
        self._initial_filter = list(self.FILTERS)[0 if kalman == "sort" else 1]
        ids = scene.ids == walker
        self.frames = scene.frames[ids]
        self.truth = scene.boxes[ids]
        # The walker's own detection in each frame it is alive (None when the detector missed).
        self.measured = []
        for t in self.frames:
            boxes, _ = detections.at(int(t))
            src = detections.sources_at(int(t))
            mine = boxes[src == walker]
            self.measured.append(mine[0] if len(mine) else None)
        # The filters' inputs: their measurement per frame (SORT's xysr, Deep SORT's xyah), a
        # row of NaN where the detector missed the walker.
        self.measurements = {}
        for name, kf in self.FILTERS.items():
            z_all = np.full((len(self.frames), 4), np.nan)
            for k, z in enumerate(self.measured):
                if z is not None:
                    z_all[k] = kf.box_to_measurement(z[None])[0]
            self.measurements[name] = z_all
        self._patches: dict[int, np.ndarray] = {}
        self._runs: dict[tuple, tuple] = {}  # filter runs by setting, oldest first
        super().__init__()

    def _build(self) -> None:
        c = _KALMAN_COLOURS
        self.controls = {
            "kalman": W.Dropdown(options=list(self.FILTERS), value=self._initial_filter,
                                 description="motion model", style=_STYLE,
                                 layout=W.Layout(width="480px")),
            "process_noise": W.FloatLogSlider(
                value=1.0, base=10, min=-2, max=2, step=0.25, style=_STYLE,
                description="process noise (std, times the paper's)",
                readout_format=".2f", layout=W.Layout(width="480px")),
            "measurement_noise": W.FloatLogSlider(
                value=1.0, base=10, min=-2, max=2, step=0.25, style=_STYLE,
                description="measurement noise (std, times the paper's)",
                readout_format=".2f", layout=W.Layout(width="480px")),
            "frame": W.IntSlider(value=min(40, len(self.frames) - 1), min=1,
                                 max=len(self.frames) - 1, style=_STYLE,
                                 description="frame (since the walker appeared)",
                                 layout=W.Layout(width="480px")),
        }
        ax, tx = self.figure.subplots(1, 2, width_ratios=[1, 1.7])
        w = self.window
        self._img = ax.imshow(np.zeros((2 * w, 2 * w, 3), np.uint8), extent=(-w, w, w, -w),
                              interpolation="nearest")
        ax.set_xlim(-w, w)
        ax.set_ylim(w, -w)
        ax.set_axis_off()
        ax.set_title("the camera around the walker", fontsize=10)
        self._boxes = {
            "truth": ax.add_collection(LineCollection([], colors=c["truth"], lw=2.2)),
            "detection": ax.add_collection(LineCollection([], colors=c["detection"], lw=2.2,
                                                          linestyles=(0, (4, 2)))),
            "predicted": ax.add_collection(LineCollection([], colors=c["predicted"], lw=1.6,
                                                          linestyles=(0, (1.5, 1.5)))),
            "updated": ax.add_collection(LineCollection([], colors=c["updated"], lw=2.6)),
        }
        self._det_mark, = ax.plot([], [], "+", color=c["detection"], ms=14, mew=2.5)
        self._ell_pred, = ax.plot([], [], color=c["predicted"], lw=1.2)
        self._ell_upd, = ax.plot([], [], color=c["updated"], lw=1.2)
        handles = [Line2D([], [], color=c["truth"], lw=2.2, label="truth"),
                   Line2D([], [], color=c["detection"], lw=2.2, ls=(0, (4, 2)), marker="+",
                          ms=9, label="detection"),
                   Line2D([], [], color=c["predicted"], lw=1.6, ls=(0, (1.5, 1.5)),
                          label="predicted (+ 2-sigma ellipse)"),
                   Line2D([], [], color=c["updated"], lw=2.6, label="updated")]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2,
                  fontsize=8.5, frameon=False, handlelength=2.4, columnspacing=1.0)
        t = np.arange(len(self.frames))
        cx = (self.truth[:, 0] + self.truth[:, 2]) / 2
        has = np.array([m is not None for m in self.measured])
        mx = np.array([(m[0] + m[2]) / 2 for m in self.measured if m is not None])
        # Axis limits from what is measured and true: the band is clipped to them, never
        # stretching the plot when it widens over a long gap.
        lo = min(cx.min(), mx.min() if len(mx) else cx.min()) - 40
        hi = max(cx.max(), mx.max() if len(mx) else cx.max()) + 40
        self._ylim = (lo, hi)
        self._band = tx.fill_between(t, cx, cx, color=c["updated"], alpha=0.22, lw=0,
                                     label="filtered +/- 2 sigma")
        tx.plot(t, cx, color="#2a9d2a", lw=2.0, label="truth")
        tx.plot(t[has], mx, "o", color=c["detection"], ms=3.5, label="detections")
        self._filt, = tx.plot(t, cx, color="#0a6ebd", lw=1.6, label="filtered")
        missed = np.flatnonzero(~has)
        tx.plot(missed, np.full(len(missed), lo + 8), "|", color="0.35", ms=7,
                label="missed frames")
        self._now = tx.axvline(0, color="k", lw=1.0)
        tx.set_xlabel("frames since the walker appeared", fontsize=10)
        tx.set_ylabel("box centre x (px)", fontsize=10)
        tx.tick_params(labelsize=9)
        tx.legend(fontsize=8.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        tx.set_ylim(lo, hi)
        tx.set_xlim(0, len(t) - 1)
        self._t = t
        self.dynamic = [self._img, *self._boxes.values(), self._det_mark, self._ell_pred,
                        self._ell_upd, self._band, self._filt, self._now]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        kf, (pred_m, pred_c, upd_m, upd_c) = self._filtered(v["kalman"], v["process_noise"],
                                                            v["measurement_noise"])
        truth_c = (self.truth[:, :2] + self.truth[:, 2:]) / 2
        has = np.array([z is not None for z in self.measured])
        det_c = np.array([(z[:2] + z[2:]) / 2 for z in self.measured if z is not None])
        # Compare like with like: on frames with a detection, raw vs filtered centre; on missed
        # frames, how far the prediction alone drifts.
        det_err = np.hypot(*(det_c - truth_c[has]).T)
        filt_err = np.hypot(*(upd_m[has, :2] - truth_c[has]).T)
        missed = ~has & ~np.isnan(pred_m[:, 0])
        pred_err = np.hypot(*(pred_m[missed, :2] - truth_c[missed]).T)
        return {"kalman": kf, "pred_mean": pred_m, "pred_cov": pred_c, "upd_mean": upd_m,
                "upd_cov": upd_c,
                "detection_error": float(det_err.mean()), "filtered_error": float(filt_err.mean()),
                "missed_error": float(pred_err.mean()) if missed.any() else float("nan"),
                "frame": v["frame"]}

    def _filtered(self, kalman: str, process: float, measurement: float) -> tuple:
        """The scaled filter and its run over the walker's sequence (filter_sequence's four
        arrays, read-only), kept for the last settings seen: moving the frame slider, or back
        to a noise setting, does not filter the sequence again (about 6 ms)."""
        key = (kalman, float(process), float(measurement))
        if key not in self._runs:
            kf = scaled_filter(self.FILTERS[kalman], process, measurement)
            arrays = filter_sequence(kf, self.measurements[kalman])
            for a in arrays:
                a.setflags(write=False)
            self._runs[key] = (kf, arrays)
            while len(self._runs) > self.RUNS_KEPT:
                self._runs.pop(next(iter(self._runs)))
        return self._runs[key]

    def _patch(self, k: int) -> np.ndarray:
        if k not in self._patches:
            t = int(self.frames[k])
            c = ((self.truth[k, :2] + self.truth[k, 2:]) / 2).round().astype(int)
            w = self.window
            frame = np.pad(render_frame(self.scene, t), ((w, w), (w, w), (0, 0)))
            self._patches[k] = _rgba(frame[c[1]:c[1] + 2 * w, c[0]:c[0] + 2 * w])
        return self._patches[k]

    def draw(self, r: dict[str, Any]) -> str:
        k = r["frame"]
        centre = (self.truth[k, :2] + self.truth[k, 2:]) / 2
        shift = np.r_[centre, centre]
        self._img.set_data(self._patch(k))
        self._boxes["truth"].set_segments(box_segments(self.truth[k] - shift))
        z = self.measured[k]
        self._boxes["detection"].set_segments(box_segments(z - shift) if z is not None else [])
        self._det_mark.set_data(*(([(z[0] + z[2]) / 2 - centre[0]], [(z[1] + z[3]) / 2 - centre[1]])
                                  if z is not None else ([], [])))
        pm, um = r["pred_mean"][k], r["upd_mean"][k]
        kf = r["kalman"]
        self._boxes["predicted"].set_segments(
            box_segments(kf.state_to_box(pm[None])[0] - shift) if np.isfinite(pm[0]) else [])
        self._boxes["updated"].set_segments(
            box_segments(kf.state_to_box(um[None])[0] - shift) if z is not None else [])
        self._ell_pred.set_data(*(covariance_ellipse(pm[:2], r["pred_cov"][k][:2, :2]) - centre).T
                                if np.isfinite(pm[0]) else ([], []))
        self._ell_upd.set_data(*(covariance_ellipse(um[:2], r["upd_cov"][k][:2, :2]) - centre).T
                               if z is not None else ([], []))
        # The 2-sigma band, clipped to the axes: it may fill the plot while the walker is
        # hidden, but it never stretches the axes or runs off them.
        mean_x = r["upd_mean"][:, 0]
        sd = 2 * np.sqrt(r["upd_cov"][:, 0, 0])
        lo, hi = self._ylim
        ok = np.isfinite(mean_x)
        upper = np.clip(np.where(ok, mean_x + sd, np.nan), lo, hi)
        lower = np.clip(np.where(ok, mean_x - sd, np.nan), lo, hi)
        tt = self._t[ok]
        verts = np.concatenate([np.c_[tt, upper[ok]], np.c_[tt[::-1], lower[ok][::-1]]])
        self._band.set_verts([verts])
        self._filt.set_ydata(np.clip(mean_x, lo, hi))
        self._now.set_xdata([k, k])
        sx_pred = np.sqrt(r["pred_cov"][k][0, 0]) if np.isfinite(pm[0]) else float("nan")
        status = "detected" if z is not None else "<b>missed</b> (prediction only)"
        return (f"frame {k}: {status}; predicted x uncertainty sigma = {sx_pred:.1f} px. "
                f"Mean centre error on detected frames: raw detections "
                f"{r['detection_error']:.1f} px, filtered {r['filtered_error']:.1f} px; on missed "
                f"frames the prediction alone is {r['missed_error']:.1f} px off.")


def _check_frames(frames: Any) -> dict | None:
    """``frames``: None or a dict {frame index: rendered image}; refused clearly otherwise."""
    if frames is not None and not isinstance(frames, dict):
        raise TypeError("frames must be None or a dict {frame index: image} (as "
                        f"render_frame gives); got {type(frames).__name__}")
    return frames


class _Playback(Explorer):
    """Shared drawing of frames with coloured, numbered track boxes (one or two panels)."""

    panels: tuple[str, ...] = ("SORT",)
    dpi = 100  # rendered at about the size it is shown, so the ID labels stay legible
    jpeg_options = PHOTO_JPEG  # photographic panels
    frame_px = 480  # width at which each panel's frame is drawn

    def __init__(self, scene: Scene, detections: Detections,
                 frames: dict[int, np.ndarray] | None = None) -> None:
        self.scene, self.detections = scene, detections
        self._frames: dict[int, np.ndarray] = dict(_check_frames(frames) or {})
        self._step = scene.width / self.frame_px
        self.n_walkers = len(np.unique(scene.ids))
        super().__init__()

    def _frame(self, t: int) -> np.ndarray:
        if t not in self._frames:
            self._frames[t] = downscale(render_frame(self.scene, t), self.frame_px)
        frame = self._frames[t]
        if frame.shape[2] == 3:  # RGBA uint8 draws about 3x faster in matplotlib than RGB
            frame = self._frames[t] = _rgba(frame)
        return frame

    def _build_panels(self) -> None:
        axes = np.atleast_1d(self.figure.subplots(1, len(self.panels)))
        self._imgs, self._colls, self._titles = [], [], []
        h, w = self.scene.height / self._step, self.scene.width / self._step
        for ax, name in zip(axes, self.panels, strict=True):
            self._imgs.append(ax.imshow(self._frame(0), extent=(0, w, h, 0),
                                        interpolation="nearest"))
            ax.set_xlim(0, w)
            ax.set_ylim(h, 0)
            ax.set_axis_off()
            self._colls.append(ax.add_collection(LineCollection([], lw=2.0)))
            self._titles.append(ax.set_title(name, fontsize=10.5))
        self.dynamic = [*self._imgs, *self._colls, *self._titles]

    def _layout_controls(self) -> W.Widget:
        # A play button drives the frame slider in the browser (jslink: no Python round trip).
        play = W.Play(value=0, min=0, max=self.scene.n_frames - 1, interval=150,
                      description="play the frames", tooltip="play the frames")
        W.jslink((play, "value"), (self.controls["frame"], "value"))
        label = W.Label("play / pause / loop the frames:")
        return W.VBox([W.HBox([label, play, self.controls["frame"]]),
                       W.HBox([c for name, c in self.controls.items() if name != "frame"],
                              layout=W.Layout(flex_flow="row wrap"))])

    def _draw_panel(self, i: int, t: int, output: np.ndarray, title: str) -> None:
        boxes = output[:, :4] / self._step
        ids = output[:, 4].astype(int)
        colours = _PALETTE[ids % len(_PALETTE)]
        self._imgs[i].set_data(_stamp_labels(self._frame(t), boxes, ids, colours))
        self._colls[i].set_segments(box_segments(boxes))
        self._colls[i].set_color(colours)
        self._titles[i].set_text(title)


@functools.cache
def _digit_masks(size: float = 9.0) -> tuple[np.ndarray, ...]:
    """Alpha masks (h, w_i) in [0, 1] of the digits 0-9 in bold, rendered once."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    masks = []
    for d in "0123456789":
        fig = Figure(figsize=(0.3, 0.3), dpi=100)
        canvas = FigureCanvasAgg(fig)
        fig.text(0.5, 0.5, d, fontsize=size, fontweight="bold", ha="center", va="center",
                 color="k")
        canvas.draw()
        alpha = 1.0 - np.asarray(canvas.buffer_rgba())[..., 0] / 255.0
        masks.append(alpha)
    rows = np.flatnonzero(np.max([m.max(axis=1) for m in masks], axis=0) > 0.05)
    out = []
    for m in masks:
        m = m[rows[0]:rows[-1] + 1]
        cols = np.flatnonzero(m.max(axis=0) > 0.05)
        out.append(m[:, cols[0]:cols[-1] + 1])
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _id_label(tid: int) -> np.ndarray:
    """Coverage (h, w) in [0, 1] of track ``tid``'s label: its digits, one blank column after
    each, in a margin of two pixels (read-only; made once per ID)."""
    masks = _digit_masks()
    glyph = np.concatenate([np.pad(masks[int(c)], ((0, 0), (0, 1))) for c in str(tid)], axis=1)
    label = np.pad(glyph, 2).astype(np.float32)[..., None]
    label.setflags(write=False)
    return label


def _stamp_labels(frame: np.ndarray, boxes: np.ndarray, ids: np.ndarray,
                  colours: np.ndarray) -> np.ndarray:
    """Write each track's ID, white on its colour, above its box's top-left corner (a copy).

    Drawing the labels into the picture costs microseconds; as matplotlib text artists they
    were most of an update's time.
    """
    out = frame.copy()
    H, W = out.shape[:2]
    for (x1, y1, _, _), tid, colour in zip(boxes, ids, colours, strict=True):
        label = _id_label(int(tid))
        lh, lw = label.shape[:2]
        top, left = int(round(y1)) - lh, int(round(x1))
        top = min(max(top, 0), H - lh)
        left = min(max(left, 0), W - lw)
        if top < 0 or left < 0:
            continue
        bg = np.asarray(colour, np.float32) * 255
        out[top:top + lh, left:left + lw, :3] = (bg * (1 - label) + 255 * label).astype(np.uint8)
    return out


def _rgba(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W, 4) uint8, opaque: matplotlib draws it without converting."""
    out = np.empty(image.shape[:2] + (4,), np.uint8)
    out[..., :3] = image
    out[..., 3] = 255
    return out


def _selection(options: tuple, value: Any, description: str) -> W.SelectionSlider:
    return W.SelectionSlider(options=options, value=value, description=description,
                             style=_STYLE, layout=W.Layout(width="460px"))


def _frame_slider(n_frames: int) -> W.IntSlider:
    return W.IntSlider(value=0, min=0, max=n_frames - 1, description="frame", style=_STYLE,
                       layout=W.Layout(width="420px"))


def _n_ids(outputs: list[np.ndarray]) -> int:
    return len(np.unique(np.concatenate([o[:, 4] for o in outputs])))


class SortExplorer(_Playback):
    """A sequence played back with SORT's IDs; IoU threshold and max_age sliders."""

    figsize = (6.4, 3.9)
    frame_px = 640
    IOU_OPTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
    AGE_OPTIONS = (0, 1, 3, 10, 30)

    def __init__(self, scene: Scene, detections: Detections) -> None:
        scene, detections = _check_scene_detections(scene, detections)
        # Every setting, up front: sliders then only look results up (see the module docstring).
        self.runs = {
            (iou, age): track_sequence(SortTracker(iou_threshold=iou, max_age=age), detections,
                                       min_score=_MIN_SCORE)[0]
            for iou in self.IOU_OPTIONS for age in self.AGE_OPTIONS
        }
        super().__init__(scene, detections)

    def _build(self) -> None:
        self.controls = {
            "iou_threshold": _selection(self.IOU_OPTIONS, 0.3,
                                        "IoU threshold (smallest overlap that matches)"),
            "max_age": _selection(self.AGE_OPTIONS, 1,
                                  "max_age (frames a track survives unmatched)"),
            "frame": _frame_slider(self.scene.n_frames),
        }
        self._build_panels()

    def compute(self) -> dict[str, Any]:
        v = self.values()
        outputs = self.runs[(v["iou_threshold"], v["max_age"])]
        return {"outputs": outputs, "frame_output": outputs[v["frame"]], "n_ids": _n_ids(outputs),
                "frame": v["frame"]}

    def draw(self, r: dict[str, Any]) -> str:
        t = r["frame"]
        self._draw_panel(0, t, r["frame_output"], "SORT")
        ids, _, vis = self.scene.at(t)
        return (f"frame {t}: {len(r['frame_output'])} tracks reported, {int((vis >= 0.2).sum())} "
                f"walkers at least 20 % visible. Over the {self.scene.n_frames} frames SORT used "
                f"<b>{r['n_ids']} track IDs</b> for {self.n_walkers} walkers "
                "(every extra ID is a track that was lost and restarted).")


class DeepSortExplorer(_Playback):
    """SORT (paper settings) and Deep SORT side by side; Deep SORT's settings on sliders.

    The ``appearance`` switch turns Deep SORT's appearance term off (the motion-only ablation
    of the benchmark), so a learner can see what patience does and what appearance adds.
    """

    figsize = (9.6, 3.3)
    panels = ("SORT", "Deep SORT")
    COSINE_OPTIONS = (0.1, 0.2, 0.4)
    AGE_OPTIONS = (1, 10, 30)
    N_INIT_OPTIONS = (1, 3)

    def __init__(self, scene: Scene, detections: Detections, features: list[np.ndarray],
                 frames: dict[int, np.ndarray] | None = None) -> None:
        _check_frames(frames)
        scene, detections = _check_scene_detections(scene, detections)
        self.sort_output = track_sequence(SortTracker(), detections, min_score=_MIN_SCORE)[0]
        self.runs = {}
        for a in self.AGE_OPTIONS:
            for n in self.N_INIT_OPTIONS:
                for c in self.COSINE_OPTIONS:
                    self.runs[(True, c, a, n)] = track_sequence(
                        DeepSortTracker(max_cosine_distance=c, max_age=a, n_init=n), detections,
                        min_score=_MIN_SCORE, features=features)[0]
                motion = track_sequence(
                    DeepSortTracker(max_age=a, n_init=n, use_appearance=False), detections,
                    min_score=_MIN_SCORE)[0]
                for c in self.COSINE_OPTIONS:  # no appearance: the threshold plays no part
                    self.runs[(False, c, a, n)] = motion
        super().__init__(scene, detections, frames)

    def _build(self) -> None:
        self.controls = {
            "appearance": W.Checkbox(value=True, style=_STYLE, indent=False,
                                     description="use appearance (off: motion-only ablation)"),
            "max_cosine_distance": _selection(self.COSINE_OPTIONS, 0.2,
                                              "max_cosine_distance (appearance gate)"),
            "max_age": _selection(self.AGE_OPTIONS, 30,
                                  "max_age (frames a lost track is kept)"),
            "n_init": _selection(self.N_INIT_OPTIONS, 3,
                                 "n_init (detections in a row to confirm)"),
            "frame": _frame_slider(self.scene.n_frames),
        }
        self._build_panels()

    def compute(self) -> dict[str, Any]:
        v = self.values()
        outputs = self.runs[(bool(v["appearance"]), v["max_cosine_distance"], v["max_age"],
                             v["n_init"])]
        return {"outputs": outputs, "frame": v["frame"], "n_ids": _n_ids(outputs),
                "n_ids_sort": _n_ids(self.sort_output), "appearance": bool(v["appearance"])}

    def draw(self, r: dict[str, Any]) -> str:
        t = r["frame"]
        name = "Deep SORT" if r["appearance"] else "Deep SORT without appearance"
        # The frame number is on the slider and in the readout: titles that change with every
        # frame cost a text layout each (about 1 ms) per update.
        self._draw_panel(0, t, self.sort_output[t], "SORT (max_age 1)")
        self._draw_panel(1, t, r["outputs"][t], name)
        return (f"Track IDs used over {self.scene.n_frames} frames for {self.n_walkers} walkers: "
                f"SORT <b>{r['n_ids_sort']}</b>, {name} <b>{r['n_ids']}</b>. "
                f"Frame {t}: SORT reports {len(self.sort_output[t])} boxes, "
                f"{name} {len(r['outputs'][t])}.")

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        changes = super().bench_changes(n)
        return [(k, v) for k, v in changes if k != "appearance"] + [("appearance", False),
                                                                      ("appearance", True)]


def _scene_and_detections(seed: int, n_frames: int) -> tuple[Scene, Detections]:
    seed = check_int(seed, "seed", min=0)
    n_frames = check_int(n_frames, "n_frames", min=10, max=400)
    scene = make_scene(seed, n_frames=n_frames)
    return scene, simulate_detections(scene, seed=seed)


def kalman_explorer(seed: int = 3, n_frames: int = 150, kalman: str = "sort") -> KalmanExplorer:
    """The Kalman filter on one walker of scene ``seed`` (returned, not displayed).

    ``kalman`` chooses the motion model shown first: ``"sort"`` (SORT's filter, chapter 20) or
    ``"deep_sort"`` (Deep SORT's, chapter 21); a drop-down switches between them.

    The walker is chosen among those present from the first frame for at least 80 frames and
    detected in at least 60 % of them: the one with the longest run of missed detections, which
    the filter's predictions have to bridge.
    """
    kalman = check_choice(kalman, "kalman", ("sort", "deep_sort"))
    scene, dets = _scene_and_detections(seed, n_frames)
    best, best_gap = None, -1
    for walker in np.unique(scene.ids):
        frames = scene.frames[scene.ids == walker]
        if len(frames) < 80 or frames[0] > 0:
            continue
        hit = np.array([walker in dets.sources_at(int(t)) for t in frames])
        if hit.mean() < 0.6 or not hit[0]:
            continue
        runs = np.diff(np.flatnonzero(np.r_[True, hit, True])) - 1  # lengths of miss runs
        if runs.max() > best_gap:
            best, best_gap = int(walker), int(runs.max())
    if best is None:
        raise ValueError(f"scene {seed} has no suitable walker (80 frames, 60 % detected); "
                         "try another seed or more frames")
    return KalmanExplorer(scene, dets, best, kalman)


def sort_explorer(seed: int = 3, n_frames: int = 80) -> SortExplorer:
    """Playback of scene ``seed`` with SORT's track IDs (returned, not displayed).

    Runs SORT for all 25 (IoU threshold, max_age) settings on construction (about a second).
    """
    return SortExplorer(*_scene_and_detections(seed, n_frames))


def deep_sort_explorer(seed: int = 3, n_frames: int = 80, net: Any = None) -> DeepSortExplorer:
    """SORT and Deep SORT side by side on scene ``seed`` (returned, not displayed).

    Computes appearance features with ``net`` (default: the shipped embedding) and runs Deep
    SORT for all 18 slider settings on construction (a few seconds).
    """
    from ..nets.embedding import EmbeddingNet
    from ..tracking.embedding import load_embedding, sequence_features

    scene, dets = _scene_and_detections(seed, n_frames)
    if net is not None:
        check_instance(net, "net", EmbeddingNet, "an EmbeddingNet (from load_embedding())")
    net = load_embedding() if net is None else net
    frames = [render_frame(scene, t) for t in range(scene.n_frames)]  # once, for both uses
    features, _, _ = sequence_features(scene, dets, net, min_score=_MIN_SCORE, frames=frames)
    small = {t: downscale(f, DeepSortExplorer.frame_px) for t, f in enumerate(frames)}
    return DeepSortExplorer(scene, dets, features, small)


@register_bench("tracking_kalman")
def _bench_kalman() -> KalmanExplorer:
    return kalman_explorer()


@register_bench("tracking_sort")
def _bench_sort() -> SortExplorer:
    return sort_explorer()


@register_bench("tracking_deep_sort")
def _bench_deep_sort() -> DeepSortExplorer:
    return deep_sort_explorer()
