"""Print how long each lesson takes to run top to bottom in a fresh Jupyter kernel on this machine.

    .venv/bin/python benchmarks/lesson_times.py [--lessons 01_retina ...]

Goals: each solution about a minute or less, lessons 09 and 10 under five minutes.
"""

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import lessons  # noqa: E402
from tests.notebook_tools import cell_errors, execute  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", nargs="*", default=None)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'lesson':22s} {'solution':>9s} {'student version':>16s}  errors in solution")
    for name in args.lessons or lessons.lesson_names():
        solution, solution_seconds = execute(lessons.SOLUTIONS / f"{name}.ipynb", allow_errors=True)
        _, blank_seconds = execute(lessons.LESSONS / f"{name}.ipynb", allow_errors=True)
        errors = sum(bool(cell_errors(cell)) for cell in solution.cells)
        goal = 300 if name.startswith(("09", "10")) else 60
        flag = "" if solution_seconds <= goal else f"  over the {goal} s goal"
        print(f"{name:22s} {solution_seconds:8.1f}s {blank_seconds:15.1f}s  {errors}{flag}", flush=True)


if __name__ == "__main__":
    main()
