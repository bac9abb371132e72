"""The grader's parts, one at a time: the wire format, reading and planning submissions, held-back references, the sandbox."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
import torch

from autograder import hidden_tests, isolation, lessons, prepare
from autograder.redact import redact_source, redacted_copy
from autograder.sandboxed import wire

RETINA = "01_retina"


def released(name=RETINA):
    return (nbformat.read(lessons.SOLUTIONS / f"{name}.ipynb", as_version=4), nbformat.read(lessons.LESSONS / f"{name}.ipynb", as_version=4))


def test_wire_round_trips_plain_data_and_refuses_the_rest():
    value = {"x": torch.arange(6.0).view(2, 3), "n": 3, "f": 0.25, "ok": True, "none": None, "s": "text",
             "pair": (torch.tensor([1, 2]), [1.5, torch.zeros(0)])}
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert torch.equal(back["x"], value["x"]) and back["n"] == 3 and back["f"] == 0.25 and back["ok"] is True
    assert back["none"] is None and back["s"] == "text" and isinstance(back["pair"], tuple) and torch.equal(back["pair"][0], torch.tensor([1, 2]))
    assert isinstance(back["f"], float) and isinstance(back["n"], int)
    assert wire.decode(wire.encode(torch.ones(2, requires_grad=True))).requires_grad
    assert wire.decode(wire.encode(object())) == wire.Opaque("object")
    for bad in [{"pickle": "gASV"}, {"tensor": "not base64!"}, {"int": 3}, [], {"dict": [[{"list": []}, {"none": True}]]}]:
        with pytest.raises(wire.WireError):
            wire.decode(bad)
    import base64, io, numpy

    buffer = io.BytesIO()
    numpy.save(buffer, numpy.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.decode({"tensor": base64.b64encode(buffer.getvalue()).decode()})


def test_submissions_that_are_no_plain_notebook_files_are_read_as_blank_with_a_note(tmp_path):
    (tmp_path / "fifo.ipynb").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "fifo.ipynb")
    os.symlink(lessons.SOLUTIONS / f"{RETINA}.ipynb", tmp_path / "link.ipynb")
    (tmp_path / "big.ipynb").write_bytes(b" " * (prepare.MAX_BYTES + 1))
    (tmp_path / "bad.ipynb").write_text("{")
    (tmp_path / "nocells.ipynb").write_text('{"cells": 3}')
    for name, reason in [("fifo", "not a regular file"), ("link", "could not be opened"), ("big", "byte limit"), ("bad", "not JSON"), ("nocells", "no list of cells")]:
        submission = prepare.read_submission(tmp_path / f"{name}.ipynb")
        assert not submission.readable and reason in submission.notes[0], name


def test_malformed_cells_are_left_out_and_null_metadata_is_harmless(tmp_path):
    notebook = {"cells": [{"cell_type": "code", "source": ["x = ", "1"], "metadata": {"nbgrader": None}},
                          {"cell_type": "code", "source": 5}, "junk", {"cell_type": "weird", "source": ""},
                          {"cell_type": "markdown", "source": "hi", "metadata": None}]}
    (tmp_path / "odd.ipynb").write_text(json.dumps(notebook))
    submission = prepare.read_submission(tmp_path / "odd.ipynb")
    assert [cell.source for cell in submission.cells] == ["x = 1", "hi"]
    assert submission.notes == ["3 cell(s) could not be read and were left out"]


def plan_of(notebook, name=RETINA, context=("setup", "imports")):
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"plan-{os.getpid()}.ipynb"
    nbformat.write(notebook, path)
    try:
        source, release = released(name)
        return prepare.plan(prepare.read_submission(path), source, release, context)
    finally:
        path.unlink()


def test_plan_runs_the_students_code_and_the_setup_but_no_tests_stubs_or_figures():
    source, release = released()
    notebook = nbformat.from_dict(release)
    by_id = {cell.id: cell for cell in notebook.cells}
    by_id["dog-exercise"].source = "def difference_of_gaussians(*args):\n    return 1\n"
    by_id["setup"].source = "import os\nos.system('echo edited setup')\n"
    plan = plan_of(notebook)
    originals = {cell.id: cell.source for cell in source.cells}
    assert plan.code == [originals["setup"], originals["imports"], "def difference_of_gaussians(*args):\n    return 1\n"]
    assert plan.answers == {"dog-exercise": "def difference_of_gaussians(*args):\n    return 1\n"}


def test_plan_keeps_a_solved_copy_and_a_moved_definition_over_untouched_stubs():
    source, release = released()
    stub = next(cell for cell in release.cells if cell.id == "dog-exercise")
    notebook = nbformat.from_dict(release)
    index = next(i for i, cell in enumerate(notebook.cells) if cell.id == "dog-exercise")
    solved = nbformat.from_dict(stub)
    solved.source = "def difference_of_gaussians(*args):\n    return 2\n"
    notebook.cells.insert(index, solved)  # the solved copy first; the untouched stub after it
    moved = nbformat.v4.new_code_cell("def filter_images(images, kernels):\n    return images\n")
    notebook.cells.append(moved)
    plan = plan_of(notebook)
    assert plan.code[-2:] == [solved.source, moved.source]
    assert plan.answers == {"dog-exercise": solved.source}
    assert [cell.source for _, cell in plan.extra] == [moved.source]


def test_deleted_setup_cells_run_all_the_same():
    _, release = released()
    notebook = nbformat.from_dict(release)
    notebook.cells = [cell for cell in notebook.cells if cell.id not in ("setup", "imports")]
    plan = plan_of(notebook)
    assert len(plan.code) == 2 and "cell setup was missing; the instructor's version ran" in plan.notes


def test_scored_notebook_is_the_release_with_the_students_answers_and_the_verdicts():
    _, release = released()
    notebook = nbformat.from_dict(release)
    for cell in notebook.cells:
        if cell.id == "dog-exercise":
            cell.source = "def difference_of_gaussians(*a):\n    return 0\n"
            cell.metadata["nbgrader"]["points"] = 99
    plan = plan_of(notebook)
    scored = prepare.scored_notebook(release, plan, {"dog-tests": (False, "wrong " * 2000), "filter-tests": (True, "Passed")})
    cells = {cell.id: cell for cell in scored.cells}
    assert cells["dog-exercise"].source.endswith("return 0\n")
    assert cells["dog-exercise"].metadata == next(c for c in release.cells if c.id == "dog-exercise").metadata
    assert cells["dog-tests"].outputs[0].output_type == "error" and len(cells["dog-tests"].outputs[0].evalue) < prepare.MAX_MESSAGE + 10
    assert cells["filter-tests"].outputs[0].output_type == "stream"
    assert cells["response-tests"].outputs[0].output_type == "error", "a test without a verdict must not earn its points"
    assert cells["response-tests"].outputs[0].evalue.startswith("Not graded")
    assert all(cell.outputs == [] for cell in scored.cells if cell.cell_type == "code" and not cell.id.endswith("-tests"))


def test_markdown_a_student_wrote_reaches_the_grader_as_text_not_html():
    """Formgrader and the feedback pages render markdown with raw HTML: a student's must not run script there."""
    source, release = released()
    notebook = nbformat.from_dict(release)
    attack = '<script>fetch("/api/contents")</script> **bold** <img src=x onerror=alert(1)>'
    notebook.cells.append(nbformat.v4.new_markdown_cell(attack))
    open_answers = [cell.id for cell in notebook.cells if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")]
    for cell in notebook.cells:
        if cell.id in open_answers:
            cell.source = attack
    scored = prepare.scored_notebook(release, plan_of(notebook), {})
    written = [cell.source for cell in scored.cells if cell.cell_type == "markdown" and "**bold**" in cell.source]
    assert len(written) == 1 + len(open_answers)
    assert all("<" not in text and "&lt;script>" in text and "&lt;img" in text for text in written)


def grader_with_a_flaky_step(course_dir: Path, failures: int) -> "Autograder":
    """An Autograder whose grading step raises `failures` times (a busy machine), then grades everything right."""
    from autograder.grading import Autograder

    grader = object.__new__(Autograder)
    grader.course_dir, grader.force, grader.log = course_dir, False, lambda message: None
    grader.lessons = {RETINA: {"release": released()[1], "version": "v1"}}
    calls = []

    def step(record):
        calls.append(record.lesson)
        if len(calls) <= failures:
            raise OSError("Resource temporarily unavailable")
        record.scores = {"dog-tests": True}

    grader._grade_one = step
    return grader


def test_a_grading_step_that_fails_once_is_tried_again_and_one_that_keeps_failing_earns_nothing(tmp_path):
    record = grader_with_a_flaky_step(tmp_path, failures=1).grade_one("ada", RETINA)
    assert record.scores == {"dog-tests": True} and record.notes == []
    record = grader_with_a_flaky_step(tmp_path, failures=2).grade_one("ada", RETINA)
    assert record.scores == {} and "grading failed (OSError: Resource temporarily unavailable)" in record.notes[0]
    executed = nbformat.read(tmp_path / "executed" / "ada" / RETINA / f"{RETINA}.ipynb", as_version=4)
    tests = [cell for cell in executed.cells
             if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("grade")]
    assert tests and all(cell.outputs[0].output_type == "error" for cell in tests), "a failed grading must earn no points"
    assert executed.metadata["autograder"]["submission"] == "", "a failed grading is graded again on the next run"


def test_the_reference_is_held_back_and_everything_else_stays(tmp_path):
    redacted_copy(tmp_path, {"neurokit.retina": ["difference_of_gaussians", "Retina"]}, RETINA)
    text = (tmp_path / "neurokit" / "retina.py").read_text()
    assert "exp(" not in text and "ReferenceUnavailable" in text
    assert (tmp_path / "neurokit" / "thalamus.py").read_text() == (lessons.REPOSITORY_ROOT / "neurokit" / "thalamus.py").read_text()
    assert (tmp_path / "sandboxed" / "runner.py").exists() and not (tmp_path / "hidden_tests").exists()
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import neurokit; neurokit.Retina(4, 5)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert "neurokit.retina.Retina is held back while lesson 01_retina is graded" in result.stderr
    with pytest.raises(ValueError, match="no top-level nothing_here"):
        redact_source("x = 1\n", "neurokit.retina", ["nothing_here"], RETINA)
    with pytest.raises(ValueError, match="no such neurokit module"):
        redacted_copy(tmp_path / "other", {"neurokit.nowhere": ["x"]}, RETINA)


SANDBOX_PROBE = r"""
import os, socket, sys
seen = sorted(p for p in os.listdir("/proc") if p.isdigit())
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    network = "connected"
except OSError as error:
    network = type(error).__name__
readable = [path for path in sys.argv[1:] if os.path.exists(path)]
open("/tmp/mine", "w").write("x")
print(os.getuid(), len(seen), network, readable, os.listdir(os.environ["HOME"]), sep="|")
"""


def sandboxed(tmp_path, isolation_, python, secret_paths, as_user=None):
    lib, data, work = (tmp_path / name for name in ("lib", "data", "work"))
    for folder in (lib / "neurokit", data, work):
        folder.mkdir(parents=True)
    for folder in (tmp_path, lib, lib / "neurokit", data, work):
        folder.chmod(0o777 if folder == work else 0o755)
    command = isolation_.command([python, "-c", SANDBOX_PROBE, *map(str, secret_paths)], lib, data, work,
                                 isolation.environment(isolation.LIB, isolation.DATA, isolation.WORK, 1))
    if as_user:
        command = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


@pytest.mark.skipif(not isolation.detect().isolated, reason="no sandbox on this machine")
def test_the_sandbox_sees_only_its_own_folder_and_no_network(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("secret")
    secrets = [course / "gradebook.db", lessons.SOLUTIONS / f"{RETINA}.ipynb", lessons.REPOSITORY_ROOT / "autograder" / "hidden_tests", Path.home() / ".cache"]
    uid, processes, network, readable, home = sandboxed(tmp_path, isolation.detect(), sys.executable, secrets)
    assert uid == str(isolation.SANDBOX_UID)
    assert int(processes) <= 3 and network in ("ConnectionRefusedError", "OSError", "PermissionError") and network != "connected"
    assert readable == "[]"
    assert not (Path("/tmp") / "mine").exists() or (Path("/tmp") / "mine").read_text() != "x"


@pytest.mark.skipif(os.geteuid() != 0 or not isolation.find_bwrap(), reason="needs root to become another user, and bubblewrap")
def test_without_root_the_sandbox_is_an_unprivileged_user_namespace(monkeypatch):
    """As the user nobody (no root, no capabilities), with the system's Python: the same walls."""
    monkeypatch.setattr(isolation, "python_dirs", lambda: [])  # this machine's course Python lies under /root, which nobody cannot read
    tmp_path = Path(tempfile.mkdtemp())
    tmp_path.chmod(0o755)
    unprivileged = isolation.Isolation(isolation.find_bwrap(), as_root=False)
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    secret.chmod(0o644)
    try:
        uid, processes, network, readable, home = sandboxed(tmp_path / "box", unprivileged, "/usr/bin/python3", [secret], as_user=isolation.SANDBOX_UID)
    finally:
        shutil.rmtree(tmp_path)
    assert uid == str(isolation.SANDBOX_UID) and int(processes) <= 3 and network != "connected" and readable == "[]"


def test_isolation_says_what_it_is():
    missing = isolation.unisolated("bubblewrap (bwrap) is not installed")
    assert missing.describe().startswith("NOT ISOLATED") and missing.command(["x"], Path("a"), Path("b"), Path("c"), {}) == ["x"]
    assert "no network" in isolation.Isolation("/usr/bin/bwrap", True).describe()


@pytest.mark.parametrize("name", lessons.lesson_names())
def test_every_lesson_has_hidden_tests_for_each_graded_cell_in_order(name, tmp_path):
    tests = hidden_tests.load(name)
    source, _ = released(name)
    order = [cell.id for cell in source.cells]
    graded = [cell.id for cell in source.cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    assert [check.grade_id for check in tests.checks] == graded, "one check per autograded test cell (open answers are graded by hand)"
    exercises = {cell.id for cell in source.cells if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for check in tests.checks:
        for exercise in check.stand_in:
            assert exercise in exercises and order.index(exercise) < order.index(check.grade_id), f"{check.grade_id} stands in {exercise}"
    plain = {cell.id for cell in source.cells if cell.cell_type == "code" and not cell.get("metadata", {}).get("nbgrader", {}).get("grade")
             and not cell.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert set(tests.context) <= plain, "context names instructor code cells"
    redacted_copy(tmp_path, tests.redact, name)
    assert (Path(__file__).parent / "submissions" / name / "samples.py").exists()
