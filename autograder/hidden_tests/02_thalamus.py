"""Hidden tests of lesson 02 (thalamus): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit.checks import assert_close, assert_shape
from neurokit import Retina
from neurokit.thalamus import Thalamus, contrast_response as reference_curves, gain_and_offset as reference_fit

from . import LessonTests

tests = LessonTests("02_thalamus", redact={"neurokit.thalamus": ["Thalamus", "contrast_response", "gain_and_offset"]}, context=("setup", "imports"))

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
CURVES = """
retina = Retina(retina_weight.shape[0], retina_weight.shape[-1], dog_init=False).eval()
with torch.no_grad():
    retina.conv.weight.copy_(retina_weight)
result = contrast_response(retina, pixels, contrasts, gate_values, channel)
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


@tests.check("crf-tests", stand_in=("gates-exercise", "relay-exercise"))
def contrast_response(student):
    generator = torch.Generator().manual_seed(31)
    cases = [(8, 3, 6, 12, 5, [0.0, 0.3, 0.7, 1.0], [0.05, 1.0, 1.95]),
             (16, 5, 4, 28, 2, [0.9, 0.2], [0.6, 1.3]),
             (4, 5, 3, 10, 0, [1.0, 0.5, 0.0], [1.0]),
             (16, 5, 5, 14, 11, [0.25, 0.75], [0.3, 1.7])]
    for channels, size, count, side, channel, contrasts, gate_values in cases:
        weight = torch.randn(channels, 1, size, size, generator=generator)
        if channels == 16:  # neurokit's own centre-surround filters
            weight = Retina(16, size).conv.weight.detach().clone()
        pixels = torch.rand(count, 1, side, side, generator=generator) * (torch.rand(count, 1, side, side, generator=generator) > 0.6)
        contrasts, gate_values = torch.tensor(contrasts), torch.tensor(gate_values)
        what = (f"contrast_response of channel {channel} of a retina with {channels} channels, {count} images of {side} x {side}, "
                f"contrasts {contrasts.tolist()} and gates {gate_values.tolist()}")
        got = student.run(CURVES, f"your {what}", retina_weight=weight, pixels=pixels, contrasts=contrasts, gate_values=gate_values, channel=channel)
        retina = Retina(channels, size, dog_init=False).eval()
        with torch.no_grad():
            retina.conv.weight.copy_(weight)
        assert_close(got, reference_curves(retina, pixels, contrasts, gate_values, channel), what,
                     hint="Scale the pixels by the contrast, normalise them, pass them through the retina, relay with the channel's gate set to "
                          "exactly g, and average the channel over images and positions.")


@tests.check("gain-tests")
def gain_and_offset(student):
    generator = torch.Generator().manual_seed(77)
    for contrasts in (2, 5, 9):
        baseline = torch.rand(contrasts, generator=generator).cumsum(0)
        gains, offsets = torch.randn(4, generator=generator), torch.randn(4, generator=generator)
        curves = gains[:, None] * baseline + offsets[:, None]
        curves[0] = 1.7 * baseline  # a pure gain change
        curves[1] = baseline - 0.4  # a pure shift
        curves[3] += 0.2 * torch.randn(contrasts, generator=generator)  # noise no line fits exactly
        got = student.call("gain_and_offset", curves, baseline)
        what = f"gain_and_offset of 4 made-up curves at {contrasts} contrasts"
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return (gains, offsets), but returned {got!r:.100}."
        expected_gains, expected_offsets = reference_fit(curves, baseline)
        assert_close(got[0], expected_gains, f"the gains of {what}", hint="Fit gain and offset together by least squares, baseline as x.", atol=1e-4)
        assert_close(got[1], expected_offsets, f"the offsets of {what}", hint="offset = mean(curve) - gain x mean(baseline).", atol=1e-4)
