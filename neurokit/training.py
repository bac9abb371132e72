"""The two learning stages and evaluation: self-supervised pretraining, then supervised training."""

import copy
import math
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
from .hippocampus import SMOOTHING, replay_batch


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


def embed(brain: Brain, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The IT embeddings of these images (memory's keys and the PFC's input), in evaluation mode, on the brain's device."""
    device = _prepare(brain)
    with evaluation_mode(brain):
        embeddings = torch.cat([brain.encode(_on(device, batch))[0] for batch, _, _ in minibatches(images, images, batch_size, shuffle=False)])
    return embeddings.clone()  # out of inference mode


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


def outside_sample(hippocampus, count: int, generator: torch.Generator) -> torch.Tensor | None:
    """The `hidden` mask of one training step's recall: every stored memory but `count` of them, drawn at random.

    None (nothing hidden) when count is 0 or memory holds no more than count memories.
    """
    stored = (hippocampus.labels >= 0).nonzero().squeeze(1)
    if count == 0 or len(stored) <= count:
        return None
    hidden = torch.ones_like(hippocampus.labels, dtype=torch.bool)
    drawn = torch.randperm(len(stored), generator=generator)[:count].to(stored.device)
    hidden[stored[drawn]] = False
    return hidden


def split_for_gate(count: int, config: BrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices for training cortex and memory, and the held-out few the basal ganglia learn from."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(config.seed + 2))
    held_out = int(round(count * config.gate_holdout))
    return order[held_out:], order[:held_out]


def train_supervised(brain: Brain, images: torch.Tensor, labels: torch.Tensor, progress: bool = True, sources=SOURCES) -> list[float]:
    """Stage 2, supervised: cortex and memory learn to classify, then the gate learns whom to trust.

    Memory fills as examples are experienced: each batch writes its own slots after its
    step (so a key is never older than one epoch), and each example is barred from
    retrieving itself; each step recalls from `config.memory_train_sample` stored memories
    drawn at random (`outside_sample`). Until memory is ready the cortex answers alone. A last refresh
    writes every image, held-out ones included, with the final encoder, and memory learns
    its pattern separation from them (`Hippocampus.separate_patterns`), and the width of its
    kernel from the held-out images (`fit_kernel`). Then the basal
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
    sampling = torch.Generator().manual_seed(config.seed + 4)
    device = _prepare(brain)
    brain.train()
    losses = []
    for epoch in range(config.train_epochs):
        batches = minibatches(images[train_index], labels[train_index], config.batch_size, shuffle=True, generator=generator)
        for batch, batch_labels, local in tqdm(batches, total=_steps(len(train_index), config, 1), desc=f"train {epoch + 1}/{config.train_epochs}", disable=not progress):
            batch = random_shift(batch, config.train_shift_pixels, generator)
            batch, batch_labels, slots = _on(device, batch), batch_labels.to(device), train_index[local].to(device)
            hidden = outside_sample(brain.hippocampus, config.memory_train_sample, sampling) if with_memory else None
            output = brain(batch, exclude_slots=slots, reconstruct=False, hidden=hidden)
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
        brain.hippocampus.separate_patterns(config.memory_shrinkage)
    if with_memory and len(gate_index):
        fit_kernel(brain.hippocampus, embed(brain, images[gate_index]), labels[gate_index], gate_index, torch.Generator().manual_seed(config.seed + 5))
    if with_memory and "cortex" in sources and len(gate_index):
        fit_gate(brain, images[gate_index], labels[gate_index], gate_index)
    return losses


REHEARSED_EXAMPLES = (1, 10)  # a rehearsal of novelty leaves memory from 1 to 10 examples of the "new" digit

# The kernels fit_kernel chooses from: the width of a class of one memory, how fast it narrows with the class's count,
# and the weight of the width in the kernel's normaliser (Hippocampus.use_kernel).
KERNEL_WIDTHS = (0.03, 0.04, 0.05, 0.06, 0.07, 0.085, 0.1)
KERNEL_SHRINKS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15)
KERNEL_NORMALISERS = tuple(float(weight) for weight in range(17))
KERNEL_QUERIES = 500  # held-out images fit_kernel scores each kernel on
KERNEL_REHEARSALS = (1, 3, 10)  # examples of the "new" digit memory keeps in fit_kernel's rehearsals


@torch.no_grad()
def fit_kernel(hippocampus, embeddings: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor, generator: torch.Generator):
    """Choose memory's kernel (`Hippocampus.use_kernel`) by the likelihood of these held-out embeddings' labels.

    Each embedding sits in memory at its slot and may not retrieve itself there. Every kernel of the grid
    KERNEL_WIDTHS x KERNEL_SHRINKS x KERNEL_NORMALISERS is scored on KERNEL_QUERIES of the embeddings drawn
    with `generator`: memory's negative log-likelihood as memory is, plus, for each digit and each count of
    KERNEL_REHEARSALS, as if that digit had just been met (memory keeps only that many of its examples, none
    of them an embedding asked about). A class of thousands of memories wants a narrow kernel, one of a few a
    broad one; the likeliest kernel on both is kept.
    """
    chosen = torch.randperm(len(embeddings), generator=generator)[:KERNEL_QUERIES]
    device = hippocampus.keys.device
    queries, truth, own = embeddings[chosen].to(device), labels[chosen].to(device), slots[chosen].to(device)
    stored = (hippocampus.labels >= 0).nonzero().squeeze(1)
    stored = stored[hippocampus.labels[stored].argsort(stable=True)]  # grouped by class
    classes, counts = hippocampus.labels[stored].unique_consecutive(return_counts=True)
    ends = counts.cumsum(0).tolist()
    similarities = hippocampus.separated(queries) @ hippocampus.separated(hippocampus.keys[stored]).T
    similarities[own[:, None] == stored[None, :]] = float("-inf")
    in_own_class = hippocampus.labels[own][:, None] == classes[None, :]
    asked_about = torch.isin(stored, slots.to(device))
    rehearsals = []  # (class's column, columns of the memories kept)
    for column, (start, end) in enumerate(zip([0] + ends[:-1], ends)):
        keepable = start + (~asked_about[start:end]).nonzero().squeeze(1)
        for count in KERNEL_REHEARSALS if len(keepable) else ():  # a digit whose every memory is asked about is not rehearsed
            rehearsals.append((column, keepable[torch.randperm(len(keepable), generator=generator)[:count].to(device)]))
    truth_column = torch.full((hippocampus.num_classes,), -1, device=device)
    truth_column[classes] = torch.arange(len(classes), device=device)
    truth_column = truth_column[truth]  # each query's class among the stored ones, -1 if memory holds none of it
    normalisers = torch.tensor(KERNEL_NORMALISERS, dtype=similarities.dtype, device=device)[:, None, None, None]
    best = (float("inf"), None)
    for width_of_one in KERNEL_WIDTHS:
        for shrink in KERNEL_SHRINKS:
            widths = width_of_one * counts.to(similarities.dtype) ** -shrink
            log_means = torch.stack([torch.logsumexp((similarities[:, start:end] - 1) / width, 1)
                                     for start, end, width in zip([0] + ends[:-1], ends, widths)], 1)
            log_means = log_means - (counts - in_own_class.long()).clamp(min=1).log()
            cases, case_widths = [log_means], [widths.expand_as(log_means)]  # memory as it is, then each rehearsal
            for column, kept in rehearsals:
                width = width_of_one * len(kept) ** -shrink
                cases.append(log_means.clone())
                cases[-1][:, column] = torch.logsumexp((similarities[:, kept] - 1) / width, 1) - math.log(len(kept))
                case_widths.append(case_widths[0].clone())
                case_widths[-1][:, column] = width
            log_densities = torch.stack(cases) - normalisers * torch.stack(case_widths).log()  # (normalisers, cases, N, classes)
            losses = _kernel_nll(log_densities, truth_column, hippocampus.num_classes)
            loss, which = losses.min(0)
            best = min(best, (float(loss), (width_of_one, shrink, KERNEL_NORMALISERS[int(which)])))
    hippocampus.use_kernel(*best[1])


def _kernel_nll(log_densities: torch.Tensor, truth_column: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Summed negative log-likelihood of memory's vote, smoothed as `Hippocampus.recall` smooths it, for each
    kernel: log_densities (kernels, cases, N, stored classes), truth_column (N,) the column of each query's class
    (-1 where memory stores none of it). Returns (kernels,)."""
    probabilities = log_densities.softmax(-1)
    true = probabilities.gather(-1, truth_column.clamp(min=0).expand(*probabilities.shape[:-1])[..., None]).squeeze(-1)
    true = torch.where(truth_column >= 0, true, torch.zeros_like(true))
    return -torch.log((1 - SMOOTHING) * true + SMOOTHING / num_classes).sum((1, 2))


def gate_evidence(brain: Brain, embeddings: torch.Tensor, cortex_logits: torch.Tensor, slots: torch.Tensor,
                  hidden: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """What the basal ganglia read about these embeddings: cortex logits, memory's log-probabilities and its
    nearest similarities; each embedding's own slot is skipped, and so are the `hidden` memories."""
    memory, similarities = [], []
    for start in range(0, len(embeddings), 1000):
        recall = brain.hippocampus.recall(embeddings[start:start + 1000], slots[start:start + 1000], hidden)
        memory.append(recall.log_probs)
        similarities.append(recall.similarities)
    return cortex_logits, torch.cat(memory), torch.cat(similarities)


def rehearse_novelty(brain: Brain, embeddings: torch.Tensor, cortex_logits: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor,
                     digit: int, generator: torch.Generator):
    """The evidence as if `digit` were new: memory keeps a few of its examples, the cortex cannot name it.

    The images are this digit's held-out ones and as many others; memory hides every stored example of
    the digit but 1 to 10 (none of them the images asked about), and the cortex's logit for it drops
    far below the others, as for a digit it never trained on. Returns the evidence and, per image,
    whether it shows the "new" digit.
    """
    own = labels == digit
    others = (~own).nonzero().squeeze(1)
    chosen = torch.cat([own.nonzero().squeeze(1), others[torch.randperm(len(others), generator=generator)[:int(own.sum())]]])
    stored = (brain.hippocampus.labels == digit).nonzero().squeeze(1).cpu()
    stored = stored[~torch.isin(stored, slots.cpu())]
    low, high = REHEARSED_EXAMPLES
    kept = stored[torch.randperm(len(stored), generator=generator)[:int(torch.randint(low, high + 1, (1,), generator=generator))]]
    hidden = torch.zeros(brain.hippocampus.capacity, dtype=torch.bool)
    hidden[stored] = True
    hidden[kept] = False
    unnamed = cortex_logits[chosen].clone()
    unnamed[:, digit] = unnamed.min(1).values - 30.0
    evidence = gate_evidence(brain, embeddings[chosen], unnamed, slots[chosen], hidden.to(embeddings.device))
    return evidence, own[chosen]


def fit_gate(brain: Brain, images: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor) -> list[float]:
    """Train the basal ganglia alone on these held-out images; return the novelty detector's losses.

    Each image sits in memory at its slot and may not retrieve itself there. First the two
    calibration temperatures are fitted to what cortex and memory say about the images
    (`calibrate`). Then the policy learns to detect novelty from rehearsals
    (`rehearse_novelty`): for each digit in turn, as if it had just been met, memory holds a
    few of its examples and the cortex cannot name it; the policy learns to tell those images
    from the familiar ones (the held-out images as they are, and the other digits of each
    rehearsal). On familiar images the gate keeps `config.gate_familiar_trust`.
    """
    config = brain.config
    device = _prepare(brain)
    generator = torch.Generator().manual_seed(config.seed + 3)
    embeddings = embed(brain, images)
    with evaluation_mode(brain):
        cortex_logits = brain.pfc(embeddings).clone()
        labels, slots = labels.to(device), slots.to(device)
        as_they_are = gate_evidence(brain, embeddings, cortex_logits, slots)
        rehearsals = [rehearse_novelty(brain, embeddings, cortex_logits, labels, slots, int(digit), generator) for digit in labels.unique()]
    basal_ganglia = brain.basal_ganglia
    calibrate(basal_ganglia, as_they_are[0].clone(), as_they_are[1].clone(), labels)
    evidence = [torch.cat(parts).clone() for parts in zip(as_they_are, *(rehearsed for rehearsed, _ in rehearsals))]  # out of inference mode
    novel = torch.cat([torch.zeros_like(labels, dtype=torch.bool)] + [is_new for _, is_new in rehearsals]).float()
    with torch.no_grad():
        calibrated = basal_ganglia.calibrated(evidence[0], evidence[1])
    optimizer = torch.optim.Adam(basal_ganglia.policy.parameters(), lr=config.gate_lr)
    basal_ganglia.train()
    losses = []
    for _ in range(config.gate_epochs):
        for _, _, index in minibatches(novel, novel, 256, shuffle=True, generator=generator):
            novelty_logit = basal_ganglia.novelty_logit(calibrated[0][index], calibrated[1][index], evidence[2][index])
            loss = F.binary_cross_entropy_with_logits(novelty_logit, novel[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def calibrate(basal_ganglia, cortex_logits: torch.Tensor, memory_log_probs: torch.Tensor, labels: torch.Tensor, steps: int = 100):
    """Fit the basal ganglia's two temperatures so that each source's probabilities are calibrated on these examples."""
    optimizer = torch.optim.Adam([basal_ganglia.log_temperatures], lr=0.05)
    for _ in range(steps):
        cortex_temperature, memory_temperature = basal_ganglia.log_temperatures.exp()
        loss = (F.cross_entropy(cortex_logits / cortex_temperature, labels)
                + F.cross_entropy(F.log_softmax(memory_log_probs, dim=1) / memory_temperature, labels))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


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


def supervised_epoch(brain: Brain, images: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor, optimizer, scheduler,
                     generator: torch.Generator | None = None, batch_size: int = 128) -> list[float]:
    """One epoch of stage 2, as lesson 09 has it written: for every shuffled minibatch, in training mode, the
    forward pass with each image barred from its own memory slot, `supervised_loss`, one step of the optimizer and
    of the scheduler, then the batch's embeddings written into their slots with their labels. `slots` (N,) names
    each image's slot. Returns the loss of every step."""
    device = next(brain.parameters()).device
    brain.train()
    losses = []
    for batch, batch_labels, local in minibatches(images, labels, batch_size, shuffle=True, generator=generator):
        batch, batch_labels, batch_slots = batch.to(device), batch_labels.to(device), slots[local].to(device)
        output = brain(batch, exclude_slots=batch_slots, reconstruct=False)
        loss = supervised_loss(output, batch_labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        brain.hippocampus.write(output.embedding, batch_labels, batch_slots)
    return losses


def fit_basal_ganglia(brain: Brain, images: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor, epochs: int, lr: float,
                      generator: torch.Generator | None = None, batch_size: int = 256) -> list[float]:
    """The gate, as lesson 09 has it written (`fit_gate` without its rehearsals of novelty); return the policy's losses.

    The images are held out from the cortex's training and sit in memory at `slots`. In evaluation mode and without
    gradients: the cortex's logits, and memory's log-probabilities and similarities with each image barred from its own
    slot. Then the basal ganglia are calibrated (`calibrate`), and the policy alone learns, by Adam on shuffled
    minibatches, to lower the negative log-likelihood of the mixture. Nothing outside the basal ganglia changes."""
    device = next(brain.parameters()).device
    was_training = brain.training
    brain.eval()
    with torch.no_grad():
        embedding, _ = brain.encode(images.to(device))
        cortex_logits = brain.pfc(embedding)
        recall = brain.hippocampus.recall(embedding, exclude_slots=slots.to(device))
    memory_log_probs, similarities, labels = recall.log_probs, recall.similarities, labels.to(device)
    basal_ganglia = brain.basal_ganglia
    calibrate(basal_ganglia, cortex_logits, memory_log_probs, labels)
    optimizer = torch.optim.Adam(basal_ganglia.policy.parameters(), lr=lr)
    basal_ganglia.train()
    losses = []
    for _ in range(epochs):
        for _, _, index in minibatches(labels, labels, batch_size, shuffle=True, generator=generator):
            log_probs, _ = basal_ganglia(cortex_logits[index], memory_log_probs[index], similarities[index])
            loss = F.nll_loss(log_probs, labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    brain.train(was_training)
    return losses


GATE_CASES = ("both right", "only memory right", "only cortex right", "both wrong")


def evaluate_sources(brain: Brain, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> dict:
    """Who is right, and whom the basal ganglia trust, as lesson 09 has it written.

    Returns {"accuracy": {"mixture", "cortex", "memory", "oracle"}, "count": {case: images},
    "mean gate": {case: mean trust in memory, None where no image}} for the cases of GATE_CASES; the oracle is
    right where either source is. The brain runs in evaluation mode and is left in the mode it was in."""
    was_training = brain.training
    brain.eval()
    device = next(brain.parameters()).device
    right = {"mixture": [], "cortex": [], "memory": []}
    gates = []
    try:
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                output = brain(images[start:start + batch_size].to(device), reconstruct=False)
                truth = labels[start:start + batch_size].to(device)
                right["mixture"].append((output.log_probs.argmax(1) == truth).cpu())
                right["cortex"].append((output.cortex_logits.argmax(1) == truth).cpu())
                right["memory"].append((output.memory_log_probs.argmax(1) == truth).cpu())
                gates.append(output.gate.cpu())
    finally:
        brain.train(was_training)
    right = {source: torch.cat(parts) for source, parts in right.items()}
    gate = torch.cat(gates)
    cortex, memory = right["cortex"], right["memory"]
    cases = dict(zip(GATE_CASES, (cortex & memory, memory & ~cortex, cortex & ~memory, ~cortex & ~memory)))
    accuracy = {source: float(correct.float().mean()) for source, correct in right.items()}
    accuracy["oracle"] = float((cortex | memory).float().mean())
    return {"accuracy": accuracy, "count": {case: int(where.sum()) for case, where in cases.items()},
            "mean gate": {case: float(gate[where].mean()) if where.any() else None for case, where in cases.items()}}


def sleep(brain: Brain, steps: int, learning_rate: float, generator: torch.Generator, digits: list[int] | None = None) -> list[float]:
    """Consolidation by replay: the PFC learns from `steps` batches of memories the hippocampus replays; return the losses.

    Each step replays `brain.config.batch_size` memories class by class (`hippocampus.replay_batch`)
    and takes one AdamW step (learning rate `learning_rate`, weight decay `brain.config.weight_decay`)
    on the PFC's cross-entropy, the PFC in training mode; nothing else changes, and the brain is left
    in the mode it was in. Every class is replayed about as often, so the PFC learns a digit that
    memory holds only a few examples of without unlearning the others; the visual pathway and
    memory do not change, so memory's keys stay valid. `digits` replays only memories of those
    digits: plain fine-tuning on them, which makes the PFC forget the rest.
    """
    keys, labels = brain.hippocampus.keys, brain.hippocampus.labels
    if digits is not None:
        labels = torch.where(torch.isin(labels, torch.as_tensor(digits, device=labels.device)), labels, torch.full_like(labels, -1))
    optimizer = torch.optim.AdamW(brain.pfc.parameters(), lr=learning_rate, weight_decay=brain.config.weight_decay)
    was_training = brain.pfc.training
    brain.pfc.train()
    losses = []
    for _ in range(steps):
        embeddings, targets = replay_batch(keys, labels, brain.config.batch_size, generator)
        loss = F.cross_entropy(brain.pfc(embeddings), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    brain.pfc.train(was_training)
    return losses


def forgetting_curve(brain: Brain, embeddings: torch.Tensor, labels: torch.Tensor, new_digit: int, steps: int, every: int,
                     learning_rate: float, generator: torch.Generator, digits: list[int] | None = None) -> torch.Tensor:
    """The cortex's accuracy on the new digit and on the others, before sleep and after each bout of `every` steps.

    A copy of the brain sleeps (`sleep`, with `digits` and the one `generator`) in steps // every bouts;
    before the first and after each, its PFC, in evaluation mode, names the embeddings (N, D). Returns
    (steps // every + 1, 2): the share of the images labelled `new_digit` it names right, and of the
    others. The brain itself does not change.
    """
    sleeper = copy.deepcopy(brain)
    labels = labels.cpu()
    new = labels == new_digit
    curve = []
    for bout in range(steps // every + 1):
        if bout:
            sleep(sleeper, every, learning_rate, generator, digits)
        sleeper.pfc.eval()
        with torch.no_grad():
            right = sleeper.pfc(embeddings.to(sleeper.hippocampus.keys.device)).argmax(1).cpu() == labels
        curve.append([right[new].float().mean().item(), right[~new].float().mean().item()])
    return torch.tensor(curve)
