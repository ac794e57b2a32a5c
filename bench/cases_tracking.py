"""Tracking speed and the Deep SORT vs SORT effect, for `make bench` (chapters 20 and 21).

Runs the same code as ``python -m helpers.tracking.benchmark --seeds 101 102 103`` (500 frames
per seed, ~20 walkers, one torch thread) and records:

* ``tracking/sort_fps``            - SORT's update calls alone, frames/s (target >= 1000)
* ``tracking/deep_sort_fps``       - Deep SORT end to end, cropping + embedding included (>= 50)
* ``tracking/deep_sort_no_appearance_fps``
* ``tracking/id_switch_reduction`` - 1 - IDsw(Deep SORT) / IDsw(SORT), averaged seeds (>= 0.4)
* ``tracking/mota_gain``, ``tracking/idf1_gain`` - Deep SORT minus SORT (> 0)
"""

from __future__ import annotations

SEEDS = (101, 102, 103)


def run(record) -> None:
    import torch

    from helpers.tracking.benchmark import run_benchmark

    torch.set_num_threads(1)
    results, _ = run_benchmark(SEEDS, n_frames=500)
    s, d = results["sort"]["mean"], results["deep_sort"]["mean"]
    a = results["deep_sort_no_appearance"]["mean"]
    record("tracking/sort_fps", s["fps"], "frames/s", ">= 1000")
    record("tracking/deep_sort_fps", d["fps"], "frames/s", ">= 50")
    record("tracking/deep_sort_no_appearance_fps", a["fps"], "frames/s")
    record("tracking/id_switch_reduction", 1 - d["id_switches"] / s["id_switches"], "fraction",
           ">= 0.4")
    record("tracking/mota_gain", d["mota"] - s["mota"], "MOTA", "> 0")
    record("tracking/idf1_gain", d["idf1"] - s["idf1"], "IDF1", "> 0")
