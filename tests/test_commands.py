"""Every command refuses bad input with one clear line, exit status 2, and nothing changed on disk."""

import hashlib
import re
import shutil
from dataclasses import fields
from pathlib import Path

import pytest
import torch

from autograder import lessons
from autograder.cli import main as autograder_main
from neurokit import Brain, BrainConfig, ConfigError
from neurokit.checkpoint import save_checkpoint
from neurokit.cli import main as neurokit_main
from neurokit.config import ALLOWED

RETINA = "01_retina"


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root with a digest of its content (folders as such)."""
    return {str(path.relative_to(root)): "folder" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*"))}


def run_command(main, argv: list[str], capsys) -> tuple[int, str]:
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse refuses a malformed option itself
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out + captured.err


# --- BrainConfig ---------------------------------------------------------------------------------

def test_every_config_field_has_a_rule_and_the_defaults_pass():
    assert set(ALLOWED) == {f.name for f in fields(BrainConfig)}
    assert BrainConfig() == BrainConfig.from_dict(BrainConfig().to_dict())


@pytest.mark.parametrize("values, expected", [
    ({"batch_size": 0}, r"batch_size = 0: must be a whole number of at least 2"),
    ({"batch_size": "8"}, r"batch_size = '8': must be a whole number"),
    ({"memory_k": -3}, r"memory_k = -3: must be a whole number of at least 1"),
    ({"memory_k": 16, "memory_capacity": 16}, r"memory_k = 16: must be smaller than memory_capacity = 16"),
    ({"memory_train_sample": 16}, r"memory_train_sample = 16: must be 0 \(all memories\) or larger than memory_k = 16"),
    ({"memory_train_sample": -1}, r"memory_train_sample = -1: must be a whole number of at least 0"),
    ({"gate_holdout": 1.0}, r"gate_holdout = 1.0: must be a number of at least 0 and below 1"),
    ({"gate_holdout": -0.1}, r"gate_holdout = -0.1"),
    ({"memory_temperature": 0.0}, r"memory_temperature = 0.0: must be a number above 0"),
    ({"train_lr": float("nan")}, r"train_lr = nan"),
    ({"pfc_dropout": float("inf")}, r"pfc_dropout = inf"),
    ({"retina_kernel_size": 4}, r"retina_kernel_size = 4: must be odd"),
    ({"retina_kernel_size": 29}, r"retina_kernel_size = 29: must be a whole number from 1 to 27"),
    ({"thalamus_reduction": 17}, r"thalamus_reduction = 17: must be at most retina_channels = 16"),
    ({"retina_dog_init": 1}, r"retina_dog_init = 1: must be True or False"),
    ({"v1_channels": True}, r"v1_channels = True: must be a whole number"),
    ({"v2_channels": 2.0}, r"v2_channels = 2.0: must be a whole number"),
    ({"threads": 0}, r"threads = 0: must be a whole number of at least 1, or None"),
    ({"seed": -1}, r"seed = -1: must be a whole number from 0 to 4294967295"),
    ({"num_classes": 1, "train_epochs": 0}, r"num_classes = 1.*train_epochs = 0"),  # every bad field at once
])
def test_config_refuses_a_bad_value_naming_field_value_and_range(values, expected):
    with pytest.raises(ConfigError, match=expected):
        BrainConfig(**values)


def test_config_takes_whole_numbers_for_real_fields_and_is_fixed_once_made():
    config = BrainConfig(memory_temperature=1, memory_capacity=10, memory_k=4, threads=2)
    assert config.memory_temperature == 1.0 and isinstance(config.memory_temperature, float)
    with pytest.raises(AttributeError):
        config.memory_k = -3  # a made config is not patched; make a new one with dataclasses.replace
    with pytest.raises(ConfigError, match="Unknown BrainConfig fields: memory_size"):
        BrainConfig.from_dict({"memory_size": 3})
    with pytest.raises(ConfigError, match="must be a dict"):
        BrainConfig.from_dict(["memory_k", 3])


# --- the neurokit command ---------------------------------------------------------------------------

@pytest.fixture
def bad_checkpoint(tmp_path) -> Path:
    config = BrainConfig(retina_channels=4, v1_channels=4, v2_channels=4, v4_channels=4, embedding_dim=8, memory_capacity=10, memory_k=4)
    path = tmp_path / "saved" / "brain.pt"
    save_checkpoint(Brain(config), path)
    state = torch.load(path, weights_only=True)
    state["config"]["memory_k"] = -3
    torch.save(state, path)
    return path


NEUROKIT_CASES = {
    "batch size 0": (["train", "--batch-size", "0"], r"neurokit: error: BrainConfig cannot be made: batch_size = 0"),
    "negative k": (["train", "--memory-k", "-3"], r"memory_k = -3: must be a whole number of at least 1"),
    "k over the memory": (["train", "--memory-k", "70000"], r"must be smaller than memory_capacity = 60000"),
    "holdout over 1": (["train", "--gate-holdout", "1.5"], r"gate_holdout = 1.5"),
    "even kernel": (["train", "--retina-kernel-size", "4"], r"retina_kernel_size = 4: must be odd"),
    "no training images": (["train", "--train-size", "0"], r"--train-size: needs a whole number of at least 1"),
    "memory smaller than the data": (["train", "--memory-capacity", "100", "--train-size", "500"], r"100 slots but the training set has 500 images"),
    "too few images for k": (["train", "--train-size", "10"], r"9 training images are too few for memory_k = 16"),
    "no checkpoint": (["evaluate", "{tmp}/nothing"], r"No checkpoint at"),
    "checkpoint with a bad config": (["evaluate", "{checkpoint}"], r"holds a configuration this version of neurokit refuses: .*memory_k = -3"),
    "no seeds": (["experiment", "ablation", "--seeds", "0"], r"--seeds: needs a whole number of at least 1"),
}


@pytest.mark.parametrize("case", NEUROKIT_CASES)
def test_neurokit_refuses_bad_input(case, tmp_path, bad_checkpoint, mnist_dir, capsys, monkeypatch):
    argv, expected = NEUROKIT_CASES[case]
    argv = [part.format(tmp=tmp_path, checkpoint=bad_checkpoint) for part in argv]
    if argv[0] == "train":
        argv += ["--out", str(tmp_path / "run"), "--data-dir", str(mnist_dir), "--quiet"]
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    status, output = run_command(neurokit_main, argv, capsys)
    assert status == 2, output
    assert re.search(expected, output), output
    assert "Traceback" not in output
    assert snapshot(tmp_path) == before


# --- the instructor's commands ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def released_course(tmp_path_factory) -> Path:
    """A course folder with lesson 01 released and one student's submission of it, not yet graded."""
    course = tmp_path_factory.mktemp("released") / "course"
    lessons.release(course, lessons=course.parent / "lessons", names=[RETINA])
    submitted = course / "submitted" / "ada" / RETINA
    submitted.mkdir(parents=True)
    shutil.copyfile(course / "release" / RETINA / f"{RETINA}.ipynb", submitted / f"{RETINA}.ipynb")
    return course


@pytest.fixture
def place(tmp_path, released_course) -> Path:
    """A private folder with: empty/, inbox/ (one notebook), empty-inbox/, course/ (a copy of the released course)."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty-inbox").mkdir()
    (tmp_path / "inbox").mkdir()
    shutil.copyfile(released_course / "release" / RETINA / f"{RETINA}.ipynb", tmp_path / "inbox" / f"grace_{RETINA}.ipynb")
    shutil.copytree(released_course, tmp_path / "course")
    return tmp_path


def without_submissions(place):
    shutil.rmtree(place / "course" / "submitted")


def reports_is_a_file(place):
    (place / "course" / "reports").write_text("not a folder")


def graded(place):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{place / 'course' / 'gradebook.db'}") as gradebook:
        gradebook.add_student("ada")
        gradebook.add_submission(RETINA, "ada")


def graded_but_reports_is_a_file(place):
    graded(place)
    reports_is_a_file(place)


COURSE = "{place}/course"
AUTOGRADER_CASES = {
    # case: (arguments, exit status, what the output says, how to set up the place first)
    "report on an empty folder": (["--course-dir", "{place}/empty", "report"], 2, r"no gradebook in .*empty: check --course-dir", None),
    "report on a missing folder": (["--course-dir", "{place}/missing", "report"], 2, r"no gradebook in .*missing", None),
    "report with nothing graded": (["--course-dir", COURSE, "report"], 2, r"no submission was graded yet in .*autograde` first", None),
    "report into a file": (["--course-dir", COURSE, "report"], 2, r"cannot write into .*reports", graded_but_reports_is_a_file),
    "report with a weight that is no number": (["--course-dir", COURSE, "report", "--weight", "01_retina=heavy"], 2, r"--weight 01_retina=heavy: the weight must be a number", graded),
    "report with a due date that is no date": (["--course-dir", COURSE, "report", "--due", "01_retina=tomorrow"], 2, r"the date must be YYYY-MM-DDTHH:MM in UTC", graded),
    "report with a missing roster": (["--course-dir", COURSE, "report", "--roster", "{place}/nobody.csv"], 2, r"no roster at .*nobody.csv", graded),
    "autograde on a scheduler that does not answer": (["--course-dir", COURSE, "autograde", "--scheduler", "tcp://127.0.0.1:9"], 2,
                                                      r"no dask scheduler answered at tcp://127.0.0.1:9 .*dask scheduler", None),
    "autograde an empty folder": (["--course-dir", "{place}/empty", "autograde"], 2, r"no lesson was released in .*empty", None),
    "autograde an unknown lesson": (["--course-dir", COURSE, "autograde", "99_nolesson"], 2, r"no lesson named 99_nolesson; the lessons are 00_setup", None),
    "autograde a lesson not released": (["--course-dir", COURSE, "autograde", "02_thalamus"], 2, r"02_thalamus was never released .*release 02_thalamus` first", None),
    "autograde an unknown student": (["--course-dir", COURSE, "autograde", RETINA, "--student", "nobody"], 2, r"no submission of 01_retina from nobody.*students with submissions are ada", None),
    "autograde with no workers": (["--course-dir", COURSE, "autograde", "--workers", "0"], 2, r"--workers: needs a whole number of at least 1", None),
    "autograde with no time per cell": (["--course-dir", COURSE, "autograde", "--cell-timeout", "-5"], 2, r"--cell-timeout", None),
    "autograde into a file": (["--course-dir", COURSE, "autograde", "--allow-unisolated"], 2, r"cannot write into .*reports", reports_is_a_file),
    "autograde with nothing submitted": (["--course-dir", COURSE, "autograde", "--allow-unisolated"], 0, r"nothing to grade: no submission of any released lesson .*collect", without_submissions),
    "collect from a missing inbox": (["--course-dir", COURSE, "collect", "/nonexistent"], 2, r"no folder at /nonexistent", None),
    "collect with a broken pattern": (["--course-dir", COURSE, "collect", "{place}/inbox", "--student-pattern", "(unclosed"], 2, r"is no regular expression", None),
    "collect with a pattern without the student": (["--course-dir", COURSE, "collect", "{place}/inbox", "--student-pattern", "^(\\w+)_"], 2, r"needs a \(\?P<student>\.\.\.\) group", None),
    "collect with a pattern for a canvas export": (["--course-dir", COURSE, "collect", "{place}/inbox", "--from", "canvas", "--student-pattern", "(?P<student>\\w+)_"], 2,
                                                   r"--student-pattern applies to plain file names only", None),
    "collect with a missing roster": (["--course-dir", COURSE, "collect", "{place}/inbox", "--roster", "{place}/nobody.csv"], 2, r"no roster at .*nobody.csv", None),
    "collect from an unknown LMS": (["--course-dir", COURSE, "collect", "{place}/inbox", "--from", "d2l"], 2, r"argument --from: invalid choice: 'd2l'", None),
    "collect into an empty folder": (["--course-dir", "{place}/empty", "collect", "{place}/inbox"], 2, r"no lesson was released in .*empty", None),
    "collect from an empty inbox": (["--course-dir", COURSE, "collect", "{place}/empty-inbox"], 0, r"nothing to collect: .*empty-inbox holds no notebook", None),
    "similarity on an empty folder": (["--course-dir", "{place}/empty", "similarity"], 2, r"no lesson was released in .*empty", None),
    "similarity with a threshold over 1": (["--course-dir", COURSE, "similarity", "--threshold", "1.5"], 2, r"threshold", None),
    "similarity of a lesson not released": (["--course-dir", COURSE, "similarity", "02_thalamus"], 2, r"02_thalamus was never released", None),
    "feedback on an empty folder": (["--course-dir", "{place}/empty", "feedback"], 2, r"no gradebook in .*empty", None),
    "feedback before grading": (["--course-dir", COURSE, "feedback", RETINA], 2, r"nothing of 01_retina was graded yet.*autograde 01_retina` first", None),
    "feedback with nothing graded": (["--course-dir", COURSE, "feedback"], 0, r"no feedback to write: nothing was graded yet", None),
    "feedback for an unknown lesson": (["--course-dir", COURSE, "feedback", "07_pcf"], 2, r"no lesson named 07_pcf", None),
    "release an unknown lesson": (["--course-dir", COURSE, "release", "99_x"], 2, r"no lesson named 99_x", None),
    "release under a file": (["--course-dir", "{place}/inbox/grace_01_retina.ipynb/course", "release", RETINA], 2, r"cannot write into .*grace_01_retina.ipynb/course", None),
}


@pytest.mark.parametrize("case", AUTOGRADER_CASES)
def test_autograder_refuses_bad_input(case, place, capsys):
    argv, expected_status, expected, set_up = AUTOGRADER_CASES[case]
    if set_up:
        set_up(place)
    argv = [part.format(place=place) for part in argv]
    before, lessons_before = snapshot(place), snapshot(lessons.LESSONS)
    status, output = run_command(autograder_main, argv, capsys)
    assert status == expected_status, output
    assert re.search(expected, output), output
    assert "Traceback" not in output
    if expected_status == 2:
        assert len([line for line in output.splitlines() if line.startswith("autograder: error:") or "error:" in line]) == 1, output
    assert snapshot(place) == before
    assert snapshot(lessons.LESSONS) == lessons_before


def test_collect_reads_a_canvas_export_and_says_how_it_placed_each_file(place, capsys):
    inbox = place / "canvas"
    inbox.mkdir()
    for name in ("lovelaceada_123_456_01_retina.ipynb", "hopper_LATE_124_457_01_retina.ipynb", "hopper_LATE_124_458_01_retina-1.ipynb"):
        shutil.copyfile(place / "inbox" / f"grace_{RETINA}.ipynb", inbox / name)
    status, output = run_command(autograder_main, ["--course-dir", str(place / "course"), "collect", str(inbox)], capsys)
    assert status == 0, output
    assert output.startswith("format canvas: ")
    assert "placed lovelaceada_123_456_01_retina.ipynb -> submitted/lovelaceada_123/01_retina/ (name in file)" in output
    assert "placed hopper_LATE_124_458_01_retina-1.ipynb -> submitted/hopper_124/01_retina/ (name in file, marked late)" in output
    assert re.search(r"NOT PLACED hopper_LATE_124_457_01_retina.ipynb: .*replaced by a later submission", output), output
    assert "2 submissions placed, 1 problems" in output


def test_the_readme_quotes_the_real_message():
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    with pytest.raises(ConfigError) as refused:
        BrainConfig(memory_k=-3)
    assert f"`neurokit: error: {refused.value}`" in readme
