"""Hidden tests of lesson 10 (consolidation): the self-checks' properties, on inputs the student has not seen."""

import copy

import torch

from neurokit import Brain, BrainConfig
from neurokit.checks import assert_close, assert_shape
from neurokit.training import forgetting_curve as reference_curve
from neurokit.training import sleep as reference_sleep

from . import LessonTests

tests = LessonTests(
    "10_consolidation",
    redact={"neurokit.hippocampus": ["replay_batch"], "neurokit.training": ["sleep", "forgetting_curve"]},
    context=("setup", "imports"),
)

# Called three times in the sandbox: twice with one generator seed and different global seeds, once with another seed.
REPLAY = """
with torch.random.fork_rng():
    torch.manual_seed(1)
    grader_first = replay_batch(keys, labels, count, torch.Generator().manual_seed(seed))
    torch.manual_seed(2)
    grader_second = replay_batch(keys, labels, count, torch.Generator().manual_seed(seed))
grader_other = replay_batch(keys, labels, count, torch.Generator().manual_seed(seed + 1))
result = (grader_first, grader_second, grader_other, keys.clone(), labels.clone())
"""

SMALL = dict(retina_channels=4, v1_channels=6, v2_channels=8, v4_channels=6, embedding_dim=10, memory_capacity=70, memory_k=4, batch_size=12)

# The brain is built in the sandbox from the grader's weights and memory, and sleeps there.
SLEEP = """
import neurokit.brain as grader_brain_module
brain = grader_brain_module.Brain(grader_brain_module.BrainConfig(**config))
brain.load_state_dict(state)
brain.train(training_mode)
losses = sleep(brain, steps, learning_rate, torch.Generator().manual_seed(seed), digits)
result = (losses, {name: value.detach().clone() for name, value in brain.state_dict().items()}, brain.training, brain.pfc.training)
"""

CURVE = """
import neurokit.brain as grader_brain_module
brain = grader_brain_module.Brain(grader_brain_module.BrainConfig(**config))
brain.load_state_dict(state)
brain.train(training_mode)
curve = forgetting_curve(brain, embeddings, labels, new_digit, steps, every, learning_rate, torch.Generator().manual_seed(seed), digits)
result = (curve, {name: value.detach().clone() for name, value in brain.state_dict().items()}, brain.training)
"""


def sleeper(seed: int, dropout: float = 0.0, weight_decay: float = 1e-4) -> Brain:
    """A small brain whose memory holds 52 embeddings of digits 1, 4, 6 and 9 (one of them with 4 memories) in 70 slots."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    brain = Brain(BrainConfig(**SMALL, pfc_dropout=dropout, weight_decay=weight_decay))
    digits = torch.cat([torch.tensor([1, 4, 9]).repeat(16), torch.full((4,), 6)])
    centres = 1.5 * torch.randn(10, 10, generator=generator)
    brain.hippocampus.write(centres[digits] + 0.8 * torch.randn(len(digits), 10, generator=generator), digits,
                            torch.randperm(70, generator=generator)[:len(digits)])
    return brain


@tests.check("replay-tests")
def replay_batch(student):
    generator = torch.Generator().manual_seed(1010)
    for sizes, dim, count in [({3: 1200, 6: 10, 8: 400, 1: 2600, -1: 150}, 7, 20_000), ({0: 5, 9: 700, -1: 3}, 3, 12_000), ({4: 30, -1: 20}, 5, 1)]:
        labels = torch.cat([torch.full((size,), digit) for digit, size in sizes.items()])
        labels = labels[torch.randperm(len(labels), generator=generator)]
        keys = torch.cat([torch.arange(len(labels)).float()[:, None], torch.randn(len(labels), dim - 1, generator=generator)], 1)  # column 0: the slot
        stored = sorted(digit for digit in sizes if digit >= 0)
        what = f"your replay_batch of {count:,} memories from {len(labels):,} slots holding digits {stored} (and empty slots)"
        first, second, other, keys_after, labels_after = student.run(REPLAY, what, keys=keys, labels=labels, count=count, seed=int(count) + 7)
        assert isinstance(first, (tuple, list)) and len(first) == 2, f"{what} should return a pair (embeddings, labels), not {first!r:.100}."
        embeddings, replayed = first
        assert_shape(embeddings, (count, dim), f"the embeddings of {what}")
        assert_shape(replayed, (count,), f"the labels of {what}")
        slots = embeddings[:, 0].round().long().clamp(0, len(labels) - 1)
        assert torch.equal(embeddings, keys[slots]), f"{what}: every replayed embedding should be a row of keys, as stored."
        assert (labels[slots] >= 0).all(), f"{what}: a slot labelled -1 was replayed; draw only among the slots whose label is 0 or more."
        assert torch.equal(replayed.long(), labels[slots]), f"{what}: each replayed embedding should come with the label of its own slot."
        assert torch.equal(keys_after, keys) and torch.equal(labels_after, labels), f"{what} changed keys or labels: leave the memory table as it is."
        if count > 1:
            shares = {digit: round((replayed == digit).float().mean().item(), 3) for digit in stored}
            assert all(abs(share - 1 / len(stored)) < 0.02 for share in shares.values()), (
                f"{what}: each stored digit should be about 1/{len(stored)} of the draws, however many memories it has; got {shares}. "
                "Draw a digit first, all the stored digits equally likely, then one of its memories.")
            rare = min(stored, key=lambda digit: sizes[digit])
            drawn = torch.bincount(slots[replayed == rare], minlength=len(labels))[labels == rare]
            assert drawn.min() > 0.6 * drawn.float().mean(), (
                f"{what}: the {sizes[rare]} memories of digit {rare} were drawn {drawn.tolist()} times; choose each of a digit's memories with equal chance.")
        assert torch.equal(second[0], embeddings), (
            f"{what}: the same generator seed gave two different batches; take every random number from generator, none from PyTorch's global one.")
        if count > 1:
            assert not torch.equal(other[0], embeddings), f"{what}: two different generator seeds gave the same batch; take the random numbers from generator."


@tests.check("sleep-tests", stand_in=("replay-exercise",))
def sleep(student):
    for seed, steps, learning_rate, digits, training_mode in [(1020, 7, 0.04, None, True), (1021, 5, 0.08, [4, 6], False), (1022, 0, 0.01, None, False)]:
        brain = sleeper(seed, weight_decay=0.05)
        config = {**SMALL, "pfc_dropout": 0.0, "weight_decay": 0.05}
        state = copy.deepcopy(brain.state_dict())
        mode = "training" if training_mode else "evaluation"
        what = f"your sleep of {steps} steps at learning rate {learning_rate:g} with digits={digits}, on an unseen brain in {mode} mode"
        losses, after, still_training, pfc_training = student.run(SLEEP, what, config=config, state=state, training_mode=training_mode,
                                                                   steps=steps, learning_rate=learning_rate, seed=seed, digits=digits)
        assert isinstance(losses, list) and len(losses) == steps and all(isinstance(loss, float) for loss in losses), (
            f"{what} should return a list of {steps} Python floats (the .item() of each step's loss), not {losses!r:.200}.")
        brain.train(training_mode)
        expected = reference_sleep(brain, steps, learning_rate, torch.Generator().manual_seed(seed), digits)
        if steps:
            assert_close(torch.tensor(losses), expected, f"the losses of {what}",
                         hint="Each step: a batch of brain.config.batch_size replayed memories, the PFC's logits, their cross-entropy; "
                              "clear the gradients, backward, the optimizer's step. One AdamW, made before the first step. With digits, replay only those digits.")
        for name, value in state.items():
            if not name.startswith("pfc."):
                assert torch.equal(after[name], value), f"{what} changed {name}: only the PFC learns during sleep (and the brain's own labels stay as they are)."
        for name, value in brain.state_dict().items():
            if name.startswith("pfc."):
                assert_close(after[name], value, f"{name} after {what}",
                             hint="AdamW over the PFC's parameters alone, learning rate learning_rate, weight decay brain.config.weight_decay.")
        assert still_training == training_mode and pfc_training == training_mode, (
            f"After {what}, the PFC is in {'training' if pfc_training else 'evaluation'} mode: put it back in the mode it was in.")


@tests.check("curve-tests", stand_in=("replay-exercise", "sleep-exercise"))
def forgetting_curve(student):
    generator = torch.Generator().manual_seed(1030)
    for seed, new_digit, steps, every, learning_rate, digits, dropout, training_mode in [
        (1031, 6, 9, 3, 0.05, None, 0.0, False), (1032, 6, 8, 2, 0.03, [6], 0.0, True), (1033, 9, 0, 4, 0.05, None, 0.6, True),
    ]:
        brain = sleeper(seed, dropout=dropout)
        with torch.random.fork_rng():
            reference_sleep(brain, 40, 0.05, torch.Generator().manual_seed(seed), [digit for digit in (1, 4, 6, 9) if digit != new_digit])
        brain.pfc.zero_grad(set_to_none=True)
        labels = torch.tensor([1, 4, 6, 9])[torch.randint(0, 4, (80,), generator=generator)]
        means = {digit: brain.hippocampus.keys[brain.hippocampus.labels == digit].mean(0) for digit in (1, 4, 6, 9)}
        embeddings = torch.stack([means[digit] for digit in labels.tolist()]) + 1.5 * torch.randn(80, 10, generator=generator)  # unseen images
        config = {**SMALL, "pfc_dropout": dropout, "weight_decay": 1e-4}
        state = copy.deepcopy(brain.state_dict())
        mode = "training" if training_mode else "evaluation"
        what = (f"your forgetting_curve with new_digit={new_digit}, steps={steps}, every={every}, digits={digits}, "
                f"for an unseen brain in {mode} mode{' whose PFC has dropout' if dropout else ''}")
        curve, after, still_training = student.run(CURVE, what, config=config, state=state, training_mode=training_mode, embeddings=embeddings,
                                                   labels=labels, new_digit=new_digit, steps=steps, every=every, learning_rate=learning_rate,
                                                   seed=seed, digits=digits)
        assert isinstance(curve, torch.Tensor), f"{what} should return a tensor, not {curve!r:.100}."
        assert_shape(curve, (steps // every + 1, 2), f"{what} (one row before sleep and one after each bout)")
        brain.train(training_mode)
        expected = reference_curve(brain, embeddings, labels, new_digit, steps, every, learning_rate, torch.Generator().manual_seed(seed), digits)
        assert_close(curve.double(), expected.double(), what,
                     hint="Row 0 before any sleep, then one row after each bout of every steps, all with one generator; column 0: the share of the new "
                          "digit's images the PFC names right, column 1: the share of all the others; scores in evaluation mode.")
        for name, value in state.items():
            assert torch.equal(after[name], value), f"{what} changed {name} of the brain it was given: let a copy sleep."
        assert still_training == training_mode, f"{what} left the brain it was given in {'training' if still_training else 'evaluation'} mode."
