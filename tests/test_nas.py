"""Tests for helpers.nas, helpers.nets.nas and the Pareto-front check (chapter 22).

References: the Pareto front against a brute-force O(N^2) dominance test on random integer
points (many ties), exact; ``architecture_macs`` against torch's own count on the real
``SearchNet`` for every fourth architecture of the space: ``torch.utils.flop_counter`` FLOPs / 2
equal for all of them (batch norm, pooling and the skip additions are not multiply-accumulates
by weights in either convention).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import nas
from helpers.checks.frontiers import check_pareto_front


def _front_brute(c, s):
    keep = []
    for i in range(len(c)):
        dominated = False
        for j in range(len(c)):
            if j == i:
                continue
            if c[j] <= c[i] and s[j] >= s[i] and (c[j] < c[i] or s[j] > s[i]):
                dominated = True
            if c[j] == c[i] and s[j] == s[i] and j < i:  # an earlier duplicate wins
                dominated = True
        if not dominated:
            keep.append(i)
    return sorted(keep, key=lambda i: (c[i], i))


def test_pareto_front_agrees_with_brute_force():
    rng = np.random.default_rng(0)
    for n in [0, 1, 2, 5, 30, 200]:
        for _ in range(20):
            c = rng.integers(0, 10, n)
            s = rng.integers(0, 10, n) / 10
            assert nas.pareto_front(c, s).tolist() == _front_brute(c, s)


def test_pareto_front_errors():
    with pytest.raises(ValueError, match="same length"):
        nas.pareto_front([1, 2], [0.5])
    with pytest.raises(ValueError, match="costs"):
        nas.pareto_front([[1, 2]], [0.5, 0.6])
    with pytest.raises(ValueError, match="scores"):
        nas.pareto_front([1.0], [float("nan")])


def test_space_enumeration_and_sampling():
    space = nas.enumerate_architectures()
    sizes = [len(v) for v in nas.SEARCH_SPACE.values()]
    assert len(space) == len(set(space)) == int(np.prod(sizes))
    rng = np.random.default_rng(1)
    for _ in range(50):
        a = nas.sample_architecture(rng)
        assert a in space
        b = nas.mutate_architecture(a, rng)
        assert sum(getattr(a, g) != getattr(b, g) for g in nas.SEARCH_SPACE) == 1
    with pytest.raises(ValueError, match="kernel"):
        nas.Architecture(2, 8, 4, False)
    with pytest.raises(TypeError, match="skip"):
        nas.Architecture(2, 8, 3, 1)
    with pytest.raises(TypeError, match="arch"):
        nas.architecture_macs("d2 w8")


def test_architecture_macs_agrees_with_torch_flop_counter():
    pytest.importorskip("torch")
    from helpers.nets.nas import SearchNet
    from helpers.nets.summary import flop_counter_macs

    for arch in nas.enumerate_architectures()[::4]:
        assert nas.architecture_macs(arch) == flop_counter_macs(SearchNet(arch), (1, 28, 28))


def _score(arch):
    return 0.5 + 0.01 * arch.depth + 0.001 * arch.width + 0.003 * arch.skip


def test_random_search_respects_budget_and_never_repeats():
    budget = 400_000
    allowed = sum(nas.architecture_macs(a) <= budget for a in nas.enumerate_architectures())
    n = allowed // 2
    recs = nas.random_search(_score, n=n, rng=0, budget=budget, progress=False)
    archs = [r["arch"] for r in recs]
    assert len(archs) == len(set(archs)) == n
    assert all(r["macs"] <= budget and r["macs"] == nas.architecture_macs(r["arch"])
               for r in recs)
    assert [r["accuracy"] for r in recs] == [_score(a) for a in archs]
    again = nas.random_search(_score, n=n, rng=0, budget=budget, progress=False)
    assert [r["arch"] for r in again] == archs  # seeded
    with pytest.raises(ValueError, match="lower n"):
        nas.random_search(_score, n=allowed + 1, rng=0, budget=budget, progress=False)


def test_searches_fail_clearly_when_the_space_is_exhausted():
    total = len(nas.enumerate_architectures())
    with pytest.raises(ValueError, match="lower n"):
        nas.random_search(_score, n=total + 1, rng=0, progress=False)
    with pytest.raises(ValueError, match="lower n"):
        nas.evolution_search(_score, n=total + 1, rng=0, population=5, sample_size=2,
                             progress=False)


def test_evolution_search_improves_on_its_population():
    recs = nas.evolution_search(_score, n=60, rng=0, population=10, sample_size=3,
                                progress=False)
    archs = [r["arch"] for r in recs]
    assert len(set(archs)) == 60
    assert {r["origin"] for r in recs[:10]} == {"random"}
    assert max(r["accuracy"] for r in recs[10:]) >= max(r["accuracy"] for r in recs[:10])
    with pytest.raises(ValueError, match="sample_size"):
        nas.evolution_search(_score, n=10, rng=0, population=3, sample_size=4)
    with pytest.raises(TypeError, match="evaluate"):
        nas.random_search("not callable", n=3, rng=0)
    with pytest.raises(ValueError, match="budget"):
        nas.random_search(_score, n=3, rng=0, budget=10)


def test_exhaustive_table_is_consistent():
    table = nas.load_exhaustive_search()
    archs = [r["arch"] for r in table["records"]]
    assert sorted(map(str, archs)) == sorted(map(str, nas.enumerate_architectures()))
    for r in table["records"]:
        assert r["macs"] == nas.architecture_macs(r["arch"])
        assert 0.0 <= r["accuracy"] <= 1.0


# -- the check ------------------------------------------------------------------------------
def _front_right(costs, scores):
    order = sorted(range(len(costs)), key=lambda i: (costs[i], -scores[i], i))
    front, best = [], -np.inf
    for i in order:
        if scores[i] > best:
            front.append(i)
            best = scores[i]
    return np.array(front)


def test_check_pareto_front():
    assert check_pareto_front(_front_right).passed

    def ignores_ties(costs, scores):  # sorts by cost only: an equal-cost worse point may win
        order = np.argsort(costs, kind="stable")
        front, best = [], -np.inf
        for i in order:
            if scores[i] > best:
                front.append(int(i))
                best = scores[i]
        return np.array(front)

    bad = check_pareto_front(ignores_ties)
    assert bad.status == "failed" and "equal cost" in bad.message

    def stub(costs, scores):
        raise NotImplementedError

    assert check_pareto_front(stub).status == "not attempted"
