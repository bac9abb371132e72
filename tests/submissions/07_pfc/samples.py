"""Honest lesson-07 samples: two different correct solutions and two plausible mistakes."""

LOGITS_MATMUL = '''def pfc_logits(embeddings, weight, bias):
    return torch.relu(embeddings) @ weight.T + bias
'''
LOGITS_LINEAR = '''def pfc_logits(embeddings, weight, bias):
    return F.linear(embeddings.clamp(min=0), weight, bias)
'''
LOGITS_NO_RELU = '''def pfc_logits(embeddings, weight, bias):
    return embeddings @ weight.T + bias
'''
LOSS_LOGSUMEXP = '''def cross_entropy(logits, labels):
    true_logits = logits[torch.arange(len(labels)), labels]
    return (torch.logsumexp(logits, dim=1) - true_logits).mean()
'''
LOSS_LOG_SOFTMAX = '''def cross_entropy(logits, labels):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -log_probs.gather(1, labels[:, None]).squeeze(1).mean()
'''
LOSS_SUM = LOSS_LOGSUMEXP.replace(".mean()", ".sum()")
GRADIENT_ONE_HOT = '''def cross_entropy_gradient(logits, labels):
    probabilities = torch.softmax(logits, dim=1)
    return (probabilities - F.one_hot(labels, logits.shape[1]).float()) / len(labels)
'''
GRADIENT_IN_PLACE = '''def cross_entropy_gradient(logits, labels):
    gradient = F.softmax(logits, dim=-1).clone()
    gradient[torch.arange(len(labels)), labels] -= 1
    return gradient / logits.shape[0]
'''
GRADIENT_NOT_MEAN = '''def cross_entropy_gradient(logits, labels):
    return torch.softmax(logits, dim=1) - F.one_hot(labels, logits.shape[1]).float()
'''
FULL = {"readout-tests": 2, "loss-tests": 3, "gradient-tests": 3}

SAMPLES = {
    "honest_matmul": {"edits": {"readout-exercise": LOGITS_MATMUL, "loss-exercise": LOSS_LOGSUMEXP, "gradient-exercise": GRADIENT_ONE_HOT}, "points": FULL},
    "honest_linear": {"edits": {"readout-exercise": LOGITS_LINEAR, "loss-exercise": LOSS_LOG_SOFTMAX, "gradient-exercise": GRADIENT_IN_PLACE}, "points": FULL},
    "mistake_no_relu_and_sum": {"edits": {"readout-exercise": LOGITS_NO_RELU, "loss-exercise": LOSS_SUM, "gradient-exercise": GRADIENT_ONE_HOT},
                                "points": {"readout-tests": 0, "loss-tests": 0, "gradient-tests": 3}},
    "mistake_gradient_not_averaged": {"edits": {"readout-exercise": LOGITS_LINEAR, "loss-exercise": LOSS_LOG_SOFTMAX, "gradient-exercise": GRADIENT_NOT_MEAN},
                                      "points": {"readout-tests": 2, "loss-tests": 3, "gradient-tests": 0}},
}
