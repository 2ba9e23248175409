"""A network with no hidden layer: logistic regression on each (pair, seed) split."""

from __future__ import annotations

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from lowcap.core import data
from lowcap.core.tables import write_table


def logistic_baseline(images: str, labels: str, pairs: list[str], seeds: list[int], out: str) -> None:
    """scikit-learn's LogisticRegression (L2, C = 1, lbfgs) on the same splits as the networks:
    validation F1 and AUC per (pair, seed). If it already exceeds the success level, F1 > 0.90
    cannot tell widths apart on that pair."""
    x_img, y_lab = data.load_pool(images, labels)
    rows = []
    for pair in pairs:
        for seed in seeds:
            d = data.pair_data(x_img, y_lab, pair, seed)
            model = LogisticRegression(C=1.0, max_iter=5000).fit(d.x_train, d.y_train)
            prob = model.predict_proba(d.x_val)[:, 1]
            rows.append({"pair": pair, "seed": seed, "n_train": len(d.y_train), "n_val": len(d.y_val),
                         "val_f1": f1_score(d.y_val, prob > 0.5, zero_division=0),
                         "val_auc": roc_auc_score(d.y_val, prob),
                         "train_f1": f1_score(d.y_train, model.predict_proba(d.x_train)[:, 1] > 0.5, zero_division=0)})
    table = pd.DataFrame(rows)
    write_table(table, out)
    print(table.groupby("pair", sort=False)[["val_f1", "val_auc", "train_f1"]].mean().round(4).to_string())
