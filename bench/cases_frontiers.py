"""Chapter 22's results, recomputed with the notebooks' own recipes (the helpers' named constants).

* CenterNet: ``CENTERNET_RECIPE`` (helpers.nets.centernet): trained on chapter 13's shapes, AP@0.5
  on the same 300 held-out images (issue 16's target: >= 0.8), and its training time.
* CRAFT: ``CRAFT_RECIPE`` (helpers.nets.craft): word recall and precision at IoU 0.5 on the
  straight held-out text (target: recall >= 0.9), and recall on curved text (reported, no target).
* NAS: ``NAS_RECIPE`` (helpers.nets.nas): the best candidate of the two searches under LeNet-5's
  MACs, retrained and tested on the 1,000 test digits.
* MultiPath: ``MULTIPATH_RECIPE`` (helpers.nets.multipath): minADE over the 6 most probable of 8
  modes on 1,000 held-out agents, and the constant-velocity baseline's ADE.

Every training runs through ``helpers.nets.training.fit`` on one torch thread, as in the notebooks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np


def _centernet(record: Callable[..., None]) -> None:
    from helpers import centernet, evaluation
    from helpers.nets.centernet import CENTERNET_RECIPE as R
    from helpers.nets.centernet import (
        CENTERNET_STRIDE,
        TinyCenterNet,
        centernet_predict,
        train_centernet,
    )
    from helpers.shapes import make_detection_dataset

    train = make_detection_dataset(R["train_images"], image_size=R["image_size"],
                                   rng=R["train_seed"])
    test = make_detection_dataset(R["test_images"], image_size=R["image_size"], rng=R["test_seed"])
    model, history = train_centernet(TinyCenterNet(3, width=R["width"], seed=0), *train,
                                     epochs=R["epochs"], batch_size=R["batch_size"], lr=R["lr"],
                                     min_overlap=R["min_overlap"], seed=0, progress=False)
    heat, size, offset = centernet_predict(model, test[0])
    dets = [centernet.centernet_decode(heat[i], size[i], offset[i], stride=CENTERNET_STRIDE,
                                       threshold=R["threshold"]) for i in range(len(heat))]
    res = evaluation.evaluate_detections(dets, list(zip(test[1], test[2], strict=True)),
                                         num_classes=3)
    record("centernet/ap50", res["map"], "AP", ">= 0.8")
    record("centernet/train_seconds", history.seconds, "s")


def _craft(record: Callable[..., None]) -> None:
    from helpers import text_detection as td
    from helpers.nets.craft import CRAFT_RECIPE as R
    from helpers.nets.craft import CRAFT_STRIDE, TinyCraft, craft_predict, train_craft

    images, quads, words, _ = td.make_text_dataset(R["train_images"], rng=R["train_seed"])
    model, history = train_craft(TinyCraft(width=R["width"], seed=0), images, quads, words,
                                 epochs=R["epochs"], batch_size=R["batch_size"], lr=R["lr"],
                                 seed=0, progress=False)
    record("craft/train_seconds", history.seconds, "s")
    tests = {"straight": td.make_text_dataset(R["test_images"], rng=R["straight_seed"]),
             "curved": td.make_text_dataset(R["test_images"], bend=R["bend"],
                                            rng=R["curved_seed"])}
    for name, (t_images, t_quads, t_words, _) in tests.items():
        truth = [td.word_polygons(q, w) for q, w in zip(t_quads, t_words, strict=True)]
        region, affinity = craft_predict(model, t_images)
        predicted = [td.word_boxes(td.group_words(r, a, text_threshold=R["text_threshold"],
                                                  link_threshold=R["link_threshold"],
                                                  low_text=R["low_text"]), stride=CRAFT_STRIDE)
                     for r, a in zip(region, affinity, strict=True)]
        res = td.evaluate_text_detection(predicted, truth, image_size=t_images.shape[1])
        if name == "straight":
            record("craft/word_recall", res["recall"], "recall", ">= 0.9")
            record("craft/word_precision", res["precision"], "precision")
        else:
            record("craft/curved_word_recall", res["recall"], "recall")
            record("craft/curved_word_precision", res["precision"], "precision")


def _nas(record: Callable[..., None]) -> None:
    from helpers import nas
    from helpers.nets.classic import LeNet5
    from helpers.nets.nas import NAS_RECIPE as R
    from helpers.nets.nas import SearchNet, evaluate_architecture, search_data, train_and_score
    from helpers.nets.summary import count_macs

    budget = count_macs(LeNet5(), (1, 28, 28))
    data = search_data()
    evaluate = partial(evaluate_architecture, data=data)
    found = nas.random_search(evaluate, n=R["candidates"], rng=R["random_seed"], budget=budget)
    found += nas.evolution_search(evaluate, n=R["candidates"], rng=R["evolution_seed"],
                                  population=R["population"], sample_size=R["sample_size"],
                                  budget=budget)
    best = max(found, key=lambda r: r["accuracy"])
    _, _, accuracy = train_and_score(SearchNet(best["arch"], seed=0), data,
                                     epochs=R["final_epochs"], test=True)
    record("nas/best_accuracy", accuracy, "accuracy")


def _multipath(record: Callable[..., None]) -> None:
    from helpers import trajectories as tj
    from helpers.nets.multipath import MULTIPATH_RECIPE as R
    from helpers.nets.multipath import MultiPathNet, multipath_predict, train_multipath

    agents = tj.make_agent_dataset(R["train_agents"], history=R["history"], future=R["future"],
                                   rng=R["train_seed"])
    held_out = tj.make_agent_dataset(R["test_agents"], history=R["history"], future=R["future"],
                                     rng=R["test_seed"])
    anchors = tj.trajectory_anchors(agents["future"], R["anchors"], rng=R["anchor_seed"])
    net = MultiPathNet(anchors, history_len=R["history_len"], seed=0)
    net, _ = train_multipath(net, agents["history"], agents["distance"], agents["future"],
                             epochs=R["epochs"], batch_size=R["batch_size"], lr=R["lr"], seed=0,
                             progress=False)
    modes, probs = multipath_predict(net, held_out["history"], held_out["distance"])
    record("multipath/min_ade_k6", tj.min_ade_fde(modes, probs, held_out["future"], k=6)[0], "m")
    cv = tj.constant_velocity(held_out["history"], R["future"])
    record("multipath/cv_baseline_ade",
           tj.min_ade_fde(cv[:, None], np.ones((len(cv), 1)), held_out["future"], k=1)[0], "m")


def run(record: Callable[..., None]) -> None:
    _centernet(record)
    _craft(record)
    _nas(record)
    _multipath(record)
