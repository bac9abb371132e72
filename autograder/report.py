"""Report: grades as CSV, and a per-exercise summary (pass rate, mean points) with a plot."""

import csv
import json
from pathlib import Path

from matplotlib.figure import Figure
from nbgrader.api import Gradebook, MissingEntry

from .lessons import nbgrader


def exercise_summary(course_dir: Path) -> list[dict]:
    """One row per graded test cell: how many students passed it and their mean points."""
    rows = []
    with Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}") as gradebook:
        students = [student.id for student in gradebook.students]
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            for notebook in assignment.notebooks:
                for cell in sorted(notebook.grade_cells, key=lambda c: c.name):
                    scores = []
                    for student in students:
                        try:
                            grade = gradebook.find_grade(cell.name, notebook.name, assignment.name, student)
                        except MissingEntry:
                            continue
                        scores.append(grade.score)
                    if not scores:
                        continue
                    rows.append({
                        "lesson": assignment.name,
                        "exercise": cell.name,
                        "max_points": cell.max_score,
                        "submissions": len(scores),
                        "pass_rate": sum(score == cell.max_score for score in scores) / len(scores),
                        "mean_points": sum(scores) / len(scores),
                    })
    return rows


def summary_figure(rows: list[dict]) -> Figure:
    labels = [f"{row['lesson'][:2]} {row['exercise']}" for row in rows]
    figure = Figure(figsize=(8, 0.35 * len(rows) + 1.5), layout="constrained")
    axis = figure.subplots()
    axis.barh(range(len(rows)), [row["pass_rate"] for row in rows], color="tab:blue")
    axis.set(yticks=range(len(rows)), yticklabels=labels, xlim=(0, 1), xlabel="share of submissions with full points", title="Which exercises did students miss?")
    axis.invert_yaxis()
    return figure


def report(course_dir: Path) -> list[Path]:
    """Write reports/grades.csv, exercise_summary.csv, exercise_summary.png and grading_notes.csv."""
    reports = Path(course_dir) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    grades = reports / "grades.csv"
    nbgrader("export", f"--CsvExportPlugin.to={grades}", course_dir=Path(course_dir))
    rows = exercise_summary(course_dir)
    summary = reports / "exercise_summary.csv"
    with open(summary, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["lesson", "exercise", "max_points", "submissions", "pass_rate", "mean_points"])
        writer.writeheader()
        writer.writerows(rows)
    plot = reports / "exercise_summary.png"
    summary_figure(rows).savefig(plot, dpi=110)
    notes_csv = reports / "grading_notes.csv"
    notes_json = reports / "grading_notes.json"
    saved = json.loads(notes_json.read_text()) if notes_json.exists() else {}
    isolation = saved.pop("isolation", None)
    with open(notes_csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "lesson", "note"])
        if isolation and not isolation.get("isolated"):
            writer.writerow(["", "", isolation.get("description", "NOT ISOLATED")])
        for record in saved.values():
            for note in record["notes"]:
                writer.writerow([record["student"], record["lesson"], note])
    return [grades, summary, plot, notes_csv]
