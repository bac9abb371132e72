"""The two learning stages, the run folder, checkpoints and the command line, on a small subset."""

import json
import subprocess
import sys

import pytest
import torch

from neurokit import Brain, BrainConfig, CheckpointError
from neurokit.checkpoint import load_checkpoint, save_checkpoint
from neurokit.cli import main
from neurokit.data import load_mnist
from neurokit.run import FIGURES, run
from neurokit.training import evaluation_mode, outside_sample, split_for_gate, train_supervised

SMALL = dict(memory_capacity=2000, pretrain_epochs=1, train_epochs=1, threads=2)


def small_run(run_dir, mnist_dir, seed=0):
    return run(BrainConfig(seed=seed, **SMALL), run_dir, mnist_dir, progress=False, train_size=2000, test_size=500)


@pytest.fixture(scope="module")
def small_run_dir(tmp_path_factory, mnist_dir):
    run_dir = tmp_path_factory.mktemp("run")
    small_run(run_dir, mnist_dir)
    return run_dir


def test_run_folder_holds_metrics_figures_and_checkpoint(small_run_dir):
    metrics = json.loads((small_run_dir / "metrics.json").read_text())
    for source in ("mixture", "cortex", "memory"):
        assert 0.5 < metrics["test_accuracy"][source] <= 1.0  # 2,000 images, one epoch: well above chance
    assert 0.0 < metrics["gate"]["mean"] < 1.0
    assert set(metrics["per_class_accuracy"]) == {str(d) for d in range(10)}
    assert {"pretrain", "train", "evaluate"} <= set(metrics["timings_s"])
    assert metrics["config"]["train_epochs"] == 1 and metrics["seed"] == 0
    assert {"torch", "torchvision", "python", "neurokit"} <= set(metrics["versions"])
    assert set(metrics["memory_kernel"]) == {"width_of_one", "shrink", "normaliser"} and metrics["memory_kernel"]["width_of_one"] > 0
    for name, file in FIGURES.items():
        assert metrics["figures"][name] == file and (small_run_dir / file).stat().st_size > 10_000


def test_same_seed_gives_identical_metrics(tmp_path, small_run_dir, mnist_dir):
    again = small_run(tmp_path, mnist_dir)
    first = json.loads((small_run_dir / "metrics.json").read_text())
    for key in ("timings_s", "command"):
        first.pop(key), again.pop(key)
    assert json.loads(json.dumps(again)) == first


def test_evaluate_reloads_the_checkpoint(small_run_dir, mnist_dir, capsys):
    assert main(["evaluate", str(small_run_dir), "--data-dir", str(mnist_dir), "--test-size", "500"]) == 0
    reloaded = json.loads(capsys.readouterr().out)
    saved = json.loads((small_run_dir / "metrics.json").read_text())
    assert reloaded["test_accuracy"] == saved["test_accuracy"]


def test_memory_holds_the_final_encoder_and_gate_examples_are_held_out(mnist_dir):
    config = BrainConfig(**SMALL)
    images, labels = load_mnist(True, mnist_dir, download=False)
    images, labels = images[:1000], labels[:1000]
    train_index, gate_index = split_for_gate(len(images), config)
    assert len(gate_index) == 80 and not set(train_index.tolist()) & set(gate_index.tolist())
    assert sorted(train_index.tolist() + gate_index.tolist()) == list(range(1000))
    brain = Brain(config)
    train_supervised(brain, images, labels, progress=False)
    assert brain.training  # evaluation inside training switched the mode back
    with evaluation_mode(brain):
        embedding, _ = brain.encode(images[:50].contiguous(memory_format=torch.channels_last))
    assert torch.allclose(brain.hippocampus.keys[:50], embedding, atol=1e-5)
    assert torch.equal(brain.hippocampus.labels[:1000], labels)


def test_a_training_step_recalls_from_a_fresh_sample_of_stored_memories():
    brain = Brain(BrainConfig(memory_capacity=100, memory_k=4, embedding_dim=8))
    memory = brain.hippocampus
    memory.write(torch.randn(60, 8), torch.arange(60) % 10)
    generator = torch.Generator().manual_seed(0)
    hidden = outside_sample(memory, 20, generator)
    assert hidden.shape == (100,) and int((~hidden).sum()) == 20 and bool((memory.labels[~hidden] >= 0).all())
    again = outside_sample(memory, 20, generator)
    assert not torch.equal(hidden, again)  # drawn afresh at every step
    assert outside_sample(memory, 0, generator) is None and outside_sample(memory, 60, generator) is None
    recall = memory.recall(torch.randn(5, 8), hidden=hidden)
    assert not hidden[recall.slots].any()  # only the sample is recalled


def test_training_with_a_memory_sample_still_fills_all_of_memory(mnist_dir):
    config = BrainConfig(**dict(SMALL, memory_train_sample=64, gate_epochs=2))
    images, labels = load_mnist(True, mnist_dir, download=False)
    brain = Brain(config)
    losses = train_supervised(brain, images[:400], labels[:400], progress=False)
    assert len(losses) == 3 and all(loss == loss for loss in losses)  # 368 training images, batch 128: 3 steps, no NaN
    assert brain.hippocampus.size == 400
    recall = brain.hippocampus.recall(brain.hippocampus.keys[:5])
    assert recall.slots.max() < 400 and recall.log_probs.shape == (5, 10)


def test_checkpoint_round_trip_and_unreadable_files(tmp_path):
    brain = Brain(BrainConfig(memory_capacity=100))
    brain.hippocampus.write(torch.randn(30, 128), torch.arange(30) % 10)
    path = tmp_path / "brain.pt"
    save_checkpoint(brain, path)
    loaded = load_checkpoint(path)
    assert loaded.config == brain.config and torch.equal(loaded.hippocampus.keys, brain.hippocampus.keys)
    assert [p.name for p in tmp_path.iterdir()] == ["brain.pt"]  # no temporary file left
    with pytest.raises(CheckpointError, match="No checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(truncated)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a neurokit brain checkpoint"):
        load_checkpoint(other)


def test_cli_reports_a_bad_checkpoint_without_a_traceback(tmp_path):
    junk = tmp_path / "brain.pt"
    junk.write_bytes(b"not a checkpoint at all")
    result = subprocess.run([sys.executable, "-m", "neurokit", "evaluate", str(junk)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "is not a readable checkpoint" in result.stderr
