"""The engine behind every exercise check: run the learner's function on cases, compare with the
reference helper, and say precisely which case failed (input, expected, got).

A chapter's check is a few lines::

    def check_to_gray(fn):
        cases = [Case("one red pixel", np.array([[[255, 0, 0]]], np.uint8)), ...]
        return run_cases("to_gray", fn, cases, reference=color.to_gray, atol=0.5)

An exercise the learner has not touched raises ``NotImplementedError`` (that is what the
generated student notebook contains), and the check answers "not attempted yet" instead of
failing, so nbval can execute the student notebooks from top to bottom.

With ``COURSE_STRICT_CHECKS=1`` in the environment (the test suite sets it for the notebook
kernels), a check that fails or errors also raises ``AssertionError``: a wrong solution in
``solutions/`` then fails the tests instead of only showing a red message.
"""

from __future__ import annotations

import copy
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

__all__ = ["Case", "CheckResult", "compare_values", "format_value", "run_cases"]


@dataclass
class Case:
    """One input to an exercise: a short description, positional and keyword arguments."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs

    def describe_input(self) -> str:
        parts = [format_value(a) for a in self.args]
        parts += [f"{k}={format_value(v)}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


@dataclass
class CheckResult:
    """The outcome of a check. Truthy when passed; displays itself in the notebook."""

    exercise: str
    status: str  # "passed", "failed", "not attempted", "error"
    message: str
    case: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "not attempted": "#6e7781"}.get(self.status, "#b00020")
        return (
            f"<pre style='border-left:4px solid {colour};padding:6px 10px;"
            f"white-space:pre-wrap'>{escape(self.message)}</pre>"
        )


def format_value(value: Any, *, max_chars: int = 600) -> str:
    """A readable, bounded rendering of an argument or a result for a feedback message."""
    if isinstance(value, np.ndarray):
        body = np.array2string(value, precision=4, suppress_small=True, threshold=64, edgeitems=3)
        text = f"array(shape={value.shape}, dtype={value.dtype})\n{body}"
    elif isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value):
        inner = ",\n".join(format_value(v, max_chars=max_chars // 2) for v in value)
        text = f"{type(value).__name__} of {len(value)}:\n{inner}"
    else:
        text = repr(value)
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def compare_values(expected: Any, got: Any, *, atol: float, rtol: float) -> str | None:
    """``None`` when ``got`` matches ``expected``; otherwise the first difference, in words."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = type(expected).__name__
            return f"expected a {kind} of {len(expected)} values; got {format_value(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            diff = compare_values(e, g, atol=atol, rtol=rtol)
            if diff:
                return f"item {i}: {diff}"
        return None
    if isinstance(expected, np.ndarray):
        try:
            got_arr = np.asarray(got)
        except Exception:  # noqa: BLE001 - anything unconvertible is simply a wrong answer
            return f"expected an array; got {type(got).__name__}"
        if got_arr.shape != expected.shape:
            return f"shape differs: expected {expected.shape}, got {got_arr.shape}"
        if expected.dtype == bool or got_arr.dtype == bool:
            mismatch = np.asarray(got_arr, bool) != expected.astype(bool)
        else:
            if got_arr.dtype.kind not in "biuf":
                return f"expected numbers; got dtype {got_arr.dtype}"
            e64, g64 = expected.astype(np.float64), got_arr.astype(np.float64)
            mismatch = ~np.isclose(g64, e64, atol=atol, rtol=rtol, equal_nan=True)
        if mismatch.any():
            idx = tuple(int(i) for i in np.argwhere(mismatch)[0])
            return (
                f"{int(mismatch.sum())} of {mismatch.size} values differ; first at index {idx}: "
                f"expected {expected[idx]!r}, got {got_arr[idx]!r}"
            )
        return None
    if isinstance(expected, (float, np.floating)):
        try:
            ok = bool(np.isclose(float(got), float(expected), atol=atol, rtol=rtol))
        except (TypeError, ValueError):
            ok = False
        return None if ok else f"expected {expected!r}, got {got!r}"
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def run_cases(
    exercise: str,
    fn: Callable[..., Any],
    cases: Sequence[Case],
    *,
    reference: Callable[..., Any],
    atol: float = 1e-6,
    rtol: float = 1e-6,
) -> CheckResult:
    """Run ``fn`` on each case and compare with ``reference``; stop at the first failure.

    Parameters
    ----------
    exercise : str
        Name shown to the learner.
    fn : callable
        The learner's function.
    cases : sequence of Case
        Inputs, easy first, edge cases last. Each is passed as a deep copy, so a function that
        modifies its input cannot change the expected answer.
    reference : callable
        The course's helper computing the right answer.
    atol, rtol : float
        Tolerances for numeric comparison (``numpy.isclose``).
    """
    result = _run_cases(exercise, fn, cases, reference=reference, atol=atol, rtol=rtol)
    if os.environ.get("COURSE_STRICT_CHECKS") == "1" and result.status in ("failed", "error"):
        raise AssertionError(result.message)
    return result


def _run_cases(exercise, fn, cases, *, reference, atol, rtol) -> CheckResult:
    if not callable(fn):
        return CheckResult(exercise, "error", f"{exercise}: pass the function itself, not {fn!r}")
    for i, case in enumerate(cases, start=1):
        expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        try:
            got = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except NotImplementedError:
            return CheckResult(
                exercise,
                "not attempted",
                f"{exercise}: not attempted yet - replace `raise NotImplementedError` with your "
                "code, run that cell, then run this one again.",
            )
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return CheckResult(
                exercise,
                "error",
                f"{exercise}: case {i}/{len(cases)} ({case.name}) raised "
                f"{type(exc).__name__}: {exc}\n  at line {where.lineno}: {where.line}\n"
                f"  input: {case.describe_input()}",
                case=case.name,
            )
        diff = compare_values(expected, got, atol=atol, rtol=rtol)
        if diff:
            return CheckResult(
                exercise,
                "failed",
                f"{exercise}: case {i}/{len(cases)} ({case.name}) failed - {diff}\n"
                f"  input: {case.describe_input()}\n"
                f"  expected: {format_value(expected)}\n"
                f"  got: {format_value(got)}",
                case=case.name,
            )
    return CheckResult(exercise, "passed", f"{exercise}: all {len(cases)} cases passed. Well done!")
