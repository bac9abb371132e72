"""Ablation: cortex alone, memory alone and the gated mixture, each with and without self-supervised pretraining."""

import copy

from matplotlib.figure import Figure

from ..training import evaluate, seed_everything, train_supervised
from .common import Data, Report, Setting, markdown_table, scratch_and_pretrained, summarize

TITLE = "Ablation: who answers, and does pretraining help?"
FULL = Setting(train_size=20_000)
SMALL = Setting(seeds=(0, 1), train_size=1_000, test_size=500, train_epochs=1)

# Each arm trains only what answers for it; all arms train on the same images for the same epochs.
ARMS = {"cortex": ("cortex",), "memory": ("memory",), "mixture": ("cortex", "memory")}
KEYS = {"source": "who answers", "pretraining": "self-supervised pretraining"}
VALUES = {"test_accuracy": "test accuracy (%)"}
PERCENT = ("test_accuracy",)


def run(setting: Setting, data: Data, log=print) -> Report:
    rows = []
    for seed in setting.seeds:
        scratch, pretrained = scratch_and_pretrained(setting, seed, data)
        for pretraining, start in (("yes", pretrained), ("no", scratch)):
            for source, learners in ARMS.items():
                brain = copy.deepcopy(start)
                seed_everything(seed)
                train_supervised(brain, data.train_images, data.train_labels, progress=False, sources=learners)
                accuracy = evaluate(brain, data.test_images, data.test_labels)["test_accuracy"][source]
                rows.append({"seed": seed, "source": source, "pretraining": pretraining, "test_accuracy": accuracy})
                log(f"ablation seed {seed}: {source}, pretraining {pretraining}: {accuracy:.2%}")
    summary = summarize(rows, tuple(KEYS), tuple(VALUES))
    budget = f"{setting.pretrain_epochs} pretraining epoch(s) on the images, {setting.train_epochs} supervised epoch(s)"
    notes = (f"Test accuracy in %, mean ± standard deviation over seeds; {len(data.train_images):,} training images, "
             f"{len(data.test_images):,} test images; {budget} for every arm. "
             "Each arm trains only the part that answers: the cortex (PFC cross-entropy), the memory (NLL of its "
             "recall), or both plus the basal-ganglia gate. Without pretraining the pretraining epoch is skipped.")
    return Report("ablation", TITLE, rows, summary, markdown_table(summary, KEYS, VALUES, PERCENT), figure(rows, summary), notes)


def figure(rows: list[dict], summary: list[dict]) -> Figure:
    """Grouped bars (mean ± std) with each seed as a dot."""
    figure = Figure(figsize=(7, 4), layout="constrained")
    axis = figure.subplots()
    sources = list(ARMS)
    for offset, (pretraining, colour) in zip((-0.2, 0.2), (("yes", "tab:blue"), ("no", "tab:orange"))):
        lines = [next(line for line in summary if line["source"] == s and line["pretraining"] == pretraining) for s in sources]
        xs = [i + offset for i in range(len(sources))]
        axis.bar(xs, [100 * line["test_accuracy_mean"] for line in lines], width=0.38, color=colour, alpha=0.6,
                 yerr=[100 * line["test_accuracy_std"] for line in lines], capsize=4,
                 label="with self-supervised pretraining" if pretraining == "yes" else "from scratch")
        for x, source in zip(xs, sources):
            seeds = [100 * row["test_accuracy"] for row in rows if row["source"] == source and row["pretraining"] == pretraining]
            axis.scatter([x] * len(seeds), seeds, color="black", s=10, zorder=3)
    lowest = min(100 * row["test_accuracy"] for row in rows)
    axis.set(xticks=range(len(sources)), xticklabels=["cortex alone", "memory alone", "gated mixture"], ylabel="test accuracy (%)",
             ylim=(max(0, lowest - 2), 100), title="Ablation (bars: mean ± std over seeds; dots: seeds)")
    figure.legend(loc="outside lower center", ncols=2)
    return figure
