"""The one configuration of the reference brain: architecture, memory and training schedule."""

from dataclasses import asdict, dataclass, fields


@dataclass
class BrainConfig:
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
    # Hippocampus: one memory slot per training image, k neighbours, softmax temperature.
    memory_capacity: int = 60_000
    memory_k: int = 16
    memory_temperature: float = 0.07
    # PFC: dropout before the classifier.
    pfc_dropout: float = 0.1
    # Training schedule.
    pretrain_epochs: int = 1
    train_epochs: int = 2
    batch_size: int = 128
    pretrain_lr: float = 3e-3
    train_lr: float = 4e-3
    weight_decay: float = 1e-4
    train_shift_pixels: int = 0  # supervised images moved at random by up to this many pixels (0: as they are)
    # Basal ganglia: the share of training images held out from cortex training to fit the gate on.
    gate_holdout: float = 0.08
    gate_epochs: int = 20
    gate_lr: float = 1e-2
    seed: int = 0
    threads: int | None = None  # CPU threads for PyTorch; None keeps its default (one per core)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "BrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown BrainConfig fields: {', '.join(unknown)}")
        return cls(**values)
