"""Training: the grid (one job per (study, pair)) and the learning-rate sweep (one per seed)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from lowcap.core import data
from lowcap.jobs import progress, set_threads
from lowcap.core.protocol import Protocol


def train_pair(images: str, labels: str, study: dict, pair: str, seeds: list[int], widths: list[int],
               protocol: dict, checkpoints: list[str], history: str, threads: int = 1,
               architecture: str = "mlp", trainer=None) -> None:
    """Train every width of every seed of one pair: one wide bank per seed, one process for the
    pair (so torch is imported once). `checkpoints` lists one path per (width, seed), widths
    outer, as expand() writes them. `study` is {name, dataset, pool}. `trainer(widths, seed,
    protocol, x_train, y_train, x_val, y_val, device)` trains one seed's bank: by default the MLPs'
    (lowcap.core.train.train_bank); lowcap.jobs.cnn passes the CNNs'."""
    import torch

    from lowcap.core.model import CheckpointMeta, save_checkpoint
    from lowcap.core.train import train_bank

    device = set_threads(threads)
    proto = Protocol(**protocol)
    paths = dict(zip([(w, s) for w in widths for s in seeds], checkpoints, strict=True))
    x_img, y_lab = data.load_pool(images, labels)
    capacity = "channels" if architecture == "cnn" else "widths"  # what the log calls the grid
    histories = []
    for k, seed in enumerate(seeds):
        d = data.pair_data(x_img, y_lab, pair, seed)
        progress(f"seed {k + 1}/{len(seeds)}: study {study['name']} pair {pair} seed {seed}: {len(d.y_train)} "
                 f"train / {len(d.y_val)} val examples, split {d.split.digest()}, device {device}, "
                 f"{capacity} {widths}, {proto}")
        if trainer is None:
            states, hist = train_bank(widths, [proto.lr] * len(widths), seed, proto,
                                      d.x_train, d.y_train, d.x_val, d.y_val, device)
        else:
            states, hist = trainer(widths, seed, proto, d.x_train, d.y_train, d.x_val, d.y_val, device)
        hist.insert(0, "seed", seed)
        hist.insert(0, "pair", pair)
        last = hist[hist["epoch"] == proto.epochs]
        for width, state in zip(widths, states, strict=True):
            final = last[last["width"] == width].set_index("split")
            meta = CheckpointMeta(
                study=study["name"], dataset=study["dataset"], pool=study["pool"], pair=pair,
                width=int(width), seed=int(seed), protocol=proto.as_meta(),
                split_digest=d.split.digest(), n_train=len(d.y_train), n_val=len(d.y_val),
                torch_version=str(torch.__version__),
                final_val_f1=float(final.loc["val", "f1"]), final_train_f1=float(final.loc["train", "f1"]),
                architecture=architecture,
            )
            save_checkpoint(paths[(width, seed)], state, meta)
        print(last.pivot_table(index="width", columns="split", values="f1").rename_axis(capacity.rstrip("s"))
              .to_string(), flush=True)
        histories.append(hist)
        progress(f"seed {seed} trained and saved")
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    pd.concat(histories, ignore_index=True).to_csv(history, index=False, float_format="%.6g")


def lr_sweep_seed(images: str, labels: str, pair: str, seed: int, widths: list[int], lrs: list[float],
                  protocol: dict, history: str, threads: int = 1) -> None:
    """Train every (width, lr) of one seed as one wide bank, on the grid's split and protocol
    (lr replaced per model); write the per-epoch history. No checkpoints: the figures need none."""
    from lowcap.core.train import sweep_models, train_bank

    device = set_threads(threads)
    proto = Protocol(**protocol)
    d = data.pair_data(*data.load_pool(images, labels), pair, seed)
    model_widths, model_lrs = sweep_models(widths, lrs)
    progress(f"pair {pair} seed {seed}: {len(d.y_train)} train / {len(d.y_val)} val examples, "
             f"split {d.split.digest()}, device {device}, {len(model_widths)} models "
             f"(widths {widths} x lrs {lrs}), {proto} with lr replaced per model")
    start = time.perf_counter()
    _, hist = train_bank(model_widths, model_lrs, seed, proto, d.x_train, d.y_train, d.x_val, d.y_val, device)
    progress(f"trained in {time.perf_counter() - start:.1f} s wall")
    hist.insert(0, "seed", seed)
    hist.insert(0, "pair", pair)
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    hist.to_csv(history, index=False, float_format="%.6g")
    last = hist[(hist["epoch"] == proto.epochs) & (hist["split"] == "val")]
    print("final-epoch validation F1:")
    print(last.pivot(index="width", columns="lr", values="f1").round(3).to_string())
