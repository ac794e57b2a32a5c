"""helpers.data: checksummed bundled files, real digits and photos, all offline."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from helpers import data

ROOT = data.DATA_DIR.parent


def test_manifest_lists_every_file_in_data_with_its_true_size_and_hash():
    files = {p.name for p in data.DATA_DIR.iterdir() if p.is_file()}
    files -= {"manifest.json", "README.md"}
    # Entries with a "package" are files of an installed wheel (helpers.darknet checks them).
    entries = {k: e for k, e in data.manifest().items() if "package" not in e}
    assert set(entries) == files, "every file in data/ has a manifest entry, and no entry dangles"
    for name, entry in entries.items():
        raw = (data.DATA_DIR / name).read_bytes()
        assert entry["bytes"] == len(raw)
        assert entry["sha256"] == hashlib.sha256(raw).hexdigest()
        assert entry["source"] and entry["licence"] and entry["description"]


def test_mnist_subset_is_real_balanced_and_split_fixed():
    images, labels = data.load_mnist_subset()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    train_x, train_y = data.load_mnist_subset("train")
    test_x, test_y = data.load_mnist_subset("test")
    assert len(train_x) == 4000 and len(test_x) == 1000
    assert np.bincount(train_y).tolist() == [400] * 10
    assert np.bincount(test_y).tolist() == [100] * 10
    # Train and test are disjoint and together are the whole set.
    all_rows = {im.tobytes() for im in images}
    assert {im.tobytes() for im in train_x} | {im.tobytes() for im in test_x} == all_rows
    # Real handwriting: dark background, bright strokes, varied ink per image.
    assert images.mean() < 60 and images.max() == 255
    assert (images > 128).mean(axis=(1, 2)).std() > 0.01


def test_unknown_split_and_file_are_refused():
    with pytest.raises(ValueError, match="split must be one of 'all', 'train', 'test'; got 'val'"):
        data.load_mnist_subset("val")
    with pytest.raises(ValueError, match="file must be one of"):
        data.data_path("cifar.npz")


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ that the test may damage."""
    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    monkeypatch.setattr(data, "DATA_DIR", copy)
    data.manifest.cache_clear()
    yield copy
    data.manifest.cache_clear()


def test_missing_file_names_it_and_says_how_to_restore(data_copy):
    (data_copy / "mnist_5000.npz").unlink()
    expected = r"mnist_5000.npz is missing.*git checkout -- data/mnist_5000.npz"
    with pytest.raises(data.DataFileError, match=expected):
        data.load_mnist_subset()


def test_corrupt_file_is_detected_by_checksum(data_copy):
    path = data_copy / "mnist_5000.npz"
    raw = bytearray(path.read_bytes())
    raw[1000] ^= 0xFF  # same size, one byte flipped
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DataFileError, match=r"mnist_5000.npz is damaged: SHA-256"):
        data.load_mnist_subset()


def test_truncated_file_is_detected_by_size(data_copy):
    path = data_copy / "mnist_5000.npz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(data.DataFileError, match=r"damaged: 100 bytes, manifest says"):
        data.load_mnist_subset()


def test_missing_manifest(data_copy):
    (data_copy / "manifest.json").unlink()
    with pytest.raises(data.DataFileError, match="manifest.json is missing"):
        data.manifest()


@pytest.mark.parametrize("name", sorted(data.PHOTOS))
def test_photos_load_offline_as_uint8(name):
    photo = data.load_photo(name)
    assert photo.dtype == np.uint8 and photo.ndim in (2, 3)
    gray = data.load_photo(name, gray=True)
    assert gray.ndim == 2 and gray.shape == photo.shape[:2]


def test_unknown_photo():
    with pytest.raises(ValueError, match="name must be one of 'astronaut'"):
        data.load_photo("lena")


def test_data_loading_needs_no_network():
    # The suite's network guard is active in child processes: loading must still work.
    code = ("import helpers.data as d; d.load_mnist_subset(); d.load_photo('astronaut'); "
            "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "network access is blocked" in out.stderr, out.stderr[-2000:]


def test_build_tool_reproduces_the_manifest_entry_shape():
    entry = json.loads((ROOT / "data" / "manifest.json").read_text())[0]
    assert list(entry) == ["file", "bytes", "sha256", "source", "licence", "description"]
