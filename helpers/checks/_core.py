"""The engine behind every exercise check: run the learner's function on cases, compare with the
reference helper, and say precisely which case failed (input, expected, got).

A chapter's check is a few lines::

    def check_threshold(fn):
        cases = [Case("three pixels around t=128", np.array([[10, 200, 130]], np.uint8), 128), ...]
        return run_cases("threshold", fn, cases, reference=color.threshold, dtype=bool)

Whatever the learner hands in, the check answers with **one specific sentence** and never
raises (apart from strict mode, below) or hangs:

- an untouched exercise raises ``NotImplementedError`` (the generated student notebook does):
  "not attempted yet", so nbval can run the student notebooks from top to bottom;
- ``None``, a list, a scalar for an array, an array for a scalar, ``np.matrix``, the wrong
  dtype (uint8 0/255 where a boolean image is asked), the wrong shape: a sentence naming what
  was expected and what came, with a hint where one is likely (``return`` forgotten, transposed,
  an extra axis, integer division, ...);
- torch tensors are accepted as arrays (detached, ``requires_grad`` or not) when the numbers are
  right;
- a function of the wrong arity: "your function takes 2 arguments, but the check calls it as
  f(patch, gx, gy)", before anything runs;
- an exception inside the learner's code: its type, message and the line *of the learner's
  code* that raised it (never a line of the checks);
- a loop that never ends: every case runs under a time limit (``time_limit``, default 10 s):
  a signal-based timer (``ITIMER_REAL``) in the main thread, as pytest-timeout's ``signal``
  method, and a watchdog thread elsewhere; the case is reported as a likely endless loop.

Return types and dtypes are inferred from the reference's answer (a ``bool`` answer asks for a
``bool``; an array asks for anything array-like with the right shape and numbers), and can be
stated, and are then enforced, with ``returns=`` and ``dtype=``::

    run_cases("output_size", fn, cases, reference=..., returns=int)          # 4.0 is refused
    run_cases("nms", fn, cases, reference=detection.nms, dtype=int)          # integer indices
    run_cases("yolo_cell", fn, cases, reference=..., returns=(int, int, float, float))
    run_cases("double_threshold", fn, cases, reference=..., dtype=bool)      # every array bool

With ``COURSE_STRICT_CHECKS=1`` in the environment (the test suite sets it for the notebook
kernels), a check that fails or errors also raises ``AssertionError``: a wrong solution in
``solutions/`` then fails the tests instead of only showing a red message.

:func:`inspect_check` returns what a check would run (its cases, its reference, its options)
without running anything: ``tests/test_checks_battery.py`` uses it to feed every check in
:mod:`helpers.checks` a battery of odd answers, and the reference as a correct one.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import ctypes
import inspect
import linecache
import math
import os
import signal
import sys
import sysconfig
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "Case",
    "CheckResult",
    "CheckSpec",
    "compare_values",
    "format_value",
    "inspect_check",
    "override_time_limit",
    "run_cases",
]

DEFAULT_TIME_LIMIT = 10.0
"""Seconds one case may run before it is stopped and reported as a likely endless loop."""

_HELPERS_DIR = str(Path(__file__).resolve().parent.parent)
_LIBRARY_DIRS = tuple(
    {str(Path(p).resolve()) for p in (sysconfig.get_paths().get(k) for k in ("stdlib", "purelib",
                                                                             "platlib")) if p}
)
_RETURN_TYPES = (int, float, bool, str, tuple, list, np.ndarray)


# -- cases and results --------------------------------------------------------------------------


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


@dataclass(frozen=True)
class CheckSpec:
    """What a check runs: returned by :func:`inspect_check`, one per ``run_cases`` call.

    ``solution`` is a correct answer called exactly like the learner's function (the
    reference, unless the check gave ``solution=``).
    """

    exercise: str
    cases: tuple
    reference: Callable[..., Any]
    solution: Callable[..., Any]
    atol: float
    rtol: float
    returns: Any
    dtype: Any
    time_limit: float


# -- rendering ----------------------------------------------------------------------------------


def format_value(value: Any, *, max_chars: int = 600) -> str:
    """A readable, bounded rendering of an argument or a result for a feedback message."""
    try:
        value = _from_tensor(value)
        if isinstance(value, np.ndarray):
            body = np.array2string(np.asarray(value), precision=4, suppress_small=True,
                                   threshold=64, edgeitems=3)
            text = f"array(shape={value.shape}, dtype={value.dtype})\n{body}"
        elif isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value):
            inner = ",\n".join(format_value(v, max_chars=max_chars // 2) for v in value[:8])
            text = f"{type(value).__name__} of {len(value)}:\n{inner}"
        elif isinstance(value, np.generic):
            text = repr(value.item())
        else:
            text = repr(value)
    except Exception:  # noqa: BLE001 - a learner's object whose repr breaks
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def _plain(x: Any) -> str:
    """A number as a learner writes it: ``5.0``, not ``np.float64(5.0)``."""
    if isinstance(x, np.generic):
        x = x.item()
    return repr(x)


def _describe(value: Any) -> str:
    """What came, in a few words: ``None``, ``int 4``, ``an array of shape (3,) and dtype ...``."""
    if value is None:
        return "None"
    if _is_tensor(value):
        return f"a torch tensor of shape {tuple(value.shape)} (dtype {value.dtype})"
    if isinstance(value, np.matrix):
        return f"an np.matrix of shape {value.shape}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"a 0-d array holding {_plain(value.item())}"
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {bool(value)}"
    if isinstance(value, (int, float, complex, np.number)):
        name = type(value).__name__
        return f"{name} {_plain(value)}"
    if isinstance(value, str):
        text = str(value) if len(value) <= 40 else str(value)[:37] + "..."
        return f"the text {text!r}"
    if isinstance(value, (list, tuple)):
        n = len(value)
        return f"a {type(value).__name__} of {n} item{'s' * (n != 1)}"
    if isinstance(value, dict):
        return f"a dict with {len(value)} key{'s' * (len(value) != 1)}"
    if isinstance(value, types.GeneratorType):
        return "a generator (from `yield` or a `(... for ...)` expression)"
    if callable(value):
        return f"the function {getattr(value, '__name__', '?')}"
    return f"a {type(value).__name__} object"


# -- tensors ------------------------------------------------------------------------------------


def _is_tensor(x: Any) -> bool:
    # Without importing torch: checks must not pull it in.
    return type(x).__module__.startswith("torch") and hasattr(x, "detach") and hasattr(x, "numpy")


def _from_tensor(x: Any) -> Any:
    """A torch tensor as a numpy array (detached, on the CPU); anything else unchanged."""
    if _is_tensor(x):
        try:
            return x.detach().cpu().numpy()
        except Exception:  # noqa: BLE001 - e.g. bfloat16, which numpy lacks
            return x.detach().cpu().float().numpy()
    return x


# -- comparison ---------------------------------------------------------------------------------


def _dtype_rule(dtype: Any) -> tuple[str, str] | None:
    """``(kinds, words)`` for a stated dtype: ``bool``/``int``/``float`` mean any of that kind,
    a numpy dtype means exactly that one."""
    if dtype is None:
        return None
    if dtype is bool or dtype is np.bool_:
        return "b", "a boolean array (dtype bool)"
    if dtype is int:
        return "iu", "an integer array (e.g. dtype int64)"
    if dtype is float:
        return "f", "a floating-point array (e.g. dtype float64)"
    exact = np.dtype(dtype)
    return f"={exact.str}", f"an array of dtype {exact}"


def _kind_ok(rule: str, dt: np.dtype) -> bool:
    if rule.startswith("="):
        return dt.str == rule[1:] or np.dtype(rule[1:]) == dt
    return dt.kind in rule


def _values_text(arr: np.ndarray) -> str:
    """``uint8 values 0/255``, ``int64 values 0/1``, ``float64 values``."""
    if arr.dtype.kind in "biu" and arr.size:
        vals = np.unique(arr)
        if vals.size <= 3:
            return f"{arr.dtype} values {'/'.join(str(v) for v in vals.tolist())}"
    return f"{arr.dtype} values"


def _shape_hint(expected: tuple, got: tuple) -> str:
    if len(got) == len(expected) >= 2 and got == expected[::-1]:
        return " - transposed? (the axes come in the reverse order)"
    squeeze_e = tuple(s for s in expected if s != 1)
    squeeze_g = tuple(s for s in got if s != 1)
    if squeeze_e == squeeze_g:
        return " - an axis of length 1 too many or too few (index with [..., None] or np.squeeze)"
    if math.prod(got) == math.prod(expected):
        return " - the same number of values, arranged differently (check the axis order)"
    if len(got) == len(expected) >= 2:
        diffs = {g - e for g, e in zip(got, expected, strict=True)}
        if len(diffs) == 1:
            d = diffs.pop()
            return (f" - {abs(d)} {'too many' if d > 0 else 'too few'} along every axis "
                    "(a border or padding problem?)")
    return ""


def _as_number(got: Any) -> tuple[Any, str | None]:
    """``(number, None)`` for a real scalar (Python, numpy, 0-d array); else ``(None, why)``."""
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if isinstance(got, (bool, np.bool_)):
        return None, f"got {_describe(got)}"
    if isinstance(got, (int, float, np.integer, np.floating)):
        return got, None
    if isinstance(got, (complex, np.complexfloating)):
        return None, f"got a complex number {got!r}"
    if isinstance(got, np.ndarray):
        return None, (f"got an array of shape {got.shape} - return one number "
                      "(e.g. with .item(), float(...) or a sum)")
    if isinstance(got, (list, tuple)):
        return None, f"got {_describe(got)} - return the number itself, not a {type(got).__name__}"
    return None, f"got {_describe(got)}"


def _compare_array(expected: np.ndarray, got: Any, *, atol: float, rtol: float, strict: bool,
                   dtype: Any) -> str | None:
    want = f"an array of shape {expected.shape}"
    if isinstance(got, tuple) and not all(
            isinstance(g, (int, float, np.number)) and not isinstance(g, bool) for g in got):
        return (f"expected {want}; got a tuple of {len(got)} values - return a single array, "
                "not several separated by commas")
    if isinstance(got, (str, bytes, dict, set)) or callable(got) \
            or isinstance(got, types.GeneratorType):
        hint = " - build an array, e.g. np.array(list(...))" if isinstance(
            got, types.GeneratorType) else ""
        return f"expected {want}; got {_describe(got)}{hint}"
    if strict and isinstance(got, list):
        return f"expected a numpy {want}; got a list - wrap it with np.array(...)"
    if isinstance(got, (bool, int, float, complex, np.generic)):
        return f"expected {want}; got a single number, {_describe(got)}"
    was_matrix = isinstance(got, np.matrix)
    try:
        arr = np.asarray(got)
    except Exception:  # noqa: BLE001 - ragged lists and objects that refuse to be arrays
        if isinstance(got, (list, tuple)):
            return (f"expected {want}; got {_describe(got)} that is not a regular array "
                    "(rows of different lengths?)")
        return f"expected {want}; got {_describe(got)}, which numpy cannot turn into an array"
    if arr.dtype.kind == "O":
        return (f"expected {want} of numbers; got {_describe(got)} holding Python objects "
                "(rows of different lengths, or None inside?)")
    if arr.dtype.kind in "USV":
        return f"expected {want} of numbers; got text (dtype {arr.dtype})"
    if arr.dtype.kind == "c":
        return f"expected {want} of real numbers; got complex numbers (dtype {arr.dtype})"
    if arr.ndim == 0 and expected.ndim > 0:
        return f"expected {want}; got a single number, {_describe(got)}"
    if arr.shape != expected.shape:
        hint = (" - np.matrix is always 2-D; use a plain np.array" if was_matrix
                else _shape_hint(expected.shape, arr.shape))
        return f"shape differs: expected {expected.shape}, got {arr.shape}{hint}"
    rule = _dtype_rule(bool if expected.dtype == bool and dtype is None else dtype)
    if rule and arr.size and not _kind_ok(rule[0], arr.dtype):
        if rule[0] == "b":
            return (f"expected {rule[1]} of shape {expected.shape}; got {_values_text(arr)} - "
                    "return the comparison itself (e.g. `image > t`), not numbers")
        fix = {"iu": " - convert with .astype(int), or use // instead of /",
               "f": " - convert with .astype(float) (integer division somewhere?)"}.get(rule[0], "")
        return f"expected {rule[1]} of shape {expected.shape}; got dtype {arr.dtype}{fix}"
    if expected.dtype == bool:
        mismatch = arr.astype(bool) != expected
    else:
        e64, g64 = expected.astype(np.float64), arr.astype(np.float64)
        mismatch = ~np.isclose(g64, e64, atol=atol, rtol=rtol, equal_nan=True)
    if not mismatch.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(mismatch)[0])
    text = (f"{int(mismatch.sum())} of {mismatch.size} values differ; first at index {idx}: "
            f"expected {_plain(expected[idx])}, got {_plain(arr[idx])}")
    if expected.dtype != bool:
        g = arr.astype(np.float64)
        if np.isnan(g[idx]) and not np.isnan(e64[idx]):
            text += " (NaN: a 0/0 or an operation on NaN somewhere?)"
        elif arr.dtype in (np.float16, np.float32) and expected.dtype == np.float64 and \
                np.allclose(g, e64, rtol=1e-4, atol=1e-4 * (np.abs(e64).max() + 1)):
            text += f" - your result is {arr.dtype}: compute in float64 for this precision"
        elif np.allclose(-g, e64, atol=atol, rtol=rtol, equal_nan=True) and np.any(e64 != 0):
            text += " - every value has the wrong sign"
    return text


def compare_values(
    expected: Any,
    got: Any,
    *,
    atol: float,
    rtol: float,
    returns: Any = None,
    dtype: Any = None,
    _top: bool = True,
) -> str | None:
    """``None`` when ``got`` matches ``expected``; otherwise the first difference, in words.

    ``returns`` and ``dtype`` are :func:`run_cases`' stated return type and dtype. Torch
    tensors count as arrays (detached). Never raises: anything that cannot be compared is a
    wrong answer, described.

    Examples
    --------
    >>> compare_values(np.array([True, False]), np.array([255, 0], np.uint8), atol=0, rtol=0)
    ... # doctest: +ELLIPSIS
    'expected a boolean array (dtype bool) of shape (2,); got uint8 values 0/255 - return ...'
    >>> print(compare_values(4, 4.0, atol=0, rtol=0, returns=int))
    expected an integer (int); got float 4.0 - use // (floor division) or int(...)
    """
    try:
        return _compare(expected, got, atol=atol, rtol=rtol, returns=returns, dtype=dtype,
                        top=_top)
    except Exception as exc:  # noqa: BLE001 - the last guard: a check never raises
        return (f"expected {_describe(expected)}; got {_describe(got)}, which could not be "
                f"compared with it ({type(exc).__name__}: {exc})")


def _compare(expected, got, *, atol, rtol, returns, dtype, top) -> str | None:
    if got is None and expected is not None:
        return ("returned None - did you forget `return`?" if top
                else "got None (a missing `return` somewhere?)")
    got = _from_tensor(got)
    expected = _from_tensor(expected)
    if isinstance(returns, tuple) or (returns in (tuple, list)) or (
            returns is None and isinstance(expected, (tuple, list))):
        return _compare_sequence(expected, got, atol=atol, rtol=rtol, returns=returns,
                                 dtype=dtype)
    if returns is np.ndarray or (returns is None and isinstance(expected, np.ndarray)
                                 and expected.ndim > 0):
        return _compare_array(np.asarray(expected), got, atol=atol, rtol=rtol,
                              strict=returns is np.ndarray, dtype=dtype)
    if isinstance(expected, np.ndarray) and expected.ndim == 0:
        expected = expected[()]
    if returns is bool or (returns is None and isinstance(expected, (bool, np.bool_))):
        if isinstance(got, np.ndarray) and got.ndim == 0:
            got = got[()]
        if isinstance(got, (bool, np.bool_)):
            if bool(got) == bool(expected):
                return None
            return f"expected {bool(expected)}, got {bool(got)}"
        if isinstance(got, np.ndarray):
            return (f"expected a single True or False; got an array of shape {got.shape} - "
                    "combine the comparisons into one (with `and`, or np.all)")
        if isinstance(got, (int, float, np.number)):
            return (f"expected True or False; got {_describe(got)} - return the comparison "
                    "itself (e.g. `a > b`), not a number")
        return f"expected True or False; got {_describe(got)}"
    if returns in (int, float) or (returns is None and isinstance(
            expected, (int, float, np.integer, np.floating)) and not isinstance(expected, bool)):
        kind = "an integer (int)" if returns is int else "a single number"
        number, why = _as_number(got)
        if why:
            return f"expected {kind}; {why}"
        if returns is int and not isinstance(number, (int, np.integer)):
            return (f"expected an integer (int); got {_describe(number)} - use // (floor "
                    "division) or int(...)")
        e, g = float(expected), float(number)
        if math.isclose(g, e, rel_tol=rtol, abs_tol=atol) or (math.isnan(e) and math.isnan(g)):
            return None
        hint = " (NaN: a 0/0 or an operation on NaN somewhere?)" if math.isnan(g) else ""
        return f"expected {_plain(expected)}, got {_plain(number)}{hint}"
    if returns is str:
        if not isinstance(got, str):
            return f"expected text (a str); got {_describe(got)}"
    equal = got == expected
    if isinstance(equal, np.ndarray):
        return f"expected {format_value(expected, max_chars=80)}; got {_describe(got)}"
    return None if bool(equal) else f"expected {_plain(expected)}, got {_plain(got)}"


def _compare_sequence(expected, got, *, atol, rtol, returns, dtype) -> str | None:
    n = len(returns) if isinstance(returns, tuple) else len(expected)
    kind = "list" if isinstance(expected, list) and returns is None else "tuple"
    want = f"a {kind} of {n} values"
    if isinstance(got, np.ndarray) and got.ndim >= 1 and len(got) == n:
        return (f"expected {want}; got {_describe(got)} - return them separated by commas "
                f"(`return a, b`), not stacked in one array")
    if not isinstance(got, (tuple, list)):
        return f"expected {want}; got {_describe(got)}"
    if len(got) != n:
        return f"expected {want}; got {_describe(got)}"
    for i in range(n):
        item_returns = returns[i] if isinstance(returns, tuple) else None
        item_dtype = dtype[i] if isinstance(dtype, tuple) else dtype
        exp_i = expected[i] if isinstance(expected, (tuple, list)) else None
        diff = compare_values(exp_i, got[i], atol=atol, rtol=rtol, returns=item_returns,
                              dtype=item_dtype, _top=False)
        if diff:
            return f"item {i}: {diff}"
    return None


# -- calling the learner's function -------------------------------------------------------------


class _CaseTimeout(BaseException):
    """Raised inside the learner's function when its case ran out of time.

    A ``BaseException``, so that ``except Exception`` in the learner's code does not swallow it.
    """


_OVERRIDE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "course_check_time_limit", default=None)
_RECORDER: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "course_check_recorder", default=None)


@contextlib.contextmanager
def override_time_limit(seconds: float) -> Iterator[None]:
    """Run every case under ``seconds`` instead of each check's own limit (tests use 0.2 s)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or \
            not 0 < seconds < 3600:
        raise ValueError(f"seconds must be a number in (0, 3600); got {seconds!r}")
    token = _OVERRIDE.set(float(seconds))
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def _invoke(fn, args, kwargs, limit: float) -> tuple[str, Any]:
    """``("value", v)``, ``("error", exc)`` or ``("timeout", None)``; never raises (apart from
    KeyboardInterrupt, which is the learner stopping the kernel)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _invoke_with_alarm(fn, args, kwargs, limit)
    return _invoke_in_thread(fn, args, kwargs, limit)


def _invoke_with_alarm(fn, args, kwargs, limit):
    state = {"active": True, "fired": 0, "raised": 0, "grace": False}
    traced: list[types.FrameType] = []

    def may_raise(frame) -> bool:
        # Only inside the learner's code: never in this module's own bookkeeping, and never in
        # the middle of an import (a half-imported torch stays broken for the session).
        return state["active"] and frame is not None and \
            frame.f_code.co_filename != __file__ and not _importing(frame)

    def on_line(frame, event, arg):
        # Only on "line" events: raising on the "exception" event of the alarm's own raise
        # would replace it, inside the `try`, and a trace function that raises is removed.
        if event == "line" and may_raise(frame):
            state["raised"] += 1
            raise _CaseTimeout
        return on_line

    def on_alarm(signum, frame):
        if state["active"] and frame is not None and _importing(frame):
            state["grace"] = True  # time spent importing (torch: seconds) does not count
            return
        if state["grace"] and state["active"]:
            state["grace"] = False  # the import is over: a fresh limit from here
            signal.setitimer(signal.ITIMER_REAL, limit, 0.05)
            return
        state["fired"] += 1
        if state["fired"] > 1 and state["active"]:
            # The first stop was swallowed (a bare `except:` in the loop): raise on every line
            # from now on, so the next raise lands in the `except` block and leaves the loop.
            sys.settrace(on_line)
            f = frame
            while f is not None:
                if f.f_trace is None:
                    f.f_trace = on_line
                    traced.append(f)
                f = f.f_back
        if may_raise(frame):
            state["raised"] += 1
            raise _CaseTimeout

    start = time.monotonic()
    old_trace = sys.gettrace()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    # Fires at the limit, then every 50 ms: an `except:` in the learner's loop that swallows
    # the first one is hit again, and the raise eventually lands outside the `try`.
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, limit, 0.05)
    try:
        try:
            outcome = ("value", fn(*args, **kwargs))
        finally:
            state["active"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _CaseTimeout:
        outcome = ("timeout", None)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit from exit() included
        outcome = ("error", exc)
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        if state["fired"] > 1:
            sys.settrace(old_trace)
            for f in traced:
                if f.f_trace is on_line:
                    f.f_trace = None
            traced.clear()
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # somebody else's timer (pytest-timeout, an outer check): put it back
            remaining = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, old_interval)
    if state["raised"] and outcome[0] != "timeout":
        # It swallowed the stop and went on. (An answer that only ran late because the time
        # ran out during an import, where nothing is raised, finished: its answer counts.)
        outcome = ("timeout", None)
    return outcome


def _importing(frame: types.FrameType | None) -> bool:
    """True when ``frame`` runs inside an ``import`` statement."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _invoke_in_thread(fn, args, kwargs, limit):
    box: dict[str, Any] = {}

    def target():
        try:
            box["outcome"] = ("value", fn(*args, **kwargs))
        except _CaseTimeout:
            box["outcome"] = ("timeout", None)
        except BaseException as exc:  # noqa: BLE001 - reported to the learner
            box["outcome"] = ("error", exc)

    worker = threading.Thread(target=target, name="course-check-case", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        # Best effort to stop a pure-Python loop (an exception raised in the worker at its next
        # bytecode, repeated in case an `except:` swallows it); a daemon thread never blocks the
        # interpreter's exit. A loop inside one C call cannot be stopped this way.
        def reap():
            for _ in range(600):
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                                           ctypes.py_object(_CaseTimeout))
                worker.join(0.1)
                if not worker.is_alive():
                    return

        threading.Thread(target=reap, name="course-check-reaper", daemon=True).start()
        return ("timeout", None)
    return box.get("outcome", ("timeout", None))


def _is_library(filename: str) -> bool:
    path = os.path.abspath(filename)
    return path.startswith(_HELPERS_DIR) or path.startswith(_LIBRARY_DIRS) or \
        filename.startswith("<frozen")


def _learner_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The deepest frame of the learner's own code in the exception's traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in frames if os.path.abspath(f.filename) != os.path.abspath(__file__)]
    own = [f for f in frames if not _is_library(f.filename)]
    if own:
        return own[-1]
    outside_checks = [f for f in frames if not os.path.abspath(f.filename).startswith(
        os.path.dirname(os.path.abspath(__file__)))]
    return outside_checks[-1] if outside_checks else None


_EXCEPTION_HINTS = [
    (ValueError, "truth value of an array",
     "use &, | or np.all / np.any on arrays, not `and`, `or` or `if`"),
    (ValueError, "could not be broadcast", "the arrays' shapes do not fit: print their .shape"),
    (IndexError, "", "an index is out of range: print the array's .shape"),
    (TypeError, "NoneType", "a value is None: a function without `return`?"),
    (ZeroDivisionError, "", "guard the division (e.g. `if union > 0`)"),
    (NameError, "", "run the cell that defines it, or check the spelling"),
    (RecursionError, "", "the function calls itself without end"),
    (AttributeError, "'list' object", "convert lists with np.asarray(...) first"),
    (SystemExit, "", "exit() stops the check: return a value instead"),
]


def _exception_sentence(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    if len(text) > 200:
        text = text[:197] + "..."
    frame = _learner_frame(exc)
    if frame is not None:
        line = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
        where = f"line {frame.lineno} of {frame.name}"
        text += f" at {where}" + (f": `{line}`" if line else "")
    for kind, needle, hint in _EXCEPTION_HINTS:
        if isinstance(exc, kind) and needle in str(exc):
            text += f" - {hint}"
            break
    return text


def _brief(value: Any) -> str:
    """An argument in two words: ``an (8, 8) array``, ``a KalmanBoxFilter``, ``128``."""
    if isinstance(value, np.ndarray):
        return f"a {value.shape} array"
    if isinstance(value, (bool, int, float, np.number)):
        return _plain(value)
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def _parameter_names(reference: Callable, n: int) -> list[str] | None:
    if getattr(reference, "__name__", "") == "<lambda>":
        return None  # one-letter lambda parameters tell the learner nothing
    try:
        params = list(inspect.signature(reference).parameters.values())
    except (TypeError, ValueError):
        return None
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return names[:n] if len(names) >= n else None


def _arity_problem(fn: Callable, case: Case, reference: Callable) -> str | None:
    """A sentence when ``fn`` cannot be called with the case's arguments; else ``None``."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None  # builtins and ufuncs: let the call decide
    try:
        sig.bind(*case.args, **case.kwargs)
    except TypeError as exc:
        name = getattr(fn, "__name__", "your function")
        names = _parameter_names(reference, len(case.args)) or [_brief(a) for a in case.args]
        names += [f"{k}=..." for k in case.kwargs]
        call = f"{name}({', '.join(names)})"
        positional = [p for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        n = len(positional)
        if len(positional) != len(case.args):
            return (f"your function {name}{sig} takes {n} argument{'s' * (n != 1)}, but the "
                    f"check calls it as {call} - change its definition to take these")
        return f"your function {name}{sig} cannot be called as {call} ({exc})"
    return None


# -- the check itself ---------------------------------------------------------------------------


def _validate_spec(exercise, cases, reference, atol, rtol, returns, dtype, time_limit, solution):
    # These come from the check's author, not from the learner: a mistake raises at once.
    if not isinstance(exercise, str) or not exercise:
        raise TypeError(f"exercise must be a non-empty str; got {exercise!r}")
    if not callable(reference):
        raise TypeError(f"reference must be callable; got {reference!r}")
    if solution is not None and not callable(solution):
        raise TypeError(f"solution must be callable or None; got {solution!r}")
    if isinstance(cases, (str, bytes)) or not isinstance(cases, Iterable):
        raise TypeError(f"cases must be a non-empty sequence of Case; got {_describe(cases)}")
    cases = tuple(cases)
    if not cases or not all(isinstance(c, Case) for c in cases):
        raise TypeError("cases must be a non-empty sequence of Case")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
            raise ValueError(f"{name} must be a finite number >= 0; got {tol!r}")

    def valid_type(t):
        return t is None or t in _RETURN_TYPES or (
            isinstance(t, tuple) and all(u is None or u in _RETURN_TYPES for u in t))

    if not valid_type(returns):
        raise TypeError("returns must be None, one of int, float, bool, str, tuple, list, "
                        f"np.ndarray, or a tuple of those; got {returns!r}")
    for d in dtype if isinstance(dtype, tuple) else (dtype,):
        try:
            _dtype_rule(d)
        except TypeError as exc:
            raise TypeError(f"dtype must be None, bool, int, float or a numpy dtype (or a "
                            f"tuple of those); got {d!r}") from exc
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(
            time_limit, (int, float)) or not 0 < time_limit <= 600):
        raise ValueError(f"time_limit must be a number of seconds in (0, 600]; got {time_limit!r}")
    return cases


def run_cases(
    exercise: str,
    fn: Callable[..., Any],
    cases: Sequence[Case],
    *,
    reference: Callable[..., Any],
    atol: float = 1e-6,
    rtol: float = 1e-6,
    returns: Any = None,
    dtype: Any = None,
    time_limit: float | None = None,
    solution: Callable[..., Any] | None = None,
) -> CheckResult:
    """Run ``fn`` on each case and compare with ``reference``; stop at the first failure.

    Parameters
    ----------
    exercise : str
        Name shown to the learner.
    fn : callable
        The learner's function. Anything else (a number, ``None``, the result of calling the
        function) is reported, not raised.
    cases : sequence of Case
        Inputs, easy first, edge cases last. Each is passed as a deep copy, so a function that
        modifies its input cannot change the expected answer.
    reference : callable
        The course's helper computing the right answer, called exactly like ``fn``.
    atol, rtol : float
        Tolerances for numeric comparison (``numpy.isclose``).
    returns : type or tuple of types, optional
        The stated return type, enforced: ``int`` (an integer: 4.0 is refused), ``float`` (any
        real number), ``bool``, ``str``, ``np.ndarray`` (an array or a tensor: a list is
        refused), ``tuple``, or a tuple of these for a tuple result (``(int, int, float)``;
        ``None`` inside leaves an item to inference). Default: inferred from the reference's
        answer (bool asks for a bool; an array accepts anything array-like; a number accepts
        any real number).
    dtype : bool, int, float, numpy dtype or tuple, optional
        The stated dtype of the array(s) returned, enforced: ``bool``, ``int`` or ``float`` for
        any dtype of that kind, a numpy dtype (``np.uint8``) for exactly that one. For a tuple
        result it applies to every array in it, or give a tuple aligned with the items.
        Default: a boolean reference answer asks for dtype bool; otherwise any numbers whose
        values match.
    time_limit : float, optional
        Seconds one case may run (default :data:`DEFAULT_TIME_LIMIT`, 10 s) before it is
        stopped and reported as a likely endless loop.
    solution : callable, optional
        A correct answer called exactly like ``fn``, for :func:`inspect_check` and the test
        battery, when ``reference`` is not called that way. Default: ``reference``.

    Returns
    -------
    CheckResult
        ``status`` is ``"passed"``, ``"failed"`` (a wrong answer), ``"not attempted"`` (the
        stub's ``NotImplementedError``) or ``"error"`` (the function could not be run: not a
        function, wrong arity, an exception, a time-out). ``message`` is one sentence, then
        the failing input, expected and got.

    Raises
    ------
    AssertionError
        Only with ``COURSE_STRICT_CHECKS=1``, for a failed or erroring answer.
    TypeError, ValueError
        For a mistake of the check's author in the options above (never for the learner's
        answer).
    """
    cases = _validate_spec(exercise, cases, reference, atol, rtol, returns, dtype, time_limit,
                           solution)
    spec = CheckSpec(exercise, cases, reference, solution or reference, float(atol), float(rtol),
                     returns, dtype, float(time_limit or DEFAULT_TIME_LIMIT))
    recorder = _RECORDER.get()
    if recorder is not None:
        recorder.append(spec)
        return CheckResult(exercise, "passed", f"{exercise}: recorded by inspect_check")
    result = _run_spec(spec, fn)
    if os.environ.get("COURSE_STRICT_CHECKS") == "1" and result.status in ("failed", "error"):
        raise AssertionError(result.message)
    return result


def _run_spec(spec: CheckSpec, fn: Any) -> CheckResult:
    exercise, cases = spec.exercise, spec.cases
    if not callable(fn):
        hint = (" - did you write check(f(...)) instead of check(f)?" if fn is not None
                else " - pass the name of the function you defined above")
        return CheckResult(
            exercise, "error",
            f"{exercise}: pass the function itself to the check (its name, without parentheses "
            f"or arguments); got {_describe(fn)}{hint}")
    problem = _arity_problem(fn, cases[0], spec.solution)
    if problem:
        return CheckResult(exercise, "error", f"{exercise}: {problem}.", case=cases[0].name)
    limit = _OVERRIDE.get() or spec.time_limit
    for i, case in enumerate(cases, start=1):
        label = f"{exercise}: case {i}/{len(cases)} ({case.name})"
        try:
            expected = spec.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception as exc:  # noqa: BLE001 - a bug in the check, not in the answer
            return CheckResult(
                exercise, "error",
                f"{label}: the check's own reference failed ({type(exc).__name__}: {exc}) - "
                "this is a bug in the course, not in your answer; please report it",
                case=case.name)
        kind, got = _invoke(fn, copy.deepcopy(case.args), copy.deepcopy(case.kwargs), limit)
        if kind == "error" and isinstance(got, NotImplementedError):
            return CheckResult(
                exercise,
                "not attempted",
                f"{exercise}: not attempted yet - replace `raise NotImplementedError` with your "
                "code, run that cell, then run this one again.",
            )
        if kind == "timeout":
            return CheckResult(
                exercise, "error",
                f"{label} was still running after {limit:g} s, so it was stopped: most likely "
                "an endless loop (a `while` whose condition never becomes False?)\n"
                f"  input: {case.describe_input()}",
                case=case.name)
        if kind == "error":
            return CheckResult(
                exercise, "error",
                f"{label} raised {_exception_sentence(got)}\n  input: {case.describe_input()}",
                case=case.name)
        diff = compare_values(expected, got, atol=spec.atol, rtol=spec.rtol,
                              returns=spec.returns, dtype=spec.dtype)
        if diff:
            return CheckResult(
                exercise,
                "failed",
                f"{label}{' ' if diff.startswith('returned None') else ' failed - '}{diff}\n"
                f"  input: {case.describe_input()}\n"
                f"  expected: {format_value(expected)}\n"
                f"  got: {format_value(got)}",
                case=case.name,
            )
    return CheckResult(exercise, "passed", f"{exercise}: all {len(cases)} cases passed. Well done!")


def inspect_check(check: Callable[[Callable], Any]) -> CheckSpec:
    """What ``check`` would run - its cases, reference, a correct solution, its options - without
    running anything.

    Every check built on :func:`run_cases` is covered with no extra work: the check is called
    with a placeholder function while ``run_cases`` records its arguments instead of running.

    Examples
    --------
    >>> def check_double(fn):
    ...     return run_cases("double", fn, [Case("one", 1)], reference=lambda x: 2 * x)
    >>> spec = inspect_check(check_double)
    >>> spec.exercise, len(spec.cases), spec.solution(21)
    ('double', 1, 42)
    """
    if not callable(check):
        raise TypeError(f"check must be a check function; got {_describe(check)}")
    specs: list[CheckSpec] = []
    token = _RECORDER.set(specs)

    def placeholder(*args, **kwargs):
        raise RuntimeError("inspect_check's placeholder is never run")

    try:
        check(placeholder)
    finally:
        _RECORDER.reset(token)
    name = getattr(check, "__name__", repr(check))
    if len(specs) != 1:
        raise ValueError(f"{name} must call run_cases exactly once to be inspected; "
                         f"it called it {len(specs)} times")
    return specs[0]

