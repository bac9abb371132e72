"""Repository promises: one place for the address, CI runs the README's test command."""

import re
from pathlib import Path

from autograder import lessons
from neurokit import course

ROOT = Path(__file__).resolve().parents[1]


def test_readme_badges_point_where_neurokit_course_says():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", readme)
    assert links == [course.colab_url(f"lessons/{name}.ipynb") for name in lessons.lesson_names()]


def test_solutions_carry_the_current_badge_and_setup_cell(tmp_path):
    for name in lessons.lesson_names():
        copy = tmp_path / f"{name}.ipynb"
        copy.write_bytes((lessons.SOLUTIONS / f"{name}.ipynb").read_bytes())
        assert not lessons.stamp(copy), f"solutions/{name}.ipynb has a stale badge or setup cell: run `make lessons`"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == "make test"
