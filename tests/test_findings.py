"""The generated findings (lowcap.claims.findings) and the arithmetic the README's prose states.

Each renderer's test draws its input table at random (two seeds) and checks every number it
renders against that table, recomputed here with pandas/numpy: a renderer that returned fixed
text, read the wrong column or averaged the wrong rows fails."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch

from lowcap.claims import findings
from lowcap.analyses import pruning
from lowcap.core.metrics import evaluate
from lowcap.core.model import MLP, init_params

SEEDS = [0, 1]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip()[1:-1].split("|")]


def md_tables(md: str) -> list[pd.DataFrame]:
    """Every Markdown table in md, body rows as strings under the header's names."""
    lines, tables = md.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            body = []
            for row in lines[i + 1:]:
                if not row.startswith("| "):
                    break
                body.append(_cells(row))
            tables.append(pd.DataFrame(body, columns=_cells(lines[i - 1])))
    return tables


def shows(text: str, value: float) -> bool:
    """`text` is `value` rounded as printed: within half a unit of its last digit (+ float rounding)."""
    if pd.isna(value):
        return text == "—"
    mantissa = text.split("e")[0]
    unit = 10.0 ** (-len(mantissa.partition(".")[2]) + int(text.split("e")[1] if "e" in text else 0))
    return abs(float(text) - value) <= 0.5 * unit * (1 + 1e-9) + 1e-12


def test_per_layer_95_prunes_every_output_weight_up_to_10_and_all_but_one_up_to_24():
    # The README explains the per-layer pruning losses with this count of the 1 x H output
    # weights: pruned here by lowcap's own pruning of a model, not by arithmetic.
    kept = {}
    for h in [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]:
        model = MLP(h)
        model.load_state_dict(init_params(h, 0, "normal", 0.1))
        kept[h] = int((pruning.prune_copy(model, 95, "layer").output.weight != 0).sum())
    assert all(kept[h] == 0 for h in kept if h <= 10)
    assert all(kept[h] == 1 for h in kept if 10 < h <= 24)
    assert kept[32] == 2


def test_f1_of_always_predicting_the_higher_class_on_a_balanced_split_is_two_thirds():
    # The README's 2/3: lowcap's F1 (lowcap.core.metrics) of a constant prediction on a balanced split,
    # and 0 (not NaN) for a model that never predicts the higher class.
    y = torch.tensor([0.0, 1.0] * 50)
    logits = torch.stack([torch.full((100,), 3.0), torch.full((100,), -3.0)], dim=1)
    f1 = evaluate(logits, y)["f1"]
    assert f1[0].item() == pytest.approx(2 / 3, abs=1e-12) and f1[1].item() == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_capacity_section_shows_each_pairs_minimum_widths_of_the_chosen_statistic(seed):
    rng = np.random.default_rng(seed)
    grid, pairs = [2, 4, 6, 8, 12, 16, 24, 32, 48, 64, np.nan], ["0-1", "1-7", "4-9"]
    threshold = float(rng.choice([0.8, 0.9]))
    t = pd.DataFrame([{"pair": p, "split": split, "statistic": stat, "threshold": threshold,
                       "min_width_every_seed": rng.choice(grid), "min_width_mean": rng.choice(grid)}
                      for p in pairs for split in ("train", "val") for stat in ("best_f1", "final_f1")])
    for statistic in ("best_f1", "final_f1"):
        md = findings.capacity({"released": t}, statistic)
        assert md.startswith(f"**released**: smallest width with {findings.STATISTIC[statistic]} > {threshold:g}")
        (shown,) = md_tables(md)
        assert list(shown["pair"]) == pairs
        for _, row in shown.iterrows():
            for split in ("train", "val"):
                source = t[(t.pair == row["pair"]) & (t.split == split) & (t.statistic == statistic)].iloc[0]
                for column, label in (("min_width_every_seed", "every seed"), ("min_width_mean", "mean")):
                    value = source[column]
                    assert row[f"{split}, {label}"] == ("—" if np.isnan(value) else str(int(value)))


@pytest.mark.parametrize("seed", SEEDS)
def test_budget_section_shows_the_mean_minimum_width_per_budget_in_epoch_order(seed):
    rng = np.random.default_rng(seed)
    grid, pairs = [2, 4, 8, 16, 64, np.nan], ["0-1", "3-8", "4-9"]
    tables = {epochs: pd.DataFrame([{"pair": p, "split": split, "statistic": stat, "min_width_mean": rng.choice(grid)}
                                    for p in pairs for split in ("train", "val") for stat in ("best_f1", "final_f1")])
              for epochs in (400, 25, 100)}  # not in epoch order: the columns are sorted
    md = findings.budget(tables, "val", "final_f1")
    assert "(val split, final-epoch F1, mean over seeds)" in md
    (shown,) = md_tables(md)
    assert list(shown.columns) == ["pair", "25 epochs", "100 epochs", "400 epochs"]
    assert list(shown["pair"]) == pairs
    for _, row in shown.iterrows():
        for epochs, t in tables.items():
            value = t[(t.pair == row["pair"]) & (t.split == "val") & (t.statistic == "final_f1")]["min_width_mean"].item()
            assert row[f"{epochs} epochs"] == ("—" if np.isnan(value) else str(int(value)))


def random_pruning_table(rng, levels=(95, 99)) -> pd.DataFrame:
    return pd.DataFrame([{"pair": p, "width": w, "seed": s, "requested_sparsity": lvl, "val_f1": rng.uniform(0.3, 1.0)}
                         for p in ("0-1", "1-7", "4-9") for w in (4, 12, 24, 64) for s in (0, 42, 78)
                         for lvl in (0, *levels)])


def expected_change(t: pd.DataFrame, level: float) -> pd.Series:
    """% change of each (pair, width, seed)'s F1 at `level` from its unpruned F1."""
    keyed = t.set_index(["pair", "width", "seed", "requested_sparsity"])["val_f1"].unstack()
    return 100 * (keyed[level] - keyed[0]) / keyed[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_pruning_section_gives_the_mean_change_per_width_and_the_ranges(seed):
    rng = np.random.default_rng(seed)
    t = random_pruning_table(rng, levels=(0.95, 0.99))  # the as-released levels, named "95" and "99"
    md = findings.pruning({"s": {"as-released": t}}, {"as-released": {"95": 0.95, "99": 0.99}})
    assert md.startswith("**s, scheme as-released**")
    (shown,) = md_tables(md)
    assert list(shown["width"]) == ["12", "24", "64"]  # the paper's widths that the grid has
    for paper, level in (("95", 0.95), ("99", 0.99)):
        change = expected_change(t, level)
        for _, row in shown.iterrows():
            for pair in ("0-1", "4-9"):  # the default pairs; 1-7 is in the table, not shown
                assert shows(row[f"{pair} @{paper}"], change.loc[pair, int(row["width"])].mean())
        # the ranges run over every width (4 too) and seed of the two pairs, 1-7 left out
        shown_pairs = change.loc[["0-1", "4-9"]]
        means = shown_pairs.groupby(level=["pair", "width"]).mean()
        sentence = re.search(rf'at "{paper}%" \(requested {level:g}\) the mean change over seeds lies between '
                             r"(\S+)% and (\S+)% for every width of 0-1 and 4-9, every seed between (\S+)% and (\S+)%", md)
        assert sentence, md
        for text, value in zip(sentence.groups(), (means.min(), means.max(), shown_pairs.min(), shown_pairs.max())):
            assert shows(text, value), (text, value)


def test_pruning_section_skips_a_scheme_without_the_levels():
    t = random_pruning_table(np.random.default_rng(0))
    assert findings.pruning({"s": {"x": t}}, {"x": {"95": 0.95, "99": 0.99}}) == ""


@pytest.mark.parametrize("seed", SEEDS)
def test_dead_neurons_section_lists_each_paper_rows_seeds_in_seed_order_and_the_grid_totals(seed):
    rng = np.random.default_rng(seed)
    paper_rows = {("0-1", 12), ("4-9", 24)}
    rows = [{"pair": p, "width": w, "seed": s, "paper_row": (p, w) in paper_rows, "sparsity": 95.0, "scope": "layer",
             "dead_units_before": int(rng.integers(0, 3)), "dead_units_after": int(rng.integers(0, w)),
             "disconnected_units_after": w - 1}
            for p in ("0-1", "4-9") for w in (8, 12, 24) for s in (78, 0, 42)]  # seeds not in order
    t = pd.DataFrame(rows).sample(frac=1, random_state=seed)
    (shown,) = md_tables(findings.dead_neurons({"released": t}))
    row = shown.iloc[0]
    assert row["study"] == "released" and row["sparsity"] == "95% (layer)"
    for (pair, width) in sorted(paper_rows):
        g = t[(t.pair == pair) & (t.width == width)].sort_values("seed")
        per_seed = "/".join(str(v) for v in g["dead_units_after"])
        assert f"{pair} w{width}: {per_seed} ({width - 1} of {width} without output weight)" in row.iloc[2]
    assert len(re.findall(r"\d-\d w\d+:", row.iloc[2])) == len(paper_rows)  # the paper's rows only
    assert int(row["dead before, whole grid"]) == t["dead_units_before"].sum()
    assert int(row["dead after, whole grid"]) == t["dead_units_after"].sum()
    assert int(row["checkpoints"]) == len(t)


@pytest.mark.parametrize("seed", SEEDS)
def test_tsne_section_shows_each_comparisons_overlap_cka_and_f1(seed):
    rng = np.random.default_rng(seed)
    ref = {"role": "reference", "comparison": "dense", "pair": "4-9", "width": 24, "seed": int(rng.integers(0, 99)),
           "k": 10, "chance_knn_overlap": rng.uniform(0.01, 0.05), "knn_overlap": 1.0, "linear_cka": 1.0,
           "val_f1": rng.uniform(0.5, 1)}
    others = [{**ref, "role": role, "comparison": name, "knn_overlap": rng.uniform(), "linear_cka": rng.uniform(),
               "val_f1": rng.uniform()}
              for role, name in [("pruned", "pruned 95% (layer)"), ("seed", "another seed (42), trained"),
                                 ("untrained", "untrained (initial weights)")]]
    t = pd.DataFrame([others[0], ref, *others[1:]])  # the reference need not come first
    md = findings.tsne({"explicit": t})
    header = re.match(r"\*\*explicit\*\*: 4-9, width 24, seed (\d+) \(dense val F1 (\S+)\)", md)
    assert header and int(header.group(1)) == ref["seed"] and shows(header.group(2), ref["val_f1"])
    (shown,) = md_tables(md)
    knn = f"kNN overlap (k = 10; chance {ref['chance_knn_overlap']:.2g})"
    assert list(shown.columns) == ["compared with dense", knn, "linear CKA", "its val F1"]
    assert list(shown["compared with dense"]) == [o["comparison"] for o in others]
    for (_, row), source in zip(shown.iterrows(), others, strict=True):
        assert shows(row[knn], source["knn_overlap"]) and shows(row["linear CKA"], source["linear_cka"])
        assert shows(row["its val F1"], source["val_f1"])


def saliency_case_table(rng) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    dense = [{"model": "dense", "case": case, "width": 24, "active_units": int(rng.integers(1, 25)),
              "output_weights_left": 24, "spearman_epsilon_vs_gradient": rng.uniform(0.5, 1),
              "spearman_dense_vs_pruned_gradient": np.nan}
             for case in ("correct 4", "correct 9", "misclassified 9")]
    pruned = [{**d, "model": "pruned", "output_weights_left": 1, "active_units": int(rng.integers(0, 2)),
               "spearman_epsilon_vs_gradient": rng.uniform(0.5, 1), "spearman_dense_vs_pruned_gradient": rng.uniform(-1, 1)}
              for d in dense[:2]]
    t = pd.DataFrame(dense + pruned)
    base = rng.normal(size=(28, 28))
    maps = {"gradient": np.stack([base + rng.uniform(0.2, 2) * rng.normal(size=(28, 28)) for _ in range(len(t))])}
    return t, maps


@pytest.mark.parametrize("seed", SEEDS)
def test_saliency_section_summarises_each_studys_maps(seed):
    from scipy.stats import pearsonr

    rng = np.random.default_rng(seed)
    t, maps = saliency_case_table(rng)
    (shown,) = md_tables(findings.saliency({"released": t}, {"released": maps}))
    row = shown.iloc[0]
    assert row["study"] == "released"
    assert shows(row["ε vs gradient (Spearman, min)"], t["spearman_epsilon_vs_gradient"].min())
    pruned = t[t.model == "pruned"]
    per_case = row["dense vs pruned (Spearman, per correct case)"].split(", ")
    assert [c.split(": ")[0] for c in per_case] == ["4", "9"]
    assert all(shows(c.split(": ")[1], v) for c, v in zip(per_case, pruned["spearman_dense_vs_pruned_gradient"], strict=True))
    dense = t[t.model == "dense"]
    assert row["active units of the dense model, per case"] == ", ".join(f"{a}/24" for a in dense["active_units"])
    dense_maps = maps["gradient"][dense.index.to_numpy()].reshape(len(dense), -1)
    r = [pearsonr(dense_maps[i], dense_maps[j]).statistic for i in range(3) for j in range(i + 1, 3)]
    low, high = row["dense maps, Pearson between cases"].split("–")
    assert shows(low, min(r)) and shows(high, max(r))
    assert row["output weights left after pruning"] == "1"


@pytest.mark.parametrize("seed", SEEDS)
def test_robustness_section_mean_and_std_over_seeds_at_the_asked_sigma(seed):
    rng = np.random.default_rng(seed)
    t = pd.DataFrame([{"pair": "4-9", "seed": s, "width": w, "corruption": c, "sigma": sig, "f1": rng.uniform(0.5, 1)}
                      for s in (0, 42, 78) for w in (2, 24, 48, 64)
                      for c, sig in [("clean", 0.0), ("noise", 0.3), ("noise", 0.5), ("occlusion", np.nan)]])
    md = findings.robustness({"released": t}, 0.5)
    assert md.startswith("**released**: pair 4-9, validation F1, mean ± std over seeds")
    (shown,) = md_tables(md)
    assert list(shown["width"]) == ["24", "48", "64"]  # the paper's occlusion widths
    columns = {"clean": ("clean", 0.0), "occlusion": ("occlusion", np.nan), "σ = 0.5 noise": ("noise", 0.5)}
    for _, row in shown.iterrows():
        for column, (corruption, sigma) in columns.items():
            sel = t[(t.width == int(row["width"])) & (t.corruption == corruption)]
            f1 = sel[sel.sigma.isna() if np.isnan(sigma) else np.isclose(sel.sigma, sigma)]["f1"].to_numpy()
            mean, std = row[column].split(" ± ")
            assert len(f1) == 3 and shows(mean, f1.mean()) and shows(std, f1.std(ddof=1)), (column, row[column])


def test_document_has_one_heading_per_section():
    doc = findings.document({"A": "x", "B": "y\n"})
    assert doc == "#### A\n\nx\n\n#### B\n\ny\n"


@pytest.mark.parametrize("seed", SEEDS)
def test_mutual_information_section_shows_each_pairs_numbers_and_what_they_rest_on(seed):
    rng = np.random.default_rng(seed)
    s = pd.DataFrame([{"pair": p, "width": w, "seed": sd, "mean_mi_frac": rng.uniform(0, 1),
                       "concentration": rng.uniform(0, 1), "spearman_mi_output_weight": rng.uniform(-1, 1),
                       "auc_kept_vs_pruned": np.nan if w < 8 else rng.uniform(0, 1)}
                      for p in ("4-9", "0-1") for w in (2, 8, 64) for sd in (0, 42, 78)])
    s.loc[3, "spearman_mi_output_weight"] = np.nan  # one network without a ρ (4-9, width 8)
    (shown,) = md_tables(findings.mutual_information({"released": s}, {"released": ["0-1", "4-9"]}))
    assert list(shown["pair"]) == ["0-1", "4-9"]
    for _, row in shown.iterrows():
        g = s[s["pair"] == row["pair"]]
        assert shows(row["mean MI / H(Y), width 2"], g.loc[g.width == 2, "mean_mi_frac"].mean())
        assert shows(row["width 64"], g.loc[g.width == 64, "mean_mi_frac"].mean())
        assert shows(row["concentration, width 64"], g.loc[g.width == 64, "concentration"].mean())
        rho, auc = g["spearman_mi_output_weight"].dropna(), g["auc_kept_vs_pruned"].dropna()
        value, n = row["ρ(MI, output-weight magnitude), mean (networks)"].split(" (")
        assert shows(value, rho.mean()) and n == f"{len(rho)} of 9)"
        value, n = row["kept vs pruned AUC, mean (networks)"].split(" (")
        assert shows(value, auc.mean()) and n == "6 of 9)"
    assert shown.loc[shown["pair"] == "4-9", "ρ(MI, output-weight magnitude), mean (networks)"].iloc[0].endswith("(8 of 9)")


@pytest.mark.parametrize("seed", SEEDS)
def test_saliency_shift_section_shows_the_within_stratum_test_of_every_method(seed):
    from lowcap.analyses.saliency_shift_tables import CHECKPOINT

    rng = np.random.default_rng(seed)
    rows = [{"pair": pair, "method": method, "scope": scope, "mean_rho": rng.uniform(-1, 1),
             "median_rho": rng.uniform(-1, 1), "p_greater": rng.uniform(0, 1), "p_less": rng.uniform(0, 1),
             "pooled_rho": rng.uniform(-1, 1), "n_checkpoints": int(rng.integers(10, 200)),
             "n_points": int(rng.integers(5, 10)), "n_strata": int(rng.integers(3, 60)),
             "n_strata_grid": int(rng.integers(60, 70)), "n_images": int(rng.integers(8, 64))}
            for method in ("epsilon", "gradient") for pair in ("all", "4-9") for scope in (CHECKPOINT, "one level")]
    p = pd.DataFrame(rows)
    (shown,) = md_tables(findings.saliency_shift({"explicit": p}))
    assert list(shown["method"]) == ["epsilon", "gradient"] and (shown["study"] == "explicit").all()
    for _, row in shown.iterrows():
        r = p[(p["pair"] == "all") & (p["scope"] == CHECKPOINT) & (p["method"] == row["method"])].iloc[0]
        mean, median = row["within-stratum ρ: mean (median)"].rstrip(")").split(" (")
        assert shows(mean, r["mean_rho"]) and shows(median, r["median_rho"])
        assert shows(row["p, larger shift → larger drop"], r["p_greater"]) and shows(row["p, the reverse"], r["p_less"])
        assert shows(row["pooled ρ (mixes strata)"], r["pooled_rho"])
        assert row["checkpoints / strata used (of grid), images"] == (
            f"{r['n_points']} of {r['n_checkpoints']} / {r['n_strata']} of {r['n_strata_grid']}, {r['n_images']}")


def test_imp_section_reads_each_method_at_95_against_its_equally_trained_dense_model():
    from test_claims_imp import table

    md = findings.imp_methods({"s": table(imp=-0.005, one_shot=-0.2, one_shot_ft=-0.05)}, {"s": 1.0})
    lines = {tuple(c.strip() for c in line.strip("|").split("|")[1:3]): line for line in md.splitlines()
             if line.startswith("| s ")}
    # at round 4 (95.01% achieved): IMP and one-shot+ft after 4 x 30 epochs, against the control
    assert "| 95 | 120 | -0.50 |" in lines[("layer", "imp")]
    assert "| 95 | 120 | -5.00 |" in lines[("global", "one-shot+ft")]
    assert "| 95 | 0 | -20.00 |" in lines[("layer", "one-shot")]
