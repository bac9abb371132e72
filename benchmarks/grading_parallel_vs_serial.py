"""Benchmark: grading a class serially with plain `nbgrader autograde` versus `python -m autograder autograde`.

Makes N synthetic students, each handing in every lesson with the exercises solved, and
grades the same class three times in one run: with nbgrader's own autograde (one
submission after another, the whole notebook in nbgrader's kernel, no sandbox), and with
the sandboxed autograde on one worker (the cost per submission) and on all cores.
Prints the times and the ratios.

    .venv/bin/python benchmarks/grading_parallel_vs_serial.py --students 2 [--lessons 01_retina 02_thalamus]
"""

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import isolation, lessons  # noqa: E402
from autograder.grading import Autograder  # noqa: E402


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solved(name: str) -> nbformat.NotebookNode:
    """The student version of a lesson with every exercise cell filled in from the solution."""
    answers = {grade_id(cell): re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", cell.source) for cell in nbformat.read(lessons.SOLUTIONS / f"{name}.ipynb", as_version=4).cells}
    notebook = nbformat.read(lessons.LESSONS / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id(cell)]
    return notebook


def make_course(root: Path, names: list[str], students: int) -> Path:
    course = root / "course"
    lessons.release(course, lessons=root / "released", names=names)
    for name in names:
        notebook = solved(name)
        for number in range(students):
            target = course / "submitted" / f"student{number:03d}" / name
            target.mkdir(parents=True)
            nbformat.write(notebook, target / f"{name}.ipynb")
    return course


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--lessons", nargs="*", default=None)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    names = args.lessons or lessons.lesson_names()
    with tempfile.TemporaryDirectory() as tmp:
        serial_course = make_course(Path(tmp) / "serial", names, args.students)
        copies = {}
        for label in ("one", "all"):
            copies[label] = Path(tmp) / label
            shutil.copytree(serial_course, copies[label])
            copies[label].chmod(0o755)

        start = time.perf_counter()
        for name in names:
            lessons.nbgrader("autograde", name, "--force", "--Execute.timeout=600", course_dir=serial_course)
        serial = time.perf_counter() - start

        times = {}
        for label, workers in (("one", 1), ("all", args.workers)):
            grader = Autograder(copies[label], workers=workers, log=lambda message: None)
            start = time.perf_counter()
            grader.grade(names)
            times[label] = time.perf_counter() - start

    count = args.students * len(names)
    print(f"\n{count} submissions ({args.students} students x {len(names)} lessons); {isolation.detect().describe()}")
    print(f"plain nbgrader autograde, serial:          {serial:7.1f} s  ({serial / count:5.1f} s per submission)")
    print(f"python -m autograder autograde, 1 worker:  {times['one']:7.1f} s  ({times['one'] / count:5.1f} s per submission)")
    print(f"python -m autograder autograde, {grader.workers} workers: {times['all']:7.1f} s")
    print(f"time per submission, sandboxed / plain: {times['one'] / serial:.2f} (goal: at most 1.5)")
    print(f"speed-up of {grader.workers} workers over plain serial: {serial / times['all']:.2f}x")


if __name__ == "__main__":
    main()
