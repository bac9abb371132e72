"""The main job on all of MNIST with the default schedule: what the course promises its instructors."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def metrics(tmp_path_factory, mnist_dir):
    run_dir = tmp_path_factory.mktemp("full-run")
    command = [sys.executable, "-m", "neurokit", "train", "--out", str(run_dir), "--data-dir", str(mnist_dir), "--quiet", "--threads", "2"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((run_dir / "metrics.json").read_text())


def test_default_schedule_reaches_99_3_percent(metrics):
    assert metrics["config"]["pretrain_epochs"] == 1 and metrics["config"]["train_epochs"] == 2
    assert metrics["data"] == {"train_images": 60000, "test_images": 10000}
    assert metrics["test_accuracy"]["mixture"] >= 0.993


def test_memory_and_gate_earn_their_place(metrics):
    accuracy = metrics["test_accuracy"]
    assert accuracy["mixture"] >= accuracy["cortex"] and accuracy["mixture"] >= accuracy["memory"]
    assert 0.05 < metrics["gate"]["mean"] < 0.95
