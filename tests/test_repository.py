"""Repository promises: one place for the address, CI runs the README's test command."""

import re
from pathlib import Path

import nbformat

from autograder import lessons
from neurokit import course

ROOT = Path(__file__).resolve().parents[1]


def test_readme_badges_point_where_neurokit_course_says():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", readme)
    assert links == [course.colab_url(f"lessons/{name}.ipynb") for name in lessons.lesson_names()]


def test_every_lesson_opens_in_colab_kaggle_and_binder_at_the_one_address():
    for name in lessons.lesson_names():
        first = nbformat.read(lessons.LESSONS / f"{name}.ipynb", as_version=4).cells[0]
        path = f"lessons/{name}.ipynb"
        assert first.id == "colab-badge"
        assert re.findall(r"\)\]\((https://[^)]+)\)", first.source) == [course.colab_url(path), course.kaggle_url(path), course.binder_url(path)]
        assert all(course.REPOSITORY.removeprefix("https://github.com/") in url for url in (course.colab_url(path), course.kaggle_url(path), course.binder_url(path)))


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
        "consolidation": (new_digit.SLEEP_KEYS, new_digit.SLEEP_VALUES, tuple(new_digit.SLEEP_VALUES)),
        "speed_training": (speed.TRAINING_KEYS, speed.TRAINING_VALUES, ("test_accuracy",)),
        "speed_recall": (speed.RECALL_KEYS, speed.RECALL_VALUES, ()),
        "gate": (speed.GATE_KEYS, speed.GATE_VALUES, speed.GATE_PERCENT),
    }
    readme = (ROOT / "README.md").read_text()
    for name, (keys, values, percent) in layouts.items():
        record = json.loads((ROOT / "docs" / "experiments" / f"{name}.json").read_text())
        assert record["setting_name"] == "full" and len(record["setting"]["seeds"]) >= 3
        table = markdown_table(record["summary"], keys, values, percent)
        assert table in (ROOT / "docs" / "experiments" / f"{name}.md").read_text(), f"docs/experiments/{name}.md is not its record's table"
        assert table in readme, f"the README does not show the current docs/experiments/{name}.md table"
        assert f"(docs/experiments/{name}.png)" in readme and (ROOT / "docs" / "experiments" / f"{name}.png").exists()


def test_readme_experiment_prose_quotes_only_recorded_percentages():
    """Every percentage with decimals in the README's Experiments section is a value of some experiment's record."""
    import json

    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Experiments\n", 1)[1].split("\n## ", 1)[0]
    prose = "\n".join(line for line in section.splitlines() if not line.startswith(("|", "_")))
    recorded = set()
    for path in (ROOT / "docs" / "experiments").glob("*.json"):
        record = json.loads(path.read_text())
        for line in record["summary"] + record["rows"]:
            for value in line.values():
                if isinstance(value, float):
                    recorded |= {f"{100 * value:.{decimals}f}" for decimals in (1, 2)}
    quoted = re.findall(r"(\d+\.\d+) %", prose)
    assert quoted, "the Experiments section quotes no percentage"
    unrecorded = sorted(set(quoted) - recorded)
    assert not unrecorded, f"the README's Experiments section quotes {unrecorded} %, which no docs/experiments/*.json holds"


def test_readme_shows_the_current_grading_benchmark():
    """docs/benchmarks/grading_scale.json is what benchmarks/grading_scale.py measured; the README shows its table."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("grading_scale", ROOT / "benchmarks" / "grading_scale.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    record = json.loads((ROOT / "docs" / "benchmarks" / "grading_scale.json").read_text())
    assert record["class"]["submissions"] >= 200 and record["whole_class"]["submissions"] == record["class"]["submissions"]
    assert set(record["scaling"]) == {"1", "2", "4"}
    table = benchmark.summary_markdown(record)
    assert (ROOT / "docs" / "benchmarks" / "grading_scale.md").read_text() == table
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"<!-- grading_scale -->\n(.*?)<!-- /grading_scale -->", readme, re.S)
    assert shown and shown.group(1) == table, "the README does not show docs/benchmarks/grading_scale.md: run the benchmark's --render and paste it"


def test_readme_says_in_how_many_seeds_the_gate_beats_both_sources():
    """The Gate section's count of seeds in which the mixture beats the better source is gate_per_seed.csv's."""
    import csv

    with open(ROOT / "docs" / "experiments" / "gate_per_seed.csv") as table:
        rows = [row for row in csv.DictReader(table) if row["measure"] == "all"]
    wins = sum(float(row["mixture"]) > max(float(row["cortex"]), float(row["memory"])) for row in rows)
    numbers = ["no", "one", "two", "three"]
    said = {len(rows): "in every seed", 0: "in no seed"}.get(wins, f"in {numbers[wins]} seed{'s' * (wins > 1)} of {numbers[len(rows)]}")
    gate_section = " ".join((ROOT / "README.md").read_text().split("### The gate")[1].split("## ")[0].split())
    assert f"the mixture is more accurate than the better of its two sources {said}" in gate_section


def test_readme_quotes_the_kernel_the_recorded_run_fitted():
    """The Gate section's kernel is the one memory fitted in docs/records/train.json's run."""
    import json

    kernel = json.loads((ROOT / "docs" / "records" / "train.json").read_text())["memory_kernel"]
    flowing = " ".join((ROOT / "README.md").read_text().split())
    said = f"it chose w1 = {kernel['width_of_one']:.2g}, shrink {kernel['shrink']:.2g} and power {kernel['normaliser']:.0f}"
    assert said in flowing, f"the README should say: {said}"


def test_readme_results_are_the_recorded_default_run():
    """docs/records/train.json is `make record`'s run of the default brain; the README quotes its numbers."""
    import json

    from neurokit.config import BrainConfig
    from neurokit.run import headline

    record = json.loads((ROOT / "docs" / "records" / "train.json").read_text())
    assert record["config"] == BrainConfig().to_dict(), "the recorded run is not the default `make train`: run `make record`"
    assert record["data"] == {"train_images": 60000, "test_images": 10000}
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"<!-- train -->(.*?)<!-- /train -->", readme, re.S)
    assert shown and " ".join(shown.group(1).split()) == headline(record), "the README's Results are not docs/records/train.json's"
    gate, disagreements, accuracy = record["gate"], record["disagreements"], record["test_accuracy"]
    flowing = " ".join(readme.split())
    if "keep an even trust (g = 0.5) on digits they know" in flowing:  # what the text says of this run's gate
        assert abs(gate["mean_where_sources_agree"] - 0.5) < 0.01
    if 'right more often than "always the cortex" and "always memory"' in flowing:
        assert disagreements["mixture"] > max(disagreements["cortex"], disagreements["memory"])
        assert accuracy["mixture"] > max(accuracy["cortex"], accuracy["memory"])
    if 'right as often as "always the cortex" and more often than "always memory"' in flowing:
        assert disagreements["cortex"] == disagreements["mixture"] > disagreements["memory"]
    if "the mixture ties with the cortex on all test images" in flowing:
        assert accuracy["mixture"] == accuracy["cortex"]
    assert 'right more often than "always the cortex"' in flowing or 'right as often as "always the cortex"' in flowing, (
        "the Results say nothing checked of how the gate's choices compare with each source's")
    cores, threads, torch_version = record["machine"]["cores"], record["threads"], record["versions"]["torch"].split("+")[0]
    threads_in_words = "1 thread" if threads == 1 else f"{threads} threads"
    assert f"{cores}-core" in flowing and threads_in_words in flowing and f"PyTorch {torch_version}," in flowing


def test_make_lab_turns_off_only_real_nbgrader_panels_that_need_a_course_server():
    import json
    import os
    import subprocess
    import sys

    student_lab = ROOT / "student_lab"
    disabled = json.loads((student_lab / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    nbgrader_js = "".join(path.read_text(errors="ignore") for path in (Path(sys.prefix) / "share/jupyter/labextensions/@jupyter/nbgrader/static").glob("*.js"))
    assert all(f'"{plugin}"' in nbgrader_js for plugin in disabled), "a disabled plugin id that nbgrader does not have"
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    listing = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension", "list"], capture_output=True, text=True,
                             env=dict(os.environ, JUPYTER_CONFIG_PATH=str(student_lab)))
    shown = listing.stdout + listing.stderr
    assert "Disabled extensions:" in shown
    assert all(plugin in shown.split("Disabled extensions:")[1] for plugin in disabled), shown
    assert "make lab" in (ROOT / "README.md").read_text() and "student_lab" in (ROOT / "Makefile").read_text()
