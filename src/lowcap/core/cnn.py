"""The convolutional baseline (issue 11): one 3x3 convolution, stride 2, no padding, 1 -> C
channels (28x28 -> 13x13), ReLU, flatten, one linear output. Its capacity is one number, the
channel count C, as the MLP's is its hidden width H. What both architectures share keeps the
name `width` (a checkpoint's CheckpointMeta.width, a history's `width` column); CNN code says channels.

Parameters: conv 9C weights + C biases, output 169C weights + 1 bias: 179C + 1 (the MLP: 786H + 1),
so MLP and CNN compare on one axis, the parameter count (lowcap.core.architecture.parameter_count).

Stride 2 keeps the cost near the MLP's: a stride-1 convolution has 26x26 = 676 positions per
channel, four times as many activations to train on 2 cores.

Kept apart from the training code (lowcap.core.cnn_train): lowcap.core.model imports this module to load a
CNN checkpoint, so every job that reads checkpoints depends on it, and it should change rarely. It
imports nothing of lowcap.core.model (the weights are drawn by lowcap.core.weights).
"""

from __future__ import annotations

import torch
from torch import nn

from lowcap.core.architecture import KERNEL, POSITIONS, SIDE, STRIDE
from lowcap.core.weights import draw_weights


class CNN(nn.Module):
    """One model; its state_dict is what a checkpoint stores. Takes x of shape (n, 784), like MLP."""

    architecture = "cnn"
    PRUNED_LAYERS = ("conv", "output")  # the weight tensors one-shot pruning acts on (lowcap.analyses.pruning)

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.conv = nn.Conv2d(1, channels, KERNEL, stride=STRIDE)
        self.output = nn.Linear(channels * POSITIONS, 1)

    def channel_activations(self, x: torch.Tensor) -> torch.Tensor:
        """Post-ReLU feature maps, shape (n, C, 169)."""
        pre = self.conv(x.reshape(-1, 1, SIDE, SIDE))
        return torch.relu(pre).flatten(2)

    def hidden_activations(self, x: torch.Tensor) -> torch.Tensor:
        """Post-ReLU feature maps flattened channel-major, shape (n, 169 C): the output layer's input."""
        return self.channel_activations(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (n,). The sigmoid is applied by the loss and the metrics."""
        return self.output(self.hidden_activations(x)).squeeze(1)


def init_params(channels: int, seed: int, init: str, init_std: float) -> dict[str, torch.Tensor]:
    """Initial weights of one CNN, as lowcap.core.model.init_params draws an MLP's: biases zero, weights
    from a generator seeded with `seed`, the convolution first, so a model's initial weights do not
    depend on what else is trained. Xavier-uniform uses torch's fans: the convolution's are
    9 (in) and 9C (out)."""
    conv, out = draw_weights([(channels, 1, KERNEL, KERNEL), (1, channels * POSITIONS)], seed, init, init_std)
    return {
        "conv.weight": conv,
        "conv.bias": torch.zeros(channels),
        "output.weight": out,
        "output.bias": torch.zeros(1),
    }
