"""The tracking benchmark: SORT vs Deep SORT vs Deep SORT without appearance, measured.

Command::

    python -m helpers.tracking.benchmark --seeds 1 2 3 --json results.json [--frames 500]

For each seed it generates a fresh scene (:func:`~helpers.tracking.scene.make_scene`) and its
detections, runs the three trackers on the same detections (score >= 0.3), scores them with
motmetrics, prints a table and writes JSON of exactly this shape::

    {"sort": {"mean": M, "per_seed": {"<seed>": M, ...}},
     "deep_sort": {...}, "deep_sort_no_appearance": {...}}

where each ``M`` is ``{"mota", "idf1", "id_switches", "fp", "fn", "fps"}`` (MOTA and IDF1 as
fractions). ``fps`` is frames per second of the tracker's ``update`` calls; for Deep SORT it is
end to end: cropping and embedding every detection included. Rendering the frames plays the role
of the camera and is charged to nobody (its speed is printed separately).

Parameters are the papers' defaults: SORT ``iou_threshold=0.3, max_age=1, min_hits=3``;
Deep SORT ``max_cosine_distance=0.2, nn_budget=100, max_age=30, n_init=3``. The appearance net
is the shipped checkpoint, trained on :data:`~helpers.tracking.embedding.TRAINING_SEEDS`.

Used in chapters/21_deep_sort.ipynb; the tests run it on a short sequence.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_float, check_int
from .deep_sort import DeepSortTracker
from .detector import simulate_detections
from .metrics import evaluate_tracking
from .pipeline import track_sequence
from .scene import make_scene
from .sort import SortTracker

__all__ = ["METRICS", "TRACKERS", "format_table", "run_benchmark"]

#: The trackers compared, in table order.
TRACKERS = ("sort", "deep_sort", "deep_sort_no_appearance")
#: The figures reported for each (tracker, seed), in the JSON's order.
METRICS = ("mota", "idf1", "id_switches", "fp", "fn", "fps")


def _make_tracker(name: str, **overrides: Any) -> SortTracker | DeepSortTracker:
    if name == "sort":
        return SortTracker(**overrides)
    return DeepSortTracker(use_appearance=(name == "deep_sort"), **overrides)


def run_benchmark(
    seeds: Sequence[int],
    *,
    n_frames: int = 500,
    min_score: float = 0.3,
    net: Any = None,
    progress: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the three trackers on fresh scenes for ``seeds``.

    Parameters
    ----------
    seeds : sequence of int
        Scene seeds; those in ``TRAINING_SEEDS`` trigger a warning (the net saw them).
    n_frames : int
        Frames per scene.
    min_score : float
        Detector confidence threshold, the same for all trackers.
    net : torch.nn.Module, optional
        Appearance net (default: :func:`~helpers.tracking.embedding.load_embedding`).
    progress : bool
        Print a line per seed.

    Returns
    -------
    results : dict
        The JSON structure described in the module docstring.
    details : dict
        Per tracker and seed: ID switches by gap length, number of ground-truth boxes, and the
        render speed per seed (frames/s).

    Examples
    --------
    >>> res, _ = run_benchmark([5], n_frames=30)     # doctest: +SKIP
    >>> sorted(res)                                    # doctest: +SKIP
    ['deep_sort', 'deep_sort_no_appearance', 'sort']
    >>> sorted(res["sort"]["mean"])                    # doctest: +SKIP
    ['fn', 'fp', 'fps', 'id_switches', 'idf1', 'mota']
    """
    from .embedding import TRAINING_SEEDS, load_embedding, sequence_features

    seeds = [check_int(s, "seed", min=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one scene seed; got none")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; got {seeds}")
    n_frames = check_int(n_frames, "n_frames", min=2)
    min_score = check_float(min_score, "min_score", min=0, max=1)
    seen = sorted(set(seeds) & set(TRAINING_SEEDS))
    if seen:
        warnings.warn(f"seeds {seen} are training seeds of the appearance net; results on them "
                      "are optimistic", stacklevel=2)
    net = load_embedding() if net is None else net
    _warm_up(net)
    results: dict[str, Any] = {name: {"mean": {}, "per_seed": {}} for name in TRACKERS}
    details: dict[str, Any] = {name: {} for name in TRACKERS}
    details["render_fps"] = {}
    for seed in seeds:
        scene = make_scene(seed, n_frames=n_frames)
        dets = simulate_detections(scene, seed=seed)
        feats, embed_s, render_s = sequence_features(scene, dets, net, min_score=min_score)
        details["render_fps"][str(seed)] = n_frames / render_s
        for name in TRACKERS:
            out, track_s = track_sequence(_make_tracker(name), dets, min_score=min_score,
                                          features=feats if name == "deep_sort" else None)
            seconds = track_s + (embed_s if name == "deep_sort" else 0.0)
            r = evaluate_tracking(scene, out)
            results[name]["per_seed"][str(seed)] = {
                "mota": r["mota"], "idf1": r["idf1"], "id_switches": r["id_switches"],
                "fp": r["fp"], "fn": r["fn"], "fps": n_frames / seconds,
            }
            details[name][str(seed)] = {"switches_by_gap": r["switches_by_gap"],
                                        "num_objects": r["num_objects"]}
        if progress:
            print(f"seed {seed}: done", file=sys.stderr, flush=True)
    for name in TRACKERS:
        per = results[name]["per_seed"].values()
        results[name]["mean"] = {k: float(np.mean([m[k] for m in per])) for k in METRICS}
    return results, details


def _warm_up(net: Any) -> None:
    """Run every code path once untimed, so imports and first-call set-up are not measured."""
    from .embedding import embed

    scene = make_scene(0, n_frames=5, n_objects=3)
    dets = simulate_detections(scene, seed=0)
    embed(net, np.zeros((2, 64, 32, 3), np.uint8))
    for name in TRACKERS:
        feats = [np.ones((len(dets.at(t, 0.3)[0]), net.fc.out_features)) for t in range(5)]
        track_sequence(_make_tracker(name), dets, features=feats if name == "deep_sort" else None)
    evaluate_tracking(scene, [np.zeros((0, 5))] * 5)


def format_table(results: dict[str, Any], details: dict[str, Any] | None = None) -> str:
    """The results as a plain-text table (one row per tracker and seed, then the means)."""
    head = (f"{'tracker':<24} {'seed':>6} {'MOTA':>7} {'IDF1':>7} "
            f"{'IDsw':>6} {'FP':>6} {'FN':>6} {'fps':>8}")
    if details:
        head += f"  {'IDsw by gap 1 / 2-10 / >10':>26}"
    lines = [head, "-" * len(head)]
    for name in TRACKERS:
        rows = list(results[name]["per_seed"].items()) + [("mean", results[name]["mean"])]
        for seed, m in rows:
            line = (f"{name:<24} {seed:>6} {m['mota']:>7.3f} {m['idf1']:>7.3f} "
                    f"{m['id_switches']:>6.0f} {m['fp']:>6.0f} {m['fn']:>6.0f} {m['fps']:>8.0f}")
            if details and seed in details.get(name, {}):
                g = details[name][seed]["switches_by_gap"]
                line += f"  {' / '.join(str(v) for v in g.values()):>26}"
            lines.append(line)
    s, d = results["sort"]["mean"], results["deep_sort"]["mean"]
    if s["id_switches"] > 0:
        change = 1 - d["id_switches"] / s["id_switches"]
        lines.append(f"Deep SORT vs SORT: {change:.0%} fewer ID switches, "
                     f"MOTA {d['mota'] - s['mota']:+.3f}, IDF1 {d['idf1'] - s['idf1']:+.3f}")
    if details and details.get("render_fps"):
        lines.append(f"(rendering the frames, not charged to any tracker: "
                     f"{np.mean(list(details['render_fps'].values())):.0f} frames/s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.tracking.benchmark",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="scene seeds")
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--frames", type=int, default=500, help="frames per scene (500)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for the embedding (1: small batches gain little "
                             "from more, and the timing is steadier)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(check_int(args.threads, "threads", min=1))
    results, details = run_benchmark(args.seeds, n_frames=args.frames, progress=True)
    print(format_table(results, details))
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
