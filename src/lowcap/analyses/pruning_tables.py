"""The one-shot pruning tables without torch: the pair table's layout and its checked reader, and
the tables summarised from it (paper Fig. 4's max-sparsity grid and Table 1's dead neurons).

Kept apart from lowcap.analyses.pruning (which prunes, with torch) so that the figure and claims
jobs read the pair tables without importing torch, and an edit to the pruning itself does not
reach the modules that only read its tables' layout.
"""

from __future__ import annotations

import pandas as pd

from lowcap.analyses.capacity import SUCCESS_F1, succeeds
from lowcap.core.tables import markdown_table, read_table

# The two ways of ranking weights (lowcap.analyses.pruning.prune): each layer alone, or all together.
SCOPES = ("layer", "global")

# A pair table's key (one row per checkpoint and level) and the columns every reader needs; the
# metrics (and the random-pruning null's) may be NaN where a metric is undefined.
TABLE_KEYS = ["pair", "width", "seed", "scope", "requested_sparsity"]
TABLE_METRICS = ["val_loss", "val_f1", "val_auc", "random_val_loss", "random_val_f1", "random_val_auc"]


def read_table_of(path, pair: str, grid: dict | None = None) -> pd.DataFrame:
    """One pair table, checked (lowcap.core.tables.read_table): `grid` {"widths", "seeds", "scope",
    "levels"} as the pruning_pair job computed them (levels without 0, which it adds); without a
    grid, every combination of the key values the table holds."""
    full = None if grid is None else {
        "pair": [pair], "width": grid["widths"], "seed": grid["seeds"], "scope": [grid["scope"]],
        "requested_sparsity": sorted({0, *grid["levels"]})}
    return read_table(path, TABLE_KEYS + ["dead_units", *TABLE_METRICS], full if full else TABLE_KEYS,
                      nullable=TABLE_METRICS)


def read_tables(paths: list[str], pairs: list[str] | None = None, grid: dict | None = None) -> pd.DataFrame:
    """The pair tables of `pairs` (in the order of `paths`), each checked (read_table_of)."""
    pairs = pairs if pairs is not None else [None] * len(paths)
    if len(pairs) != len(paths):
        raise ValueError(f"{len(paths)} pruning tables for {len(pairs)} pairs: {paths}")
    return pd.concat([read_table_of(p, pair, grid) for p, pair in zip(paths, pairs)], ignore_index=True)


def highest_passing_level(table: pd.DataFrame, levels: list[float], pairs: list[str],
                          threshold: float = SUCCESS_F1) -> pd.DataFrame:
    """For each (pair, width): the highest requested sparsity (0 = unpruned) with F1 > threshold
    on every seed; the highest such that every lower level also passes; and the highest whose mean
    over seeds passes. NA when even the unpruned model fails."""
    rows = table[table["requested_sparsity"].isin({0, *levels})]
    out = []
    for (pair, width), group in rows.groupby(["pair", "width"]):
        by_level = group.groupby("requested_sparsity")["val_f1"]
        every = succeeds(by_level.min(), threshold)
        mean = succeeds(by_level.mean(), threshold)
        passing_from_zero = every.cumprod().astype(bool)  # stops at the first failing level
        out.append({
            "pair": pair,
            "width": width,
            "max_sparsity_every_seed": every[every].index.max() if every.any() else pd.NA,
            "max_sparsity_every_seed_all_below": (passing_from_zero[passing_from_zero].index.max()
                                                  if passing_from_zero.any() else pd.NA),
            "max_sparsity_mean": mean[mean].index.max() if mean.any() else pd.NA,
            "dense_f1_min": by_level.min().loc[0],
            "threshold": threshold,
            "n_seeds": int(group["seed"].nunique()),
            "scope": group["scope"].iloc[0],
        })
    out = pd.DataFrame(out)
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    return out.sort_values(["pair", "width"]).reset_index(drop=True)


def max_sparsity_markdown(table: pd.DataFrame, capacity: str = "hidden width") -> str:
    """Two pair x width grids of highest_passing_level's levels, '—' where none passes; `capacity` names
    the columns (hidden width, or channels in a CNN study)."""
    parts = []
    for column, title in [
        ("max_sparsity_every_seed", "Highest sparsity (%) with F1 > {t} on every seed"),
        ("max_sparsity_every_seed_all_below", "… and at every lower level too"),
    ]:
        grid = table.pivot(index="pair", columns="width", values=column)
        grid = grid.astype(object).where(grid.notna(), pd.NA)
        grid = grid.map(lambda v: v if pd.isna(v) else f"{float(v):g}").reset_index()
        grid.columns = [str(c) for c in grid.columns]
        grid["pair"] = grid["pair"].astype(str)
        parts.append(f"### {title.format(t=table['threshold'].iloc[0])} (columns: {capacity})\n\n"
                     + markdown_table(grid))
    return "\n".join(parts)


def dead_neuron_table(table: pd.DataFrame, sparsity: float, paper_rows: list[tuple[str, int]],
                      pairs: list[str]) -> pd.DataFrame:
    """Dead hidden units (CNN: channels) of every checkpoint unpruned and at `sparsity`, one row
    per seed; the paper's (pair, width) rows first."""
    keys = ["pair", "width", "seed"]
    cols = ["dead_units", "disconnected_units", "val_f1", "sparsity_total"]
    before = table[table["requested_sparsity"] == 0].set_index(keys)[cols]
    after = table[table["requested_sparsity"] == sparsity].set_index(keys)[cols]
    if after.empty:
        raise ValueError(f"the pruning table has no rows at sparsity {sparsity}")
    out = before.add_suffix("_before").join(after.add_suffix("_after"), how="inner").reset_index()
    out = out.drop(columns=["disconnected_units_before", "sparsity_total_before"])
    out.insert(3, "sparsity", sparsity)
    out.insert(4, "scope", table["scope"].iloc[0])
    paper = {(pair, int(width)) for pair, width in paper_rows}
    out.insert(0, "paper_row", [(p, w) in paper for p, w in zip(out["pair"], out["width"])])
    if "dead_or_disconnected_units" in table:  # units that cannot carry the input to the output, any way
        for when, level in (("before", 0), ("after", sparsity)):
            at = table[table["requested_sparsity"] == level].set_index(keys)["dead_or_disconnected_units"]
            out = out.join(at.rename(f"dead_or_disconnected_units_{when}"), on=keys)
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    out = out.sort_values(["paper_row", "pair", "width", "seed"], ascending=[False, True, True, True])
    out["pair"] = out["pair"].astype(str)
    return out.reset_index(drop=True)


def dead_neuron_markdown(dead: pd.DataFrame, capacity: str = "width") -> str:
    """One line per (pair, width), the per-seed counts written 'a / b / c' in seed order;
    `capacity` heads the capacity column (a CNN study's: channels)."""
    seeds = sorted(dead["seed"].unique())
    joined = lambda v: " / ".join(str(int(x)) for x in v)  # noqa: E731
    rows = []
    for (paper_row, pair, width), g in dead.groupby(["paper_row", "pair", "width"], sort=False):
        g = g.sort_values("seed")
        rows.append({
            "paper row": "★" if paper_row else "",
            "pair": pair,
            capacity: width,
            "dead before": joined(g["dead_units_before"]),
            "dead after": joined(g["dead_units_after"]),
            "mean dead before": g["dead_units_before"].mean(),
            "mean dead after": g["dead_units_after"].mean(),
            "no output weight after": joined(g["disconnected_units_after"]),
            **({"dead or cut off after": joined(g["dead_or_disconnected_units_after"])}
               if "dead_or_disconnected_units_after" in g else {}),
            "F1 after (mean)": g["val_f1_after"].mean(),
        })
    return (f"Per-seed counts are in seed order {', '.join(map(str, seeds))}.\n\n"
            + markdown_table(pd.DataFrame(rows)))
