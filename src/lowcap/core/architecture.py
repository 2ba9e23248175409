"""The two architectures' shapes and parameter counts, without torch (the figure and claims jobs
use them): the MLP 784 -> H -> 1 (lowcap.core.model) and the CNN baseline (lowcap.core.cnn)."""

from __future__ import annotations

SIDE = 28  # MNIST images are SIDE x SIDE, flattened row-major to 784 inputs
KERNEL = 3
STRIDE = 2
OUT_SIDE = (SIDE - KERNEL) // STRIDE + 1  # 13
POSITIONS = OUT_SIDE * OUT_SIDE  # 169 output positions per channel

ARCHITECTURES = ("mlp", "cnn")
# The weight tensors magnitude pruning acts on (lowcap.analyses.pruning), by layer name; biases are
# never pruned. Here, without torch, so that the config check can name them (pruning.schemes).
PRUNABLE_LAYERS = {"mlp": ("hidden", "output"), "cnn": ("conv", "output")}


def parameter_count(architecture: str, capacity: int) -> int:
    """Trainable parameters of one model of the given capacity: an MLP's hidden units H (786 H + 1)
    or a CNN's channels C (179 C + 1)."""
    if architecture == "mlp":
        return 784 * capacity + capacity + capacity + 1
    if architecture == "cnn":
        return KERNEL * KERNEL * capacity + capacity + POSITIONS * capacity + 1
    raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {architecture!r}")
