"""The lessons: solutions/ is the nbgrader source, lessons/ the student versions made from it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

from neurokit import course

from .errors import CourseError

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = REPOSITORY_ROOT / "solutions"
LESSONS = REPOSITORY_ROOT / "lessons"
NBGRADER_CONFIG_DIR = Path(__file__).parent  # holds nbgrader_config.py, which nbgrader reads from its working folder
DEFAULT_COURSE_DIR = Path(__file__).with_name("course")


def lesson_names(solutions: Path = SOLUTIONS) -> list[str]:
    """Lesson names in order, e.g. ['00_setup_and_mnist', '01_retina', ...]."""
    return sorted(path.stem for path in solutions.glob("[0-9][0-9]_*.ipynb"))


def nbgrader(*arguments: str, course_dir: Path, config_dir: Path = NBGRADER_CONFIG_DIR, check: bool = True) -> subprocess.CompletedProcess:
    """Run one nbgrader command on the course folder, with the nbgrader_config.py in config_dir."""
    command = [sys.executable, "-m", "nbgrader", *arguments, f"--CourseDirectory.root={Path(course_dir).resolve()}"]
    environment = dict(
        os.environ,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),  # nbgrader calls alembic
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY_ROOT), os.environ.get("PYTHONPATH")])),
    )
    result = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=config_dir)
    if "Exception while loading config file" in result.stderr:  # nbgrader then goes on without the course's configuration
        raise CourseError(f"nbgrader could not load its configuration in {config_dir}; what it said:\n{result.stderr[-3000:]}")
    if check and result.returncode != 0:
        raise CourseError(f"nbgrader {' '.join(arguments[:2])} failed; what it said:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


# JupyterLab's Run All (and nbclient) go on past an error in a cell with this tag, so a blank
# exercise or its failing self-check does not stop the figures below it, which fall back to the reference.
RUN_ALL_GOES_ON = "raises-exception"


def stamp(notebook_path: Path) -> bool:
    """Write the course's launch badges, setup cell and Run All tags into a solution notebook; True if it changed."""
    notebook = nbformat.read(notebook_path, as_version=4)
    lesson_path = f"lessons/{notebook_path.name}"
    changed = False
    for cell in notebook.cells:
        exercise_or_test = nbgrader_utils.is_solution(cell) or nbgrader_utils.is_grade(cell)
        if cell.cell_type == "code" and exercise_or_test and RUN_ALL_GOES_ON not in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), RUN_ALL_GOES_ON]
            changed = True
        if cell.get("id") == "colab-badge":
            wanted = course.launch_badges(lesson_path)
        elif cell.get("id") == "setup":
            wanted = course.setup_cell_source()
        else:
            continue
        if cell.source != wanted:
            cell.source, changed = wanted, True
    if changed:
        nbformat.write(notebook, notebook_path)
    return changed


def release(course_dir: Path = DEFAULT_COURSE_DIR, lessons: Path = LESSONS, solutions: Path = SOLUTIONS, names: list[str] | None = None,
            with_answers: bool = False) -> list[Path]:
    """Stamp the solutions, run nbgrader generate_assignment on each, and copy the student versions to lessons/.

    The answers to the reflection questions (cells tagged instructor-answer) are left out unless with_answers."""
    course_dir, lessons = Path(course_dir), Path(lessons)
    lessons.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or lesson_names(solutions):
        stamp(solutions / f"{name}.ipynb")
        source = course_dir / "source" / name
        source.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(solutions / f"{name}.ipynb", source / f"{name}.ipynb")
        nbgrader("generate_assignment", name, "--force", *(["--TagRemovePreprocessor.enabled=False"] if with_answers else []), course_dir=course_dir)
        target = lessons / f"{name}.ipynb"
        shutil.copyfile(course_dir / "release" / name / f"{name}.ipynb", target)
        written.append(target)
    return written
