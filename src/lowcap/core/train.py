"""Training a bank of models with plain gradient descent, recording per-epoch metrics."""

from __future__ import annotations

import typing
from typing import Callable

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


class TrainableBank(typing.Protocol):  # typing's Protocol: an interface, not a training protocol
    """What run_bank trains: m independent models side by side, each scored and stepped as if alone
    (lowcap.core.model.Bank, the MLPs; lowcap.core.cnn_train.CNNBank, the CNNs)."""

    @property
    def n_models(self) -> int:
        """m, the number of models in the bank."""

    def parameters(self) -> list[torch.Tensor]:
        """The tensors SGD steps, in the order of logits_and_grads' gradients: the units' weights,
        the units' biases, the output weights, the output biases."""

    def unit_values(self, per_model: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
        """One value per model expanded to one per unit and one per output (the step sizes)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of every model, shape (n, m)."""

    def logits_and_grads(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits, and the gradient of each model's mean BCE on (x, y) in the order of parameters()."""

    def mask_applier(self, masks: tuple[torch.Tensor, torch.Tensor]) -> Callable[[], None]:
        """A function that sets the pruned weights (0 in `masks`) to zero; a bank that cannot be
        pruned raises ValueError."""


class _Scores:
    """run_bank's records: per split and metric an (epochs + 1, models) array, NaN where not scored."""

    def __init__(self, epochs: int, n_models: int, y_train: torch.Tensor, y_val: torch.Tensor, every_epoch: bool):
        self.records = {s: {k: np.full((epochs + 1, n_models), np.nan) for k in ("loss", "f1", "auc")}
                        for s in ("train", "val")}
        self.scorers = {"train": Scorer(y_train), "val": Scorer(y_val)}
        self.epochs, self.every_epoch = epochs, every_epoch

    def due(self, epoch: int) -> bool:
        return self.every_epoch or epoch in (0, self.epochs)

    def record(self, split: str, epoch: int, logits: torch.Tensor) -> None:
        if not self.due(epoch):
            return
        for key, values in self.scorers[split](logits).items():
            self.records[split][key][epoch] = values.cpu().numpy()


@torch.no_grad()
def run_bank(
    bank: TrainableBank,
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
    scoring both splits after every epoch (epoch 0: as given). With `masks` (0/1, the bank's
    shapes: an MLP bank's w1 and w2; a CNN bank refuses them), the pruned weights stay zero: the
    weights are multiplied by their mask after each step, which for plain SGD equals masking the
    gradient. Returns per split and metric an (epochs + 1, models) array. Without
    `score_every_epoch`, only the first and the last epoch are scored (the other rows are NaN):
    scoring sorts every model's logits for the AUC, which costs more than a step when thousands of
    models train at once. A CNN bank's x_* are its image patches (lowcap.core.cnn_train.patches)."""
    params = bank.parameters()
    device = params[0].device
    lr_hidden, lr_out = bank.unit_values(lrs)
    step_sizes = [lr_hidden.unsqueeze(1), lr_hidden, lr_hidden, lr_out]
    keep_pruned = bank.mask_applier(masks) if masks is not None else (lambda: None)
    keep_pruned()
    xt, yt, xv, yv = (torch.as_tensor(a, device=device) for a in (x_train, y_train, x_val, y_val))
    shuffle = torch.Generator().manual_seed(seed)
    scores = _Scores(epochs, bank.n_models, yt, yv, score_every_epoch)

    def sgd_step(grads: list[torch.Tensor]) -> None:
        for p, g, lr in zip(params, grads, step_sizes):
            p.sub_(g.mul_(lr))
        keep_pruned()

    for epoch in range(epochs + 1):
        if scores.due(epoch):
            scores.record("val", epoch, bank.forward(xv))
        _train_epoch(bank, epoch, epochs, protocol.batch_size, xt, yt, shuffle, sgd_step, scores)
    return scores.records


def _train_epoch(bank: TrainableBank, epoch: int, epochs: int, batch_size: int | None, xt: torch.Tensor,
                 yt: torch.Tensor, shuffle: torch.Generator, sgd_step, scores: _Scores) -> None:
    """Score the training split at `epoch` (when due), then, before the last epoch, take its steps."""
    if batch_size is None:
        # Full batch: the pass that gives this epoch's training metrics also gives the gradient
        # of the next step.
        logits, grads = bank.logits_and_grads(xt, yt)
        scores.record("train", epoch, logits)
        if epoch < epochs:
            sgd_step(grads)
        return
    if scores.due(epoch):
        scores.record("train", epoch, bank.forward(xt))
    if epoch < epochs:
        order = torch.randperm(len(xt), generator=shuffle).to(xt.device)
        for start in range(0, len(xt), batch_size):
            batch = order[start: start + batch_size]
            sgd_step(bank.logits_and_grads(xt[batch], yt[batch])[1])


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
