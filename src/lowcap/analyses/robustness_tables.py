"""The robustness_pair table without torch: its layout and its checked reader.

Kept apart from lowcap.analyses.robustness (which corrupts and scores, with torch) so that the
claims, figure and saliency-shift table jobs read it without importing torch, and an edit to the
corruptions does not rerun the jobs that only read the table.
"""

from __future__ import annotations

import pandas as pd

from lowcap.core.tables import read_table

RESULT_COLUMNS = ["pair", "seed", "width", "corruption", "sigma", "loss", "f1", "auc"]


def result_keys(pair: str, widths, seeds, sigmas) -> pd.DataFrame:
    """The rows a robustness_pair table holds: every (width, seed) on clean (sigma 0), each noise
    sigma, and occlusion (sigma NaN)."""
    levels = [("clean", 0.0), *(("noise", float(s)) for s in sigmas), ("occlusion", float("nan"))]
    return pd.DataFrame([{"pair": pair, "width": w, "seed": s, "corruption": c, "sigma": g}
                         for w in widths for s in seeds for c, g in levels])


def read_results(path: str, pair: str, widths, seeds, sigmas) -> pd.DataFrame:
    """A robustness_pair table, checked for the complete grid (lowcap.core.tables.read_table): a short
    or malformed one stops the job, naming the file."""
    return read_table(path, RESULT_COLUMNS, result_keys(pair, widths, seeds, sigmas),
                      nullable=("sigma", "loss", "f1", "auc"))
