"""Explorers for chapters/19_motion.ipynb: block matching as a codec does it, and dense
Lucas-Kanade flow on a sequence with known motion.

What does not depend on the controls is prepared once (the frames, their true motion, each frame
pair's pyramids and derivatives); a result computed for a setting is kept, so going back to a
setting (or replaying the sequence) costs only the drawing.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .. import motion
from .._validation import check_choice, check_image, check_int, describe
from ..data import load_photo
from ._base import PHOTO_JPEG, Explorer, register_bench

__all__ = ["BlockMatchExplorer", "FlowExplorer", "block_match_explorer", "flow_explorer"]

_STYLE = {"description_width": "initial"}
_MAX_LEVELS = 4
_ARROW_STEP = 16
_MAX_ERROR = 2.0  # top of the error colour bar, pixels
_ARROW_GAIN = 3.0  # arrows drawn 3x their length: a few pixels of motion would hardly show
#: One update per pyramid level: as accurate as two on this sequence (median error 0.043 vs
#: 0.042 px, measured over its frames) at about 60% of the time.
_ITERATIONS = 1
_ERROR_CMAP = colormaps["magma"]
_ERROR_LUT = (_ERROR_CMAP(np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)
_INVALID_RGB = np.array([140, 140, 140], np.uint8)


class FlowExplorer(Explorer):
    """Scrub through a sequence with known motion; dense LK flow for a live window and pyramid.

    The flow is :func:`helpers.motion.lucas_kanade_dense` with one update per level.
    """

    figsize = (9.6, 3.3)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, sequence: motion.MotionSequence, window: int, levels: int) -> None:
        if not isinstance(sequence, motion.MotionSequence):
            raise TypeError(f"sequence must be a MotionSequence (from make_motion_sequence()); "
                            f"got {describe(sequence)}")
        if not 2 <= len(sequence.frames) <= 16:
            raise ValueError(f"sequence must hold 2 to 16 frames; got {len(sequence.frames)}")
        window = check_int(window, "window", min=5, max=41, odd=True)
        levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
        self.sequence = sequence
        self.n_pairs = len(sequence.frames) - 1
        frames = sequence.frames
        self.pyramids = [motion.flow_pyramids(frames[t], frames[t + 1], _MAX_LEVELS)
                         for t in range(self.n_pairs)]
        # (frame, window, levels) -> flow, error and pictures: computed once per setting.
        self._cache: dict[tuple[int, int, int], dict[str, Any]] = {}
        self._frames_rgb = np.repeat(frames[..., None], 3, axis=-1)
        speeds = np.hypot(sequence.flows[..., 0], sequence.flows[..., 1])[sequence.valid]
        self.top_speed = float(speeds.max()) if speeds.size else 1.0
        self.on_object = self._object_masks()
        self._init = (window, levels)
        for t in range(self.n_pairs):  # scrubbing at the initial setting never waits
            self._pictures(t, window, levels)
        super().__init__()

    def _object_masks(self) -> np.ndarray:
        seq = self.sequence
        h, w = seq.frames.shape[1:]
        ys, xs = np.mgrid[0:h, 0:w]
        if seq.radius <= 0:
            return np.zeros((self.n_pairs, h, w), bool)
        return np.stack([np.hypot(xs - c[0], ys - c[1]) < seq.radius
                         for c in seq.centers[: self.n_pairs]])

    def _build(self) -> None:
        window, levels = self._init
        self.controls = {
            "frame": W.IntSlider(value=0, min=0, max=self.n_pairs - 1,
                                 description="frame t (flow from t to t + 1)", style=_STYLE),
            "window": W.IntSlider(value=window, min=5, max=41, step=2,
                                  description="window side (pixels)", style=_STYLE),
            "levels": W.IntSlider(value=levels, min=0, max=_MAX_LEVELS,
                                  description="pyramid levels above the image", style=_STYLE),
        }
        seq = self.sequence
        h, w = seq.frames.shape[1:]
        grid = self.figure.add_gridspec(1, 4, width_ratios=[1, 1, 0.3, 1.12])
        ax_frame, ax_colour = self.figure.add_subplot(grid[0]), self.figure.add_subplot(grid[1])
        ax_wheel, ax_error = self.figure.add_subplot(grid[2]), self.figure.add_subplot(grid[3])
        # Every picture is an RGB uint8 array drawn without interpolation: no colour mapping
        # or resampling filter at draw time (the cheap path through matplotlib).
        blank = np.full((h, w, 3), 255, np.uint8)
        self._frame = ax_frame.imshow(blank, interpolation="nearest")
        ys = np.arange(_ARROW_STEP // 2, h, _ARROW_STEP)
        xs = np.arange(_ARROW_STEP // 2, w, _ARROW_STEP)
        self._grid = np.ix_(ys, xs)
        zeros = np.zeros((len(ys), len(xs)))
        self._arrows = ax_frame.quiver(xs, ys, zeros, zeros, color="#ffd400", angles="xy",
                                       scale_units="xy", scale=1.0, width=0.007, headwidth=3.5,
                                       minlength=0.1)
        ax_frame.set_title(f"frame t, estimated motion\n(arrows {_ARROW_GAIN:g}x their length)",
                           fontsize=8)
        self._colour = ax_colour.imshow(blank, interpolation="nearest")
        ax_colour.set_title("estimated flow, colour-coded\n(legend: the wheel)", fontsize=8)
        ax_wheel.imshow(motion.flow_wheel(65), interpolation="bilinear")
        ax_wheel.set_title(f"hue: direction\nrim: {self.top_speed:.1f} px", fontsize=7)
        ax_wheel.text(32, 70, "centre: still", ha="center", va="top", fontsize=7)
        self._error = ax_error.imshow(blank, interpolation="nearest")
        bar = self.figure.colorbar(ScalarMappable(Normalize(0, _MAX_ERROR), _ERROR_CMAP),
                                   ax=ax_error, fraction=0.05, pad=0.03)
        bar.set_label("endpoint error (px)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        ax_error.set_title("error against the true flow\n(gray: no ground truth)", fontsize=8)
        for ax in (ax_frame, ax_colour, ax_wheel, ax_error):
            ax.set_axis_off()
        self.dynamic = [self._frame, self._arrows, self._colour, self._error]

    def _pictures(self, t: int, window: int, levels: int) -> dict[str, Any]:
        """Flow, error and their pictures for one setting (computed once, then looked up)."""
        key = (t, window, levels)
        if key not in self._cache:
            frames = self.sequence.frames
            start = time.perf_counter()
            flow = motion.lucas_kanade_dense(frames[t], frames[t + 1], window=window,
                                             levels=levels, iterations=_ITERATIONS,
                                             pyramids=self.pyramids[t])
            seconds = time.perf_counter() - start
            truth, valid = self.sequence.flows[t], self.sequence.valid[t]
            error = motion.endpoint_error(flow, truth, valid)
            shade = np.clip(np.nan_to_num(error, nan=0.0) / _MAX_ERROR * 255, 0, 255)
            error_rgb = _ERROR_LUT[shade.astype(np.uint8)]
            error_rgb[~valid] = _INVALID_RGB
            on_object, background = self.on_object[t] & valid, ~self.on_object[t] & valid
            self._cache[key] = {
                "flow": flow,
                "error": error,
                "colour_rgb": motion.flow_to_color(flow, max_magnitude=self.top_speed),
                "error_rgb": error_rgb,
                "median": float(np.nanmedian(error)),
                "above_1px": float(np.nanmean(error > 1.0)),
                "object_median": float(np.median(error[on_object])) if on_object.any()
                else float("nan"),
                "background_median": float(np.median(error[background])),
                "levels_used": motion.pyramid_levels(truth.shape[:2], window, levels),
                "flow_ms": seconds * 1e3,
            }
        return self._cache[key]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        return {**v, **self._pictures(v["frame"], v["window"], v["levels"])}

    def draw(self, r: dict[str, Any]) -> str:
        t = r["frame"]
        self._frame.set_data(self._frames_rgb[t])
        arrows = r["flow"][self._grid] * _ARROW_GAIN
        self._arrows.set_UVC(arrows[..., 0], arrows[..., 1])
        self._colour.set_data(r["colour_rgb"])
        self._error.set_data(r["error_rgb"])
        used = r["levels_used"]
        note = "" if used == r["levels"] else f" (only {used} fit above a {r['window']}-px window)"
        reach = r["window"] // 2 * 2**used
        return (
            f"frame {t} -> {t + 1}: {r['window']}x{r['window']} window, {used} pyramid "
            f"level{'s' if used != 1 else ''} above the image{note}, so motions up to about "
            f"{reach} px can be caught. Median endpoint error <b>{r['median']:.3f} px</b>, "
            f"{r['above_1px']:.1%} of pixels off by more than 1 px (moving disc "
            f"{r['object_median']:.2f} px, background {r['background_median']:.2f} px). "
            f"True speeds up to {self.top_speed:.1f} px per frame."
        )

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        cycle = [("frame", 3), ("window", 21), ("frame", 7), ("levels", 1), ("frame", 2),
                 ("window", 9), ("levels", 4), ("frame", 8), ("window", 31), ("levels", 0),
                 ("frame", 5), ("window", 15), ("levels", 3), ("frame", 1)]
        return [cycle[i % len(cycle)] for i in range(n)]


def flow_explorer(
    image: np.ndarray,
    *,
    window: int = 15,
    levels: int = 3,
    n_frames: int = 10,
    rng: Any = 0,
) -> FlowExplorer:
    """Dense LK flow on a photo moving by a known motion, frame by frame (returned, not shown).

    The background pans by (2, 1) pixels and turns by 0.5 degrees per frame, and a textured disc
    moves by (5, 2.5) pixels per frame over it (:func:`helpers.motion.make_motion_sequence`,
    192x256 frames), so every estimate is scored against the truth.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        A photo (uint8, or float in [0, 1]) large enough for 192x256 windows moving this much
        (``load_photo("chelsea")``, 300x451, is; a smaller one is refused with a message).
    window : int
        Initial window side (odd, 5 to 41).
    levels : int
        Initial pyramid levels (0 to 4).
    n_frames : int
        Frames in the sequence (3 to 16).
    rng : numpy.random.Generator or int
        Where the disc starts.
    """
    check_image(image, "image")
    window = check_int(window, "window", min=5, max=41, odd=True)
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    n_frames = check_int(n_frames, "n_frames", min=3, max=16)
    sequence = motion.make_motion_sequence(
        image, n_frames, size=(192, 256), shift=(2.0, 1.0), angle=0.5, object_shift=(5.0, 2.5),
        rng=rng)
    return FlowExplorer(sequence, window, levels)


@register_bench("flow")
def _bench_flow() -> FlowExplorer:
    return flow_explorer(load_photo("chelsea"))


_BLOCKS = (4, 8, 16)
_GREEN, _RED = np.array([0.17, 0.63, 0.17, 1.0]), np.array([0.84, 0.15, 0.16, 1.0])
_NOISES = {"none": 0.0, "1 gray level": 1 / 255, "2.5 gray levels": 0.01, "5 gray levels": 0.02}


class BlockMatchExplorer(Explorer):
    """A codec's motion search on a frame pair with known motion: block, search, metric, noise.

    Blocks of the new frame are searched in the previous one
    (:func:`helpers.motion.block_matching`), the frame is predicted from the vectors
    (:func:`helpers.motion.motion_compensate`), and each vector is compared with the true
    motion of its block's centre (whole pixels here).
    """

    figsize = (9.2, 3.4)
    jpeg_options = PHOTO_JPEG  # photographic panels

    def __init__(self, image: np.ndarray, block: int, search: int, metric: str, rng: Any) -> None:
        check_image(image, "image")
        block = check_int(block, "block", min=4, max=16)
        if block not in _BLOCKS:
            raise ValueError(f"block must be one of {_BLOCKS}; got {block}")
        search = check_int(search, "search", min=0, max=8)
        metric = check_choice(metric, "metric", ("sad", "ssd"))
        # One pair (background pan, a disc moving faster; whole pixels, so that a block vector
        # can be exactly right) with each level of sensor noise.
        self.pairs = {
            name: motion.make_motion_sequence(image, 2, size=(144, 192), shift=(2.0, -1.0),
                                              object_shift=(-5.0, 4.0), object_radius=22,
                                              noise=sigma, rng=rng)
            for name, sigma in _NOISES.items()
        }
        seq = self.pairs["none"]
        self.truth = self._backward_truth(seq)
        self._cache: dict[tuple, dict[str, Any]] = {}
        self._init = (block, search, metric)
        super().__init__()

    @staticmethod
    def _backward_truth(seq: motion.MotionSequence) -> np.ndarray:
        """(dy, dx) from each pixel of frame 1 back to where it was in frame 0."""
        h, w = seq.frames.shape[1:]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
        inverse = np.linalg.inv(seq.matrix)
        back_x = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2] - xs
        back_y = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2] - ys
        disc = np.hypot(xs - seq.centers[1, 0], ys - seq.centers[1, 1]) <= seq.radius
        step = seq.centers[0] - seq.centers[1]
        back_x[disc], back_y[disc] = step[0], step[1]
        return np.stack([back_y, back_x], axis=-1)

    def _build(self) -> None:
        block, search, metric = self._init
        self.controls = {
            "block": W.SelectionSlider(options=_BLOCKS, value=block,
                                       description="block side (pixels)", style=_STYLE),
            "search": W.IntSlider(value=search, min=0, max=8,
                                  description="search range (+- pixels)", style=_STYLE),
            "metric": W.ToggleButtons(options=[("SAD", "sad"), ("SSD", "ssd")], value=metric,
                                      description="cost", style=_STYLE),
            "noise": W.SelectionSlider(options=list(_NOISES), value="none",
                                       description="sensor noise", style=_STYLE),
        }
        h, w = self.pairs["none"].frames.shape[1:]
        ax_vec, ax_res = self.figure.subplots(1, 2)
        self._frame = ax_vec.imshow(np.zeros((h, w, 3), np.uint8), interpolation="nearest")
        # One set of arrows per block size (a quiver keeps its number of arrows); only the one
        # shown is redrawn. 4x4 blocks: every second block in each direction (arrows cost).
        self._arrows, self._every = {}, {size: max(1, 8 // size) for size in _BLOCKS}
        for size in _BLOCKS:
            k = self._every[size]
            ys, xs = np.mgrid[0 : h // size : k, 0 : w // size : k] * size + (size - 1) / 2.0
            zeros = np.zeros(xs.size)
            self._arrows[size] = ax_vec.quiver(xs.ravel(), ys.ravel(), zeros, zeros, angles="xy",
                                               scale_units="xy", scale=1.0, width=0.006,
                                               minlength=0.1, visible=False)
        ax_vec.set_title("new frame: each block's vector to where it came from (arrows 2x;\n"
                         "green = the true motion, red = another offset; 4x4: every 2nd block)",
                         fontsize=8)
        self._residual = ax_res.imshow(np.zeros((h, w)), cmap="magma", vmin=0, vmax=40,
                                       interpolation="nearest")
        bar = self.figure.colorbar(self._residual, ax=ax_res, fraction=0.05, pad=0.03)
        bar.set_label("|new frame - prediction| (gray levels)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        ax_res.set_title("what the codec still has to send: the residual", fontsize=8)
        for ax in (ax_vec, ax_res):
            ax.set_axis_off()
        self.dynamic = [self._frame, *self._arrows.values(), self._residual]

    def compute(self) -> dict[str, Any]:
        v = self.values()
        key = (v["block"], v["search"], v["metric"], v["noise"])
        if key not in self._cache:
            seq = self.pairs[v["noise"]]
            current, reference = seq.frames[1], seq.frames[0]
            start = time.perf_counter()
            vectors = motion.block_matching(current, reference, v["block"], v["search"],
                                            metric=v["metric"])
            seconds = time.perf_counter() - start
            prediction = motion.motion_compensate(reference, vectors, v["block"])
            b = v["block"]
            centres = self.truth[b // 2 :: b, b // 2 :: b][: vectors.shape[0], : vectors.shape[1]]
            correct = np.all(vectors == np.round(centres), axis=2)
            reachable = np.all(np.abs(np.round(centres)) <= v["search"], axis=2)
            self._cache[key] = {
                "vectors": vectors,
                "correct": correct,
                "reachable": reachable,
                "residual": np.abs(current.astype(np.float64) - prediction),
                "plain": float(np.mean(np.abs(current.astype(np.float64) - reference))),
                "ms": seconds * 1e3,
            }
        return {**v, **self._cache[key]}

    def draw(self, r: dict[str, Any]) -> str:
        seq = self.pairs[r["noise"]]
        self._frame.set_data(np.repeat(seq.frames[1][..., None], 3, axis=-1))
        b, k = r["block"], self._every[r["block"]]
        vectors, correct_shown = r["vectors"][::k, ::k], r["correct"][::k, ::k]
        for size, arrows in self._arrows.items():
            arrows.set_visible(size == b)
        arrows = self._arrows[b]
        arrows.set_UVC(2.0 * vectors[..., 1].ravel(), 2.0 * vectors[..., 0].ravel())
        arrows.set_color(np.where(correct_shown.ravel()[:, None], _GREEN, _RED))
        self.dynamic = [self._frame, arrows, self._residual]  # hidden arrows cost nothing
        self._residual.set_data(r["residual"])
        correct, reachable = r["correct"], r["reachable"]
        return (
            f"{b}x{b} blocks, search +-{r['search']} px ({(2 * r['search'] + 1) ** 2} offsets "
            f"each), {r['metric'].upper()}, noise: {r['noise']}. <b>{correct.mean():.0%} of the "
            f"{correct.size} vectors are the true motion</b> ({correct[reachable].mean():.0%} of "
            f"the blocks whose motion lies within the search range)." if reachable.any() else
            f"{b}x{b} blocks, search +-{r['search']} px: no block's motion lies within the search "
            "range."
        ) + (
            f" Mean residual {r['residual'].mean():.2f} gray levels, against "
            f"{r['plain']:.2f} for the plain frame difference. Search: {r['ms']:.0f} ms."
        )

    def bench_changes(self, n: int = 30) -> list[tuple[str, Any]]:
        n = check_int(n, "n", min=0, max=10_000)
        cycle = [("search", 4), ("block", 16), ("noise", "2.5 gray levels"), ("metric", "ssd"),
                 ("search", 8), ("block", 4), ("noise", "none"), ("metric", "sad"),
                 ("search", 2), ("block", 8)]
        return [cycle[i % len(cycle)] for i in range(n)]


def block_match_explorer(
    image: np.ndarray, *, block: int = 8, search: int = 6, metric: str = "sad", rng: Any = 0
) -> BlockMatchExplorer:
    """Block matching on a photo moved by a known motion, with live settings (returned).

    The background pans by (2, -1) pixels and a textured disc moves by (-5, 4) pixels
    (:func:`helpers.motion.make_motion_sequence`, 144x192 frames), with a choice of sensor noise.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        A photo (uint8, or float in [0, 1]) larger than the frames by the motion.
    block : {4, 8, 16}
        Initial block side.
    search : int
        Initial search range (0 to 8).
    metric : {"sad", "ssd"}
        Initial cost.
    rng : numpy.random.Generator or int
        Where the disc starts, and the noise.
    """
    return BlockMatchExplorer(image, block, search, metric, rng)  # validates every argument


@register_bench("block_matching")
def _bench_block_matching() -> BlockMatchExplorer:
    return block_match_explorer(load_photo("chelsea"))
