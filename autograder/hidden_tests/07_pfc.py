"""Hidden tests of lesson 07 (prefrontal cortex): the self-checks' properties, on inputs the student has not seen."""

import torch
import torch.nn.functional as F

from neurokit.checks import assert_close, assert_shape
from neurokit.pfc import PFC, readout_accuracy

from . import LessonTests

tests = LessonTests("07_pfc", redact={"neurokit.pfc": ["PFC", "fit_readout", "readout_accuracy"]}, context=("setup", "imports-and-data"))


@tests.check("readout-tests")
def pfc_logits(student):
    generator = torch.Generator().manual_seed(707)
    for count, dim, classes in [(9, 12, 7), (1, 3, 10), (6, 20, 2)]:
        pfc = PFC(embedding_dim=dim, num_classes=classes).eval()
        with torch.no_grad():
            pfc.readout.weight.copy_(torch.randn(classes, dim, generator=generator))
            pfc.readout.bias.copy_(torch.randn(classes, generator=generator))
        embeddings = 3 * torch.randn(count, dim, generator=generator)
        weight, bias = pfc.readout.weight.detach().clone(), pfc.readout.bias.detach().clone()
        got = student.call("pfc_logits", embeddings, weight, bias)
        with torch.no_grad():
            expected = pfc(embeddings)
        assert_close(got, expected, f"pfc_logits of {count} unseen embeddings ({dim} dimensions, {classes} classes)",
                     hint="torch.relu(embeddings) @ weight.T + bias.")


@tests.check("loss-tests")
def cross_entropy(student):
    generator = torch.Generator().manual_seed(717)
    for count, classes, scale in [(11, 6, 30.0), (1, 10, 1.0), (7, 3, 300.0)]:
        logits = scale * torch.randn(count, classes, generator=generator)
        labels = torch.randint(0, classes, (count,), generator=generator)
        what = f"cross_entropy of {count} unseen examples ({classes} classes, logits about +-{scale:g})"
        got = student.call("cross_entropy", logits, labels)
        assert_shape(got, (), f"{what} (a scalar, the mean over the batch)")
        assert_close(got, F.cross_entropy(logits, labels), what, atol=1e-4,
                     hint="torch.logsumexp(logits, dim=1) minus each example's true-label logit, then the mean over the batch.")


@tests.check("gradient-tests")
def cross_entropy_gradient(student):
    generator = torch.Generator().manual_seed(727)
    for count, classes, scale in [(13, 7, 5.0), (1, 2, 1.0), (6, 10, 50.0)]:
        logits = (scale * torch.randn(count, classes, generator=generator)).requires_grad_()
        labels = torch.randint(0, classes, (count,), generator=generator)
        (expected,) = torch.autograd.grad(F.cross_entropy(logits, labels), logits)
        got = student.call("cross_entropy_gradient", logits.detach(), labels)
        assert_close(got, expected, f"cross_entropy_gradient of {count} unseen examples ({classes} classes)", atol=1e-6,
                     hint="(torch.softmax(logits, dim=1) - F.one_hot(labels, C).float()) / N.")


@tests.check("decoding-tests", stand_in=("readout-exercise", "loss-exercise", "gradient-exercise"))
def decoding(student):
    generator = torch.Generator().manual_seed(737)
    for train_count, eval_count, dim, spread, steps, learning_rate in [(150, 400, 9, 1.0, 40, 0.3), (80, 250, 25, 1.5, 12, 1.0), (300, 300, 6, 0.6, 5, 3.0)]:
        centres = torch.randn(10, dim, generator=generator)
        train_labels = torch.randint(0, 10, (train_count,), generator=generator)
        eval_labels = torch.randint(0, 10, (eval_count,), generator=generator)
        train_inputs = centres[train_labels] + spread * torch.randn(train_count, dim, generator=generator)
        eval_inputs = centres[eval_labels] + spread * torch.randn(eval_count, dim, generator=generator)
        what = f"readout_accuracy on an unseen problem ({train_count} training and {eval_count} evaluation inputs of {dim} numbers, {steps} steps, learning rate {learning_rate:g})"
        got = student.call("readout_accuracy", train_inputs, train_labels, eval_inputs, eval_labels, steps, learning_rate)
        assert isinstance(got, float), f"{what} should return a Python float, not {type(got).__name__}."
        expected = readout_accuracy(train_inputs, train_labels, eval_inputs, eval_labels, steps, learning_rate)
        assert abs(got - expected) <= 1 / eval_count + 1e-6, (
            f"{what}: expected accuracy {expected:.4f}, got {got:.4f}. Start from W = 0 and b = 0, take exactly `steps` steps against the gradient "
            "of the mean cross-entropy, with the rectified inputs in the chain rule, then score the evaluation inputs.")
    moved = (train_labels + 1) % 10
    got = student.call("readout_accuracy", train_inputs, train_labels, train_inputs, moved, steps, learning_rate)
    expected = readout_accuracy(train_inputs, train_labels, train_inputs, moved, steps, learning_rate)
    assert isinstance(got, float) and abs(got - expected) <= 1 / len(moved) + 1e-6, (
        f"readout_accuracy scored with every evaluation label moved to the next digit: expected {expected:.4f}, got {got!r:.20}. "
        "Measure the accuracy on the evaluation inputs and labels, not on the training ones.")
