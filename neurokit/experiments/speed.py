"""Speed: the brain against a plain CNN on the same budget, and memory recall against a plain cdist + topk search.

The same default brains, one per seed, also show what the basal ganglia's gate is worth
(the `gate` report): the mixture against each source alone and against an oracle.
"""

import statistics
import time

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ..baseline import plain_cnn_accuracy, train_plain_cnn
from ..hippocampus import SMOOTHING, Hippocampus
from ..run import train_brain
from ..training import evaluate
from .common import Data, Report, Setting, error_bars, markdown_table, summarize

FULL = Setting()
SMALL = Setting(seeds=(0, 1), train_size=1_000, test_size=500, train_epochs=1, memory_sizes=(1_000, 10_000), queries=500, repeats=3)


TRAINING_KEYS = {"model": "model"}
TRAINING_VALUES = {"test_accuracy": "test accuracy (%)", "train_seconds": "training time (s)", "time_ratio": "time / plain CNN"}
GATE_KEYS = {"measure": "test images"}
GATE_VALUES = {"mixture": "mixture (%)", "cortex": "cortex, always (%)", "memory": "memory, always (%)", "oracle": "oracle (%)",
               "count": "images", "gate": "mean gate g"}
GATE_PERCENT = ("mixture", "cortex", "memory", "oracle")
RECALL_KEYS = {"memory_size": "memories stored"}
RECALL_VALUES = {"hippocampus_qps": "Hippocampus.recall (queries/s)", "cdist_topk_qps": "cdist + topk (queries/s)", "speedup": "speed-up", "same_neighbours": "same neighbours"}


def plain_recall(queries: torch.Tensor, keys: torch.Tensor, labels: torch.Tensor, k: int, temperature: float, num_classes: int = 10):
    """The textbook form of memory's vote: torch.cdist distances, a kernel vote summed per class, the k nearest by topk.

    Between unit vectors the squared distance d^2 = 2 - 2 cos, so each memory's weight
    exp(cos / temperature) comes from its distance; each class's summed weight is divided by
    its count and smoothed as Hippocampus.recall does. Returns (class probabilities, neighbour indices).
    """
    distances = torch.cdist(F.normalize(queries, dim=1), F.normalize(keys, dim=1))
    similarities = 1 - distances**2 / 2
    weights = torch.exp((similarities - similarities.max(1, keepdim=True).values) / temperature)
    votes = torch.zeros(len(queries), num_classes, dtype=weights.dtype).index_add_(1, labels, weights)
    density = votes / torch.bincount(labels, minlength=num_classes).clamp(min=1)
    probabilities = (1 - SMOOTHING) * density / density.sum(1, keepdim=True) + SMOOTHING / num_classes
    return probabilities, distances.topk(k, dim=1, largest=False).indices


def _queries_per_second(recall, count: int, repeats: int) -> float:
    recall()  # warm-up
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        recall()
        seconds.append(time.perf_counter() - start)
    return count / statistics.median(seconds)


@torch.inference_mode()
def recall_throughput(size: int, setting: Setting, seed: int, dim: int = 128, k: int = 16, temperature: float = 0.07) -> dict:
    """Queries per second of Hippocampus.recall and of plain_recall on a full memory of `size` random keys."""
    generator = torch.Generator().manual_seed(seed)
    keys, labels = torch.randn(size, dim, generator=generator), torch.randint(0, 10, (size,), generator=generator)
    queries = torch.randn(setting.queries, dim, generator=generator)
    memory = Hippocampus(size, dim, 10, k, temperature)
    memory.write(keys, labels)
    ours, theirs = memory.recall(queries), plain_recall(queries, memory.keys, memory.labels, k, temperature)
    same = (ours.slots.sort(1).values == theirs[1].sort(1).values).all(1).float().mean()
    return {
        "hippocampus_qps": _queries_per_second(lambda: memory.recall(queries), setting.queries, setting.repeats),
        "cdist_topk_qps": _queries_per_second(lambda: plain_recall(queries, memory.keys, memory.labels, k, temperature), setting.queries, setting.repeats),
        "same_neighbours": float(same),
        "largest_probability_difference": float((ours.log_probs.exp() - theirs[0]).abs().max()),
    }


def run(setting: Setting, data: Data, log=print) -> list[Report]:
    training_rows, recall_rows, gate_rows = [], [], []
    for seed in setting.seeds:
        start = time.perf_counter()
        plain = train_plain_cnn(data.train_images, data.train_labels, epochs=setting.train_epochs, seed=seed, progress=False)
        plain_seconds = time.perf_counter() - start
        plain_accuracy = plain_cnn_accuracy(plain, data.test_images, data.test_labels)
        result = train_brain(setting.config(seed, memory_capacity=len(data.train_images)), data.train_images, data.train_labels, progress=False, device=torch.device("cpu"))
        brain_seconds = result.timings["pretrain_and_train"]
        metrics = evaluate(result.brain, data.test_images, data.test_labels)
        brain_accuracy = metrics["test_accuracy"]["mixture"]
        gate_rows += gate_measures(metrics, seed, len(data.test_images))
        training_rows += [
            {"seed": seed, "model": "plain CNN", "test_accuracy": plain_accuracy, "train_seconds": plain_seconds, "time_ratio": 1.0},
            {"seed": seed, "model": "brain (gated mixture)", "test_accuracy": brain_accuracy, "train_seconds": brain_seconds, "time_ratio": brain_seconds / plain_seconds},
        ]
        log(f"speed seed {seed}: plain CNN {plain_accuracy:.2%} in {plain_seconds:.0f} s, brain {brain_accuracy:.2%} in {brain_seconds:.0f} s")
        for size in setting.memory_sizes:
            measured = recall_throughput(size, setting, seed)
            recall_rows.append({"seed": seed, "memory_size": size, **measured, "speedup": measured["hippocampus_qps"] / measured["cdist_topk_qps"]})
            log(f"speed seed {seed}: memory of {size:,}: hippocampus {measured['hippocampus_qps']:,.0f} queries/s, cdist + topk {measured['cdist_topk_qps']:,.0f}")
    return [training_report(training_rows, setting, data), recall_report(recall_rows, setting), gate_report(gate_rows, data)]


def gate_measures(metrics: dict, seed: int, test_size: int) -> list[dict]:
    """Two rows of one brain's evaluation: all test images, and the images on which cortex and memory disagree."""
    accuracy, disagreements, gate = metrics["test_accuracy"], metrics["disagreements"], metrics["gate"]
    count = disagreements["count"]
    return [
        {"seed": seed, "measure": "all", **accuracy, "oracle": metrics["oracle_accuracy"], "count": test_size, "gate": gate["mean"]},
        {"seed": seed, "measure": "where cortex and memory disagree", **{source: disagreements[source] for source in ("mixture", "cortex", "memory")},
         # on a disagreement at most one source is right, so the oracle is right wherever either is
         "oracle": (disagreements["cortex"] + disagreements["memory"]) if count else None, "count": count,
         "gate": gate["mean_where_sources_disagree"]},
    ]


def gate_report(rows: list[dict], data: Data) -> Report:
    summary = summarize(rows, tuple(GATE_KEYS), tuple(GATE_VALUES))
    notes = (f"The brains of the training-time comparison above (default configuration, all {len(data.train_images):,} training "
             f"images), scored on the {len(data.test_images):,} test images. 'cortex, always' and 'memory, always' answer "
             "with one source everywhere; the mixture is the basal ganglia's; the oracle is right wherever either source is, "
             "the best any gate could do. Mean ± standard deviation over seeds.")
    figure = Figure(figsize=(7, 4), layout="constrained")
    axis = figure.subplots()
    line = next(line for line in summary if line["measure"] != "all")
    names = ["cortex, always", "memory, always", "mixture (gate)", "oracle"]
    axis.bar(names, [100 * line[f"{value}_mean"] for value in ("cortex", "memory", "mixture", "oracle")],
             yerr=[100 * line[f"{value}_std"] for value in ("cortex", "memory", "mixture", "oracle")], capsize=4,
             color=["tab:blue", "tab:green", "tab:purple", "tab:gray"])
    axis.set(ylabel="accuracy where cortex and memory disagree (%)", ylim=(0, 100),
             title=f"The gate's choices on about {line['count_mean']:.0f} disagreements per seed")
    axis.grid(alpha=0.3, axis="y")
    return Report("gate", "The gate: the mixture against each source and an oracle", rows, summary,
                  markdown_table(summary, GATE_KEYS, GATE_VALUES, GATE_PERCENT), figure, notes)


def training_report(rows: list[dict], setting: Setting, data: Data) -> Report:
    summary = summarize(rows, tuple(TRAINING_KEYS), tuple(TRAINING_VALUES))
    notes = (f"Same data, same run, on the CPU: the plain CNN (PyTorch's examples/mnist layout, Adadelta) trains "
             f"{setting.train_epochs} epoch(s); the brain trains {setting.pretrain_epochs} self-supervised epoch(s) then "
             f"{setting.train_epochs} supervised epoch(s), batch 128, {len(data.train_images):,} training images, "
             f"{len(data.test_images):,} test images. Both read MNIST from the same in-memory tensors; times exclude evaluation.")
    figure = Figure(figsize=(9, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    for axis, value, label in ((left, "test_accuracy", "test accuracy (%)"), (right, "train_seconds", "training time (s)")):
        scale = 100 if value == "test_accuracy" else 1
        axis.bar([line["model"] for line in summary], [scale * line[f"{value}_mean"] for line in summary],
                 yerr=[scale * line[f"{value}_std"] for line in summary], capsize=4, color=["tab:gray", "tab:purple"])
        axis.set(ylabel=label)
    lowest = min(100 * row["test_accuracy"] for row in rows)
    left.set(ylim=(max(0, lowest - 2), 100), title="Accuracy")
    right.set(title="Training time")
    return Report("speed_training", "Speed: the brain against a plain CNN", rows, summary, markdown_table(summary, TRAINING_KEYS, TRAINING_VALUES, ("test_accuracy",)), figure, notes)


def recall_report(rows: list[dict], setting: Setting) -> Report:
    summary = summarize(rows, tuple(RECALL_KEYS), tuple(RECALL_VALUES))
    notes = (f"{setting.queries:,} queries of 128 dimensions at once against a full memory of random unit keys, k = 16; the median of "
             f"{setting.repeats} timed recalls after a warm-up, mean ± standard deviation over seeds; on the CPU, inference mode. "
             "Both compute the class-balanced vote of every memory and the k nearest; 'same neighbours' is the share of queries "
             "for which both found the same k memories.")
    figure = Figure(figsize=(6, 4), layout="constrained")
    axis = figure.subplots()
    sizes = [line["memory_size"] for line in summary]
    error_bars(axis, sizes, summary, "hippocampus_qps", "Hippocampus.recall (matmul, vote, topk)", percent=False, color="tab:green")
    error_bars(axis, sizes, summary, "cdist_topk_qps", "torch.cdist + topk", percent=False, color="tab:gray")
    axis.set(xscale="log", yscale="log", xlabel="memories stored", ylabel="queries per second", xticks=sizes, xticklabels=[f"{s:,}" for s in sizes],
             title="Memory recall throughput")
    axis.legend()
    axis.grid(alpha=0.3, which="both")
    return Report("speed_recall", "Speed: memory recall throughput", rows, summary, markdown_table(summary, RECALL_KEYS, RECALL_VALUES, ()), figure, notes)
