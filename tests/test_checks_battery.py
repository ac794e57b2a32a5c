"""Every exercise check survives every odd answer a learner can hand in.

The checks are discovered (every ``check_*`` in the ``__all__`` of every public module of
``helpers.checks``), so a new chapter's checks are covered with no extra work: the battery is
built from what the check would run (:func:`helpers.checks._core.inspect_check`: its cases and a
correct solution, the reference unless the check gave ``solution=``). For each check:

- the correct solution passes (and so do a few harmless variations of it: the same numbers as
  a torch tensor, with ``requires_grad``, wrapped in ``*args``, printing, modifying its input);
- ~40 odd answers (None, a list, a scalar for an array and an array for a scalar, a tensor,
  ``np.matrix``, uint8 0/255 where bool is asked, wrong shapes, the wrong arity, exceptions,
  ``sys.exit``, endless loops, non-callables, ...) never let an exception escape, never hang
  (the endless loops run under a 0.2 s limit and must be reported as such), and each gets one
  specific sentence: a known template, never a traceback or a line of the checks' own code.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import pkgutil
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import helpers.checks
from helpers import _lazy
from helpers.checks._core import inspect_check, override_time_limit

SHORT_LIMIT = 0.2  # seconds per case for the endless loops: keeps the battery fast
# Every other odd answer runs under this limit: long enough that a correct torch answer on a
# loaded 2-core machine is never mistaken for an endless loop.
NORMAL_LIMIT = 30.0
HAS_TORCH = importlib.util.find_spec("torch") is not None
CHECKS_DIR = Path(helpers.checks.__file__).parent


def _discover() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(helpers.checks.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"helpers.checks.{info.name}")
        for name in getattr(module, "__all__", []):
            if name.startswith("check_"):
                found[name] = getattr(module, name)
    return found


CHECKS = _discover()


# -- the battery --------------------------------------------------------------------------------


class _Weird:
    """A learner's own object that breaks every comparison."""

    def __eq__(self, other):
        raise RuntimeError("cannot compare")

    __hash__ = None

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array")

    def __float__(self):
        raise RuntimeError("no float")

    def __repr__(self):
        return "Weird()"


def _map(out, f):
    if isinstance(out, tuple):
        return tuple(_map(o, f) for o in out)
    if isinstance(out, list):
        return [_map(o, f) for o in out]
    return f(out)


def _tensor(x, grad=False):
    import torch  # imported by odd_answers first, outside the time limit

    t = torch.as_tensor(np.asarray(x))
    if grad and t.is_floating_point():
        t.requires_grad_(True)
    return t


def _tolist(out):
    if isinstance(out, tuple):
        return [_tolist(o) for o in out]
    return out.tolist() if isinstance(out, np.ndarray) else [out]


def _uint8(x):
    a = np.asarray(x)
    return a.astype(np.uint8) * (255 if a.dtype == bool else 1)


def _fixed_arity(n: int):
    names = ", ".join(f"a{i}" for i in range(n))
    namespace: dict = {}
    exec(f"def answer({names}):\n    return None\n", namespace)  # noqa: S102 - test scaffolding
    return namespace["answer"]


def odd_answers(cases, solution) -> list[tuple[str, object]]:
    """``(label, answer)`` pairs: what learners hand in besides correct code."""
    n = len(cases[0].args)

    def via(f):
        def answer(*args, **kwargs):
            return f(solution(*args, **kwargs))

        return answer

    def loops(*args, **kwargs):
        while True:
            pass

    def loops_swallowing(*args, **kwargs):
        while True:
            try:
                sum(range(100))
            except:  # noqa: E722 - the learner's bare except, on purpose
                pass

    def sleeps(*args, **kwargs):
        time.sleep(3600)

    def raises_zero(*args, **kwargs):
        return 1 / 0

    def raises_index(*args, **kwargs):
        return [][1]

    def array_in_if(*args, **kwargs):
        if np.ones(3) > 0:
            return 1

    def stub(*args, **kwargs):
        raise NotImplementedError("exercise not attempted yet")

    def exits(*args, **kwargs):
        sys.exit(1)

    def generator(*args, **kwargs):
        return (i for i in range(3))

    def prints(*args, **kwargs):
        print("debugging", len(args))
        return solution(*args, **kwargs)

    def star_args(*args, **kwargs):
        return solution(*args, **kwargs)

    def modifies_input(*args, **kwargs):
        out = solution(*args, **kwargs)
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                a[...] = 0
        return out

    def first_case_only(*args, **kwargs):
        return solution(*cases[0].args, **cases[0].kwargs)

    answers = [
        ("returns None", via(lambda o: None)),
        ("returns a list", via(_tolist)),
        ("returns a scalar", via(lambda o: 0.5)),
        ("returns an int array", via(lambda o: np.array([4, 4]))),
        ("returns np.matrix",
         via(lambda o: _map(o, lambda x: np.matrix(x) if np.ndim(x) <= 2 else x))),
        ("returns uint8 0/255", via(lambda o: _map(o, _uint8))),
        ("returns ints", via(lambda o: _map(o, lambda x: np.asarray(x).astype(np.int64)))),
        ("returns strings", via(lambda o: _map(o, lambda x: np.asarray(x).astype(str)))),
        ("returns float32", via(lambda o: _map(o, lambda x: np.asarray(x).astype(np.float32)))),
        ("returns an extra axis", via(lambda o: _map(o, lambda x: np.asarray(x)[..., None]))),
        ("returns transposed", via(lambda o: _map(o, lambda x: np.atleast_2d(x).T))),
        ("returns flattened", via(lambda o: _map(o, np.ravel))),
        ("returns NaN", via(lambda o: _map(o, lambda x: np.full(np.shape(x), np.nan)))),
        ("returns a pair instead", via(lambda o: o[0] if isinstance(o, tuple) else (o, o))),
        ("returns pairs inside",
         via(lambda o: _map(o, lambda x: np.array([x, x]) if np.ndim(x) == 0 else x))),
        ("returns a ragged list", via(lambda o: [[1, 2], [3]])),
        ("returns a dict", via(lambda o: {"answer": 1})),
        ("returns a string", via(lambda o: "42")),
        ("returns True", via(lambda o: True)),
        ("returns an object that breaks ==", via(lambda o: _Weird())),
        ("returns a generator", generator),
        ("answers case 1 every time", first_case_only),
        ("takes one argument too few", _fixed_arity(max(n - 1, 0))),
        ("takes one argument too many", _fixed_arity(n + 1)),
        ("raises ZeroDivisionError", raises_zero),
        ("raises IndexError", raises_index),
        ("uses an array in an if", array_in_if),
        ("calls sys.exit", exits),
        ("loops forever", loops),
        ("loops forever inside a bare except", loops_swallowing),
        ("sleeps forever", sleeps),
        ("is a stub", stub),
        ("is the number 42", 42),
        ("is None", None),
        ("is an array (called, not passed)", np.zeros(3)),
        ("prints and answers right", prints),
        ("wraps the reference in *args", star_args),
        ("modifies its input", modifies_input),
    ]
    if HAS_TORCH:
        import torch  # noqa: F401 - the first import takes seconds: not inside a timed case

        answers += [
            ("returns a torch tensor", via(lambda o: _map(o, _tensor))),
            ("returns a tensor with requires_grad",
             via(lambda o: _map(o, lambda x: _tensor(x, grad=True)))),
        ]
    return answers


MUST_PASS = {"prints and answers right", "wraps the reference in *args", "modifies its input",
             "returns a torch tensor", "returns a tensor with requires_grad"}
ENDLESS = {"loops forever", "loops forever inside a bare except", "sleeps forever"}
NOT_CALLABLE = {"is the number 42", "is None", "is an array (called, not passed)"}
WRONG_ARITY = {"takes one argument too few", "takes one argument too many"}


def _headline_pattern(exercise: str) -> re.Pattern:
    """The sentences the engine writes; anything else is not 'one specific sentence'."""
    case = r"case \d+/\d+ \(.*\)"
    return re.compile(
        rf"^{re.escape(exercise)}: ("
        r"all \d+ cases passed\. Well done!"
        r"|not attempted yet - .+"
        r"|pass the function itself to the check .+; got .+"
        r"|your function .+ (takes \d+ arguments?, but the check calls it as|cannot be called as)"
        r" .+"
        rf"|{case} returned None - did you forget `return`\?"
        rf"|{case} failed - (item \d+: )*(expected .+|shape differs: expected .+, got .+"
        r"|\d+ of \d+ values differ; first at index .+: expected .+, got .+|returned None.+"
        r"|got None.+)"
        rf"|{case} raised \w+.*"
        rf"|{case} was still running after [\d.]+ s, so it was stopped: most likely an endless"
        r" loop.*"
        r")$"
    )


def _checks_source_lines() -> set[str]:
    lines = set()
    for path in CHECKS_DIR.glob("*.py"):
        lines |= {ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
                  if len(ln.strip()) > 8}
    return lines


CHECKS_SOURCE = _checks_source_lines()


def _run(check, answer):
    """Run a check the way a notebook cell does; return (result, seconds, escaped exception)."""
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            result = check(answer)
        return result, time.monotonic() - start, None
    except BaseException as exc:  # noqa: BLE001 - that is what this test looks for
        return None, time.monotonic() - start, exc


# -- tests --------------------------------------------------------------------------------------


def test_discovery_finds_every_check_the_notebooks_can_import():
    exported = {n for n in _lazy.exports(str(CHECKS_DIR)) if n.startswith("check_")}
    assert exported == set(CHECKS)
    assert len(CHECKS) >= 19


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_correct_solution_passes(name):
    spec = inspect_check(CHECKS[name])
    result = CHECKS[name](spec.solution)
    assert result.passed, result.message


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix, on purpose
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN answers
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_odd_answers_get_one_specific_sentence_and_never_escape_or_hang(name):
    check = CHECKS[name]
    spec = inspect_check(check)
    headline = _headline_pattern(spec.exercise)
    outputs = [spec.solution(*c.args, **c.kwargs) for c in spec.cases]
    asks_for_bool = any(
        isinstance(x, np.ndarray) and x.dtype == bool and x.size
        for out in outputs for x in (out if isinstance(out, (tuple, list)) else (out,)))
    problems = []
    for label, answer in odd_answers(spec.cases, spec.solution):
        with override_time_limit(SHORT_LIMIT if label in ENDLESS else NORMAL_LIMIT):
            result, seconds, escaped = _run(check, answer)
        if escaped is not None:
            problems.append(f"{label}: {type(escaped).__name__} escaped: {escaped}")
            continue
        first, *rest = result.message.splitlines()
        why = []
        if not headline.match(first):
            why.append("not one of the engine's sentences")
        if "Traceback" in result.message or 'File "' in result.message:
            why.append("a traceback")
        quoted = re.findall(r"at line \d+ of \w+: `(.*)`", first)
        if any(q.strip() in CHECKS_SOURCE for q in quoted):
            why.append("quotes the checks' own code")
        if rest and not rest[0].startswith("  input: "):
            why.append("more than one sentence before the input")
        if seconds > 60:
            why.append(f"took {seconds:.0f} s")
        if label in MUST_PASS and not result.passed:
            why.append("a correct answer did not pass")
        if label in ENDLESS and not (result.status == "error" and "endless loop" in first):
            why.append("an endless loop not reported as one")
        if label == "is a stub" and result.status != "not attempted":
            why.append("a stub not reported as not attempted")
        if label == "returns None" and "None - did you forget `return`?" not in first:
            why.append("None not explained")
        if label in WRONG_ARITY and not (result.status == "error" and "argument" in first):
            why.append("wrong arity not explained")
        if label in NOT_CALLABLE and "pass the function itself" not in first:
            why.append("non-callable not explained")
        if label == "raises ZeroDivisionError" and "`return 1 / 0`" not in first:
            why.append("the learner's line is not quoted")
        if label == "returns uint8 0/255" and asks_for_bool and (
                result.passed or "dtype bool" not in first):
            why.append("uint8 0/255 accepted where a boolean is asked")
        if why:
            problems.append(f"{label}: {', '.join(why)}: {first}")
    assert not problems, f"{name}:\n" + "\n".join(problems)
