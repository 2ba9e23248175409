"""Robustness to corrupted inputs (paper Fig. 6, 7, D.1): Gaussian noise and random occlusion.

Every corruption is a pure function of (images, seed): its randomness comes from a CPU
torch.Generator seeded with the model seed, so within a seed every width sees the very same
corrupted images and the comparison between widths is paired (the authors' code drew fresh noise on
every call). The noise of image i is the same standard-normal draw at every sigma, scaled, so the
curve over sigma is paired too. Drawing on the CPU makes the images the same on a GPU machine.

Why not torchvision.transforms.v2 as is:
- v2.GaussianNoise draws with torch.randn_like from the global RNG and takes no generator.
  `gaussian_noise` below is its kernel's arithmetic, x + z * sigma clipped to [0, 1], with z
  from a generator; tests/test_robustness.py checks it equals v2.functional.gaussian_noise
  bit for bit when the global RNG holds the same seed.
- v2.RandomErasing draws a random area and aspect ratio, places one patch per call (the same for
  a whole batch) and uses the global RNG. So the patch corners are drawn here, one per image, and the
  patch is zeroed with a mask; the test checks each image equals v2.functional.erase at its corner.

torch is imported inside the functions that need it, so the figure jobs that import this module
for the plots do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lowcap.figures import plots

if TYPE_CHECKING:
    import torch

SIDE = 28  # MNIST images are SIDE x SIDE, flattened row-major to 784 inputs


def _generator(seed: int) -> "torch.Generator":
    import torch

    return torch.Generator(device="cpu").manual_seed(int(seed))


def gaussian_noise(x: "torch.Tensor", sigma: float, seed: int) -> "torch.Tensor":
    """x (n, 784) in [0, 1] plus N(0, sigma^2) noise per pixel, clipped to [0, 1].
    The draw depends only on (seed, x.shape); sigma = 0 returns x unchanged."""
    import torch

    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, not {sigma}")
    z = torch.randn(x.shape, generator=_generator(seed), dtype=x.dtype).to(x.device)
    return torch.clamp(x + z * sigma, 0, 1)


def occlusion_corners(n: int, size: int, seed: int) -> "torch.Tensor":
    """(n, 2) top-left (row, col) of one size x size patch per image, uniform over every position
    that keeps the patch inside the image."""
    import torch

    if not 1 <= size <= SIDE:
        raise ValueError(f"occlusion size must be 1-{SIDE}, not {size}")
    return torch.randint(0, SIDE - size + 1, (n, 2), generator=_generator(seed))


def occlude(x: "torch.Tensor", size: int, seed: int) -> "torch.Tensor":
    """x (n, 784) with one size x size patch per image set to 0, at occlusion_corners(n, size, seed)."""
    import torch

    n = x.shape[0]
    corners = occlusion_corners(n, size, seed).to(x.device)
    r = torch.arange(SIDE, device=x.device)
    inside = lambda start: (r >= start[:, None]) & (r < start[:, None] + size)  # noqa: E731  (n, SIDE)
    mask = inside(corners[:, 0])[:, :, None] & inside(corners[:, 1])[:, None, :]
    return x.reshape(n, SIDE, SIDE).masked_fill(mask, 0).reshape(x.shape)


def corrupted_sets(x: "torch.Tensor", sigmas: list[float], occlusion_size: int, seed: int) -> list[tuple[str, float, "torch.Tensor"]]:
    """(corruption, sigma, images) for clean (sigma 0), each noise level, and occlusion (sigma NaN)."""
    sets = [("clean", 0.0, x)]
    sets += [("noise", float(s), gaussian_noise(x, s, seed)) for s in sigmas]
    sets.append(("occlusion", float("nan"), occlude(x, occlusion_size, seed)))
    return sets


def evaluate_corruptions(
    states: list[dict],
    x_val: np.ndarray,
    y_val: np.ndarray,
    sigmas: list[float],
    occlusion_size: int,
    seed: int,
    device: str = "cpu",
) -> pd.DataFrame:
    """F1, AUC and loss of every model (state_dicts of one seed, any widths) on the clean and the
    corrupted validation images; all models and all corruptions in one forward pass."""
    import torch

    from lowcap.core.metrics import evaluate
    from lowcap.core.model import Bank

    x = torch.as_tensor(x_val)
    y = torch.as_tensor(y_val, device=device)
    sets = corrupted_sets(x, sigmas, occlusion_size, seed)
    bank = Bank.from_params(states, device)
    with torch.no_grad():
        logits = bank.forward(torch.cat([images for _, _, images in sets]).to(device))
    logits = logits.reshape(len(sets), len(x), len(states))
    rows = []
    for (corruption, sigma, _), level_logits in zip(sets, logits):
        scores = {k: v.cpu().numpy() for k, v in evaluate(level_logits, y).items()}
        for k, width in enumerate(bank.widths):
            rows.append({"seed": seed, "width": width, "corruption": corruption, "sigma": sigma,
                         **{key: float(values[k]) for key, values in scores.items()}})
    return pd.DataFrame(rows)


def evaluate_model_corruptions(models: list, widths: list[int], x_val: np.ndarray, y_val: np.ndarray,
                               sigmas: list[float], occlusion_size: int, seed: int, device: str = "cpu") -> pd.DataFrame:
    """evaluate_corruptions for models that do not go into an MLP bank (the CNN baseline): each
    model's own forward pass on the same corrupted images; the same table."""
    import torch

    from lowcap.core.metrics import evaluate

    x = torch.as_tensor(x_val)
    y = torch.as_tensor(y_val, device=device)
    sets = corrupted_sets(x, sigmas, occlusion_size, seed)
    images = torch.cat([imgs for _, _, imgs in sets]).to(device)
    with torch.no_grad():
        logits = torch.stack([model.to(device)(images) for model in models], dim=1)
    logits = logits.reshape(len(sets), len(x), len(models))
    rows = []
    for (corruption, sigma, _), level_logits in zip(sets, logits):
        scores = {k: v.cpu().numpy() for k, v in evaluate(level_logits, y).items()}
        for k, width in enumerate(widths):
            rows.append({"seed": seed, "width": width, "corruption": corruption, "sigma": sigma,
                         **{key: float(values[k]) for key, values in scores.items()}})
    return pd.DataFrame(rows)


def evaluate_checkpoints(loaded: list, sigmas: list[float], occlusion_size: int, device: str = "cpu") -> pd.DataFrame:
    """F1, AUC and loss of checkpoints of one pair (evaluation.Loaded) on their clean and corrupted
    validation images: one bank and one forward pass per seed. Within a seed every width sees the
    very same corrupted images. One row per (seed, width, corruption, sigma)."""
    by_seed: dict[int, list] = {}
    for item in loaded:
        by_seed.setdefault(item.meta.seed, []).append(item)
    frames = []
    for seed, items in by_seed.items():
        if getattr(items[0].meta, "architecture", "mlp") == "cnn":
            table = evaluate_model_corruptions([i.model for i in items], [i.meta.width for i in items],
                                               items[0].x_val, items[0].y_val, sigmas, occlusion_size, seed, device)
        else:
            table = evaluate_corruptions([i.model.state_dict() for i in items], items[0].x_val, items[0].y_val,
                                         sigmas, occlusion_size, seed, device)
        clean = table[table["corruption"] == "clean"].set_index("width")["f1"]
        drift = max(abs(clean[i.meta.width] - i.meta.final_val_f1) for i in items)
        print(f"seed {seed}: {len(items[0].y_val)} validation images, widths {sorted(clean.index)}, device "
              f"{device}; clean F1 differs from the checkpoints' final_val_f1 by at most {drift:.2g}")
        frames.append(table)
    per_seed = pd.concat(frames, ignore_index=True)
    per_seed.insert(0, "pair", loaded[0].meta.pair)
    return per_seed


def example_images(x_val: np.ndarray, sigma: float, occlusion_size: int, seed: int, index: int = 0) -> dict[str, np.ndarray]:
    """Image `index` of the validation split, clean, noisy and occluded, as the models saw it
    (corrupted together with the whole split, so the same draw as in evaluate_corruptions)."""
    import torch

    x = torch.as_tensor(x_val)
    out = {
        "clean": x[index],
        "noise": gaussian_noise(x, sigma, seed)[index],
        "occlusion": occlude(x, occlusion_size, seed)[index],
    }
    return {k: v.reshape(SIDE, SIDE).numpy() for k, v in out.items()}


# --------------------------------------------------------------------------- reading

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
    from lowcap.core.tables import read_table

    return read_table(path, RESULT_COLUMNS, result_keys(pair, widths, seeds, sigmas),
                      nullable=("sigma", "loss", "f1", "auc"))


# --------------------------------------------------------------------------- summaries and figures


def summary(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, min, max over seeds of F1 (and mean AUC) per (pair, width, corruption, sigma)."""
    keys = ["pair", "width", "corruption", "sigma"]
    grouped = per_seed.groupby(keys, dropna=False)
    out = grouped["f1"].agg(["mean", "std", "min", "max", "count"])
    out.columns = ["f1_mean", "f1_std", "f1_min", "f1_max", "n_seeds"]
    out["auc_mean"] = grouped["auc"].mean()
    return out.reset_index().sort_values(["width", "corruption", "sigma"]).reset_index(drop=True)


def noise_curves(summ: pd.DataFrame) -> pd.DataFrame:
    """Fig. 6 data, exactly what plot_noise draws: the noise rows plus the clean rows as sigma = 0;
    mean, min and max of F1 over seeds. highlighted: the widths drawn in colour with min-max
    whiskers (the others are grey mean lines)."""
    rows = summ[summ["corruption"].isin(["clean", "noise"])]
    rows = rows[["pair", "width", "corruption", "sigma", "f1_mean", "f1_min", "f1_max", "n_seeds"]].copy()
    rows["highlighted"] = rows["width"].isin(plots.highlighted_widths(rows["width"].unique()))
    return rows.sort_values(["width", "sigma"]).reset_index(drop=True)


def occlusion_bars(summ: pd.DataFrame) -> pd.DataFrame:
    """Fig. 7 data, exactly what plot_occlusion draws: clean and occluded F1 per width, mean, min
    and max over seeds."""
    rows = summ[summ["corruption"].isin(["clean", "occlusion"])]
    rows = rows[["pair", "width", "corruption", "f1_mean", "f1_min", "f1_max", "n_seeds"]].copy()
    return rows.sort_values(["width", "corruption"]).reset_index(drop=True)


def plot_noise(curves: pd.DataFrame, pair: str, png, pdf, labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 6: F1 against noise sigma, one line per width: a few widths in colour with
    min-max whiskers over seeds and a label at the line's end, the others grey."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(curves["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    sigmas = np.sort(curves["sigma"].unique())
    step = float(np.diff(sigmas).min()) if len(sigmas) > 1 else 1.0
    offsets = {w: o * step for w, o in plots.dodge(highlighted).items()}
    n_seeds = int(curves["n_seeds"].max())
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    ends = []
    for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
        c = curves[curves["width"] == width].sort_values("sigma")
        style = plots.width_style(width, highlighted, labels.symbol)
        x = c["sigma"] + offsets.get(width, 0.0)
        ax.plot(x, c["f1_mean"], **style)
        if width in highlighted:
            plots.whiskers(ax, x, c["f1_min"], c["f1_max"], style["color"])
            ends.append((float(c["f1_mean"].iloc[-1]), style["label"], style["color"]))
    ax.set_xticks(sigmas, [f"{s:g}" for s in sigmas])
    ax.set_xlabel("Gaussian noise σ, added per pixel and clipped to [0, 1] (σ = 0: clean)")
    ax.set_ylabel(f"validation F1\n(mean; whiskers: {plots.SPREAD})")
    ax.set_title(labels.title(f"{pair}: validation F1 under additive Gaussian noise"), fontsize=10)
    drawn = min(curves["f1_mean"].min(), curves.loc[curves["width"].isin(highlighted), "f1_min"].min())
    ax.set_ylim(max(0.0, float(drawn) - 0.03), 1.01)  # from the drawn data; F1 cannot pass 1
    ax.grid(alpha=0.3)
    plots.label_line_ends(ax, ends)
    plots.width_legend(ax, widths, highlighted, n_seeds, spread="whiskers", symbol=labels.symbol, loc="upper center",
                       bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    plots.save(fig, png, pdf)


def plot_occlusion(bars: pd.DataFrame, pair: str, occlusion_size: int, png, pdf,
                   labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 7: F1 with one random occlusion patch per image, beside clean F1, per width.
    Points, not bars: the differences are a few hundredths of F1, so the y axis is zoomed to the
    data (within [0, 1]), and a bar's length would mean nothing on it. Whiskers: min-max over seeds;
    a grey segment joins each width's clean and occluded means (the drop)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(bars["width"].unique())
    pos = np.arange(len(widths))
    n_seeds = int(bars["n_seeds"].max())
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    series = [(-0.12, "clean", "clean", plots.HIGHLIGHT_COLORS[0], "o", "white"),
              (0.12, "occlusion", f"{occlusion_size}×{occlusion_size} occlusion", plots.HIGHLIGHT_COLORS[3], "s", None)]
    means = {}
    for offset, corruption, label, color, marker, face in series:
        c = bars[bars["corruption"] == corruption].set_index("width").reindex(widths)
        x = pos + offset
        plots.whiskers(ax, x, c["f1_min"], c["f1_max"], color)
        ax.plot(x, c["f1_mean"], ls="none", marker=marker, ms=5.5, color=color, mfc=face or color, mew=1.3,
                zorder=3, label=f"{label} (mean)")
        means[corruption] = (x, c["f1_mean"].to_numpy())
    (xc, yc), (xo, yo) = means["clean"], means["occlusion"]
    for a, b, ya, yb in zip(xc, xo, yc, yo):
        ax.plot([a, b], [ya, yb], color="0.6", lw=1, zorder=2)
    lo = float(bars["f1_min"].min())
    hi = float(bars["f1_max"].max())
    pad = 0.06 * max(hi - lo, 0.02)
    ax.set_ylim(max(0.0, lo - pad), min(1.0, hi) + pad)
    ax.set_xticks(pos, [str(w) for w in widths])
    ax.set_xlim(-0.6, len(widths) - 0.4)
    ax.set_xlabel(labels.capacity)
    ax.set_ylabel(f"validation F1 (mean; whiskers: {plots.SPREAD})\n"
                  + ("y axis from 0" if ax.get_ylim()[0] == 0 else "y axis zoomed to the data: it does not start at 0"))
    ax.set_title(labels.title(f"{pair}: validation F1, clean and with one {occlusion_size}×{occlusion_size} "
                              f"patch per image set to 0 ({n_seeds} seeds)"), fontsize=10)
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.3", lw=0, marker="|", ms=9, mew=1,
                          label=f"whiskers: {plots.SPREAD} ({n_seeds} seeds)"))
    ax.legend(handles=handles, fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="y")
    plots.save(fig, png, pdf)


def example_table(images: dict[str, np.ndarray]) -> pd.DataFrame:
    """The Fig. D.1 panels as one long table (panel, row, col, value)."""
    frames = []
    for panel, img in images.items():
        rows, cols = np.indices(img.shape)
        frames.append(pd.DataFrame({"panel": panel, "row": rows.ravel(), "col": cols.ravel(),
                                    "value": img.ravel()}))
    return pd.concat(frames, ignore_index=True)


def plot_examples(images: dict[str, np.ndarray], titles: dict[str, str], suptitle: str, png, pdf) -> None:
    """Paper Fig. D.1: one image clean, with noise, and occluded."""
    plt = plots.pyplot()

    fig, axes = plt.subplots(1, len(images), figsize=(2.6 * len(images), 2.9))
    for ax, (panel, img) in zip(axes, images.items()):
        ax.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(titles[panel], fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(suptitle, fontsize=9)
    fig.tight_layout()
    plots.save(fig, png, pdf)
