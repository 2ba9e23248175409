"""Training a bank of models with plain gradient descent, recording per-epoch metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from lowcap.core.protocol import Protocol
from lowcap.core.metrics import Scorer
from lowcap.core.model import Bank, init_params


def sweep_models(widths: list[int], lrs: list[float]) -> tuple[list[int], list[float]]:
    """Every (width, lr) combination, as the parallel lists train_bank takes."""
    grid = [(w, lr) for w in widths for lr in lrs]
    return [w for w, _ in grid], [lr for _, lr in grid]


@torch.no_grad()  # gradients are written out in Bank.logits_and_grads
def train_bank(
    widths: list[int],
    lrs: list[float],
    seed: int,
    protocol: Protocol,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    device: str = "cpu",
) -> tuple[list[dict[str, torch.Tensor]], pd.DataFrame]:
    """Train one model per (widths[k], lrs[k]) from the same seed, all at once.

    Returns the final state_dicts and a long table of metrics per (model, epoch, split).
    Epoch 0 is the initialisation; epoch e is the model after e epochs of updates.
    """
    if len(widths) != len(lrs):
        raise ValueError("widths and lrs must have the same length")
    bank = Bank.from_params(
        [init_params(w, seed, protocol.init, protocol.init_std) for w in widths], device
    )
    records = run_bank(bank, lrs, seed, protocol, protocol.epochs, x_train, y_train, x_val, y_val)
    return bank.split(), history_table(records, widths, lrs)


@torch.no_grad()
def run_bank(
    bank: Bank,
    lrs: list[float],
    seed: int,
    protocol: Protocol,
    epochs: int,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    masks: tuple[torch.Tensor, torch.Tensor] | None = None,
    score_every_epoch: bool = True,
) -> dict:
    """Train `bank` in place for `epochs` epochs of the protocol's SGD (full batch or minibatch),
    scoring both splits after every epoch (epoch 0: as given). With `masks` (one for w1 and one for
    w2, 0/1, the bank's shapes), the pruned weights stay zero: the weights are multiplied by their
    mask after each step, which for plain SGD equals masking the gradient. Returns per split and
    metric an (epochs + 1, models) array. Without `score_every_epoch`, only the first and the last
    epoch are scored (the other rows are NaN): scoring sorts every model's logits for the AUC, which
    costs more than a step when thousands of models train at once.

    `bank` is a lowcap.core.model.Bank, or a lowcap.core.cnn_train.CNNBank with x_* its image patches: what
    is used is parameters() (weights, biases of the units, output weights, output biases),
    unit_values, forward, logits_and_grads and widths. Masks apply to an MLP bank's w1 and w2."""
    params = bank.parameters()
    device = params[0].device
    lr_hidden, lr_out = bank.unit_values(lrs)
    step_sizes = [lr_hidden.unsqueeze(1), lr_hidden, lr_hidden, lr_out]
    if masks is not None:
        mask1, mask2 = (m.to(device=device, dtype=bank.w1.dtype) for m in masks)
        bank.w1.mul_(mask1)
        bank.w2.mul_(mask2)

    xt = torch.as_tensor(x_train, device=device)
    yt = torch.as_tensor(y_train, device=device)
    xv = torch.as_tensor(x_val, device=device)
    yv = torch.as_tensor(y_val, device=device)
    n = len(xt)
    shuffle = torch.Generator().manual_seed(seed)

    m = len(bank.widths)
    records = {s: {k: np.full((epochs + 1, m), np.nan) for k in ("loss", "f1", "auc")} for s in ("train", "val")}

    scorers = {"train": Scorer(yt), "val": Scorer(yv)}

    scored = lambda epoch: score_every_epoch or epoch in (0, epochs)  # noqa: E731

    def record(split: str, epoch: int, logits: torch.Tensor) -> None:
        if not scored(epoch):
            return
        for key, values in scorers[split](logits).items():
            records[split][key][epoch] = values.cpu().numpy()

    def sgd_step(grads: list[torch.Tensor]) -> None:
        for p, g, lr in zip(params, grads, step_sizes):
            p.sub_(g.mul_(lr))
        if masks is not None:
            bank.w1.mul_(mask1)
            bank.w2.mul_(mask2)

    for epoch in range(epochs + 1):
        if scored(epoch):
            record("val", epoch, bank.forward(xv))
        if protocol.batch_size is None:
            # Full batch: the pass that gives this epoch's training metrics also gives the
            # gradient of the next step.
            logits, grads = bank.logits_and_grads(xt, yt)
            record("train", epoch, logits)
            if epoch < epochs:
                sgd_step(grads)
        else:
            if scored(epoch):
                record("train", epoch, bank.forward(xt))
            if epoch < epochs:
                order = torch.randperm(n, generator=shuffle).to(device)
                for start in range(0, n, protocol.batch_size):
                    batch = order[start: start + protocol.batch_size]
                    sgd_step(bank.logits_and_grads(xt[batch], yt[batch])[1])
    return records


def history_table(records: dict, widths: list[int], lrs: list[float]) -> pd.DataFrame:
    """run_bank's records as a long table: one row per (model, epoch, split)."""
    epochs = len(records["train"]["f1"]) - 1
    m = len(widths)
    frames = []
    for split, metrics in records.items():
        for k in range(m):
            frames.append(pd.DataFrame({
                "width": widths[k],
                "lr": lrs[k],
                "epoch": np.arange(epochs + 1),
                "split": split,
                **{key: metrics[key][:, k] for key in ("loss", "f1", "auc")},
            }))
    return pd.concat(frames, ignore_index=True)
