"""The figures the course promises, each a matplotlib Figure built without pyplot's global state."""

import io

import numpy as np
import torch
from matplotlib.figure import Figure


class CourseFigure(Figure):
    """A Figure that shows itself as an image in a notebook, before or without any pyplot figure."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _smooth(values, window: int = 25):
    values = np.asarray(values, dtype=float)
    if len(values) < window:
        return values
    return np.convolve(values, np.ones(window) / window, mode="valid")


def loss_curves(pretrain_losses, train_losses) -> Figure:
    """Stage 1 (reconstruction) and stage 2 (classification) loss per step, smoothed."""
    figure = CourseFigure(figsize=(10, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    for axis, losses, title in ((left, pretrain_losses, "Stage 1: self-supervised reconstruction"), (right, train_losses, "Stage 2: supervised (cortex + memory)")):
        smoothed = _smooth(losses)
        axis.plot(losses, alpha=0.25, color="tab:blue", label="per step")
        axis.plot(np.arange(len(losses) - len(smoothed), len(losses)), smoothed, color="tab:blue", label="smoothed")
        axis.set(title=title, xlabel="step", ylabel="loss")
        axis.legend()
    return figure


def reconstructions(originals: torch.Tensor, reconstructed: torch.Tensor, title: str = "") -> Figure:
    """Originals (top row) and the cerebellum's reconstructions (bottom row), pixels in [0, 1]."""
    count = len(originals)
    figure = CourseFigure(figsize=(1.2 * count, 2.8 + 0.3 * bool(title)), layout="constrained")
    if title:
        figure.suptitle(title)
    axes = figure.subplots(2, count, squeeze=False)
    for column in range(count):
        for row, images in enumerate((originals, reconstructed)):
            axes[row, column].imshow(images[column, 0].detach().cpu().numpy(), cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
    axes[0, 0].set_ylabel("original")
    axes[1, 0].set_ylabel("cerebellum")
    return figure


def thalamic_gates(gates: torch.Tensor, labels: torch.Tensor) -> Figure:
    """Mean thalamic gate of each retinal channel (columns) for each digit (rows); 1 passes unchanged."""
    digits = sorted(int(d) for d in labels.unique())
    table = torch.stack([gates[labels == d].mean(0) for d in digits]).numpy()
    figure = CourseFigure(figsize=(8, 4), layout="constrained")
    axis = figure.subplots()
    image = axis.imshow(table, cmap="coolwarm", vmin=0, vmax=2, aspect="auto")
    axis.set(title="Thalamus: mean gate per channel and digit", xlabel="retinal channel", ylabel="digit", yticks=range(len(digits)), yticklabels=digits)
    figure.colorbar(image, ax=axis, label="gate (0 suppress, 1 pass, 2 amplify)")
    return figure


def memory_trust(gate: torch.Tensor, labels: torch.Tensor, agree: torch.Tensor) -> Figure:
    """Basal-ganglia trust in memory: its spread where memory and cortex agree or not, and its mean per digit."""
    figure = CourseFigure(figsize=(10, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    bins = np.linspace(0, 1, 41)
    left.hist(gate[agree].numpy(), bins=bins, alpha=0.7, density=True, label="memory and cortex agree")
    if (~agree).any():
        left.hist(gate[~agree].numpy(), bins=bins, alpha=0.7, density=True, label="they disagree")
    left.set(title="Basal ganglia: trust in memory", xlabel="gate g (0 cortex, 1 memory)", ylabel="density")
    left.legend()
    digits = sorted(int(d) for d in labels.unique())
    right.bar(digits, [float(gate[labels == d].mean()) for d in digits])
    right.set(title="Mean gate per digit", xlabel="digit", ylabel="mean g", xticks=digits, ylim=(0, 1))
    return figure
