"""The classification datasets the notes name (MNIST, CIFAR-10, ImageNet) and how we load them.

Used in chapters/09_cnn_from_scratch.ipynb.

Nothing is downloaded. The real loaders read the datasets' original file formats when the files
are already on disk (MNIST's IDX files, CIFAR-10's binary batches); without them the course uses
the bundled 5,000 real MNIST digits (:func:`helpers.data.load_mnist_subset`), which is what
:func:`load_digits` falls back to.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ._validation import check_choice, check_path
from .data import load_mnist_subset

__all__ = ["CIFAR10_CLASSES", "DATASETS", "load_cifar10", "load_digits", "load_mnist", "read_idx"]

#: What each dataset is, as published (image size, classes, train/test images).
DATASETS: dict[str, dict[str, object]] = {
    "MNIST": {
        "images": "28x28 gray handwritten digits",
        "classes": 10,
        "train": 60_000,
        "test": 10_000,
        "reference": "LeCun et al., Proc. IEEE 1998",
    },
    "CIFAR-10": {
        "images": "32x32 RGB photos (airplane, automobile, bird, cat, ...)",
        "classes": 10,
        "train": 50_000,
        "test": 10_000,
        "reference": "Krizhevsky, 'Learning multiple layers of features from tiny images', 2009",
    },
    "ImageNet (ILSVRC-2012)": {
        "images": "RGB photos of varying size (~400x350 on average)",
        "classes": 1_000,
        "train": 1_281_167,
        "test": 50_000,  # the public validation set serves as test set
        "reference": "Russakovsky et al., IJCV 2015",
    },
    "ImageNet (full, 2011)": {
        "images": "RGB photos, one WordNet noun (synset) each",
        "classes": 21_841,
        "train": 14_197_122,
        "test": None,  # the whole collection; no official split
        "reference": "Deng et al., CVPR 2009; image-net.org statistics",
    },
}

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115


def read_idx(path: str | Path) -> np.ndarray:
    """Read one file in LeCun's IDX format (MNIST's), optionally gzip-compressed.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ndarray
        Shape and dtype as the header says (``(N, 28, 28)`` uint8 for MNIST images, ``(N,)``
        uint8 for labels).

    Raises
    ------
    ValueError
        If the header is not IDX or the file is shorter than the header promises.

    Notes
    -----
    Header: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions d, then
    d big-endian uint32 sizes; the data follow in C order.

    References
    ----------
    http://yann.lecun.com/exdb/mnist/ (file format section). Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
    >>> _ = open(f, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(f)
    array([7, 2, 1], dtype=uint8)
    """
    path = check_path(path)
    with _open(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file: its header starts with {data[:4]!r}")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    start = 4 + 4 * ndim
    need = int(np.prod(shape)) * dtype.itemsize
    if len(data) - start < need:
        raise ValueError(
            f"{path} is truncated: header says shape {shape} ({need} bytes) but only "
            f"{len(data) - start} bytes follow"
        )
    return (
        np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=start)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.exists():
            return candidate
    return None


def load_mnist(directory: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The real MNIST from its four original IDX files in ``directory`` (``.gz`` or not).

    Parameters
    ----------
    directory : str or Path
        Holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (optionally ``.gz``).
    split : {"train", "test"}

    Returns
    -------
    images : (N, 28, 28) ndarray of uint8
    labels : (N,) ndarray of int64

    Raises
    ------
    FileNotFoundError
        If the split's files are not there (nothing is downloaded).
    ValueError
        If images and labels disagree in number.

    Notes
    -----
    Files follow :func:`read_idx`'s format; labels are widened to int64 for indexing.

    References
    ----------
    LeCun et al., Proc. IEEE 1998. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> import tempfile
    >>> load_mnist(tempfile.mkdtemp(), "test")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: MNIST test files ... not found in ...
    """
    check_choice(split, "split", _MNIST_FILES)
    directory = check_path(directory, "directory")
    paths = [_find(directory, name) for name in _MNIST_FILES[split]]
    if None in paths:
        raise FileNotFoundError(
            f"MNIST {split} files {_MNIST_FILES[split]} (or .gz) not found in {directory}; "
            "the course never downloads - use load_digits(), which falls back to the bundled digits"
        )
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"MNIST files disagree: images shape {images.shape}, labels shape {labels.shape}"
        )
    return images, labels.astype(np.int64)


def load_cifar10(directory: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The real CIFAR-10 from its binary version (``data_batch_1.bin`` ... ``test_batch.bin``).

    Parameters
    ----------
    directory : str or Path
        Holding ``data_batch_1.bin`` to ``data_batch_5.bin`` (train) and ``test_batch.bin``.
    split : {"train", "test"}

    Returns
    -------
    images : (N, 32, 32, 3) ndarray of uint8
        RGB, the course's (H, W, C) image layout.
    labels : (N,) ndarray of int64
        Indices into :data:`CIFAR10_CLASSES`.

    Notes
    -----
    Each record is 3,073 bytes: the label, then 1,024 red, 1,024 green and 1,024 blue values
    (row-major 32x32). The binary version is read rather than the Python one because the
    latter is a pickle, which can run code when loaded.

    References
    ----------
    Krizhevsky (2009), https://www.cs.toronto.edu/~kriz/cifar.html. Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> import tempfile
    >>> load_cifar10(tempfile.mkdtemp(), "test")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: CIFAR-10 test files ['test_batch.bin'] not found in ...
    """
    check_choice(split, "split", ("train", "test"))
    directory = check_path(directory, "directory")
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    missing = [n for n in names if not (directory / n).exists()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 {split} files {missing} not found in {directory}; the course never downloads"
        )
    records = []
    for name in names:
        raw = np.fromfile(directory / name, dtype=np.uint8)
        if raw.size % 3073:
            raise ValueError(
                f"{directory / name} is not a CIFAR-10 batch: {raw.size} bytes is not a "
                "multiple of 3073"
            )
        records.append(raw.reshape(-1, 3073))
    data = np.concatenate(records)
    images = data[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), data[:, 0].astype(np.int64)


def load_digits(
    split: str = "train", root: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Digits for training: the full MNIST from ``root`` if there, else the bundled subset.

    Parameters
    ----------
    split : {"train", "test"}
    root : str or Path, optional
        A directory with MNIST's IDX files; ``None`` (or a directory without them) uses
        :func:`helpers.data.load_mnist_subset` - 4,000 training and 1,000 test digits. A
        directory that does not exist raises ``FileNotFoundError`` (a typo, not a fallback).

    Returns
    -------
    images : (N, 28, 28) ndarray of uint8
    labels : (N,) ndarray of int64

    Notes
    -----
    The bundled subset keeps MNIST's balance: 400 training and 100 test digits per class.

    References
    ----------
    LeCun et al., Proc. IEEE 1998. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> images, labels = load_digits("test")
    >>> images.shape
    (1000, 28, 28)
    """
    check_choice(split, "split", _MNIST_FILES)
    if root is not None:
        root = check_path(root, "root")
        if not root.is_dir():
            raise FileNotFoundError(f"root directory {str(root)!r} is missing - pass a directory "
                                    "with MNIST's IDX files, or root=None for the bundled digits")
        if all(_find(root, name) for name in _MNIST_FILES[split]):
            return load_mnist(root, split)
    return load_mnist_subset(split)
