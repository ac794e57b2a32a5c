"""The course's data: bundled files verified by checksum, and real photographs.

Everything loads offline. Files in ``data/`` are listed in ``data/manifest.json`` with their size,
SHA-256, source and licence; :func:`data_path` checks both before anything reads a file, so a
missing or damaged file is reported by name with the way to restore it, never read half-way.
Photographs come from scikit-image's bundled images and matplotlib's Grace Hopper portrait
(their licences: :data:`PHOTOS`).

Used in every chapter; the digits first appear in chapters/08_conv_arithmetic.ipynb.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

import numpy as np

from ._validation import check_bool, check_choice

__all__ = [
    "DATA_DIR",
    "PHOTOS",
    "DataFileError",
    "data_path",
    "load_mnist_subset",
    "load_photo",
    "manifest",
]

#: Where the bundled files live (``COURSE_DATA_DIR`` overrides it, for tests and odd layouts).
DATA_DIR = Path(os.environ.get("COURSE_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))

#: Real photographs bundled with scikit-image: name -> (description, licence / credit).
PHOTOS: dict[str, tuple[str, str]] = {
    "astronaut": ("Eileen Collins, NASA astronaut, RGB 512x512", "public domain (NASA)"),
    "camera": ("the cameraman, gray 512x512", "CC0 (scikit-image contributors' replacement)"),
    "coffee": ("a cup of coffee, RGB 400x600", "CC0 (Rachel Michetti)"),
    "chelsea": ("Chelsea the cat, RGB 300x451", "CC0 (Stefan van der Walt)"),
    "coins": ("Greek coins, gray 303x384", "public domain (Walters Art Museum)"),
    "text": ("printed text, gray 172x448", "public domain"),
    "clock": ("a motion-blurred wall clock, gray 300x400", "CC0 (Stefan van der Walt)"),
    "moon": ("the surface of the moon, gray 512x512", "public domain"),
    "page": ("a scanned book page, gray 191x384", "public domain"),
    "rocket": ("a SpaceX Falcon 9 launch, RGB 427x640", "public domain (SpaceX, CC0)"),
    "brick": ("a brick wall texture, gray 512x512", "CC0 (Stefan van der Walt)"),
    "grass": ("a grass texture, gray 512x512", "CC0 (Stefan van der Walt)"),
    "gravel": ("a gravel texture, gray 512x512", "CC0 (Stefan van der Walt)"),
    "grace_hopper": ("Grace Hopper, US Navy portrait, RGB 600x512 (bundled with matplotlib)",
                     "public domain (US Navy photograph)"),
}


class DataFileError(FileNotFoundError):
    """A bundled data file is missing, or its size or checksum does not match the manifest."""


MANIFEST_FILE = "manifest.json"

# Every message about a broken file ends with how to get it back. tests/test_data.py runs each
# command named here (git aside), so a hint can never point at a tool that does not exist.
_MANIFEST_RESTORE = (
    "restore it with `git checkout -- data/manifest.json` in the course folder (without git: "
    "download data/manifest.json again from the course repository)"
)


def _restore_hint(file: str) -> str:
    if file == MANIFEST_FILE:
        return _MANIFEST_RESTORE
    return (
        f"restore it with `git checkout -- data/{file}` (`git lfs pull` if your clone uses LFS), "
        f"or rebuild it and its manifest entry with `python tools/build_data.py {file}` "
        "in the course folder"
    )


def _manifest_error(problem: str) -> DataFileError:
    return DataFileError(f"{DATA_DIR / MANIFEST_FILE} {problem}; {_MANIFEST_RESTORE}")


@cache
def manifest() -> dict[str, dict]:
    """The manifest of bundled files, keyed by file name.

    Examples
    --------
    >>> manifest()["mnist_5000.npz"]["bytes"] > 0
    True
    """
    path = DATA_DIR / MANIFEST_FILE
    if not path.exists():
        raise _manifest_error("is missing")
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _manifest_error(f"is not valid JSON ({exc})") from None
    if not isinstance(entries, list):
        raise _manifest_error(f"should hold a list of entries; it holds a {type(entries).__name__}")
    out: dict[str, dict] = {}
    for i, entry in enumerate(entries):
        problem = _entry_problem(entry)
        if problem:
            raise _manifest_error(f"is damaged: entry {i} {problem}")
        if entry["file"] in out:
            raise _manifest_error(f"is damaged: {entry['file']} is listed twice")
        out[entry["file"]] = entry
    return out


def _entry_problem(entry: object) -> str | None:
    """What is wrong with one manifest entry, or None."""
    if not isinstance(entry, dict):
        return f"is a {type(entry).__name__}, not an object"
    file, size, digest = entry.get("file"), entry.get("bytes"), entry.get("sha256")
    if not isinstance(file, str) or not file or "/" in file or "\\" in file:
        return f"has no valid \"file\" (a plain file name); got {file!r}"
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return f"({file}) has no valid \"bytes\" (a size); got {size!r}"
    if not (isinstance(digest, str) and len(digest) == 64
            and all(c in "0123456789abcdef" for c in digest)):
        return f"({file}) has no valid \"sha256\" (64 hex digits); got {digest!r}"
    return None


@cache
def _verified(path: Path, size: int, mtime_ns: int) -> str:
    # Cached on (path, size, mtime): hashing happens once per process unless the file changes.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_path(file: str) -> Path:
    """Path of a bundled file after checking its size and SHA-256 against the manifest.

    Parameters
    ----------
    file : str
        A file name listed in ``data/manifest.json``, e.g. ``"mnist_5000.npz"``.

    Raises
    ------
    ValueError
        If ``file`` is not in the manifest.
    DataFileError
        If the file is missing, or its size or checksum differs from the manifest, or the
        manifest itself is missing, not valid JSON, or has no entry for a file in ``data/``.
        Every message names the file and the command that restores or rebuilds it.
    """
    entries = manifest()
    unlisted = isinstance(file, str) and file not in entries and file != MANIFEST_FILE
    if unlisted and file in _files_on_disk():
        raise DataFileError(
            f"data file {file} is in {DATA_DIR} but data/manifest.json has no entry for it, so "
            f"its checksum cannot be verified; if the manifest lost the entry, "
            f"{_MANIFEST_RESTORE}; if the file is new, `python tools/build_data.py {file}` "
            "rebuilds it and writes its entry"
        )
    try:
        check_choice(file, "file", entries)
    except ValueError as exc:
        if not unlisted:
            raise
        raise ValueError(
            f"{exc}. These are the files data/manifest.json lists; if the course's own code "
            f"asked for {file!r}, the manifest lost its entry: {_MANIFEST_RESTORE}"
        ) from None
    entry, path = entries[file], DATA_DIR / file
    if not path.exists():
        raise DataFileError(
            f"data file {file} is missing (looked in {DATA_DIR}); {_restore_hint(file)}"
        )
    stat = path.stat()
    if stat.st_size != entry["bytes"]:
        raise DataFileError(
            f"data file {file} is damaged: {stat.st_size} bytes, manifest says {entry['bytes']}; "
            + _restore_hint(file)
        )
    digest = _verified(path, stat.st_size, stat.st_mtime_ns)
    if digest != entry["sha256"]:
        raise DataFileError(
            f"data file {file} is damaged: SHA-256 {digest[:12]}..., manifest says "
            f"{entry['sha256'][:12]}...; {_restore_hint(file)}; if it was data/manifest.json "
            "that changed, `git checkout -- data/manifest.json`"
        )
    return path


def _files_on_disk() -> set[str]:
    try:
        return {p.name for p in DATA_DIR.iterdir() if p.is_file()}
    except OSError:
        return set()


def load_mnist_subset(split: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """Real handwritten digits: 5,000 MNIST images, 500 of each class, 28x28 uint8.

    Parameters
    ----------
    split : {"all", "train", "test"}
        ``"train"`` is the first 400 images of each digit (4,000), ``"test"`` the last 100 of
        each (1,000): a fixed, stratified split, so every run and every learner sees the same.

    Returns
    -------
    images : (N, 28, 28) ndarray of uint8
        White digit on black, 0-255.
    labels : (N,) ndarray of int64
        The digit, 0-9.

    Examples
    --------
    >>> images, labels = load_mnist_subset("test")
    >>> images.shape, images.dtype, np.bincount(labels).tolist() == [100] * 10
    ((1000, 28, 28), dtype('uint8'), True)
    """
    check_choice(split, "split", ("all", "train", "test"))
    with np.load(data_path("mnist_5000.npz")) as f:
        images, labels = f["images"], f["labels"].astype(np.int64)
    if split == "all":
        return images, labels
    # Rank of each image within its class, in file order; < 400 -> train.
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels)) - np.searchsorted(labels[order], labels[order])
    keep = rank < 400 if split == "train" else rank >= 400
    return images[keep], labels[keep]


# The files behind scikit-image's loaders (skimage.data.<name>() reads data/<file>).
_SKIMAGE_FILES = {"clock": "clock_motion.png", "rocket": "rocket.jpg"}


def _skimage_photo(name: str) -> np.ndarray:
    """scikit-image's bundled photo ``name``, read straight from its file with Pillow.

    ``skimage.data.<name>()`` decodes the same file with Pillow too (through imageio), but
    first imports scipy, imageio and tifffile (about 250 modules, 30 MB of memory).
    tests/test_data.py checks that the pixels are the same.
    """
    import importlib.util

    import PIL.Image

    spec = importlib.util.find_spec("skimage")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise DataFileError(f"{name} comes with scikit-image, which is not installed")
    path = Path(spec.submodule_search_locations[0]) / "data" / _SKIMAGE_FILES.get(name,
                                                                                 f"{name}.png")
    if not path.is_file():
        raise DataFileError(f"{name}: scikit-image's file {path} is missing")
    with PIL.Image.open(path) as f:
        if f.mode not in ("L", "RGB"):
            raise DataFileError(f"{name}: {path} holds a {f.mode} image, expected L or RGB")
        return np.array(f)


def load_photo(name: str, *, gray: bool = False) -> np.ndarray:
    """A real photograph from scikit-image's bundled images (no download).

    Parameters
    ----------
    name : str
        One of :data:`PHOTOS` (``"astronaut"``, ``"camera"``, ``"coffee"``, ``"chelsea"``, ...).
    gray : bool
        Return an ``(H, W)`` uint8 gray image (ITU-R BT.601 luma, as in chapter 01).

    Returns
    -------
    (H, W, 3) or (H, W) ndarray of uint8

    Examples
    --------
    >>> load_photo("camera").shape
    (512, 512)
    >>> load_photo("chelsea", gray=True).dtype
    dtype('uint8')
    """
    check_choice(name, "name", PHOTOS)
    gray = check_bool(gray, "gray")
    if name == "grace_hopper":
        # matplotlib's sample data (no download), found without importing matplotlib itself.
        import importlib.util

        import PIL.Image

        spec = importlib.util.find_spec("matplotlib")
        if spec is None or spec.origin is None:
            raise DataFileError("grace_hopper comes with matplotlib, which is not installed")
        path = Path(spec.origin).parent / "mpl-data" / "sample_data" / "grace_hopper.jpg"
        with PIL.Image.open(path) as f:
            image = np.asarray(f.convert("RGB"))
    else:
        image = _skimage_photo(name)
    if gray and image.ndim == 3:
        from .color import to_gray

        image = to_gray(image)
    return image
