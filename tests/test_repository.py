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


def test_readme_shows_the_current_experiment_tables():
    """docs/experiments/ holds what `neurokit experiment` wrote; the README shows those tables and figures."""
    import json

    from neurokit.experiments import ablation, label_efficiency, new_digit, speed
    from neurokit.experiments.common import markdown_table

    layouts = {
        "ablation": (ablation.KEYS, ablation.VALUES, ablation.PERCENT),
        "label_efficiency": (label_efficiency.KEYS, label_efficiency.VALUES, label_efficiency.PERCENT),
        "new_digit": (new_digit.KEYS, new_digit.VALUES, new_digit.PERCENT),
        "speed_training": (speed.TRAINING_KEYS, speed.TRAINING_VALUES, ("test_accuracy",)),
        "speed_recall": (speed.RECALL_KEYS, speed.RECALL_VALUES, ()),
    }
    readme = (ROOT / "README.md").read_text()
    for name, (keys, values, percent) in layouts.items():
        record = json.loads((ROOT / "docs" / "experiments" / f"{name}.json").read_text())
        assert record["setting_name"] == "full" and len(record["setting"]["seeds"]) >= 3
        table = markdown_table(record["summary"], keys, values, percent)
        assert table in (ROOT / "docs" / "experiments" / f"{name}.md").read_text(), f"docs/experiments/{name}.md is not its record's table"
        assert table in readme, f"the README does not show the current docs/experiments/{name}.md table"
        assert f"(docs/experiments/{name}.png)" in readme and (ROOT / "docs" / "experiments" / f"{name}.png").exists()
