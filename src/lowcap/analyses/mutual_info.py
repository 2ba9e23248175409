"""Mutual information between each hidden unit's activation and the class label (neuron
specialization), and whether one-shot magnitude pruning keeps the high-MI units.

Estimator: scikit-learn's `mutual_info_classif` with `discrete_features=False`, i.e. the k-nearest-
neighbour estimator of Kraskov, Stoegbauer & Grassberger (2004) as adapted by Ross (2014, PLoS ONE
9(2)) to a continuous variable and a discrete one, with k = 3 neighbours. It makes no assumption on
the shape of the class-conditional densities, and is consistent; its bias at n of a few thousand is
of the order of 0.01 nats (tests/test_mutual_info.py checks it against cases of known MI). MI is in
nats; `mi_frac` divides it by the label entropy H(Y), the most a unit can carry (1 = the unit alone
determines the class).

Caveats:
- ReLU activations have a point mass at 0. scikit-learn divides each feature by its standard
  deviation and adds Gaussian noise of scale 1e-10 * max(1, mean |x|), drawn from `random_state`: the tied zeros become a
  tiny cluster whose internal order is random and independent of the class, so the atom contributes
  exactly what "the unit is off" says about the label. The tests check this on two cases: a unit that
  is zero on one class only, and a rectified Gaussian that is zero on part of both classes.
- The noise makes the estimate depend on `random_state` (fixed here: reruns give identical numbers).
  Each unit is estimated on its own with the same random_state, so its MI depends on its own
  column only, not on the other units of the network.
- A unit with zero variance on the inputs (dead: always 0) has MI exactly 0; this is enforced, not
  left to the estimator (which would return a small positive value from the noise alone).
- Estimates are clipped to [0, H(Y)]. A unit with no information still comes out at ~0.00-0.01.
- MI is per unit: it says how much of the label a unit carries *alone*. Units can carry the same
  information, so the sum over units may exceed H(Y) (redundancy); it is not the network's MI.

numpy and pandas at the top; torch, scipy and scikit-learn inside the functions that need them
(the figure job imports this module for its pandas and matplotlib parts only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.figures import plots

KEYS = ["pair", "width", "seed"]


def label_entropy(labels: np.ndarray) -> float:
    """H(Y) in nats of the empirical label distribution: ln 2 for balanced binary labels."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def unit_mi(activations: np.ndarray, labels: np.ndarray, random_state: int = 0,
            n_neighbors: int = 3) -> np.ndarray:
    """MI (nats) between each column of `activations` (n, H) and `labels` (n,), shape (H,)."""
    from sklearn.feature_selection import mutual_info_classif

    acts = np.asarray(activations, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    if acts.ndim != 2 or len(acts) != len(labels):
        raise ValueError(f"activations {acts.shape} and labels {labels.shape} do not match")
    h_y = label_entropy(labels)
    mi = np.zeros(acts.shape[1])
    if h_y == 0:
        return mi  # a constant label: nothing to know
    for j in range(acts.shape[1]):
        column = acts[:, j:j + 1]
        if np.ptp(column) > 0:  # a constant unit stays at exactly 0
            mi[j] = mutual_info_classif(column, labels, discrete_features=False, n_neighbors=n_neighbors,
                                        random_state=random_state)[0]
    return np.clip(mi, 0.0, h_y)


def specialization_index(mi: np.ndarray, label_entropy: float) -> dict:
    """Numbers summarising how specialised one network's units are (all fractions of H(Y)):

    - mean_mi_frac: mean over units of MI_j / H(Y): how much of the label a typical unit carries
      alone. This is *the* specialization index of a network.
    - max_mi_frac: the most informative unit's MI / H(Y).
    - sum_mi_frac: sum of MI_j / H(Y); above 1, units must share (carry redundant) information.
    - effective_units: exp(entropy of p_j = MI_j / sum MI), between 1 (one unit holds all the MI)
      and H (all units equal); 0 when no unit carries any information.
    - concentration: (H - effective_units) / (H - 1), 0 when the MI is spread evenly over the units,
      1 when one unit holds all of it. NaN when it is undefined: no MI at all, or a single unit.
    """
    mi = np.asarray(mi, dtype=np.float64)
    if label_entropy <= 0:
        raise ValueError("label entropy must be positive (both classes present)")
    width, total = len(mi), float(mi.sum())
    frac = mi / label_entropy
    out = {"mean_mi_frac": float(frac.mean()), "max_mi_frac": float(frac.max()), "sum_mi_frac": float(frac.sum())}
    if total <= 0:
        return {**out, "effective_units": 0.0, "concentration": float("nan")}
    p = mi[mi > 0] / total
    effective = float(np.exp(-(p * np.log(p)).sum()))
    concentration = (width - effective) / (width - 1) if width > 1 else float("nan")
    return {**out, "effective_units": effective, "concentration": float(np.clip(concentration, 0.0, 1.0))}


def network_unit_table(loaded: list, sparsity: float, scope: str, random_state: int = 0,
                       n_neighbors: int = 3) -> pd.DataFrame:
    """One row per hidden unit of every checkpoint (evaluation.Loaded-like: .model, .meta.pair/width/
    seed, .x_val, .y_val): its MI with the label on the validation split (dense model), whether it is
    dead, its mean activation and weight magnitudes, and what one-shot magnitude pruning at
    `sparsity` percent (pruning.prune_copy, `scope`) keeps of it. A weight counts as kept when it is
    non-zero after pruning. magnitude_rank: rank of |output weight| in the network, 1 = largest;
    in scope "layer" the output weight is kept iff the rank is within the H - round(p H) largest."""
    import torch

    from lowcap.analyses.pruning import prune_copy, weight_sparsity

    tables = []
    for item in loaded:
        model = item.model.cpu().eval()
        with torch.no_grad():
            acts = model.hidden_activations(torch.as_tensor(item.x_val, dtype=torch.float32)).numpy()
        pruned = prune_copy(model, sparsity, scope)
        achieved = weight_sparsity(pruned)
        h_y = label_entropy(item.y_val)
        mi = unit_mi(acts, item.y_val, random_state=random_state, n_neighbors=n_neighbors)
        w2 = model.output.weight.detach().numpy()[0]
        table = pd.DataFrame({
            "pair": item.meta.pair, "width": int(item.meta.width), "seed": int(item.meta.seed),
            "unit": np.arange(acts.shape[1]), "scope": scope, "requested_sparsity": sparsity,
            "achieved_sparsity": achieved["sparsity_total"], "n_val": len(item.y_val), "label_entropy": h_y,
            "mi": mi, "mi_frac": mi / h_y, "dead": (acts == 0).all(axis=0), "mean_activation": acts.mean(axis=0),
            "output_weight_abs": np.abs(w2),
            "incoming_l1": model.hidden.weight.detach().abs().sum(dim=1).numpy(),
            "output_weight_kept": pruned.output.weight.detach().numpy()[0] != 0,
            "incoming_kept_frac": (pruned.hidden.weight.detach() != 0).double().mean(dim=1).numpy(),
        })
        table["magnitude_rank"] = table["output_weight_abs"].rank(ascending=False, method="min").astype(int)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def _spearman(a: np.ndarray, b: np.ndarray, min_units: int = 3) -> float:
    """Spearman correlation (scipy.stats.spearmanr); NaN with fewer than `min_units` units or a
    constant side (undefined). With 2 units it is +-1: whether the two orders agree."""
    from scipy.stats import spearmanr

    if len(a) < max(min_units, 2) or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.clip(spearmanr(a, b).statistic, -1.0, 1.0))


def kept_auc(mi_kept: np.ndarray, mi_pruned: np.ndarray) -> float:
    """P(a kept unit's MI > a pruned unit's MI), ties counting 1/2: Mann-Whitney U / (n1 n2).
    0.5: pruning ignores MI; 1: every kept unit is more informative than every pruned one.
    NaN when either group is empty."""
    a, b = np.asarray(mi_kept, dtype=float)[:, None], np.asarray(mi_pruned, dtype=float)[None, :]
    if a.size == 0 or b.size == 0:
        return float("nan")
    return float(((a > b) + 0.5 * (a == b)).mean())


def network_summary(units: pd.DataFrame) -> pd.DataFrame:
    """One row per (pair, width, seed): specialization_index, dead units, Spearman correlation of
    unit MI with the share of its incoming weights pruning keeps, the mean MI of units whose output
    weight is kept and pruned, and kept_auc between them. All units count, dead ones included.

    spearman_mi_output_weight: Spearman of unit MI with |output weight|, the order in which
    magnitude pruning removes a unit's only route to the output (> 0: high-MI units go last).
    Unlike kept_auc it needs no pruning level, so it is defined at every width (2 units: +-1),
    not only where the level keeps some output weights and prunes others; NaN only when every
    unit has the same MI (e.g. all dead)."""
    rows = []
    for (pair, width, seed), g in units.groupby(KEYS, sort=True):
        kept = g["output_weight_kept"].to_numpy(bool)
        mi = g["mi"].to_numpy(float)
        rows.append({
            "pair": pair, "width": width, "seed": seed, "scope": g["scope"].iloc[0],
            "requested_sparsity": g["requested_sparsity"].iloc[0], "achieved_sparsity": g["achieved_sparsity"].iloc[0],
            "label_entropy": g["label_entropy"].iloc[0],
            **specialization_index(mi, float(g["label_entropy"].iloc[0])),
            "dead_units": int(g["dead"].sum()),
            "spearman_mi_incoming_kept": _spearman(mi, g["incoming_kept_frac"].to_numpy(float)),
            "spearman_mi_output_weight": _spearman(mi, g["output_weight_abs"].to_numpy(float), min_units=2),
            "n_output_kept": int(kept.sum()), "n_output_pruned": int((~kept).sum()),
            "mi_kept_mean": float(mi[kept].mean()) if kept.any() else float("nan"),
            "mi_pruned_mean": float(mi[~kept].mean()) if (~kept).any() else float("nan"),
            "auc_kept_vs_pruned": kept_auc(mi[kept], mi[~kept]),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figure (pandas + matplotlib)

# quantity -> (y label, panel title, reference line, axis range)
PANELS = {
    "mean_mi_frac": ("mean unit MI / H(Y)", "(a) label information per unit", None, (0.0, 1.0)),
    "concentration": ("concentration: 0 spread evenly,\n1 held by one unit", "(b) how concentrated the MI is", None,
                      (0.0, 1.0)),
    "spearman_mi_output_weight": ("Spearman ρ of unit MI and |output weight|",
                                  "(c) are high-MI units pruned last? (every width)", 0.0, (-1.0, 1.0)),
    "auc_kept_vs_pruned": ("P(MI of a kept unit > MI of a pruned one)",
                           "(d) kept vs pruned at one level (where defined)", 0.5, (0.0, 1.0)),
}


def note_undefined(ax, panel: pd.DataFrame, widths, labels) -> None:
    """Say in the panel at which widths it has no value: the kept-vs-pruned AUC needs a level that
    keeps some output weights and prunes others, which a narrow layer never has (5% of 8 weights
    rounds to none), so the panel spans widths it cannot show."""
    defined = set(panel.loc[panel["mean"].notna(), "width"])
    missing = [w for w in widths if w not in defined]
    if not missing:
        return
    contiguous = missing == [w for w in widths if missing[0] <= w <= missing[-1]]
    span = f"{missing[0]}–{missing[-1]}" if contiguous and len(missing) > 1 else ", ".join(map(str, missing))
    ax.text(0.03, 0.04, f"no value at {labels.symbol} = {span}:\nthe level keeps none of the\noutput "
            "weights (or prunes none)", transform=ax.transAxes, fontsize=7.5, color="0.3", va="bottom",
            bbox={"facecolor": "white", "edgecolor": "0.7", "alpha": 0.9})


def figure_table(summary: pd.DataFrame, pairs: list[str]) -> pd.DataFrame:
    """Exactly what plot_mi draws: per (quantity, pair, width) the mean, min and max over seeds
    (NaN seeds left out; n_seeds counts those used), pairs in the order given."""
    tables = []
    for quantity in PANELS:
        g = summary[summary["pair"].isin(pairs)].groupby(["pair", "width"])[quantity]
        t = g.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"}).reset_index()
        t.insert(0, "quantity", quantity)
        tables.append(t)
    out = pd.concat(tables, ignore_index=True)
    for col in ("scope", "requested_sparsity"):
        if col in summary:
            out[col] = summary[col].iloc[0]
    order = {"quantity": list(PANELS), "pair": list(pairs)}
    out = out.sort_values(["quantity", "pair", "width"], key=lambda s: s.map(order[s.name].index)
                          if s.name in order else s, kind="stable")
    return out.reset_index(drop=True)


def plot_mi(curves: pd.DataFrame, png, pdf, title: str | None = None, labels=None) -> None:
    """Four panels against hidden width, one line per pair (task), mean over seeds with min-max
    whiskers: (a) mean unit MI fraction, (b) concentration, (c) Spearman of unit MI and |output
    weight| with the 0 (unrelated) line, (d) kept-vs-pruned MI AUC with the 0.5 line. Every y axis
    is fitted to the data, padded beyond it so no whisker ends on the frame; a panel with no value
    at some widths says so. `labels`: plots.Labels (the study in the title, the capacity's name)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    pairs = list(dict.fromkeys(curves["pair"]))
    widths = sorted(curves["width"].unique())
    shifts = np.geomspace(0.94, 1 / 0.94, len(pairs)) if len(pairs) > 1 else [1.0]  # pairs side by side
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.4 * len(PANELS), 4.3))
    for ax, (quantity, (ylabel, panel_title, reference, (bottom, top))) in zip(axes, PANELS.items()):
        c = curves[curves["quantity"] == quantity]
        for i, pair in enumerate(pairs):
            rows = c[c["pair"] == pair].sort_values("width")
            x = rows["width"] * shifts[i]
            ax.plot(x, rows["mean"], marker="o", ms=3.5, color=f"C{i}", label=pair)
            plots.whiskers(ax, x, rows["min"], rows["max"], f"C{i}")
        values = pd.concat([c["min"], c["max"]] + ([pd.Series([reference])] if reference is not None else [])).dropna()
        lo, hi = (float(values.min()), float(values.max())) if len(values) else (bottom, top)
        # Padded past the quantity's own bounds too: a whisker reaching 1.0 must not end on the frame.
        pad = max(0.05 * (hi - lo), 0.02)
        ax.set_ylim(lo - pad, hi + pad)
        note_undefined(ax, c, widths, labels)
        if reference is not None:
            ax.axhline(reference, color="0.35", ls="--", lw=0.8, zorder=1)
        ax.set_xscale("log", base=2)
        ax.set_xlim(widths[0] / 1.2, widths[-1] * 1.2)  # every panel spans every width, with data or not
        # Every width is a tick; labels only where they do not collide on the log axis (10, 12 beside 8).
        ax.set_xticks(widths, [str(w) if w & (w - 1) == 0 or w == widths[-1] else "" for w in widths])
        ax.minorticks_off()
        ax.set_xlabel(labels.capacity)
        ax.set_ylabel(f"{ylabel}\n(mean; whiskers: {plots.SPREAD})", fontsize=8.5)
        ax.set_title(panel_title, fontsize=10)
        ax.grid(alpha=0.3)
    if "requested_sparsity" in curves:
        # Two lines: on one, the level's description ran past the panel.
        axes[-1].set_xlabel(f"{labels.capacity}\n(level: {curves['requested_sparsity'].iloc[0]:g}% magnitude "
                           f"pruning, scope {curves['scope'].iloc[0]})", fontsize=8.5)
    fig.suptitle(labels.title(title or "Mutual information between each hidden unit and the label (k-NN estimate)"),
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    fig.legend(*axes[0].get_legend_handles_labels(), title="pair", loc="lower center", ncol=min(len(pairs), 8),
               fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    plots.save(fig, png, pdf)
