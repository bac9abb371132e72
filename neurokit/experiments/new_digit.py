"""A new digit from memory: learn nine digits, then meet the tenth through a few examples written into the hippocampus."""

import torch
from matplotlib.figure import Figure

from ..run import train_brain
from ..training import predict, refresh_memory
from .common import Data, Report, Setting, error_bars, markdown_table, summarize

TITLE = "A new digit from memory, without a gradient step"
FULL = Setting()
SMALL = Setting(seeds=(0, 1), train_size=2_000, test_size=1_000, train_epochs=1)

KEYS = {"shots": "examples in memory", "part": "test digits"}
VALUES = {"mixture": "mixture (%)", "memory": "memory (%)", "nearest_memory": "memory, k = 1 (%)", "cortex": "cortex (%)", "gate": "mean gate g"}
PERCENT = ("mixture", "memory", "nearest_memory", "cortex")


def without_digit(images: torch.Tensor, labels: torch.Tensor, digit: int):
    """The training set with every image of `digit` removed."""
    keep = labels != digit
    return images[keep], labels[keep]


def measure(brain, data: Data, digit: int) -> dict[str, dict[str, float]]:
    """Accuracy of each source and the mean basal-ganglia gate, on the new digit's test images and on the others.

    Also memory's accuracy when it recalls only the single nearest memory (k = 1): a few
    new examples are easily outvoted among k = 16 neighbours from a large memory.
    """
    predictions = predict(brain, data.test_images)
    k, brain.hippocampus.k = brain.hippocampus.k, 1
    predictions["nearest_memory"] = predict(brain, data.test_images)["memory"]
    brain.hippocampus.k = k
    is_new = data.test_labels == digit
    parts = {}
    for part, mask in (("new digit", is_new), ("other digits", ~is_new)):
        parts[part] = {source: float((predictions[source][mask] == data.test_labels[mask]).float().mean()) for source in ("mixture", "memory", "nearest_memory", "cortex")}
        parts[part]["gate"] = float(predictions["gate"][mask].mean())
    return parts


def run(setting: Setting, data: Data, log=print) -> Report:
    digit, most = setting.held_out_digit, max(setting.shots)
    images, labels = without_digit(data.train_images, data.train_labels, digit)
    new_examples = data.train_images[data.train_labels == digit]
    rows = []
    for seed in setting.seeds:
        config = setting.config(seed, memory_capacity=len(images) + most)
        brain = train_brain(config, images, labels, progress=False).brain  # both stages and the gate, nine digits
        if (brain.hippocampus.labels == digit).any():
            raise RuntimeError(f"Digit {digit} reached memory during training; it must stay unseen.")
        chosen = new_examples[torch.randperm(len(new_examples), generator=torch.Generator().manual_seed(seed + 200))[:most]]
        written = 0
        for shots in sorted(setting.shots):
            if shots > written:
                refresh_memory(brain, chosen[written:shots], torch.full((shots - written,), digit), first_slot=len(images) + written)
                written = shots
            for part, measured in measure(brain, data, digit).items():
                rows.append({"seed": seed, "shots": shots, "part": part, **measured})
            new = rows[-2]
            log(f"new digit seed {seed}: {shots} examples of {digit} in memory: mixture {new['mixture']:.2%}, "
                f"memory {new['memory']:.2%}, cortex {new['cortex']:.2%} on the new digit; mean gate {new['gate']:.2f}")
    summary = summarize(rows, tuple(KEYS), tuple(VALUES))
    counts = [str(shots) for shots in sorted(setting.shots) if shots]
    shot_counts = ", ".join(counts[:-1]) + f" and {counts[-1]}" if len(counts) > 1 else counts[0]
    notes = (f"Digit {digit} is removed from the {len(data.train_images):,} training images before both stages "
             f"({len(images):,} remain): no pretraining, supervised or gate step sees it. Then {shot_counts} of its training "
             "images are written into the hippocampus (their embeddings, no gradient step) and the test set is scored "
             f"({int((data.test_labels == digit).sum()):,} test images of digit {digit}, "
             f"{int((data.test_labels != digit).sum()):,} of the others). Accuracy in %, mean ± standard deviation over "
             "seeds; the gate g is the basal ganglia's trust in memory (0 cortex, 1 memory).")
    return Report("new_digit", TITLE, rows, summary, markdown_table(summary, KEYS, VALUES, PERCENT), figure(summary, digit), notes)


def figure(summary: list[dict], digit: int) -> Figure:
    """Accuracy on the new digit by source, and the gate on the new digit against the others, as examples are written."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    new = [line for line in summary if line["part"] == "new digit"]
    others = [line for line in summary if line["part"] == "other digits"]
    shots = [line["shots"] for line in new]
    for source, name, colour in (("mixture", "mixture", "tab:purple"), ("memory", "memory", "tab:green"), ("nearest_memory", "memory, k = 1", "tab:olive"), ("cortex", "cortex", "tab:blue")):
        error_bars(left, shots, new, source, f"{name}, digit {digit}", color=colour)
        error_bars(left, shots, others, source, f"{name}, other digits", color=colour, linestyle=":", alpha=0.5)
    left.set(xlabel=f"examples of digit {digit} written into memory", ylabel="test accuracy (%)", ylim=(-2, 102), xticks=shots,
             title=f"Accuracy on the unseen digit {digit} and on the rest")
    left.legend(fontsize=8)
    error_bars(right, shots, new, "gate", f"digit {digit}", percent=False, color="tab:red")
    error_bars(right, shots, others, "gate", "other digits", percent=False, color="tab:gray")
    right.set(xlabel=f"examples of digit {digit} written into memory", ylabel="mean gate g (1: memory)", ylim=(0, 1), xticks=shots,
              title="Basal ganglia: trust in memory")
    right.legend()
    for axis in (left, right):
        axis.grid(alpha=0.3)
    return figure
