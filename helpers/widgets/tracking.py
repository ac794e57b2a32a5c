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

import itertools
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection

from .._validation import check_int
from ..tracking.boxes import xyah_to_xyxy, xyxy_to_xyah
from ..tracking.deep_sort import DeepSortTracker
from ..tracking.detector import Detections, simulate_detections
from ..tracking.kalman import KalmanBoxFilter, filter_sequence
from ..tracking.pipeline import track_sequence
from ..tracking.scene import Scene, make_scene, render_frame
from ..tracking.sort import SortTracker
from ._base import Explorer, downscale, register_bench
from ._draw import box_segments, covariance_ellipse

__all__ = [
    "DeepSortExplorer",
    "KalmanExplorer",
    "SortExplorer",
    "deep_sort_explorer",
    "kalman_explorer",
    "sort_explorer",
]

_STYLE = {"description_width": "initial"}
_PALETTE = np.array([
    (0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
    (0.58, 0.4, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.5, 0.5, 0.5),
    (0.74, 0.74, 0.13), (0.09, 0.75, 0.81), (0.0, 0.0, 0.55), (1.0, 0.84, 0.0),
])
_MAX_LABELS = 30
_MIN_SCORE = 0.3


class KalmanExplorer(Explorer):
    """One walker's detections through the Kalman filter, with noise sliders and a frame slider."""

    figsize = (9.0, 3.4)
    window = 110  # half-size of the view around the walker, in pixels
    image_format = "jpeg"  # a camera crop beside a plot: JPEG encodes it several times faster

    def __init__(self, scene: Scene, detections: Detections, walker: int) -> None:
        self.scene = scene
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
        # The filter's input: xyah per frame, a row of NaN where the detector missed the walker.
        self.measurements = np.full((len(self.frames), 4), np.nan)
        for k, z in enumerate(self.measured):
            if z is not None:
                self.measurements[k] = xyxy_to_xyah(z[None])[0]
        self._patches: dict[int, np.ndarray] = {}
        super().__init__()

    def _build(self) -> None:
        self.controls = {
            "process_noise": W.FloatLogSlider(value=1 / 20, base=10, min=-3, max=0, step=0.25,
                                              description="process noise", style=_STYLE,
                                              readout_format=".3f"),
            "measurement_noise": W.FloatLogSlider(value=1 / 20, base=10, min=-3, max=0,
                                                  step=0.25, description="measurement noise",
                                                  style=_STYLE, readout_format=".3f"),
            "frame": W.IntSlider(value=min(40, len(self.frames) - 1), min=1,
                                 max=len(self.frames) - 1, description="frame", style=_STYLE),
        }
        ax, tx = self.figure.subplots(1, 2, width_ratios=[1, 1.6])
        w = self.window
        self._img = ax.imshow(np.zeros((2 * w, 2 * w, 3), np.uint8), extent=(-w, w, w, -w))
        ax.set_xlim(-w, w)
        ax.set_ylim(w, -w)
        ax.set_axis_off()
        self._boxes = {
            "truth": ax.add_collection(LineCollection([], colors="lime", lw=1.5)),
            "detection": ax.add_collection(LineCollection([], colors="w", lw=1.2, ls="--")),
            "predicted": ax.add_collection(LineCollection([], colors="orange", lw=1.5)),
            "updated": ax.add_collection(LineCollection([], colors="deepskyblue", lw=2)),
        }
        self._ell_pred, = ax.plot([], [], color="orange", lw=1)
        self._ell_upd, = ax.plot([], [], color="deepskyblue", lw=1)
        self._title = ax.set_title("", fontsize=9)
        t = np.arange(len(self.frames))
        cx = (self.truth[:, 0] + self.truth[:, 2]) / 2
        tx.plot(t, cx, color="green", lw=1.5, label="truth")
        has = [m is not None for m in self.measured]
        mx = [(m[0] + m[2]) / 2 for m in self.measured if m is not None]
        tx.plot(t[has], mx, ".", color="0.4", ms=3, label="detections")
        self._filt, = tx.plot(t, cx, color="deepskyblue", lw=1.2, label="filtered")
        self._band_hi, = tx.plot(t, cx, color="deepskyblue", lw=0.6, ls=":")
        self._band_lo, = tx.plot(t, cx, color="deepskyblue", lw=0.6, ls=":", label="+/- 2 sigma")
        self._now = tx.axvline(0, color="k", lw=0.8)
        tx.set_xlabel("frames since the walker appeared")
        tx.set_ylabel("box centre x (px)")
        tx.legend(fontsize=7, loc="best")
        tx.set_ylim(cx.min() - 60, cx.max() + 60)
        self.dynamic = [self._img, *self._boxes.values(), self._ell_pred, self._ell_upd,
                        self._title, self._filt, self._band_hi, self._band_lo, self._now]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        kf = KalmanBoxFilter(std_weight_position=v["process_noise"],
                             std_weight_velocity=v["process_noise"] / 8,
                             std_weight_measurement=v["measurement_noise"])
        pred_m, pred_c, upd_m, upd_c = filter_sequence(kf, self.measurements)
        truth_c = (self.truth[:, :2] + self.truth[:, 2:]) / 2
        has = np.array([z is not None for z in self.measured])
        det_c = np.array([(z[:2] + z[2:]) / 2 for z in self.measured if z is not None])
        # Compare like with like: on frames with a detection, raw vs filtered centre; on missed
        # frames, how far the prediction alone drifts.
        det_err = np.hypot(*(det_c - truth_c[has]).T)
        filt_err = np.hypot(*(upd_m[has, :2] - truth_c[has]).T)
        missed = ~has & ~np.isnan(pred_m[:, 0])
        pred_err = np.hypot(*(pred_m[missed, :2] - truth_c[missed]).T)
        return {"pred_mean": pred_m, "pred_cov": pred_c, "upd_mean": upd_m, "upd_cov": upd_c,
                "detection_error": float(det_err.mean()), "filtered_error": float(filt_err.mean()),
                "missed_error": float(pred_err.mean()) if missed.any() else float("nan"),
                "frame": v["frame"]}

    def _patch(self, k: int) -> np.ndarray:
        if k not in self._patches:
            t = int(self.frames[k])
            c = ((self.truth[k, :2] + self.truth[k, 2:]) / 2).round().astype(int)
            w = self.window
            frame = np.pad(render_frame(self.scene, t), ((w, w), (w, w), (0, 0)))
            self._patches[k] = frame[c[1]:c[1] + 2 * w, c[0]:c[0] + 2 * w]
        return self._patches[k]

    def draw(self, r: dict[str, Any]) -> str:
        k = r["frame"]
        centre = (self.truth[k, :2] + self.truth[k, 2:]) / 2
        shift = np.r_[centre, centre]
        self._img.set_data(self._patch(k))
        self._boxes["truth"].set_segments(box_segments(self.truth[k] - shift))
        z = self.measured[k]
        self._boxes["detection"].set_segments(box_segments(z - shift) if z is not None else [])
        pm, um = r["pred_mean"][k], r["upd_mean"][k]
        self._boxes["predicted"].set_segments(
            box_segments(xyah_to_xyxy(pm[None, :4])[0] - shift) if np.isfinite(pm[0]) else [])
        self._boxes["updated"].set_segments(
            box_segments(xyah_to_xyxy(um[None, :4])[0] - shift) if z is not None else [])
        self._ell_pred.set_data(*(covariance_ellipse(pm[:2], r["pred_cov"][k][:2, :2]) - centre).T
                                if np.isfinite(pm[0]) else ([], []))
        self._ell_upd.set_data(*(covariance_ellipse(um[:2], r["upd_cov"][k][:2, :2]) - centre).T
                               if z is not None else ([], []))
        self._title.set_text("green: truth, white: detection\norange: predicted, blue: updated")
        sd = 2 * np.sqrt(r["upd_cov"][:, 0, 0])
        self._filt.set_ydata(r["upd_mean"][:, 0])
        self._band_hi.set_ydata(r["upd_mean"][:, 0] + sd)
        self._band_lo.set_ydata(r["upd_mean"][:, 0] - sd)
        self._now.set_xdata([k, k])
        sx_pred = np.sqrt(r["pred_cov"][k][0, 0]) if np.isfinite(pm[0]) else float("nan")
        status = "detected" if z is not None else "<b>missed</b> (prediction only)"
        return (f"frame {k}: {status}; predicted x uncertainty sigma = {sx_pred:.1f} px. "
                f"Mean centre error on detected frames: raw detections "
                f"{r['detection_error']:.1f} px, filtered {r['filtered_error']:.1f} px; on missed "
                f"frames the prediction alone is {r['missed_error']:.1f} px off.")


class _Playback(Explorer):
    """Shared drawing of frames with coloured, numbered track boxes (one or two panels)."""

    panels: tuple[str, ...] = ("SORT",)
    image_format = "jpeg"  # rendered camera frames: JPEG encodes them several times faster

    def __init__(self, scene: Scene, detections: Detections) -> None:
        self.scene, self.detections = scene, detections
        self._frames: dict[int, np.ndarray] = {}
        self._step = max(1, -(-scene.width // 320))
        self.n_walkers = len(np.unique(scene.ids))
        super().__init__()

    def _frame(self, t: int) -> np.ndarray:
        if t not in self._frames:
            self._frames[t] = downscale(render_frame(self.scene, t), 320)
        return self._frames[t]

    def _build_panels(self) -> None:
        axes = np.atleast_1d(self.figure.subplots(1, len(self.panels)))
        self._imgs, self._colls, self._labels, self._titles = [], [], [], []
        h, w = self.scene.height / self._step, self.scene.width / self._step
        for ax, name in zip(axes, self.panels, strict=True):
            self._imgs.append(ax.imshow(self._frame(0), extent=(0, w, h, 0)))
            ax.set_xlim(0, w)
            ax.set_ylim(h, 0)
            ax.set_axis_off()
            self._colls.append(ax.add_collection(LineCollection([], lw=1.5)))
            self._labels.append([ax.text(0, 0, "", fontsize=6, color="w", va="bottom",
                                         visible=False, bbox={"pad": 0.4, "ec": "none"})
                                 for _ in range(_MAX_LABELS)])
            self._titles.append(ax.set_title(name, fontsize=9))
        self.dynamic = [*self._imgs, *self._colls, *itertools.chain(*self._labels), *self._titles]

    def _layout_controls(self) -> W.Widget:
        # A play button drives the frame slider in the browser (jslink: no Python round trip).
        play = W.Play(value=0, min=0, max=self.scene.n_frames - 1, interval=150,
                      description="play")
        W.jslink((play, "value"), (self.controls["frame"], "value"))
        return W.HBox([play, *self.controls.values()], layout=W.Layout(flex_flow="row wrap"))

    def _draw_panel(self, i: int, t: int, output: np.ndarray, title: str) -> None:
        self._imgs[i].set_data(self._frame(t))
        boxes = output[:, :4] / self._step
        ids = output[:, 4].astype(int)
        colours = _PALETTE[ids % len(_PALETTE)]
        self._colls[i].set_segments(box_segments(boxes))
        self._colls[i].set_color(colours)
        for k, label in enumerate(self._labels[i]):
            if k < len(ids):
                label.set_position((boxes[k, 0], boxes[k, 1]))
                label.set_text(str(ids[k]))
                label.get_bbox_patch().set_facecolor(colours[k])
                label.set_visible(True)
            else:
                label.set_visible(False)
        self._titles[i].set_text(title)


class SortExplorer(_Playback):
    """A sequence played back with SORT's IDs; IoU threshold and max_age sliders."""

    figsize = (6.0, 3.6)
    IOU_OPTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
    AGE_OPTIONS = (0, 1, 3, 10, 30)

    def __init__(self, scene: Scene, detections: Detections) -> None:
        # Every setting, up front: sliders then only look results up (see the module docstring).
        self.runs = {
            (iou, age): track_sequence(SortTracker(iou_threshold=iou, max_age=age), detections,
                                       min_score=_MIN_SCORE)[0]
            for iou in self.IOU_OPTIONS for age in self.AGE_OPTIONS
        }
        super().__init__(scene, detections)

    def _build(self) -> None:
        self.controls = {
            "iou_threshold": W.SelectionSlider(options=self.IOU_OPTIONS, value=0.3,
                                               description="IoU threshold", style=_STYLE),
            "max_age": W.SelectionSlider(options=self.AGE_OPTIONS, value=1,
                                         description="max_age", style=_STYLE),
            "frame": W.IntSlider(value=0, min=0, max=self.scene.n_frames - 1,
                                 description="frame", style=_STYLE),
        }
        self._build_panels()

    def compute(self) -> dict[str, Any]:
        v = self.values()
        outputs = self.runs[(v["iou_threshold"], v["max_age"])]
        used = np.unique(np.concatenate([o[:, 4] for o in outputs]))
        return {"outputs": outputs, "frame_output": outputs[v["frame"]], "n_ids": len(used),
                "frame": v["frame"]}

    def draw(self, r: dict[str, Any]) -> str:
        t = r["frame"]
        self._draw_panel(0, t, r["frame_output"], f"SORT, frame {t}")
        ids, _, vis = self.scene.at(t)
        return (f"frame {t}: {len(r['frame_output'])} tracks reported, {int((vis >= 0.2).sum())} "
                f"walkers at least 20 % visible. Over the {self.scene.n_frames} frames SORT used "
                f"<b>{r['n_ids']} track IDs</b> for {self.n_walkers} walkers "
                "(every extra ID is a track that was lost and restarted).")


class DeepSortExplorer(_Playback):
    """SORT (paper settings) and Deep SORT side by side; Deep SORT's settings on sliders."""

    figsize = (10.0, 3.3)
    panels = ("SORT", "Deep SORT")
    COSINE_OPTIONS = (0.1, 0.2, 0.4)
    AGE_OPTIONS = (1, 10, 30)
    N_INIT_OPTIONS = (1, 3)

    def __init__(self, scene: Scene, detections: Detections, features: list[np.ndarray]) -> None:
        self.sort_output = track_sequence(SortTracker(), detections, min_score=_MIN_SCORE)[0]
        self.runs = {
            (c, a, n): track_sequence(
                DeepSortTracker(max_cosine_distance=c, max_age=a, n_init=n), detections,
                min_score=_MIN_SCORE, features=features)[0]
            for c in self.COSINE_OPTIONS for a in self.AGE_OPTIONS for n in self.N_INIT_OPTIONS
        }
        super().__init__(scene, detections)

    def _build(self) -> None:
        self.controls = {
            "max_cosine_distance": W.SelectionSlider(options=self.COSINE_OPTIONS, value=0.2,
                                                     description="max_cosine_distance",
                                                     style=_STYLE),
            "max_age": W.SelectionSlider(options=self.AGE_OPTIONS, value=30,
                                         description="max_age", style=_STYLE),
            "n_init": W.SelectionSlider(options=self.N_INIT_OPTIONS, value=3,
                                        description="n_init", style=_STYLE),
            "frame": W.IntSlider(value=0, min=0, max=self.scene.n_frames - 1,
                                 description="frame", style=_STYLE),
        }
        self._build_panels()

    def compute(self) -> dict[str, Any]:
        v = self.values()
        outputs = self.runs[(v["max_cosine_distance"], v["max_age"], v["n_init"])]

        def n_ids(outs: list[np.ndarray]) -> int:
            return len(np.unique(np.concatenate([o[:, 4] for o in outs])))

        return {"outputs": outputs, "frame": v["frame"], "n_ids": n_ids(outputs),
                "n_ids_sort": n_ids(self.sort_output)}

    def draw(self, r: dict[str, Any]) -> str:
        t = r["frame"]
        self._draw_panel(0, t, self.sort_output[t], f"SORT, frame {t}")
        self._draw_panel(1, t, r["outputs"][t], f"Deep SORT, frame {t}")
        return (f"Track IDs used over {self.scene.n_frames} frames for {self.n_walkers} walkers: "
                f"SORT <b>{r['n_ids_sort']}</b>, Deep SORT <b>{r['n_ids']}</b>. "
                f"Frame {t}: SORT reports {len(self.sort_output[t])} boxes, "
                f"Deep SORT {len(r['outputs'][t])}.")


def _scene_and_detections(seed: int, n_frames: int) -> tuple[Scene, Detections]:
    seed = check_int(seed, "seed", min=0)
    n_frames = check_int(n_frames, "n_frames", min=10, max=400)
    scene = make_scene(seed, n_frames=n_frames)
    return scene, simulate_detections(scene, seed=seed)


def kalman_explorer(seed: int = 3, n_frames: int = 150) -> KalmanExplorer:
    """The Kalman filter on one walker of scene ``seed`` (returned, not displayed).

    The walker is chosen among those present from the first frame for at least 80 frames and
    detected in at least 60 % of them: the one with the longest run of missed detections, which
    the filter's predictions have to bridge.
    """
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
    return KalmanExplorer(scene, dets, best)


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
    from ..tracking.embedding import load_embedding, sequence_features

    scene, dets = _scene_and_detections(seed, n_frames)
    net = load_embedding() if net is None else net
    features, _, _ = sequence_features(scene, dets, net, min_score=_MIN_SCORE)
    return DeepSortExplorer(scene, dets, features)


@register_bench("tracking_kalman")
def _bench_kalman() -> KalmanExplorer:
    return kalman_explorer()


@register_bench("tracking_sort")
def _bench_sort() -> SortExplorer:
    return sort_explorer()


@register_bench("tracking_deep_sort")
def _bench_deep_sort() -> DeepSortExplorer:
    return deep_sort_explorer()
