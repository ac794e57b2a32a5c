"""Instant feedback for the chapters' exercises.

Each chapter's checks live in a module named after its topic (``helpers.checks.color`` for
chapter 01, ...); a notebook just writes ``from helpers.checks import check_to_gray``.
Every check runs the learner's function on a few cases, edge cases included, compares with
the course's reference helper and reports the first case that fails with its input, the
expected answer and what the function returned. See :mod:`helpers.checks._core`.
"""

from __future__ import annotations

from .. import _lazy
from ._core import Case, CheckResult, run_cases

__all__ = ["Case", "CheckResult", "run_cases"]


def __getattr__(name: str):
    return _lazy.resolve(__name__, __path__[0], name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy.exports(__path__[0])))
