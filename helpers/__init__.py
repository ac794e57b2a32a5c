"""Reference implementations and interactive explorers for *From Pixels to Deep SORT*.

One module per topic, in the order the chapters use them (``syllabus.yml`` lists, chapter by
chapter, the modules each one uses; ``tests/test_package.py`` keeps this map and that list in
agreement)::

    helpers.data         bundled data, verified by checksum   (all chapters)
    helpers.image        the image and batch contract         (all chapters)
    helpers.color        pixels, colour spaces, thresholds    (chapters/01_pixels.ipynb)
    helpers.notes        the lecture notes' worked examples   (chapters/02, 03, 08)
    helpers.filters      convolution and filtering            (chapters/02_filtering.ipynb)
    helpers.edges        gradients and Canny                  (chapters/03_edges.ipynb)
    helpers.transforms   affine matrices, warping, sampling   (chapters/04_transforms.ipynb)
    helpers.features     corners, blobs, SIFT matching        (chapters/05_corners.ipynb; 15)
    helpers.segmentation thresholds, region growing, k-means  (chapters/06_segmentation.ipynb)
    helpers.restoration  Wiener, Richardson-Lucy, bilateral   (chapters/07_restoration.ipynb)
    helpers.conv         CNN convolution and pooling layers   (chapters/08_conv_arithmetic.ipynb)
    helpers.cnn          a CNN from scratch, numpy and torch  (chapters/09_cnn_from_scratch.ipynb)
    helpers.datasets     MNIST / CIFAR-10 file loaders        (chapters/09_cnn_from_scratch.ipynb)
    helpers.nets         torch networks, the training loop    (chapters 09 onwards)
    helpers.architecture shapes, parameters, MACs by formula  (chapters/10_classic_networks.ipynb,
                                                               11_modern_architectures.ipynb)
    helpers.architecture_plots  network and block diagrams    (chapters/10, 11)
    helpers.nets.classic LeNet-5, AlexNet, ZFNet in torch      (chapters/10)
    helpers.nets.blocks  residual, dense, Inception, separable, SE, highway  (chapters/11, 17)
    helpers.nets.modern  plain vs residual deep nets, gradient norms  (chapters/11)
    helpers.nets.summary layer tables: shapes, parameters, MACs  (chapters/10, 11)
    helpers.nets.zoo     the networks chapters 10-11 count, on meta  (chapters/10, 11)
    helpers.boxes        box formats, IoU, anchors            (chapters/12_localization.ipynb)
    helpers.shapes       synthetic detection scenes           (chapters/12, 13)
    helpers.ops          NMS, RoI pooling, sliding windows    (chapters/13_detection.ipynb)
    helpers.yolo         YOLO grid targets and decoding       (chapters/13_detection.ipynb)
    helpers.darknet      pretrained YOLOv4-tiny via OpenCV    (chapters/13_detection.ipynb; 12)
    helpers.evaluation   precision, recall, AP@0.5            (chapters/13_detection.ipynb)
    helpers.plots_segmentation figures for segmentation CNNs  (chapters/14_segmentation_cnns.ipynb)
    helpers.detection    old home of chapter 13's names (re-exports only)
    helpers.faces        Haar features, boosting, cascades    (chapters/15_faces.ipynb)
    helpers.verification ROC, FAR / FRR, one-shot identity    (chapters/15_faces.ipynb)
    helpers.nets.siamese Siamese net, triplet loss, mining    (chapters/15_faces.ipynb)
    helpers.faces_plots  the faces chapter's static figures   (chapters/15_faces.ipynb)
    helpers.signals      synthetic ECG, 1-D kernels           (chapters/18_conv_1d_3d.ipynb)
    helpers.volumes      synthetic 3-D scans, 3-D Sobel       (chapters/18_conv_1d_3d.ipynb)
    helpers.plots_conv_nd figures for 1-D and 3-D convolution (chapters/18_conv_1d_3d.ipynb)
    helpers.motion       block matching, Lucas-Kanade, KLT    (chapters/19_motion.ipynb)
    helpers.style        Gram matrices, style transfer        (chapters/16_style_transfer.ipynb)
    helpers.style_plots  figures of chapter 16                (chapters/16_style_transfer.ipynb)
    helpers.gradcam      Grad-CAM step by step, saliency      (chapters/17_inside_cnns.ipynb)
    helpers.inside_plots figures of chapter 17                (chapters/17_inside_cnns.ipynb)
    helpers.nets.pretrained  the offline pretrained ImageNet network (chapters/16, 17)
    helpers.tracking     Kalman, Hungarian, SORT, Deep SORT   (chapters/20_sort, 21_deep_sort)
    helpers.centernet    CenterNet targets and decoding     (chapters/22_frontiers_detection.ipynb)
    helpers.text_detection synthetic text, CRAFT, words    (chapters/22_frontiers_detection.ipynb)
    helpers.nets.centernet, helpers.nets.craft  tiny CenterNet and CRAFT  (chapters/22)
    helpers.nas          search space, random / evolutionary search, Pareto front
                                                              (chapters/22_frontiers_search.ipynb)
    helpers.nets.nas     the searched digit classifiers, candidate scoring  (chapters/22)
    helpers.trajectories junction agents, anchors, minADE / minFDE  (chapters/22_frontiers_search)
    helpers.nets.multipath  MultiPath: anchor mixture network  (chapters/22)
    helpers.frontiers_plots  chapter 22's static figures       (chapters/22)
    helpers.plots        small static figures for notebooks
    helpers.plots_transforms figures for transforms         (chapters/04_transforms.ipynb)
    helpers.plots_features   figures for corners and SIFT    (chapters/05_corners.ipynb)
    helpers.plots_motion     figures for motion and flow      (chapters/19_motion.ipynb)
    helpers.plots_detection  figures for boxes and detectors (chapters/12_localization, 13)
    helpers.plots_tracking   figures for SORT and Deep SORT  (chapters/20_sort, 21_deep_sort)
    helpers.checks       instant feedback for the exercises
    helpers.widgets      the ipywidgets explorers the chapters show
    helpers.authoring    student notebooks generated from the solutions (`make student`)

Importing :mod:`helpers` is cheap: submodules are imported the first time they are used
(``helpers.filters.correlate2d`` works straight after ``import helpers``), so torch and OpenCV
load only for the chapters that need them. In an IPython kernel it also registers one
``post_run_cell`` callback that gives freed memory back to the system after each cell
(:mod:`helpers._memory`; glibc only).
"""

from __future__ import annotations

from . import _lazy, _memory

__version__ = "0.1.0"

# In a notebook, give memory freed by a cell back to the system after it (helpers._memory).
_memory.register_cell_hook()


def __getattr__(name: str):
    # PEP 562: import a submodule on first attribute access, so `import helpers` stays fast.
    if name in _lazy.module_names(__path__[0]):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy.module_names(__path__[0])))
