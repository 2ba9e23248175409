"""Saliency figure (paper Fig. 8) from the saliency_cases table and maps: no torch, and an edit to
lowcap.figures.saliency reruns this job only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.core import data
from lowcap.core.tables import RECOVERY, TableError, check_table_grid, read_table, write_table
from lowcap.figures import plots
from lowcap.figures import saliency as figures


def read_cases(path: str, n_maps: int | None = None) -> pd.DataFrame:
    """The cases table, checked (lowcap.core.tables.read_table): every case picked under the dense
    model, the correct ones under the pruned model too (saliency.fig8_cases), and as many rows as
    the maps file has maps (`n_maps`), which are stacked in its row order."""
    table = read_table(path, ["pair", "width", "seed", "epsilon", "model", "case", "val_index"])
    cases = sorted(table.loc[table["model"] == "dense", "case"].unique())
    want = pd.DataFrame([("dense", c) for c in cases] + [("pruned", c) for c in cases if c.startswith("correct")],
                        columns=["model", "case"])
    check_table_grid(table, want, path)
    if n_maps is not None and n_maps != len(table):
        raise TableError(f"{path} has {len(table)} rows, its maps file {n_maps} maps: one of them is from another "
                         f"run: {RECOVERY}")
    return table


def saliency_figure(cases: str, maps: str, png: str, pdf: str, csv: str, figure_labels: dict | None = None) -> None:
    """Paper Fig. 8: each case's image and both maps, titled with the model and its pruning."""
    arrays = dict(np.load(maps))
    table = read_cases(cases, len(arrays["image"]))
    write_table(table, csv)
    first = table.iloc[0]
    pruned = table[table["model"] == "pruned"]
    sparsity = (f"; pruned: {pruned['achieved_sparsity'].iloc[0]:.1f}% of weights zero "
                f"({pruned['scope'].iloc[0]} magnitude pruning)" if len(pruned) else "")
    figures.plot_fig8(table, arrays, data.parse_pair(first["pair"]),
                      plots.labels_of(figure_labels).title(
                          f"pair {first['pair']}, width {first['width']}, seed {first['seed']}, "
                          f"ε = {first['epsilon']:g}{sparsity}"), png, pdf)
