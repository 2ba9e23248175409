"""Binary-classification metrics, vectorised over a bank of models (one column per model).

They equal scikit-learn's f1_score (threshold 0.5, zero_division=0) and roc_auc_score on the
same probabilities; tests/test_metrics.py checks this. Doing them in torch keeps the per-epoch
bookkeeping of 11 models x 2 splits x 101 epochs cheap.
"""

from __future__ import annotations

import torch


class Scorer:
    """Loss, F1 and AUC of every column of a logits matrix against fixed labels y (n,).

    What depends on the labels alone (which rows are positive) is worked out once, so scoring the
    same split every epoch pays only for the scores.
    """

    def __init__(self, y: torch.Tensor):
        self.y = y
        truth = y > 0.5
        self.truth = truth.unsqueeze(1)
        self.pos = torch.nonzero(truth).squeeze(1)
        self.neg = torch.nonzero(~truth).squeeze(1)

    def __call__(self, logits: torch.Tensor) -> dict[str, torch.Tensor]:
        """float64 tensors of shape (m,)."""
        prob = torch.sigmoid(logits)
        target = self.y.unsqueeze(1).expand_as(logits)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none").mean(0)
        return {"loss": loss.double(), "f1": self._f1(prob), "auc": self._auc(prob)}

    def _f1(self, prob: torch.Tensor) -> torch.Tensor:
        pred = prob > 0.5
        tp = (pred & self.truth).sum(0).double()
        predicted = pred.sum(0).double()
        denom = predicted + len(self.pos)  # 2 tp + fp + fn
        return torch.where(denom > 0, 2 * tp / denom.clamp(min=1), torch.zeros_like(tp))

    def _auc(self, prob: torch.Tensor) -> torch.Tensor:
        """The Mann-Whitney statistic, ties counted one half (as scikit-learn does)."""
        if len(self.pos) == 0 or len(self.neg) == 0:
            return torch.full((prob.shape[1],), float("nan"), dtype=torch.float64)
        pos = prob.index_select(0, self.pos).T.contiguous()  # (m, n_pos)
        neg_sorted = prob.index_select(0, self.neg).sort(dim=0).values.T.contiguous()  # (m, n_neg)
        below = torch.searchsorted(neg_sorted, pos, side="left")
        below_or_equal = torch.searchsorted(neg_sorted, pos, side="right")
        wins = (below + below_or_equal).sum(1).double() / 2
        return wins / (len(self.pos) * len(self.neg))


def evaluate(logits: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Loss, F1 and AUC of every column of `logits` (n, m); float64 tensors of shape (m,)."""
    return Scorer(y)(logits)
