"""Training the grid: one job per (study, pair), every width and seed (the CNNs: lowcap.jobs.cnn)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from lowcap.core import data
from lowcap.core.model import CheckpointMeta, save_checkpoint
from lowcap.core.protocol import Protocol
from lowcap.core.train import train_bank
from lowcap.jobs import progress, set_threads


def train_mlp_bank(widths: list[int], seed: int, protocol: Protocol, x_train, y_train, x_val, y_val, device: str):
    """The grid's MLPs of one seed, one bank, every model at the protocol's lr (train_bank)."""
    return train_bank(widths, [protocol.lr] * len(widths), seed, protocol, x_train, y_train, x_val, y_val, device)


def checkpoint_meta(study: dict, pair: str, width: int, seed: int, protocol: Protocol, split: data.PairData,
                    final: pd.DataFrame, architecture: str) -> CheckpointMeta:
    """What a checkpoint records beside its weights; `final`: its model's last-epoch rows, by split."""
    return CheckpointMeta(
        study=study["name"], dataset=study["dataset"], pool=study["pool"], pair=pair,
        width=int(width), seed=int(seed), protocol=protocol.as_meta(),
        split_digest=split.split.digest(), n_train=len(split.y_train), n_val=len(split.y_val),
        torch_version=str(torch.__version__),
        final_val_f1=float(final.loc["val", "f1"]), final_train_f1=float(final.loc["train", "f1"]),
        architecture=architecture,
    )


def train_pair(images: str, labels: str, study: dict, pair: str, seeds: list[int], widths: list[int],
               protocol: dict, checkpoints: list[str], history: str, threads: int = 1,
               architecture: str = "mlp", trainer=train_mlp_bank) -> None:
    """Train every width of every seed of one pair: one wide bank per seed, one process for the
    pair (so torch is imported once). `checkpoints` lists one path per (width, seed), widths
    outer, as expand() writes them. `study` is {name, dataset, pool}. `trainer(widths, seed,
    protocol, x_train, y_train, x_val, y_val, device)` trains one seed's bank: by default the MLPs'
    (train_mlp_bank); lowcap.jobs.cnn passes the CNNs', `widths` then holding channel counts."""
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
        states, hist = trainer(widths, seed, proto, d.x_train, d.y_train, d.x_val, d.y_val, device)
        hist.insert(0, "seed", seed)
        hist.insert(0, "pair", pair)
        last = hist[hist["epoch"] == proto.epochs]
        for width, state in zip(widths, states, strict=True):
            final = last[last["width"] == width].set_index("split")
            save_checkpoint(paths[(width, seed)], state,
                            checkpoint_meta(study, pair, width, seed, proto, d, final, architecture))
        print(last.pivot_table(index="width", columns="split", values="f1").rename_axis(capacity.rstrip("s"))
              .to_string(), flush=True)
        histories.append(hist)
        progress(f"seed {seed} trained and saved")
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    pd.concat(histories, ignore_index=True).to_csv(history, index=False, float_format="%.6g")
