"""The yardstick: PyTorch's examples/mnist two-convolution network, trained on the same data path."""

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .data import minibatches


class PlainCNN(nn.Module):
    """The examples/mnist layout: two 3x3 convolutions, max-pool, dropout, two linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(self.dropout1(x), 1)))
        return F.log_softmax(self.fc2(self.dropout2(x)), dim=1)


def train_plain_cnn(images, labels, epochs: int, batch_size: int = 128, seed: int = 0, progress: bool = True) -> PlainCNN:
    """Train as examples/mnist does (Adadelta, lr 1.0, learning rate x0.7 each epoch)."""
    torch.manual_seed(seed)
    model = PlainCNN()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(epochs):
        batches = minibatches(images, labels, batch_size, shuffle=True, generator=generator)
        for batch, batch_labels, _ in tqdm(batches, total=-(-len(images) // batch_size), desc=f"plain CNN {epoch + 1}/{epochs}", disable=not progress):
            loss = F.nll_loss(model(batch), batch_labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        scheduler.step()
    return model


@torch.inference_mode()
def plain_cnn_accuracy(model: PlainCNN, images, labels, batch_size: int = 1000) -> float:
    model.eval()
    correct = sum(int((model(batch).argmax(1) == batch_labels).sum()) for batch, batch_labels, _ in minibatches(images, labels, batch_size, shuffle=False))
    return correct / len(images)
