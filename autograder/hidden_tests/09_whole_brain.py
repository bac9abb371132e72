"""Hidden tests of lesson 09 (whole brain): the self-checks' properties, on inputs the student has not seen."""

import math

import torch
import torch.nn.functional as F

from neurokit import Brain, BrainConfig, training
from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests(
    "09_whole_brain",
    redact={"neurokit.training": ["supervised_loss", "evaluate", "predict", "evaluation_mode"]},
    context=("setup", "imports-and-data"),
)

LOSS = """
import neurokit.brain as grader_brain_module
output = grader_brain_module.BrainOutput(log_probs, cortex_logits, memory_log_probs, gate, thalamic_gates, embedding, None)
result = supervised_loss(output, labels)
"""

# The memory is written here, by the grader: refresh_memory needs evaluation_mode, held back in the sandbox.
ACCURACIES = """
import neurokit.brain as grader_brain_module
brain = grader_brain_module.Brain(grader_brain_module.BrainConfig(**config))
brain.load_state_dict(state)
brain.train(training_mode)
scores = accuracies(brain, images, labels, batch_size=batch_size)
result = (scores, brain.training)
"""


@tests.check("loss-tests")
def supervised_loss(student):
    generator = torch.Generator().manual_seed(909)
    for count, with_memory in [(8, True), (8, False), (5, True)]:
        cortex_logits = 4 * torch.randn(count, 10, generator=generator)
        memory = F.log_softmax(6 * torch.randn(count, 10, generator=generator), dim=1) if with_memory else None
        labels = torch.randint(0, 10, (count,), generator=generator)
        cortex = F.log_softmax(cortex_logits, 1)
        gate = 0.05 + 0.9 * torch.rand(count, generator=generator) if with_memory else None
        mixture = torch.logaddexp(cortex + torch.log1p(-gate)[:, None], memory + gate.log()[:, None]) if with_memory else cortex
        expected = F.cross_entropy(cortex_logits, labels) + (F.nll_loss(memory, labels) if with_memory else 0)
        what = f"your supervised_loss of an unseen output of {count} images ({'with' if with_memory else 'without'} memory)"
        got = student.run(LOSS, what, log_probs=mixture, cortex_logits=cortex_logits, memory_log_probs=memory, gate=gate,
                          thalamic_gates=torch.ones(count, 4), embedding=torch.zeros(count, 8), labels=labels)
        assert_shape(got, (), what)
        assert_close(got, expected, what, atol=1e-4,
                     hint="Cortex: F.cross_entropy of output.cortex_logits; memory, only when output.memory_log_probs is not None: "
                          "F.nll_loss of it. Add them; the mixture output.log_probs is not in this loss.")


@tests.check("accuracy-tests")
def accuracies(student):
    generator = torch.Generator().manual_seed(919)
    config = dict(retina_channels=6, v1_channels=8, v2_channels=8, v4_channels=10, embedding_dim=12, memory_capacity=60, memory_k=5)
    torch.manual_seed(919)
    brain = Brain(BrainConfig(**config))
    stored, stored_labels = torch.randn(60, 1, 28, 28, generator=generator), torch.randint(0, 10, (60,), generator=generator)
    training.refresh_memory(brain, stored, stored_labels)
    images = torch.cat([stored[10:40], 2 * torch.randn(37, 1, 28, 28, generator=generator)])
    labels = torch.cat([stored_labels[10:40], torch.randint(0, 10, (37,), generator=generator)])
    state = brain.state_dict()
    for training_mode, count, batch_size in [(True, 67, 25), (False, 23, 1000)]:
        expected = training.evaluate(brain, images[:count], labels[:count])["test_accuracy"]
        mode = "training" if training_mode else "evaluation"
        what = f"your accuracies of a brain in {mode} mode on {count} unseen images with batch_size={batch_size}"
        scores, still_training = student.run(ACCURACIES, what, config=config, state=state, training_mode=training_mode,
                                             images=images[:count], labels=labels[:count], batch_size=batch_size)
        assert isinstance(scores, dict) and sorted(scores) == ["cortex", "memory", "mixture"], (
            f"accuracies should return a dict with the keys 'mixture', 'cortex' and 'memory', got {scores!r}.")
        assert all(isinstance(value, float) for value in scores.values()), f"Each accuracy should be a Python float (use .item() or divide counts), got {scores!r}."
        assert still_training == training_mode, (
            f"The brain was in {mode} mode before accuracies and is in {'training' if still_training else 'evaluation'} mode after it: "
            "remember was_training = brain.training and put it back with brain.train(was_training).")
        for source in expected:
            assert math.isclose(scores[source], expected[source], abs_tol=1e-6), (
                f"{what}: {source} accuracy {scores[source]:.4f}, expected {expected[source]:.4f}. Run the brain in eval mode (brain.eval()), "
                "take the argmax of output.log_probs (mixture), output.cortex_logits (cortex) and output.memory_log_probs (memory), over every batch.")
