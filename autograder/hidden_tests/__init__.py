"""The hidden tests: trusted checks of what a submission's functions return.

Each graded lesson has a module here named after it (`01_retina.py`) that builds one
`LessonTests`: a check per graded test cell, in notebook order. A check gets a `Student`,
asks it to call the submission's functions on inputs of its choosing (the call runs in the
submission's sandbox and only plain data comes back), and compares the answers here, in
the grader's own process, with `neurokit`'s reference, using the lessons' own self-check
helpers. So nothing a submission does to its own namespace, to neurokit, torch or IPython
can change a score: it can only change its own answers.

`redact` names the reference of the lesson's exercises; the sandbox that grades the lesson
holds a copy of neurokit without it, so a submission cannot use it in any form.
`stand_in` makes a check grade an exercise with the reference solution of the exercises
it builds on, so one mistake is not paid for twice.
"""

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ..sandboxed import answer as kernel_side
from ..sandboxed import wire

HERE = Path(__file__).parent


class StudentError(Exception):
    """The submission's code raised, ran too long, or is not there."""

    def __init__(self, what: str, name: str, message: str):
        self.what, self.name, self.message = what, name, message
        super().__init__(self.explain())

    def explain(self) -> str:
        if self.name == "NotImplementedError":
            return f"{self.what}: not written yet (it raised NotImplementedError)."
        if self.name == "NameError":
            return f"{self.what}: {self.message}. Write it in its exercise cell, under the name the instructions give."
        if self.name == "ReferenceUnavailable":
            return f"{self.what}: {self.message}"
        return f"{self.what} raised {self.name}: {self.message}".rstrip(": ")


def describe(value) -> str:
    """A short description of an argument, for messages."""
    if isinstance(value, torch.Tensor):
        return f"a {'x'.join(map(str, value.shape)) or 'scalar'} tensor"
    if isinstance(value, (list, tuple)) and len(repr(value)) > 60:
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return f"a dict of {len(value)}"
    return repr(value)


class Student:
    """A submission, seen from the grader: it answers questions with plain data."""

    def call(self, name: str, *args, **kwargs):
        """name(*args, **kwargs), run by the submission; its result as plain data."""
        shown = ", ".join([describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()])
        inputs = {f"argument_{i}": value for i, value in enumerate(args)} | {f"keyword_{k}": v for k, v in kwargs.items()}
        call_args = ", ".join([f"argument_{i}" for i in range(len(args))] + [f"{k}=keyword_{k}" for k in kwargs])
        return self.run(f"result = {name}({call_args})", f"your {name}({shown})", **inputs)

    def run(self, code: str, what: str, **inputs):
        """Run `code` in the submission's namespace with `inputs` bound; the value it leaves in `result`."""
        reply = self.ask(kernel_side.request_code(code, {name: wire.encode(value) for name, value in inputs.items()}), what)
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            raise StudentError(what, str(error.get("name", "Error"))[:100], str(error.get("message", ""))[:2000])
        try:
            return wire.decode(reply.get("value"))
        except wire.WireError as problem:
            raise StudentError(what, "WireError", f"its answer could not be read ({problem})") from None

    def stand_in(self, code: str):
        """Define the reference solution of an exercise in the submission's namespace."""
        self.ask(f"exec({code!r}, globals())\n", "the reference solution of an earlier exercise")

    def ask(self, code: str, what: str) -> dict:
        """Run one cell of grader code; the reply it displayed, or {'error': ...}."""
        raise NotImplementedError


class LocalStudent(Student):
    """A notebook's namespace in this process: how the hidden tests are tried on the solutions."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def ask(self, code: str, what: str) -> dict:
        replies = []
        scope = self.namespace
        previous = kernel_side.reply
        kernel_side.reply = replies.append
        try:
            exec(compile(code.replace("import sandboxed.answer", "import autograder.sandboxed.answer"), "<grader>", "exec"), scope)
        finally:
            kernel_side.reply = previous
        return json.loads(json.dumps(replies[-1])) if replies else {}


@dataclass
class Check:
    grade_id: str
    function: Callable[[Student], None]
    stand_in: tuple[str, ...] = ()  # exercise cells whose reference solution the check uses


@dataclass
class LessonTests:
    lesson: str
    redact: dict[str, list[str]]  # neurokit module -> names of the reference for this lesson's exercises
    context: tuple[str, ...] = ("setup", "imports")  # instructor cells the exercises may rely on
    checks: list[Check] = field(default_factory=list)

    def check(self, grade_id: str, stand_in: tuple[str, ...] = ()):
        def register(function):
            self.checks.append(Check(grade_id, function, tuple(stand_in)))
            return function

        return register


def lesson_file(lesson: str) -> Path:
    return HERE / f"{lesson}.py"


def load(lesson: str) -> LessonTests:
    """The hidden tests of a lesson (FileNotFoundError if it has none)."""
    path = lesson_file(lesson)
    if not path.exists():
        raise FileNotFoundError(f"no hidden tests for lesson {lesson}: expected {path}")
    spec = importlib.util.spec_from_file_location(f"autograder.hidden_tests.lesson_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.tests
