"""What every experiment shares: its setting, the data, the seeds, and writing tables and figures."""

import copy
import csv
import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from matplotlib.figure import Figure

from ..brain import Brain
from ..config import BrainConfig
from ..data import load_mnist
from ..training import pretrain, seed_everything


@dataclass(frozen=True)
class Setting:
    """How big an experiment runs: seeds, data subsets, the training budget and what it sweeps."""

    seeds: tuple[int, ...] = (0, 1, 2)
    train_size: int | None = None  # the first N training images; None: all 60,000
    test_size: int | None = None  # the first N test images; None: all 10,000
    pretrain_epochs: int = 1
    train_epochs: int = 2
    label_counts: tuple[int | None, ...] = (10, 100, 1000, None)  # label efficiency; None: every training image
    min_steps: int = 200  # label efficiency: supervised steps at least, however few the labels
    shift_pixels: int = 0  # label efficiency: supervised images moved at random by up to this many pixels
    held_out_digit: int = 5  # new digit
    shots: tuple[int, ...] = (0, 1, 5, 10)  # new digit: examples written into memory
    draws: int = 10  # new digit: random choices of those examples, per count and seed
    memory_sizes: tuple[int, ...] = (1_000, 10_000, 60_000)  # speed: recall throughput
    queries: int = 1_000  # speed: queries per recall
    repeats: int = 5  # speed: timed recalls per memory size and seed

    def config(self, seed: int, **changes) -> BrainConfig:
        """The reference configuration with this setting's budget and seed."""
        return BrainConfig(seed=seed, pretrain_epochs=self.pretrain_epochs, train_epochs=self.train_epochs, **changes)

    def with_seeds(self, count: int | None) -> "Setting":
        return self if count is None else replace(self, seeds=tuple(range(count)))


@dataclass
class Data:
    """The normalised MNIST tensors an experiment reads, already cut to its setting's subsets."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


def load_data(setting: Setting, data_dir=None, log=print) -> Data:
    """MNIST cut to the setting's subsets."""
    train_images, train_labels = load_mnist(True, data_dir, log=log)
    test_images, test_labels = load_mnist(False, data_dir, log=log)
    return Data(train_images[: setting.train_size], train_labels[: setting.train_size], test_images[: setting.test_size], test_labels[: setting.test_size])


def scratch_and_pretrained(setting: Setting, seed: int, data: Data) -> tuple[Brain, Brain]:
    """Two brains from the same seeded start: one untouched, one after self-supervised pretraining on every training image."""
    seed_everything(seed)
    scratch = Brain(setting.config(seed, memory_capacity=len(data.train_images)))
    pretrained = copy.deepcopy(scratch)
    pretrain(pretrained, data.train_images, progress=False)
    return scratch, pretrained


def summarize(rows: list[dict], keys: tuple[str, ...], values: tuple[str, ...]) -> list[dict]:
    """One row per combination of `keys` (in first-seen order): mean, standard deviation and count of each value over seeds."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[key] for key in keys), []).append(row)
    summary = []
    for group_key, members in groups.items():
        line = dict(zip(keys, group_key))
        for value in values:
            numbers = [member[value] for member in members if member[value] is not None]
            line[f"{value}_mean"] = statistics.fmean(numbers) if numbers else None
            line[f"{value}_std"] = statistics.stdev(numbers) if len(numbers) > 1 else 0.0 if numbers else None
        line["seeds"] = len(members)
        summary.append(line)
    return summary


def machine() -> str:
    """The CPU model, its core count and PyTorch's threads, or the GPU, in words."""
    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name()}"
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {torch.get_num_threads()} PyTorch threads, no GPU"


def _decimals(mean: float, percent: bool) -> int:
    """Two decimals for percentages and small numbers, fewer as numbers grow; the spread is shown like its mean."""
    return 2 if percent else 0 if abs(mean) >= 100 else 1 if abs(mean) >= 10 else 2


def markdown_table(summary: list[dict], keys: dict[str, str], values: dict[str, str], percent: tuple[str, ...]) -> str:
    """A Markdown table: the key columns, then 'mean ± std' of each value, each under its heading."""
    headings = list(keys.values()) + list(values.values()) + ["seeds"]
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    for line in summary:
        cells = [f"{line[key]:,}" if isinstance(line[key], int) else str(line[key]) for key in keys]
        for value in values:
            mean, std = line[f"{value}_mean"], line[f"{value}_std"]
            if mean is None:
                cells.append("–")
                continue
            scale = 100 if value in percent else 1
            decimals = _decimals(scale * mean, value in percent)
            cells.append(f"{scale * mean:,.{decimals}f} ± {scale * std:,.{decimals}f}")
        cells.append(str(line["seeds"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, rows: list[dict]):
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@dataclass
class Report:
    """What an experiment hands back: per-seed rows, their summary, and how to show them."""

    name: str
    title: str
    rows: list[dict]
    summary: list[dict]
    markdown: str  # the summary table
    figure: Figure
    notes: str = ""

    def write(self, out_dir: Path, setting: Setting, setting_name: str, seconds: float, command: str) -> dict[str, Path]:
        """NAME.csv (summary), NAME_per_seed.csv, NAME.md, NAME.png and NAME.json (everything, with the setting) in out_dir."""
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {kind: out_dir / f"{self.name}{suffix}" for kind, suffix in
                 (("summary", ".csv"), ("per_seed", "_per_seed.csv"), ("markdown", ".md"), ("figure", ".png"), ("json", ".json"))}
        _write_csv(paths["summary"], self.summary)
        _write_csv(paths["per_seed"], self.rows)
        about = f"{setting_name} setting, seeds {', '.join(map(str, setting.seeds))}; {machine()}; torch {torch.__version__}; {seconds / 60:.1f} min"
        paths["markdown"].write_text("\n\n".join(part for part in (f"### {self.title}", self.markdown.rstrip("\n"), self.notes, f"_{about}._") if part) + "\n")
        self.figure.savefig(paths["figure"], dpi=110)
        record = {"experiment": self.name, "setting_name": setting_name, "setting": asdict(setting), "machine": machine(),
                  "torch": torch.__version__, "seconds": seconds, "command": command, "when": time.strftime("%Y-%m-%d %H:%M"),
                  "summary": self.summary, "rows": self.rows}
        paths["json"].write_text(json.dumps(record, indent=2) + "\n")
        return paths


def error_bars(axis, xs, summary_lines, value: str, label: str, percent: bool = True, **style):
    """Plot mean ± standard deviation of `value` across seeds at xs."""
    scale = 100 if percent else 1
    means = [scale * line[f"{value}_mean"] for line in summary_lines]
    spreads = [scale * line[f"{value}_std"] for line in summary_lines]
    axis.errorbar(xs, means, yerr=spreads, capsize=4, marker="o", label=label, **style)
