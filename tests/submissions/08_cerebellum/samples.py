"""Honest lesson-08 samples: two different correct solutions and three plausible mistakes."""

DECODER = '''class Cerebellum(nn.Module):
    """Decoder: (N, embedding_dim) IT embedding -> (N, 1, 28, 28) predicted pixels in (0, 1)."""

    def __init__(self, embedding_dim=128, channels=64):
        super().__init__()
        self.embedding_dim, self.channels = embedding_dim, channels
        self.expand = nn.Linear(embedding_dim, channels * 7 * 7)
        self.up1 = nn.ConvTranspose2d(channels, channels // 2, kernel_size=4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(channels // 2, 1, kernel_size=4, stride=2, padding=1)

    def forward(self, embedding):
        x = torch.relu(self.expand(embedding)).view(-1, self.channels, 7, 7)
        return torch.sigmoid(self.up2(torch.relu(self.up1(x))))
'''
DECODER_FUNCTIONAL = '''import torch.nn.functional as F


class Cerebellum(nn.Module):
    def __init__(self, embedding_dim=128, channels=64):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.channels = channels
        self.up2 = nn.ConvTranspose2d(channels // 2, 1, 4, 2, 1)
        self.up1 = nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1)
        self.expand = nn.Linear(embedding_dim, 49 * channels)

    def forward(self, embedding):
        maps = F.relu(self.expand(embedding)).reshape(len(embedding), self.channels, 7, 7)
        maps = F.relu(self.up1(maps))
        return 1 / (1 + torch.exp(-self.up2(maps)))
'''
NO_SECOND_RELU = DECODER.replace("self.up2(torch.relu(self.up1(x)))", "self.up2(self.up1(x))")
LOSS = '''def reconstruction_loss(reconstruction, images):
    targets = to_pixels(images)
    log_ink = torch.log(reconstruction).clamp(min=-100)
    log_paper = torch.log(1 - reconstruction).clamp(min=-100)
    return -(targets * log_ink + (1 - targets) * log_paper).mean()
'''
LOSS_TORCH = '''import torch.nn.functional as F


def reconstruction_loss(reconstruction, images):
    return F.binary_cross_entropy(reconstruction, to_pixels(images), reduction="sum") / reconstruction.numel()
'''
UNCLAMPED = '''def reconstruction_loss(reconstruction, images):
    t = to_pixels(images)
    return torch.mean(-(t * torch.log(reconstruction) + (1 - t) * torch.log(1 - reconstruction)))
'''
NORMALISED_TARGETS = LOSS.replace("to_pixels(images)", "images")
STEP = '''def pretraining_step(brain, optimizer, images):
    embedding, _ = brain.encode(images)
    loss = reconstruction_loss(brain.cerebellum(embedding), images)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
'''
STEP_OTHER_ORDER = '''def pretraining_step(brain, optimizer, images):
    optimizer.zero_grad(set_to_none=True)
    loss = reconstruction_loss(brain.cerebellum(brain.encode(images)[0]), images)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
'''
NO_ZERO_GRAD = '''def pretraining_step(brain, optimizer, images):
    embedding, _ = brain.encode(images)
    loss = reconstruction_loss(brain.cerebellum(embedding), images)
    loss.backward()
    optimizer.step()
    return loss.item()
'''
RETURNS_TENSOR = STEP.replace("return loss.item()", "return loss")
FULL = {"decoder-tests": 3, "loss-tests": 3, "step-tests": 3}

SAMPLES = {
    "honest_as_instructed": {"edits": {"decoder-exercise": DECODER, "loss-exercise": LOSS, "step-exercise": STEP}, "points": FULL},
    "honest_functional": {"edits": {"decoder-exercise": DECODER_FUNCTIONAL, "loss-exercise": LOSS_TORCH, "step-exercise": STEP_OTHER_ORDER}, "points": FULL},
    "mistake_no_second_relu_and_unclamped": {"edits": {"decoder-exercise": NO_SECOND_RELU, "loss-exercise": UNCLAMPED, "step-exercise": STEP},
                                             "points": {"decoder-tests": 0, "loss-tests": 0, "step-tests": 3}},
    "mistake_normalised_targets": {"edits": {"decoder-exercise": DECODER_FUNCTIONAL, "loss-exercise": NORMALISED_TARGETS, "step-exercise": STEP_OTHER_ORDER},
                                   "points": {"decoder-tests": 3, "loss-tests": 0, "step-tests": 3}},
    "mistake_no_zero_grad": {"edits": {"decoder-exercise": DECODER, "loss-exercise": LOSS, "step-exercise": NO_ZERO_GRAD},
                             "points": {"decoder-tests": 3, "loss-tests": 3, "step-tests": 0}},
    "mistake_returns_tensor": {"edits": {"decoder-exercise": DECODER, "loss-exercise": LOSS_TORCH, "step-exercise": RETURNS_TENSOR},
                               "points": {"decoder-tests": 3, "loss-tests": 3, "step-tests": 0}},
}
