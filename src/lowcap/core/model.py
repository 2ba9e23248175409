"""The paper's model, 784 -> H (ReLU) -> 1 (sigmoid), and a bank that trains many of them at once.

A bank concatenates the hidden layers of several independent MLPs into one wide layer. Each
output unit reads only its own model's hidden units, and the bank's loss is the sum of the models'
losses, so every model gets exactly the gradient it would get alone; only the floating-point
rounding of the shared matrix multiply can differ (tests/test_model.py bounds it).
"""

from __future__ import annotations

import pickle
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from lowcap.core.cnn import CNN
from lowcap.core.tables import written
from lowcap.core.weights import draw_weights

N_INPUTS = 28 * 28


class MLP(nn.Module):
    """One model; its state_dict is what a checkpoint stores."""

    architecture = "mlp"

    def __init__(self, width: int):
        super().__init__()
        self.hidden = nn.Linear(N_INPUTS, width)
        self.output = nn.Linear(width, 1)

    def hidden_activations(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.hidden(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (n,). The sigmoid is applied by the loss and the metrics."""
        return self.output(self.hidden_activations(x)).squeeze(1)


def init_params(width: int, seed: int, init: str, init_std: float) -> dict[str, torch.Tensor]:
    """Initial weights of one model; biases are zero. Hidden layer first (draw_weights)."""
    w1, w2 = draw_weights([(width, N_INPUTS), (1, width)], seed, init, init_std)
    return {
        "hidden.weight": w1,
        "hidden.bias": torch.zeros(width),
        "output.weight": w2,
        "output.bias": torch.zeros(1),
    }


@dataclass
class Bank:
    """Parameters of m models side by side. Model k owns hidden units segment == k."""

    w1: torch.Tensor  # (sum of widths, 784)
    b1: torch.Tensor  # (sum of widths,)
    w2: torch.Tensor  # (sum of widths,)  output weight of each hidden unit
    b2: torch.Tensor  # (m,)
    widths: list[int]
    gather: torch.Tensor  # (sum of widths, m) 0/1: hidden unit -> its model's output

    @classmethod
    def from_params(cls, params: list[dict[str, torch.Tensor]], device: str = "cpu") -> "Bank":
        widths = [p["hidden.weight"].shape[0] for p in params]
        segment = torch.repeat_interleave(torch.arange(len(widths)), torch.tensor(widths))
        gather = nn.functional.one_hot(segment, len(widths)).float()
        flat = lambda key: torch.cat([p[key].reshape(-1) for p in params]).to(device)
        return cls(
            torch.cat([p["hidden.weight"] for p in params]).to(device),
            flat("hidden.bias"),
            flat("output.weight"),
            flat("output.bias"),
            widths,
            gather.to(device),
        )

    @property
    def n_models(self) -> int:
        return len(self.widths)

    def parameters(self) -> list[torch.Tensor]:
        return [self.w1, self.b1, self.w2, self.b2]

    def mask_applier(self, masks: tuple[torch.Tensor, torch.Tensor]) -> Callable[[], None]:
        """A function that zeroes the pruned weights: `masks` are 0/1 for w1 and w2, their shapes."""
        mask1, mask2 = (m.to(device=self.w1.device, dtype=self.w1.dtype) for m in masks)

        def apply() -> None:
            self.w1.mul_(mask1)
            self.w2.mul_(mask2)

        return apply

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of every model, shape (n, m)."""
        h = torch.addmm(self.b1, x, self.w1.T).clamp_min_(0)
        return torch.addmm(self.b2, h, self.gather * self.w2.unsqueeze(1))

    def logits_and_grads(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits, and the gradient of each model's mean binary cross-entropy with respect to its
        own parameters, in the order of parameters().

        Written out by hand rather than by autograd: the same arithmetic with fewer passes over
        the (n, sum of widths) activations; tests/test_model.py checks it against autograd.
        """
        pre = torch.addmm(self.b1, x, self.w1.T)
        h = pre.clamp_min(0)
        w2_block = self.gather * self.w2.unsqueeze(1)  # (sum of widths, m), block diagonal
        logits = torch.addmm(self.b2, h, w2_block)
        dlogits = (torch.sigmoid(logits) - y.unsqueeze(1)) / len(x)
        # ReLU's backward as autograd computes it (zero at and below 0); this fused kernel is ~20x
        # faster here than masked_fill_ or torch.where with a boolean mask.
        dpre = torch.ops.aten.threshold_backward(dlogits @ w2_block.T, pre, 0.0)
        return logits, [
            dpre.T @ x,
            dpre.sum(0),
            ((h.T @ dlogits) * self.gather).sum(1),
            dlogits.sum(0),
        ]

    def unit_values(self, per_model: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
        """Expand one value per model to one per hidden unit and one per output unit."""
        per_out = torch.tensor(per_model, dtype=self.w1.dtype, device=self.w1.device)
        return per_out @ self.gather.T, per_out

    def split(self) -> list[dict[str, torch.Tensor]]:
        """Back to one state_dict per model (on the CPU)."""
        out, start = [], 0
        for k, width in enumerate(self.widths):
            sl = slice(start, start + width)
            out.append({
                "hidden.weight": self.w1[sl].detach().cpu().clone(),
                "hidden.bias": self.b1[sl].detach().cpu().clone(),
                "output.weight": self.w2[sl].detach().cpu().clone().reshape(1, width),
                "output.bias": self.b2[k: k + 1].detach().cpu().clone(),
            })
            start += width
        return out


# --------------------------------------------------------------------------- checkpoints


class CheckpointError(RuntimeError):
    pass


@dataclass(frozen=True)
class CheckpointMeta:
    """What a checkpoint records beside its weights: enough to evaluate it without the config."""

    study: str
    dataset: str
    pool: str
    pair: str
    width: int
    seed: int
    protocol: dict  # Protocol.as_meta(): preset, lr, epochs, batch_size, init, init_std
    split_digest: str
    n_train: int
    n_val: int
    torch_version: str
    final_val_f1: float
    final_train_f1: float
    architecture: str = "mlp"  # mlp (lowcap.core.model.MLP) or cnn (lowcap.core.cnn.CNN); `width` is its capacity

    @property
    def key(self) -> tuple[str, int, int]:
        return self.pair, self.width, self.seed


def save_checkpoint(path: str | Path, state_dict: dict[str, torch.Tensor], meta: CheckpointMeta) -> None:
    """Plain tensors plus JSON-like metadata: loads with torch.load(weights_only=True), no pickled code."""
    needed = sum(t.numel() * t.element_size() for t in state_dict.values())
    # Saved to {path}.part and moved: torch names the archive's folder after the file, "w8_s0.pt".
    with written(path, needed) as tmp:
        torch.save({"state_dict": state_dict, "meta": asdict(meta)}, tmp)


def build_model(architecture: str, width: int) -> nn.Module:
    """An untrained model of the architecture: MLP(width) or CNN(channels = width), `width` being
    the capacity a checkpoint records for either."""
    if architecture == "cnn":
        return CNN(int(width))
    if architecture != "mlp":
        raise ValueError(f"architecture must be 'mlp' or 'cnn', not {architecture!r}")
    return MLP(int(width))


def load_checkpoint(path: str | Path) -> tuple[MLP | CNN, CheckpointMeta]:
    path = Path(path)
    recover = ("Delete it and run snakemake again: the training job of its pair is rerun "
               "(or force it with --forcerun train_pair).")
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        state, raw = blob["state_dict"], blob["meta"]
        known = {f.name for f in fields(CheckpointMeta)}
        # Checkpoints written before the CNN baseline have no `architecture`: they are MLPs.
        if set(raw) != known and set(raw) != known - {"architecture"}:
            raise ValueError(f"metadata keys {sorted(set(raw) ^ known)} differ from this version's "
                             "(written by an older lowcap?)")
        meta = CheckpointMeta(**raw)
        model = build_model(meta.architecture, meta.width)
        model.load_state_dict(state)
    except pickle.UnpicklingError as exc:
        if "Weights only load failed" not in str(exc):
            raise CheckpointError(f"cannot read checkpoint {path} (truncated or corrupt?): {exc}. {recover}") from None
        # torch's message advises loading with weights_only=False, which would run the file's code.
        found = re.search(r"unsupported GLOBAL (\S+)", str(exc))
        raise CheckpointError(f"refused to load checkpoint {path}: it holds pickled code or objects"
                              f"{f' ({found.group(1)})' if found else ''}, which lowcap never writes, so it was "
                              f"not made by this pipeline; nothing in it was run. {recover}") from None
    except Exception as exc:  # torch raises several types for truncated or foreign files
        raise CheckpointError(f"cannot read checkpoint {path} (truncated or corrupt?): {exc}. {recover}") from exc
    model.eval()
    return model, meta
