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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "check_axes",
    "check_batch",
    "check_bool",
    "check_boxes",
    "check_callable",
    "check_choice",
    "check_float",
    "check_figure_size",
    "check_float_sequence",
    "check_image",
    "check_instance",
    "check_int",
    "check_int_tuple",
    "check_kernel",
    "check_network_input",
    "check_pair",
    "check_path",
    "check_rng",
    "check_str",
    "check_tensor",
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


def _choice_kind(value: Any) -> str:
    """The family a choice belongs to: bool, int, float and str are four different ones."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, str):
        return "str"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Number):
        return "float"
    return type(value).__name__


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Validate that ``value`` is one of ``choices``; returns the matching entry of ``choices``.

    ``value`` must be a single value of the same kind as the choices (bool, int, float or str):
    an array or tensor (even with one element), a bool or a float among ints, or a number among
    strings is a ``TypeError``; the right kind with a value not listed is a ``ValueError``. The
    returned entry is the one from ``choices`` (``np.str_("ssd")`` gives ``"ssd"``,
    ``np.int64(4)`` gives ``4``).

    Examples
    --------
    >>> check_choice("reflect101", "border", ("reflect101", "constant"))
    'reflect101'
    >>> check_choice("mirror", "border", ("reflect101", "constant"))
    Traceback (most recent call last):
    ...
    ValueError: border must be one of 'reflect101', 'constant'; got 'mirror'
    >>> check_choice(np.array([8]), "connectivity", (8, 4))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: connectivity must be one of 8, 4; got array of shape (1,) ... - pass one value, ...
    """
    options = tuple(choices)
    listing = ", ".join(repr(c) for c in options)
    if isinstance(value, np.ndarray) or (
            not isinstance(value, (np.generic, str, numbers.Number))
            and (hasattr(value, "__array__") or hasattr(value, "shape"))):
        # An array (numpy, torch, ...) compares element-wise: never a valid choice.
        raise TypeError(f"{name} must be one of {listing}; got {describe(value)} - pass one "
                        "value, not an array")
    kind = _choice_kind(value)
    if options and kind not in {_choice_kind(c) for c in options}:
        raise TypeError(f"{name} must be one of {listing}; got {describe(value)}")
    for option in options:
        if _choice_kind(option) != kind:
            continue
        try:
            same = value == option
        except Exception:  # an object whose == fails is simply not this option
            continue
        if isinstance(same, (bool, np.bool_)) and same:
            return option
    got = repr(value) if isinstance(value, (str, numbers.Number)) else describe(value)
    raise ValueError(f"{name} must be one of {listing}; got {got}")


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


def check_callable(value: Any, name: str, what: str = "callable", *, hint: str | None = None
                   ) -> Any:
    """Validate that ``value`` can be called; ``what`` says how it is called.

    Examples
    --------
    >>> check_callable(len, "fn") is len
    True
    >>> check_callable("len", "fn", hint="pass the function itself, without quotes")
    Traceback (most recent call last):
    ...
    TypeError: fn must be callable; got str 'len' - pass the function itself, without quotes
    >>> check_callable(3, "loss", "a function loss(output, target) -> tensor")
    Traceback (most recent call last):
    ...
    TypeError: loss must be a function loss(output, target) -> tensor; got int 3
    """
    if not callable(value):
        tail = f" - {hint}" if hint else ""
        raise TypeError(f"{name} must be {what}; got {describe(value)}{tail}")
    return value


def check_instance(
    value: Any,
    name: str,
    types: type | tuple[type, ...],
    what: str | None = None,
    *,
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


def check_str(value: Any, name: str) -> str:
    """Validate a text argument (a ``str``, possibly empty).

    Examples
    --------
    >>> check_str("training", "desc")
    'training'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str; got {describe(value)}")
    return value


def check_path(value: Any, name: str = "path") -> Any:
    """Validate a file-system path (``str`` or ``pathlib.Path``); returns a ``Path``.

    Examples
    --------
    >>> check_path("data/x.npz").name
    'x.npz'
    """
    from pathlib import Path

    if not isinstance(value, (str, Path)):
        raise TypeError(f"{name} must be a str or Path; got {describe(value)}")
    return Path(value)


def check_pair(
    value: Any,
    name: str,
    *,
    min: int | None = None,  # noqa: A002
    max: int | None = None,  # noqa: A002
    allow_int: bool = False,
    hint: str = "(h, w)",
) -> tuple[int, int]:
    """Validate a pair of integers such as ``(H, W)``; with ``allow_int`` one int means ``(n, n)``.

    Each entry is checked by :func:`check_int` under the name ``name[0]`` / ``name[1]``. Longer
    sequences are refused (``image.shape`` of a colour image is not an ``(H, W)`` pair).

    Examples
    --------
    >>> check_pair((4, 6), "image_shape", min=1)
    (4, 6)
    >>> check_pair(3, "output_size", min=1, allow_int=True)
    (3, 3)
    >>> check_pair((4, 6, 3), "image_shape", hint="(H, W)")
    Traceback (most recent call last):
    ...
    TypeError: image_shape must be a pair (H, W); got tuple (4, 6, 3) - pass image.shape[:2]
    """
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if allow_int and is_int:
        v = check_int(value, name, min=min, max=max)
        return v, v
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        extra = (" - pass image.shape[:2]"
                 if isinstance(value, (tuple, list)) and len(value) == 3 else "")
        kind = "an int or a pair" if allow_int else "a pair"
        raise TypeError(f"{name} must be {kind} {hint}; got {describe(value)}{extra}")
    return (check_int(value[0], f"{name}[0]", min=min, max=max),
            check_int(value[1], f"{name}[1]", min=min, max=max))


def check_batch(x: Any, name: str = "x", *, channels: int | None = None) -> np.ndarray:
    """Validate a numpy batch ``(N, C, H, W)`` (the layout of every CNN layer in the course).

    Parameters
    ----------
    x : array_like
    name : str
    channels : int, optional
        Required number of channels C.

    Examples
    --------
    >>> check_batch(np.zeros((2, 1, 5, 5))).shape
    (2, 1, 5, 5)
    >>> check_batch(np.zeros((5, 5)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: x must be 4-D (N, C, H, W); got shape (5, 5) - add a batch axis with x[None] ...
    """
    arr = as_array(
        x, name, ndim=4, shape_hint="(N, C, H, W)",
        fix="add a batch axis with x[None] (one image) and a channel axis with x[:, None] "
            "(gray), or convert images with helpers.image.to_batch",
    )
    if channels is not None and arr.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channel(s) in axis 1; got shape {arr.shape}")
    return arr


#: Default upper bound on the elements of a tensor a network's ``forward`` accepts (1 GiB of
#: float32): a typo such as a 10**5-pixel side gets an error instead of gigabytes of activations.
MAX_TENSOR_ELEMENTS = 2**28


def check_tensor(
    x: Any,
    name: str = "x",
    *,
    ndim: int | Sequence[int] | None = None,
    channels: int | None = None,
    shape_hint: str | None = None,
    floating: bool = True,
    finite: bool = True,
    allow_empty: bool = False,
    max_elements: int | None = MAX_TENSOR_ELEMENTS,
    fix: str | None = "convert images with helpers.image.to_tensor",
) -> Any:
    """Validate a ``torch.Tensor`` argument (a network's input, a loss's logits or targets).

    Parameters
    ----------
    x : torch.Tensor
    name : str
        The public argument's name, used in the message.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    channels : int, optional
        Required size of axis 1 (the channels of an ``(N, C, ...)`` batch).
    shape_hint : str, optional
        How the expected shape is written in the message, e.g. ``"(N, 3, H, W)"``.
    floating : bool
        Require a floating-point dtype.
    finite : bool
        Reject NaN and infinity (checked on floating-point tensors).
    allow_empty : bool
        Whether a tensor with no elements is acceptable.
    max_elements : int, optional
        Upper bound on ``x.numel()`` (default :data:`MAX_TENSOR_ELEMENTS`); None: no bound.
        Tensors on torch's ``meta`` device (shapes without data, for counting layers) are
        exempt from this bound and from the finiteness test.
    fix : str, optional
        A hint appended to the message when ``x`` is not a tensor at all.

    Returns
    -------
    torch.Tensor
        ``x`` itself (never copied or converted).

    Examples
    --------
    >>> import torch
    >>> check_tensor(torch.zeros(2, 3, 4, 4), ndim=4, channels=3).shape
    torch.Size([2, 3, 4, 4])
    >>> check_tensor(torch.zeros(3, 4, 4), ndim=4, shape_hint="(N, C, H, W)")
    Traceback (most recent call last):
    ...
    ValueError: x must be 4-D (N, C, H, W); got shape (3, 4, 4)
    """
    import torch  # deferred: only torch callers need it, and they have imported it already

    hint = f" {shape_hint}" if shape_hint else ""
    if not isinstance(x, torch.Tensor):
        tail = f" - {fix}" if fix and isinstance(x, np.ndarray) else ""
        raise TypeError(f"{name} must be a torch.Tensor{hint}; got {describe(x)}{tail}")
    shape = tuple(x.shape)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            dims = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {dims}{hint}; got shape {shape}")
    if channels is not None and (x.ndim < 2 or shape[1] != channels):
        raise ValueError(f"{name} must have {channels} channel(s) in axis 1{hint}; got shape "
                         f"{shape}")
    if x.numel() == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty; got shape {shape}")
    if max_elements is not None and x.numel() > max_elements and not x.is_meta:
        raise ValueError(f"{name} must hold at most {max_elements:,} elements; got shape {shape} "
                         f"({x.numel():,}) - use a smaller batch or smaller images")
    if floating and not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"{name} must be a floating-point tensor; got dtype {x.dtype}")
    if x.is_complex():
        raise TypeError(f"{name} must be a real tensor; got dtype {x.dtype}")
    # One cheap reduction first (a sum is finite unless an element is not, or it overflows);
    # the element-wise test only when it is not, so networks can check every input.
    if (finite and x.is_floating_point() and x.numel() and not x.is_meta  # meta: no values
            and not bool(torch.isfinite(x.detach().sum()))
            and not bool(torch.isfinite(x).all())):
        bad = int(x.numel() - int(torch.isfinite(x).sum()))
        raise ValueError(f"{name} contains NaN or infinite values ({bad} of {x.numel()} "
                         "elements)")
    return x


def check_boxes(boxes: Any, name: str = "boxes", *, fmt: str = "xyxy") -> np.ndarray:
    """Validate an ``(N, 4)`` box array (N may be 0); returns float32/float64 values.

    Parameters
    ----------
    boxes : (N, 4) array_like
    name : str
    fmt : str
        ``"xyxy"`` also requires ``x1 <= x2`` and ``y1 <= y2``; any other format (``"xywh"``,
        ``"cxcywh"``, ``"xyah"``) requires its last two numbers (sizes) to be >= 0.

    Notes
    -----
    Integer boxes become float64; float32 stays float32 (see :mod:`helpers.boxes`).

    Examples
    --------
    >>> check_boxes([[0, 0, 2, 3]])
    array([[0., 0., 2., 3.]])
    >>> check_boxes([[5, 0, 2, 3]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: boxes must be (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2; box 0 is ...
    """
    arr = as_array(boxes, name, ndim=(1, 2), kinds="iuf", allow_empty=True, shape_hint="(N, 4)")
    if arr.ndim == 1:
        fix = f" - use {name}[None] for a single box" if arr.shape == (4,) else ""
        raise ValueError(f"{name} must be 2-D (N, 4); got shape {arr.shape}{fix}")
    if arr.shape[1] != 4:
        raise ValueError(
            f"{name} must have 4 numbers per box in its last axis, (N, 4); got shape {arr.shape}"
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if fmt == "xyxy":
        bad = (arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name} must be (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2; box {i} is "
                f"{arr[i].tolist()} - convert (x, y, w, h) or (cx, cy, w, h) boxes with "
                "box_convert() first"
            )
    elif (arr[:, 2:] < 0).any():
        i = int(np.flatnonzero((arr[:, 2:] < 0).any(axis=1))[0])
        raise ValueError(f"{name} must have w >= 0 and h >= 0; box {i} is {arr[i].tolist()}")
    return arr


def check_network_input(
    x: Any,
    net: str,
    *,
    channels: int,
    hint: str,
    side: Callable[[int], int] | None = None,
    want: int | None = None,
    name: str = "x",
) -> Any:
    """Validate a network's ``(N, C, H, W)`` input: a finite float tensor that its layers fit.

    Parameters
    ----------
    x : torch.Tensor
    net : str
        The network's name, for the message.
    channels : int
        Required channels (axis 1).
    hint : str
        The expected shape as the message writes it, e.g. ``"(N, 1, 28, 28)"``.
    side, want : optional
        ``side(h)`` is the side of the last feature maps for an input side ``h``; it must be
        ``want`` for both height and width (the classifier's input size is fixed).
    name : str
        The public argument's name.

    Notes
    -----
    A tensor on torch's ``meta`` device (a shape-only run, as :func:`helpers.nets.summary.
    layer_table` makes) is checked for type and shape only: it has no values.

    Examples
    --------
    >>> import torch
    >>> check_network_input(torch.zeros(1, 1, 20, 20), "LeNet5", channels=1, hint="(N, 1, 28, 28)",
    ...                     side=lambda h: ((h - 4) // 2 - 4) // 2, want=5)
    Traceback (most recent call last):
    ...
    ValueError: x must be (N, 1, 28, 28) for LeNet5; got shape (1, 1, 20, 20)
    """
    meta = getattr(getattr(x, "device", None), "type", None) == "meta"
    x = check_tensor(x, name, ndim=4, channels=channels, shape_hint=hint, finite=not meta)
    if side is not None and (side(x.shape[2]) != want or side(x.shape[3]) != want):
        raise ValueError(f"{name} must be {hint} for {net}; got shape {tuple(x.shape)}")
    return x


def check_axes(ax: Any, name: str = "ax", *, allow_none: bool = True) -> Any:
    """Validate a matplotlib Axes argument (anything with ``figure`` and ``imshow``), or None.

    Examples
    --------
    >>> check_axes(None) is None
    True
    >>> check_axes("left")
    Traceback (most recent call last):
    ...
    TypeError: ax must be a matplotlib Axes or None; got str 'left'
    """
    if (ax is None and not allow_none) or (
        ax is not None and not (hasattr(ax, "figure") and hasattr(ax, "imshow"))
    ):
        wanted = "a matplotlib Axes or None" if allow_none else "a matplotlib Axes"
        raise TypeError(f"{name} must be {wanted}; got {describe(ax)}")
    return ax


def check_figure_size(size: Any, name: str = "size", *, pair: bool = False) -> Any:
    """Validate a figure size in inches: one number in (0, 40], or a ``(width, height)`` pair.

    Examples
    --------
    >>> check_figure_size((6, 3.2), pair=True)
    (6.0, 3.2)
    >>> check_figure_size(True)
    Traceback (most recent call last):
    ...
    TypeError: size must be a real number; got bool True
    """
    if pair:
        if not (isinstance(size, (tuple, list)) and len(size) == 2):
            raise TypeError(f"{name} must be a (width, height) pair in inches; got "
                            f"{describe(size)}")
        return tuple(check_float(v, f"{name}[{i}]", min=0, max=40, min_inclusive=False)
                     for i, v in enumerate(size))
    return check_float(size, name, min=0, max=40, min_inclusive=False)
