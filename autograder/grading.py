"""Autograde: every submission executed in its own sandbox, in parallel; then nbgrader scores the results.

1. For each submission, `prepare` rebuilds the notebook to run: the student's cells,
   with every locked cell (instructions, setup, tests with hidden tests) exactly as the
   instructor wrote it. Edited, deleted or duplicated locked cells are restored and noted.
2. The prepared notebooks run in parallel, one sandbox each (`autograder.sandbox`).
3. `nbgrader autograde` scores the executed notebooks into the gradebook without
   executing anything (grading_config/nbgrader_config.py), one lesson at a time, while
   the sandboxes go on with the next lesson.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

from neurokit.data import raw_folder, stage_mnist

from . import isolation
from .lessons import nbgrader
from .sandbox import error_output

GRADING_CONFIG_DIR = Path(__file__).with_name("grading_config")
CELL_TIMEOUT_S = {"09_whole_brain": 600}  # lessons whose cells train for minutes; others get the default
DEFAULT_CELL_TIMEOUT_S = 120
MEMORY_MB = 4000


@dataclass
class GradingRecord:
    student: str
    lesson: str
    notes: list[str] = field(default_factory=list)


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def prepare(submission: nbformat.NotebookNode, source: nbformat.NotebookNode, release: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to execute, and what had to be restored in it."""
    notes = []
    released = {grade_id(cell): cell for cell in release.cells if grade_id(cell)}
    cells, seen = [], set()
    for cell in submission.cells:
        name = grade_id(cell)
        if name is not None and name in seen:
            notes.append(f"cell {name} appeared twice; the copy was dropped")
            continue
        seen.add(name)
        cells.append(cell)
    by_name = {grade_id(cell): cell for cell in cells if grade_id(cell)}
    previous = None
    for original in source.cells:
        name = grade_id(original)
        if name is None:
            continue
        locked = nbgrader_utils.is_locked(original) or (nbgrader_utils.is_grade(original) and not nbgrader_utils.is_solution(original))
        if name not in by_name:
            restored = nbformat.from_dict(original if locked else released[name])
            position = cells.index(by_name[previous]) + 1 if previous in by_name else 0
            cells.insert(position, restored)
            by_name[name] = restored
            notes.append(f"{'locked' if locked else 'exercise'} cell {name} was deleted; the original was put back")
        elif locked:
            cell = by_name[name]
            if cell.source != released[name].source or cell.cell_type != original.cell_type:
                notes.append(f"locked cell {name} was edited; graded with the original")
            cell.cell_type, cell.source, cell.metadata = original.cell_type, original.source, nbformat.from_dict(original.metadata)
            if cell.cell_type == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        previous = name
    prepared = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    for cell in prepared.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return prepared, notes


def not_run(notebook: nbformat.NotebookNode, reason: str) -> nbformat.NotebookNode:
    """Mark every code cell as not run, so nbgrader gives no points (a cell without outputs would pass)."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [error_output("NotRun", reason)]
    return notebook


class Autograder:
    """Grades the submissions in a course folder (nbgrader layout) into its gradebook."""

    def __init__(self, course_dir: Path, workers: int | None = None, memory_mb: int = MEMORY_MB, cell_timeout: int | None = None, log=print):
        self.course_dir = Path(course_dir).resolve()
        self.workers = workers or os.cpu_count() or 1
        self.threads_per_submission = max(1, (os.cpu_count() or 1) // self.workers)
        self.memory_mb = memory_mb
        self.cell_timeout = cell_timeout
        self.log = log
        self.isolation = isolation.detect()

    def submissions(self, lessons: list[str]) -> list[tuple[str, str]]:
        found = []
        for lesson in lessons:
            for path in sorted((self.course_dir / "submitted").glob(f"*/{lesson}/{lesson}.ipynb")):
                found.append((path.parents[1].name, lesson))
        return found

    def grade(self, lessons: list[str] | None = None) -> list[GradingRecord]:
        lessons = lessons or sorted(p.name for p in (self.course_dir / "source").iterdir() if p.is_dir())
        jobs = self.submissions(lessons)
        self.log(f"grading {len(jobs)} submissions with {self.workers} workers; {self.isolation.describe()}")
        # Sandboxes live outside the course folder, in a folder the sandbox user can reach but not list.
        with tempfile.TemporaryDirectory(prefix="autograder-") as root:
            self.sandboxes = Path(root)
            self.sandboxes.chmod(0o711)
            self.stage_data()
            records = []
            with ThreadPoolExecutor(self.workers) as pool:
                running = {lesson: [pool.submit(self.execute, *job) for job in jobs if job[1] == lesson] for lesson in lessons}
                for lesson, submissions in running.items():
                    records += [submission.result() for submission in submissions]
                    if submissions:  # score this lesson while the pool runs the next ones
                        nbgrader("autograde", lesson, "--force", course_dir=self.course_dir, config_dir=GRADING_CONFIG_DIR)
        self.save_notes(records)
        return records

    def stage_data(self):
        """A copy of MNIST that student code may read and not change, taken from the instructor's own."""
        self.data_dir = self.sandboxes / "data"
        shutil.copytree(raw_folder(stage_mnist(log=self.log)), raw_folder(self.data_dir))
        stage_mnist(self.data_dir, download=False, log=self.log)
        _readable_by_everyone(self.data_dir)

    def execute(self, student: str, lesson: str) -> GradingRecord:
        """Prepare one submission, run it in a sandbox, and leave the result in executed/ for nbgrader."""
        record = GradingRecord(student, lesson)
        submitted = self.course_dir / "submitted" / student / lesson / f"{lesson}.ipynb"
        executed = self.course_dir / "executed" / student / lesson / f"{lesson}.ipynb"
        executed.parent.mkdir(parents=True, exist_ok=True)
        if (submitted.parent / "timestamp.txt").exists():
            shutil.copyfile(submitted.parent / "timestamp.txt", executed.parent / "timestamp.txt")
        source = nbformat.read(self.course_dir / "source" / lesson / f"{lesson}.ipynb", as_version=4)
        release = nbformat.read(self.course_dir / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        try:
            submission = nbformat.read(submitted, as_version=4)
        except Exception as error:  # not JSON, not a notebook: nothing of it can run
            record.notes.append(f"the submission could not be read as a notebook ({type(error).__name__}); graded as blank")
            nbformat.write(not_run(nbformat.from_dict(source), "the submission could not be read"), executed)
            return record
        prepared, record.notes = prepare(submission, source, release)
        notebook, notes = self.run_in_sandbox(prepared, self.sandboxes / f"{student}-{lesson}", lesson)
        record.notes += notes
        nbformat.write(notebook, executed)
        self.log(f"ran {student}/{lesson}" + (f" ({'; '.join(record.notes)})" if record.notes else ""))
        return record

    def run_in_sandbox(self, prepared: nbformat.NotebookNode, workdir: Path, lesson: str) -> tuple[nbformat.NotebookNode, list[str]]:
        """The executed notebook and what happened; if the sandbox itself fails, every cell is marked not run."""
        workdir.mkdir()
        nbformat.write(prepared, workdir / "submission.ipynb")
        if self.isolation.drop_privileges:
            shutil.chown(workdir, isolation.SANDBOX_USER, isolation.SANDBOX_GROUP)
        cell_timeout = self.cell_timeout or CELL_TIMEOUT_S.get(lesson, DEFAULT_CELL_TIMEOUT_S)
        total_timeout = 4 * cell_timeout + 300
        command = self.isolation.wrap([
            sys.executable, "-m", "autograder.sandbox", str(workdir / "submission.ipynb"), str(workdir / "executed.ipynb"),
            "--cell-timeout", str(cell_timeout), "--memory-mb", str(self.memory_mb),
            "--kernel-command", json.dumps(self.isolation.kernel_command()),
        ])
        environment = isolation.sandbox_environment(workdir, self.data_dir, self.threads_per_submission)
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=total_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            reason = f"the whole notebook ran past {total_timeout} s and was stopped"
            return not_run(prepared, reason), [f"{reason}; it earns no points"]
        result = workdir / "executed.ipynb"
        if process.returncode != 0 or not result.exists():
            failure = stderr.decode(errors="replace")[-300:].strip()
            return not_run(prepared, "the sandbox could not run this notebook"), [f"the sandbox failed (exit {process.returncode}): {failure}"]
        notebook = nbformat.read(result, as_version=4)
        return notebook, notebook.metadata.pop("autograder", {}).get("sandbox_notes", [])

    def save_notes(self, records: list[GradingRecord]):
        """Keep what each grading found in reports/grading_notes.json, newest run per student and lesson."""
        path = self.course_dir / "reports" / "grading_notes.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        notes = json.loads(path.read_text()) if path.exists() else {}
        for record in records:
            notes[f"{record.student}/{record.lesson}"] = asdict(record)
        path.write_text(json.dumps(notes, indent=2, sort_keys=True) + "\n")


def _readable_by_everyone(folder: Path):
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
