import os
import shutil
from pathlib import Path

import pytest

from neurokit.data import MNIST_SHA256, raw_folder, stage_mnist


@pytest.fixture(autouse=True)
def environment_as_it_was():
    """Whatever a test leaves in os.environ is undone before the next one: the dask nannies that the grading tests
    start in the test process, as an instructor's cluster, set OMP_NUM_THREADS=1 there, and every Jupyter kernel
    started after them would run the lessons on one thread."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The verified MNIST folder, staged once per test session (npm or torchvision when missing)."""
    return stage_mnist(log=lambda message: None)


@pytest.fixture
def mnist_copy(tmp_path, mnist_dir) -> Path:
    """A private copy of the four MNIST files that a test may damage."""
    target = raw_folder(tmp_path)
    target.mkdir(parents=True)
    for name in MNIST_SHA256:
        shutil.copyfile(raw_folder(mnist_dir) / name, target / name)
    return tmp_path


class _RunAllOnce(dict):
    """{lesson name: (executed notebook, seconds)}; a lesson runs the first time it is asked for, then never again."""

    def __missing__(self, name: str):
        from autograder.lessons import LESSONS
        from tests.notebook_tools import execute

        self[name] = execute(LESSONS / f"{name}.ipynb", allow_errors=False)
        return self[name]


@pytest.fixture(scope="session")
def executed_lessons() -> dict:
    """The blank lessons as Run All leaves them (an error stops it unless its cell is tagged raises-exception),
    each executed once per session for the lesson tests and the site: {name: (notebook, seconds)}."""
    return _RunAllOnce()
