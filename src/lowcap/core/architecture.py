"""The two architectures' shapes and parameter counts, without torch (the figure and claims jobs
use them): the MLP 784 -> H -> 1 (lowcap.core.model) and the CNN baseline (lowcap.core.cnn)."""

from __future__ import annotations

SIDE = 28  # MNIST images are SIDE x SIDE, flattened row-major to 784 inputs
KERNEL = 3
STRIDE = 2
OUT_SIDE = (SIDE - KERNEL) // STRIDE + 1  # 13
POSITIONS = OUT_SIDE * OUT_SIDE  # 169 output positions per channel

ARCHITECTURES = ("mlp", "cnn")
UNIT = {"mlp": "hidden units", "cnn": "channels"}


def parameter_count(architecture: str, width: int) -> int:
    """Trainable parameters of one model of capacity `width` (hidden units or channels)."""
    if architecture == "mlp":
        return 784 * width + width + width + 1
    if architecture == "cnn":
        return KERNEL * KERNEL * width + width + POSITIONS * width + 1
    raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {architecture!r}")
