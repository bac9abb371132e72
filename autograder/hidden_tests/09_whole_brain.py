"""Hidden tests of lesson 09 (whole brain): the self-checks' properties, on inputs the student has not seen."""

import copy
import math

import torch
import torch.nn.functional as F

from neurokit import Brain, BrainConfig, training
from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests(
    "09_whole_brain",
    redact={"neurokit.training": ["supervised_loss", "train_supervised", "gate_evidence", "fit_gate", "evaluate", "predict", "score",
                                  "evaluation_mode", "supervised_epoch", "fit_basal_ganglia", "evaluate_sources"]},
    context=("setup", "imports-and-data"),
)

FROZEN = ("cerebellum.", "basal_ganglia.")
SMALL = dict(retina_channels=4, v1_channels=6, v2_channels=8, v4_channels=8, embedding_dim=12, memory_k=4, pfc_dropout=0.0)

LOSS = """
import neurokit.brain as grader_brain_module
output = grader_brain_module.BrainOutput(log_probs, cortex_logits, memory_log_probs, gate, thalamic_gates, embedding, None)
result = supervised_loss(output, labels)
"""

# The brains are built here, by the grader, and cross the wall as their state: the sandbox lacks the reference.
A_BRAIN = """
import torch as grader_torch
import neurokit.brain as grader_brain_module
brain = grader_brain_module.Brain(grader_brain_module.BrainConfig(**config))
brain.load_state_dict(state)
brain.train(training_mode)
"""

EPOCH_WITHOUT_LEARNING = A_BRAIN + """
trainable = [p for name, p in brain.named_parameters() if not name.startswith(("cerebellum.", "basal_ganglia."))]
optimizer = grader_torch.optim.SGD(trainable, lr=0.0)
scheduler = grader_torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
losses = supervised_epoch(brain, images, labels, slots, optimizer, scheduler, grader_torch.Generator().manual_seed(seed), batch_size=len(images))
result = (losses, brain.hippocampus.keys.clone(), brain.hippocampus.labels.clone(), scheduler.last_epoch)
"""

EPOCHS = A_BRAIN + """
trainable = [p for name, p in brain.named_parameters() if not name.startswith(("cerebellum.", "basal_ganglia."))]
optimizer = grader_torch.optim.AdamW(trainable, lr=4e-3, weight_decay=1e-4)
scheduler = grader_torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=4e-3, total_steps=epochs * steps, pct_start=0.2)
generator = grader_torch.Generator().manual_seed(seed)
losses = [supervised_epoch(brain, images, labels, slots, optimizer, scheduler, generator, batch_size=batch_size) for _ in range(epochs)]
frozen = {name: value.detach().clone() for name, value in brain.named_parameters() if name.startswith(("cerebellum.", "basal_ganglia."))}
result = (losses, brain.hippocampus.labels.clone(), frozen, scheduler.last_epoch)
"""

GATE = A_BRAIN + """
losses = fit_basal_ganglia(brain, images, labels, slots, epochs, lr, grader_torch.Generator().manual_seed(seed))
result = (losses, {name: value.detach().clone() for name, value in brain.state_dict().items()})
"""

EVALUATION = A_BRAIN + """
report = evaluate_sources(brain, images, labels, batch_size=batch_size)
result = (report, brain.training)
"""


def made_up_digits(count: int, generator: torch.Generator, noise: float):
    """Ten blurred random patterns, one per digit, each image one of them plus noise: a small problem a small brain learns fast."""
    patterns = F.interpolate(torch.randn(10, 1, 7, 7, generator=generator), size=28, mode="bilinear")
    labels = (torch.arange(count) % 10)[torch.randperm(count, generator=generator)]
    return 1.5 * patterns[labels] + noise * torch.randn(count, 1, 28, 28, generator=generator), labels


def trainable(brain):
    return [p for name, p in brain.named_parameters() if not name.startswith(FROZEN)]


def floats(losses, what: str, count: int | None = None):
    """The losses as a tensor, once they are a list of finite Python floats (of `count` if given)."""
    assert isinstance(losses, list) and losses and all(isinstance(loss, float) for loss in losses), (
        f"{what} should return the loss of every step as a list of Python floats (loss.item()), got {str(losses)[:200]}.")
    assert all(math.isfinite(loss) for loss in losses), f"{what}: some losses are not finite: {losses[:10]}."
    if count is not None:
        assert len(losses) == count, f"{what} should take {count} steps (one per minibatch), it returned {len(losses)} losses."
    return torch.tensor(losses)


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
                     hint="The cortex's mean cross-entropy of its logits; memory's mean negative log-likelihood, only when "
                          "output.memory_log_probs is not None. Add them; the mixture output.log_probs is not in this loss.")


def full_memory(config: dict, images, labels, slots, generator, seed: int) -> Brain:
    """A small brain whose memory holds these images at their slots, and random memories in every other slot."""
    torch.manual_seed(seed)
    brain = Brain(BrainConfig(**config))
    others = torch.ones(config["memory_capacity"], dtype=torch.bool)
    others[slots] = False
    others = others.nonzero().squeeze(1)
    with training.evaluation_mode(brain):
        brain.hippocampus.write(brain.encode(images)[0], labels, slots)
    brain.hippocampus.write(torch.randn(len(others), config["embedding_dim"], generator=generator),
                            torch.randint(0, 10, (len(others),), generator=generator), others)
    return brain


@tests.check("epoch-tests", stand_in=("loss-exercise",))
def supervised_epoch(student):
    generator = torch.Generator().manual_seed(990)
    # One batch, nothing learned: the loss and the memories written are known exactly.
    for count, capacity, training_mode in [(150, 230, False), (37, 50, True)]:
        config = {**SMALL, "memory_capacity": capacity}
        images, labels = made_up_digits(count, generator, noise=0.8)
        slots = torch.randperm(capacity, generator=generator)[:count]
        brain = full_memory(config, images, labels, slots, generator, seed=count)
        state = copy.deepcopy(brain.state_dict())
        expected_brain = copy.deepcopy(brain).train()
        output = expected_brain(images, exclude_slots=slots, reconstruct=False)
        expected_loss = training.supervised_loss(output, labels).item()
        self_found = training.supervised_loss(copy.deepcopy(brain).train()(images, reconstruct=False), labels).item()
        what = (f"your supervised_epoch of a small brain on {count} unseen made-up digits in one batch, with learning rate 0 "
                f"(the brain handed over in {'training' if training_mode else 'evaluation'} mode)")
        losses, keys, stored_labels, scheduled = student.run(EPOCH_WITHOUT_LEARNING, what, config=config, state=state, training_mode=training_mode,
                                                             images=images, labels=labels, slots=slots, seed=count)
        got = floats(losses, what, count=1)
        if abs(got[0] - self_found) < 1e-4 < abs(expected_loss - self_found):
            raise AssertionError(f"{what}: each image found itself in memory. Pass exclude_slots: the batch's own slots, slots[indices].")
        assert_close(got[0], expected_loss, f"the loss of {what}", atol=1e-4,
                     hint="Put the brain in training mode, run it with exclude_slots = the batch's slots, and take your supervised_loss of the output.")
        assert scheduled == 1, f"{what}: the scheduler stepped {scheduled} times in one step; step it once after each step of the optimizer."
        assert torch.equal(stored_labels[slots], labels), f"{what}: memory should hold each image's label in the image's own slot, slots[i]."
        assert_close(keys[slots], output.embedding, f"the memories {what} wrote into the images' slots", atol=1e-4,
                     hint="Write output.embedding of the forward pass, with the batch's labels, into the batch's slots.")
        others = torch.ones(capacity, dtype=torch.bool)
        others[slots] = False
        assert_close(keys[others], brain.hippocampus.keys[others], f"the other memories after {what}",
                     hint="Write only into the batch's slots; the other slots are not the batch's.")
    # Three real epochs: the loss falls, the scheduler keeps pace, the frozen regions stay as they are.
    count, capacity, batch_size, epochs = 170, 200, 24, 3
    config = {**SMALL, "memory_capacity": capacity}
    images, labels = made_up_digits(count, generator, noise=0.8)
    slots = torch.randperm(capacity, generator=generator)[:count]
    torch.manual_seed(3)
    brain = Brain(BrainConfig(**config))
    steps = -(-count // batch_size)
    what = f"your supervised_epoch, run {epochs} times on a small brain and {count} unseen made-up digits in batches of {batch_size}"
    losses, stored_labels, frozen, scheduled = student.run(EPOCHS, what, config=config, state=brain.state_dict(), training_mode=True,
                                                           images=images, labels=labels, slots=slots, seed=7, epochs=epochs,
                                                           steps=steps, batch_size=batch_size)
    assert isinstance(losses, list) and len(losses) == epochs, f"{what}: expected {epochs} lists of losses, got {str(losses)[:200]}."
    per_epoch = [floats(epoch, what, count=steps) for epoch in losses]
    assert scheduled == epochs * steps, f"{what}: the scheduler stepped {scheduled} times in {epochs * steps} steps; step it once after each step."
    assert per_epoch[-1].mean() < per_epoch[0].mean(), (
        f"{what}: the mean loss went from {per_epoch[0].mean():.3f} in the first epoch to {per_epoch[-1].mean():.3f} in the last; it should fall. "
        "Clear the gradients, backpropagate the loss and step the optimizer in every batch.")
    assert torch.equal(stored_labels[slots], labels), f"{what}: memory should hold each image's label in the image's own slot."
    before = dict(brain.named_parameters())
    changed = [name for name, value in frozen.items() if not torch.equal(value, before[name].detach())]
    assert changed == [], f"{what}: the cerebellum and the basal ganglia should stay frozen, but {', '.join(changed[:3])} changed."


def gate_setting(seed: int, unreliable_memory: bool):
    """A small brain after two epochs of supervised training on made-up digits, memory refreshed and separated, and 60 held-out digits."""
    generator = torch.Generator().manual_seed(seed)
    config = {**SMALL, "memory_capacity": 280}
    images, labels = made_up_digits(260, generator, noise=1.2)
    slots = torch.randperm(280, generator=generator)[:260]
    torch.manual_seed(seed)
    brain = Brain(BrainConfig(**config))
    optimizer = torch.optim.AdamW(trainable(brain), lr=4e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=4e-3, total_steps=4 * 7, pct_start=0.2)
    for _ in range(4):
        training.supervised_epoch(brain, images[:200], labels[:200], slots[:200], optimizer, scheduler, generator, batch_size=32)
    stored = labels.clone()
    if unreliable_memory:  # nine stored labels in ten are wrong: the cortex is the one to trust
        wrong = torch.rand(260, generator=generator) < 0.9
        stored[wrong] = (stored[wrong] + torch.randint(1, 10, (int(wrong.sum()),), generator=generator)) % 10
    with training.evaluation_mode(brain):
        brain.hippocampus.write(brain.encode(images)[0], stored, slots)
    brain.hippocampus.separate_patterns(brain.config.memory_shrinkage)
    return config, brain, images[200:], labels[200:], slots[200:]


def gate_scores(brain: Brain, images, labels, slots) -> dict[str, float]:
    """Negative log-likelihoods on these images (each barred from its own slot): each calibrated source and the mixture."""
    brain.eval()
    with torch.no_grad():
        embedding, _ = brain.encode(images)
        cortex_logits = brain.pfc(embedding)
        recall = brain.hippocampus.recall(embedding, exclude_slots=slots)
        cortex_temperature, memory_temperature = brain.basal_ganglia.log_temperatures.exp()
        mixture, _ = brain.basal_ganglia(cortex_logits, recall.log_probs, recall.similarities)
        return {"cortex": float(F.cross_entropy(cortex_logits / cortex_temperature, labels)),
                "memory": float(F.cross_entropy(F.log_softmax(recall.log_probs, 1) / memory_temperature, labels)),
                "mixture": float(F.nll_loss(mixture, labels)),
                "evidence": (cortex_logits, recall.log_probs)}


@tests.check("gate-tests")
def fit_basal_ganglia(student):
    for seed, unreliable_memory, epochs, lr in [(51, False, 30, 1e-2), (52, True, 25, 2e-2)]:
        config, brain, images, labels, slots = gate_setting(seed, unreliable_memory)
        state = copy.deepcopy(brain.state_dict())
        calibrated = copy.deepcopy(brain)
        cortex_logits, memory_log_probs = gate_scores(brain, images, labels, slots)["evidence"]
        training.calibrate(calibrated.basal_ganglia, cortex_logits, memory_log_probs, labels)
        start = gate_scores(calibrated, images, labels, slots)
        what = (f"your fit_basal_ganglia on a small brain and 60 unseen held-out made-up digits, {epochs} epochs at lr {lr}"
                f"{' (memory mostly mislabelled: the cortex is the source to trust)' if unreliable_memory else ''}")
        losses, after = student.run(GATE, what, config=config, state=state, training_mode=True, images=images, labels=labels, slots=slots,
                                    seed=seed, epochs=epochs, lr=lr)
        floats(losses, what)
        assert isinstance(after, dict) and set(after) == set(state), f"{what}: the brain's state could not be read back."
        changed = [name for name, value in state.items() if not name.startswith("basal_ganglia.") and not torch.equal(after[name], value)]
        assert changed == [], (f"{what}: only the basal ganglia may change, but {', '.join(changed[:3])} changed. Gather the evidence "
                               "in evaluation mode without gradients, and give the optimizer the policy's parameters alone.")
        for name, value in calibrated.basal_ganglia.state_dict().items():
            if not name.startswith("policy."):
                assert_close(after[f"basal_ganglia.{name}"], value, f"the basal ganglia's {name} after {what}", atol=2e-3,
                             hint="Calibrate with neurokit.training.calibrate on the cortex's logits and memory's log-probabilities, gathered "
                                  "in evaluation mode with each image barred from its own slot (exclude_slots); then train the policy alone, "
                                  "so what calibrate fitted stays as it left it.")
        moved = [name for name in state if name.startswith("basal_ganglia.policy.") and name.endswith("weight") and not torch.equal(after[name], state[name])]
        assert moved, f"{what}: the policy's weights did not change; train it with Adam on the mixture's negative log-likelihood."
        fitted = copy.deepcopy(brain)
        fitted.load_state_dict(after)
        end = gate_scores(fitted, images, labels, slots)
        worse = max(end["cortex"], end["memory"])
        assert end["mixture"] < start["mixture"] - 1e-3 and end["mixture"] <= worse + 1e-3, (
            f"{what}: the mixture's negative log-likelihood on the held-out digits is {end['mixture']:.3f}, against {start['mixture']:.3f} "
            f"with the gate it started from and {worse:.3f} for the worse source; it should be lower than both. The loss is the mean negative "
            "log-likelihood of the mixture's log-probabilities (the basal ganglia's first output) at the true labels.")


def evaluation_brain(generator: torch.Generator):
    """A small brain whose memory holds 60 random images, and images it is asked about: 30 of them and 37 new ones."""
    config = {**SMALL, "retina_channels": 6, "v4_channels": 10, "memory_capacity": 60, "memory_k": 5, "pfc_dropout": 0.1}
    torch.manual_seed(919)
    brain = Brain(BrainConfig(**config))
    stored, stored_labels = torch.randn(60, 1, 28, 28, generator=generator), torch.randint(0, 10, (60,), generator=generator)
    training.refresh_memory(brain, stored, stored_labels)
    images = torch.cat([stored[10:40], 2 * torch.randn(37, 1, 28, 28, generator=generator)])
    labels = torch.cat([stored_labels[10:40], torch.randint(0, 10, (37,), generator=generator)])
    return config, brain, images, labels


@tests.check("evaluate-tests")
def evaluate_sources(student):
    generator = torch.Generator().manual_seed(919)
    config, brain, images, labels = evaluation_brain(generator)
    cases = [(brain, True, images, labels, 25), (brain, False, images[:23], labels[:23], 1000)]
    agreeing = copy.deepcopy(brain)  # a cortex that always says 3, and a memory of nothing but 3s: both always right
    with torch.no_grad():
        agreeing.pfc.readout.bias[3] = 1000.0
    agreeing.hippocampus.labels.fill_(3)
    cases.append((agreeing, False, images[:9], torch.full((9,), 3), 4))
    for number, (tried, training_mode, asked, truth, batch_size) in enumerate(cases):
        expected = training.evaluate_sources(tried, asked, truth)
        mode = "training" if training_mode else "evaluation"
        what = (f"your evaluate_sources of a small brain in {mode} mode on {len(asked)} unseen images with batch_size={batch_size}"
                f"{' on which cortex and memory are both always right' if number == 2 else ''}")
        report, still_training = student.run(EVALUATION, what, config=config, state=tried.state_dict(), training_mode=training_mode,
                                             images=asked, labels=truth, batch_size=batch_size)
        assert isinstance(report, dict) and sorted(report) == ["accuracy", "count", "mean gate"], (
            f"{what} should return a dict with the keys 'accuracy', 'count' and 'mean gate', got {str(report)[:300]}.")
        assert still_training == training_mode, (
            f"The brain was in {mode} mode before evaluate_sources and is in {'training' if still_training else 'evaluation'} mode after it: "
            "remember its mode first and put it back at the end.")
        for part, keys in (("accuracy", ["cortex", "memory", "mixture", "oracle"]), ("count", sorted(training.GATE_CASES)), ("mean gate", sorted(training.GATE_CASES))):
            assert isinstance(report[part], dict) and sorted(report[part]) == keys, f"{what}: report[{part!r}] should have the keys {keys}, got {str(report[part])[:300]}."
        for source, value in expected["accuracy"].items():
            assert isinstance(report["accuracy"][source], float) and math.isclose(report["accuracy"][source], value, abs_tol=1e-6), (
                f"{what}: the {source} accuracy is {report['accuracy'][source]!r}, expected {value:.4f} (a Python float). Evaluation mode, no "
                "gradients, the argmax of each source's output over every batch; the oracle is right where either source is.")
        for case in training.GATE_CASES:
            count, gate = report["count"][case], report["mean gate"][case]
            assert isinstance(count, int) and count == expected["count"][case], (
                f"{what}: {count!r} images '{case}', expected {expected['count'][case]} (a Python int); the cases come from the cortex's and "
                "memory's answers alone.")
            if expected["mean gate"][case] is None:
                assert gate is None, f"{what}: no image is '{case}', so its mean gate should be None, got {gate!r}."
            else:
                assert isinstance(gate, float) and math.isclose(gate, expected["mean gate"][case], abs_tol=1e-5), (
                    f"{what}: the mean gate where '{case}' is {gate!r}, expected {expected['mean gate'][case]:.4f} (a Python float): the mean "
                    "of output.gate over those images.")
