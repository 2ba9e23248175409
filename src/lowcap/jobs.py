"""One function per workflow job: file paths and plain values in, files out.

The scripts in workflow/scripts/ only unpack `snakemake.*` and call these, so every job can also
be run, and tested, without Snakemake. Heavy imports (torch) happen inside the functions that
need them, so the figure jobs do not pay for them.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pandas as pd

from lowcap import capacity, data, plots
from lowcap.config import Protocol


@contextlib.contextmanager
def logged(log_path: str | Path | None):
    """Send the job's stdout and stderr to its log file."""
    if not log_path:
        yield
        return
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        yield


def fetch_data(dataset: str, pool: str, stem: str, mirror: str | None, out: str) -> None:
    print(data.fetch(dataset, pool, stem, out, mirror))


def train_pair_seed(
    images: str,
    labels: str,
    pair: str,
    seed: int,
    widths: list[int],
    protocol: dict,
    provenance: dict,
    checkpoints: list[str],
    history: str,
    threads: int = 1,
) -> None:
    """Train every width of one (pair, seed) together; write one checkpoint per width."""
    import torch

    from lowcap.model import save_checkpoint
    from lowcap.train import default_device, train_bank

    torch.set_num_threads(threads)
    proto = Protocol(**protocol)
    x_img, y_lab = data.load_pool(images, labels)
    d = data.pair_data(x_img, y_lab, pair, seed)
    device = default_device()
    print(f"pair {pair} seed {seed}: {len(d.y_train)} train / {len(d.y_val)} val examples, "
          f"split {d.split.digest()}, device {device}, widths {widths}, {proto}")
    states, hist = train_bank(widths, [proto.lr] * len(widths), seed, proto,
                              d.x_train, d.y_train, d.x_val, d.y_val, device)
    hist.insert(0, "seed", seed)
    hist.insert(0, "pair", pair)
    last = hist[hist["epoch"] == proto.epochs]
    for width, state, path in zip(widths, states, checkpoints, strict=True):
        final = last[last["width"] == width].set_index("split")
        meta = {
            **provenance,
            **proto.as_meta(),
            "pair": pair,
            "seed": seed,
            "width": width,
            "split_digest": d.split.digest(),
            "n_train": len(d.y_train),
            "n_val": len(d.y_val),
            "torch_version": torch.__version__,
            "final_val_f1": float(final.loc["val", "f1"]),
            "final_train_f1": float(final.loc["train", "f1"]),
        }
        save_checkpoint(path, state, meta)
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    hist.to_csv(history, index=False, float_format="%.6g")
    print(last.pivot_table(index="width", columns="split", values="f1").to_string())


def capacity_figure(histories: list[str], pairs: list[str], split: str, png: str, pdf: str, csv: str) -> None:
    per_seed = capacity.per_seed_f1(capacity.read_histories(histories))
    summary = capacity.width_summary(per_seed, split, "best_f1")
    summary.to_csv(csv, index=False, float_format="%.6g")
    name = {"train": "training", "val": "validation"}[split]
    plots.capacity(summary, pairs, f"Best F1 over epochs, {name} split", png, pdf, capacity.SUCCESS_F1)


def training_curves_figure(histories: list[str], pair: str, png: str, pdf: str, csv: str) -> None:
    hist = capacity.read_histories(histories)
    curves = (
        hist.groupby(["pair", "split", "width", "epoch"])[["f1", "loss"]]
        .agg(["mean", "std"])
    )
    curves.columns = [f"{a}_{b}" for a, b in curves.columns]
    curves = curves.reset_index()
    curves.to_csv(csv, index=False, float_format="%.6g")
    plots.training_curves(curves, pair, png, pdf)


def min_capacity_table(histories: list[str], pairs: list[str], csv: str, md: str) -> None:
    per_seed = capacity.per_seed_f1(capacity.read_histories(histories))
    table = capacity.minimum_capacity(per_seed, pairs)
    table.to_csv(csv, index=False)
    intro = (
        f"Smallest hidden width with F1 > {capacity.SUCCESS_F1}: on every seed, and on the mean over "
        "seeds. best_f1 is the best epoch (as the paper's Fig. 3); final_f1 is the last epoch, with no "
        "selection. '—': no width in the grid reaches it.\n\n"
    )
    Path(md).write_text(intro + capacity.markdown_table(table))
    print(table.to_string())
