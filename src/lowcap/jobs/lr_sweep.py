"""The learning-rate sweep (paper Fig. 1, 2)."""

from __future__ import annotations

import time
from pathlib import Path

from lowcap import capacity, data, lr_sweep
from lowcap.jobs import set_threads, write_table
from lowcap.settings import Protocol


def lr_sweep_seed(images: str, labels: str, pair: str, seed: int, widths: list[int], lrs: list[float],
                  protocol: dict, history: str, threads: int = 1) -> None:
    """Train every (width, lr) of one seed as one wide bank, on the grid's split and protocol
    (lr replaced per model); write the per-epoch history. No checkpoints: the figures need none."""
    from lowcap.train import train_bank

    device = set_threads(threads)
    proto = Protocol(**protocol)
    d = data.pair_data(*data.load_pool(images, labels), pair, seed)
    model_widths, model_lrs = lr_sweep.sweep_models(widths, lrs)
    print(f"pair {pair} seed {seed}: {len(d.y_train)} train / {len(d.y_val)} val examples, "
          f"split {d.split.digest()}, device {device}, {len(model_widths)} models "
          f"(widths {widths} x lrs {lrs}), {proto} with lr replaced per model")
    start = time.perf_counter()
    _, hist = train_bank(model_widths, model_lrs, seed, proto, d.x_train, d.y_train, d.x_val, d.y_val, device)
    print(f"trained in {time.perf_counter() - start:.1f} s wall")
    hist.insert(0, "seed", seed)
    hist.insert(0, "pair", pair)
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    write_table(hist, history)
    last = hist[(hist["epoch"] == proto.epochs) & (hist["split"] == "val")]
    print("final-epoch validation F1:")
    print(last.pivot(index="width", columns="lr", values="f1").round(3).to_string())


def lr_sweep_figures(histories: list[str], pair: str, widths: list[int], seeds: list[int], lrs: list[float],
                     protocol_lr: float, outputs: dict[str, str]) -> None:
    history = capacity.read_histories(histories)
    history = history[(history["pair"] == pair) & history["width"].isin(widths)]
    capacity.check_grid(history, [pair], widths, seeds, ", ".join(histories))
    summary = lr_sweep.final_epoch_summary(history[history["lr"].isin(lrs)])
    # Both splits go to the CSVs; the figures plot the validation rows (plotted = True).
    summary.insert(2, "plotted", summary["split"] == "val")
    write_table(summary, outputs["curves_csv"])
    lr_sweep.plot_lr_curves(summary, protocol_lr, outputs["curves_png"], outputs["curves_pdf"])
    table = lr_sweep.heatmap_table(summary)
    table.insert(2, "plotted", table["split"] == "val")
    write_table(table, outputs["heatmap_csv"])
    lr_sweep.plot_heatmap(table, outputs["heatmap_png"], outputs["heatmap_pdf"])
    print(table[table["plotted"]].pivot(index="width", columns="lr", values="f1_mean").round(3).to_string())
