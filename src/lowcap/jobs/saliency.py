"""Saliency maps of one model, dense and pruned (paper Fig. 8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lowcap.core import data
from lowcap.figures import plots
from lowcap.analyses import saliency
from lowcap.jobs import set_threads
from lowcap.core.tables import save_npz, write_table


def saliency_cases(images: str, labels: str, checkpoint: str, expected: list, study: str, sparsity: float,
                   scope: str, epsilon: float, out_maps: str, out_cases: str, threads: int = 1) -> None:
    """A few images of one small model: the CPU is enough."""
    from lowcap.core.evaluation import load_checked

    set_threads(threads)
    (loaded,) = load_checked([checkpoint], images, labels, study, [expected])
    table, maps = saliency.cases(loaded, sparsity, scope, epsilon)
    Path(out_maps).parent.mkdir(parents=True, exist_ok=True)
    save_npz(out_maps, **maps)
    write_table(table, out_cases)
    print(table.to_string())


def read_cases(path: str, n_maps: int | None = None) -> pd.DataFrame:
    """The cases table, checked (lowcap.core.tables.read_table): every case picked under the dense
    model, the correct ones under the pruned model too (saliency.fig8_cases), and as many rows as
    the maps file has maps (`n_maps`), which are stacked in its row order."""
    from lowcap.core.tables import RECOVERY, TableError, check_table_grid, read_table

    table = read_table(path, ["pair", "width", "seed", "epsilon", "model", "case", "val_index"])
    cases = sorted(table.loc[table["model"] == "dense", "case"].unique())
    want = pd.DataFrame([("dense", c) for c in cases] + [("pruned", c) for c in cases if c.startswith("correct")],
                        columns=["model", "case"])
    check_table_grid(table, want, path)
    if n_maps is not None and n_maps != len(table):
        raise TableError(f"{path} has {len(table)} rows, its maps file {n_maps} maps: one of them is from another "
                         f"run: {RECOVERY}")
    return table


def saliency_figure(cases_csv: str, maps_npz: str, png: str, pdf: str, csv: str,
                    figure_labels: dict | None = None) -> None:
    maps = dict(np.load(maps_npz))
    table = read_cases(cases_csv, len(maps["image"]))
    write_table(table, csv)
    first = table.iloc[0]
    pruned = table[table["model"] == "pruned"]
    sparsity = (f"; pruned: {pruned['achieved_sparsity'].iloc[0]:.1f}% of weights zero "
                f"({pruned['scope'].iloc[0]} magnitude pruning)" if len(pruned) else "")
    saliency.plot_fig8(table, maps, data.parse_pair(first["pair"]),
                       plots.labels_of(figure_labels).title(
                           f"pair {first['pair']}, width {first['width']}, seed {first['seed']}, "
                           f"ε = {first['epsilon']:g}{sparsity}"), png, pdf)
