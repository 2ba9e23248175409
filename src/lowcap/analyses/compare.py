"""MLP against CNN on one axis, the parameter count (issue 11; pandas only, drawn by
lowcap.figures.compare).

Per pair: the best F1 of each capacity (MLP hidden units, CNN channels) against its parameter
count (lowcap.core.architecture.parameter_count), and the minimum capacity counted both ways.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.analyses.capacity import minimum_capacity, width_summary
from lowcap.core.architecture import parameter_count
from lowcap.core.tables import read_table


def curves(per_seed: dict[str, pd.DataFrame], names: dict[str, str], pairs: list[str], split: str,
           stat: str) -> pd.DataFrame:
    """The figure's numbers: per (architecture, pair, width), the mean, min and max over seeds of
    `stat` on `split`, with the parameter count."""
    frames = []
    for arch, table in per_seed.items():
        summary = width_summary(table, split, stat)
        summary = summary[summary["pair"].isin(pairs)]
        summary.insert(0, "architecture", arch)
        summary.insert(1, "study", names[arch])
        summary.insert(4, "parameters", [parameter_count(arch, int(w)) for w in summary["width"]])
        frames.append(summary)
    out = pd.concat(frames, ignore_index=True)
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    out = out.sort_values(["pair", "architecture", "width"]).reset_index(drop=True)
    out["pair"] = out["pair"].astype(str)
    return out


def table(per_seed: dict[str, pd.DataFrame], sparsity: dict[str, dict[str, pd.DataFrame]], names: dict[str, str],
          pairs: list[str], split: str, stat: str) -> pd.DataFrame:
    """One row per pair: per architecture, the minimum width (mean over seeds, and every seed), its
    parameter count, the CNN's parameters as a fraction of the MLP's, and per pruning scheme of each
    study the highest sparsity that keeps success on every seed (over the widths of the grid)."""
    minimum = {arch: minimum_capacity(per_seed[arch], pairs).set_index(["pair", "split", "statistic"])
               for arch in ("mlp", "cnn")}
    rows = []
    for pair in pairs:
        row = {"pair": pair}
        for arch in ("mlp", "cnn"):
            found = minimum[arch].loc[(pair, split, stat)]
            mean = np.nan if pd.isna(found["min_width_mean"]) else float(found["min_width_mean"])
            row[f"{arch}_min_width"] = mean
            row[f"{arch}_min_width_every_seed"] = (np.nan if pd.isna(found["min_width_every_seed"])
                                                   else float(found["min_width_every_seed"]))
            row[f"{arch}_min_params"] = np.nan if np.isnan(mean) else parameter_count(arch, int(mean))
        row["cnn_over_mlp_params"] = row["cnn_min_params"] / row["mlp_min_params"]
        for arch in ("mlp", "cnn"):
            for scheme, t in sparsity[arch].items():
                values = pd.to_numeric(t.loc[t["pair"] == pair, "max_sparsity_every_seed"], errors="coerce")
                row[f"{arch}_max_sparsity_{scheme}"] = values.max() if values.notna().any() else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(1, "mlp_study", names["mlp"])
    out.insert(2, "cnn_study", names["cnn"])
    for col in [c for c in out if c.endswith(("_min_width", "_every_seed", "_min_params"))]:
        out[col] = out[col].astype("Int64")
    return out


def read_max_sparsity(path: str, study: dict) -> pd.DataFrame:
    """A max_sparsity table, checked: one row per (pair, width) of the study's grid."""
    grid = {"pair": study["pairs"], "width": study["widths"]} if "widths" in study else ["pair", "width"]
    values = ("max_sparsity_every_seed", "max_sparsity_mean")
    return read_table(path, ["pair", "width", *values, "n_seeds"], grid, nullable=values)
