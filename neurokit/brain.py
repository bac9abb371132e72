"""The whole brain: the regions wired in the order the signal flows."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .basal_ganglia import BasalGanglia
from .cerebellum import Cerebellum
from .config import BrainConfig
from .hippocampus import Hippocampus
from .it_cortex import ITCortex
from .pfc import PFC
from .retina import Retina
from .thalamus import Thalamus
from .visual_cortex import VisualCortex


@dataclass
class BrainOutput:
    """Everything one forward pass produces; memory fields are None until the hippocampus is ready."""

    log_probs: torch.Tensor  # (N, 10) final answer: the gated mixture
    cortex_logits: torch.Tensor  # (N, 10) the PFC's own prediction
    memory_log_probs: torch.Tensor | None  # (N, 10) the hippocampus's vote
    gate: torch.Tensor | None  # (N,) basal-ganglia trust in memory, 0..1
    thalamic_gates: torch.Tensor  # (N, retina channels) thalamus gates, 0..2
    embedding: torch.Tensor  # (N, embedding_dim) IT code
    reconstruction: torch.Tensor | None  # (N, 1, 28, 28) cerebellum's prediction of the image


class Brain(nn.Module):
    """Retina -> thalamus -> V1/V2/V4 -> IT -> (PFC, hippocampus) -> basal ganglia; IT -> cerebellum."""

    def __init__(self, config: BrainConfig = BrainConfig()):
        super().__init__()
        self.config = config
        self.retina = Retina(config.retina_channels, config.retina_kernel_size, config.retina_dog_init)
        self.thalamus = Thalamus(config.retina_channels, config.thalamus_reduction)
        self.visual_cortex = VisualCortex(config.retina_channels, config.v1_channels, config.v2_channels, config.v4_channels)
        self.it_cortex = ITCortex(config.v4_channels, 7, config.embedding_dim)
        self.pfc = PFC(config.embedding_dim, config.num_classes, config.pfc_dropout)
        self.hippocampus = Hippocampus(
            config.memory_capacity, config.embedding_dim, config.num_classes, config.memory_k, config.memory_temperature
        )
        self.basal_ganglia = BasalGanglia(config.num_classes, familiar_trust=config.gate_familiar_trust)
        self.cerebellum = Cerebellum(config.embedding_dim, config.v4_channels)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The visual pathway: images (N, 1, 28, 28) to (IT embedding, thalamic gates)."""
        retinal_signal = self.retina(images)
        relayed, thalamic_gates = self.thalamus(retinal_signal)
        return self.it_cortex(self.visual_cortex(relayed)), thalamic_gates

    def forward(self, images: torch.Tensor, exclude_slots: torch.Tensor | None = None, reconstruct: bool = True,
                hidden: torch.Tensor | None = None) -> BrainOutput:
        embedding, thalamic_gates = self.encode(images)
        cortex_logits = self.pfc(embedding)
        reconstruction = self.cerebellum(embedding) if reconstruct else None
        log_probs, memory_log_probs, gate = self.decide(embedding, cortex_logits, exclude_slots, hidden)
        return BrainOutput(log_probs, cortex_logits, memory_log_probs, gate, thalamic_gates, embedding, reconstruction)

    def decide(self, embedding: torch.Tensor, cortex_logits: torch.Tensor, exclude_slots: torch.Tensor | None = None,
               hidden: torch.Tensor | None = None):
        """Memory recalls, the basal ganglia weigh it against the cortex: (log-probabilities, memory's, gate).

        Until memory is ready the cortex answers alone, and memory's answer and the gate are None. exclude_slots and
        hidden are `Hippocampus.recall`'s.
        """
        if not self.hippocampus.ready:
            return F.log_softmax(cortex_logits, dim=1), None, None
        recall = self.hippocampus.recall(embedding, exclude_slots, hidden)
        log_probs, gate = self.basal_ganglia(cortex_logits, recall.log_probs, recall.similarities)
        return log_probs, recall.log_probs, gate
