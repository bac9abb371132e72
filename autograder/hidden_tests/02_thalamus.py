"""Hidden tests of lesson 02 (thalamus): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit.checks import assert_close, assert_shape
from neurokit.thalamus import Thalamus

from . import LessonTests

tests = LessonTests("02_thalamus", redact={"neurokit.thalamus": ["Thalamus"]}, context=("setup", "imports"))

LAYERS = """
squeeze = torch.nn.Linear(squeeze_weight.shape[1], squeeze_weight.shape[0])
excite = torch.nn.Linear(excite_weight.shape[1], excite_weight.shape[0])
with torch.no_grad():
    for layer, weight, bias in ((squeeze, squeeze_weight, squeeze_bias), (excite, excite_weight, excite_bias)):
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
parameters = dict(squeeze_weight=squeeze.weight, squeeze_bias=squeeze.bias, excite_weight=excite.weight, excite_bias=excite.bias)
"""
GATES = LAYERS + """
gates = thalamic_gates(signal, squeeze, excite)
gradients = None
if isinstance(gates, torch.Tensor) and gates.requires_grad:
    found = torch.autograd.grad((gates * direction).sum(), list(parameters.values()), allow_unused=True)
    gradients = dict(zip(parameters, found))
result = (gates, gradients)
"""
RELAY = LAYERS + """
result = thalamic_relay(signal, squeeze, excite)
"""


def random_case(generator, count, channels, reduction, side):
    """A random signal and a Thalamus whose every parameter is random, with its layers' tensors to send."""
    signal = torch.rand(count, channels, side, side, generator=generator) * 3
    gate = Thalamus(channels, reduction)
    with torch.no_grad():
        for parameter in gate.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    layers = dict(squeeze_weight=gate.squeeze.weight.detach(), squeeze_bias=gate.squeeze.bias.detach(),
                  excite_weight=gate.excite.weight.detach(), excite_bias=gate.excite.bias.detach())
    return signal, gate, layers


@tests.check("gates-tests")
def thalamic_gates(student):
    generator = torch.Generator().manual_seed(2)
    for count, channels, reduction, side in [(5, 8, 4, 6), (3, 12, 3, 14), (1, 4, 4, 2)]:
        signal, gate, layers = random_case(generator, count, channels, reduction, side)
        direction = torch.randn(count, channels, generator=generator)
        what = f"thalamic_gates on a random signal of shape {tuple(signal.shape)}"
        got, gradients = student.run(GATES, f"your {what}", signal=signal, direction=direction, **layers)
        expected = gate(signal)[1]
        assert_shape(got, (count, channels), what)
        assert got.requires_grad, f"{what} returned gates that are not differentiable: do not detach them or compute them under torch.no_grad()."
        assert_close(got, expected, what, hint="Average each channel over its H x W positions, then squeeze, ReLU, excite, 2 * sigmoid.")
        wanted = dict(zip(layers, torch.autograd.grad((expected * direction).sum(), list(gate.parameters()))))
        for name, gradient in gradients.items():
            assert gradient is not None, f"{what}: no gradient reaches {name.replace('_', '.')}, so the thalamus cannot learn it. Keep every step differentiable."
            assert_close(gradient, wanted[name], f"{what}: the gradient with respect to {name.replace('_', '.')}",
                         hint="Keep every step differentiable: no .detach(), no torch.no_grad().")


@tests.check("relay-tests", stand_in=("gates-exercise",))
def thalamic_relay(student):
    generator = torch.Generator().manual_seed(20)
    for count, channels, side in [(4, 8, 5), (2, 6, 9)]:
        signal, gate, layers = random_case(generator, count, channels, 2, side)
        signal = signal - 1.5
        what = f"thalamic_relay on a random signal of shape {tuple(signal.shape)}"
        got = student.run(RELAY, f"your {what}", signal=signal, **layers)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return (gated, gates), but returned {got!r:.100}."
        gated, gates = got
        expected_gated, expected_gates = gate(signal)
        assert_close(gates, expected_gates, f"the gates of {what}", hint="Return (gated, gates) in that order.")
        assert_close(gated, expected_gated, f"the gated signal of {what}", hint="signal * gates[:, :, None, None].")
        assert gated.requires_grad, f"the gated signal of {what} is not differentiable: do not detach it or compute it under torch.no_grad()."
