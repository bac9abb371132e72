"""The instructor's grading round, end to end, on a class of sample lesson-01 submissions.

Real nbgrader (generate_assignment, autograde, generate_feedback, export), real kernels,
real sandboxes. The samples are made by tests/submissions/make_samples.py.
"""

import csv
import html
import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import lessons
from autograder.collect import collect
from autograder.feedback import HIDDEN_BLOCK
from autograder.grading import Autograder, prepare
from autograder.isolation import detect
from autograder.report import report

pytestmark = pytest.mark.slow
LESSON = "01_retina"
SAMPLES = Path(__file__).parent / "submissions" / LESSON
EXPECTED = json.loads((SAMPLES / "expected_points.json").read_text())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder after a whole round: release, collect, autograde (in parallel), feedback, report."""
    course_dir = Path(tempfile.mkdtemp(prefix="course-"))
    course_dir.chmod(0o755)  # where an instructor's course folder would be: readable, not writable, by others
    inbox = tmp_path_factory.mktemp("inbox")
    for sample in SAMPLES.iterdir():
        (inbox / sample.name).write_bytes(sample.read_bytes().replace(b"@COURSE_DIR@", str(course_dir).encode()))
    lessons.release(course_dir, lessons=tmp_path_factory.mktemp("lessons"), names=[LESSON])
    collected = collect(inbox, course_dir, lessons.lesson_names())
    records = Autograder(course_dir, workers=2, cell_timeout=20, log=lambda m: None).grade([LESSON])
    from autograder.cli import main

    assert main(["--course-dir", str(course_dir), "feedback", LESSON]) == 0
    written = report(course_dir)
    yield {"dir": course_dir, "collected": collected, "records": {r.student: r for r in records}, "reports": written}
    shutil.rmtree(course_dir)


def test_collect_places_every_submission_and_reports_the_rest(course):
    collected = course["collected"]
    assert sorted(student for student, _, _ in collected.placed) == sorted(EXPECTED)
    assert collected.problems == ["expected_points.json: not a notebook or a zip; skipped"]
    assert (course["dir"] / "submitted" / "perfect" / LESSON / f"{LESSON}.ipynb").exists()  # from the zip


def test_every_submission_gets_the_grade_it_deserves(course):
    with Gradebook(f"sqlite:///{course['dir'] / 'gradebook.db'}") as gradebook:
        assert sorted(s.id for s in gradebook.students) == sorted(EXPECTED)
        for student, points in EXPECTED.items():
            got = {cell: gradebook.find_grade(cell, LESSON, LESSON, student).score for cell in points}
            assert got == points, f"{student}: {got} != {points}"


def test_grading_notes_say_what_happened(course):
    notes = {student: " | ".join(record.notes) for student, record in course["records"].items()}
    assert "filter-exercise ran past 20 s and was interrupted" in notes["looping"]
    assert "kernel died in cell filter-exercise" in notes["quitter"]
    assert "locked cell dog-tests was edited; graded with the original" in notes["tamperer"]
    assert "locked cell filter-tests was deleted; the original was put back" in notes["tamperer"]
    assert notes["perfect"] == notes["blank"] == notes["copier"] == ""


def test_student_code_cannot_touch_the_gradebook_or_the_source(course):
    if not detect().drop_privileges:
        pytest.skip(f"this machine cannot run student code as another user: {detect().describe()}")
    executed = nbformat.read(course["dir"] / "autograded" / "vandal" / LESSON / f"{LESSON}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for cell in executed.cells for o in cell.get("outputs", []))
    assert printed.count("could not overwrite") == 2  # the gradebook and the lesson's source
    assert "overwrote" not in printed.replace("could not overwrite", "")
    source = nbformat.read(course["dir"] / "source" / LESSON / f"{LESSON}.ipynb", as_version=4)
    assert len(source.cells) > 10


def test_feedback_never_shows_hidden_tests(course):
    source = nbformat.read(course["dir"] / "source" / LESSON / f"{LESSON}.ipynb", as_version=4)
    hidden_lines = {
        line.strip()
        for cell in source.cells
        for block in HIDDEN_BLOCK.findall(cell.source)
        for line in block.splitlines()
        if len(line.strip()) > 12 and "HIDDEN TESTS" not in line
    }
    assert hidden_lines, "the lesson has hidden tests to hide"
    feedback = sorted((course["dir"] / "feedback").glob(f"*/{LESSON}/{LESSON}.html"))
    assert len(feedback) == len(EXPECTED)
    for page in feedback:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        shown = [line for line in hidden_lines if line in text]
        assert shown == [], f"{page.parent.parent.name} sees hidden test code"
        assert "hidden tests ran here" in text


def test_reports_hold_grades_and_the_hardest_exercise(course):
    grades, summary, plot, notes = course["reports"]
    with open(grades) as f:
        totals = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert totals == {student: float(sum(points.values())) for student, points in EXPECTED.items()}
    with open(summary) as f:
        rows = {row["exercise"]: row for row in csv.DictReader(f)}
    for cell in ("dog-tests", "filter-tests", "response-tests"):
        passed = sum(points[cell] == max(p[cell] for p in EXPECTED.values()) for points in EXPECTED.values())
        assert float(rows[cell]["pass_rate"]) == pytest.approx(passed / len(EXPECTED))
    assert plot.stat().st_size > 5000
    assert "kernel died" in notes.read_text()


def test_prepare_restores_a_deleted_exercise_cell_and_drops_duplicates():
    source = nbformat.read(lessons.SOLUTIONS / f"{LESSON}.ipynb", as_version=4)
    release = nbformat.read(lessons.LESSONS / f"{LESSON}.ipynb", as_version=4)
    submission = nbformat.read(lessons.LESSONS / f"{LESSON}.ipynb", as_version=4)
    tests = next(cell for cell in submission.cells if cell.get("id") == "dog-tests")
    submission.cells = [cell for cell in submission.cells if cell.get("id") != "dog-exercise"] + [nbformat.from_dict(tests)]
    prepared, notes = prepare(submission, source, release)
    ids = [cell.get("id") for cell in prepared.cells]
    assert ids.count("dog-tests") == 1 and ids.index("dog-exercise") == ids.index("dog-tests") - 1
    assert "exercise cell dog-exercise was deleted; the original was put back" in notes
    assert "cell dog-tests appeared twice; the copy was dropped" in notes
