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
    "cortex's belief in memory's answer",
)
UNBELIEVED = math.log(1e-4)  # the log-probability below which a belief counts as none at all


def retrieval_features(cortex_log_probs: torch.Tensor, memory_log_probs: torch.Tensor, similarities: torch.Tensor) -> torch.Tensor:
    """The evidence the gate weighs, one row per example, columns as in FEATURE_NAMES.

    The last column is the cortex's log-probability for the digit memory recalls, from 0 (the cortex
    agrees) down to -1 (the cortex gives it no belief at all, as for a digit it never learned).
    """
    classes = cortex_log_probs.shape[1]

    def confidence_and_entropy(log_probs):
        probs = log_probs.exp()
        entropy = -(probs * log_probs).sum(1) / math.log(classes)
        return probs.max(1).values, entropy

    memory_confidence, memory_entropy = confidence_and_entropy(memory_log_probs)
    cortex_confidence, cortex_entropy = confidence_and_entropy(cortex_log_probs)
    memory_answer = memory_log_probs.argmax(1)
    agreement = (memory_answer == cortex_log_probs.argmax(1)).float()
    belief = cortex_log_probs.gather(1, memory_answer[:, None]).squeeze(1).clamp(min=UNBELIEVED) / -UNBELIEVED
    columns = [similarities[:, 0], similarities.mean(1), memory_confidence, cortex_confidence, memory_entropy, cortex_entropy, agreement, belief]
    return torch.stack(columns, dim=1)


def mix_in_probability_space(cortex_log_probs: torch.Tensor, memory_log_probs: torch.Tensor, gate_logit: torch.Tensor) -> torch.Tensor:
    """log(g * p_memory + (1 - g) * p_cortex) with g = sigmoid(gate_logit), computed stably."""
    trust_memory = F.logsigmoid(gate_logit)[:, None] + memory_log_probs
    trust_cortex = F.logsigmoid(-gate_logit)[:, None] + cortex_log_probs
    return torch.logaddexp(trust_memory, trust_cortex)


class BasalGanglia(nn.Module):
    """Action selection: let one of two competing sources drive the answer.

    The basal ganglia gate which cortical plan goes ahead, learning which to favour in which
    situation. Here the two candidates are the cortex's prediction (the PFC) and the
    hippocampus's recalled vote. Each is first calibrated by a learned temperature, so both
    speak on one scale. On familiar inputs the gate keeps one level of trust in memory
    (`familiar_trust`, an even 0.5 by default): a mixture of two calibrated sources, in which
    the more confident one carries each answer. A small network (`policy`) reads retrieval statistics (how close the
    neighbours are, how confident both sources are, whether they agree, whether the cortex
    believes memory's answer at all), each standardised, and detects novelty: an input the
    cortex cannot name but memory can, as for a digit met only a few times. Novelty hands the
    answer to memory: g = novelty + (1 - novelty) * familiar_trust, and the answer is
    g * p_memory + (1 - g) * p_cortex. The statistics are detached: the gate learns whom to
    trust, not to change what they say. Left out: dopamine, the direct and indirect
    pathways, learning from reward.
    """

    def __init__(self, num_classes: int = 10, hidden: int = 16, familiar_trust: float = 0.5):
        super().__init__()
        if not 0 < familiar_trust < 1:
            raise ValueError(f"familiar_trust must be between 0 and 1, got {familiar_trust}")
        self.num_classes, self.familiar_trust = num_classes, familiar_trust
        self.log_temperatures = nn.Parameter(torch.zeros(2))  # calibration of cortex and of memory
        self.policy = nn.Sequential(nn.BatchNorm1d(len(FEATURE_NAMES)), nn.Linear(len(FEATURE_NAMES), hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def calibrated(self, cortex_logits: torch.Tensor, memory_log_probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both sources' log-probabilities, each sharpened or softened by its learned temperature."""
        check_vectors(cortex_logits, "BasalGanglia (cortex logits)", self.num_classes)
        check_vectors(memory_log_probs, "BasalGanglia (memory log-probabilities)", self.num_classes)
        cortex_temperature, memory_temperature = self.log_temperatures.exp()
        return F.log_softmax(cortex_logits / cortex_temperature, dim=1), F.log_softmax(memory_log_probs / memory_temperature, dim=1)

    def novelty_logit(self, cortex_log_probs: torch.Tensor, memory_log_probs: torch.Tensor, similarities: torch.Tensor) -> torch.Tensor:
        """The policy's judgement that memory knows what the cortex cannot name, as a logit per example."""
        return self.policy(retrieval_features(cortex_log_probs, memory_log_probs, similarities).detach()).squeeze(1)

    def forward(self, cortex_logits: torch.Tensor, memory_log_probs: torch.Tensor, similarities: torch.Tensor):
        """Return (log-probabilities of the mixture, gate g per example)."""
        cortex_log_probs, memory_log_probs = self.calibrated(cortex_logits, memory_log_probs)
        novelty_logit = self.novelty_logit(cortex_log_probs, memory_log_probs, similarities)
        trust_cortex = F.logsigmoid(-novelty_logit) + math.log(1 - self.familiar_trust)  # log(1 - g)
        trust_memory = torch.log(-torch.expm1(trust_cortex).clamp(max=-1e-12))  # log g
        gate_logit = trust_memory - trust_cortex
        return mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit), torch.sigmoid(gate_logit)


def psychometric_curve(basal_ganglia: BasalGanglia, cortex_logits: torch.Tensor, memory_log_probs: torch.Tensor,
                       similarities: torch.Tensor) -> torch.Tensor:
    """For each of L evidence levels, the share of conflict trials on which the basal ganglia's answer follows memory.

    cortex_logits and memory_log_probs (L, N, C) and similarities (L, N, k) hold what the basal ganglia read about
    the same N images at each level. A conflict trial is an image whose two sources name different digits; the
    answer follows memory where the mixture's most probable digit is memory's. Returns (L,) floats, NaN at a level
    without a conflict trial. The module is read in evaluation mode and without gradients, and its mode restored.
    """
    was_training = basal_ganglia.training
    basal_ganglia.eval()
    shares = []
    try:
        with torch.no_grad():
            for cortex, memory, nearest in zip(cortex_logits, memory_log_probs, similarities):
                mixture, _ = basal_ganglia(cortex, memory, nearest)
                memory_answer = memory.argmax(1)
                conflict = cortex.argmax(1) != memory_answer
                shares.append((mixture.argmax(1)[conflict] == memory_answer[conflict]).float().mean())  # NaN without conflict
    finally:
        basal_ganglia.train(was_training)
    return torch.stack(shares)
