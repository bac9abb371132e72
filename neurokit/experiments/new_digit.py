"""A new digit: learn nine digits, meet the tenth through a few examples written into the hippocampus, then sleep on it.

Two reports from the same brains. `new_digit`: memory names the new digit at once, without a
gradient step, and the basal ganglia hand such images to memory. `consolidation`: a sleep in
which the hippocampus replays stored memories, old and new, teaches the cortex the new digit
without unlearning the others, side by side with fine-tuning on the new examples alone.
"""

import copy

import torch
from matplotlib.figure import Figure

from ..run import train_brain
from ..training import evaluation_mode, sleep
from .common import Data, Report, Setting, error_bars, markdown_table, summarize

TITLE = "A new digit from memory, without a gradient step"
SLEEP_TITLE = "Consolidation: sleep teaches the cortex the new digit"
FULL = Setting()
SMALL = Setting(seeds=(0, 1), train_size=2_000, test_size=1_000, train_epochs=1, draws=2)

KEYS = {"shots": "examples in memory", "part": "test digits"}
VALUES = {"mixture": "mixture (%)", "memory": "memory (%)", "cortex": "cortex (%)", "gate": "mean gate g"}
PERCENT = ("mixture", "memory", "cortex")
SLEEP_KEYS = {"phase": "after", "part": "test digits"}
SLEEP_VALUES = {"cortex": "cortex (%)", "mixture": "mixture (%)"}
PHASES = ("awake", "sleep: replay of every memory", "fine-tuning on the new examples alone")


def without_digit(images: torch.Tensor, labels: torch.Tensor, digit: int):
    """The training set with every image of `digit` removed."""
    keep = labels != digit
    return images[keep], labels[keep]


@torch.no_grad()
def encode(brain, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The IT embeddings of these images (memory's keys and the PFC's input), on the brain's device."""
    device = next(brain.parameters()).device
    with evaluation_mode(brain):
        return torch.cat([brain.encode(images[start:start + batch_size].to(device))[0] for start in range(0, len(images), batch_size)])


@torch.no_grad()
def measure(brain, embeddings: torch.Tensor, labels: torch.Tensor, digit: int) -> dict[str, dict[str, float]]:
    """Accuracy of the mixture, memory and cortex, and the mean gate, on the new digit's test images and on the others."""
    with evaluation_mode(brain):
        cortex_logits = brain.pfc(embeddings)
        log_probs, memory_log_probs, gate = brain.decide(embeddings, cortex_logits)
    answers = {"mixture": log_probs.argmax(1), "memory": memory_log_probs.argmax(1), "cortex": cortex_logits.argmax(1)}
    labels, is_new = labels.to(embeddings.device), labels.to(embeddings.device) == digit
    parts = {}
    for part, mask in (("new digit", is_new), ("other digits", ~is_new)):
        parts[part] = {source: float((answer[mask] == labels[mask]).float().mean()) for source, answer in answers.items()}
        parts[part]["gate"] = float(gate[mask].mean())
    return parts


def mean_over_draws(draws: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {part: {value: sum(draw[part][value] for draw in draws) / len(draws) for value in draws[0][part]} for part in draws[0]}


def run(setting: Setting, data: Data, log=print) -> list[Report]:
    digit, most = setting.held_out_digit, max(setting.shots)
    images, labels = without_digit(data.train_images, data.train_labels, digit)
    new_examples = data.train_images[data.train_labels == digit]
    rows, sleep_rows = [], []
    for seed in setting.seeds:
        config = setting.config(seed, memory_capacity=len(images) + most)
        brain = train_brain(config, images, labels, progress=False).brain  # both stages and the gate, nine digits
        if (brain.hippocampus.labels == digit).any():
            raise RuntimeError(f"Digit {digit} reached memory during training; it must stay unseen.")
        test_embeddings, new_embeddings = encode(brain, data.test_images), encode(brain, new_examples)
        new_slots = torch.arange(len(images), len(images) + most)
        for shots in sorted(setting.shots):
            draws = []
            for draw in range(setting.draws if shots else 1):
                chosen = torch.randperm(len(new_examples), generator=torch.Generator().manual_seed(1000 * seed + draw))[:shots]
                brain.hippocampus.forget(new_slots)
                brain.hippocampus.write(new_embeddings[chosen], torch.full((shots,), digit), new_slots[:shots])
                draws.append(measure(brain, test_embeddings, data.test_labels, digit))
            for part, measured in mean_over_draws(draws).items():
                rows.append({"seed": seed, "shots": shots, "part": part, "draws": len(draws), **measured})
            new, others = rows[-2], rows[-1]
            log(f"new digit seed {seed}: {shots} examples of {digit} in memory ({len(draws)} draws): on the new digit mixture "
                f"{new['mixture']:.2%}, memory {new['memory']:.2%}, cortex {new['cortex']:.2%}, gate {new['gate']:.2f}; "
                f"on the others mixture {others['mixture']:.2%}, gate {others['gate']:.2f}")
        sleep_rows += sleep_on_it(brain, test_embeddings, data.test_labels, digit, seed, log)  # memory holds the last draw of `most`
    notes = (f"Digit {digit} is removed from the {len(data.train_images):,} training images before both stages "
             f"({len(images):,} remain): no pretraining, supervised or gate step sees it. Then some of its training "
             "images are written into the hippocampus (their embeddings, no gradient step) and the test set is scored "
             f"({int((data.test_labels == digit).sum()):,} test images of digit {digit}, "
             f"{int((data.test_labels != digit).sum()):,} of the others). Which examples are written is drawn "
             f"{setting.draws} times per seed and the accuracies averaged over draws; then mean ± standard deviation over "
             "seeds, accuracy in %. The gate g is the basal ganglia's trust in memory (0 cortex, 1 memory).")
    sleep_notes = (f"The same brains, with {most} examples of digit {digit} in memory. Sleep: {setting.config(0).sleep_steps} steps in "
                   "which the hippocampus replays batches of stored memories, a class at random and then one of its memories, "
                   f"and the PFC (the cortex's readout) learns from them (AdamW, learning rate {setting.config(0).sleep_lr:g}); "
                   "the visual pathway and memory do not change. Fine-tuning: the same steps on the new digit's memories alone. "
                   "Test accuracy in %, mean ± standard deviation over seeds.")
    return [Report("new_digit", TITLE, rows, (summary := summarize(rows, tuple(KEYS), tuple(VALUES))),
                   markdown_table(summary, KEYS, VALUES, PERCENT), figure(summary, digit), notes),
            Report("consolidation", SLEEP_TITLE, sleep_rows, (sleep_summary := summarize(sleep_rows, tuple(SLEEP_KEYS), tuple(SLEEP_VALUES))),
                   markdown_table(sleep_summary, SLEEP_KEYS, SLEEP_VALUES, tuple(SLEEP_VALUES)), sleep_figure(sleep_summary, digit), sleep_notes)]


def sleep_on_it(brain, test_embeddings: torch.Tensor, test_labels: torch.Tensor, digit: int, seed: int, log=print) -> list[dict]:
    """Cortex and mixture accuracy awake, after sleep with replay of every memory, and after fine-tuning on the new digit alone."""
    rows = []
    for phase in PHASES:
        sleeper = copy.deepcopy(brain)
        if phase != "awake":
            generator = torch.Generator().manual_seed(seed + 300)
            sleep(sleeper, sleeper.config.sleep_steps, sleeper.config.sleep_lr, generator, digits=None if phase.startswith("sleep") else [digit])
        for part, measured in measure(sleeper, test_embeddings, test_labels, digit).items():
            rows.append({"seed": seed, "phase": phase, "part": part, "cortex": measured["cortex"], "mixture": measured["mixture"]})
        log(f"consolidation seed {seed}, {phase}: cortex {rows[-2]['cortex']:.2%} on digit {digit}, {rows[-1]['cortex']:.2%} on the others")
    return rows


def figure(summary: list[dict], digit: int) -> Figure:
    """Accuracy on the new digit by source, and the gate on the new digit against the others, as examples are written."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    new = [line for line in summary if line["part"] == "new digit"]
    others = [line for line in summary if line["part"] == "other digits"]
    shots = [line["shots"] for line in new]
    for source, colour in (("mixture", "tab:purple"), ("memory", "tab:green"), ("cortex", "tab:blue")):
        error_bars(left, shots, new, source, f"{source}, digit {digit}", color=colour)
        error_bars(left, shots, others, source, f"{source}, other digits", color=colour, linestyle=":", alpha=0.5)
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


def sleep_figure(summary: list[dict], digit: int) -> Figure:
    """The cortex's accuracy on the new digit and on the others, awake, after sleep and after fine-tuning alone."""
    figure = Figure(figsize=(8, 4), layout="constrained")
    axis = figure.subplots()
    names = ["awake", "sleep\n(replay of every memory)", "fine-tuning\n(new examples alone)"]
    for offset, (part, colour) in zip((-0.18, 0.18), (("new digit", "tab:red"), ("other digits", "tab:gray"))):
        lines = [next(line for line in summary if line["phase"] == phase and line["part"] == part) for phase in PHASES]
        axis.bar([i + offset for i in range(len(PHASES))], [100 * line["cortex_mean"] for line in lines], width=0.36,
                 yerr=[100 * line["cortex_std"] for line in lines], capsize=4, color=colour,
                 label=f"digit {digit}" if part == "new digit" else "other digits")
    axis.set(xticks=range(len(PHASES)), xticklabels=names, ylabel="cortex (PFC) test accuracy (%)", ylim=(0, 102),
             title="Consolidation by replay against fine-tuning alone")
    axis.legend(loc="upper left")
    axis.grid(alpha=0.3, axis="y")
    return figure
