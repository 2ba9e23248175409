"""The detail behind the claims table, as generated Markdown (results/findings.md; pandas only).

The README's section on what reproduces quotes these tables between its findings markers, and
tests/test_readme.py rebuilds them offline and checks that they are equal: no number in that
section is typed by hand. Each function renders one topic from the tables a run wrote; the
widths shown are those the paper's text discusses, where the grid has them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.core.tables import markdown_table

PRUNING_WIDTHS = (12, 24, 64)  # the paper's Table 1 widths and the widest
ROBUSTNESS_WIDTHS = (24, 48, 64)  # the widths of the paper's occlusion F1 numbers
STATISTIC = {"best_f1": "best F1 over epochs", "final_f1": "final-epoch F1"}


def _shown(widths, grid) -> list[int]:
    """The listed widths that the grid has; the grid's widest if it has none of them."""
    return [w for w in widths if w in set(grid)] or [int(max(grid))]


def _num(v, digits: int = 3) -> str:
    return "—" if pd.isna(v) else f"{v:.{digits}g}"


def capacity(min_caps: dict[str, pd.DataFrame], statistic: str = "best_f1") -> str:
    """Smallest width with F1 > threshold on every seed and on the mean, per split, per study."""
    parts = []
    for study, table in min_caps.items():
        t = table[table["statistic"] == statistic]
        rows = []
        for pair, g in t.groupby("pair", sort=False):
            g = g.set_index("split")
            fmt = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
            rows.append({"pair": pair,
                         "train, every seed": fmt(g.loc["train", "min_width_every_seed"]),
                         "train, mean": fmt(g.loc["train", "min_width_mean"]),
                         "val, every seed": fmt(g.loc["val", "min_width_every_seed"]),
                         "val, mean": fmt(g.loc["val", "min_width_mean"])})
        threshold = t["threshold"].iloc[0]
        parts.append(f"**{study}**: smallest width with {STATISTIC[statistic]} > {threshold:g} "
                     "(— : no width of the grid)\n\n" + markdown_table(pd.DataFrame(rows)))
    return "\n".join(parts)


def budget(min_caps: dict[int, pd.DataFrame], split: str, statistic: str) -> str:
    """Minimum width on the mean over seeds per pair, against the number of epochs trained."""
    cols = {}
    for epochs, table in sorted(min_caps.items()):
        t = table[(table["split"] == split) & (table["statistic"] == statistic)].set_index("pair")
        cols[f"{epochs} epochs"] = t["min_width_mean"].map(lambda v: "—" if pd.isna(v) else str(int(v)))
    grid = pd.DataFrame(cols).reset_index()
    return (f"Minimum width ({split} split, {STATISTIC[statistic]}, mean over seeds) against the training "
            "budget (— : no width of the grid)\n\n" + markdown_table(grid))


def _change(table: pd.DataFrame, level: float) -> pd.DataFrame:
    keys = ["pair", "width", "seed"]
    dense = table[table["requested_sparsity"] == 0].set_index(keys)["val_f1"]
    pruned = table[table["requested_sparsity"] == level].set_index(keys)["val_f1"]
    return (100 * (pruned - dense) / dense.where(dense != 0)).rename("change").reset_index()


def pruning(tables: dict[str, dict[str, pd.DataFrame]], levels: dict[str, dict[str, float]],
            pairs: tuple[str, str] = ("0-1", "4-9")) -> str:
    """% change in validation F1 at the levels standing for the paper's 95% and 99%, per scheme:
    the per-width means for a few widths, and the range over every width and seed."""
    parts = []
    for study, schemes in tables.items():
        for scheme, table in schemes.items():
            asked = levels.get(scheme, {})
            named = {paper: float(asked.get(paper, float(paper))) for paper in ("95", "99")}
            present = {p: lvl for p, lvl in named.items() if lvl in set(table["requested_sparsity"])}
            if not present:
                continue
            changes = {p: _change(table, lvl) for p, lvl in present.items()}
            widths = _shown(PRUNING_WIDTHS, table["width"].unique())
            rows = []
            for width in widths:
                row = {"width": width}
                for pair in pairs:
                    for paper, c in changes.items():
                        sel = c[(c["pair"] == pair) & (c["width"] == width)]["change"]
                        row[f"{pair} @{paper}"] = _num(sel.mean())
                rows.append(row)
            spans = []
            for paper, c in changes.items():
                c = c[c["pair"].isin(pairs)]
                means = c.groupby(["pair", "width"])["change"].mean()
                spans.append(f"at \"{paper}%\" (requested {present[paper]:g}) the mean change over seeds lies between "
                             f"{_num(means.min())}% and {_num(means.max())}% for every width of {' and '.join(pairs)}, "
                             f"every seed between {_num(c['change'].min())}% and {_num(c['change'].max())}%")
            parts.append(f"**{study}, scheme {scheme}**: % change in validation F1 from the unpruned model, mean over "
                         f"seeds; {'; '.join(spans)}.\n\n" + markdown_table(pd.DataFrame(rows)))
    return "\n".join(parts)


def dead_neurons(dead: dict[str, pd.DataFrame]) -> str:
    """Dead units of the paper's Table 1 rows per seed, and over the whole grid."""
    rows = []
    for study, t in dead.items():
        paper = t[t["paper_row"]]
        per_row = "; ".join(
            f"{p} w{w}: " + "/".join(str(int(v)) for v in g.sort_values("seed")["dead_units_after"])
            + f" ({int(g['disconnected_units_after'].iloc[0])} of {w} without output weight)"
            for (p, w), g in paper.groupby(["pair", "width"], sort=False))
        rows.append({"study": study, "sparsity": f"{t['sparsity'].iloc[0]:g}% ({t['scope'].iloc[0]})",
                     "paper rows, dead after (per seed)": per_row,
                     "dead before, whole grid": int(t["dead_units_before"].sum()),
                     "dead after, whole grid": int(t["dead_units_after"].sum()),
                     "checkpoints": len(t)})
    return "Dead hidden units (zero on every validation input), seeds in grid order\n\n" + markdown_table(pd.DataFrame(rows))


def tsne(sims: dict[str, pd.DataFrame]) -> str:
    """kNN overlap and linear CKA of each compared model with the dense reference, per study."""
    parts = []
    for study, t in sims.items():
        ref = t[t["role"] == "reference"].iloc[0]
        rows = t[t["role"] != "reference"][["comparison", "knn_overlap", "linear_cka", "val_f1"]].copy()
        rows = rows.rename(columns={"comparison": "compared with dense", "knn_overlap":
                                    f"kNN overlap (k = {int(ref['k'])}; chance {ref['chance_knn_overlap']:.2g})",
                                    "linear_cka": "linear CKA", "val_f1": "its val F1"})
        parts.append(f"**{study}**: {ref['pair']}, width {int(ref['width'])}, seed {int(ref['seed'])} (dense val F1 "
                     f"{ref['val_f1']:.3g})\n\n" + markdown_table(rows.round(3)))
    return "\n".join(parts)


def saliency(cases: dict[str, pd.DataFrame], maps: dict[str, dict[str, np.ndarray]]) -> str:
    """Per study: agreement of the two methods, dense against pruned maps, and how alike the dense
    maps of different inputs are (Pearson over pixels, every pair of cases)."""
    rows = []
    for study, t in cases.items():
        dense = t[t["model"] == "dense"]
        pruned = t[t["model"] == "pruned"]
        grads = maps[study]["gradient"][dense.index.to_numpy()].reshape(len(dense), -1)
        corr = np.corrcoef(grads)[np.triu_indices(len(dense), 1)] if len(dense) > 1 else np.array([np.nan])
        rows.append({
            "study": study,
            "ε vs gradient (Spearman, min)": _num(t["spearman_epsilon_vs_gradient"].min()),
            "dense vs pruned (Spearman, per correct case)": ", ".join(
                f"{c.split()[-1]}: {v:.2f}" for c, v in zip(pruned["case"], pruned["spearman_dense_vs_pruned_gradient"])),
            "active units of the dense model, per case": ", ".join(
                f"{int(a)}/{int(w)}" for a, w in zip(dense["active_units"], dense["width"])),
            "dense maps, Pearson between cases": f"{corr.min():.2f}–{corr.max():.2f}",
            "output weights left after pruning": int(pruned["output_weights_left"].iloc[0]) if len(pruned) else "—",
        })
    return "Fig. 8 model, gradient maps unless said\n\n" + markdown_table(pd.DataFrame(rows))


def robustness(rob: dict[str, pd.DataFrame], sigma: float) -> str:
    """Validation F1, mean ± std over seeds, clean, occluded and noisy, for a few widths."""
    parts = []
    for study, t in rob.items():
        widths = _shown(ROBUSTNESS_WIDTHS, t["width"].unique())
        sets = {"clean": t["corruption"] == "clean", "occlusion": t["corruption"] == "occlusion",
                f"σ = {sigma:g} noise": (t["corruption"] == "noise") & np.isclose(t["sigma"].fillna(-1), sigma)}
        rows = []
        for width in widths:
            row = {"width": width}
            for name, sel in sets.items():
                f1 = t[sel & (t["width"] == width)]["f1"]
                row[name] = f"{f1.mean():.3f} ± {f1.std(ddof=1):.3f}"
            rows.append(row)
        parts.append(f"**{study}**: pair {t['pair'].iloc[0]}, validation F1, mean ± std over seeds\n\n"
                     + markdown_table(pd.DataFrame(rows)))
    return "\n".join(parts)


BLOCK_BEGIN = "<!-- findings:begin"
BLOCK_END = "<!-- findings:end -->"


def document(sections: dict[str, str]) -> str:
    """results/findings.md: one heading per topic."""
    return "".join(f"#### {title}\n\n{body.strip()}\n\n" for title, body in sections.items()).strip() + "\n"


def imp_methods(tables: dict[str, pd.DataFrame], tolerance_points: dict[str, float]) -> str:
    """Per study, scope and method, at the round closest to the target level (95%): the achieved
    sparsity, the fine-tuning epochs, and the mean F1 change against the dense model trained as
    long (the control; one-shot: the dense model); and the highest sparsity within the tolerance
    of the dense F1 and of the control (lowcap.analyses.imp_tables.highest_sparsity_within_tolerance), medians over pairs x widths."""
    from lowcap.analyses import imp_tables
    from lowcap.claims import imp as claims_imp

    rows = []
    for study, table in tables.items():
        best = imp_tables.highest_sparsity_within_tolerance(table, tolerance_points[study], list(dict.fromkeys(table["pair"])))
        judged = claims_imp.judged(table)
        for scope in imp_tables.SCOPES:
            rnd, _ = claims_imp.target_round(judged, scope, claims_imp.target_of(table))
            for method in imp_tables.METHODS:
                at = judged[(judged["scope"] == scope) & (judged["method"] == method) & (judged["round"] == rnd)]
                ms = best[(best["scope"] == scope) & (best["method"] == method)]
                rows.append({"study": study, "scope": scope, "method": method,
                             "achieved %": f"{at['sparsity_total'].mean():.3g}",
                             "fine-tuning epochs": f"{int(at['budget_epochs'].max())}",
                             "F1 change vs control, points": f"{100 * at['relative'].mean():+.2f}",
                             "median max sparsity vs dense": f"{ms['max_sparsity'].median():.3g}",
                             "vs control": f"{ms['max_sparsity_vs_dense_ft'].median():.3g}"})
    return ("IMP, one-shot and one-shot + fine-tuning at the round closest to 95% sparsity: the mean over pairs × "
            "widths × seeds of F1 minus the dense model's trained as long (the control; one-shot: the dense model), "
            "and the highest sparsity with F1 within the tolerance on every seed (`tables/imp_max_sparsity.csv`)\n\n"
            + markdown_table(pd.DataFrame(rows)))


def mutual_information(summaries: dict[str, pd.DataFrame], pairs: dict[str, list[str]]) -> str:
    """Per study and pair: the mean unit MI fraction (narrowest and widest width), the concentration,
    the Spearman of unit MI and |output weight| (every width) and the kept-vs-pruned AUC (where
    defined), means over seeds (and widths where said), each with the networks it rests on."""
    rows = []
    for study, s in summaries.items():
        lo, hi = s["width"].min(), s["width"].max()
        for pair in pairs[study]:
            g = s[s["pair"] == pair]
            at = lambda w, col: g.loc[g["width"] == w, col].mean()  # noqa: E731
            rho, auc = g["spearman_mi_output_weight"].dropna(), g["auc_kept_vs_pruned"].dropna()
            rows.append({"study": study, "pair": pair,
                         f"mean MI / H(Y), width {lo}": f"{at(lo, 'mean_mi_frac'):.2f}",
                         f"width {hi}": f"{at(hi, 'mean_mi_frac'):.2f}",
                         f"concentration, width {hi}": f"{at(hi, 'concentration'):.2f}",
                         "ρ(MI, output-weight magnitude), mean (networks)": f"{_num(rho.mean(), 2)} ({len(rho)} of {len(g)})",
                         "kept vs pruned AUC, mean (networks)": f"{_num(auc.mean(), 2)} ({len(auc)} of {len(g)})"})
    return ("Mutual information of hidden units with the label, means over seeds and widths (`tables/mutual_info.csv`); "
            "ρ: Spearman of unit MI and |output weight| per network (0: pruning blind to MI), defined at every width; "
            "the AUC only where the pruning level keeps some output weights and prunes others\n\n"
            + markdown_table(pd.DataFrame(rows)))


def saliency_shift(predicts: dict[str, pd.DataFrame]) -> str:
    """Per study and method: does the map shift predict the F1 drop, within (pair, width) strata
    over seeds (all pairs together, shift and drop averaged over the corruption levels)?"""
    from lowcap.analyses.saliency_shift_tables import CHECKPOINT

    rows = []
    for study, p in predicts.items():
        for r in p[(p["pair"] == "all") & (p["scope"] == CHECKPOINT)].itertuples():
            rows.append({"study": study, "method": r.method,
                         "within-stratum ρ: mean (median)": f"{r.mean_rho:.2f} ({r.median_rho:.2f})",
                         "p, larger shift → larger drop": f"{r.p_greater:.2g}",
                         "p, the reverse": f"{r.p_less:.2g}",
                         "pooled ρ (mixes strata)": _num(r.pooled_rho, 2),
                         "checkpoints / strata used (of grid), images": f"{r.n_points} of {r.n_checkpoints} / "
                                                                        f"{r.n_strata} of {r.n_strata_grid}, {r.n_images}"})
    return ("Spearman of the saliency-map shift (1 − ρ of clean and corrupted maps) and the F1 drop within each "
            "pair × width, over seeds (one point per checkpoint, averaged over the corruption levels), every pair "
            "together; one-sided stratified permutation p-values (`tables/saliency_shift_predicts_drop.csv`)\n\n"
            + markdown_table(pd.DataFrame(rows)))
