import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score, log_loss, roc_auc_score

from lowcap.core.metrics import evaluate


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n, m = 300, 5
    y = (rng.random(n) < 0.4).astype(np.float32)
    logits = rng.normal(size=(n, m)).astype(np.float32) + 1.5 * y[:, None]
    logits[:, 3] = np.round(logits[:, 3])  # many ties, which AUC must count as one half
    logits[:, 4] = -5.0  # predicts nothing positive: F1 is 0 (zero_division=0)
    got = evaluate(torch.from_numpy(logits), torch.from_numpy(y))
    prob = torch.sigmoid(torch.from_numpy(logits)).numpy()
    for k in range(m):
        # F1 and AUC are ratios of counts, computed in float64 on both sides: equal up to the
        # rounding of one division (~1e-16), whatever the summation order. Loss: scikit-learn gets
        # float32-rounded probabilities; at logits up to ~5 (1 - p ~ 7e-3) their 6e-8 rounding is
        # ~1e-5 relative in log(1 - p) for single samples, ~1e-6 in the mean over 300; ours is
        # float32 BCE-with-logits (~1e-7 relative). abs 1e-5 covers both.
        assert got["f1"][k].item() == pytest.approx(f1_score(y, prob[:, k] > 0.5, zero_division=0), abs=1e-12)
        assert got["auc"][k].item() == pytest.approx(roc_auc_score(y, prob[:, k]), abs=1e-12)
        assert got["loss"][k].item() == pytest.approx(log_loss(y, prob[:, k].astype(np.float64)), abs=1e-5)
