"""Hidden tests of lesson 06 (basal ganglia): the self-checks' properties, on inputs the student has not seen."""

import torch
import torch.nn.functional as F

from neurokit import basal_ganglia
from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests("06_basal_ganglia", redact={"neurokit.basal_ganglia": ["retrieval_features", "mix_in_probability_space", "psychometric_curve"]},
                    context=("setup", "imports-and-data"))

MIX_AND_GRADIENT = """
import torch

gate = gate_logit.clone().requires_grad_()
mixed = mix_in_probability_space(cortex, memory, gate)
if isinstance(mixed, torch.Tensor) and mixed.requires_grad:
    (gradient,) = torch.autograd.grad(mixed[:, column].sum(), gate)
else:
    gradient = None
result = (mixed.detach() if isinstance(mixed, torch.Tensor) else mixed, gradient)
"""


@tests.check("mix-tests")
def mix_in_probability_space(student):
    generator = torch.Generator().manual_seed(606)
    cortex = F.log_softmax(8 * torch.randn(12, 10, generator=generator), dim=1)
    memory = F.log_softmax(40 * torch.randn(12, 10, generator=generator), dim=1)
    gate_logit = torch.cat([6 * torch.randn(10, generator=generator), torch.tensor([45.0, -45.0])])
    mixed, gradient = student.run(MIX_AND_GRADIENT, "your mix_in_probability_space(a 12x10 tensor, a 12x10 tensor, a 12 tensor)",
                                  cortex=cortex, memory=memory, gate_logit=gate_logit, column=3)
    gate = gate_logit.clone().requires_grad_()
    expected = basal_ganglia.mix_in_probability_space(cortex, memory, gate)
    (expected_gradient,) = torch.autograd.grad(expected[:, 3].sum(), gate)
    assert_close(mixed, expected.detach(), "mix_in_probability_space of 12 unseen pairs of sources (gate logits up to +-45)", atol=1e-4,
                 hint="F.logsigmoid(gate_logit)[:, None] + memory_log_probs and F.logsigmoid(-gate_logit)[:, None] + cortex_log_probs, "
                      "added with torch.logaddexp.")
    assert gradient is not None, (
        "The mixture returned by mix_in_probability_space carries no gradient back to gate_logit, so the gate could never learn. "
        "Compute it with torch operations on gate_logit itself (no .detach(), .item(), numpy or torch.tensor(...) of it)."
    )
    assert_close(gradient, expected_gradient, "the gradient of column 3 of the mixture with respect to the gate logits", atol=1e-4,
                 hint="Keep the whole computation in torch, in log space, so that autograd differentiates the true mixture.")


@tests.check("features-tests")
def retrieval_features(student):
    generator = torch.Generator().manual_seed(616)
    for count, classes, k in [(9, 6, 5), (4, 10, 16), (3, 2, 1)]:
        cortex = F.log_softmax(3 * torch.randn(count, classes, generator=generator), dim=1)
        memory = F.log_softmax(3 * torch.randn(count, classes, generator=generator), dim=1)
        similarities = torch.rand(count, k, generator=generator).sort(dim=1, descending=True).values
        cortex[0] = F.log_softmax(torch.where(memory[0] == memory[0].max(), -30.0, 0.0), dim=0)  # no belief in memory's answer
        memory[1] = F.log_softmax(2 * cortex[1], dim=0)  # the sources agree
        got = student.call("retrieval_features", cortex, memory, similarities)
        expected = basal_ganglia.retrieval_features(cortex, memory, similarities)
        what = f"retrieval_features of {count} unseen examples ({classes} classes, {k} neighbours)"
        assert_shape(got, (count, len(basal_ganglia.FEATURE_NAMES)), what)
        for column, name in enumerate(basal_ganglia.FEATURE_NAMES):
            assert_close(got[:, column], expected[:, column], f"{what}, column {column} ({name})")


PSYCHOMETRIC = """
import torch

import neurokit.basal_ganglia as module

held_back = module.retrieval_features, module.mix_in_probability_space
module.retrieval_features, module.mix_in_probability_space = retrieval_features, mix_in_probability_space  # the reference solutions
try:
    ganglia = module.BasalGanglia(classes)
    ganglia.load_state_dict(weights)
    ganglia.train(training)
    curve = psychometric_curve(ganglia, cortex, memory, nearest)
    result = (curve, ganglia.training, {name: value.clone() for name, value in ganglia.state_dict().items()})
finally:
    module.retrieval_features, module.mix_in_probability_space = held_back
"""


def random_ganglia(classes, generator):
    ganglia = basal_ganglia.BasalGanglia(classes)
    with torch.no_grad():
        for parameter in ganglia.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
        ganglia.policy[0].running_mean.copy_(torch.randn(ganglia.policy[0].running_mean.shape, generator=generator))
        ganglia.policy[0].running_var.copy_(torch.rand(ganglia.policy[0].running_var.shape, generator=generator) + 0.5)
    return ganglia


@tests.check("curve-tests", stand_in=("mix-exercise", "features-exercise"))
def psychometric_curve(student):
    generator = torch.Generator().manual_seed(626)
    for levels, count, classes, k, training in [(5, 30, 10, 16, True), (3, 12, 4, 3, False), (2, 200, 7, 8, True)]:
        ganglia = random_ganglia(classes, generator)
        cortex = 3 * torch.randn(levels, count, classes, generator=generator)
        memory = F.log_softmax(3 * torch.randn(levels, count, classes, generator=generator), dim=2)
        nearest = torch.rand(levels, count, k, generator=generator).sort(dim=2, descending=True).values
        memory[-1] = F.log_softmax(2 * cortex[-1], dim=1)  # the last level has no conflict trial
        weights = {name: value.clone() for name, value in ganglia.state_dict().items()}
        mode = "training" if training else "evaluation"
        what = f"psychometric_curve of a random BasalGanglia ({mode} mode) at {levels} levels of {count} images"
        got = student.run(PSYCHOMETRIC, f"your {what}", classes=classes, weights=weights, training=training, cortex=cortex, memory=memory, nearest=nearest)
        assert isinstance(got, (tuple, list)) and len(got) == 3, f"{what}: the grader could not read the answer ({got!r})."
        curve, still_training, after = got
        assert_shape(curve, (levels,), what)
        assert still_training == training, f"{what} left the module in {'training' if still_training else 'evaluation'} mode; it was given in {mode} mode."
        changed = [name for name, value in weights.items() if not torch.equal(after[name], value)]
        assert not changed, f"{what} changed the module's {', '.join(changed)}: read the gate in evaluation mode, without gradients."
        assert bool(curve[-1].isnan()), f"{what}: the last level has no conflict trial, so its share should be NaN, got {float(curve[-1]):.3f}."
        expected = basal_ganglia.psychometric_curve(ganglia.train(training), cortex, memory, nearest)
        assert_close(curve[:-1], expected[:-1], what, atol=1e-6,
                     hint="Per level: the module in evaluation mode, the conflict trials (the sources' top digits differ), the share whose mixture names memory's digit.")
