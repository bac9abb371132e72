"""The main job: train the full brain on MNIST and write a run folder with metrics, figures and a checkpoint."""

import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import __version__, figures
from .brain import Brain
from .checkpoint import save_checkpoint
from .config import BrainConfig
from .data import load_mnist, to_pixels
from .errors import NeurokitError
from .training import check_training_set, evaluation_mode, pick_device, predict, pretrain, score, seed_everything, train_supervised

FIGURES = {
    "loss_curves": "loss_curves.png",
    "reconstructions": "reconstructions.png",
    "thalamic_gates": "thalamic_gates.png",
    "memory_trust": "memory_trust.png",
}


def versions() -> dict:
    import torchvision

    return {"python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__, "neurokit": __version__}


# Modules a run does not depend on: the lessons' setup and self-checks, the figures, the experiments.
NOT_IN_A_RUN = {"course.py", "checks.py", "figures.py"}


def code_fingerprint() -> str:
    """A hash of the neurokit modules that train and evaluate the brain: a record made by other code no longer matches."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name not in NOT_IN_A_RUN:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def machine() -> dict:
    """The machine a run was made on, for its record."""
    import os

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "") if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": model or platform.processor() or platform.machine(), "cores": os.cpu_count(), "system": platform.platform()}


def headline(metrics: dict) -> str:
    """The run's main numbers in one sentence: what `neurokit train` prints and the README shows."""
    accuracy, gate, disagreements = metrics["test_accuracy"], metrics["gate"], metrics["disagreements"]

    def percent(value, digits=2):
        return "n/a" if value is None else f"{100 * value:.{digits}f} %"

    def number(value):
        return "n/a" if value is None else f"{value:.2f}"

    return (f"{percent(accuracy['mixture'])} test accuracy for the mixture, {percent(accuracy['cortex'])} for the cortex alone, "
            f"{percent(accuracy['memory'])} for memory alone and {percent(metrics['oracle_accuracy'])} for an oracle that always "
            f"picks the source that is right; mean gate {number(gate['mean'])} ({number(gate['mean_where_sources_agree'])} where "
            f"cortex and memory agree, {number(gate['mean_where_sources_disagree'])} on the {disagreements['count']} test images "
            f"where they disagree, on which the mixture is right {percent(disagreements['mixture'], 1)} of the time, the cortex "
            f"{percent(disagreements['cortex'], 1)} and memory {percent(disagreements['memory'], 1)}); "
            f"{metrics['timings_s']['pretrain_and_train']:.0f} s of training")


def subset(images, labels, count: int | None):
    """The first `count` examples, or all when count is None."""
    return (images, labels) if count is None else (images[:count], labels[:count])


@dataclass
class TrainingResult:
    brain: Brain
    pretrain_losses: list[float]
    train_losses: list[float]
    timings: dict[str, float]  # seconds per stage
    reconstructions: torch.Tensor | None  # the cerebellum's predictions of `examples` right after stage 1


def train_brain(config: BrainConfig, train_images, train_labels, progress: bool = True, device: torch.device | None = None, examples=None) -> TrainingResult:
    """Both learning stages from a fresh seed, timed.

    The cerebellum learns in stage 1 only, so its reconstructions of `examples` are
    taken when that stage ends (outside the timings).
    """
    seed_everything(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    brain = Brain(config).to(device or pick_device())
    check_training_set(config, len(train_images))
    start = time.perf_counter()
    pretrain_losses = pretrain(brain, train_images, progress=progress)
    pretrained = time.perf_counter()
    reconstructions = None
    if examples is not None:
        with evaluation_mode(brain):
            reconstructions = brain(examples.to(next(brain.parameters()).device)).reconstruction.cpu()
    resumed = time.perf_counter()
    train_losses = train_supervised(brain, train_images, train_labels, progress=progress)
    trained = time.perf_counter()
    timings = {"pretrain": pretrained - start, "train": trained - resumed, "pretrain_and_train": pretrained - start + trained - resumed}
    return TrainingResult(brain, pretrain_losses, train_losses, timings, reconstructions)


def write_figures(result: TrainingResult, run_dir: Path, examples, predictions, test_labels) -> dict:
    made = {
        "loss_curves": figures.loss_curves(result.pretrain_losses, result.train_losses),
        "reconstructions": figures.reconstructions(to_pixels(examples), result.reconstructions, "After self-supervised pretraining (stage 1)"),
        "thalamic_gates": figures.thalamic_gates(predictions["thalamic_gates"], test_labels),
        "memory_trust": figures.memory_trust(predictions["gate"], test_labels, predictions["memory"] == predictions["cortex"]),
    }
    for name, figure in made.items():
        figure.savefig(run_dir / FIGURES[name], dpi=110)
    return dict(FIGURES)


def run(config: BrainConfig, run_dir: Path | str, data_dir=None, progress: bool = True, train_size: int | None = None, test_size: int | None = None) -> dict:
    """Train, evaluate, and write metrics.json, the figures and brain.pt into run_dir; return the metrics."""
    run_dir = Path(run_dir)
    log = print if progress else (lambda *_: None)
    train_images, train_labels = subset(*load_mnist(True, data_dir, log=log), train_size)
    test_images, test_labels = subset(*load_mnist(False, data_dir, log=log), test_size)
    check_training_set(config, len(train_images))
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NeurokitError(f"Cannot make the run folder {run_dir} ({error.strerror}); choose another with --out.") from None
    examples = torch.stack([test_images[test_labels == digit][0] for digit in test_labels.unique()])
    result = train_brain(config, train_images, train_labels, progress=progress, examples=examples)
    brain, timings = result.brain, result.timings
    start = time.perf_counter()
    predictions = predict(brain, test_images)
    metrics = score(predictions, test_labels, config.num_classes)
    timings["evaluate"] = time.perf_counter() - start
    metrics["final_loss"] = {"pretrain": result.pretrain_losses[-1], "train": result.train_losses[-1]}
    metrics["memory_kernel"] = dict(zip(("width_of_one", "shrink", "normaliser"), brain.hippocampus.kernel.tolist()))
    metrics["figures"] = write_figures(result, run_dir, examples, predictions, test_labels)
    metrics["timings_s"] = timings
    metrics["data"] = {"train_images": len(train_images), "test_images": len(test_images)}
    metrics["config"] = config.to_dict()
    metrics["seed"] = config.seed
    metrics["device"] = str(next(brain.parameters()).device)
    metrics["threads"] = torch.get_num_threads()
    metrics["versions"] = versions()
    metrics["machine"] = machine()
    metrics["command"] = " ".join(sys.argv)
    metrics["code"] = code_fingerprint()
    save_checkpoint(brain, run_dir / "brain.pt")
    temporary = run_dir / ".metrics.json.tmp"
    temporary.write_text(json.dumps(metrics, indent=2) + "\n")
    temporary.replace(run_dir / "metrics.json")
    return metrics
