"""Autograde: each submission runs in its own sandbox; the hidden tests grade it from outside.

For each submission:
1. `prepare.plan` picks the code to run: the student's own cells and the instructor's
   setup, without test cells (see prepare.py).
2. A sandbox (`isolation`, `sandbox`) runs that code with a copy of neurokit that lacks
   the lesson's reference (`redact`), then answers the hidden tests' questions with plain
   data. The checks (`hidden_tests/LESSON.py`) compare the answers with the reference
   here, in the grader's own process.
3. The verdicts go into a notebook built from the student version
   (`prepare.scored_notebook`), written to executed/ by the grader alone, and
   `nbgrader autograde` scores it into the gradebook without executing anything.

Submissions run in parallel on dask.distributed workers (`fanout`: embedded on this machine
by default, or a cluster's); nbgrader scores each lesson while the sandboxes go on with the
next. A submission already graded, unchanged, with unchanged tests, is not run again.
"""

import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import course_folder, fanout, hidden_tests, isolation, prepare
from .errors import CourseError
from .hidden_tests import StudentError
from .lessons import nbgrader
from .sandbox import SandboxLost

GRADING_CONFIG_DIR = Path(__file__).with_name("grading_config")
CELL_TIMEOUT_S = {"09_whole_brain": 600}  # lessons whose cells train for minutes; others get the default
DEFAULT_CELL_TIMEOUT_S = 120
MEMORY_MB = 4000
SOLUTION_MARKERS = re.compile(r"[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?")


@dataclass
class GradingRecord:
    student: str
    lesson: str
    notes: list[str] = field(default_factory=list)
    scores: dict[str, bool] = field(default_factory=dict)  # test cell -> passed
    reused: bool = False
    worker: str = ""  # the dask worker (host:pid) whose sandbox ran it


def solution_code(source: nbformat.NotebookNode, grade_id: str) -> str:
    cell = next(c for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
    return SOLUTION_MARKERS.sub("", cell.source)


def grade_checks(student, tests: hidden_tests.LessonTests, source: nbformat.NotebookNode, points: dict[str, float]) -> dict[str, tuple[bool, str]]:
    """Run every check against one student; a verdict (passed, message) per test cell."""
    verdicts = {}
    for check in tests.checks:
        try:
            for exercise in check.stand_in:
                student.stand_in(solution_code(source, exercise))
            check.function(student)
            verdicts[check.grade_id] = (True, f"Passed: {points.get(check.grade_id, 0):g} of {points.get(check.grade_id, 0):g} points.")
        except SandboxLost as lost:
            verdicts[check.grade_id] = (False, f"Not graded: {lost}.")
        except StudentError as error:
            verdicts[check.grade_id] = (False, error.explain())
        except AssertionError as failure:
            verdicts[check.grade_id] = (False, str(failure) or "a hidden test failed")
        except Exception as error:  # an answer of the wrong kind that the comparison could not use
            verdicts[check.grade_id] = (False, f"Your answer could not be checked ({type(error).__name__}: {str(error)[:300]}).")
    return verdicts


def lesson_points(source: nbformat.NotebookNode) -> dict[str, float]:
    """The points of each graded test cell of a lesson's source."""
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"].get("points", 0))
            for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")}


def fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


class Autograder:
    """Grades the submissions in a course folder (nbgrader layout) into its gradebook."""

    def __init__(self, course_dir: Path, workers: int | None = None, memory_mb: int = MEMORY_MB, cell_timeout: int | None = None,
                 allow_unisolated: bool = False, force: bool = False, scheduler: str | None = None, log=print):
        """`scheduler`: the address of a dask cluster to run the sandboxes on; by default an embedded one with `workers` slots."""
        self.course_dir = Path(course_dir).resolve()
        self.workers = workers or os.cpu_count() or 1
        self.memory_mb = memory_mb
        self.cell_timeout = cell_timeout
        self.force = force
        self.scheduler = scheduler
        self.allow_unisolated = allow_unisolated
        self.log = log
        self.isolations: set[tuple[bool, str]] = set()
        if not scheduler:  # the workers are this machine: say now, before anything is written, if it cannot isolate
            here = isolation.detect()
            if not here.isolated:
                if not allow_unisolated:
                    raise CourseError(f"student code cannot be isolated on this machine: {here.problem}. To fix: {isolation.HOW_TO_FIX}.")
                self.log(f"WARNING: {here.describe()}")

    def submissions(self, lessons: list[str], students: list[str] | None = None) -> list[tuple[str, str]]:
        found = []
        for lesson in lessons:
            folder = self.course_dir / "submitted"
            for path in sorted(folder.glob(f"*/{lesson}/{lesson}.ipynb")) if folder.is_dir() else []:
                if students is None or path.parents[1].name in students:
                    found.append((path.parents[1].name, lesson))
        return found

    def grade(self, lessons: list[str] | None = None, students: list[str] | None = None) -> list[GradingRecord]:
        """Grade the submissions of these lessons (default: all released), of these students (default: all).

        Nothing is written when there is nothing to grade.
        """
        lessons = course_folder.released_lessons(self.course_dir, lessons)
        if students:
            students = course_folder.known_students(self.course_dir, students, lessons)
        jobs = self.submissions(lessons, students)
        if not jobs:
            return []
        for folder in ("executed", "autograded", "reports"):
            course_folder.writable(self.course_dir / folder)
        self.lessons = {lesson: self.load_lesson(lesson) for lesson in lessons}
        with fanout.Engine(self.workers, self.scheduler, self.allow_unisolated) as self.engine:
            self.log(f"grading {len(jobs)} submissions on the {self.engine.describe()}")
            records = []
            with ThreadPoolExecutor(min(len(jobs), self.engine.slots)) as pool:  # each thread waits for one worker's result
                running = {lesson: [pool.submit(self.grade_one, *job) for job in jobs if job[1] == lesson] for lesson in lessons}
                for lesson, submissions in running.items():
                    done = [submission.result() for submission in submissions]
                    records += done
                    if done:  # score this lesson while the pool runs the next ones
                        self.score(lesson, done, one_at_a_time=bool(students))
        self.save_notes(records)
        return records

    def load_lesson(self, lesson: str) -> dict:
        """The lesson's hidden tests and notebooks, and the versions a worker and a regrade compare."""
        try:
            tests = hidden_tests.load(lesson)
        except FileNotFoundError as missing:
            raise CourseError(f"{missing}; write them before grading {lesson}") from None
        source_path = self.course_dir / "source" / lesson / f"{lesson}.ipynb"
        release_path = self.course_dir / "release" / lesson / f"{lesson}.ipynb"
        if not source_path.is_file():
            raise CourseError(f"lesson {lesson} has no source in {self.course_dir}: run `python -m autograder release {lesson}` again")
        source, release = (nbformat.read(path, as_version=4) for path in (source_path, release_path))
        points = lesson_points(source)
        version = fingerprint(hidden_tests.lesson_file(lesson).read_bytes(), source_path.read_bytes(), release_path.read_bytes())
        return {"tests": tests, "source": source, "release": release, "points": points, "version": version,
                "course_version": fanout.course_version(lesson)}

    def grade_one(self, student: str, lesson: str) -> GradingRecord:
        """Grade one submission into executed/STUDENT/LESSON/, where only the grader writes.

        Student code cannot raise here (the sandbox reports its errors as verdicts), so an
        exception is the grader's own trouble, often passing (a busy machine): it is tried once
        more, and if it fails again the submission earns no points and is graded on the next run.
        """
        for attempt in (1, 2):
            record = GradingRecord(student, lesson)
            try:
                self._grade_one(record)
                break
            except Exception as error:  # never let one submission stop the batch
                failure = f"grading failed ({type(error).__name__}: {str(error)[:300]})"
                self.log(f"{student}/{lesson}: {failure}{'; trying once more' if attempt == 1 else ''}")
        else:
            record.notes.append(f"{failure}; it earns no points until regraded")
            self.write_scored(record, None, {}, "")
        self.log(f"graded {student}/{lesson}" + (f" ({'; '.join(record.notes)})" if record.notes else ""))
        return record

    def _grade_one(self, record: GradingRecord):
        lesson = self.lessons[record.lesson]
        folder = self.course_dir / "submitted" / record.student / record.lesson
        submission = prepare.read_submission(folder / f"{record.lesson}.ipynb")
        executed = self.executed_path(record)
        if not self.force and executed.exists():
            previous = nbformat.read(executed, as_version=4).metadata.get("autograder", {})
            if previous.get("submission") == submission.digest and previous.get("tests") == lesson["version"]:
                record.notes, record.scores, record.reused = previous.get("notes", []), previous.get("scores", {}), True
                record.worker = previous.get("worker", "")
                return
        plan = prepare.plan(submission, lesson["source"], lesson["release"], lesson["tests"].context) if submission.readable else None
        record.notes = plan.notes if plan else list(submission.notes)
        if plan is None:
            verdicts = {check.grade_id: (False, "Not graded: the submission could not be read.") for check in lesson["tests"].checks}
        else:
            verdicts = self.run_checks(record, plan, lesson)
        record.scores = {name: passed for name, (passed, _) in verdicts.items()}
        self.write_scored(record, plan, verdicts, submission.digest)

    def run_checks(self, record: GradingRecord, plan: prepare.Plan, lesson: dict) -> dict[str, tuple[bool, str]]:
        """Run the submission in a sandbox on some worker, and keep what it noted."""
        job = fanout.SandboxJob(record.student, record.lesson, tuple(plan.code), dict(lesson["source"]), lesson["points"],
                                self.cell_timeout or CELL_TIMEOUT_S.get(record.lesson, DEFAULT_CELL_TIMEOUT_S), self.memory_mb,
                                lesson["course_version"])
        result = self.engine.run(job)
        record.notes += result.notes
        record.worker = result.worker
        self.isolations.add((result.isolated, result.isolation))
        return result.verdicts

    def executed_path(self, record: GradingRecord) -> Path:
        return self.course_dir / "executed" / record.student / record.lesson / f"{record.lesson}.ipynb"

    def write_scored(self, record: GradingRecord, plan, verdicts: dict, digest: str):
        lesson = self.lessons[record.lesson]
        notebook = prepare.scored_notebook(lesson["release"], plan, verdicts)
        notebook.metadata["autograder"] = {"submission": digest, "tests": lesson["version"],
                                           "notes": record.notes, "scores": record.scores, "worker": record.worker}
        executed = self.executed_path(record)
        executed.parent.mkdir(parents=True, exist_ok=True)
        temporary = executed.with_suffix(".tmp")
        nbformat.write(notebook, temporary)
        os.replace(temporary, executed)
        stamp = self.course_dir / "submitted" / record.student / record.lesson / "timestamp.txt"
        try:
            text = prepare.read_bytes(stamp)[:100].decode()
            (executed.parent / "timestamp.txt").write_text(text)
        except (ValueError, UnicodeDecodeError):
            (executed.parent / "timestamp.txt").unlink(missing_ok=True)

    def score(self, lesson: str, records: list[GradingRecord], one_at_a_time: bool = False):
        """nbgrader autograde of the scored notebooks: all at once, else (or when asked) one student at a time."""
        if not one_at_a_time:
            result = nbgrader("autograde", lesson, "--force", course_dir=self.course_dir, config_dir=GRADING_CONFIG_DIR, check=False)
            if result.returncode == 0:
                return
        for record in records:
            single = nbgrader("autograde", lesson, "--force", f"--student={record.student}", course_dir=self.course_dir,
                              config_dir=GRADING_CONFIG_DIR, check=False)
            if single.returncode != 0:
                record.notes.append(f"nbgrader could not score this submission: {single.stderr[-300:].strip()}")

    def save_notes(self, records: list[GradingRecord]):
        """Keep what each grading found in reports/grading_notes.json, newest run per student and lesson."""
        path = self.course_dir / "reports" / "grading_notes.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            notes = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            notes = {}
        isolation_before = notes.pop("isolation", None)
        for record in records:
            notes[f"{record.student}/{record.lesson}"] = asdict(record)
        if isolation_before:
            notes["isolation"] = isolation_before
        if self.isolations:
            notes["isolation"] = {"isolated": all(isolated for isolated, _ in self.isolations),
                                  "description": "; ".join(sorted(description for _, description in self.isolations))}
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(notes, indent=2, sort_keys=True) + "\n")
        os.replace(temporary, path)


def grade_in_process(lesson: str, notebook_path: Path, source_path: Path, release_path: Path) -> dict[str, tuple[bool, str]]:
    """Grade a notebook in this process, without a sandbox: for trying the hidden tests on the solutions.

    The same cells run as in a sandbox, but with the whole of neurokit: never use it on
    student work.
    """
    tests = hidden_tests.load(lesson)
    source, release = (nbformat.read(path, as_version=4) for path in (source_path, release_path))
    plan = prepare.plan(prepare.read_submission(notebook_path), source, release, tests.context)
    namespace = {"__name__": "__main__"}
    for code in plan.code:
        exec(compile(code, "<cell>", "exec"), namespace)
    points = lesson_points(source)
    return grade_checks(hidden_tests.LocalStudent(namespace), tests, source, points)
