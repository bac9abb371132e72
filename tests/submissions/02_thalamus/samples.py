"""Honest lesson-02 samples: two different correct solutions and plausible mistakes."""

FLATTEN_GATES = '''def thalamic_gates(signal, squeeze, excite):
    activity = signal.flatten(2).mean(-1)
    return torch.sigmoid(excite(F.relu(squeeze(activity)))) * 2
'''
MANUAL_GATES = '''def thalamic_gates(signal, squeeze, excite):
    activity = signal.sum(dim=(-1, -2)) / (signal.shape[-1] * signal.shape[-2])
    hidden = (activity @ squeeze.weight.T + squeeze.bias).clamp(min=0)
    logits = hidden @ excite.weight.T + excite.bias
    return 2 / (1 + torch.exp(-logits))
'''
UNSQUEEZE_RELAY = '''def thalamic_relay(signal, squeeze, excite):
    gates = thalamic_gates(signal, squeeze, excite)
    return gates.unsqueeze(-1).unsqueeze(-1) * signal, gates
'''
EINSUM_RELAY = '''def thalamic_relay(signal, squeeze, excite):
    gates = thalamic_gates(signal, squeeze, excite)
    return torch.einsum("nchw,nc->nchw", signal, gates), gates
'''
MAX_GATES = '''def thalamic_gates(signal, squeeze, excite):
    activity = signal.amax(dim=(2, 3))
    return 2.0 * torch.sigmoid(excite(torch.relu(squeeze(activity))))
'''
FROZEN_SQUEEZE = '''def thalamic_gates(signal, squeeze, excite):
    with torch.no_grad():
        hidden = torch.relu(squeeze(signal.mean(dim=(2, 3))))
    return 2.0 * torch.sigmoid(excite(hidden))
'''
SWAPPED_RELAY = '''def thalamic_relay(signal, squeeze, excite):
    gates = thalamic_gates(signal, squeeze, excite)
    return gates, signal * gates[:, :, None, None]
'''
RELAY_CURVES = '''def contrast_response(retina, pixels, contrasts, gate_values, channel):
    rows = []
    for gate in gate_values:
        row = []
        for contrast in contrasts:
            stimulus = (pixels * float(contrast) - MNIST_MEAN) / MNIST_STD
            with torch.no_grad():
                signal = retina(stimulus)
                count = signal.shape[1]
                squeeze, excite = torch.nn.Linear(count, count // 4), torch.nn.Linear(count // 4, count)
                for layer in (squeeze, excite):
                    layer.weight.fill_(0.0)
                excite.bias.fill_(0.0)
                excite.bias[channel] = torch.logit(gate / 2)
                relayed, _ = thalamic_relay(signal, squeeze, excite)
            row.append(float(relayed[:, channel].mean()))
        rows.append(row)
    return torch.tensor(rows)
'''
BATCHED_CURVES = '''def contrast_response(retina, pixels, contrasts, gate_values, channel):
    count, images = len(contrasts), len(pixels)
    stimuli = torch.cat([k * pixels for k in contrasts])                    # (K * N, 1, H, W): every contrast in one batch
    with torch.no_grad():
        signal = retina((stimuli - MNIST_MEAN) / MNIST_STD)
        channels = signal.shape[1]
        squeeze, excite = torch.nn.Linear(channels, 1), torch.nn.Linear(1, channels)
        torch.nn.init.zeros_(squeeze.weight)
        torch.nn.init.zeros_(excite.weight)
        curves = []
        for g in gate_values.tolist():
            torch.nn.init.constant_(excite.bias, math.log(g / (2 - g)))     # every channel's gate is g; only ours is read
            relayed, _ = thalamic_relay(signal, squeeze, excite)
            curves.append(relayed[:, channel].reshape(count, images, -1).mean(dim=(1, 2)))
    return torch.stack(curves)
'''
UNNORMALISED_CURVES = '''def contrast_response(retina, pixels, contrasts, gate_values, channel):
    curves = torch.zeros(len(gate_values), len(contrasts))
    with torch.no_grad():
        for j, contrast in enumerate(contrasts):
            signal = retina(contrast * pixels)  # the retina is fed raw intensities, not normalised ones
            channels = signal.shape[1]
            squeeze, excite = torch.nn.Linear(channels, channels // 4), torch.nn.Linear(channels // 4, channels)
            squeeze.weight.zero_()
            excite.weight.zero_()
            for i, gate in enumerate(gate_values):
                excite.bias.zero_()
                excite.bias[channel] = torch.log(gate / (2 - gate))
                curves[i, j] = thalamic_relay(signal, squeeze, excite)[0][:, channel].mean()
    return curves
'''
BIAS_AS_GATE_CURVES = '''def contrast_response(retina, pixels, contrasts, gate_values, channel):
    curves = torch.zeros(len(gate_values), len(contrasts))
    with torch.no_grad():
        for j, contrast in enumerate(contrasts):
            signal = retina((contrast * pixels - MNIST_MEAN) / MNIST_STD)
            channels = signal.shape[1]
            squeeze, excite = torch.nn.Linear(channels, channels // 4), torch.nn.Linear(channels // 4, channels)
            squeeze.weight.zero_()
            excite.weight.zero_()
            for i, gate in enumerate(gate_values):
                excite.bias.zero_()
                excite.bias[channel] = gate  # the bias is not the gate: the gate is 2 * sigmoid(bias)
                curves[i, j] = thalamic_relay(signal, squeeze, excite)[0][:, channel].mean()
    return curves
'''
LSTSQ_FIT = '''def gain_and_offset(curves, baseline):
    design = torch.stack([baseline, torch.ones_like(baseline)], dim=1)      # (K, 2): x and a column of ones
    solution = torch.linalg.lstsq(design.double(), curves.T.double()).solution  # (2, G)
    return solution[0].float(), solution[1].float()
'''
LOOP_FIT = '''def gain_and_offset(curves, baseline):
    x = baseline.tolist()
    mean_x = sum(x) / len(x)
    gains, offsets = [], []
    for curve in curves.tolist():
        mean_y = sum(curve) / len(curve)
        covariance = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, curve))
        variance = sum((a - mean_x) ** 2 for a in x)
        gains.append(covariance / variance)
        offsets.append(mean_y - covariance / variance * mean_x)
    return torch.tensor(gains), torch.tensor(offsets)
'''
THROUGH_ORIGIN_FIT = '''def gain_and_offset(curves, baseline):
    gains = (curves * baseline).sum(dim=1) / (baseline**2).sum()  # a line through 0: no room for an offset
    return gains, torch.zeros_like(gains)
'''
SWAPPED_FIT = '''def gain_and_offset(curves, baseline):
    gains, offsets = [], []
    for curve in curves:
        centred = curve - curve.mean()
        slope = (centred * (baseline - baseline.mean())).sum() / (centred**2).sum()  # baseline predicted from the curve
        gains.append(1 / slope)
        offsets.append(curve.mean() - baseline.mean() / slope)
    return torch.stack(gains), torch.stack(offsets)
'''
FULL = {"gates-tests": 3, "relay-tests": 2, "crf-tests": 4, "gain-tests": 2}

SAMPLES = {
    "honest_flatten": {"edits": {"gates-exercise": FLATTEN_GATES, "relay-exercise": UNSQUEEZE_RELAY, "crf-exercise": RELAY_CURVES,
                                 "gain-exercise": LSTSQ_FIT}, "points": FULL},
    "honest_by_hand": {"edits": {"gates-exercise": MANUAL_GATES, "relay-exercise": EINSUM_RELAY, "crf-exercise": "import math\n\n\n" + BATCHED_CURVES,
                                 "gain-exercise": LOOP_FIT}, "points": FULL},
    "mistake_max_activity": {"edits": {"gates-exercise": MAX_GATES, "relay-exercise": UNSQUEEZE_RELAY, "crf-exercise": RELAY_CURVES},
                             "points": {"gates-tests": 0, "relay-tests": 2, "crf-tests": 4, "gain-tests": 0}},
    "mistake_frozen_squeeze": {"edits": {"gates-exercise": FROZEN_SQUEEZE, "relay-exercise": EINSUM_RELAY, "gain-exercise": LOOP_FIT},
                               "points": {"gates-tests": 0, "relay-tests": 2, "crf-tests": 0, "gain-tests": 2}},
    "mistake_swapped_relay": {"edits": {"gates-exercise": MANUAL_GATES, "relay-exercise": SWAPPED_RELAY},
                              "points": {"gates-tests": 3, "relay-tests": 0, "crf-tests": 0, "gain-tests": 0}},
    "mistake_unnormalised_stimulus": {"edits": {"gates-exercise": FLATTEN_GATES, "relay-exercise": UNSQUEEZE_RELAY, "crf-exercise": UNNORMALISED_CURVES,
                                                "gain-exercise": LSTSQ_FIT}, "points": {**FULL, "crf-tests": 0}},
    "mistake_bias_set_to_the_gate": {"edits": {"gates-exercise": MANUAL_GATES, "relay-exercise": EINSUM_RELAY, "crf-exercise": BIAS_AS_GATE_CURVES,
                                               "gain-exercise": LOOP_FIT}, "points": {**FULL, "crf-tests": 0}},
    "mistake_line_through_zero": {"edits": {"gates-exercise": FLATTEN_GATES, "relay-exercise": UNSQUEEZE_RELAY, "crf-exercise": RELAY_CURVES,
                                            "gain-exercise": THROUGH_ORIGIN_FIT}, "points": {**FULL, "gain-tests": 0}},
    "mistake_fit_the_wrong_way_round": {"edits": {"gates-exercise": MANUAL_GATES, "relay-exercise": EINSUM_RELAY, "crf-exercise": "import math\n\n\n" + BATCHED_CURVES,
                                                  "gain-exercise": SWAPPED_FIT}, "points": {**FULL, "gain-tests": 0}},
}
