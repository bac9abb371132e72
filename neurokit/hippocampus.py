"""Hippocampus: an episodic memory of embeddings, recalled by similarity."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .errors import MemoryEmptyError, check_vectors


@dataclass
class Recall:
    """What one recall returns for a batch of N queries and k neighbours."""

    log_probs: torch.Tensor  # (N, classes) memory's class log-probabilities
    similarities: torch.Tensor  # (N, k) cosine similarity of each neighbour, highest first
    labels: torch.Tensor  # (N, k) the neighbours' labels
    slots: torch.Tensor  # (N, k) where the neighbours are stored


class Hippocampus(nn.Module):
    """Episodic memory: store each experience once, recall the most similar ones later.

    The hippocampus binds an experience into a memory after a single exposure and
    retrieves it from a partial cue (pattern completion). Here memory is a table of
    L2-normalised IT embeddings with their labels, one slot per stored example. Recall
    finds the k stored keys with the highest cosine similarity to the query and weights
    their labels by softmax(similarity / temperature): a small temperature lets the
    closest neighbours dominate. Writing takes no gradient step, so a new example is
    usable at once. Left out: consolidation into cortex, forgetting, replay.
    """

    def __init__(self, capacity: int, embedding_dim: int, num_classes: int = 10, k: int = 16, temperature: float = 0.07):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.embedding_dim, self.num_classes, self.k, self.temperature = embedding_dim, num_classes, k, temperature
        self.register_buffer("keys", torch.zeros(capacity, embedding_dim))
        self.register_buffer("labels", torch.full((capacity,), -1, dtype=torch.long))
        self.next_slot = 0

    @property
    def capacity(self) -> int:
        return self.keys.shape[0]

    @property
    def size(self) -> int:
        """How many slots hold a memory."""
        return int((self.labels >= 0).sum())

    @property
    def ready(self) -> bool:
        """True once memory holds more than k memories, enough for a full recall that skips the query's own slot."""
        return self.size > self.k

    def clear(self):
        self.labels.fill_(-1)
        self.next_slot = 0

    @torch.no_grad()
    def write(self, embeddings: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor | None = None):
        """Store embeddings with their labels, into the given slots or the next free ones (a ring)."""
        check_vectors(embeddings, "Hippocampus.write", self.embedding_dim)
        if labels.shape != embeddings.shape[:1]:
            raise ValueError(f"Hippocampus.write needs one label per embedding: {tuple(labels.shape)} labels for {len(embeddings)} embeddings.")
        if slots is None:
            slots = (self.next_slot + torch.arange(len(embeddings))) % self.capacity
            self.next_slot = int(slots[-1] + 1) % self.capacity if len(slots) else self.next_slot
        self.keys[slots] = F.normalize(embeddings.detach().float(), dim=1).to(self.keys)
        self.labels[slots] = labels.to(self.labels.device)

    def recall(self, queries: torch.Tensor, exclude_slots: torch.Tensor | None = None) -> Recall:
        """The k nearest stored memories of each query and the class distribution they vote for.

        exclude_slots (N,) names a slot each query may not retrieve: during training an
        example must not find itself in memory.
        """
        check_vectors(queries, "Hippocampus.recall", self.embedding_dim)
        stored = self.size
        excluding = 0 if exclude_slots is None else 1
        k = min(self.k, stored - excluding)
        if k < 1:
            raise MemoryEmptyError("The hippocampus is empty: write some embeddings with labels before recall.")
        queries = F.normalize(queries, dim=1)
        with torch.no_grad():
            similarities = queries @ self.keys.T
            if stored < self.capacity:
                similarities.masked_fill_(self.labels < 0, float("-inf"))
            slots = similarities.topk(k + excluding, dim=1).indices
            if exclude_slots is not None:
                is_self = slots == exclude_slots[:, None]
                keep = ~is_self
                keep[:, -1] &= is_self.any(1)  # without a self-match, drop the farthest instead
                slots = slots[keep].view(len(queries), k)
        # Only the k chosen similarities are recomputed with gradient, which keeps training cheap.
        neighbour_similarities = (queries[:, None, :] * self.keys[slots]).sum(-1)
        neighbour_labels = self.labels[slots]
        weights = torch.softmax(neighbour_similarities / self.temperature, dim=1)
        votes = torch.zeros(len(queries), self.num_classes, device=queries.device, dtype=weights.dtype)
        votes = votes.scatter_add(1, neighbour_labels, weights)
        smoothing = 1e-4
        log_probs = torch.log((1 - smoothing) * votes + smoothing / self.num_classes)
        return Recall(log_probs, neighbour_similarities, neighbour_labels, slots)
