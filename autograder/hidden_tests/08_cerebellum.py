"""Hidden tests of lesson 08 (cerebellum): the self-checks' properties, on inputs the student has not seen."""

import copy

import torch
import torch.nn.functional as F

from neurokit import Brain, BrainConfig, Cerebellum
from neurokit.cerebellum import prediction_errors as reference_prediction_errors
from neurokit.checks import assert_close, assert_shape
from neurokit.data import to_pixels

from . import LessonTests

tests = LessonTests(
    "08_cerebellum",
    redact={"neurokit.cerebellum": ["Cerebellum", "prediction_errors"], "neurokit.training": ["reconstruction_loss", "pretrain"]},
    context=("setup", "imports-and-data"),
)

DECODE = """
decoder = Cerebellum(embedding_dim, channels)
shapes = {name: tuple(p.shape) for name, p in decoder.named_parameters()}
output = None
if shapes == wanted:
    decoder.load_state_dict(state)
    output = decoder(embedding).detach()
result = (shapes, output)
"""

# neurokit's Brain builds neurokit's Cerebellum, held back here: build it with the reference solution's.
PRETRAIN = """
import neurokit.brain as grader_brain_module
grader_reference_cerebellum = grader_brain_module.Cerebellum
grader_brain_module.Cerebellum = Cerebellum
try:
    brain = grader_brain_module.Brain(grader_brain_module.BrainConfig(**config))
finally:
    grader_brain_module.Cerebellum = grader_reference_cerebellum
brain.load_state_dict(state)
optimizer = torch.optim.SGD(brain.parameters(), lr=lr, momentum=momentum)
losses = [pretraining_step(brain, optimizer, images) for _ in range(steps)]
result = (losses, {name: p.detach() for name, p in brain.named_parameters()})
"""

# The same brain built in the sandbox, put in training or evaluation mode, asked for its prediction errors.
ERRORS = """
import neurokit.brain as grader_brain_module
grader_reference_cerebellum = grader_brain_module.Cerebellum
grader_brain_module.Cerebellum = Cerebellum
try:
    brain = grader_brain_module.Brain(grader_brain_module.BrainConfig(**config))
finally:
    grader_brain_module.Cerebellum = grader_reference_cerebellum
brain.load_state_dict(state)
brain.train(training_mode)
errors = prediction_errors(brain, images)
short = prediction_errors(brain, images[:2])
needs_gradient = bool(getattr(errors, "requires_grad", False))
result = (errors.detach().clone() if isinstance(errors, torch.Tensor) else errors,
          short.detach().clone() if isinstance(short, torch.Tensor) else short, needs_gradient, brain.training)
"""


@tests.check("decoder-tests")
def decoder(student):
    generator = torch.Generator().manual_seed(808)
    for embedding_dim, channels, count in [(24, 12, 4), (10, 6, 1)]:
        twin = Cerebellum(embedding_dim, channels)
        with torch.no_grad():
            for p in twin.parameters():
                p.copy_(0.3 * torch.randn(p.shape, generator=generator))
        embedding = torch.randn(count, embedding_dim, generator=generator)
        wanted = {name: tuple(p.shape) for name, p in twin.named_parameters()}
        shapes, output = student.run(DECODE, f"your Cerebellum({embedding_dim}, {channels})", embedding_dim=embedding_dim, channels=channels,
                                     wanted=wanted, state=twin.state_dict(), embedding=embedding)
        assert shapes == wanted, f"Cerebellum({embedding_dim}, {channels}) should have the parameters {wanted} (name: shape), but has {shapes}."
        with torch.no_grad():
            expected = twin(embedding)
        assert_close(output, expected, f"your Cerebellum({embedding_dim}, {channels}) with unseen weights, on {count} embedding(s)",
                     hint="expand -> ReLU -> view(-1, channels, 7, 7) -> up1 -> ReLU -> up2 -> sigmoid.")


@tests.check("loss-tests")
def loss(student):
    generator = torch.Generator().manual_seed(818)
    for count in (3, 1):
        images = 1.5 * torch.randn(count, 1, 28, 28, generator=generator)
        reconstruction = torch.rand(count, 1, 28, 28, generator=generator)
        reconstruction[0, 0, :3] = 0.0
        reconstruction[-1, 0, -3:] = 1.0
        got = student.call("reconstruction_loss", reconstruction, images)
        assert_shape(got, (), f"reconstruction_loss of {count} unseen image(s) (a scalar, the mean over all pixels)")
        assert torch.isfinite(got), "reconstruction_loss gave inf or nan where some predictions are exactly 0 or 1: clamp each log at -100."
        assert_close(got, F.binary_cross_entropy(reconstruction, to_pixels(images)), f"reconstruction_loss of {count} unseen image(s) and predictions",
                     hint="The targets are to_pixels(images); clamp each log at -100; average over every pixel.", atol=1e-4)


@tests.check("step-tests", stand_in=("decoder-exercise", "loss-exercise"))
def pretraining_step(student):
    config = dict(retina_channels=6, v1_channels=8, v2_channels=10, v4_channels=8, embedding_dim=12, memory_capacity=10, memory_k=4)
    generator = torch.Generator().manual_seed(828)
    images = 2 * torch.randn(5, 1, 28, 28, generator=generator)
    torch.manual_seed(828)
    brain = Brain(BrainConfig(**config))
    state = copy.deepcopy(brain.state_dict())
    lr, momentum, steps = 0.2, 0.9, 3
    losses, parameters = student.run(PRETRAIN, f"{steps} calls of your pretraining_step on one batch, with SGD and momentum",
                                     config=config, state=state, lr=lr, momentum=momentum, steps=steps, images=images)
    optimizer = torch.optim.SGD(brain.parameters(), lr=lr, momentum=momentum)
    for step, got in enumerate(losses, 1):
        assert isinstance(got, float), f"pretraining_step should return the loss as a Python float (loss.item()), not {got!r}."
        expected = F.binary_cross_entropy(brain.cerebellum(brain.encode(images)[0]), to_pixels(images))
        optimizer.zero_grad()
        expected.backward()
        optimizer.step()
        assert abs(got - expected.item()) < 1e-4, (
            f"Step {step} returned loss {got:.6f}, expected {expected.item():.6f}: return the reconstruction loss of the batch before the update, "
            "and clear the old gradients (optimizer.zero_grad()) before loss.backward().")
    for name, want in brain.named_parameters():
        assert name in parameters, f"the brain has no parameter {name} after your pretraining_step"
        assert_close(parameters[name], want, f"parameter {name} after {steps} steps", atol=1e-4,
                     hint="encode -> cerebellum -> reconstruction_loss; then zero_grad, backward, step (in this order).")


@tests.check("surprise-tests", stand_in=("decoder-exercise", "loss-exercise"))
def prediction_errors(student):
    generator = torch.Generator().manual_seed(838)
    for config, count, training_mode in [
        (dict(retina_channels=6, v1_channels=8, v2_channels=10, v4_channels=8, embedding_dim=12, memory_capacity=10, memory_k=4), 7, True),
        (dict(retina_channels=4, v1_channels=6, v2_channels=8, v4_channels=6, embedding_dim=20, memory_capacity=10, memory_k=4), 5, False),
    ]:
        torch.manual_seed(int(torch.randint(0, 10_000, (1,), generator=generator)))
        brain = Brain(BrainConfig(**config))
        with torch.no_grad():  # running statistics that are not the defaults, so that evaluation mode matters
            for name, buffer in brain.named_buffers():
                if name.endswith("running_mean"):
                    buffer.copy_(0.3 * torch.randn(buffer.shape, generator=generator))
                elif name.endswith("running_var"):
                    buffer.copy_(0.5 + torch.rand(buffer.shape, generator=generator))
        images = 1.2 * torch.randn(count, 1, 28, 28, generator=generator)
        mode = "training" if training_mode else "evaluation"
        what = f"your prediction_errors of {count} unseen images, for a brain in {mode} mode"
        errors, short, needs_gradient, still_training = student.run(ERRORS, what, config=config, state=copy.deepcopy(brain.state_dict()),
                                                                    images=images, training_mode=training_mode)
        assert isinstance(errors, torch.Tensor), f"{what} should be a tensor, not {errors!r:.100}."
        assert_shape(errors, (count,), f"{what} (one error per image)")
        assert errors.is_floating_point(), f"{what} should be a float tensor, not {errors.dtype}."
        assert not needs_gradient, f"{what}: compute the errors without building a graph for backpropagation (the result should not require gradients)."
        assert still_training == training_mode, f"{what}: the brain should come back in {mode} mode."
        expected = reference_prediction_errors(brain, images)
        assert_close(short, expected[:2], f"{what}, the first 2 images computed in a batch of their own",
                     hint="An image's error should not depend on its batch: work in evaluation mode.", atol=1e-4)
        assert_close(errors, expected, what, atol=1e-4,
                     hint="In evaluation mode: encode, decode, binary cross-entropy against to_pixels(images), averaged over each image's pixels.")
