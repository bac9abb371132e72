"""Self-checks for the lessons, also used by the hidden tests.

A failed check raises AssertionError with a message for the student: what was
expected, what came back, where they differ, and a hint.
"""

import torch


def assert_shape(got, expected: tuple, what: str = "the result"):
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} should be a torch.Tensor of shape {tuple(expected)}, but it is a {type(got).__name__}.")
    if tuple(got.shape) != tuple(expected):
        raise AssertionError(f"{what} should have shape {tuple(expected)}, but has shape {tuple(got.shape)}.")


def assert_close(got, expected, what: str = "the result", hint: str = "", atol: float = 1e-5, rtol: float = 1e-4):
    """Shapes first, then values: report how many entries differ, the worst one, and the hint."""
    expected = torch.as_tensor(expected)
    assert_shape(got, tuple(expected.shape), what)
    got_values, expected_values = got.detach().double().cpu(), expected.detach().double().cpu()
    if torch.isnan(got_values).any():
        raise AssertionError(f"{what} contains NaN values. {hint}".strip())
    wrong = ~torch.isclose(got_values, expected_values, atol=atol, rtol=rtol)
    if wrong.any():
        index = tuple(int(i) for i in torch.nonzero(wrong)[0])
        raise AssertionError(
            f"{what}: {int(wrong.sum())} of {wrong.numel()} values differ from the expected ones; "
            f"for example at index {index} expected {float(expected_values[index]):.6g}, got {float(got_values[index]):.6g}. {hint}".strip()
        )


def student_or_reference(student, reference_function, *probe_args, **probe_kwargs):
    """The student's function if it runs on the probe arguments, else the reference, with a note why.

    Figures and later exercises use this, so a skipped or broken exercise never stops a lesson.
    """
    name = getattr(student, "__name__", None) or getattr(reference_function, "__name__", "this exercise")
    if student is None:
        print(f"{name} is not defined yet (run its cell); using neurokit's reference for now.")
        return reference_function
    try:
        student(*probe_args, **probe_kwargs)
    except NotImplementedError:
        print(f"Your {name} is not written yet; using neurokit's reference for now.")
        return reference_function
    except Exception as error:
        print(f"Your {name} raised {type(error).__name__}: {error}; using neurokit's reference for now.")
        return reference_function
    return student


CLAIM_HOLDS = "✓ As the text says:"
CLAIM_FAILS = "✗ The text says:"


def claim(statement: str, holds: bool, measured: str) -> bool:
    """Check one sentence of the lesson's text against what this run measured, and print the verdict.

    The lesson's prose states `statement` word for word; the cell that computes the numbers calls
    claim(statement, condition, measured), so text and results cannot drift apart: the course's
    tests run every solution and fail on a claim that does not hold. It never raises, because a
    student's own exercise (or another seed) may honestly change a result.
    """
    if holds:
        print(f"{CLAIM_HOLDS} {statement} (measured: {measured})")
    else:
        print(f"{CLAIM_FAILS} {statement}, but this run measured {measured}. If your own code ran above, "
              "compare it with the reference; otherwise tell your instructor.")
    return bool(holds)
