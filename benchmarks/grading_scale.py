"""Benchmark: grading a synthetic class on dask.distributed, from 1 to 4 local worker processes.

The class: STUDENTS students x LESSONS lessons, mixed honest and broken: each lesson's
sample submissions (tests/submissions/LESSON/samples.py, honest and mistaken), the blank
student version, and a file that is not JSON. Every grading round starts from a fresh
copy of the course folder and runs the whole of `autograde` (plan, sandbox, hidden tests,
nbgrader scoring) on a local cluster of worker processes, as `--scheduler` would.

Printed, and written to --record as JSON:
- the whole class at the largest worker count: submissions per minute, per minute per core;
- the scaling from 1 to 4 workers on the first --scaling-subset submissions;
- the overhead per submission over executing the same code bare (the cells the sandbox
  runs, as one notebook in a plain Jupyter kernel with nbclient, no sandbox, no tests);
- the projection for 2,000 students x 10 lessons on N machines like this one.

    .venv/bin/python benchmarks/grading_scale.py --students 40 --scaling-subset 24 --record docs/benchmarks/grading_scale.json
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from distributed import LocalCluster
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import hidden_tests, lessons, prepare  # noqa: E402
from autograder.grading import Autograder  # noqa: E402
from tests.submissions import samples  # noqa: E402

DEFAULT_LESSONS = ["00_setup_and_mnist", "01_retina", "02_thalamus", "03_visual_cortex", "04_it_cortex"]


def make_class(root: Path, names: list[str], students: int) -> Path:
    """A released course folder with every student's submission of every lesson in submitted/."""
    course = root / "course"
    lessons.release(course, lessons=root / "released", names=names)
    for name in names:
        kinds = [samples.build(name, s["edits"], tuple(s.get("delete", ()))) for s in samples.load(name).values()]
        kinds.append(nbformat.read(lessons.LESSONS / f"{name}.ipynb", as_version=4))  # handed in blank
        for number in range(students):
            target = course / "submitted" / f"student{number:03d}" / name
            target.mkdir(parents=True)
            path = target / f"{name}.ipynb"
            if number % 10 == 9:
                path.write_text('{"cells": [ not json')
            else:
                nbformat.write(kinds[number % len(kinds)], path)
    course.chmod(0o755)
    return course


def subset(course: Path, destination: Path, count: int) -> Path:
    """A copy of the course folder with only the first `count` submissions (lesson by lesson, student by student)."""
    shutil.copytree(course, destination, ignore=shutil.ignore_patterns("submitted"))
    submissions = sorted(course.glob("submitted/*/*/*.ipynb"), key=lambda p: (p.parent.name, p.parents[1].name))[:count]
    for path in submissions:
        target = destination / path.relative_to(course)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return destination


def grade(course: Path, workers: int) -> tuple[float, int]:
    """Seconds to grade the course on a local cluster of `workers` single-threaded worker processes."""
    names = sorted({p.name for p in course.glob("submitted/*/*")})
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        start = time.perf_counter()
        records = Autograder(course, scheduler=cluster.scheduler_address, log=lambda message: None).grade(names)
        return time.perf_counter() - start, len(records)


def bare_seconds(course: Path, per_lesson: int) -> float:
    """Mean seconds to execute a submission's planned cells as a notebook in a plain kernel."""
    times = []
    for name in sorted({p.name for p in course.glob("submitted/*/*")}):
        tests = hidden_tests.load(name)
        source, release = (nbformat.read(course / folder / name / f"{name}.ipynb", as_version=4) for folder in ("source", "release"))
        for path in sorted(course.glob(f"submitted/*/{name}/{name}.ipynb"))[:per_lesson]:
            submission = prepare.read_submission(path)
            if not submission.readable:
                continue
            plan = prepare.plan(submission, source, release, tests.context)
            notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in plan.code])
            start = time.perf_counter()
            NotebookClient(notebook, timeout=600, allow_errors=True, kernel_name="python3").execute()
            times.append(time.perf_counter() - start)
    return sum(times) / len(times)


def summary_markdown(record: dict) -> str:
    """The record as the README shows it: the scaling table and the projection."""
    whole, bare = record["whole_class"], record["bare_seconds_per_submission"]
    lines = ["| workers | submissions | seconds | per minute | speed-up |", "|---:|---:|---:|---:|---:|"]
    for workers, row in record["scaling"].items():
        lines.append(f"| {workers} | {row['submissions']} | {row['seconds']:.0f} | {row['submissions'] / row['seconds'] * 60:.1f} | {row['speedup']:.2f}x |")
    lines.append(f"| {whole['workers']} | {whole['submissions']} (whole class) | {whole['seconds']:.0f} | {whole['per_minute']:.1f} | |")
    hours = record["projection_hours_2000_students_10_lessons"]
    lines += ["", f"On {record['machine']['cores']} cores: {whole['per_minute_per_core']:.1f} submissions per minute per core; "
              f"a submission's code runs bare (one notebook in a plain kernel) in {bare:.1f} s, and grading adds "
              f"{record['overhead_seconds_per_submission']:.1f} s (sandbox, hidden tests, nbgrader). "
              f"2,000 students x 10 lessons of this mix would take about "
              + ", ".join(f"{value:g} h on {machines} machine{'s' * (machines != '1')}" for machines, value in hours.items())
              + f" of {record['machine']['cores']} cores."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--lessons", nargs="*", default=DEFAULT_LESSONS)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--scaling-subset", type=int, default=40, help="submissions graded at each worker count")
    parser.add_argument("--record", type=Path, help="write the figures to this JSON file, and the README's table beside it (.md)")
    parser.add_argument("--render", action="store_true", help="only write the .md of an existing --record, grading nothing")
    args = parser.parse_args()
    if args.render:
        args.record.with_suffix(".md").write_text(summary_markdown(json.loads(args.record.read_text())))
        return
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        course = make_class(Path(tmp), args.lessons, args.students)
        count = args.students * len(args.lessons)
        scaling = {}
        for workers in args.workers:
            seconds, graded = grade(subset(course, Path(tmp) / f"subset-{workers}", args.scaling_subset), workers)
            scaling[workers] = {"seconds": round(seconds, 1), "submissions": graded}
            print(f"{graded} submissions, {workers} worker(s): {seconds:.1f} s", flush=True)
        most = max(args.workers)
        whole, graded = grade(course, most)
        bare = bare_seconds(course, per_lesson=2)
    per_minute = graded / whole * 60
    one = scaling[min(args.workers)]
    overhead = one["seconds"] / one["submissions"] - bare
    per_core = per_minute / min(most, cores)
    projection = {machines: round(2000 * 10 / (per_core * cores * machines) / 60, 1) for machines in (1, 10, 50)}
    record = {
        "command": "python benchmarks/grading_scale.py " + " ".join(sys.argv[1:]),
        "machine": {"cores": cores, "python": platform.python_version(), "system": platform.platform()},
        "class": {"students": args.students, "lessons": args.lessons, "submissions": count},
        "whole_class": {"workers": most, "seconds": round(whole, 1), "submissions": graded,
                        "per_minute": round(per_minute, 1), "per_minute_per_core": round(per_core, 1)},
        "scaling": {str(k): {**v, "speedup": round(one["seconds"] / v["seconds"], 2)} for k, v in scaling.items()},
        "bare_seconds_per_submission": round(bare, 1),
        "overhead_seconds_per_submission": round(overhead, 1),
        "projection_hours_2000_students_10_lessons": {str(k): v for k, v in projection.items()},
    }
    print(f"\n{graded} submissions ({args.students} students x {len(args.lessons)} lessons) with {most} workers on {cores} cores: "
          f"{whole:.0f} s, {per_minute:.1f} per minute, {per_core:.1f} per minute per core")
    print("workers  seconds  speed-up   (first {} submissions)".format(args.scaling_subset))
    for workers, row in record["scaling"].items():
        print(f"{workers:>7}  {row['seconds']:7.1f}  {row['speedup']:7.2f}x")
    print(f"bare execution {bare:.1f} s per submission; grading on 1 worker adds {overhead:.1f} s (sandbox, hidden tests, nbgrader)")
    print("2,000 students x 10 lessons (these lessons' mix), hours on N machines of this size: "
          + ", ".join(f"N={k}: {v}" for k, v in projection.items()))
    if args.record:
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(record, indent=2) + "\n")
        args.record.with_suffix(".md").write_text(summary_markdown(record))
        print(f"wrote {args.record} and {args.record.with_suffix('.md')}")


if __name__ == "__main__":
    main()
