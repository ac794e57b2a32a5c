"""Neural architecture search at toy scale: a search space, its cost, random and evolutionary
search under a compute budget, and the Pareto front of accuracy against cost.

Used in chapters/22_frontiers_search.ipynb.

An :class:`Architecture` is four choices (the "genes") for the small digit classifier
:class:`helpers.nets.nas.SearchNet`:

* ``depth``: how many k x k blocks follow the stem (1 to 4);
* ``width``: channels of every layer;
* ``kernel``: the blocks' kernel size;
* ``skip``: whether each block adds its input to its output (a residual shortcut, free in
  MACs).

Its cost is counted by formula (:func:`architecture_macs`, with chapter 10's
:func:`helpers.architecture.conv_layer_macs`; the tests check it against
:func:`helpers.nets.summary.count_macs` on the built network). The searches
(:func:`random_search`, :func:`evolution_search`) take the function that trains and scores a
candidate as an argument, so this module needs no torch: the chapter passes
:func:`helpers.nets.nas.evaluate_architecture`. :func:`pareto_front` finds the candidates that
no other candidate beats on both accuracy and cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_rng,
)
from .architecture import conv_layer_macs, linear_layer_macs

__all__ = [
    "HEAD_GRID",
    "SEARCH_SPACE",
    "Architecture",
    "architecture_macs",
    "enumerate_architectures",
    "evolution_search",
    "load_exhaustive_search",
    "mutate_architecture",
    "pareto_front",
    "random_search",
    "sample_architecture",
]

#: The choices for each gene, in order. 4 x 5 x 2 x 2 = 80 architectures.
SEARCH_SPACE: dict[str, tuple] = {
    "depth": (1, 2, 3, 4),
    "width": (4, 8, 12, 16, 24),
    "kernel": (3, 5),
    "skip": (False, True),
}
#: The classifier reads the last map average-pooled to HEAD_GRID x HEAD_GRID (coarse "where"
#: information: a global average pool learns far slower at these tiny widths).
HEAD_GRID = 4
#: Largest input side and number of classes :func:`architecture_macs` accepts.
MAX_SIDE = 1024
MAX_CLASSES = 10_000
#: Most candidates a search trains, and most draws it makes looking for one under budget.
MAX_CANDIDATES = 10_000
MAX_DRAWS = 1000
#: Most records :func:`pareto_front` takes.
MAX_POINTS = 1_000_000
#: The file in data/ holding every architecture of :data:`SEARCH_SPACE`, scored
#: (``python -m helpers.nets.nas --out data/nas_digits_search.json``).
SEARCH_FILE = "nas_digits_search.json"


@dataclass(frozen=True)
class Architecture:
    """One point of :data:`SEARCH_SPACE`: depth, width, kernel size and skip connections.

    Parameters
    ----------
    depth : int
        Number of k x k blocks after the stem (1 to 8).
    width : int
        Channels of the stem and of every block (1 to 256).
    kernel : int
        Kernel size of the blocks, odd (1 to 9); the stem is always 3 x 3.
    skip : bool
        Add each block's input to its output (ResNet's identity shortcut).

    Examples
    --------
    >>> Architecture(2, 8, 3, True)
    Architecture(depth=2, width=8, kernel=3, skip=True)
    >>> str(Architecture(2, 8, 3, True))
    'd2 w8 k3 skip'
    """

    depth: int
    width: int
    kernel: int
    skip: bool

    def __post_init__(self) -> None:
        check_int(self.depth, "depth", min=1, max=8)
        check_int(self.width, "width", min=1, max=256)
        check_int(self.kernel, "kernel", min=1, max=9, odd=True)
        check_bool(self.skip, "skip")

    def __str__(self) -> str:
        return f"d{self.depth} w{self.width} k{self.kernel}" + (" skip" if self.skip else "")


def _check_space(space: Any) -> dict[str, tuple]:
    check_instance(space, "space", dict, "a dict of choices per gene, like SEARCH_SPACE")
    if set(space) != set(SEARCH_SPACE):
        raise ValueError(f"space must have the genes {sorted(SEARCH_SPACE)}; got {sorted(space)}")
    out = {}
    for gene, choices in space.items():
        check_instance(choices, f"space[{gene!r}]", (tuple, list), "a tuple of choices")
        if not 1 <= len(choices) <= 64:
            raise ValueError(f"space[{gene!r}] must hold 1 to 64 choices; got {len(choices)}")
        out[gene] = tuple(choices)
    # Building one architecture from the first choices checks the values' types and ranges.
    Architecture(*(out[g][0] for g in SEARCH_SPACE))
    return out


def enumerate_architectures(space: dict[str, tuple] = SEARCH_SPACE) -> list[Architecture]:
    """Every architecture of a search space, in a fixed order (the last gene varies fastest).

    Parameters
    ----------
    space : dict
        Choices per gene, with the keys of :data:`SEARCH_SPACE` (at most 64 choices each).

    Returns
    -------
    list of Architecture

    Examples
    --------
    >>> len(enumerate_architectures())
    80
    >>> str(enumerate_architectures()[1])
    'd1 w4 k3 skip'
    """
    space = _check_space(space)
    grids = np.meshgrid(*(np.arange(len(space[g])) for g in SEARCH_SPACE), indexing="ij")
    if grids[0].size > MAX_CANDIDATES:
        raise ValueError(f"space has {grids[0].size:,} architectures; enumerate at most "
                         f"{MAX_CANDIDATES:,}")
    idx = np.stack([g.ravel() for g in grids], 1)
    genes = list(SEARCH_SPACE)
    return [Architecture(*(space[genes[k]][int(i)] for k, i in enumerate(row))) for row in idx]


def architecture_macs(arch: Architecture, *, input_size: int = 28, num_classes: int = 10) -> int:
    """Multiply-accumulates of :class:`helpers.nets.nas.SearchNet` for one gray image.

    Parameters
    ----------
    arch : Architecture
    input_size : int
        Side of the square gray input (4 to 1024); 28 for the digits.
    num_classes : int
        Outputs of the classifier (1 to 10,000).

    Returns
    -------
    int

    Notes
    -----
    The network: a 3x3 stem convolution (1 -> w channels, "same" padding) and a 2x2 max-pool;
    then ``depth`` blocks of a k x k convolution (w -> w, same padding), a 2x2 max-pool after
    the second block; then average pooling to a 4 x 4 grid and a linear layer to the
    classes. With chapter 10's formula :math:`H_{out} W_{out} C_{out} C_{in} k^2` per
    convolution:

    .. math:: \\text{MACs} = n^2 \\cdot w \\cdot 9 + \\sum_{b=1}^{depth} s_b^2 \\, w^2 k^2 +
              16 w \\cdot \\text{classes}

    with :math:`n` the input side and :math:`s_b` the side of block :math:`b`'s map
    (:math:`n/2` for blocks 1-2, :math:`n/4` after). Skip connections and pooling cost no
    MACs (chapter 10's convention counts multiplications by weights only).

    References
    ----------
    Used in chapters/22_frontiers_search.ipynb; the formulas are chapter 10's
    (:mod:`helpers.architecture`).

    Examples
    --------
    One 3x3 block of 8 channels on a 28x28 digit: stem 28^2 x 8 x 9 = 56,448, block
    14^2 x 8 x 8 x 9 = 112,896, classifier (8 x 16) x 10 = 1,280.

    >>> architecture_macs(Architecture(1, 8, 3, False))
    170624
    """
    check_instance(arch, "arch", Architecture)
    n = check_int(input_size, "input_size", min=4, max=MAX_SIDE)
    classes = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
    total = conv_layer_macs(1, arch.width, 3, n)
    side = n // 2
    for block in range(arch.depth):
        total += conv_layer_macs(arch.width, arch.width, arch.kernel, side)
        if block == 1:
            side //= 2
    return int(total + linear_layer_macs(arch.width * HEAD_GRID**2, classes))


def sample_architecture(rng: np.random.Generator | int,
                        space: dict[str, tuple] = SEARCH_SPACE) -> Architecture:
    """A uniformly random architecture: each gene drawn independently from its choices.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    space : dict
        Choices per gene (:data:`SEARCH_SPACE`).

    Returns
    -------
    Architecture

    Examples
    --------
    >>> sample_architecture(0) in enumerate_architectures()
    True
    """
    rng = check_rng(rng)
    space = _check_space(space)
    return Architecture(*(space[g][int(rng.integers(len(space[g])))] for g in SEARCH_SPACE))


def mutate_architecture(arch: Architecture, rng: np.random.Generator | int,
                        space: dict[str, tuple] = SEARCH_SPACE) -> Architecture:
    """A copy of ``arch`` with one gene, chosen at random, changed to another of its choices.

    Parameters
    ----------
    arch : Architecture
    rng : numpy.random.Generator or int
    space : dict
        Choices per gene; a gene with a single choice is never picked.

    Returns
    -------
    Architecture
        Differs from ``arch`` in exactly one gene (or equals it if no gene can change).

    Examples
    --------
    >>> a = Architecture(2, 8, 3, False)
    >>> b = mutate_architecture(a, 0)
    >>> sum(getattr(a, g) != getattr(b, g) for g in SEARCH_SPACE)
    1
    """
    check_instance(arch, "arch", Architecture)
    rng = check_rng(rng)
    space = _check_space(space)
    genes = [g for g in SEARCH_SPACE if len(space[g]) > 1]
    if not genes:
        return arch
    gene = genes[int(rng.integers(len(genes)))]
    others = [c for c in space[gene] if c != getattr(arch, gene)]
    values = {g: getattr(arch, g) for g in SEARCH_SPACE}
    values[gene] = others[int(rng.integers(len(others)))]
    return Architecture(**values)


def _check_search(evaluate, cost, n, budget, progress):
    evaluate = check_callable(evaluate, "evaluate", "a function evaluate(arch) -> accuracy")
    cost = check_callable(cost, "cost", "a function cost(arch) -> MACs")
    n = check_int(n, "n", min=1, max=MAX_CANDIDATES)
    if budget is not None:
        budget = check_int(budget, "budget", min=1)
    return evaluate, cost, n, budget, check_bool(progress, "progress")


def _bar(n: int, progress: bool, desc: str):
    from tqdm.auto import tqdm  # deferred: only a search with a bar needs it

    return tqdm(total=n, desc=desc, disable=not progress)


def _record(arch, evaluate, cost, origin) -> dict[str, Any]:
    start = time.perf_counter()
    accuracy = float(evaluate(arch))
    return {"arch": arch, "macs": int(cost(arch)), "accuracy": accuracy,
            "seconds": time.perf_counter() - start, "origin": origin}


def _draw_new(draw, cost, budget, tried, tries=MAX_DRAWS):
    """An architecture from ``draw()`` that fits the budget and was not tried yet, or None."""
    for _ in range(tries):
        arch = draw()
        if arch not in tried and (budget is None or cost(arch) <= budget):
            return arch
    return None


def _no_room(budget) -> ValueError:
    where = "the space" if budget is None else f"the space under budget={budget:,} MACs"
    return ValueError(f"no untried architecture left in {where} after {MAX_DRAWS} draws: it holds "
                      "fewer architectures than n; lower n, raise the budget or grow the space")


def random_search(
    evaluate: Callable[[Architecture], float],
    *,
    n: int,
    rng: np.random.Generator | int,
    budget: int | None = None,
    cost: Callable[[Architecture], int] = architecture_macs,
    space: dict[str, tuple] = SEARCH_SPACE,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Random search: train ``n`` architectures drawn uniformly (within the budget).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(arch) -> accuracy`` (higher is better), called once per candidate.
    n : int
        Number of candidates (1 to 10,000), all different: an architecture already tried is
        redrawn, as it is above the budget.
    rng : numpy.random.Generator or int
    budget : int, optional
        Largest cost allowed; architectures above it are redrawn, never trained.
    cost : callable
        ``cost(arch) -> int`` (default :func:`architecture_macs`).
    space : dict
        Choices per gene.
    progress : bool
        Show a tqdm bar over the candidates.

    Returns
    -------
    list of dict
        One record per candidate, in the order they were tried: ``arch``, ``macs`` (its
        cost), ``accuracy``, ``seconds`` (time ``evaluate`` took) and ``origin`` ("random").

    Notes
    -----
    The baseline every NAS paper should beat: Li & Talwalkar (2019) found random search with
    the same budget competitive with several published methods.

    References
    ----------
    Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 2012; Li &
    Talwalkar, "Random Search and Reproducibility for Neural Architecture Search", UAI 2019.
    Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    With a made-up score (wider is better) instead of training:

    >>> records = random_search(lambda a: a.width / 24, n=3, rng=0, budget=200_000)
    >>> len(records), all(r["macs"] <= 200_000 for r in records)
    (3, True)
    """
    evaluate, cost, n, budget, progress = _check_search(evaluate, cost, n, budget, progress)
    rng = check_rng(rng)
    space = _check_space(space)
    tried: set[Architecture] = set()
    records = []
    with _bar(n, progress, "random search") as bar:
        for _ in range(n):
            arch = _draw_new(lambda: sample_architecture(rng, space), cost, budget, tried)
            if arch is None:
                raise _no_room(budget)
            tried.add(arch)
            records.append(_record(arch, evaluate, cost, "random"))
            bar.update(1)
    return records


def evolution_search(
    evaluate: Callable[[Architecture], float],
    *,
    n: int,
    rng: np.random.Generator | int,
    population: int = 4,
    sample_size: int = 2,
    budget: int | None = None,
    cost: Callable[[Architecture], int] = architecture_macs,
    space: dict[str, tuple] = SEARCH_SPACE,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Regularised ("aging") evolution: mutate the best of a random sample, retire the oldest.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(arch) -> accuracy``, called once per candidate.
    n : int
        Candidates in total, the initial population included (1 to 10,000), all different.
    rng : numpy.random.Generator or int
    population : int
        Size of the population (1 to 1,000); the first ``population`` candidates are random.
    sample_size : int
        Tournament size (1 to ``population``): how many members compete to be the parent.
    budget : int, optional
        Largest cost allowed; children above it are mutated again, never trained.
    cost : callable
        ``cost(arch) -> int``.
    space : dict
        Choices per gene.
    progress : bool
        Show a tqdm bar over the candidates.

    Returns
    -------
    list of dict
        As :func:`random_search`, with ``origin`` "random" for the initial population and
        "mutation" for the children.

    Notes
    -----
    Each step: draw ``sample_size`` members of the population at random, take the most
    accurate as the parent, change one of its genes (:func:`mutate_architecture`), train the
    child, add it to the population and remove the *oldest* member (not the worst: aging
    keeps a lucky early score from ruling the population forever). A child that was tried
    before is mutated again; if all of a parent's neighbours were tried, a random untried
    architecture joins instead (``origin`` "random").

    References
    ----------
    Real, Aggarwal, Huang & Le, "Regularized Evolution for Image Classifier Architecture
    Search" (AmoebaNet), AAAI 2019. Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> records = evolution_search(lambda a: a.width / 24, n=6, rng=0, budget=200_000)
    >>> [r["origin"] for r in records].count("mutation")
    2
    """
    evaluate, cost, n, budget, progress = _check_search(evaluate, cost, n, budget, progress)
    rng = check_rng(rng)
    space = _check_space(space)
    population = check_int(population, "population", min=1, max=1000)
    sample_size = check_int(sample_size, "sample_size", min=1, max=population)
    tried: set[Architecture] = set()
    records: list[dict[str, Any]] = []
    alive: list[dict[str, Any]] = []  # oldest first
    with _bar(n, progress, "evolution") as bar:
        for _ in range(n):
            arch, origin = None, "mutation"
            if len(records) >= population:
                picks = rng.choice(len(alive), size=sample_size, replace=False)
                parent = max((alive[int(i)] for i in picks), key=lambda r: r["accuracy"])
                arch = _draw_new(lambda p=parent: mutate_architecture(p["arch"], rng, space),
                                 cost, budget, tried, tries=100)
            if arch is None:  # the initial population, or every mutation was tried already
                arch = _draw_new(lambda: sample_architecture(rng, space), cost, budget, tried)
                origin = "random"
            if arch is None:
                raise _no_room(budget)
            tried.add(arch)
            record = _record(arch, evaluate, cost, origin)
            records.append(record)
            alive.append(record)
            if len(alive) > population:
                alive.pop(0)  # aging: the oldest dies, however good
            bar.update(1)
    return records


def pareto_front(costs: Any, scores: Any) -> np.ndarray:
    """Indices of the points no other point beats: cheaper-or-equal *and* better-or-equal.

    Parameters
    ----------
    costs : (N,) array_like
        Lower is better (MACs).
    scores : (N,) array_like
        Higher is better (accuracy).

    Returns
    -------
    (P,) ndarray of int64
        The non-dominated points, by increasing cost. Of several points with the same cost and
        score, the first is kept.

    Notes
    -----
    Point :math:`j` dominates point :math:`i` when :math:`c_j \\le c_i` and
    :math:`s_j \\ge s_i` with at least one strict. Sorting by cost (ties: best score first),
    a point is on the front exactly when its score beats every score before it.

    Examples
    --------
    >>> pareto_front([1, 2, 3, 2], [0.5, 0.7, 0.6, 0.9]).tolist()
    [0, 3]
    """
    c = as_array(costs, "costs", ndim=1, kinds="iuf", allow_empty=True)
    s = as_array(scores, "scores", ndim=1, kinds="iuf", allow_empty=True)
    if len(c) != len(s):
        raise ValueError(f"costs and scores must have the same length; got {len(c)} and {len(s)}")
    if len(c) > MAX_POINTS:
        raise ValueError(f"at most {MAX_POINTS:,} points; got {len(c):,}")
    order = np.lexsort((np.arange(len(c)), -s, c))  # by cost, then best score, then index
    front, best = [], -np.inf
    for i in order:
        if s[i] > best:
            front.append(int(i))
            best = s[i]
    return np.asarray(front, np.int64)


def load_exhaustive_search() -> dict[str, Any]:
    """Every architecture of :data:`SEARCH_SPACE`, scored once with the search's budget.

    Returns
    -------
    dict
        ``"records"``: one record per architecture, like the searches' (``arch``, ``macs``,
        ``accuracy``, ``seconds``, ``origin`` "exhaustive"); ``"seconds"``: their total;
        ``"epochs"``, ``"seed"``, ``"torch"``: how the file was made.

    Notes
    -----
    The file ``data/nas_digits_search.json`` is checksummed (:func:`helpers.data.data_path`)
    and rebuilt by ``python tools/build_data.py nas_digits_search.json``, which runs
    ``python -m helpers.nets.nas`` (a few minutes on one core). Accuracies are counts out of
    1,000 validation digits; the seconds are the building machine's.

    References
    ----------
    Ying et al., "NAS-Bench-101: Towards Reproducible Neural Architecture Search", ICML 2019
    (the idea of shipping every architecture's score with the space). Used in
    chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> table = load_exhaustive_search()
    >>> len(table["records"]) == len(enumerate_architectures())
    True
    """
    import json

    from .data import data_path

    raw = json.loads(data_path(SEARCH_FILE).read_text(encoding="utf-8"))
    records = [{"arch": Architecture(int(r["depth"]), int(r["width"]), int(r["kernel"]),
                                     bool(r["skip"])),
                "macs": int(r["macs"]), "accuracy": float(r["accuracy"]),
                "seconds": float(r["seconds"]), "origin": "exhaustive"} for r in raw["records"]]
    return {"records": records, "seconds": float(sum(r["seconds"] for r in records)),
            "epochs": raw["epochs"], "seed": raw["seed"], "torch": raw["torch"]}
