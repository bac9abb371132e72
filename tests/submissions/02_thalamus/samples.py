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
FULL = {"gates-tests": 3, "relay-tests": 2}

SAMPLES = {
    "honest_flatten": {"edits": {"gates-exercise": FLATTEN_GATES, "relay-exercise": UNSQUEEZE_RELAY}, "points": FULL},
    "honest_by_hand": {"edits": {"gates-exercise": MANUAL_GATES, "relay-exercise": EINSUM_RELAY}, "points": FULL},
    "mistake_max_activity": {"edits": {"gates-exercise": MAX_GATES, "relay-exercise": UNSQUEEZE_RELAY},
                             "points": {"gates-tests": 0, "relay-tests": 2}},
    "mistake_frozen_squeeze": {"edits": {"gates-exercise": FROZEN_SQUEEZE, "relay-exercise": EINSUM_RELAY},
                               "points": {"gates-tests": 0, "relay-tests": 2}},
    "mistake_swapped_relay": {"edits": {"gates-exercise": MANUAL_GATES, "relay-exercise": SWAPPED_RELAY},
                              "points": {"gates-tests": 3, "relay-tests": 0}},
}
