"""Saliency figure (paper Fig. 8) from the saliency_cases table and maps, and what its header
says about them. No torch: the maps come from lowcap.analyses.saliency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.figures import plots

def proportional(maps: np.ndarray, rtol: float = 1e-6) -> bool:
    """True when every map in `maps` (k, ...) is the first one times a positive number (and none
    is all zero): on their own colour scales they are then the same picture."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    peaks = flat.max(axis=1)
    if len(flat) < 2 or (peaks <= 0).any():
        return False
    scaled = flat / peaks[:, None]
    return bool(np.allclose(scaled, scaled[0], rtol=rtol, atol=rtol))


def _unit_ids(rows: pd.DataFrame) -> np.ndarray:
    """The distinct lists of active units with an output weight among `rows`, as text. Read back
    from a CSV, "1" comes as 1, or as 1.0 beside an empty (NaN) row."""
    ids = rows.get("active_unit_ids_with_output_weight", pd.Series(dtype=object))
    return ids.map(lambda v: "" if pd.isna(v) else " ".join(str(int(float(t))) for t in str(v).split())).unique()


def explanation(table: pd.DataFrame, maps: dict[str, np.ndarray]) -> str:
    """What the maps are, from the model's arithmetic: for p = sigmoid(w_out . relu(W x + b) + c),
    dp/dx = p(1-p) * sum of w_out[j] W[j, :] over the units j active for x. Says when all of one
    model's maps are one map up to scale (the pruned model with one surviving output weight)."""
    lines = ["|∂p/∂x| = p(1−p)·|Σ_j w_out[j]·W_hidden[j,:]| over the hidden units j active for the input: "
             "inputs that share most of their active units get nearly the same map, whichever digit they show."]
    for model in ("dense", "pruned"):
        rows = table[table["model"] == model]
        if len(rows) < 2 or "active_unit_ids_with_output_weight" not in rows:
            continue
        same_map = proportional(maps["gradient"][rows.index.to_numpy()])
        ids = _unit_ids(rows)
        if same_map and len(ids) == 1 and len(ids[0].split()) == 1:
            left = int(rows["output_weights_left"].iloc[0])
            width = f" of {int(rows['width'].iloc[0])}" if "width" in rows else ""
            lines.append(f"{model.capitalize()} maps: the same map scaled by p(1−p). Only {left}{width} output "
                         f"weight{'s' if left != 1 else ''} survive{'s' if left == 1 else ''}, and the one unit "
                         f"left (unit {ids[0]}) is active for every input shown, so every map is "
                         f"p(1−p)·|w_out[{ids[0]}]|·|W_hidden[{ids[0]},:]|: that unit's input weights that survived "
                         "pruning.")
        elif same_map:
            lines.append(f"{model.capitalize()} maps: the same map scaled by p(1−p) for every input shown.")
    return "\n".join(lines)


def short_notes(table: pd.DataFrame, maps: dict[str, np.ndarray]) -> list[str]:
    """One line per model whose maps are all one map up to scale: what the figure's header says
    (the formulas behind it are in the caption, workflow/report/fig8.rst, and in `explanation`)."""
    notes = []
    for model in ("dense", "pruned"):
        rows = table[table["model"] == model]
        if len(rows) < 2 or not proportional(maps["gradient"][rows.index.to_numpy()]):
            continue
        ids = _unit_ids(rows)
        one_unit = len(ids) == 1 and len(ids[0].split()) == 1
        notes.append(f"{model} maps: one map up to scale" + (f" (one unit left, unit {ids[0]}: its input weights)"
                                                             if one_unit else "") + "; see the caption")
    return notes


def _row_title(r, dense_prediction: dict, digits: tuple[int, int]) -> str:
    """The image's title: its true class and both models' predictions, so that a pruned row never
    reads as 'correct' and 'predicted <other digit>' at once."""
    said = f"dense predicts {dense_prediction.get(r.case, '?')}"
    if r.model == "pruned":
        said += f"; pruned predicts {r.predicted_digit}"
    units = ""
    if hasattr(r, "active_units_with_output_weight"):
        n = r.active_units_with_output_weight
        units = f"\n{n} active unit{'s' if n != 1 else ''} with an output weight (of {r.output_weights_left} kept)"
    return f"{r.model} model; true class {r.true_digit}\n{said} (p({digits[1]}) = {r.prob_higher_digit:.3f}){units}"


def plot_fig8(table: pd.DataFrame, maps: dict[str, np.ndarray], digits: tuple[int, int], title: str,
              png, pdf) -> None:
    """One row per case: the image, the paper's epsilon saliency, the gradient saliency; each map
    on its own colour scale (dense and pruned magnitudes differ by orders). Each row says the true
    class and what the dense (and pruned) model predicts; the header says, in a line, when a
    model's maps are one map up to scale (the caption gives why)."""
    plt = plots.pyplot()

    table = table.reset_index(drop=True)
    dense = table[table["model"] == "dense"]
    dense_prediction = dict(zip(dense["case"], dense["predicted_digit"]))
    n = len(table)
    fig, axes = plt.subplots(n, 3, figsize=(8.4, 2.6 * n + 0.4), squeeze=False)
    columns = [("image", "input"), ("epsilon", "|Δp|, pixel + ε (paper)"), ("gradient", "|∂p/∂x| (Captum)")]
    for i, r in enumerate(table.itertuples(index=False)):
        for col, (key, name) in enumerate(columns):
            ax = axes[i, col]
            if key == "image":
                ax.imshow(maps[key][i], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                ax.set_title(_row_title(r, dense_prediction, digits), fontsize=8)
            else:
                im = ax.imshow(maps[key][i], cmap="inferno", vmin=0, interpolation="nearest")
                fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=6)
                rho = getattr(r, f"spearman_dense_vs_pruned_{key}")
                ax.set_title(name + (f"\nSpearman vs dense = {rho:.2f}" if not pd.isna(rho) else ""),
                             fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("\n".join([title, *short_notes(table, maps)]), fontsize=9)
    fig.tight_layout()
    plots.save(fig, png, pdf)
