"""Training the CNNs of one seed together: a bank of convolutional models (lowcap.core.cnn).

The bank is one convolution with sum(C) output channels; model k reads only its own block of
channels through its own linear output. Its loss is the sum of the models' mean binary
cross-entropies, so each model gets exactly the gradient it would get alone (written out in
CNNBank._chunk_logits_and_grads as autograd computes it); only the floating-point rounding of the
shared products can differ (tests/test_cnn.py bounds it against training one CNN alone).

The convolution is written as a matrix product over image patches (im2col): the 169 3x3 patches of
every image are cut once, before training, and each step is then one (n*169, 9) x (9, sum C)
product, which is what a convolution with one input channel amounts to.

The loop is lowcap.core.train.run_bank itself (CNNBank is a TrainableBank): epoch 0 is the
initialisation; full batch (one step per epoch, whose forward pass also gives the epoch's training
metrics) or minibatches drawn by a generator seeded with the model seed; the same history table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from lowcap.core.architecture import KERNEL, POSITIONS, SIDE, STRIDE
from lowcap.core.cnn import init_params
from lowcap.core.protocol import Protocol
from lowcap.core.train import history_table, run_bank

# Rows per chunk of a pass: the (rows, 169, sum C) activations of 64 rows stay in the CPU's cache
# (about 2 MB for 52 channels), which makes a full-batch epoch about 4x faster than one pass over
# every row, and keeps memory flat on the 60k pool. The chunks' gradients are summed, so a step is
# still the full batch's (or the minibatch's); only the summation order differs.
CHUNK = 64


def patches(x: torch.Tensor) -> torch.Tensor:
    """(n, 784) images -> (n, 169, 9) 3x3 patches at stride 2, in the output positions' row-major
    order and the kernel's row-major order (as torch.nn.functional.conv2d pairs them)."""
    img = x.reshape(-1, 1, SIDE, SIDE)
    cols = nn.functional.unfold(img, KERNEL, stride=STRIDE)  # (n, 9, 169)
    return cols.transpose(1, 2).contiguous()


@dataclass
class CNNBank:
    """Parameters of m CNNs side by side. Model k owns the channels of block k."""

    w_conv: torch.Tensor  # (S, 9), S = sum of channels
    b_conv: torch.Tensor  # (S,)
    w_out: torch.Tensor  # (169, S): output weight of each (position, channel)
    b_out: torch.Tensor  # (m,)
    channels: list[int]
    gather: torch.Tensor  # (S, m) 0/1: channel -> its model's output

    @classmethod
    def from_params(cls, params: list[dict[str, torch.Tensor]], device: str = "cpu") -> "CNNBank":
        channels = [p["conv.weight"].shape[0] for p in params]
        segment = torch.repeat_interleave(torch.arange(len(channels)), torch.tensor(channels))
        gather = nn.functional.one_hot(segment, len(channels)).to(torch.float32)
        w_out = torch.cat([p["output.weight"].reshape(c, POSITIONS) for p, c in zip(params, channels)]).T
        place = lambda t: t.contiguous().to(device)  # noqa: E731
        return cls(
            place(torch.cat([p["conv.weight"].reshape(c, -1) for p, c in zip(params, channels)])),
            place(torch.cat([p["conv.bias"] for p in params])),
            place(w_out),
            place(torch.cat([p["output.bias"] for p in params])),
            channels,
            gather.to(device),
        )

    @property
    def n_models(self) -> int:
        return len(self.channels)

    def mask_applier(self, masks: tuple[torch.Tensor, torch.Tensor]):
        """Pruning while training is an MLP-bank feature (lowcap.analyses.imp): refused by name,
        not left to fail on an attribute the CNN bank lacks."""
        raise ValueError("a CNN bank takes no masks: run_bank keeps pruned weights at zero for an MLP bank "
                         "(lowcap.core.model.Bank) only")

    def parameters(self) -> list[torch.Tensor]:
        return [self.w_conv, self.b_conv, self.w_out, self.b_out]

    def unit_values(self, per_model: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
        """Expand one value per model to one per channel and one per output unit (as lowcap.core.model.Bank)."""
        per_out = torch.tensor(per_model, dtype=self.w_conv.dtype, device=self.w_conv.device)
        return per_out @ self.gather.T, per_out

    def _hidden(self, p: torch.Tensor) -> torch.Tensor:
        """Post-ReLU activations (n, 169, S) from patches p (n, 169, 9). The bias is added and the
        ReLU taken in place, in one pass: aten's fused _add_relu_ does the same float32 sum and
        clamp as `relu(pre + b)`, bit for bit, without a second (n, 169, S) tensor. It has a CPU
        kernel only; elsewhere the same sum and clamp take two in-place passes."""
        pre = torch.matmul(p, self.w_conv.T)
        if pre.is_cpu:
            return torch.ops.aten._add_relu_(pre, self.b_conv)
        return pre.add_(self.b_conv).relu_()

    def _logits(self, weighted: torch.Tensor) -> torch.Tensor:
        """Logits of every model (n, m) from h * w_out (n, 169, S): each channel's sum over the
        positions, then each model's channels (gather) and bias."""
        return weighted.sum(1) @ self.gather + self.b_out

    def _chunk_logits_and_grads(self, p: torch.Tensor, y: torch.Tensor, n_total: int
                                ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits, and the gradient of the sum over models of each model's mean BCE over
        `n_total` rows, from these rows' share of it, in the order of parameters().

        Written out as autograd computes it: the same products and reductions, on tensors of the
        same layouts, so the same bits (tests/test_cnn.py compares the two); without its graph and
        its allocations, one buffer holding each (n, 169, S) product in turn (issue #19)."""
        h = self._hidden(p)
        buf = torch.mul(h, self.w_out)  # h * w_out, then the buffer of the backward pass' products
        logits = self._logits(buf)
        # d(sum of BCE)/d logits, times d loss/d(sum) = 1 / n_total as a float32 tensor
        g_logits = (logits.sigmoid() - y.unsqueeze(1).expand_as(logits)) * (torch.ones(()) / n_total)
        g_b_out = g_logits.sum(0)
        g_h = g_logits.mm(self.gather.t()).unsqueeze(1).expand_as(h)  # each channel's model's, every position
        g_w_out = torch.mul(g_h, h, out=buf).sum(0)
        g_pre = torch.ops.aten.threshold_backward.grad_input(torch.mul(g_h, self.w_out, out=buf), h, 0,
                                                              grad_input=buf)  # the ReLU's gradient
        g_b_conv = g_pre.sum((0, 1))
        g_w_conv = g_pre.view(-1, g_pre.shape[-1]).t().mm(p.reshape(-1, p.shape[-1]))
        return logits, [g_w_conv, g_b_conv, g_w_out, g_b_out]

    @torch.no_grad()
    def logits_and_grads(self, p: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits, and the gradient of each model's mean BCE over every row of p (a full batch or
        a minibatch), chunk by chunk, the chunks' gradients summed."""
        logits, total = [], None
        for start in range(0, len(p), CHUNK):
            part, grads = self._chunk_logits_and_grads(p[start: start + CHUNK], y[start: start + CHUNK], len(p))
            logits.append(part)
            total = grads if total is None else [a.add_(b) for a, b in zip(total, grads)]
        return torch.cat(logits), total

    @torch.no_grad()
    def forward(self, p: torch.Tensor) -> torch.Tensor:
        """Logits of every model, shape (n, m), from patches p (n, 169, 9), chunk by chunk."""
        # h is not needed afterwards: h * w_out overwrites it
        return torch.cat([self._logits(self._hidden(p[s: s + CHUNK]).mul_(self.w_out))
                          for s in range(0, len(p), CHUNK)])

    def split(self) -> list[dict[str, torch.Tensor]]:
        """Back to one state_dict per model (on the CPU), lowcap.core.cnn.CNN's keys and shapes."""
        out, start = [], 0
        for k, c in enumerate(self.channels):
            sl = slice(start, start + c)
            take = lambda t: t.detach().cpu().clone()  # noqa: E731
            out.append({
                "conv.weight": take(self.w_conv[sl]).reshape(c, 1, KERNEL, KERNEL),
                "conv.bias": take(self.b_conv[sl]),
                "output.weight": take(self.w_out[:, sl].T).reshape(1, c * POSITIONS),
                "output.bias": take(self.b_out[k: k + 1]),
            })
            start += c
        return out


@torch.no_grad()
def train_cnn_bank(
    channels: list[int],
    seed: int,
    protocol: Protocol,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    device: str = "cpu",
) -> tuple[list[dict[str, torch.Tensor]], pd.DataFrame]:
    """Train one CNN per channel count from the same seed, all at once, at protocol.lr.

    Returns the final state_dicts and the long table of metrics per (model, epoch, split), with
    the columns of lowcap.core.train.train_bank's (`width` holds the channel count).
    """
    bank = CNNBank.from_params([init_params(c, seed, protocol.init, protocol.init_std) for c in channels], device)
    lrs = [protocol.lr] * len(channels)
    records = run_bank(bank, lrs, seed, protocol, protocol.epochs, patches(torch.as_tensor(x_train)), y_train,
                       patches(torch.as_tensor(x_val)), y_val)
    return bank.split(), history_table(records, channels, lrs)
