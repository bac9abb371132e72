"""The two learning stages and evaluation: self-supervised pretraining, then supervised training."""

import random
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .brain import Brain
from .config import BrainConfig
from .data import batch_count, minibatches, random_shift, to_pixels
from .errors import ConfigError


def seed_everything(seed: int):
    """Seed Python, NumPy and PyTorch, and ask PyTorch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def pick_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def evaluation_mode(module: torch.nn.Module):
    """Eval mode and no gradients inside the block; the previous mode is restored after it."""
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        module.train(was_training)


def _schedule(parameters, lr: float, weight_decay: float, total_steps: int):
    """AdamW with a one-cycle learning rate: warm up for a fifth of the steps, then anneal."""
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=max(total_steps, 1), pct_start=0.2)
    return optimizer, scheduler


def _prepare(brain: Brain) -> torch.device:
    """Move nothing, but lay the convolutions out channels-last (faster on CPUs and GPUs); return the device."""
    brain.to(memory_format=torch.channels_last)
    return next(brain.parameters()).device


def _on(device: torch.device, images: torch.Tensor) -> torch.Tensor:
    return images.to(device).contiguous(memory_format=torch.channels_last)


def _steps(count: int, config: BrainConfig, epochs: int) -> int:
    return epochs * batch_count(count, config.batch_size, shuffle=True)


def reconstruction_loss(reconstruction: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy between the cerebellum's prediction and the true pixels in [0, 1]."""
    return F.binary_cross_entropy(reconstruction, to_pixels(images))


def pretrain(brain: Brain, images: torch.Tensor, progress: bool = True) -> list[float]:
    """Stage 1, self-supervised: train the visual pathway and the cerebellum to reconstruct images.

    No label is used. Returns the loss of every step.
    """
    config = brain.config
    modules = [brain.retina, brain.thalamus, brain.visual_cortex, brain.it_cortex, brain.cerebellum]
    parameters = [p for module in modules for p in module.parameters()]
    total_steps = _steps(len(images), config, config.pretrain_epochs)
    optimizer, scheduler = _schedule(parameters, config.pretrain_lr, config.weight_decay, total_steps)
    generator = torch.Generator().manual_seed(config.seed)
    device = _prepare(brain)
    brain.train()
    losses = []
    for epoch in range(config.pretrain_epochs):
        batches = minibatches(images, images, config.batch_size, shuffle=True, generator=generator)
        for batch, _, _ in tqdm(batches, total=_steps(len(images), config, 1), desc=f"pretrain {epoch + 1}/{config.pretrain_epochs}", disable=not progress):
            batch = _on(device, batch)
            embedding, _ = brain.encode(batch)
            loss = reconstruction_loss(brain.cerebellum(embedding), batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
    return losses


def check_memory_fits(capacity: int, count: int):
    """Refuse, before any training, a memory too small to hold one slot per training image."""
    if count > capacity:
        raise ConfigError(
            f"The hippocampus has {capacity} slots but the training set has {count} images; "
            "raise BrainConfig.memory_capacity (--memory-capacity) or train on fewer images (--train-size)."
        )


def check_training_set(config: BrainConfig, count: int):
    """Refuse, before any training, a training set of `count` images that this config cannot learn from."""
    check_memory_fits(config.memory_capacity, count)
    held_out = len(split_for_gate(count, config)[1])
    if count - held_out <= config.memory_k:
        raise ConfigError(
            f"{count - held_out} training images are too few for memory_k = {config.memory_k}: memory recalls k neighbours, "
            "so train on more images (--train-size) or lower memory_k (--memory-k)."
        )
    if held_out == 1:
        raise ConfigError(
            f"gate_holdout = {config.gate_holdout} holds out a single image of {count}, too few to fit the gate on; "
            "raise gate_holdout (--gate-holdout), set it to 0, or train on more images."
        )


def refresh_memory(brain: Brain, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000, first_slot: int = 0):
    """Write every image's current embedding into its own memory slot (slot = first_slot + index), so no key is stale.

    No gradient step is taken: what is written can be recalled at once.
    """
    check_memory_fits(brain.hippocampus.capacity, first_slot + len(images))
    device = _prepare(brain)
    with evaluation_mode(brain):
        for batch, batch_labels, slots in minibatches(images, labels, batch_size, shuffle=False):
            embedding, _ = brain.encode(_on(device, batch))
            brain.hippocampus.write(embedding, batch_labels.to(device), (first_slot + slots).to(device))


SOURCES = ("cortex", "memory")


def supervised_loss(output, labels: torch.Tensor, sources=SOURCES) -> torch.Tensor | None:
    """Cortex and memory each learn to name the digit alone: cross-entropy of the PFC plus NLL of memory's vote.

    `sources` names who learns; None when none of them can answer yet (memory not ready).
    """
    losses = []
    if "cortex" in sources:
        losses.append(F.cross_entropy(output.cortex_logits, labels))
    if "memory" in sources and output.memory_log_probs is not None:
        losses.append(F.nll_loss(output.memory_log_probs, labels))
    return sum(losses) if losses else None


def split_for_gate(count: int, config: BrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices for training cortex and memory, and the held-out few the basal ganglia learn from."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(config.seed + 2))
    held_out = int(round(count * config.gate_holdout))
    return order[held_out:], order[:held_out]


def train_supervised(brain: Brain, images: torch.Tensor, labels: torch.Tensor, progress: bool = True, sources=SOURCES) -> list[float]:
    """Stage 2, supervised: cortex and memory learn to classify, then the gate learns whom to trust.

    Memory fills as examples are experienced: each batch writes its own slots after its
    step (so a key is never older than one epoch), and each example is barred from
    retrieving itself. Until memory is ready the cortex answers alone. A last refresh
    writes every image, held-out ones included, with the final encoder. Then the basal
    ganglia are fitted on the held-out images, which the cortex never trained on, as it
    will meet test digits. Returns the loss of every cortex-and-memory step.

    `sources` ("cortex", "memory" or both) says who learns; the ablation experiment
    trains one alone. Memory is used only if it learns, and the gate only if both do.
    With `config.train_shift_pixels` each training image is moved at random by up to
    that many pixels; memory's final keys are written from the unmoved images.
    """
    config = brain.config
    if not set(sources) <= set(SOURCES) or not sources:
        raise ValueError(f"sources must name some of {SOURCES}, got {sources!r}")
    with_memory = "memory" in sources
    if with_memory:
        check_memory_fits(brain.hippocampus.capacity, len(images))
    train_index, gate_index = split_for_gate(len(images), config)
    frozen = ("cerebellum.", "basal_ganglia.") + (() if "cortex" in sources else ("pfc.",))
    parameters = [p for name, p in brain.named_parameters() if not name.startswith(frozen)]
    optimizer, scheduler = _schedule(parameters, config.train_lr, config.weight_decay, _steps(len(train_index), config, config.train_epochs))
    generator = torch.Generator().manual_seed(config.seed + 1)
    device = _prepare(brain)
    brain.train()
    losses = []
    for epoch in range(config.train_epochs):
        batches = minibatches(images[train_index], labels[train_index], config.batch_size, shuffle=True, generator=generator)
        for batch, batch_labels, local in tqdm(batches, total=_steps(len(train_index), config, 1), desc=f"train {epoch + 1}/{config.train_epochs}", disable=not progress):
            batch = random_shift(batch, config.train_shift_pixels, generator)
            batch, batch_labels, slots = _on(device, batch), batch_labels.to(device), train_index[local].to(device)
            output = brain(batch, exclude_slots=slots, reconstruct=False)
            loss = supervised_loss(output, batch_labels, sources)
            if loss is not None:
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                losses.append(loss.item())
            if with_memory:
                brain.hippocampus.write(output.embedding, batch_labels, slots)
    if with_memory:
        refresh_memory(brain, images, labels)
    if with_memory and "cortex" in sources and len(gate_index):
        fit_gate(brain, images[gate_index], labels[gate_index], gate_index)
    return losses


def fit_gate(brain: Brain, images: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor) -> list[float]:
    """Train the basal ganglia alone on what cortex and memory say about these images; return its losses.

    Each image sits in memory at its slot and may not retrieve itself there.
    """
    config = brain.config
    device = _prepare(brain)
    cortex, memory, similarities = [], [], []
    with evaluation_mode(brain):
        for batch, _, local in minibatches(images, labels, 1000, shuffle=False):
            embedding, _ = brain.encode(_on(device, batch))
            recall = brain.hippocampus.recall(embedding, exclude_slots=slots[local].to(device))
            cortex.append(brain.pfc(embedding))
            memory.append(recall.log_probs)
            similarities.append(recall.similarities)
    cortex, memory, similarities = (torch.cat(parts).clone() for parts in (cortex, memory, similarities))
    labels = labels.to(device)
    optimizer = torch.optim.Adam(brain.basal_ganglia.parameters(), lr=config.gate_lr)
    generator = torch.Generator().manual_seed(config.seed + 3)
    brain.basal_ganglia.train()
    losses = []
    for _ in range(config.gate_epochs):
        for _, _, index in minibatches(labels, labels, 256, shuffle=True, generator=generator):
            log_probs, _ = brain.basal_ganglia(cortex[index], memory[index], similarities[index])
            loss = F.nll_loss(log_probs, labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def predict(brain: Brain, images: torch.Tensor, batch_size: int = 1000) -> dict[str, torch.Tensor]:
    """Predictions of the mixture, cortex and memory, the gates and the embeddings, on the CPU."""
    device = _prepare(brain)
    parts = {"mixture": [], "cortex": [], "memory": [], "gate": [], "thalamic_gates": []}
    with evaluation_mode(brain):
        for batch, _, _ in minibatches(images, images, batch_size, shuffle=False):
            output = brain(_on(device, batch), reconstruct=False)
            parts["mixture"].append(output.log_probs.argmax(1).cpu())
            parts["cortex"].append(output.cortex_logits.argmax(1).cpu())
            parts["thalamic_gates"].append(output.thalamic_gates.cpu())
            if output.gate is not None:
                parts["memory"].append(output.memory_log_probs.argmax(1).cpu())
                parts["gate"].append(output.gate.cpu())
    return {name: torch.cat(values) for name, values in parts.items() if values}


def evaluate(brain: Brain, images: torch.Tensor, labels: torch.Tensor) -> dict:
    """Test accuracy of the mixture, cortex alone and memory alone; gate statistics; per-class accuracy."""
    return score(predict(brain, images), labels, brain.config.num_classes)


def score(predictions: dict[str, torch.Tensor], labels: torch.Tensor, num_classes: int) -> dict:
    """The metrics of `evaluate`, from predictions already made by `predict`."""
    labels = labels.cpu()

    def accuracy(predicted, mask=None):
        correct = predicted == labels
        return float(correct[mask].float().mean()) if mask is not None else float(correct.float().mean())

    metrics = {"test_accuracy": {source: accuracy(predictions[source]) for source in ("mixture", "cortex", "memory") if source in predictions}}
    metrics["per_class_accuracy"] = {str(digit): accuracy(predictions["mixture"], labels == digit) for digit in range(num_classes)}
    if "gate" in predictions:
        gate = predictions["gate"]
        memory_only_right = (predictions["memory"] == labels) & (predictions["cortex"] != labels)
        cortex_only_right = (predictions["cortex"] == labels) & (predictions["memory"] != labels)
        agree = predictions["memory"] == predictions["cortex"]
        metrics["gate"] = {
            "mean": float(gate.mean()),
            "std": float(gate.std()),
            "mean_where_sources_agree": float(gate[agree].mean()) if agree.any() else None,
            "mean_where_sources_disagree": float(gate[~agree].mean()) if (~agree).any() else None,
            "mean_where_only_memory_right": float(gate[memory_only_right].mean()) if memory_only_right.any() else None,
            "mean_where_only_cortex_right": float(gate[cortex_only_right].mean()) if cortex_only_right.any() else None,
        }
        metrics["disagreements"] = {"count": int((~agree).sum()), **{
            source: accuracy(predictions[source], ~agree) if (~agree).any() else None for source in ("mixture", "cortex", "memory")}}
        metrics["oracle_accuracy"] = float(((predictions["memory"] == labels) | (predictions["cortex"] == labels)).float().mean())
    metrics["thalamic_gates"] = {"mean": float(predictions["thalamic_gates"].mean())}
    return metrics
