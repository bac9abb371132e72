"""Hidden tests of lesson 03 (visual cortex): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit import visual_cortex
from neurokit.checks import assert_close

from . import LessonTests

tests = LessonTests("03_visual_cortex", redact={"neurokit.visual_cortex": ["CorticalArea", "VisualCortex"]}, context=("setup", "imports"))

AREA_OUTPUTS = """
area = CorticalArea(in_channels, out_channels, pool)
area.load_state_dict(weights)
area.eval()
with torch.no_grad():
    evaluated = area(probe)
area.train()
with torch.no_grad():
    trained = area(probe)
result = (evaluated, trained)
"""


def random_area(in_channels, out_channels, pool, generator):
    """neurokit's area with random weights and random running statistics."""
    area = visual_cortex.CorticalArea(in_channels, out_channels, pool)
    with torch.no_grad():
        for parameter in area.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
        area.norm.running_mean.copy_(torch.randn(out_channels, generator=generator))
        area.norm.running_var.copy_(torch.rand(out_channels, generator=generator) + 0.5)
    return area


@tests.check("area-tests")
def cortical_area(student):
    generator = torch.Generator().manual_seed(3)
    for in_channels, out_channels, pool, side in [(3, 5, True, 8), (6, 4, False, 5), (2, 2, True, 6)]:
        expected_area = random_area(in_channels, out_channels, pool, generator)
        weights = {name: value.clone() for name, value in expected_area.state_dict().items()}
        probe = torch.randn(4, in_channels, side, side, generator=generator)
        what = f"CorticalArea({in_channels}, {out_channels}, pool={pool}) with random weights on a {tuple(probe.shape)} input"
        evaluated, trained = student.run(AREA_OUTPUTS, what, in_channels=in_channels, out_channels=out_channels, pool=pool,
                                         weights=weights, probe=probe)
        with torch.no_grad():
            expected_area.eval()
            expected_evaluated = expected_area(probe)
            expected_area.train()
            expected_trained = expected_area(probe)
        assert_close(evaluated, expected_evaluated, f"{what}, in eval mode",
                     hint="Use self.norm as a module, so that in eval mode it normalises with its running statistics.")
        assert_close(trained, expected_trained, f"{what}, in training mode", hint="The order is conv, norm, ReLU, then pool.")


def sizes(layers):
    size, step, widths = 1, 1, []
    for kernel_size, stride in layers:
        size, step = size + (kernel_size - 1) * step, step * stride
        widths.append(size)
    return widths


@tests.check("rf-tests")
def receptive_field_sizes(student):
    pathways = [[(7, 2), (3, 2), (3, 1), (3, 1)], [(2, 2)] * 4, [(1, 1), (5, 3), (3, 1)],
                [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1)], []]
    for layers in pathways:
        got = student.run("result = [int(size) for size in receptive_field_sizes(layers)]", f"your receptive_field_sizes({layers})",
                          layers=layers)
        assert got == sizes(layers), f"receptive_field_sizes({layers}) should be {sizes(layers)}; got {got}."
