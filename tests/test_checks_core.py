"""The exercise-check engine: specific feedback, stubs recognised, inputs protected."""

from __future__ import annotations

import signal
import sys
import threading
import time

import numpy as np
import pytest

from helpers.checks import Case, run_cases
from helpers.checks._core import (
    DEFAULT_TIME_LIMIT,
    compare_values,
    format_value,
    inspect_check,
    override_time_limit,
)


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
    with pytest.raises(AssertionError, match=r"case 1/1 \(one\) failed"):
        run_cases("double", lambda x: x, [Case("one", 1)], reference=double)

    def stub(x):
        raise NotImplementedError

    assert run_cases("double", stub, [Case("one", 1)], reference=double).status == "not attempted"
    assert run_cases("double", double, [Case("one", 1)], reference=double).passed


# -- odd answers: one specific sentence, never an escaped exception or a hang -------------------


def _threshold(gray, t):
    return gray > t


THRESHOLD_CASES = [Case("three pixels", np.array([[10, 200, 130]], np.uint8), 128)]


def test_none_says_return_is_missing():
    result = run_cases("double", lambda x: None, [Case("one", 1)], reference=double)
    assert result.status == "failed"
    assert result.message.startswith("double: case 1/1 (one) returned None - did you forget "
                                     "`return`?")


def test_uint8_0_255_is_not_a_boolean_image():
    result = run_cases("threshold", lambda g, t: (g > t).astype(np.uint8) * 255,
                       THRESHOLD_CASES, reference=_threshold)
    assert result.status == "failed"
    assert ("expected a boolean array (dtype bool) of shape (1, 3); got uint8 values 0/255 - "
            "return the comparison itself") in result.message


def test_an_array_for_a_bool_and_for_a_number_is_explained_not_raised():
    patch = Case("patch", np.arange(9.0).reshape(3, 3))
    result = run_cases("nms_pixel", lambda p: p[1, 1] >= p[1, :], [patch],
                       reference=lambda p: bool(p[1, 1] > 0))
    assert "expected a single True or False; got an array of shape (3,)" in result.message
    result = run_cases("output_size", lambda n, f, p, s: np.array([4, 4]),
                       [Case("6x6", 6, 3, 0, 1)], reference=lambda n, f, p, s: 4)
    assert "expected a single number; got an array of shape (2,)" in result.message


def test_wrong_arity_is_found_before_running_and_names_the_call():
    def exercise(p, gx):
        raise AssertionError("never called")

    def reference(patch, gx, gy):
        return True

    result = run_cases("nms_pixel", exercise, [Case("c", np.zeros((3, 3)), 1.0, 0.0)],
                       reference=reference)
    assert result.status == "error"
    assert ("your function exercise(p, gx) takes 2 arguments, but the check calls it as "
            "exercise(patch, gx, gy)") in result.message
    assert "_core" not in result.message


def test_exception_points_at_the_learners_line_with_a_hint():
    def exercise(x):
        y = np.ones(3)
        if y > x:
            return y
        return x

    result = run_cases("double", exercise, [Case("one", 1)], reference=double)
    assert result.status == "error"
    assert "raised ValueError" in result.message and "`if y > x:`" in result.message
    assert "use &, | or np.all / np.any" in result.message


def test_tensors_count_as_arrays_even_with_requires_grad():
    torch = pytest.importorskip("torch")

    def exercise(x):
        return torch.tensor(2 * x, requires_grad=True)

    result = run_cases("double", exercise, [Case("floats", np.array([1.0, 2.5]))],
                       reference=double)
    assert result.passed, result.message
    scalar = run_cases("double", lambda x: torch.tensor(2.0 * x, requires_grad=True),
                       [Case("one", 1.5)], reference=double)
    assert scalar.passed, scalar.message


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_np_matrix_passes_when_2d_and_is_named_when_it_breaks_the_shape():
    ok = run_cases("double", lambda x: np.matrix(2 * x), [Case("grid", np.ones((2, 2)))],
                   reference=double)
    assert ok.passed
    bad = run_cases("double", lambda x: np.matrix(2 * x), [Case("row", np.ones(3))],
                    reference=double)
    assert "np.matrix is always 2-D" in bad.message


def test_returns_int_refuses_a_float_with_a_hint():
    result = run_cases("output_size", lambda n, f: (n - f) / 1 + 1, [Case("6, 3", 6, 3)],
                       reference=lambda n, f: n - f + 1, returns=int)
    assert "expected an integer (int); got float 4.0 - use // (floor division)" in result.message
    assert run_cases("output_size", lambda n, f: np.int64(n - f + 1), [Case("6, 3", 6, 3)],
                     reference=lambda n, f: n - f + 1, returns=int).passed


def test_returns_tuple_of_types_and_aligned_dtypes():
    cases = [Case("box", 3.5)]

    def reference(v):
        return int(v), v - int(v)

    assert run_cases("cell", reference, cases, reference=reference, returns=(int, float)).passed
    wrong = run_cases("cell", lambda v: (float(int(v)), v - int(v)), cases, reference=reference,
                      returns=(int, float))
    assert "item 0: expected an integer (int); got float 3.0" in wrong.message

    def pair(x):
        return x > 0, np.flatnonzero(x)

    ok = run_cases("pair", pair, [Case("x", np.array([0.0, 2.0]))], reference=pair,
                   dtype=(bool, int))
    assert ok.passed, ok.message
    floats = run_cases("pair", lambda x: (x > 0, np.flatnonzero(x).astype(float)),
                       [Case("x", np.array([0.0, 2.0]))], reference=pair, dtype=(bool, int))
    assert "item 1: expected an integer array" in floats.message


def test_dtype_exact_and_kind_and_empty_lists():
    cases = [Case("img", np.array([[1, 2]], np.uint8))]
    exact = run_cases("copy", lambda x: x.astype(np.int64), cases, reference=lambda x: x.copy(),
                      dtype=np.uint8)
    assert "expected an array of dtype uint8" in exact.message
    assert "got dtype int64" in exact.message
    indices = [Case("none", np.zeros(0))]
    assert run_cases("keep", lambda s: [], indices, reference=lambda s: np.zeros(0, np.int64),
                     dtype=int).passed  # an empty list has no dtype to get wrong


def test_returns_ndarray_refuses_a_list():
    result = run_cases("double", lambda x: (2 * x).tolist(), [Case("a", np.ones(2))],
                       reference=double, returns=np.ndarray)
    assert "got a list - wrap it with np.array(...)" in result.message
    lenient = run_cases("double", lambda x: (2 * x).tolist(), [Case("a", np.ones(2))],
                        reference=double)
    assert lenient.passed


def test_endless_loop_is_stopped_and_reported():
    def exercise(x):
        while True:
            pass

    with override_time_limit(0.2):
        result = run_cases("double", exercise, [Case("one", 1)], reference=double)
    assert result.status == "error"
    assert "was still running after 0.2 s, so it was stopped: most likely an endless loop" in (
        result.message)


def test_endless_loop_with_a_bare_except_is_stopped_too():
    def exercise(x):
        while True:
            try:
                sum(range(100))
            except:  # noqa: E722 - the learner's bare except, on purpose
                pass

    with override_time_limit(0.2):
        result = run_cases("double", exercise, [Case("one", 1)], reference=double)
    assert "endless loop" in result.message
    assert sys.gettrace() is None or "coverage" in repr(sys.gettrace())


def test_time_limit_per_check_and_default():
    assert DEFAULT_TIME_LIMIT == 10.0

    def slow(x):
        time.sleep(5)
        return 2 * x

    result = run_cases("double", slow, [Case("one", 1)], reference=double, time_limit=0.2)
    assert "still running after 0.2 s" in result.message
    spec = inspect_check(lambda fn: run_cases("double", fn, [Case("one", 1)], reference=double))
    assert spec.time_limit == DEFAULT_TIME_LIMIT


def test_an_outer_alarm_survives_a_check():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)
        assert run_cases("double", double, [Case("one", 1)], reference=double).passed
        assert signal.getsignal(signal.SIGALRM) is not None
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 0.6
        time.sleep(0.8)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_outside_the_main_thread_a_watchdog_stops_the_loop():
    box = {}

    def exercise(x):
        while True:
            pass

    def run():
        box["loop"] = run_cases("double", exercise, [Case("one", 1)], reference=double,
                                time_limit=0.2)
        box["ok"] = run_cases("double", double, [Case("one", 1)], reference=double)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    assert "endless loop" in box["loop"].message and box["ok"].passed


def test_exit_and_odd_objects_never_escape():
    def exits(x):
        sys.exit(3)

    assert "raised SystemExit" in run_cases("double", exits, [Case("one", 1)],
                                            reference=double).message

    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no")

        __hash__ = None

    result = run_cases("name", lambda: Weird(), [Case("none")], reference=lambda: "x")
    assert result.status == "failed" and "could not be compared" in result.message


def test_a_broken_reference_is_called_a_bug_in_the_course():
    def reference(x):
        raise ValueError("oops")

    result = run_cases("double", double, [Case("one", 1)], reference=reference)
    assert result.status == "error" and "bug in the course, not in your answer" in result.message


def test_non_callable_answers():
    result = run_cases("double", double(3), [Case("one", 1)], reference=double)
    assert "pass the function itself" in result.message and "got int 6" in result.message


def test_strict_mode_raises_on_time_outs(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")

    def loop(x):
        while True:
            pass

    with pytest.raises(AssertionError, match="endless loop"), override_time_limit(0.2):
        run_cases("double", loop, [Case("one", 1)], reference=double)


def test_options_of_the_checks_author_are_validated():
    cases = [Case("one", 1)]
    with pytest.raises(TypeError, match="returns must be"):
        run_cases("double", double, cases, reference=double, returns="array")
    with pytest.raises(TypeError, match="dtype must be"):
        run_cases("double", double, cases, reference=double, dtype="no such dtype")
    with pytest.raises(ValueError, match="time_limit"):
        run_cases("double", double, cases, reference=double, time_limit=0)
    with pytest.raises(TypeError, match="cases"):
        run_cases("double", double, [], reference=double)
    for bad in (None, 3):
        with pytest.raises(TypeError, match="cases must be a non-empty sequence of Case; got"):
            run_cases("double", double, bad, reference=double)
    with pytest.raises(ValueError, match="seconds"), override_time_limit(-1):
        pass


def test_inspect_check_records_without_running():
    calls = []

    def check_double(fn):
        calls.append(fn)
        return run_cases("double", fn, [Case("one", 1)], reference=double, returns=int)

    spec = inspect_check(check_double)
    assert spec.exercise == "double" and spec.returns is int and spec.solution is double
    assert len(calls) == 1 and calls[0] is not double

    def check_twice(fn):
        run_cases("a", fn, [Case("one", 1)], reference=double)
        return run_cases("b", fn, [Case("one", 1)], reference=double)

    with pytest.raises(ValueError, match="exactly once"):
        inspect_check(check_twice)
    solution_spec = inspect_check(
        lambda fn: run_cases("x", lambda *a: fn(*a)[0], [Case("one", 1)], reference=double,
                             solution=lambda x: (double(x),)))
    assert solution_spec.solution(2) == (4,)



def test_an_answer_late_only_because_of_an_import_still_counts(tmp_path, monkeypatch):
    # A first `import torch` inside the learner's function can take seconds: never interrupt
    # an import (that breaks the module for the session), and accept the answer it returns.
    (tmp_path / "course_slow_module.py").write_text("import time\ntime.sleep(0.5)\nVALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "course_slow_module", raising=False)

    def exercise(x):
        import course_slow_module

        return course_slow_module.VALUE * x

    result = run_cases("double", exercise, [Case("one", 1)], reference=double, time_limit=0.1)
    assert result.passed, result.message
    assert sys.modules["course_slow_module"].VALUE == 2
