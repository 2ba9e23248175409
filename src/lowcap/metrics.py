"""Binary-classification metrics, vectorised over a bank of models (one column per model).

They equal scikit-learn's f1_score (threshold 0.5, zero_division=0) and roc_auc_score on the
same probabilities; tests/test_metrics.py checks this. Doing them in torch keeps the per-epoch
bookkeeping of 11 models x 2 splits x 101 epochs cheap.
"""

from __future__ import annotations

import torch


def bce_per_model(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of each column of `logits` (n, m) against labels y (n,)."""
    target = y.unsqueeze(1).expand_as(logits)
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none").mean(0)


def f1_per_model(prob: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    pred = prob > 0.5
    truth = (y > 0.5).unsqueeze(1)
    tp = (pred & truth).sum(0).double()
    fp = (pred & ~truth).sum(0).double()
    fn = (~pred & truth).sum(0).double()
    denom = 2 * tp + fp + fn
    return torch.where(denom > 0, 2 * tp / denom.clamp(min=1), torch.zeros_like(tp))


def auc_per_model(prob: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """ROC AUC as the Mann-Whitney statistic, ties counted one half (as scikit-learn does)."""
    truth = y > 0.5
    pos = prob[truth].T.contiguous()  # (m, n_pos)
    neg = prob[~truth].T.contiguous()  # (m, n_neg)
    if pos.shape[1] == 0 or neg.shape[1] == 0:
        return torch.full((prob.shape[1],), float("nan"), dtype=torch.float64)
    neg_sorted, _ = torch.sort(neg, dim=1)
    below = torch.searchsorted(neg_sorted, pos, side="left").double()
    below_or_equal = torch.searchsorted(neg_sorted, pos, side="right").double()
    wins = (below + 0.5 * (below_or_equal - below)).sum(1)
    return wins / (pos.shape[1] * neg.shape[1])


def evaluate(logits: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Loss, F1 and AUC of every column; float64 tensors of shape (m,)."""
    prob = torch.sigmoid(logits)
    return {
        "loss": bce_per_model(logits, y).double(),
        "f1": f1_per_model(prob, y),
        "auc": auc_per_model(prob, y),
    }
