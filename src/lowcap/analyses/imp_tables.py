"""The IMP tables without torch: the schedule of levels, the pair table's layout and its checked
reader, the rows each method is judged by, and the max-sparsity summary (lowcap.analyses.imp
computes the pair tables, with torch). Apart so that the figure and claims jobs read IMP tables
without importing torch."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses.pruning_tables import SCOPES
from lowcap.core.tables import markdown_table, read_table

METHODS = ("one-shot", "one-shot+ft", "imp")
CONTROL = "dense+ft"  # the dense model trained as long as each round's budget
# What each method's F1 is read at: one-shot right after pruning, the others after fine-tuning.
STAGE = {"one-shot": "pruned", "one-shot+ft": "finetuned", "imp": "finetuned"}

# An IMP table's key: not a product (the control has no scope, one-shot no fine-tuned stage, ...).
TABLE_KEYS = ["pair", "width", "seed", "method", "scope", "round", "stage"]
TABLE_METRICS = ["val_loss", "val_f1", "val_auc"]


def levels(rate: float, rounds: int, target: float | None = None) -> list[float]:
    """The requested sparsity (percent of the original weights) after each round: the geometric
    schedule 1 - (1 - rate)^r, r = 1..rounds, with `target` inserted in order unless a level
    already equals it (so a round lands on it exactly; after the last level: one more round)."""
    schedule = [100 * (1 - (1 - rate) ** r) for r in range(1, rounds + 1)]
    if target is not None and not any(abs(level - target) < 1e-9 for level in schedule):
        schedule = sorted([*schedule, float(target)])
    return schedule


def table_keys(pair: str, widths, seeds, n_rounds: int) -> pd.DataFrame:
    """Every key run_pair writes for `n_rounds` levels (len(levels(...))), one row each."""
    per_model = [("dense", "none", 0, "pruned")] + [(CONTROL, "none", r, "finetuned") for r in range(1, n_rounds + 1)]
    per_model += [(method, scope, r, stage) for scope in SCOPES for r in range(1, n_rounds + 1)
                  for method, stage in (("one-shot", "pruned"), ("one-shot+ft", "finetuned"),
                                        ("imp", "pruned"), ("imp", "finetuned"))]
    return pd.DataFrame([(pair, w, s, *key) for w in widths for s in seeds for key in per_model], columns=TABLE_KEYS)


def read_table_of(path, pair: str, widths, seeds, imp_settings: dict) -> pd.DataFrame:
    """One pair's IMP table, checked for every key of its schedule (lowcap.core.tables.read_table);
    `imp_settings`: the study's imp section (rate, rounds, target_sparsity)."""
    n_rounds = len(levels(imp_settings["rate"], imp_settings["rounds"], imp_settings["target_sparsity"]))
    return read_table(path, TABLE_KEYS + ["requested_sparsity", "sparsity_total", *TABLE_METRICS],
                      table_keys(pair, widths, seeds, n_rounds), nullable=TABLE_METRICS)


def read_checked(path: str, pair: str, grid: dict | None) -> pd.DataFrame:
    """read_table_of with `grid` {"widths", "seeds", "imp"} as the rules pass it; without one (no
    config at hand), only a file cut short or mid-line is caught."""
    if grid is None:
        return read_table(path, TABLE_KEYS, TABLE_KEYS)
    return read_table_of(path, pair, grid["widths"], grid["seeds"], grid["imp"])


def read_tables(paths: list[str], pairs: list[str], grid: dict | None = None) -> pd.DataFrame:
    """The pair tables of `pairs` (in the order of `paths`), each checked (read_checked)."""
    if len(paths) != len(pairs):
        raise ValueError(f"{len(paths)} IMP tables for the pairs {pairs}: {paths}")
    return pd.concat([read_checked(p, pair, grid) for p, pair in zip(paths, pairs)], ignore_index=True)


def evaluated(table: pd.DataFrame) -> pd.DataFrame:
    """The rows each method is judged by (STAGE), with the dense model's F1 of the same checkpoint
    beside them (`dense_f1`) and the control's F1 at the row's budget (`control_f1`: the dense model
    trained as many epochs as the row's model was fine-tuned; the dense F1 at budget 0)."""
    keys = ["pair", "width", "seed"]
    dense = table[table["method"] == "dense"].set_index(keys)["val_f1"].rename("dense_f1")
    control = table[table["method"].isin(["dense", CONTROL])].set_index([*keys, "budget_epochs"])["val_f1"]
    rows = pd.concat([table[(table["method"] == m) & (table["stage"] == s)] for m, s in STAGE.items()])
    rows = rows.join(dense, on=keys).join(control.rename("control_f1"), on=[*keys, "budget_epochs"])
    return rows.reset_index(drop=True)


def highest_sparsity_within_tolerance(table: pd.DataFrame, tolerance_points: float, pairs: list[str]) -> pd.DataFrame:
    """Per (pair, width, method, scope): the highest achieved sparsity (percent of all weights, the
    lowest over seeds) such that at that round and at every round before it F1 stays within
    `tolerance_points` of the same checkpoint's dense F1 on every seed; 0 when even the first round
    loses more. Also the same against the control at the row's budget (`_vs_dense_ft`)."""
    rows = evaluated(table)
    out = []
    for (pair, width, method, scope), g in rows.groupby(["pair", "width", "method", "scope"]):
        entry = {"pair": pair, "width": width, "method": method, "scope": scope}
        for suffix, ref in (("", "dense_f1"), ("_vs_dense_ft", "control_f1")):
            ok = (g["val_f1"] >= g[ref] - tolerance_points / 100).groupby(g["round"]).all().sort_index()
            kept = ok.cumprod().astype(bool)
            best = kept[kept].index.max() if kept.any() else None
            entry[f"max_sparsity{suffix}"] = (0.0 if best is None else
                                              float(g.loc[g["round"] == best, "sparsity_total"].min()))
        entry["dense_f1_mean"] = float(g.groupby("seed")["dense_f1"].first().mean())
        entry["n_seeds"] = int(g["seed"].nunique())
        out.append(entry)
    out = pd.DataFrame(out)
    out["tolerance_points"] = tolerance_points
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    out["method"] = pd.Categorical(out["method"], categories=list(STAGE), ordered=True)
    out = out.sort_values(["method", "scope", "pair", "width"]).reset_index(drop=True)
    out["pair"] = out["pair"].astype(str)
    out["method"] = out["method"].astype(str)
    return out


def max_sparsity_markdown(table: pd.DataFrame) -> str:
    """One pair x width grid per (method, scope) of highest_sparsity_within_tolerance."""
    parts = []
    for (method, scope), g in table.groupby(["method", "scope"], sort=False):
        grid = g.pivot(index="pair", columns="width", values="max_sparsity").reindex(g["pair"].unique())
        grid = grid.map(lambda v: f"{v:.3g}").reset_index()
        grid.columns = [str(c) for c in grid.columns]
        parts.append(f"### {method}, scope {scope} (columns: hidden width)\n\n" + markdown_table(grid))
    return "\n".join(parts)
