"""Learning-rate sweep (paper Fig. 1 and 2): the final-epoch summary of the sweep's histories.

The training itself is lowcap.core.train.train_bank with one model per (width, lr); see
lowcap.jobs.lr_sweep.lr_sweep_seed. The figures (lowcap.figures.lr_sweep) use the final epoch, no
selection of the best epoch on the validation split. pandas only: the figure job never imports torch.
"""

from __future__ import annotations

import pandas as pd


def final_epoch_summary(history: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, min, max over seeds of final-epoch F1 and AUC per (split, width, lr)."""
    last = int(history["epoch"].max())
    rows = history[history["epoch"] == last]
    out = rows.groupby(["pair", "split", "width", "lr"])[["f1", "auc"]].agg(["mean", "std", "min", "max"])
    out.columns = [f"{metric}_{stat}" for metric, stat in out.columns]
    out["n_seeds"] = rows.groupby(["pair", "split", "width", "lr"])["seed"].nunique()
    out = out.reset_index()
    out.insert(2, "epoch", last)
    return out.sort_values(["split", "width", "lr"]).reset_index(drop=True)
