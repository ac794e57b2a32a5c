"""helpers._validation: the shared argument checks (so far check_choice, given odd values)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from helpers._validation import check_choice, check_tensor

WORDS = ("sad", "ssd")
SIZES = (5, 7)


@pytest.mark.parametrize("value, choices, expected", [
    ("ssd", WORDS, "ssd"),
    (np.str_("sad"), WORDS, "sad"),
    (7, SIZES, 7),
    (np.int64(5), SIZES, 5),
    (np.uint8(7), SIZES, 7),
    (False, (True, False), False),
    (np.bool_(True), (True, False), True),
    (0.5, (0.5, 1.0), 0.5),
])
def test_a_listed_value_returns_the_listed_entry(value, choices, expected):
    got = check_choice(value, "x", choices)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value", [
    np.array(["ssd", "sad"]), np.array(["ssd"]), np.array("ssd"),
    np.array([5, 7]), np.array([5]), np.array(5), np.zeros((0,)), np.array([np.nan]),
], ids=lambda v: f"shape{v.shape}-{v.dtype}")
@pytest.mark.parametrize("choices", [WORDS, SIZES], ids=["words", "ints"])
def test_an_array_is_a_type_error_naming_the_argument(value, choices):
    # An array compares element by element: `value in choices` used to raise numpy's "truth value
    # of an array is ambiguous", and a one-element array used to pass (returned as an array).
    with pytest.raises(TypeError, match=r"metric must be one of .*; got array of shape .* - pass "
                                        r"one value, not an array"):
        check_choice(value, "metric", choices)


@pytest.mark.parametrize("value", [[1, 2], [5]], ids=["two", "one"])
def test_a_torch_tensor_is_a_type_error(value):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="poly_n must be one of 5, 7; got Tensor"):
        check_choice(torch.tensor(value), "poly_n", SIZES)


@pytest.mark.parametrize("value, choices, shown", [
    (True, SIZES, "bool True"),            # True == 1 in Python: a bool must not pass for an int
    (1, (True, False), "int 1"),
    (5.0, SIZES, "float 5.0"),             # a float where an int belongs, as check_int says
    (5, WORDS, "int 5"),
    (None, WORDS, "NoneType None"),
    (["ssd"], WORDS, "list ['ssd']"),
    ({"ssd"}, WORDS, "set {'ssd'}"),
])
def test_the_wrong_kind_of_value_is_a_type_error(value, choices, shown):
    with pytest.raises(TypeError, match=rf"kind must be one of .*; got {re.escape(shown)}"):
        check_choice(value, "kind", choices)


@pytest.mark.parametrize("value, choices, shown", [
    ("mse", WORDS, "'mse'"),
    ("SSD", WORDS, "'SSD'"),
    (6, SIZES, "6"),
    (np.int64(6), SIZES, "np.int64(6)"),
    (float("nan"), (0.5, 1.0), "nan"),
])
def test_the_right_kind_with_an_unlisted_value_is_a_value_error(value, choices, shown):
    listing = ", ".join(repr(c) for c in choices)
    message = re.escape(f"kind must be one of {listing}; got {shown}") + "$"
    with pytest.raises(ValueError, match=message):
        check_choice(value, "kind", choices)


def test_an_object_whose_comparison_fails_is_refused_clearly():
    class Odd:
        def __eq__(self, other):
            raise RuntimeError("no comparison")

        __hash__ = object.__hash__

    sentinel = Odd()
    with pytest.raises(TypeError, match="kind must be one of 'sad', 'ssd'; got Odd"):
        check_choice(sentinel, "kind", WORDS)
    with pytest.raises(ValueError, match="kind must be one of"):
        check_choice(Odd(), "kind", (sentinel,))     # same kind, comparison raises: not listed


def test_choices_may_be_any_iterable():
    assert check_choice("b", "name", {"a": 1, "b": 2}) == "b"
    assert check_choice(4, "connectivity", (n for n in (8, 4))) == 4


def test_check_tensor_names_the_argument_and_says_what_came():
    torch = pytest.importorskip("torch")
    x = torch.zeros(2, 3, 4, 4)
    assert check_tensor(x, "x", ndim=4, channels=3) is x          # returned as is, not copied
    cases = [
        (np.zeros((2, 3)), TypeError,
         r"image must be a torch.Tensor \(N, 3, H, W\); got array .*image.to_tensor"),
        (torch.zeros(3, 4), ValueError, r"image must be 4-D \(N, 3, H, W\); got shape \(3, 4\)"),
        (torch.zeros(2, 1, 4, 4), ValueError, r"image must have 3 channel\(s\) in axis 1"),
        (torch.zeros(0, 3, 4, 4), ValueError, "image must not be empty"),
        (torch.zeros(2, 3, 4, 4, dtype=torch.long), TypeError, "image must be a floating-point"),
        (torch.zeros(2, 3, 4, 4, dtype=torch.complex64), TypeError, "image must be a real"),
        (torch.full((2, 3, 4, 4), float("inf")), ValueError,
         r"image contains NaN or infinite values \(96 of 96"),
        (torch.zeros(1, 3, 64, 64), ValueError, "image must hold at most 1,000 elements"),
    ]
    for value, error, match in cases:
        with pytest.raises(error, match=match):
            check_tensor(value, "image", ndim=4, channels=3, shape_hint="(N, 3, H, W)",
                         max_elements=1000)
    # A sum that overflows is not mistaken for NaN: the element-wise test decides.
    big = torch.full((4,), 3e38)
    assert check_tensor(big, "x") is big
    assert check_tensor(torch.zeros(0, 2), "x", allow_empty=True).shape == (0, 2)
    assert check_tensor(torch.ones(3, dtype=torch.long), "x", floating=False).dtype == torch.long
    # Meta tensors (shapes only, for counting layers) have no values to test and cost nothing.
    meta = torch.empty(1, 3, 64, 64, device="meta")
    assert check_tensor(meta, "image", ndim=4, channels=3, max_elements=1000) is meta
