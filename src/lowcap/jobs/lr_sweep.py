"""The learning-rate sweep's training (paper Fig. 1, 2): every (width, lr) of one seed as one bank.
Its figures are lowcap.jobs.lr_sweep_figures."""

from __future__ import annotations

import time
from pathlib import Path

from lowcap.core import data
from lowcap.core.protocol import Protocol
from lowcap.core.train import sweep_models, train_bank
from lowcap.jobs import progress, set_threads


def lr_sweep_seed(images: str, labels: str, pair: str, seed: int | str, widths: list[int], lrs: list[float],
                  protocol: dict, history: str, threads: int = 1) -> None:
    """Train every (width, lr) of one seed as one wide bank, on the grid's split and protocol
    (lr replaced per model); write the per-epoch history. No checkpoints: the figures need none.
    `seed` may be the rule's wildcard (a string)."""
    seed = int(seed)
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
