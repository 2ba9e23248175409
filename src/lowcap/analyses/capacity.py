"""Capacity results from training histories: best/final F1 per width, minimum widths (pandas only)."""

from __future__ import annotations

import pandas as pd

from lowcap.core.tables import check_table_grid, read_table

# The paper's "success": F1 strictly above this. The one rule every table and figure uses
# (minimum capacity, the highest sparsity that keeps success): see succeeds().
SUCCESS_F1 = 0.90


def succeeds(f1, threshold: float = SUCCESS_F1):
    """F1 > threshold: success in the paper's sense (elementwise for arrays and Series)."""
    return f1 > threshold


# A training history (lowcap.core.train.history_table): one row per (model, epoch, split).
HISTORY_KEYS = ["pair", "width", "seed", "lr", "split", "epoch"]
HISTORY_COLUMNS = [*HISTORY_KEYS, "loss", "f1", "auc"]


def read_histories(paths: list[str]) -> pd.DataFrame:
    """Histories, each checked as it is read (lowcap.core.tables.read_table: complete lines, every
    column, no empty key); check_grid then checks the rows. attrs["sources"]: pair -> file."""
    frames = [read_table(p, HISTORY_COLUMNS, nullable=("loss", "f1", "auc")) for p in paths]
    history = pd.concat(frames, ignore_index=True)
    history.attrs["sources"] = {pair: str(p) for p, f in zip(paths, frames) for pair in f["pair"].unique()}
    return history


def per_seed_f1(history: pd.DataFrame) -> pd.DataFrame:
    """Best F1 over epochs (the paper's Fig. 3) and final-epoch F1 of every (pair, width, seed, split)."""
    last = history["epoch"].max()
    keys = ["pair", "width", "seed", "split"]
    best = history.groupby(keys)["f1"].max().rename("best_f1")
    final = history[history["epoch"] == last].set_index(keys)["f1"].rename("final_f1")
    return pd.concat([best, final], axis=1).reset_index()


def width_summary(per_seed: pd.DataFrame, split: str, stat: str = "best_f1") -> pd.DataFrame:
    """Mean and std over seeds of `stat` for each (pair, width) on one split."""
    rows = per_seed[per_seed["split"] == split]
    out = rows.groupby(["pair", "width"])[stat].agg(["mean", "std", "min", "max", "count"])
    out = out.rename(columns={"count": "n_seeds"}).reset_index()
    out.insert(2, "split", split)
    out.insert(3, "statistic", stat)
    return out


def minimum_capacity(per_seed: pd.DataFrame, pairs: list[str], threshold: float = SUCCESS_F1) -> pd.DataFrame:
    """For each pair, split and statistic: the smallest width whose F1 exceeds `threshold`
    on every seed, and the smallest whose mean over seeds does. Empty (NA) when no width does."""
    rows = []
    for (pair, split), group in per_seed.groupby(["pair", "split"]):
        for stat in ("best_f1", "final_f1"):
            by_width = group.groupby("width")[stat]
            every = sorted(w for w, v in by_width if succeeds(v, threshold).all())
            mean = sorted(w for w, v in by_width if succeeds(v.mean(), threshold))
            rows.append({
                "pair": pair,
                "split": split,
                "statistic": stat,
                "min_width_every_seed": every[0] if every else pd.NA,
                "min_width_mean": mean[0] if mean else pd.NA,
                "threshold": threshold,
                "n_seeds": int(group["seed"].nunique()),
            })
    table = pd.DataFrame(rows)
    table["pair"] = pd.Categorical(table["pair"], categories=pairs, ordered=True)
    return table.sort_values(["pair", "split", "statistic"]).reset_index(drop=True)


def check_grid(history: pd.DataFrame, pairs, widths, seeds, source: str, epochs: int | None = None) -> None:
    """A history must hold exactly the configured grid, every row once: never draw an old grid's
    numbers, nor a short file's. Each (pair, width, seed) of the config, at each learning rate and
    split the histories hold, needs every epoch from 0 to the last one (the same for all): to
    `epochs` when given (the protocol's), else to the last one the histories hold."""
    for name, want in (("pair", pairs), ("width", widths), ("seed", seeds)):
        got = {v.item() if hasattr(v, "item") else v for v in history[name].unique()}
        if got != set(want):
            raise ValueError(f"{source} holds {name}s {sorted(got)}, the config asks for {sorted(want)}")
    sources = history.attrs.get("sources", {})
    for pair in pairs:
        rows = history[history["pair"] == pair]
        grid = {"pair": [pair], "width": widths, "seed": seeds, "lr": sorted(rows["lr"].unique()) if "lr" in rows else (),
                "split": sorted(rows["split"].unique()),
                "epoch": range((int(rows["epoch"].max()) if epochs is None else int(epochs)) + 1)}
        check_table_grid(rows, {k: v for k, v in grid.items() if k in rows}, sources.get(pair, source))


def read_min_capacity(path: str, pairs: list[str], split: str, stat: str) -> pd.DataFrame:
    """A min_capacity table (minimum_capacity's), checked: every (pair, split, statistic)
    combination it holds, and every pair of `pairs` at the split and statistic asked for."""
    keys = ["pair", "split", "statistic"]
    values = ["min_width_every_seed", "min_width_mean"]
    table = read_table(path, keys + values + ["threshold"], keys, nullable=values)
    check_table_grid(table, {"pair": pairs, "split": [split], "statistic": [stat]}, path, extra_ok=True)
    return table
