"""Hidden tests of lesson 03 (visual cortex): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit import visual_cortex
from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests("03_visual_cortex", redact={"neurokit.visual_cortex": ["CorticalArea", "VisualCortex", "orientation_selectivity"]}, context=("setup", "imports"))

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


@tests.check("tuning-tests")
def orientation_selectivity(student):
    generator = torch.Generator().manual_seed(1962)
    cubed = torch.rand(7, 8, generator=generator) ** 3
    cubed[2] = 0.0  # a silent unit
    peaked = torch.full((4, 16), 0.1)
    peaked[torch.arange(4), torch.tensor([0, 5, 10, 15])] += torch.rand(4, generator=generator) + 0.5
    cases = [(cubed, torch.arange(8) * 22.5),
             (torch.rand(5, 6, generator=generator) * 4, torch.tensor([3.0, 20.0, 61.0, 95.0, 130.0, 171.0])),
             (peaked, torch.arange(16) * 11.25)]
    for tuning, orientations in cases:
        what = f"orientation_selectivity of {len(tuning)} random tuning curves at orientations {[round(o, 2) for o in orientations.tolist()]}"
        got = student.call("orientation_selectivity", tuning, orientations)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return (preferred, selectivity), not {got!r:.100}."
        preferred, selectivity = got
        assert_shape(preferred, (len(tuning),), f"preferred from {what}")
        assert_shape(selectivity, (len(tuning),), f"selectivity from {what}")
        assert not (preferred.isnan().any() or selectivity.isnan().any()), f"{what} contains NaN: a silent unit has selectivity 0."
        expected_preferred, expected_selectivity = visual_cortex.orientation_selectivity(tuning, orientations)
        assert_close(selectivity, expected_selectivity, f"the selectivity from {what}",
                     hint="Arrows at twice each orientation, as long as the responses; the length of their sum over the sum of the responses.", atol=1e-4)
        assert bool(((preferred >= 0) & (preferred <= 180)).all()), f"{what}: preferred orientations should lie from 0 to 180 degrees."
        gap = ((preferred.double() - expected_preferred.double() + 90) % 180 - 90).abs()
        tuned = expected_selectivity > 1e-3
        assert bool((gap[tuned] < 1e-2).all()), (
            f"{what}: preferred orientations {[round(p, 2) for p in preferred.tolist()]}, expected {[round(p, 2) for p in expected_preferred.tolist()]}. "
            "Halve the summed arrow's angle and bring it into 0 to 180 degrees.")
