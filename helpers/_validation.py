"""Input checks shared by every helper: one place, one wording.

Every public helper validates its arguments here, so that a learner who passes the wrong thing
gets an error that names the argument, says what was expected and what came, and - where there
is one - how to fix it::

    ValueError: image must be 2-D (H, W); got shape (480, 640, 3) - convert with to_gray() first

``TypeError`` is for the wrong kind of object (a string where a number belongs, a complex or
object array); ``ValueError`` for the right kind with a wrong value (shape, range, NaN).
Never ``assert``: assertions vanish under ``python -O``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_float",
    "check_float_sequence",
    "check_image",
    "check_instance",
    "check_int",
    "check_int_tuple",
    "check_kernel",
    "check_rng",
    "check_text",
    "describe",
]

_KIND_NAMES = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "floating point"}


def describe(value: Any) -> str:
    """Short description of ``value`` for an error message (type, and shape/dtype for arrays)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def as_array(
    value: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    kinds: str = "biuf",
    allow_empty: bool = False,
    finite: bool = True,
    shape_hint: str | None = None,
    fix: str | None = None,
) -> np.ndarray:
    """Convert ``value`` to an ndarray and check its dimensions, dtype kind, size and finiteness.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in the message.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    kinds : str
        Allowed ``dtype.kind`` letters: ``b`` bool, ``i``/``u`` integers, ``f`` floats.
    allow_empty : bool
        Whether an array with no elements is acceptable.
    finite : bool
        Reject NaN and infinity in float arrays.
    shape_hint : str, optional
        How the expected shape is written in the message, e.g. ``"(H, W)"``.
    fix : str, optional
        A hint appended to a dimension error, e.g. ``"convert with to_gray() first"``.

    Raises
    ------
    TypeError
        If ``value`` is not numeric array-like or has a dtype kind not in ``kinds``.
    ValueError
        If the number of dimensions, emptiness or finiteness is wrong.

    Examples
    --------
    >>> as_array([[1, 2], [3, 4]], "kernel", ndim=2).shape
    (2, 2)
    >>> as_array([1.0, float("nan")], "image")
    Traceback (most recent call last):
    ...
    ValueError: image contains NaN or infinite values (1 of 2 elements); clean or mask them first
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a numeric array; got {describe(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a numeric array; got {describe(value)} ({exc})") from None
    if arr.dtype.kind not in kinds:
        wanted = " or ".join(_KIND_NAMES[k] for k in kinds if k in _KIND_NAMES)
        raise TypeError(f"{name} must have a {wanted} dtype; got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            dims = " or ".join(f"{d}-D" for d in allowed)
            hint = f" {shape_hint}" if shape_hint else ""
            tail = f" - {fix}" if fix else ""
            raise ValueError(f"{name} must be {dims}{hint}; got shape {arr.shape}{tail}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if finite and arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains NaN or infinite values ({bad} of {arr.size} elements); "
            "clean or mask them first"
        )
    return arr


def check_image(
    image: Any,
    name: str = "image",
    *,
    ndim: int | Sequence[int] = (2, 3),
    fix: str | None = None,
) -> np.ndarray:
    """Validate an image: ``(H, W)`` gray or ``(H, W, 3)`` RGB, uint8/bool/integer/float, finite.

    Float images are expected in [0, 1] by the colour helpers, but this check does not enforce
    a range (filters are linear and work on any finite values).

    Examples
    --------
    >>> check_image(np.zeros((4, 5, 3), np.uint8)).shape
    (4, 5, 3)
    >>> check_image(np.zeros((4, 5, 3)), ndim=2, fix="convert with to_gray() first")
    Traceback (most recent call last):
    ...
    ValueError: image must be 2-D (H, W); got shape (4, 5, 3) - convert with to_gray() first
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    hint = " or ".join({2: "(H, W)", 3: "(H, W, 3)"}.get(d, "") for d in allowed).strip()
    arr = as_array(image, name, ndim=allowed, shape_hint=hint or None, fix=fix)
    if arr.ndim == 3 and arr.shape[2] != 3:
        raise ValueError(
            f"{name} must have 3 channels (RGB) in its last axis; got shape {arr.shape}"
            + (" - drop the alpha channel with image[..., :3]" if arr.shape[2] == 4 else "")
        )
    return arr


def check_kernel(kernel: Any, name: str = "kernel", *, odd: bool = False) -> np.ndarray:
    """Validate a 2-D filter kernel (finite, non-empty); with ``odd=True`` both sides must be odd.

    Examples
    --------
    >>> check_kernel([[1, 0, -1]] * 3).shape
    (3, 3)
    >>> check_kernel(np.ones((2, 2)), odd=True)
    Traceback (most recent call last):
    ...
    ValueError: kernel must have odd height and width (a centre pixel); got shape (2, 2)
    """
    arr = as_array(kernel, name, ndim=2, kinds="biuf", shape_hint="(kh, kw)")
    if odd and (arr.shape[0] % 2 == 0 or arr.shape[1] % 2 == 0):
        raise ValueError(
            f"{name} must have odd height and width (a centre pixel); got shape {arr.shape}"
        )
    return arr


def check_int(
    value: Any,
    name: str,
    *,
    min: int | None = None,  # noqa: A002 - reads naturally at call sites
    max: int | None = None,  # noqa: A002
    odd: bool = False,
) -> int:
    """Validate an integer argument (bools are rejected), optionally bounded and odd.

    Examples
    --------
    >>> check_int(5, "size", min=1, odd=True)
    5
    >>> check_int(4, "size", min=1, odd=True)
    Traceback (most recent call last):
    ...
    ValueError: size must be an odd integer >= 1; got 4
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {describe(value)}")
    value = int(value)
    bad = (min is not None and value < min) or (max is not None and value > max)
    if bad or (odd and value % 2 == 0):
        parts = []
        if min is not None:
            parts.append(f">= {min}")
        if max is not None:
            parts.append(f"<= {max}")
        kind = "an odd integer" if odd else "an integer"
        bounds = " " + " and ".join(parts) if parts else ""
        raise ValueError(f"{name} must be {kind}{bounds}; got {value}")
    return value


def check_float(
    value: Any,
    name: str,
    *,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Validate a finite real number, optionally within bounds.

    Examples
    --------
    >>> check_float(0.5, "sigma", min=0, min_inclusive=False)
    0.5
    >>> check_float(-1, "sigma", min=0, min_inclusive=False)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be > 0; got -1.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    parts, bad = [], False
    if min is not None:
        parts.append(f"{'>=' if min_inclusive else '>'} {min}")
        bad |= value < min if min_inclusive else value <= min
    if max is not None:
        parts.append(f"{'<=' if max_inclusive else '<'} {max}")
        bad |= value > max if max_inclusive else value >= max
    if bad:
        raise ValueError(f"{name} must be {' and '.join(parts)}; got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """Validate a boolean flag (``True``/``False`` only, not 0/1 or strings)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {describe(value)}")
    return bool(value)


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Validate that ``value`` is one of ``choices``.

    Examples
    --------
    >>> check_choice("reflect101", "border", ("reflect101", "constant"))
    'reflect101'
    >>> check_choice("mirror", "border", ("reflect101", "constant"))
    Traceback (most recent call last):
    ...
    ValueError: border must be one of 'reflect101', 'constant'; got 'mirror'
    """
    options = tuple(choices)
    try:
        valid = value in options
    except (TypeError, ValueError):  # an array compares element-wise: never a valid choice
        valid = False
    if not valid:
        got = repr(value) if isinstance(value, (str, numbers.Number)) else describe(value)
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in options)}; got {got}")
    return value


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Accept a ``numpy.random.Generator`` or an integer seed; return a Generator.

    ``None`` is refused on purpose: every random result in the course is reproducible.

    Examples
    --------
    >>> int(check_rng(0).integers(10)) == int(check_rng(0).integers(10))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy.random.Generator or a non-negative integer seed; "
        f"got {describe(rng)} - use np.random.default_rng(0)"
    )


def check_text(value: Any, name: str, *, allow_none: bool = False) -> str | None:
    """Validate a free-text argument (a title, a label, a format string).

    Examples
    --------
    >>> check_text("edges", "title")
    'edges'
    >>> check_text(3, "title", allow_none=True)
    Traceback (most recent call last):
    ...
    TypeError: title must be a string or None; got int 3
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        wanted = "a string or None" if allow_none else "a string"
        raise TypeError(f"{name} must be {wanted}; got {describe(value)}")
    return value


def check_callable(value: Any, name: str, *, hint: str | None = None) -> Any:
    """Validate that ``value`` can be called (a function, a lambda, a class, a model).

    Examples
    --------
    >>> check_callable(len, "fn") is len
    True
    >>> check_callable("len", "fn", hint="pass the function itself, without quotes")
    Traceback (most recent call last):
    ...
    TypeError: fn must be callable; got str 'len' - pass the function itself, without quotes
    """
    if not callable(value):
        tail = f" - {hint}" if hint else ""
        raise TypeError(f"{name} must be callable; got {describe(value)}{tail}")
    return value


def check_instance(
    value: Any,
    name: str,
    types: type | tuple[type, ...],
    *,
    what: str | None = None,
    allow_none: bool = False,
    hint: str | None = None,
) -> Any:
    """Validate that an object argument is an instance of ``types`` (before anything uses it).

    Parameters
    ----------
    what : str, optional
        How the expected object is named in the message (default: the type names).
    allow_none : bool
        Accept ``None`` (an optional argument).
    hint : str, optional
        How to get a valid object, appended to the message.

    Examples
    --------
    >>> check_instance([1], "seeds", (list, tuple))
    [1]
    >>> check_instance(None, "history", dict, what="a History or its as_dict()")
    Traceback (most recent call last):
    ...
    TypeError: history must be a History or its as_dict(); got NoneType None
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, types):
        if what is None:
            classes = types if isinstance(types, tuple) else (types,)
            what = " or ".join(f"a {t.__name__}" for t in classes)
        tail = f" - {hint}" if hint else ""
        raise TypeError(f"{name} must be {what}; got {describe(value)}{tail}")
    return value


def check_int_tuple(
    value: Any,
    name: str,
    *,
    length: int = 2,
    min: int | None = None,  # noqa: A002
    max: int | None = None,  # noqa: A002
    names: Sequence[str] | None = None,
) -> tuple[int, ...]:
    """Validate a fixed-length tuple or list of bounded integers, e.g. a shape ``(H, W)``.

    Parameters
    ----------
    length : int
        The number of entries required.
    min, max : int, optional
        Bounds for every entry (see :func:`check_int`).
    names : sequence of str, optional
        How the entries are written in the message, e.g. ``("H", "W")``.

    Examples
    --------
    >>> check_int_tuple((64, 32), "size", min=1, max=1024)
    (64, 32)
    >>> check_int_tuple((64,), "size", names=("height", "width"))
    Traceback (most recent call last):
    ...
    ValueError: size must be a pair (height, width) of integers; got (64,)
    """
    kind = {2: "a pair", 3: "a triple"}.get(length, f"a tuple of {length}")
    label = f" ({', '.join(names)})" if names else ""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be {kind}{label} of integers; got {describe(value)}")
    if len(value) != length:
        text = repr(value) if len(repr(value)) <= 60 else f"{len(value)} entries"
        raise ValueError(f"{name} must be {kind}{label} of integers; got {text}")
    return tuple(check_int(v, f"{name}[{i}]", min=min, max=max) for i, v in enumerate(value))


def check_float_sequence(
    value: Any,
    name: str,
    *,
    min_length: int = 1,
    max_length: int | None = None,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> list[float]:
    """Validate a tuple or list (or 1-D array) of finite, bounded numbers of bounded length.

    Examples
    --------
    >>> check_float_sequence((0.01, 0.1), "balances", min=0, min_inclusive=False)
    [0.01, 0.1]
    >>> check_float_sequence([], "balances")
    Traceback (most recent call last):
    ...
    ValueError: balances must hold at least 1 number; got 0
    """
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple or list of numbers; got {describe(value)}")
    if len(value) < min_length:
        many = "number" if min_length == 1 else "numbers"
        raise ValueError(f"{name} must hold at least {min_length} {many}; got {len(value)}")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{name} must hold at most {max_length} numbers; got {len(value)}")
    return [
        check_float(v, f"{name}[{i}]", min=min, max=max, min_inclusive=min_inclusive,
                    max_inclusive=max_inclusive)
        for i, v in enumerate(value)
    ]
