"""Writing tables and arrays reproducibly: the same numbers give the same bytes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd


def markdown_table(df: pd.DataFrame) -> str:
    """A plain Markdown table (no extra dependency)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = ["—" if pd.isna(v) else (f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_table(table: pd.DataFrame, csv: str | Path, md: str | Path | None = None, intro: str = "") -> None:
    """A table as CSV (6 significant digits) and, if asked, as Markdown after an intro."""
    Path(csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False, float_format="%.6g")
    if md:
        Path(md).write_text(intro + markdown_table(table))


def save_npz(path: str | Path, **arrays) -> None:
    """As np.savez_compressed, but with a fixed timestamp in the zip entries (numpy stamps them with
    the current time), so that reruns write identical bytes. np.load reads it as usual."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue())
