"""The tracking benchmark: what patience buys, what appearance buys, and at what speed.

Command::

    python -m helpers.tracking.benchmark --seeds 1 2 3 --json results.json [--frames 500]

For each seed it generates a fresh scene (:func:`~helpers.tracking.scene.make_scene`) and its
detections, runs four trackers on the same detections (score >= 0.3), scores them, prints a
table and writes JSON of exactly this shape::

    {"sort": {"mean": M, "per_seed": {"<seed>": M, ...}},
     "sort_patient": {...}, "deep_sort_no_appearance": {...}, "deep_sort": {...}}

where each ``M`` is ``{"mota", "idf1", "hota", "id_switches", "fp", "fn", "fps"}`` (MOTA,
IDF1 and HOTA as fractions). The four trackers separate the two things Deep SORT adds:

* ``sort``: SORT with the paper's settings (``iou_threshold=0.3, max_age=1, min_hits=3``);
* ``sort_patient``: the same with Deep SORT's patience, ``max_age=30``;
* ``deep_sort_no_appearance``: Deep SORT (``max_age=30, n_init=3``, Mahalanobis gate, cascade)
  with the appearance term switched off: what patience and gating buy;
* ``deep_sort``: Deep SORT (``max_cosine_distance=0.2, nn_budget=100``): the difference to the
  previous row is what appearance alone buys.

``fps`` is frames per second of the tracker's ``update`` calls; for Deep SORT it is end to end:
cropping and embedding every detection included. Rendering the frames plays the role of the
camera and is charged to nobody (its speed is printed separately). The appearance net is the
shipped checkpoint, trained on :data:`~helpers.tracking.embedding.TRAINING_SEEDS`.

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

from .._validation import check_bool, check_choice, check_float, check_instance, check_int, describe
from .deep_sort import DeepSortTracker
from .detector import simulate_detections
from .metrics import evaluate_tracking, hota
from .pipeline import track_sequence
from .scene import make_scene
from .sort import SortTracker

__all__ = [
    "MAX_SEEDS",
    "METRICS",
    "TRACKERS",
    "benchmark_breakdown",
    "format_table",
    "make_benchmark_tracker",
    "run_benchmark",
]

#: The trackers compared, in table order.
TRACKERS = ("sort", "sort_patient", "deep_sort_no_appearance", "deep_sort")
#: The figures reported for each (tracker, seed), in the JSON's order.
METRICS = ("mota", "idf1", "hota", "id_switches", "fp", "fn", "fps")
#: Most seeds one benchmark call runs.
MAX_SEEDS = 100


def make_benchmark_tracker(name: str) -> SortTracker | DeepSortTracker:
    """A fresh tracker of the benchmark, by its name in :data:`TRACKERS`.

    Examples
    --------
    >>> make_benchmark_tracker("sort_patient").max_age
    30
    """
    name = check_choice(name, "name", TRACKERS)
    if name == "sort":
        return SortTracker()
    if name == "sort_patient":
        return SortTracker(max_age=30)
    return DeepSortTracker(use_appearance=(name == "deep_sort"))


def run_benchmark(
    seeds: Sequence[int],
    *,
    n_frames: int = 500,
    min_score: float = 0.3,
    net: Any = None,
    progress: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the four trackers on fresh scenes for ``seeds``.

    Parameters
    ----------
    seeds : sequence of int
        Scene seeds (at most :data:`MAX_SEEDS`); those in ``TRAINING_SEEDS`` trigger a
        warning (the net saw them).
    n_frames : int in [2, 5000]
        Frames per scene.
    min_score : float in [0, 1]
        Detector confidence threshold, the same for all trackers.
    net : EmbeddingNet, optional
        Appearance net (default: :func:`~helpers.tracking.embedding.load_embedding`).
    progress : bool
        Print a line per seed.

    Returns
    -------
    results : dict
        The JSON structure described in the module docstring.
    details : dict
        Per tracker and seed: ID switches by gap length, number of ground-truth boxes, DetA and
        AssA (HOTA's two parts); and the render speed per seed (frames/s).

    Examples
    --------
    >>> res, _ = run_benchmark([5], n_frames=30)     # doctest: +SKIP
    >>> sorted(res)                                    # doctest: +SKIP
    ['deep_sort', 'deep_sort_no_appearance', 'sort', 'sort_patient']
    >>> sorted(res["sort"]["mean"])                    # doctest: +SKIP
    ['fn', 'fp', 'fps', 'hota', 'id_switches', 'idf1', 'mota']
    """
    from ..nets.embedding import EmbeddingNet
    from .embedding import TRAINING_SEEDS, load_embedding, sequence_features

    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds must be a list of scene seeds; got {type(seeds).__name__}")
    if not seeds:
        raise ValueError("seeds must name at least one scene seed; got none")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"seeds must name at most {MAX_SEEDS} scenes; got {len(seeds)}")
    seeds = [check_int(s, "seeds", min=0, max=2**32 - 1) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; got {seeds}")
    n_frames = check_int(n_frames, "n_frames", min=2, max=5000)
    min_score = check_float(min_score, "min_score", min=0, max=1)
    progress = check_bool(progress, "progress")
    if net is not None:
        check_instance(net, "net", EmbeddingNet, "an EmbeddingNet (from load_embedding())")
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
            uses_features = name == "deep_sort"
            out, track_s = track_sequence(make_benchmark_tracker(name), dets, min_score=min_score,
                                          features=feats if uses_features else None)
            seconds = track_s + (embed_s if uses_features else 0.0)
            r = evaluate_tracking(scene, out)
            h = hota(scene, out)
            results[name]["per_seed"][str(seed)] = {
                "mota": r["mota"], "idf1": r["idf1"], "hota": h["hota"],
                "id_switches": r["id_switches"], "fp": r["fp"], "fn": r["fn"],
                "fps": n_frames / seconds,
            }
            details[name][str(seed)] = {"switches_by_gap": r["switches_by_gap"],
                                        "num_objects": r["num_objects"],
                                        "deta": h["deta"], "assa": h["assa"]}
        if progress:
            print(f"seed {seed}: done", file=sys.stderr, flush=True)
    for name in TRACKERS:
        per = results[name]["per_seed"].values()
        results[name]["mean"] = {k: float(np.mean([m[k] for m in per])) for k in METRICS}
    return results, details


def benchmark_breakdown(results: dict[str, Any]) -> dict[str, float]:
    """What patience buys and what appearance buys, from :func:`run_benchmark`'s results.

    Returns
    -------
    dict
        ``patience_sort``: fraction of SORT's ID switches that ``max_age=30`` removes;
        ``patience_deep_sort``: fraction that Deep SORT's machinery without appearance
        (patience, gate, cascade) removes; ``appearance``: fraction of the motion-only Deep
        SORT's switches that appearance removes; ``*_mota``: the MOTA changes of the same
        steps; ``*_fps``: mean frames per second of each tracker. Fractions of means over seeds.

    Examples
    --------
    >>> M = lambda sw, mota: {"mean": {"id_switches": sw, "mota": mota, "fps": 100.0}}
    >>> r = {"sort": M(100, 0.5), "sort_patient": M(80, 0.48),
    ...      "deep_sort_no_appearance": M(40, 0.7), "deep_sort": M(10, 0.72)}
    >>> b = benchmark_breakdown(r)
    >>> b["patience_sort"], b["patience_deep_sort"], b["appearance"]
    (0.2, 0.6, 0.75)
    """
    if not isinstance(results, dict) or set(TRACKERS) - set(results):
        raise ValueError(f"results must be run_benchmark()'s first output, with entries "
                         f"{', '.join(TRACKERS)}; got {describe(results)}")

    def mean(name: str, key: str) -> float:
        return float(results[name]["mean"][key])

    def cut(before: str, after: str) -> float:
        b = mean(before, "id_switches")
        return 1.0 - mean(after, "id_switches") / b if b > 0 else 0.0

    out = {
        "patience_sort": cut("sort", "sort_patient"),
        "patience_deep_sort": cut("sort", "deep_sort_no_appearance"),
        "appearance": cut("deep_sort_no_appearance", "deep_sort"),
        "patience_sort_mota": mean("sort_patient", "mota") - mean("sort", "mota"),
        "patience_deep_sort_mota": mean("deep_sort_no_appearance", "mota") - mean("sort", "mota"),
        "appearance_mota": mean("deep_sort", "mota") - mean("deep_sort_no_appearance", "mota"),
    }
    out.update({f"{name}_fps": mean(name, "fps") for name in TRACKERS})
    return out


def _warm_up(net: Any) -> None:
    """Run every code path once untimed, so imports and first-call set-up are not measured."""
    from .embedding import embed

    scene = make_scene(0, n_frames=5, n_objects=3)
    dets = simulate_detections(scene, seed=0)
    embed(net, np.zeros((2, 64, 32, 3), np.uint8))
    for name in TRACKERS:
        feats = [np.ones((len(dets.at(t, 0.3)[0]), net.fc.out_features)) for t in range(5)]
        track_sequence(make_benchmark_tracker(name), dets,
                       features=feats if name == "deep_sort" else None)
    evaluate_tracking(scene, [np.zeros((0, 5))] * 5)


def format_table(results: dict[str, Any], details: dict[str, Any] | None = None) -> str:
    """The results as a plain-text table (one row per tracker and seed, then the means)."""
    if not isinstance(results, dict) or set(TRACKERS) - set(results):
        raise ValueError(f"results must be run_benchmark()'s first output, with entries "
                         f"{', '.join(TRACKERS)}; got {describe(results)}")
    if details is not None and not isinstance(details, dict):
        raise TypeError(f"details must be run_benchmark()'s second output; got {describe(details)}")
    head = (f"{'tracker':<24} {'seed':>5} {'MOTA':>6} {'IDF1':>6} {'HOTA':>6} "
            f"{'IDsw':>6} {'FP':>5} {'FN':>6} {'fps':>6}")
    if details:
        head += f" {'DetA':>5} {'AssA':>5}  {'IDsw by gap 1/2-10/>10':>22}"
    lines = [head, "-" * len(head)]
    for name in TRACKERS:
        rows = list(results[name]["per_seed"].items()) + [("mean", results[name]["mean"])]
        for seed, m in rows:
            line = (f"{name:<24} {seed:>5} {m['mota']:>6.3f} {m['idf1']:>6.3f} {m['hota']:>6.3f} "
                    f"{m['id_switches']:>6.1f} {m['fp']:>5.0f} {m['fn']:>6.0f} {m['fps']:>6.0f}")
            per = (details or {}).get(name, {})
            if seed in per:
                g = per[seed]["switches_by_gap"]
                line += (f" {per[seed]['deta']:>5.3f} {per[seed]['assa']:>5.3f}"
                         f"  {' / '.join(str(v) for v in g.values()):>22}")
            elif seed == "mean" and per:
                line += (f" {np.mean([d['deta'] for d in per.values()]):>5.3f}"
                         f" {np.mean([d['assa'] for d in per.values()]):>5.3f}")
            lines.append(line)
    b = benchmark_breakdown(results)
    lines.append(f"patience (SORT max_age 1 -> 30): {b['patience_sort']:.0%} fewer ID switches, "
                 f"MOTA {b['patience_sort_mota']:+.3f}")
    lines.append(f"Deep SORT without appearance vs SORT: {b['patience_deep_sort']:.0%} fewer, "
                 f"MOTA {b['patience_deep_sort_mota']:+.3f}")
    lines.append(f"appearance alone (Deep SORT vs the same without it): {b['appearance']:.0%} "
                 f"fewer, MOTA {b['appearance_mota']:+.3f}")
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
