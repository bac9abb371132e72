"""Self-checks for the lessons and the integrity guards of their hidden tests.

A failed check raises AssertionError with a message for the student: what was
expected, what came back, where they differ, and a hint.
"""

import importlib.util
import inspect
import sys
from contextlib import contextmanager
from types import ModuleType

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


def reference(module_name: str) -> ModuleType:
    """A fresh copy of a neurokit module loaded from its source file.

    Hidden tests compare against this copy, so a submission that reassigns
    functions in `neurokit` cannot change the answers it is graded against.
    """
    module = importlib.import_module(module_name)
    spec = importlib.util.spec_from_file_location(module_name, module.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return fresh


class ReferenceUsedError(AssertionError):
    """A submission ran the reference implementation of the exercise it was meant to write."""


def _code_names(item) -> set[tuple[str, str]]:
    """(file, qualified name) of a function, or of every method of a class, seen through decorators.

    A decorator's wrapper (torch.no_grad's, contextmanager's) is shared by unrelated
    functions, so only the wrapped code counts.
    """
    members = vars(item).values() if isinstance(item, type) else [item]
    names = set()
    for member in members:
        function = inspect.unwrap(getattr(member, "__func__", member)) if callable(getattr(member, "__func__", member)) else None
        code = getattr(function, "__code__", None)
        if code is not None:
            names.add((code.co_filename, getattr(code, "co_qualname", code.co_name)))
    return names


@contextmanager
def without_reference(*references):
    """Fail if any given reference function or class method runs inside the block.

    Calls are recognised by source file and qualified name, so an alias, an import
    under another name, or a re-executed copy of the reference are all caught.
    """
    forbidden = set().union(*(_code_names(item) for item in references))
    used = []

    def watch(frame, event, arg):
        if event == "call":
            code = frame.f_code
            name = (code.co_filename, getattr(code, "co_qualname", code.co_name))
            if name in forbidden:
                used.append(name[1])

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        yield
    finally:
        sys.setprofile(previous)
    if used:
        raise ReferenceUsedError(
            f"Your code called {used[0]}, which this exercise asks you to write yourself, so it earns no points."
        )
