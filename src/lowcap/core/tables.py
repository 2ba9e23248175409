"""Writing tables and arrays reproducibly (the same numbers give the same bytes), and reading
intermediate tables checked: a short, malformed or other-grid table stops the job (read_table)."""

from __future__ import annotations

import collections
import contextlib
import errno
import io
import shutil
import itertools
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd


class DiskFullError(OSError):
    """No space left on device while writing an output (errno ENOSPC)."""


# Below this many free bytes a failed write is taken for a full disk: torch's C++ writer reports
# one as "RuntimeError: basic_ios::clear: iostream error", without an errno.
_NEARLY_FULL_BYTES = 1 << 20


def _disk_full(exc: BaseException, directory: Path, needed_bytes: int) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, RuntimeError):
        try:
            return shutil.disk_usage(directory).free < max(needed_bytes, _NEARLY_FULL_BYTES)
        except OSError:
            return False
    return False


@contextlib.contextmanager
def written(path: str | Path, needed_bytes: int = 0):
    """Yields a temporary path beside `path`, moved into place once written: an interrupted or
    failed write leaves no file that looks finished, and no `.part` file either. A full disk
    raises DiskFullError "no space left on device while writing {path}"."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        yield tmp
        tmp.replace(path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if _disk_full(exc, path.parent, needed_bytes):
            raise DiskFullError(errno.ENOSPC, f"no space left on device while writing {path} (the partial "
                                "file was removed): free some space and rerun snakemake") from exc
        raise


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
    with written(csv) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    if md:
        with written(md) as tmp:
            tmp.write_text(intro + markdown_table(table))


def save_npz(path: str | Path, **arrays) -> None:
    """As np.savez_compressed, but with a fixed timestamp in the zip entries (numpy stamps them with
    the current time), so that reruns write identical bytes. np.load reads it as usual."""
    with written(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue())


# --------------------------------------------------------------------------- checked reading

# What a user does about a short or malformed intermediate: the job that wrote it runs again.
RECOVERY = ("delete it and rerun snakemake, which rebuilds it (`python3 -m lowcap.verify --rebuild CONFIGFILE ...` "
            "finds and rebuilds every such file)")


class TableError(ValueError):
    """An intermediate table that is incomplete, malformed or from another grid."""


def _plain(value):
    """A key value as a plain Python object, so that 4 == np.int64(4) and NaN matches NaN. Floats
    are compared at the 6 significant digits write_table keeps (a config's 0.1234567 is 0.123457)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if value != value:
            return None
        value = float(f"{value:.6g}")
        return int(value) if value.is_integer() else value
    return value


def _keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(_plain(v) for v in row) for row in frame[columns].itertuples(index=False, name=None)]


def _expected_keys(grid, columns: list[str]) -> set[tuple]:
    if isinstance(grid, pd.DataFrame):
        return set(_keys(grid, columns))
    return {tuple(_plain(v) for v in combo) for combo in itertools.product(*(grid[c] for c in columns))}


def _shown(keys, columns: list[str], limit: int = 5) -> str:
    listed = sorted(keys, key=str)
    text = "; ".join(", ".join(f"{c}={v}" for c, v in zip(columns, key)) for key in listed[:limit])
    return text + (f"; ... ({len(listed)} in all)" if len(listed) > limit else "")


def check_table_grid(table: pd.DataFrame, grid, source: str, extra_ok: bool = False) -> None:
    """Every key of `grid` exactly once in `table`, and (unless extra_ok) no other key.
    `grid`: {column: values} for their every combination, or a DataFrame of the expected keys."""
    columns = list(grid.columns if isinstance(grid, pd.DataFrame) else grid)
    got = _keys(table, columns)
    counts = collections.Counter(got)
    duplicated = {k for k, n in counts.items() if n > 1}
    want = _expected_keys(grid, columns)
    missing = want - set(counts)
    extra = set() if extra_ok else set(counts) - want
    problems = [f"{len(missing)} rows missing ({_shown(missing, columns)})" if missing else "",
                f"{len(duplicated)} rows duplicated ({_shown(duplicated, columns)})" if duplicated else "",
                f"{len(extra)} rows outside the configured grid ({_shown(extra, columns)})" if extra else ""]
    problems = [p for p in problems if p]
    if problems:
        raise TableError(f"{source} does not hold the complete grid the config asks for: "
                         f"{'; '.join(problems)}. It is incomplete or from another config: {RECOVERY}")


def read_table(path: str | Path, columns, grid=None, nullable=(), dtype: dict | None = None,
               extra_ok: bool = False) -> pd.DataFrame:
    """An intermediate CSV table, checked: it ends with a line end (a file cut mid-line does not),
    parses, has `columns` with no empty value outside `nullable`, and holds exactly the rows of
    `grid` (check_table_grid; a list of columns: every combination of the values they hold).
    Any failure raises TableError naming the file and the recovery."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TableError(f"{path} is missing: rerun snakemake, which rebuilds it") from None
    if not raw.strip():
        raise TableError(f"{path} is empty (truncated?): {RECOVERY}")
    if not raw.endswith(b"\n"):
        raise TableError(f"{path} is cut mid-line (its last line has no line end; truncated?): {RECOVERY}")
    try:
        table = pd.read_csv(io.BytesIO(raw), dtype={"pair": str, **(dtype or {})})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise TableError(f"{path} is malformed ({str(exc).strip()}): {RECOVERY}") from None
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise TableError(f"{path} lacks the columns {absent} (it has {list(table.columns)}): {RECOVERY}")
    empty = [c for c in columns if c not in nullable and table[c].isna().any()]
    if empty:
        rows = table.index[table[empty].isna().any(axis=1)] + 2  # + header, 1-based
        raise TableError(f"{path} has empty values in {empty} on lines {list(rows[:5])} (truncated or "
                         f"malformed): {RECOVERY}")
    if isinstance(grid, (list, tuple)):
        # No config at hand: every combination of the values the table holds in these columns.
        # Weaker (a value missing from every row passes), but it catches a file cut short.
        grid = {c: sorted(table[c].dropna().unique()) + ([None] if table[c].isna().any() else []) for c in grid}
    if grid is not None:
        check_table_grid(table, grid, str(path), extra_ok)
    return table
