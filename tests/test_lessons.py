"""The lessons: solutions run clean and pass their tests, blank lessons fail only where a student must write code."""

import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader import utils as nbgrader_utils

from autograder import lessons
from tests.notebook_tools import cell_errors, execute, graded_cells_that_pass, is_exercise_or_test

NAMES = lessons.lesson_names()
pytestmark = pytest.mark.slow


def test_there_is_one_lesson_per_region():
    expected = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]
    assert [name[:2] for name in NAMES] == expected
    assert sorted(path.stem for path in lessons.LESSONS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_solution_is_clean_source(name):
    notebook = nbformat.read(lessons.SOLUTIONS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert [cell.id for cell in notebook.cells][:1] == ["colab-badge"]
    assert "setup" in [cell.id for cell in notebook.cells]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: cell {cell.id} has stored output"
        if nbgrader_utils.is_grade(cell) or nbgrader_utils.is_solution(cell) or nbgrader_utils.is_locked(cell):
            assert cell.metadata.nbgrader["grade_id"] == cell.id, f"{name}: cell {cell.id} has grade_id {cell.metadata.nbgrader['grade_id']}"
    exercises = [cell for cell in notebook.cells if cell.cell_type == "code" and nbgrader_utils.is_solution(cell)]
    if name[:2] not in ("00", "09"):
        assert 2 <= len(exercises) <= 4, f"{name} has {len(exercises)} exercises"


@pytest.mark.parametrize("name", NAMES)
def test_solution_runs_top_to_bottom_and_nbgrader_validates_it(name):
    path = lessons.SOLUTIONS / f"{name}.ipynb"
    notebook, _ = execute(path, allow_errors=True)
    errors = {cell.id: cell_errors(cell) for cell in notebook.cells if cell_errors(cell)}
    assert errors == {}
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "--Execute.timeout=600", str(path)], capture_output=True, text=True, cwd=path.parent)
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("name", NAMES)
def test_blank_lesson_fails_only_in_exercises_and_every_graded_test_fails(name):
    notebook, _ = execute(lessons.LESSONS / f"{name}.ipynb", allow_errors=True)
    stray = {cell.id: cell_errors(cell) for cell in notebook.cells if cell_errors(cell) and not is_exercise_or_test(cell)}
    assert stray == {}, "cells outside exercises raised on the blank lesson"
    assert graded_cells_that_pass(notebook) == [], "graded tests that a blank submission passes (nbgrader validate --invert)"


@pytest.mark.parametrize("name", NAMES)
def test_nbgrader_validate_invert_on_blank_lesson(name):
    path = lessons.LESSONS / f"{name}.ipynb"
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "--invert", "--Execute.timeout=600", str(path)], capture_output=True, text=True, cwd=path.parent)
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


def test_lessons_are_exactly_what_generate_assignment_makes(tmp_path):
    solutions = shutil.copytree(lessons.SOLUTIONS, tmp_path / "solutions")
    made = lessons.release(course_dir=tmp_path / "course", lessons=tmp_path / "lessons", solutions=solutions)
    assert [path.stem for path in made] == NAMES
    for path in made:
        assert path.read_text() == (lessons.LESSONS / path.name).read_text(), f"lessons/{path.name} is stale: run `make lessons`"
