"""The exercise-check engine: specific feedback, stubs recognised, inputs protected."""

from __future__ import annotations

import numpy as np

from helpers.checks import Case, run_cases
from helpers.checks._core import compare_values, format_value


def double(x):
    return 2 * x


def test_passes_when_every_case_matches():
    result = run_cases("double", double, [Case("one", 1), Case("array", np.arange(3))],
                       reference=double)
    assert result and result.status == "passed" and "all 2 cases passed" in repr(result)


def test_reports_first_failing_case_with_input_expected_and_got():
    result = run_cases("double", lambda x: x + 2,
                       [Case("two", 2), Case("three", 3), Case("four", 4)], reference=double)
    assert not result and result.status == "failed" and result.case == "three"
    text = result.message
    assert "case 2/3 (three)" in text and "input: 3" in text
    assert "expected: 6" in text and "got: 5" in text


def test_array_mismatch_names_the_first_index():
    def wrong(x):
        y = double(x)
        y[1, 2] += 1
        return y

    result = run_cases("double", wrong, [Case("grid", np.zeros((3, 4)))], reference=double)
    assert "1 of 12 values differ; first at index (1, 2)" in result.message


def test_shape_mismatch_is_said_plainly():
    result = run_cases("double", lambda x: double(x).T, [Case("grid", np.zeros((2, 3)))],
                       reference=double)
    assert "shape differs: expected (2, 3), got (3, 2)" in result.message


def test_stub_is_not_attempted_not_failed():
    def stub(x):
        raise NotImplementedError("exercise not attempted yet")

    result = run_cases("double", stub, [Case("one", 1)], reference=double)
    assert result.status == "not attempted" and "not attempted yet" in result.message


def test_learner_exception_is_reported_with_line_and_input():
    def broken(x):
        return x.undefined_attribute

    result = run_cases("double", broken, [Case("one", 1)], reference=double)
    assert result.status == "error" and "AttributeError" in result.message
    assert "return x.undefined_attribute" in result.message and "input: 1" in result.message


def test_learner_cannot_change_the_expected_answer_by_mutating_input():
    def mutating(x):
        x *= 0
        return x

    result = run_cases("double", mutating, [Case("ones", np.ones(3))], reference=double)
    assert result.status == "failed"


def test_not_a_function():
    assert run_cases("double", 42, [Case("one", 1)], reference=double).status == "error"


def test_html_rendering_escapes_and_colours():
    result = run_cases("double", lambda x: "<b>", [Case("one", 1)], reference=double)
    html = result._repr_html_()
    assert "&lt;b&gt;" in html and "#b00020" in html


def test_compare_values_tolerance_and_tuples():
    assert compare_values(1.0, 1.0 + 1e-9, atol=1e-6, rtol=0) is None
    assert "expected" in compare_values(1.0, 1.1, atol=1e-6, rtol=0)
    assert compare_values((np.zeros(2), 1), (np.zeros(2), 1), atol=0, rtol=0) is None
    short = compare_values((np.zeros(2), 1), (np.zeros(2),), atol=0, rtol=0)
    assert short.startswith("expected a tuple")
    assert compare_values(np.array([True, False]), np.array([True, True]), atol=0, rtol=0)


def test_format_value_is_bounded():
    assert len(format_value(np.zeros((100, 100)))) <= 600


def test_strict_mode_raises_on_wrong_answers_but_not_on_stubs(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    import pytest

    with pytest.raises(AssertionError, match=r"case 1/1 \(one\) failed"):
        run_cases("double", lambda x: x, [Case("one", 1)], reference=double)

    def stub(x):
        raise NotImplementedError

    assert run_cases("double", stub, [Case("one", 1)], reference=double).status == "not attempted"
    assert run_cases("double", double, [Case("one", 1)], reference=double).passed
