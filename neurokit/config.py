"""The one configuration of the reference brain: architecture, memory and training schedule."""

import math
from dataclasses import asdict, dataclass, fields

from .errors import ConfigError

IMAGE_SIZE = 28  # MNIST's images are 28 x 28 pixels


@dataclass(frozen=True)
class BrainConfig:
    """Every setting of the brain, checked when the config is made (see ALLOWED) and fixed after.

    To vary one, make a new config: `dataclasses.replace(config, memory_k=8)`.
    """

    # Retina: the first convolution, optionally started as centre-surround filters.
    retina_channels: int = 16
    retina_kernel_size: int = 5
    retina_dog_init: bool = True
    # Thalamus: squeeze ratio of the channel gate.
    thalamus_reduction: int = 4
    # Visual cortex: channels of V1, V2 and V4.
    v1_channels: int = 32
    v2_channels: int = 64
    v4_channels: int = 64
    # IT cortex: size of the object embedding.
    embedding_dim: int = 128
    num_classes: int = 10
    # Hippocampus: one memory slot per training image, k nearest neighbours reported to the gate, the vote's
    # temperature while memory learns (after training, `training.fit_kernel` fits the kernel's width), the shrinkage of pattern separation's within-class whitening (towards plain rescaling), and how
    # many stored memories a training step's recall compares with, drawn afresh every step (0: all; a test compares
    # with all of them: the class-balanced vote of a random sample estimates the same class densities, at a fraction
    # of the cost).
    memory_capacity: int = 60_000
    memory_k: int = 16
    memory_temperature: float = 0.07
    memory_shrinkage: float = 0.1
    memory_train_sample: int = 16384
    # PFC: dropout before the classifier.
    pfc_dropout: float = 0.1
    # Training schedule.
    pretrain_epochs: int = 1
    train_epochs: int = 2
    batch_size: int = 128
    pretrain_lr: float = 3e-3
    train_lr: float = 4e-3
    weight_decay: float = 1e-4
    train_shift_pixels: int = 2  # supervised images moved at random by up to this many pixels (0: as they are)
    # Basal ganglia: the trust in memory on familiar digits, and the share of training images held out from cortex
    # training to fit the gate on.
    gate_familiar_trust: float = 0.5
    gate_holdout: float = 0.08
    gate_epochs: int = 20
    gate_lr: float = 1e-2
    # Sleep: the PFC learns from memories the hippocampus replays (consolidation; not part of `neurokit train`).
    sleep_steps: int = 300
    sleep_lr: float = 1e-3
    seed: int = 0
    threads: int | None = None  # CPU threads for PyTorch; None keeps its default (one per core)

    def __post_init__(self):
        problems = [f"{name} = {getattr(self, name)!r}: must be {rule.describe()}" for name, rule in ALLOWED.items() if not rule.admits(getattr(self, name))]
        if not problems:
            for name, rule in ALLOWED.items():
                if rule.kind is float:
                    object.__setattr__(self, name, float(getattr(self, name)))
            problems = [problem for problem in self.combination_problems() if problem]
        if problems:
            raise ConfigError(f"BrainConfig cannot be made: {'; '.join(problems)}.")

    def combination_problems(self):
        """What is wrong between fields, each checked alone already."""
        if self.retina_kernel_size % 2 == 0:
            yield f"retina_kernel_size = {self.retina_kernel_size}: must be odd, so the retina keeps the image's size"
        if self.thalamus_reduction > self.retina_channels:
            yield (f"thalamus_reduction = {self.thalamus_reduction}: must be at most retina_channels = {self.retina_channels}, "
                   "so the thalamic gate keeps at least one hidden unit")
        if 0 < self.memory_train_sample <= self.memory_k:
            yield (f"memory_train_sample = {self.memory_train_sample}: must be 0 (all memories) or larger than memory_k = "
                   f"{self.memory_k}, since recall needs more memories than neighbours")
        if self.memory_k >= self.memory_capacity:
            yield (f"memory_k = {self.memory_k}: must be smaller than memory_capacity = {self.memory_capacity}, "
                   "since recall needs more stored memories than neighbours")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "BrainConfig":
        if not isinstance(values, dict):
            raise ConfigError(f"A saved BrainConfig must be a dict of fields, got {type(values).__name__}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Unknown BrainConfig fields: {', '.join(map(str, unknown))}; the fields are {', '.join(sorted(known))}.")
        return cls(**values)


@dataclass(frozen=True)
class Allowed:
    """The values a field may take: a kind (int, float or bool) and bounds; `open` bounds are excluded."""

    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    optional: bool = False  # None is allowed too

    def admits(self, value) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or self.kind is bool:
            return isinstance(value, bool) and self.kind is bool
        if not isinstance(value, (float, int) if self.kind is float else int) or not math.isfinite(value):
            return False
        above = self.low is None or (value > self.low if self.low_open else value >= self.low)
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return above and below

    def describe(self) -> str:
        if self.kind is bool:
            return "True or False"
        kind = "a whole number" if self.kind is int else "a number"
        if self.kind is int and self.low is not None and self.high is not None:
            bounds = f"from {self.low} to {self.high}"
        else:
            low = None if self.low is None else f"{'above' if self.low_open else 'of at least'} {self.low}"
            high = None if self.high is None else f"{'below' if self.high_open else 'at most'} {self.high}"
            bounds = " and ".join(filter(None, [low, high]))
        return f"{kind} {bounds}{', or None' if self.optional else ''}"


ALLOWED = {
    "retina_channels": Allowed(int, 1),
    "retina_kernel_size": Allowed(int, 1, IMAGE_SIZE - 1),
    "retina_dog_init": Allowed(bool),
    "thalamus_reduction": Allowed(int, 1),
    "v1_channels": Allowed(int, 1),
    "v2_channels": Allowed(int, 1),
    "v4_channels": Allowed(int, 1),
    "embedding_dim": Allowed(int, 1),
    "num_classes": Allowed(int, 2),
    "memory_capacity": Allowed(int, 2),
    "memory_k": Allowed(int, 1),
    "memory_temperature": Allowed(float, 0, low_open=True),
    "memory_shrinkage": Allowed(float, 0),
    "memory_train_sample": Allowed(int, 0),
    "pfc_dropout": Allowed(float, 0, 1, high_open=True),
    "pretrain_epochs": Allowed(int, 1),
    "train_epochs": Allowed(int, 1),
    "batch_size": Allowed(int, 2),  # batch normalisation learns nothing from one image
    "pretrain_lr": Allowed(float, 0, low_open=True),
    "train_lr": Allowed(float, 0, low_open=True),
    "weight_decay": Allowed(float, 0),
    "train_shift_pixels": Allowed(int, 0, IMAGE_SIZE // 2),
    "gate_familiar_trust": Allowed(float, 0, 1, low_open=True, high_open=True),
    "gate_holdout": Allowed(float, 0, 1, high_open=True),
    "gate_epochs": Allowed(int, 0),
    "gate_lr": Allowed(float, 0, low_open=True),
    "sleep_steps": Allowed(int, 0),
    "sleep_lr": Allowed(float, 0, low_open=True),
    "seed": Allowed(int, 0, 2**32 - 1),
    "threads": Allowed(int, 1, optional=True),
}
