"""The main job on all of MNIST with the default schedule: what the course promises its instructors.

Training the default brain takes minutes on a 2-core CPU (the record's timings_s), a large share
of the suite's budget, so the suite checks the committed record of that run instead: docs/records/train.json,
written by `make record` (the default `neurokit train`). The record carries a fingerprint of the
neurokit modules that train and evaluate the brain; when they change, these tests fail until the
record is made again, so a promise cannot outlive the code it was measured on. tests/test_training.py
trains small brains end to end in every run of the suite.
"""

import json
from pathlib import Path

import pytest

from neurokit.config import BrainConfig
from neurokit.run import code_fingerprint

RECORD = Path(__file__).resolve().parents[1] / "docs" / "records" / "train.json"


@pytest.fixture(scope="module")
def metrics():
    record = json.loads(RECORD.read_text())
    assert record.get("code") == code_fingerprint(), (
        "docs/records/train.json was made by other neurokit code than this: run `make record` and commit docs/records/ and docs/figures/")
    return record


def test_the_record_is_the_default_make_train(metrics):
    assert metrics["config"] == BrainConfig().to_dict(), "the recorded run is not the default `make train`: run `make record`"
    assert metrics["command"].split()[1:3] == ["train", "--out"]
    assert metrics["data"] == {"train_images": 60000, "test_images": 10000}


def test_default_schedule_reaches_99_3_percent(metrics):
    assert metrics["config"]["pretrain_epochs"] == 1 and metrics["config"]["train_epochs"] == 2
    assert metrics["test_accuracy"]["mixture"] >= 0.993


def test_memory_and_gate_earn_their_place(metrics):
    """What the README says of this run: the mixture is at least as accurate as either source, its choices where the
    two disagree are right at least as often as either's, and an oracle shows the gap."""
    accuracy, disagreements = metrics["test_accuracy"], metrics["disagreements"]
    assert accuracy["mixture"] >= max(accuracy["cortex"], accuracy["memory"])
    assert disagreements["mixture"] >= max(disagreements["cortex"], disagreements["memory"])
    assert metrics["oracle_accuracy"] > accuracy["mixture"]
    assert abs(metrics["gate"]["mean_where_sources_agree"] - metrics["config"]["gate_familiar_trust"]) < 0.05  # an even trust on familiar digits


def test_over_three_seeds_the_mixture_beats_each_source_on_average():
    """The speed experiment's default brains (docs/experiments/gate.csv): on average over the seeds the mixture is more
    accurate than either source, on all test images and where the two disagree."""
    import csv

    with open(RECORD.parents[1] / "experiments" / "gate.csv") as table:
        rows = list(csv.DictReader(table))
    assert len(rows) == 2 and all(int(row["seeds"]) == 3 for row in rows)
    for row in rows:
        assert float(row["mixture_mean"]) > max(float(row["cortex_mean"]), float(row["memory_mean"])), row["measure"]


def test_in_every_seed_the_mixture_beats_the_better_source():
    """Seed by seed (docs/experiments/gate_per_seed.csv): the mixture is more accurate than the better of cortex and
    memory on all test images, and its choices where the two disagree are right more often than either's."""
    import csv

    with open(RECORD.parents[1] / "experiments" / "gate_per_seed.csv") as table:
        rows = list(csv.DictReader(table))
    assert len({row["seed"] for row in rows}) >= 3
    for row in rows:
        assert float(row["mixture"]) > max(float(row["cortex"]), float(row["memory"])), (row["seed"], row["measure"])
