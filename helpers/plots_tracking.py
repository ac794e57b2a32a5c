"""Figures for chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb (plain matplotlib).

Every figure is drawn from numbers the chapter computes (or that these functions compute with
:mod:`helpers.tracking`); the algorithms themselves stay in :mod:`helpers.tracking`, which
never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_choice,
    check_float,
    check_instance,
    check_int,
    describe,
)

__all__ = [
    "TRACKER_LABELS",
    "kalman_noise_table",
    "plot_assignment",
    "plot_benchmark",
    "plot_embedding_distances",
    "plot_filter_uncertainty",
    "plot_gate",
    "plot_id_timeline",
    "plot_kalman_update",
    "plot_life_cycle",
    "plot_matching_cascade",
    "plot_occlusion_gaps",
    "plot_track_timeline",
    "show_crops",
    "show_scene_frame",
]

#: How the benchmark's trackers are named in figures.
TRACKER_LABELS = {
    "sort": "SORT\n(max_age 1)",
    "sort_patient": "SORT\n(max_age 30)",
    "deep_sort_no_appearance": "Deep SORT\nno appearance",
    "deep_sort": "Deep SORT",
}
_STATE_COLOURS = {"tentative": "#f2b134", "confirmed": "#2a9d5c", "deleted": "#9a9a9a"}


def _scene(scene: Any):
    from .tracking.scene import Scene

    return check_instance(scene, "scene", Scene, "a Scene from make_scene()")


def show_scene_frame(scene: Any, t: int, *, size: float = 10.0):
    """Frame ``t`` of a scene with its ground-truth boxes, coloured by visibility.

    Parameters
    ----------
    scene : Scene
    t : int
        Frame index.
    size : float in [3, 20]
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Boxes labelled ``id: visibility``; a colour bar says what the colours mean.
    """
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    from .tracking.scene import render_frame

    scene = _scene(scene)
    size = check_float(size, "size", min=3, max=20)
    ids, boxes, vis = scene.at(t)
    fig, ax = plt.subplots(figsize=(size, size * scene.height / scene.width * 0.95),
                           layout="constrained")
    ax.imshow(render_frame(scene, t))
    cmap = plt.get_cmap("RdYlGn")
    for i, b, v in zip(ids, boxes, vis, strict=True):
        ax.add_patch(plt.Rectangle(b[:2], b[2] - b[0], b[3] - b[1], fill=False, lw=1.8,
                                   color=cmap(v)))
        ax.text(b[0], b[1] - 3, f"{i}: {v:.0%}", color="w", fontsize=8,
                bbox={"fc": (0, 0, 0, 0.55), "ec": "none", "pad": 1})
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.set_axis_off()
    ax.set_title(f"frame {t}: ground truth, labelled walker id: visibility", fontsize=11)
    fig.colorbar(ScalarMappable(Normalize(0, 1), cmap), ax=ax, fraction=0.025,
                 label="visibility (fraction of the box that is seen)")
    return fig


def plot_occlusion_gaps(scene: Any, *, max_ages: Sequence[int] = (1, 30), min_visibility=0.4):
    """Histogram of how long walkers stay hidden, with trackers' ``max_age`` marked.

    A gap is a run of frames in which a walker is less than ``min_visibility`` visible,
    between two frames where it is visible enough.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    scene = _scene(scene)
    min_visibility = check_float(min_visibility, "min_visibility", min=0, max=1)
    if not isinstance(max_ages, (list, tuple)) or not 1 <= len(max_ages) <= 5:
        raise TypeError(f"max_ages must be a list of 1 to 5 ints; got {describe(max_ages)}")
    max_ages = [check_int(a, "max_ages", min=0, max=10_000) for a in max_ages]
    gaps = []
    for walker in np.unique(scene.ids):
        seen = np.flatnonzero(scene.visibility[scene.ids == walker] >= min_visibility)
        d = np.diff(seen) - 1
        gaps += d[d > 0].tolist()
    gaps = np.array(gaps, int)
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    top = max(int(gaps.max()) if len(gaps) else 1, max(max_ages) + 5)
    ax.hist(gaps, bins=np.arange(0.5, top + 1.5, 2), color="#4c72b0")
    for a, style in zip(max_ages, ("--", "-", ":", "-.", "--"), strict=False):
        ax.axvline(a + 0.5, color="#c44e52", ls=style, lw=1.5,
                   label=f"max_age = {a}: a track waits this long")
    ax.set_xlabel(f"frames a walker stays hidden (visibility < {min_visibility:.0%})")
    ax.set_ylabel("number of gaps")
    ax.set_title(f"{len(gaps)} occlusion gaps in {scene.n_frames} frames", fontsize=11)
    ax.legend(fontsize=9)
    return fig


def plot_kalman_update(prior: tuple[float, float], measurement: tuple[float, float],
                       posterior: tuple[float, float], *, quantity: str = "u (px)"):
    """One Kalman update along one coordinate: prediction, detection and their combination.

    Parameters
    ----------
    prior, measurement, posterior : (mean, variance) pairs of floats
        The predicted state, the detection with its noise, the updated state (from the filter).
    quantity : str
        Axis label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    pairs = {}
    for name, value in (("prior", prior), ("measurement", measurement),
                        ("posterior", posterior)):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"{name} must be a (mean, variance) pair; got {describe(value)}")
        pairs[name] = (check_float(value[0], f"{name}[0]", min=-1e9, max=1e9),
                       check_float(value[1], f"{name}[1]", min=0, max=1e12,
                                   min_inclusive=False))
    if not isinstance(quantity, str):
        raise TypeError(f"quantity must be a str; got {describe(quantity)}")
    lo = min(m - 4 * np.sqrt(v) for m, v in pairs.values())
    hi = max(m + 4 * np.sqrt(v) for m, v in pairs.values())
    x = np.linspace(lo, hi, 600)
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    styles = {"prior": ("#ff7f0e", "predicted  N(x̂, P̂)"),
              "measurement": ("#d62ad6", "detection  N(z, R)"),
              "posterior": ("#1f77b4", "updated  N(x', P')")}
    for name, (m, v) in pairs.items():
        colour, label = styles[name]
        pdf = np.exp(-(x - m) ** 2 / (2 * v)) / np.sqrt(2 * np.pi * v)
        ax.plot(x, pdf, color=colour, lw=2.2, label=f"{label}: mean {m:.2f}, std {np.sqrt(v):.2f}")
        ax.fill_between(x, pdf, color=colour, alpha=0.12)
    ax.set_xlabel(quantity)
    ax.set_ylabel("probability density")
    ax.legend(fontsize=9, loc="upper left")
    ax.set_title("update = a precision-weighted average of prediction and detection", fontsize=11)
    return fig


def plot_assignment(values: Any, matches: Any, *, title: str = "", row_label: str = "track",
                    col_label: str = "detection", fmt: str = "{:.2f}", cmap: str = "viridis",
                    value_label: str = "IoU"):
    """A track-by-detection matrix with every value written in its cell and matches outlined.

    Parameters
    ----------
    values : (N, M) array_like, N, M <= 20
        IoU, cost or distance per pair.
    matches : (K, 2) array_like of int
        ``(row, column)`` pairs to outline.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    values = as_array(values, "values", ndim=2, kinds="iuf", finite=False, shape_hint="(N, M)")
    if np.isnan(values).any():
        raise ValueError("values must not hold NaN (inf marks a forbidden pair and is shown blank)")
    if max(values.shape) > 20:
        raise ValueError(f"values must be at most 20 x 20 to be readable; got {values.shape}")
    matches = as_array(matches, "matches", ndim=2, kinds="iu", allow_empty=True,
                       shape_hint="(K, 2)") if np.size(matches) else np.zeros((0, 2), int)
    for name, text in (("title", title), ("row_label", row_label), ("col_label", col_label),
                       ("fmt", fmt), ("cmap", cmap), ("value_label", value_label)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str; got {describe(text)}")
    n, m = values.shape
    fig, ax = plt.subplots(figsize=(1.1 * m + 2.4, 0.75 * n + 1.2), layout="constrained")
    shown = np.where(np.isfinite(values), values, np.nan)
    im = ax.imshow(shown, cmap=cmap)
    for i in range(n):
        for j in range(m):
            v = values[i, j]
            ax.text(j, i, fmt.format(v) if np.isfinite(v) else "inf", ha="center",
                    va="center", fontsize=10, color="w" if np.isfinite(v) else "k",
                    fontweight="bold", path_effects=_outline())
    for i, j in matches:
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#ff3030", lw=3))
    ax.set_xticks(range(m), [f"{col_label} {j}" for j in range(m)], fontsize=9)
    ax.set_yticks(range(n), [f"{row_label} {i}" for i in range(n)], fontsize=9)
    ax.set_title(title + ("\n" if title else "") + "red: the optimal assignment", fontsize=10)
    fig.colorbar(im, ax=ax, label=value_label, fraction=0.05)
    return fig


def _outline():
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.5, foreground="k")]


def plot_life_cycle(rules: str = "sort", *, confirm: str = "min_hits", max_age: str = "max_age"):
    """The track life cycle as a state diagram (SORT's or Deep SORT's rules).

    Parameters
    ----------
    rules : {"sort", "deep_sort"}
    confirm, max_age : str
        How the confirmation count and the patience are called in the labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    rules = check_choice(rules, "rules", ("sort", "deep_sort"))
    for name, text in (("confirm", confirm), ("max_age", max_age)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str; got {describe(text)}")
    fig, ax = plt.subplots(figsize=(9.5, 3.9), layout="constrained")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.2)
    ax.set_axis_off()
    nodes = {"birth": (0.7, 2.6), "tentative": (3.1, 2.6), "confirmed": (7.2, 2.6),
             "deleted": (5.15, 0.55)}
    for name, (x, y) in nodes.items():
        if name == "birth":
            ax.text(x, y, "unmatched\ndetection", ha="center", va="center", fontsize=10)
            continue
        ax.add_patch(FancyBboxPatch((x - 0.95, y - 0.35), 1.9, 0.7,
                                    boxstyle="round,pad=0.05", fc=_STATE_COLOURS[name],
                                    ec="k", lw=1.2))
        ax.text(x, y, name, ha="center", va="center", fontsize=12, fontweight="bold")

    def arrow(a, b, text, rad=0.0, dx=0.0, dy=0.0, colour="k"):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=16, lw=1.5,
                                     color=colour, connectionstyle=f"arc3,rad={rad}"))
        mx, my = (a[0] + b[0]) / 2 + dx, (a[1] + b[1]) / 2 + dy
        ax.text(mx, my, text, ha="center", va="center", fontsize=9, color=colour,
                bbox={"fc": "w", "ec": "none", "pad": 1.5})

    t, c, d = nodes["tentative"], nodes["confirmed"], nodes["deleted"]
    arrow((1.35, 2.6), (t[0] - 1.0, t[1]), "birth:\nnew ID")
    arrow((t[0] + 1.0, t[1] + 0.15), (c[0] - 1.0, c[1] + 0.15),
          f"matched, with {confirm}\nmatches in a row", dy=0.45)
    if rules == "sort":
        arrow((c[0] - 1.0, c[1] - 0.15), (t[0] + 1.0, t[1] - 0.15),
              "missed: the streak ends\n(reported again only after\n"
              f"{confirm} new matches)", dy=-0.55)
        arrow((t[0] + 0.3, t[1] - 0.4), (d[0] - 0.6, d[1] + 0.36),
              f"missed more than\n{max_age} frames in a row", dx=-1.0, dy=0.0)
        ax.text(t[0] - 1.2, t[1] + 0.85, "missed, but not for\nlonger than " + max_age
                + ": kept", fontsize=9, ha="center")
        ax.set_title("SORT: a track is reported while it has been matched "
                     f"{confirm} frames in a row", fontsize=11)
    else:
        arrow((t[0] + 0.3, t[1] - 0.4), (d[0] - 0.6, d[1] + 0.36),
              "missed once\n(on probation)", dx=-0.9)
        arrow((c[0] - 0.3, c[1] - 0.4), (d[0] + 0.6, d[1] + 0.36),
              f"missed more than\n{max_age} frames in a row", dx=0.95)
        ax.text(c[0] + 1.35, c[1] + 0.85, f"missed, up to {max_age}\nframes: still "
                "confirmed", fontsize=9, ha="center")
        ax.set_title("Deep SORT: tentative tracks are on probation, confirmed tracks are "
                     "patient", fontsize=11)
    return fig


def plot_track_timeline(matched: Any, tracks: Mapping[str, Sequence[str]], *,
                        reported: Mapping[str, Sequence[bool]] | None = None):
    """Frame-by-frame states of one track under one or more rule sets.

    Parameters
    ----------
    matched : (T,) sequence of bool
        Whether the track was matched in each frame after its birth.
    tracks : dict name -> list of T + 1 states
        From :func:`helpers.tracking.track.life_cycle_states` (birth frame first).
    reported : dict name -> list of T + 1 bools, optional
        Frames in which the tracker shows the track (a dot).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    flags = ([bool(m) for m in matched]
             if isinstance(matched, (list, tuple, np.ndarray))
             and all(isinstance(m, (bool, np.bool_)) for m in matched) else None)
    if flags is None or not 1 <= len(flags) <= 200:
        raise TypeError(f"matched must be a list of 1 to 200 bools; got {describe(matched)}")
    if not isinstance(tracks, Mapping) or not 1 <= len(tracks) <= 6:
        raise TypeError(f"tracks must be a dict of 1 to 6 state lists; got {describe(tracks)}")
    for name, states in tracks.items():
        if len(states) != len(flags) + 1 or not set(states) <= set(_STATE_COLOURS):
            raise ValueError(f"tracks[{name!r}] must list {len(flags) + 1} states "
                             f"({', '.join(_STATE_COLOURS)}); got {describe(states)}")
    if reported is not None and not isinstance(reported, Mapping):
        raise TypeError(f"reported must be a dict name -> list of bools, or None; got "
                        f"{describe(reported)}")
    reported = reported or {}
    rows = ["detection", *tracks]
    fig, ax = plt.subplots(figsize=(min(0.42 * (len(flags) + 1) + 2.5, 14), 0.7 * len(rows) + 1.2),
                           layout="constrained")
    ax.text(0, 0, "born", ha="center", va="center", fontsize=8)
    for k, hit in enumerate(flags, start=1):
        ax.add_patch(plt.Rectangle((k - 0.4, -0.35), 0.8, 0.7,
                                   fc="#333333" if hit else "w", ec="#333333"))
    for r, (name, states) in enumerate(tracks.items(), start=1):
        for k, state in enumerate(states):
            ax.add_patch(plt.Rectangle((k - 0.45, r - 0.35), 0.9, 0.7,
                                       fc=_STATE_COLOURS[state], ec="w"))
        shown = reported.get(name)
        if shown is not None:
            ks = [k for k, s in enumerate(shown) if s]
            ax.plot(ks, [r] * len(ks), "o", color="k", ms=5)
    ax.set_xlim(-0.6, len(flags) + 0.6)
    ax.set_ylim(len(rows) - 0.5, -0.6)
    ax.set_yticks(range(len(rows)), ["matched?"] + list(tracks), fontsize=10)
    ax.set_xticks(range(len(flags) + 1))
    ax.set_xlabel("frame (0 = the frame the track is born in)")
    handles = [Patch(fc=c, label=s) for s, c in _STATE_COLOURS.items()]
    handles += [Patch(fc="#333333", label="matched to a detection"),
                Patch(fc="w", ec="#333333", label="missed")]
    if reported:
        handles.append(plt.Line2D([], [], marker="o", color="k", ls="", label="reported"))
    ax.legend(handles=handles, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              frameon=False)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return fig


def plot_id_timeline(scene: Any, outputs: Mapping[str, Sequence[np.ndarray]], walkers: Any, *,
                     iou_threshold: float = 0.5):
    """Which track ID covered each walker in each frame, per tracker: ID switches made visible.

    Parameters
    ----------
    scene : Scene
    outputs : dict name -> list of (K, 5) arrays
        Trackers' outputs (``track_sequence``), one per frame.
    walkers : sequence of int, at most 8
        Walker ids to show.
    iou_threshold : float
        A track covers a walker in a frame if they are matched (optimal assignment) with at
        least this IoU, as in the MOT metrics.

    Returns
    -------
    matplotlib.figure.Figure
        One row per walker and tracker; each colour is one track ID, labelled where it starts;
        grey where the walker is hidden (visibility < 0.2).
    """
    import matplotlib.pyplot as plt

    from .boxes import box_iou
    from .tracking.assignment import linear_assignment

    scene = _scene(scene)
    if not isinstance(outputs, Mapping) or not 1 <= len(outputs) <= 4:
        raise TypeError(f"outputs must be a dict of 1 to 4 trackers' outputs; "
                        f"got {describe(outputs)}")
    walkers = [check_int(w, "walkers", min=1, max=scene.n_identities) for w in
               as_array(walkers, "walkers", ndim=1, kinds="iu").tolist()]
    if len(walkers) > 8:
        raise ValueError(f"walkers must name at most 8 walkers; got {len(walkers)}")
    t_iou = check_float(iou_threshold, "iou_threshold", min=0, max=1, min_inclusive=False)
    T = scene.n_frames
    for name, out in outputs.items():
        if not isinstance(out, (list, tuple)) or len(out) != T:
            raise ValueError(f"outputs[{name!r}] must have one array per frame ({T})")
    cover = {name: np.full((len(walkers), T), -1) for name in outputs}
    for t in range(T):
        ids, boxes, _ = scene.at(t)
        for name, out in outputs.items():
            h = np.asarray(out[t], float).reshape(-1, 5)
            if not len(h) or not len(ids):
                continue
            m, _, _ = linear_assignment(1 - box_iou(boxes, h[:, :4]), 1 - t_iou)
            for gi, hi in m:
                if ids[gi] in walkers:
                    cover[name][walkers.index(ids[gi]), t] = int(h[hi, 4])
    rows = [(w, name) for w in walkers for name in outputs]
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(rows) + 1.3), layout="constrained")
    tab = plt.get_cmap("tab20")
    colours = [tab(k) for k in range(20) if k not in (14, 15)]  # no greys: grey means hidden

    def palette(k: int):
        return colours[k % len(colours)]

    for r, (w, name) in enumerate(rows):
        vis = np.zeros(T)
        alive = np.zeros(T, bool)
        sel = scene.ids == w
        vis[scene.frames[sel]] = scene.visibility[sel]
        alive[scene.frames[sel]] = True
        hidden = alive & (vis < 0.2)
        ax.bar(np.flatnonzero(hidden), 0.8, bottom=r - 0.4, width=1.0, color="#dddddd")
        row = cover[name][walkers.index(w)]
        start = 0
        for t in range(1, T + 1):
            if t == T or row[t] != row[start]:
                if row[start] >= 0:
                    ax.barh(r, t - start, left=start - 0.5, height=0.7,
                            color=palette(row[start]), ec="k", lw=0.4)
                    if t - start >= 4:
                        ax.text(start, r, str(row[start]), fontsize=8, va="center",
                                fontweight="bold", color="w", path_effects=_outline())
                start = t
    ax.set_yticks(range(len(rows)), [f"walker {w}, {n}" for w, n in rows], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-0.5, T - 0.5)
    ax.set_xlabel("frame")
    ax.set_title("each colour and number is one track ID; grey: the walker is hidden; "
                 "a change of colour is an ID switch", fontsize=10)
    return fig


def plot_filter_uncertainty(kalmans: Mapping[str, Any], heights: Sequence[float] = (40, 150),
                            missed: int = 15):
    """How uncertain each filter is about a box's centre while it goes undetected.

    For each filter and box height, a track is started and matched for 10 frames to a box
    standing still, then predicted ``missed`` frames without a detection; the figure shows the
    standard deviation of the predicted centre x, frame by frame.

    Parameters
    ----------
    kalmans : dict name -> SortKalmanFilter or KalmanBoxFilter
    heights : sequence of float, 1 to 4 box heights in px
    missed : int in [1, 200]

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .tracking.kalman import KalmanBoxFilter, SortKalmanFilter

    if not isinstance(kalmans, Mapping) or not 1 <= len(kalmans) <= 4:
        raise TypeError(f"kalmans must be a dict of 1 to 4 filters; got {describe(kalmans)}")
    for name, kf in kalmans.items():
        check_instance(kf, f"kalmans[{name!r}]", (KalmanBoxFilter, SortKalmanFilter))
    if not isinstance(heights, (list, tuple)) or not 1 <= len(heights) <= 4:
        raise TypeError(f"heights must be a list of 1 to 4 heights; got {describe(heights)}")
    heights = [check_float(h, "heights", min=1, max=5000) for h in heights]
    missed = check_int(missed, "missed", min=1, max=200)
    fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
    styles = ["-", "--", ":", "-."]
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for (name, kf), colour in zip(kalmans.items(), colours, strict=False):
        for h, style in zip(heights, styles, strict=False):
            box = np.array([[100.0, 100.0, 100 + 0.4 * h, 100 + h]])
            z = kf.box_to_measurement(box)[0]
            mean, cov = kf.initiate(z)
            for _ in range(10):
                mean, cov = kf.update(*kf.predict(mean, cov), z)
            sd = []
            for _ in range(missed):
                mean, cov = kf.predict(mean, cov)
                sd.append(np.sqrt(cov[0, 0]))
            ax.plot(range(1, missed + 1), sd, style, color=colour, lw=2,
                    label=f"{name}, box {h:.0f} px tall")
    ax.set_xlabel("frames without a detection")
    ax.set_ylabel("std of the predicted centre x (px)")
    ax.legend(fontsize=9)
    ax.set_title("the prediction's uncertainty while a walker is hidden", fontsize=11)
    return fig


def kalman_noise_table(kalmans: Mapping[str, Any], heights: Sequence[float] = (40, 150)):
    """The two filters side by side: state, measurement and noise, computed from the filters.

    Parameters
    ----------
    kalmans : dict name -> SortKalmanFilter or KalmanBoxFilter
    heights : sequence of float, 1 to 3 box heights in px (aspect 0.4)

    Returns
    -------
    pandas.DataFrame
        One column per filter; rows: state, measurement, and for each height the standard
        deviations of the process noise on the centre and on its velocity, of the detector
        noise on the centre, and of a new track's velocity.
    """
    import pandas as pd

    from .tracking.kalman import KalmanBoxFilter, SortKalmanFilter

    if not isinstance(kalmans, Mapping) or not 1 <= len(kalmans) <= 4:
        raise TypeError(f"kalmans must be a dict of 1 to 4 filters; got {describe(kalmans)}")
    if not isinstance(heights, (list, tuple)) or not 1 <= len(heights) <= 3:
        raise TypeError(f"heights must be a list of 1 to 3 heights; got {describe(heights)}")
    heights = [check_float(h, "heights", min=1, max=5000) for h in heights]
    table = {}
    for name, kf in kalmans.items():
        check_instance(kf, f"kalmans[{name!r}]", (KalmanBoxFilter, SortKalmanFilter))
        sort = isinstance(kf, SortKalmanFilter)
        col = {"state": "(u, v, s, r, u', v', s')" if sort else "(x, y, a, h, x', y', a', h')",
               "measurement": "centre, area s = wh, aspect r" if sort
               else "centre, aspect a, height h"}
        for h in heights:
            z = kf.box_to_measurement(np.array([[0.0, 0.0, 0.4 * h, h]]))[0]
            mean, cov = kf.initiate(z)
            q, r = kf.process_noise(mean), kf.measurement_noise(mean)
            col[f"process std, centre ({h:.0f} px box)"] = f"{np.sqrt(q[0, 0]):.2f} px"
            col[f"process std, velocity ({h:.0f} px box)"] = f"{np.sqrt(q[4, 4]):.3f} px/frame"
            col[f"detector std, centre ({h:.0f} px box)"] = f"{np.sqrt(r[0, 0]):.2f} px"
            col[f"new track's velocity std ({h:.0f} px box)"] = \
                f"{np.sqrt(cov[4, 4]):.1f} px/frame"
        table[name] = col
    return pd.DataFrame(table)


def show_crops(crops: Any, labels: Any, *, walkers: int = 4, per_walker: int = 8):
    """A grid of crops: one row per walker (identity), ``per_walker`` crops each.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    crops = as_array(crops, "crops", ndim=4, kinds="u", shape_hint="(N, h, w, 3) uint8")
    labels = as_array(labels, "labels", ndim=1, kinds="iu")
    if len(labels) != len(crops):
        raise ValueError(f"labels must have one entry per crop ({len(crops)}); got {len(labels)}")
    walkers = check_int(walkers, "walkers", min=1, max=10)
    per_walker = check_int(per_walker, "per_walker", min=1, max=16)
    ids = np.unique(labels)[:walkers]
    fig, axes = plt.subplots(len(ids), per_walker, figsize=(per_walker, 1.35 * len(ids)),
                             squeeze=False, layout="constrained")
    for row, walker in enumerate(ids):
        picks = np.flatnonzero(labels == walker)[:per_walker]
        for col, ax in enumerate(axes[row]):
            ax.set_axis_off()
            if col < len(picks):
                ax.imshow(crops[picks[col]])
        axes[row, 0].set_title(f"walker {walker}", fontsize=9, loc="left")
    return fig


def plot_embedding_distances(same: Any, different: Any, threshold: float):
    """Cosine distances between crops of the same walker and of different walkers.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    same = as_array(same, "same", ndim=1, kinds="iuf")
    different = as_array(different, "different", ndim=1, kinds="iuf")
    threshold = check_float(threshold, "threshold", min=0, max=2)
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    bins = np.linspace(0, max(1.2, float(np.max(different))), 60)
    ax.hist(different, bins=bins, density=True, alpha=0.6, color="#c44e52",
            label="different walkers")
    ax.hist(same, bins=bins, density=True, alpha=0.6, color="#4c72b0", label="same walker")
    ax.axvline(threshold, color="k", ls="--", lw=1.5,
               label=f"max_cosine_distance = {threshold}")
    ax.set_xlabel("cosine distance 1 - f·g between two crops' embeddings")
    ax.set_ylabel("density")
    ax.legend(fontsize=9)
    return fig


def plot_gate(kalman: Any, tracks: Mapping[str, tuple[np.ndarray, np.ndarray]],
              detections: Any, *, gate: float = 9.4877):
    """Deep SORT's gate around each track's predicted centre, and candidate detections.

    Draws, for detections of the predicted size, the region where the squared Mahalanobis
    distance is at most ``gate``, and marks each detection with its distance to each track.

    Parameters
    ----------
    kalman : KalmanBoxFilter
    tracks : dict name -> (mean (8,), cov (8, 8))
        Predicted states.
    detections : (M, 4) array_like, xyah

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .tracking.kalman import KalmanBoxFilter

    check_instance(kalman, "kalman", KalmanBoxFilter)
    if not isinstance(tracks, Mapping) or not 1 <= len(tracks) <= 4:
        raise TypeError(f"tracks must be a dict of 1 to 4 (mean, cov) pairs; "
                        f"got {describe(tracks)}")
    dets = as_array(detections, "detections", ndim=2, kinds="iuf", shape_hint="(M, 4) xyah")
    if dets.shape[1] != 4 or len(dets) > 20:
        raise ValueError(f"detections must have shape (M, 4) with M <= 20; got {dets.shape}")
    gate = check_float(gate, "gate", min=0, max=1e6, min_inclusive=False)
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    angle = np.linspace(0, 2 * np.pi, 200)
    for (name, (mean, cov)), colour in zip(tracks.items(), colours, strict=False):
        mu, S = kalman.project(mean, cov)
        M = np.linalg.inv(S)[:2, :2]  # the gate for detections of the predicted size
        vals, vecs = np.linalg.eigh(M)
        pts = (np.stack([np.cos(angle), np.sin(angle)], 1) * np.sqrt(gate / vals)) @ vecs.T
        d2 = kalman.gating_distance(mean, cov, dets)
        listing = ", ".join(f"d{j}: {v:.1f}" for j, v in enumerate(d2))
        ax.plot(mu[0] + pts[:, 0], mu[1] + pts[:, 1], color=colour, lw=2,
                label=f"{name}: gate d² <= {gate}\n    d² to {listing}")
        ax.plot(*mu[:2], "+", color=colour, ms=14, mew=2)
    ax.plot(dets[:, 0], dets[:, 1], "o", color="k", ms=6, label="detections d0, d1, ...")
    for j, (x, y, _, _) in enumerate(dets):
        ax.annotate(f"d{j}", (x, y), textcoords="offset points", xytext=(0, 8), ha="center",
                    fontsize=9)
    ax.set_aspect("equal")
    ax.invert_yaxis()
    ax.set_xlabel("x (px)")
    ax.set_ylabel("y (px)")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_matching_cascade(cost: Any, time_since_update: Any, cascade: Any, single: Any, *,
                          max_cost: float):
    """The matching cascade drawn: who gets which detection, level by level, vs one assignment.

    Parameters
    ----------
    cost : (N, M) array_like
        Gated cost of each (track, detection) pair (``inf`` or anything above ``max_cost``
        for forbidden pairs).
    time_since_update : (N,) array_like of int
        Frames since each track was last matched (1 = last frame): its cascade level.
    cascade, single : (K, 2) array_like of int
        Matches of the cascade and of one global assignment over all tracks.
    max_cost : float
        Pairs above it are not drawn.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, tracks on the left of each (ordered by level), detections on the right;
        thin grey lines are allowed pairs with their costs, thick lines the matches.
    """
    import matplotlib.pyplot as plt

    cost = as_array(cost, "cost", ndim=2, kinds="iuf", finite=False, shape_hint="(N, M)")
    if np.isnan(cost).any():
        raise ValueError("cost must not hold NaN (use inf for a forbidden pair)")
    if max(cost.shape) > 10:
        raise ValueError(f"cost must be at most 10 x 10 to be readable; got {cost.shape}")
    tsu = as_array(time_since_update, "time_since_update", ndim=1, kinds="iu")
    if len(tsu) != cost.shape[0]:
        raise ValueError(f"time_since_update must have one entry per track ({cost.shape[0]}); "
                         f"got {len(tsu)}")
    results = {}
    for name, value in (("cascade", cascade), ("single", single)):
        arr = np.asarray(value)
        results[name] = (np.zeros((0, 2), int) if arr.size == 0 else
                         as_array(value, name, ndim=2, kinds="iu", shape_hint="(K, 2)"))
    max_cost = check_float(max_cost, "max_cost", min=-1e12, max=1e12)
    n, m = cost.shape
    order = np.argsort(tsu, kind="stable")
    ty = {int(i): k for k, i in enumerate(order)}
    dy = np.linspace(0, n - 1, m) if m > 1 else np.array([(n - 1) / 2])
    level_colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.85, max(int(tsu.max()), 1)))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.75 * max(n, m) + 1.6), layout="constrained")
    titles = {"cascade": "matching cascade: recently seen tracks choose first",
              "single": "one assignment over all tracks at once"}
    for ax, (name, matches) in zip(axes, results.items(), strict=True):
        for i in range(n):
            for j in range(m):
                if cost[i, j] <= max_cost:
                    ax.plot([0, 1], [ty[i], dy[j]], color="0.75", lw=1, zorder=1)
                    ax.text(0.5, (ty[i] + dy[j]) / 2, f"{cost[i, j]:.2f}", fontsize=8,
                            color="0.35", ha="center", va="center",
                            bbox={"fc": "w", "ec": "none", "pad": 0.5})
        for i, j in matches:
            colour = level_colours[min(int(tsu[i]), len(level_colours)) - 1]
            ax.plot([0, 1], [ty[int(i)], dy[int(j)]], color=colour, lw=4, zorder=2)
        for i in range(n):
            ax.text(-0.03, ty[i], f"track {i}\nlast seen {int(tsu[i])} frame"
                    f"{'s' if tsu[i] > 1 else ''} ago", ha="right", va="center", fontsize=9,
                    color=level_colours[min(int(tsu[i]), len(level_colours)) - 1])
            ax.plot(0, ty[i], "o", color="k", ms=6)
        for j in range(m):
            ax.text(1.03, dy[j], f"detection {j}", ha="left", va="center", fontsize=9)
            ax.plot(1, dy[j], "s", color="k", ms=6)
        total = sum(cost[int(i), int(j)] for i, j in matches)
        ax.set_title(f"{titles[name]}\n{len(matches)} matches, total cost {total:.2f}",
                     fontsize=10)
        ax.set_xlim(-0.55, 1.45)
        ax.set_ylim(max(n, m) - 0.5, -0.5)
        ax.set_axis_off()
    return fig


def plot_benchmark(results: Mapping[str, Any]):
    """The benchmark's trackers side by side: ID switches, MOTA, IDF1 and HOTA (means and seeds).

    Parameters
    ----------
    results : dict
        :func:`helpers.tracking.benchmark.run_benchmark`'s first output.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .tracking.benchmark import TRACKERS

    if not isinstance(results, Mapping) or set(TRACKERS) - set(results):
        raise ValueError(f"results must be run_benchmark()'s first output, with entries "
                         f"{', '.join(TRACKERS)}; got {describe(results)}")
    panels = (("id_switches", "ID switches (fewer is better)"), ("mota", "MOTA"),
              ("idf1", "IDF1"), ("hota", "HOTA"))
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), layout="constrained")
    colours = ["#8c8c8c", "#c9a227", "#4c72b0", "#2a9d5c"]
    x = np.arange(len(TRACKERS))
    for ax, (key, title) in zip(axes, panels, strict=True):
        means = [results[name]["mean"][key] for name in TRACKERS]
        ax.bar(x, means, color=colours)
        for k, name in enumerate(TRACKERS):
            per = [v[key] for v in results[name]["per_seed"].values()]
            ax.plot(np.full(len(per), k), per, "o", color="k", ms=3)
            ax.text(k, means[k], f"{means[k]:.3g}", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(x, [TRACKER_LABELS[n] for n in TRACKERS], fontsize=8.5)
        ax.set_title(title, fontsize=10.5)
    return fig
