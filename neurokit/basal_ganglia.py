"""Basal ganglia: a learned gate that decides how far to trust memory over cortex."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .errors import check_vectors

FEATURE_NAMES = (
    "closest similarity",
    "mean similarity",
    "memory confidence",
    "cortex confidence",
    "memory entropy",
    "cortex entropy",
    "agreement",
)


def retrieval_features(cortex_log_probs: torch.Tensor, memory_log_probs: torch.Tensor, similarities: torch.Tensor) -> torch.Tensor:
    """The evidence the gate weighs, one row per example, columns as in FEATURE_NAMES."""
    classes = cortex_log_probs.shape[1]

    def confidence_and_entropy(log_probs):
        probs = log_probs.exp()
        entropy = -(probs * log_probs).sum(1) / math.log(classes)
        return probs.max(1).values, entropy

    memory_confidence, memory_entropy = confidence_and_entropy(memory_log_probs)
    cortex_confidence, cortex_entropy = confidence_and_entropy(cortex_log_probs)
    agreement = (memory_log_probs.argmax(1) == cortex_log_probs.argmax(1)).float()
    columns = [similarities[:, 0], similarities.mean(1), memory_confidence, cortex_confidence, memory_entropy, cortex_entropy, agreement]
    return torch.stack(columns, dim=1)


def mix_in_probability_space(cortex_log_probs: torch.Tensor, memory_log_probs: torch.Tensor, gate_logit: torch.Tensor) -> torch.Tensor:
    """log(g * p_memory + (1 - g) * p_cortex) with g = sigmoid(gate_logit), computed stably."""
    trust_memory = F.logsigmoid(gate_logit)[:, None] + memory_log_probs
    trust_cortex = F.logsigmoid(-gate_logit)[:, None] + cortex_log_probs
    return torch.logaddexp(trust_memory, trust_cortex)


class BasalGanglia(nn.Module):
    """Action selection: let one of two competing sources drive the answer.

    The basal ganglia gate which cortical plan goes ahead, learning from reward which to
    favour in which situation. Here the two candidates are the cortex's prediction (the
    PFC) and the hippocampus's recalled vote. Each is first calibrated by a learned
    temperature, so both speak on one scale. A small network then reads retrieval statistics
    (how close the neighbours are, how confident and how much in agreement both sources
    are), each standardised so that small differences count, and outputs a gate g in
    (0, 1); the answer is g * p_memory + (1 - g) * p_cortex,
    a mixture of two probability distributions on one scale. The statistics are detached:
    the gate learns whom to trust, not to change what they say. Left out: dopamine,
    the direct and indirect pathways, reinforcement learning.
    """

    def __init__(self, num_classes: int = 10, hidden: int = 16):
        super().__init__()
        self.num_classes = num_classes
        self.log_temperatures = nn.Parameter(torch.zeros(2))  # calibration of cortex and of memory
        self.policy = nn.Sequential(nn.BatchNorm1d(len(FEATURE_NAMES)), nn.Linear(len(FEATURE_NAMES), hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, cortex_logits: torch.Tensor, memory_log_probs: torch.Tensor, similarities: torch.Tensor):
        """Return (log-probabilities of the mixture, gate g per example)."""
        check_vectors(cortex_logits, "BasalGanglia (cortex logits)", self.num_classes)
        check_vectors(memory_log_probs, "BasalGanglia (memory log-probabilities)", self.num_classes)
        cortex_temperature, memory_temperature = self.log_temperatures.exp()
        cortex_log_probs = F.log_softmax(cortex_logits / cortex_temperature, dim=1)
        memory_log_probs = F.log_softmax(memory_log_probs / memory_temperature, dim=1)
        features = retrieval_features(cortex_log_probs, memory_log_probs, similarities).detach()
        gate_logit = self.policy(features).squeeze(1)
        return mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit), torch.sigmoid(gate_logit)
