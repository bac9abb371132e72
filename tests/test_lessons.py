"""The lessons: solutions run clean and pass their tests, blank lessons fail only where a student must write code."""

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader import utils as nbgrader_utils

from autograder import lessons
from autograder.errors import CourseError
from neurokit.checks import CLAIM_FAILS, CLAIM_HOLDS
from tests.exercise_tiers import TIERS, exercises, share_without_code_given
from tests.notebook_tools import cell_errors, execute, graded_cells_that_pass, is_exercise_or_test

NAMES = lessons.lesson_names()
pytestmark = pytest.mark.slow


def test_there_is_one_lesson_per_region():
    expected = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
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
            assert "FloatLogSlider" not in cell.source, f"{name}: cell {cell.id}: a FloatLogSlider snaps its value to its grid (0.07 reads 0.0631); offer the text's values with a SelectionSlider"
        if cell.cell_type == "code" and is_exercise_or_test(cell):
            assert lessons.RUN_ALL_GOES_ON in cell.metadata.get("tags", []), f"{name}: cell {cell.id} is not tagged {lessons.RUN_ALL_GOES_ON}: run `make lessons`"
        if nbgrader_utils.is_grade(cell) or nbgrader_utils.is_solution(cell) or nbgrader_utils.is_locked(cell):
            assert cell.metadata.nbgrader["grade_id"] == cell.id, f"{name}: cell {cell.id} has grade_id {cell.metadata.nbgrader['grade_id']}"
    exercises = [cell for cell in notebook.cells if cell.cell_type == "code" and nbgrader_utils.is_solution(cell)]
    if name[:2] not in ("00", "09"):
        assert 2 <= len(exercises) <= 5, f"{name} has {len(exercises)} exercises"


STUDY_CELLS = ["objectives", "summary", "further-reading"]


def sections(notebook) -> list[str]:
    """The '## ' headings between the objectives and the summary, without their '(N points)'."""
    ids = [cell.id for cell in notebook.cells]
    between = notebook.cells[ids.index("objectives") + 1:ids.index("summary")]
    return [re.sub(r"\s*\(\d+ points?\)$", "", line[3:].strip()) for cell in between if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("name", NAMES)
def test_every_lesson_states_objectives_time_per_section_a_summary_and_further_reading(name):
    notebook = nbformat.read(lessons.SOLUTIONS / f"{name}.ipynb", as_version=4)
    cells = {cell.id: cell for cell in notebook.cells}
    assert all(cell_id in cells for cell_id in STUDY_CELLS), f"{name} lacks {[c for c in STUDY_CELLS if c not in cells]}"
    ids = list(cells)
    assert ids.index("title") < ids.index("objectives") < ids.index("summary") < ids.index("further-reading")
    objectives = cells["objectives"].source
    assert objectives.startswith("## Learning objectives") and len(re.findall(r"^- ", objectives, re.M)) >= 3
    rows = re.findall(r"^\| (.+?) \| (\*\*)?(\d+)(\*\*)? \|$", objectives, re.M)
    timed = {section: int(minutes) for section, _, minutes, _ in rows}
    total = timed.pop("**in all**", None)
    assert list(timed) == sections(notebook), "the time table should list every section of the lesson, in order"
    assert total == sum(timed.values()), f"the sections add up to {sum(timed.values())} minutes, the table says {total}"
    assert cells["summary"].source.startswith("## Summary") and len(re.findall(r"^- ", cells["summary"].source, re.M)) >= 3
    references = [line for line in cells["further-reading"].source.splitlines() if line.startswith("- ")]
    assert cells["further-reading"].source.startswith("## Further reading") and len(references) >= 2
    for reference in references:
        assert re.search(r"\((19|20)\d\d\)", reference) and re.search(r"https://\S+", reference), f"{name}: a reference needs its year and a link: {reference}"


ANSWER_TAG = "instructor-answer"


@pytest.mark.parametrize("name", NAMES)
def test_every_reflection_question_has_an_answer_for_instructors_only(name):
    solution = nbformat.read(lessons.SOLUTIONS / f"{name}.ipynb", as_version=4)
    for question, answer in zip(solution.cells, solution.cells[1:] + [None]):
        if question.cell_type == "markdown" and "**Think about it.**" in question.source:
            assert answer is not None and answer.id == f"{question.id}-answer", f"{name}: {question.id} has no answer cell after it"
            assert ANSWER_TAG in answer.metadata.get("tags", []) and answer.source.startswith("**Discussion.** ")
    student = nbformat.read(lessons.LESSONS / f"{name}.ipynb", as_version=4)
    assert [cell.id for cell in student.cells if ANSWER_TAG in cell.metadata.get("tags", [])] == []
    assert [cell.id for cell in student.cells] == [cell.id for cell in solution.cells if ANSWER_TAG not in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("name", NAMES)
def test_exercises_come_in_tiers_and_most_points_need_code_the_instructions_do_not_give(name):
    """core: scaffolded; stretch: the goal, shapes and checks, no code; open: a written answer graded by hand with a rubric."""
    solution = nbformat.read(lessons.SOLUTIONS / f"{name}.ipynb", as_version=4)
    found = exercises(solution)
    assert [e.solution for e in found if e.tier not in TIERS] == [], f"{name}: exercises without a tier ({', '.join(TIERS)}) in their metadata"
    assert {"core", "stretch", "open"} <= {e.tier for e in found}, f"{name} needs core, stretch and open exercises"
    assert all(e.autograded == (e.tier != "open") for e in found), "open answers are graded by hand, the others by the hidden tests"
    assert {e.solution: e.given for e in found if e.tier == "stretch" and e.given} == {}, "a stretch exercise's instructions give no code"
    share = share_without_code_given(found)
    assert share >= 0.5, f"{name}: only {share:.0%} of the autograded points come from exercises whose code the instructions do not show"
    cells = {cell.id: cell for cell in solution.cells}
    ids = list(cells)
    for answer in (e.solution for e in found if e.tier == "open"):
        rubric = cells.get(f"{answer}-rubric")
        assert rubric is not None and ids.index(rubric.id) == ids.index(answer) + 1, f"{name}: {answer} needs its rubric right after it"
        assert ANSWER_TAG in rubric.metadata.get("tags", []) and rubric.source.startswith("**Rubric.**")
        points = cells[answer].metadata.nbgrader["points"]
        assert re.search(rf"\b{points:g} points?\b", rubric.source), f"{name}: the rubric of {answer} should say what earns all {points:g} points"


def test_a_release_with_answers_keeps_them(tmp_path):
    name = NAMES[1]
    solutions = shutil.copytree(lessons.SOLUTIONS, tmp_path / "solutions")
    [made] = lessons.release(course_dir=tmp_path / "course", lessons=tmp_path / "lessons", solutions=solutions, names=[name], with_answers=True)
    answers = [cell.id for cell in nbformat.read(made, as_version=4).cells if ANSWER_TAG in cell.metadata.get("tags", [])]
    assert answers and all(answer.endswith(("-answer", "-rubric")) for answer in answers)


def test_a_configuration_nbgrader_cannot_load_stops_the_release(tmp_path):
    """nbgrader carries on without a configuration file it cannot load; the release must not."""
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.ClearSolutions.code_stub = undefined_name\n")
    with pytest.raises(CourseError, match="could not load its configuration"):
        lessons.nbgrader("generate_assignment", NAMES[0], "--force", course_dir=tmp_path / "course", config_dir=tmp_path)


def graded_ids(notebook) -> list[str]:
    return [cell.metadata.nbgrader["grade_id"] for cell in notebook.cells if cell.cell_type == "code" and nbgrader_utils.is_grade(cell)]


def draws_a_figure(cell) -> bool:
    return cell.cell_type == "code" and "interact" not in cell.source and ("plt.show()" in cell.source or "display(figures." in cell.source)


def figures_drawn(notebook) -> dict[str, bool]:
    """For each cell that draws a figure (sliders aside), whether it showed an image."""
    return {cell.id: any("image/png" in output.get("data", {}) for output in cell.outputs)
            for cell in notebook.cells if draws_a_figure(cell)}


def claims(notebook) -> dict[str, bool]:
    """Each claim the run checked (neurokit.checks.claim): its statement and whether it held."""
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines() if output.get("output_type") == "stream" else []:
                for mark, held in ((CLAIM_HOLDS, True), (CLAIM_FAILS, False)):
                    if line.startswith(mark):
                        statement = line[len(mark):].strip()
                        found[re.split(r" \(measured: |, but this run measured ", statement)[0]] = held
    return found


def squeezed(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", NAMES)
def test_solution_runs_top_to_bottom_and_passes_every_graded_test(name):
    notebook, _ = execute(lessons.SOLUTIONS / f"{name}.ipynb", allow_errors=True)
    errors = {cell.id: cell_errors(cell) for cell in notebook.cells if cell_errors(cell)}
    assert errors == {}
    assert graded_cells_that_pass(notebook) == graded_ids(notebook)
    drawn = figures_drawn(notebook)
    assert drawn and all(drawn.values()), drawn
    checked = claims(notebook)
    assert [statement for statement, held in checked.items() if not held] == [], "the text says what this run did not measure"
    prose = squeezed(" ".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown"))
    assert [statement for statement in checked if squeezed(statement) not in prose] == [], "claims the lesson's text does not make word for word"
    called = sum(cell.source.count("claim(") for cell in notebook.cells if cell.cell_type == "code")
    assert len(checked) == called, "every claim( call in the lesson prints its verdict once"


@pytest.mark.parametrize("name", NAMES)
def test_run_all_on_a_blank_lesson_reaches_the_end_and_draws_every_figure(name, executed_lessons):
    """As JupyterLab's Run All does: an error stops the run unless its cell is tagged raises-exception."""
    notebook, _ = executed_lessons[name]
    stray = {cell.id: cell_errors(cell) for cell in notebook.cells if cell_errors(cell) and not is_exercise_or_test(cell)}
    assert stray == {}, "cells outside exercises raised on the blank lesson"
    assert graded_cells_that_pass(notebook) == [], "graded tests that a blank submission passes (nbgrader validate --invert)"
    unwritten = [cell.id for cell in notebook.cells if any("this exercise is not written yet" in error for error in cell_errors(cell))]
    assert unwritten, "no cell says which exercise is not written yet"
    drawn = figures_drawn(notebook)
    assert drawn and all(drawn.values()), drawn


@pytest.mark.parametrize("folder, verdict", [(lessons.SOLUTIONS, "Success! Your notebook passes all the tests."),
                                             (lessons.LESSONS, "Success! The notebook does not pass any tests.")])
def test_nbgrader_validate_agrees_on_a_sample_lesson(folder, verdict):
    """nbgrader's own validate command, on one lesson; the tests above use nbgrader's scoring of the same cells."""
    path = folder / "01_retina.ipynb"
    invert = ["--invert"] if folder == lessons.LESSONS else []
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", *invert, "--Execute.timeout=600", str(path)], capture_output=True, text=True, cwd=path.parent)
    assert verdict in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


def test_lessons_are_exactly_what_generate_assignment_makes(tmp_path):
    solutions = shutil.copytree(lessons.SOLUTIONS, tmp_path / "solutions")
    made = lessons.release(course_dir=tmp_path / "course", lessons=tmp_path / "lessons", solutions=solutions)
    assert [path.stem for path in made] == NAMES
    for path in made:
        assert path.read_text() == (lessons.LESSONS / path.name).read_text(), f"lessons/{path.name} is stale: run `make lessons`"
