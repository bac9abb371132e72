"""Honest lesson-06 samples: two different correct solutions and two plausible mistakes."""

MIX_LOGADDEXP = '''def mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit):
    log_g, log_not_g = F.logsigmoid(gate_logit), F.logsigmoid(-gate_logit)
    return torch.logaddexp(log_g.unsqueeze(1) + memory_log_probs, log_not_g.unsqueeze(1) + cortex_log_probs)
'''
MIX_LOGSUMEXP = '''def mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit):
    a = gate_logit[:, None]
    # log(1 - sigmoid(a)) = log sigmoid(a) - a
    terms = torch.stack([F.logsigmoid(a) + memory_log_probs, F.logsigmoid(a) - a + cortex_log_probs])
    return torch.logsumexp(terms, dim=0)
'''
MIX_DIRECT = '''def mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit):
    g = torch.sigmoid(gate_logit)[:, None]
    return torch.log(g * memory_log_probs.exp() + (1 - g) * cortex_log_probs.exp())
'''
FEATURES_STACK = '''def retrieval_features(cortex_log_probs, memory_log_probs, similarities):
    classes = cortex_log_probs.shape[1]

    def confidence_and_entropy(log_probs):
        probs = log_probs.exp()
        return probs.max(1).values, -(probs * log_probs).sum(1) / math.log(classes)

    memory_confidence, memory_entropy = confidence_and_entropy(memory_log_probs)
    cortex_confidence, cortex_entropy = confidence_and_entropy(cortex_log_probs)
    agreement = (memory_log_probs.argmax(1) == cortex_log_probs.argmax(1)).float()
    return torch.stack([similarities[:, 0], similarities.mean(1), memory_confidence, cortex_confidence,
                        memory_entropy, cortex_entropy, agreement], dim=1)
'''
FEATURES_COLUMNS = '''def retrieval_features(cortex_log_probs, memory_log_probs, similarities):
    n, classes = cortex_log_probs.shape
    out = torch.empty(n, 7)
    out[:, 0] = similarities.max(1).values
    out[:, 1] = similarities.sum(1) / similarities.shape[1]
    for offset, log_probs in enumerate((memory_log_probs, cortex_log_probs)):
        probs = torch.softmax(log_probs, dim=1)
        out[:, 2 + offset] = probs.amax(1)
        out[:, 4 + offset] = torch.special.entr(probs).sum(1) / torch.log(torch.tensor(float(classes)))
    out[:, 6] = torch.where(memory_log_probs.argmax(1) == cortex_log_probs.argmax(1), 1.0, 0.0)
    return out
'''
FEATURES_TEN_CLASSES = FEATURES_STACK.replace("/ math.log(classes)", "/ math.log(10)")
FULL = {"mix-tests": 4, "features-tests": 3}

SAMPLES = {
    "honest_logaddexp": {"edits": {"mix-exercise": MIX_LOGADDEXP, "features-exercise": FEATURES_STACK}, "points": FULL},
    "honest_logsumexp": {"edits": {"mix-exercise": MIX_LOGSUMEXP, "features-exercise": FEATURES_COLUMNS}, "points": FULL},
    "mistake_direct_formula": {"edits": {"mix-exercise": MIX_DIRECT, "features-exercise": FEATURES_COLUMNS},
                               "points": {"mix-tests": 0, "features-tests": 3}},
    "mistake_entropy_over_ten": {"edits": {"mix-exercise": MIX_LOGADDEXP, "features-exercise": FEATURES_TEN_CLASSES},
                                 "points": {"mix-tests": 4, "features-tests": 0}},
}
