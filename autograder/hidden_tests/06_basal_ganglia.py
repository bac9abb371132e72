"""Hidden tests of lesson 06 (basal ganglia): the self-checks' properties, on inputs the student has not seen."""

import torch
import torch.nn.functional as F

from neurokit import basal_ganglia
from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests("06_basal_ganglia", redact={"neurokit.basal_ganglia": ["retrieval_features", "mix_in_probability_space"]},
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
        got = student.call("retrieval_features", cortex, memory, similarities)
        expected = basal_ganglia.retrieval_features(cortex, memory, similarities)
        what = f"retrieval_features of {count} unseen examples ({classes} classes, {k} neighbours)"
        assert_shape(got, (count, 7), what)
        for column, name in enumerate(basal_ganglia.FEATURE_NAMES):
            assert_close(got[:, column], expected[:, column], f"{what}, column {column} ({name})")
