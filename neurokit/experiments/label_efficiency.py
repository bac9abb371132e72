"""Label efficiency: how accuracy grows with 10, 100, 1,000 and all labels, pretrained or from scratch, memory or classifier."""

import copy
import math
from dataclasses import replace

import torch
from matplotlib.figure import Figure

from ..brain import Brain
from ..training import evaluate, refresh_memory, seed_everything, train_supervised
from .common import Data, Report, Setting, error_bars, markdown_table, scratch_and_pretrained, summarize

TITLE = "Label efficiency: accuracy against the number of labels"
FULL = Setting(shift_pixels=2)
SMALL = Setting(seeds=(0, 1), train_size=2_000, test_size=500, label_counts=(10, 100, None), min_steps=20, train_epochs=1, shift_pixels=2)

KEYS = {"labels": "labels", "start": "encoder start"}
VALUES = {"classifier": "classifier (%)", "memory": "memory (%)", "memory_before_training": "memory, no supervised step (%)"}
PERCENT = tuple(VALUES)


def balanced_labels(labels: torch.Tensor, count: int | None, seed: int, num_classes: int = 10) -> torch.Tensor:
    """Indices of `count` examples, the same number of each digit, drawn with this seed; every index when count is None."""
    if count is None or count >= len(labels):
        return torch.arange(len(labels))
    per_class, generator = count // num_classes, torch.Generator().manual_seed(seed + 100)
    chosen = []
    for digit in range(num_classes):
        candidates = (labels == digit).nonzero().squeeze(1)
        if len(candidates) < per_class:
            raise ValueError(f"Only {len(candidates)} training images of digit {digit}; {per_class} are needed for {count} balanced labels.")
        chosen.append(candidates[torch.randperm(len(candidates), generator=generator)[:per_class]])
    return torch.cat(chosen).sort().values


def memory_accuracy(brain: Brain, images, labels, data: Data) -> float:
    """Test accuracy of memory alone once these labelled images are written into it (no gradient step)."""
    brain = copy.deepcopy(brain)
    refresh_memory(brain, images, labels)
    brain.hippocampus.separate_patterns(brain.config.memory_shrinkage)
    return evaluate(brain, data.test_images, data.test_labels)["test_accuracy"]["memory"]


def for_labels(start: Brain, count: int, setting: Setting) -> Brain:
    """A copy of `start` set up to learn from `count` labels: the budget, the shifts, memory's k, and no gate.

    The budget is the setting's epochs or `min_steps` steps, whichever is more, so ten
    labels still get a real training run, and each image is shifted at random by up to
    the setting's pixels, so a few labels show more than a few pictures. Memory recalls
    at most as many neighbours as there are examples of a digit. No labels are spared
    for the basal ganglia.
    """
    config = start.config
    epochs = max(setting.train_epochs, math.ceil(setting.min_steps / math.ceil(count / config.batch_size)))
    brain = Brain(replace(config, train_epochs=epochs, train_shift_pixels=setting.shift_pixels, gate_holdout=0.0,
                          memory_k=min(config.memory_k, count // config.num_classes)))
    brain.load_state_dict(start.state_dict())
    return brain


def learn_labels(brain: Brain, images, labels):
    """Supervised training of cortex and memory on the labelled images only.

    With a single example per digit an example cannot learn from memory (it may not
    recall itself), so only the cortex learns and memory is written afterwards.
    """
    learners = ("cortex", "memory") if brain.hippocampus.k > 1 else ("cortex",)
    train_supervised(brain, images, labels, progress=False, sources=learners)
    if "memory" not in learners:
        refresh_memory(brain, images, labels)
        brain.hippocampus.separate_patterns(brain.config.memory_shrinkage)


def run(setting: Setting, data: Data, log=print) -> Report:
    rows = []
    for seed in setting.seeds:
        scratch, pretrained = scratch_and_pretrained(setting, seed, data)  # pretrained on every training image, no label
        for count in setting.label_counts:
            chosen = balanced_labels(data.train_labels, count, seed)
            images, labels = data.train_images[chosen], data.train_labels[chosen]
            for start_name, start in (("pretrained", pretrained), ("scratch", scratch)):
                brain = for_labels(start, len(labels), setting)
                before = memory_accuracy(brain, images, labels, data)
                seed_everything(seed)
                learn_labels(brain, images, labels)
                accuracy = evaluate(brain, data.test_images, data.test_labels)["test_accuracy"]
                rows.append({"seed": seed, "labels": len(labels), "start": start_name, "classifier": accuracy["cortex"],
                             "memory": accuracy["memory"], "memory_before_training": before})
                log(f"label efficiency seed {seed}: {len(labels)} labels, {start_name}: classifier {accuracy['cortex']:.2%}, "
                    f"memory {accuracy['memory']:.2%} (before supervised training {before:.2%})")
    summary = summarize(rows, tuple(KEYS), tuple(VALUES))
    notes = (f"Test accuracy in %, mean ± standard deviation over seeds, on {len(data.test_images):,} test images. "
             f"Pretraining: {setting.pretrain_epochs} epoch(s) of reconstruction on all {len(data.train_images):,} training "
             "images, no labels. Then only the labelled images (the same number of each digit) train the classifier (PFC) "
             f"and the memory for {setting.train_epochs} epoch(s) or {setting.min_steps} steps, whichever is more, each image "
             f"shifted at random by up to {setting.shift_pixels} pixels. "
             "'memory, no supervised step' writes the labelled images into memory straight after pretraining (or at "
             "random initialisation) and recalls from there.")
    return Report("label_efficiency", TITLE, rows, summary, markdown_table(summary, KEYS, VALUES, PERCENT), figure(summary), notes)


def figure(summary: list[dict]) -> Figure:
    """Accuracy against labels (log scale), one panel per start, classifier against memory."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    axes = figure.subplots(1, 2, sharey=True)
    for axis, start in zip(axes, ("pretrained", "scratch")):
        lines = [line for line in summary if line["start"] == start]
        counts = [line["labels"] for line in lines]
        error_bars(axis, counts, lines, "classifier", "classifier (PFC)", color="tab:blue")
        error_bars(axis, counts, lines, "memory", "memory (hippocampus)", color="tab:green")
        error_bars(axis, counts, lines, "memory_before_training", "memory, no supervised step", color="tab:green", linestyle="--", alpha=0.6)
        axis.set(xscale="log", xlabel="labelled training images", xticks=counts, xticklabels=[f"{c:,}" for c in counts],
                 title="after self-supervised pretraining" if start == "pretrained" else "from scratch")
        axis.grid(alpha=0.3)
    axes[0].set(ylabel="test accuracy (%)", ylim=(0, 100))
    axes[0].legend(loc="lower right")
    return figure
