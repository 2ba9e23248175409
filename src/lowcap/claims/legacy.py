"""The claims check: each claim of the paper, measured per study from the study's own results,
with an interval over seeds and a verdict from rules written in the config (pandas only).

Intervals. Over seeds, a two-sided Student-t interval of the mean at `confidence` (3 seeds:
mean ± 4.30 · sd / √3). For a minimum width, a value on the width grid, the interval is the range
of the per-seed minimum widths instead. Claims measured on one model (t-SNE, saliency) have no
interval, and say so.

Verdicts: reproduced, partly, not reproduced, not testable. Each claim's rule is in RULES below,
and its numbers (tolerances, thresholds) come from the config's `claims` section; the README
repeats the rules. No verdict is set by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lowcap.architecture import parameter_count
from lowcap.capacity import SUCCESS_F1, per_seed_f1, succeeds

REPRODUCED, PARTLY, NOT_REPRODUCED, NOT_TESTABLE = "reproduced", "partly", "not reproduced", "not testable"

RULES = {
    "min_width": "reproduced if the minimum width on the mean over seeds is in the paper's range; partly if "
                 "the range of per-seed minimum widths overlaps it; else not reproduced",
    "growth": "reproduced if the minimum width never falls from an easier pair to a harder one and the hardest "
              "pair needs more than the easiest; partly if the hardest needs more but the order is not monotone; "
              "else not reproduced",
    "baseline": "reproduced if logistic regression (no hidden layer) stays at or below the success level on the "
                "hardest pair (a hidden layer is needed); else not reproduced",
    "pruning": "at the level, the mean over seeds of the % change in F1: reproduced if every width loses less "
               "than pruning_keep_pct; partly if at least half the widths do; else not reproduced",
    "dead": "reproduced if every seed of every paper row has at most dead_neurons_max dead units after pruning",
    "representation": "reproduced if the pruned model's activations have linear CKA >= representation_cka with "
                      "the dense model's; partly if >= the CKA of another seed's trained model; else not reproduced",
    "reasoning": "reproduced if the mean Spearman correlation of pruned and dense saliency maps is >= "
                 "saliency_spearman; partly if > 0; else not reproduced",
    "strokes": "stroke focus = share of saliency mass on stroke pixels / share of stroke pixels (1: no focus); "
               "reproduced if the dense maps' mean >= stroke_focus_min; partly if above the random map's; "
               "else not reproduced",
    "robustness": "paired F1 drop (clean - corrupted) of the widest minus that of the narrowest width, per seed: "
                  "reproduced if the whole interval is below -robustness_margin; partly if the mean is; "
                  "else not reproduced",
    "occlusion": "reproduced if the mean is within occlusion_f1_tolerance of the paper's value; partly if the "
                 "paper's value is inside the interval; else not reproduced",
    "imp_vs_one_shot": "per (pair, width), the highest sparsity with F1 within imp.tolerance_points of the dense F1 on "
                       "every seed: reproduced if IMP with fine-tuning reaches a higher one than one-shot for at least "
                       "half of them; partly if for any; else not reproduced",
    "imp_95": "reproduced if IMP with fine-tuning keeps F1 within imp.tolerance_points of the dense F1 at >= 95% "
              "sparsity for every (pair, width) in one of the scopes; partly if for at least half; else not "
              "reproduced",
    "mi_kept": "AUC of the MI of units whose output weight survives pruning against those whose weight is pruned, "
               "mean over networks per seed: reproduced if the whole interval is above 0.5; partly if the mean is; "
               "else not reproduced",
    "not_run": "not testable: the study does not run this analysis (a CNN study runs capacity, pruning and "
               "robustness only)",
    "shift_predicts": "Spearman of saliency-map shift and F1 drop within each corruption level, all pairs: reproduced "
                      "if positive with p < 0.05 at every level; partly if at some; else not reproduced",
    "architecture": "not testable for a CNN study (architecture: cnn): the claim is about the paper's MLP, its "
                    "hidden widths or its one t-SNE / saliency model, which a CNN study does not have",
    "min_params": "minimum capacity in parameters (MLP 786·H + 1, CNN 179·C + 1) on the mean over seeds, against "
                  "the paper's minimum widths counted as MLP parameters: reproduced if inside that range; partly if "
                  "the range of per-seed minima overlaps it; else not reproduced (a CNN below the range needs fewer "
                  "parameters than the paper's MLP)",
}


@dataclass(frozen=True)
class Measure:
    value: float | None  # None: not measurable here
    low: float | None = None
    high: float | None = None
    text: str | None = None  # how to show it, when a number is not enough
    interval: str = "t"  # t | range | none

    def show(self) -> str:
        if self.text is not None:
            body = self.text
        elif self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return "—"
        else:
            body = _fmt(self.value)
        # A range interval is written into the text by whoever measured it.
        if self.interval != "t" or self.low is None:
            return body
        if self.low == self.high:
            return body
        return f"{body} [{_fmt(self.low)}, {_fmt(self.high)}]"


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, (int, np.integer)) or float(v).is_integer() and abs(v) >= 1:
        return str(int(v))
    return f"{v:.3g}"


def t_interval(values, confidence: float, bounds: tuple[float, float] = (-math.inf, math.inf)) -> Measure:
    """Mean and two-sided Student-t interval over seeds, clipped to the quantity's possible range
    (`bounds`): with 3 seeds the interval is wide, and an F1 above 1 means nothing."""
    from scipy.stats import t

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return Measure(None)
    mean = float(x.mean())
    if len(x) < 2:
        return Measure(mean, interval="none")
    half = float(t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return Measure(mean, max(mean - half, bounds[0]), min(mean + half, bounds[1]))


# --------------------------------------------------------------------------- capacity


def per_seed_min_width(per_seed: pd.DataFrame, split: str, stat: str, success) -> pd.DataFrame:
    """Smallest width whose F1 passes `success(f1, row)` per (pair, seed); NaN when none does."""
    rows = per_seed[per_seed["split"] == split]
    out = []
    for (pair, seed), g in rows.groupby(["pair", "seed"]):
        ok = g[success(g)]
        out.append({"pair": pair, "seed": seed, "min_width": ok["width"].min() if len(ok) else np.nan})
    return pd.DataFrame(out)


def within_points_of_widest(points: float, stat: str):
    """Stricter success: F1 within `points` (of 100) of the same seed's widest network."""
    def success(g: pd.DataFrame) -> pd.Series:
        widest = g.loc[g["width"].idxmax(), stat]
        return g[stat] >= widest - points / 100
    return success


def min_width_measure(per_seed: pd.DataFrame, pair: str, split: str, stat: str, success) -> Measure:
    """Minimum width on the mean over seeds, and the range of the per-seed minimum widths."""
    rows = per_seed[(per_seed["split"] == split) & (per_seed["pair"] == pair)]
    if rows.empty:
        return Measure(None)
    mean = rows.groupby("width")[stat].mean().reset_index().assign(seed=-1)
    passing = mean[success(mean)]
    value = float(passing["width"].min()) if len(passing) else math.inf
    seeds = per_seed_min_width(rows, split, stat, success)["min_width"].fillna(math.inf)
    widest = rows["width"].max()
    show = lambda v: f"> {widest}" if math.isinf(v) else str(int(v))  # noqa: E731
    text = show(value) + ("" if seeds.min() == seeds.max() else f" [{show(seeds.min())}, {show(seeds.max())}]")
    return Measure(value, float(seeds.min()), float(seeds.max()), text=text, interval="range")


def min_width_verdict(m: Measure, low: float | None, high: float | None) -> str:
    if m.value is None:
        return NOT_TESTABLE
    inside = lambda v: (low is None or v >= low) and (high is None or v <= high)  # noqa: E731
    if inside(m.value):
        return REPRODUCED
    if m.low is not None and (high is None or m.low <= high) and (low is None or m.high >= low):
        return PARTLY
    return NOT_REPRODUCED


def growth_verdict(widths: list[float]) -> str:
    widths = [w for w in widths if w is not None]
    if len(widths) < 2:
        return NOT_TESTABLE
    monotone = all(b >= a for a, b in zip(widths, widths[1:]))
    if widths[-1] > widths[0]:
        return REPRODUCED if monotone else PARTLY
    return NOT_REPRODUCED


# --------------------------------------------------------------------------- the table


def _range_text(low, high) -> str:
    if low is None and high is None:
        return "—"
    if high is None:
        return f"≥ {int(low)}"
    return f"{int(low)}–{int(high)}" if low != high else str(int(low))


def study_claims(study: dict, rules: dict, data: dict) -> list[dict]:
    """Every claim measured for one study. `study`: {name, pairs}; `rules`: the config's `claims`
    section; `data`: the study's tables, read by the job (keys below). Returns one dict per claim:
    claim id, claim, paper value, measured (Measure), verdict, rule."""
    conf = rules["confidence"]
    pairs = list(study["pairs"])
    arch = study.get("architecture", "mlp")
    cnn = arch == "cnn"
    rows = []

    def add(cid, claim, paper, measure, verdict, rule):
        rows.append({"claim_id": cid, "claim": claim, "paper": paper, "measure": measure, "verdict": verdict,
                     "rule": RULES[rule]})

    # Capacity: minimum width per pair, at the paper's success level and at the stricter one.
    history = data["history"]
    per_seed = per_seed_f1(history)
    split, stat = rules["capacity_split"], rules["capacity_statistic"]
    at_success = lambda g: succeeds(g[stat])  # noqa: E731
    strict = within_points_of_widest(rules["strict_success_points"], stat)
    widths_by_pair = {}
    for pair in pairs:
        low, high = rules["paper_min_width"].get(pair, [None, None])
        m = min_width_measure(per_seed, pair, split, stat, at_success)
        widths_by_pair[pair] = m.value
        if pair not in rules["paper_min_width"]:
            continue  # the paper states no width for this pair; it still counts for the growth claim
        paper = _range_text(low, high)
        verdict = NOT_TESTABLE if cnn else min_width_verdict(m, low, high)
        if cnn:  # channels are not the paper's hidden units: shown, not judged
            m = Measure(m.value, m.low, m.high, text=f"C = {m.text}", interval="range")
        add(f"min_width_{pair}", f"minimum width with F1 > {SUCCESS_F1} ({split} split, {stat}), pair {pair}",
            paper, m, verdict, "architecture" if cnn else "min_width")
    add("min_width_grows", "minimum width grows with task difficulty (pairs in config order, easy to hard)",
        "grows", Measure(None, text=" ≤ ".join(_fmt(widths_by_pair[p]) if not math.isinf(widths_by_pair[p] or 0)
                                                 else f"> {max(history['width'])}" for p in pairs)),
        growth_verdict([widths_by_pair[p] for p in pairs]), "growth")
    strict_widths = [min_width_measure(per_seed, p, split, stat, strict) for p in pairs]
    add("min_width_grows_strict",
        f"minimum width grows with difficulty, success = within {rules['strict_success_points']:g} F1 point of the "
        "widest network", "grows", Measure(None, text=" ≤ ".join(m.text or "—" for m in strict_widths)),
        growth_verdict([m.value for m in strict_widths]), "growth")
    baseline = data["baseline"]
    hardest = pairs[-1]
    b = t_interval(baseline.loc[baseline["pair"] == hardest, "val_f1"], conf, (0, 1))
    add("baseline_hardest", f"the hardest pair ({hardest}) needs hidden units: logistic regression, no hidden layer, "
        f"validation F1 ≤ {SUCCESS_F1}", f"needs ≥ {rules['paper_min_width'].get(hardest, [2])[0]} units",
        b, NOT_TESTABLE if b.value is None else (REPRODUCED if not succeeds(b.value) else NOT_REPRODUCED), "baseline")

    # Paper text against its own Fig. 3 (4-9, median best training F1 over seeds).
    fig3 = rules.get("paper_fig3_4_9_median_train_f1")
    if fig3 and "4-9" in pairs:
        widths = sorted(history["width"].unique())
        grid = [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]
        above = [w for w, f in zip(grid, fig3) if succeeds(f)]
        reaches = [w for w, f in zip(grid, fig3) if f >= SUCCESS_F1]
        med = (per_seed[(per_seed["pair"] == "4-9") & (per_seed["split"] == "train")]
               .groupby("width")["best_f1"].median())
        ours = [w for w in widths if succeeds(med.get(w, 0.0))]
        m = Measure(float(ours[0]) if ours else math.inf, text=str(ours[0]) if ours else f"> {widths[-1]}")
        low, high = rules["paper_min_width"]["4-9"]
        add("min_width_4-9_fig3", "4-9: smallest width whose median best training F1 > 0.90 (the paper's Fig. 3 "
            "statistic)", f"text {low}–{high}; own Fig. 3: F1 ≈ {SUCCESS_F1} from {reaches[0] if reaches else '—'}, "
            f"> {SUCCESS_F1} at {above[0] if above else '—'}", m,
            NOT_TESTABLE if cnn else min_width_verdict(m, low, high), "architecture" if cnn else "min_width")

    # Capacity in parameters: the axis on which MLP and CNN studies compare (issue 11).
    params_by_pair = []
    for pair in pairs:
        m = min_width_measure(per_seed, pair, split, stat, at_success)
        if m.value is None:
            params_by_pair.append(Measure(None))
            continue
        count = lambda w: math.inf if math.isinf(w) else float(parameter_count(arch, int(w)))  # noqa: E731
        value, low_p, high_p = count(m.value), count(m.low), count(m.high)
        widest = float(parameter_count(arch, int(history["width"].max())))
        show = lambda v: f"> {int(widest)}" if math.isinf(v) else str(int(v))  # noqa: E731
        text = show(value) + ("" if low_p == high_p else f" [{show(low_p)}, {show(high_p)}]")
        mp = Measure(value, low_p, high_p, text=text, interval="range")
        params_by_pair.append(mp)
        if pair not in rules["paper_min_width"]:
            continue
        low, high = rules["paper_min_width"][pair]
        paper_p = [None if w is None else parameter_count("mlp", int(w)) for w in (low, high)]
        add(f"min_params_{pair}", f"minimum capacity in parameters with F1 > {SUCCESS_F1} ({split} split, {stat}), "
            f"pair {pair}", f"{_range_text(*paper_p)} (the paper's widths, MLP)", mp,
            min_width_verdict(mp, *paper_p), "min_params")
    add("min_params_grows", "minimum capacity in parameters grows with task difficulty (pairs easy to hard; MLP "
        "786·H + 1, CNN 179·C + 1)", "grows",
        Measure(None, text=" ≤ ".join(m.text or "—" for m in params_by_pair)),
        growth_verdict([m.value for m in params_by_pair]), "growth")

    # Pruning, per scheme, at each claimed level.
    for scheme, table in data["pruning"].items():
        for pair, level in [(None, 95.0), ("0-1", 99.0)]:
            scheme_levels = rules["pruning_levels"].get(scheme, {})
            requested = scheme_levels.get(str(int(level)), level)
            t = table if pair is None else table[table["pair"] == pair]
            claim = (f"one-shot pruning ({scheme}) keeps performance at {level:g}% "
                     f"({'every pair' if pair is None else pair}; requested level {requested:g})")
            if t.empty or requested not in set(t["requested_sparsity"]):
                add(f"pruning_{scheme}_{int(level)}", claim, "kept", Measure(None), NOT_TESTABLE, "pruning")
                continue
            change = _pct_change(t, requested)
            by_width = change.groupby(["pair", "width"])["change"].mean()
            worst_pair, worst_width = by_width.idxmin()
            m = t_interval(change[(change["pair"] == worst_pair) & (change["width"] == worst_width)]["change"], conf,
                           (-100, math.inf))
            kept = (by_width > -rules["pruning_keep_pct"]).mean()
            verdict = REPRODUCED if kept == 1 else PARTLY if kept >= 0.5 else NOT_REPRODUCED
            m = Measure(m.value, m.low, m.high, text=f"{_fmt(m.value)}% (worst: {worst_pair} w{worst_width}; "
                        f"{kept:.0%} of widths keep it)" if m.value is not None else None)
            add(f"pruning_{scheme}_{int(level)}", claim, "F1 kept (change ≈ 0%)", m, verdict, "pruning")

    # Dead neurons after pruning, the paper's rows.
    dead = data["dead_neurons"]
    paper_rows = dead[dead["paper_row"]]
    if paper_rows.empty:
        add("dead_neurons", "no dead neurons after 95% pruning in the paper's rows", "0", Measure(None),
            NOT_TESTABLE, "architecture" if cnn else "dead")
    else:
        counts = " ; ".join(f"{p} w{w}: " + "/".join(str(int(v)) for v in g.sort_values("seed")["dead_units_after"])
                            for (p, w), g in paper_rows.groupby(["pair", "width"], sort=False))
        ok = (paper_rows["dead_units_after"] <= rules["dead_neurons_max"]).all()
        add("dead_neurons", "no dead neurons after 95% pruning in the paper's rows (per seed)", "0",
            Measure(float(paper_rows["dead_units_after"].max()), text=counts, interval="none"),
            REPRODUCED if ok else NOT_REPRODUCED, "dead")

    # Representation (t-SNE model) and reasoning (saliency model): one model each. A CNN study has neither.
    if data.get("tsne") is None:
        for cid, claim, paper in [
            ("representation", "the pruned network keeps its hidden representation (linear CKA with the dense one; "
             "one model, no interval)", "kept (t-SNE alike)"),
            ("reasoning", "the pruned network keeps its reasoning (Spearman of dense and pruned saliency maps; one "
             "model, no interval)", "kept (maps alike)"),
            ("strokes", "saliency focuses on the digit's strokes (stroke focus of the dense gradient maps; 1 = none)",
             "human-like, on the strokes"),
        ]:
            add(cid, claim, paper, Measure(None), NOT_TESTABLE, "architecture")
        return _robustness_claims(rows, add, data, rules, conf, cnn)
    sim = data["tsne"]
    pruned = sim[sim["role"] == "pruned"].iloc[0]
    others = sim[sim["comparison"].str.startswith("another seed")]["linear_cka"]
    cka = float(pruned["linear_cka"])
    verdict = (REPRODUCED if cka >= rules["representation_cka"] else
               PARTLY if len(others) and cka >= others.min() else NOT_REPRODUCED)
    add("representation", "the pruned network keeps its hidden representation (linear CKA with the dense one; "
        "one model, no interval)", "kept (t-SNE alike)",
        Measure(cka, text=f"CKA {cka:.2f} (other seeds {', '.join(f'{v:.2f}' for v in others)}); kNN overlap "
                f"{pruned['knn_overlap']:.2f}", interval="none"), verdict, "representation")
    cases = data["saliency_cases"]
    rho = cases.loc[cases["model"] == "pruned", "spearman_dense_vs_pruned_gradient"].astype(float)
    r = float(rho.mean()) if len(rho) else None
    add("reasoning", "the pruned network keeps its reasoning (Spearman of dense and pruned saliency maps; one "
        "model, no interval)", "kept (maps alike)", Measure(r, interval="none"),
        NOT_TESTABLE if r is None else REPRODUCED if r >= rules["saliency_spearman"] else PARTLY if r > 0
        else NOT_REPRODUCED, "reasoning")
    focus, random_focus = data["stroke_focus"]
    add("strokes", "saliency focuses on the digit's strokes (stroke focus of the dense gradient maps; 1 = none)",
        "human-like, on the strokes", Measure(focus, text=f"{focus:.2f} (random map {random_focus:.2f})",
                                              interval="none"),
        REPRODUCED if focus >= rules["stroke_focus_min"] else PARTLY if focus > random_focus else NOT_REPRODUCED,
        "strokes")

    return _robustness_claims(rows, add, data, rules, conf, cnn)


def _robustness_claims(rows: list[dict], add, data: dict, rules: dict, conf: float, cnn: bool) -> list[dict]:
    """The robustness claims of study_claims (`add` appends to `rows`)."""
    # Robustness on the hardest pair: does the widest network lose less than the narrowest?
    rob = data["robustness"]
    if rob is not None:
        for name, sel in [(f"Gaussian noise σ = {rules['noise_sigma']:g}",
                           (rob["corruption"] == "noise") & np.isclose(rob["sigma"].fillna(-1), rules["noise_sigma"])),
                          (f"{rules['occlusion_size']}×{rules['occlusion_size']} occlusion",
                           rob["corruption"] == "occlusion")]:
            clean = rob[rob["corruption"] == "clean"].set_index(["seed", "width"])["f1"]
            corrupt = rob[sel].set_index(["seed", "width"])["f1"]
            drop = (clean - corrupt).dropna().unstack("width")
            if drop.empty:
                continue
            diff = drop[drop.columns.max()] - drop[drop.columns.min()]
            m = t_interval(diff, conf, (-1, 1))
            verdict = (REPRODUCED if m.high is not None and m.high < -rules["robustness_margin"] else
                       PARTLY if m.value is not None and m.value < -rules["robustness_margin"] else NOT_REPRODUCED)
            if cnn:  # the claim's text names the first study's widths: say which this one compares
                m = Measure(m.value, m.low, m.high, text=f"{_fmt(m.value)} (C = {drop.columns.max()} vs "
                            f"{drop.columns.min()})" if m.value is not None else None)
            add(f"robustness_{'noise' if 'noise' in name else 'occlusion'}",
                f"wider networks resist {name} better ({rob['pair'].iloc[0]}: F1 drop of width "
                f"{drop.columns.max()} minus that of width {drop.columns.min()}; < 0: the wider loses less)",
                "wider resists better (< 0)", m, verdict, "robustness")
        if rob["pair"].iloc[0] == "4-9":
            occl = rob[rob["corruption"] == "occlusion"]
            for width, paper in rules["paper_occlusion_f1"].items():
                m = t_interval(occl.loc[occl["width"] == int(width), "f1"], conf, (0, 1))
                if cnn:  # the paper's value is an MLP width's
                    add(f"occlusion_f1_w{width}", f"4-9 occlusion F1 at width {width}", f"{paper:g}", Measure(None),
                        NOT_TESTABLE, "architecture")
                    continue
                if m.value is None:
                    verdict = NOT_TESTABLE
                elif abs(m.value - paper) <= rules["occlusion_f1_tolerance"]:
                    verdict = REPRODUCED
                elif m.low is not None and m.low <= paper <= m.high:
                    verdict = PARTLY
                else:
                    verdict = NOT_REPRODUCED
                add(f"occlusion_f1_w{width}", f"4-9 occlusion F1 at width {width}", f"{paper:g}", m, verdict,
                    "occlusion")
    open_question_claims(data, rules, add)
    return rows


def open_question_claims(data: dict, rules: dict, add) -> None:
    """The rows of the paper's open questions (IMP, MI per unit, saliency under corruption), for the
    branches the study ran; `add` as in study_claims."""
    conf = rules["confidence"]
    not_run = {"imp": ["imp_vs_one_shot_layer", "imp_vs_one_shot_global", "imp_95"], "mutual_info": ["mi_kept"],
               "saliency_shift": ["shift_predicts"]}
    for branch, ids in not_run.items():
        if data.get(branch) is None:
            for cid in ids:
                add(cid, f"{cid} (the paper's open questions)", "open question", Measure(None), NOT_TESTABLE,
                    "not_run")
    if data.get("imp") is not None:
        from lowcap import imp

        tol = data["imp_tolerance_points"]
        best = imp.max_sparsity(data["imp"], tol, list(dict.fromkeys(data["imp"]["pair"])))
        wide = best.pivot_table(index=["pair", "width"], columns=["method", "scope"], values="max_sparsity")
        for scope in imp.SCOPES:
            gain = wide[("imp", scope)] - wide[("one-shot", scope)]
            share = float((gain > 0).mean())
            text = (f"IMP {wide[('imp', scope)].median():.3g}% vs one-shot {wide[('one-shot', scope)].median():.3g}% "
                    f"(medians over pairs × widths); IMP higher for {share:.0%}")
            add(f"imp_vs_one_shot_{scope}", f"one-shot pruning without fine-tuning underestimates the achievable "
                f"sparsity (scope {scope}: highest sparsity with F1 within {tol:g} point of dense, every seed)",
                "may underestimate (open question)", Measure(share, text=text, interval="none"),
                REPRODUCED if share >= 0.5 else PARTLY if share > 0 else NOT_REPRODUCED, "imp_vs_one_shot")
        shares = {scope: float((wide[("imp", scope)] >= 95).mean()) for scope in imp.SCOPES}
        top = max(shares.values())
        add("imp_95", f"with iterative pruning and fine-tuning, F1 stays within {tol:g} point of dense at 95% sparsity "
            "(share of pairs × widths, every seed)", "kept up to 95%",
            Measure(top, text="; ".join(f"{s}: {v:.0%}" for s, v in shares.items()), interval="none"),
            REPRODUCED if top == 1 else PARTLY if top >= 0.5 else NOT_REPRODUCED, "imp_95")
    if data.get("mutual_info") is not None:
        mi = data["mutual_info"]
        per_seed = mi.groupby("seed")["auc_kept_vs_pruned"].mean()
        m = t_interval(per_seed, conf, (0, 1))
        scope = mi["scope"].iloc[0] if "scope" in mi else ""
        add("mi_kept", f"magnitude pruning keeps the units with high mutual information with the label (AUC of kept vs "
            f"pruned units' MI, {mi['requested_sparsity'].iloc[0]:g}% {scope}; 0.5 = unrelated)",
            "MI may quantify specialization (open question)", m,
            NOT_TESTABLE if m.value is None else REPRODUCED if m.low is not None and m.low > 0.5
            else PARTLY if m.value > 0.5 else NOT_REPRODUCED, "mi_kept")
    if data.get("saliency_shift") is not None:
        p = data["saliency_shift"]
        rows = p[(p["pair"] == "all") & (p["method"] == "gradient")]
        within = rows[(rows["scope"] == "within level") & rows["spearman_rho"].notna()]
        pooled = rows[rows["scope"] == "pooled"]
        hits = int(((within["spearman_rho"] > 0) & (within["p_value"] < 0.05)).sum())
        text = (f"{hits} of {len(within)} levels (median ρ {within['spearman_rho'].median():.2f}); pooled ρ "
                f"{float(pooled['spearman_rho'].iloc[0]):.2f}" if len(within) and len(pooled) else None)
        add("shift_predicts", "the shift of the saliency map under corruption predicts the F1 drop (gradient maps; "
            "Spearman within each corruption level, all pairs)", "how reasoning shifts (open question)",
            Measure(float(hits), text=text, interval="none"),
            NOT_TESTABLE if not len(within) else REPRODUCED if hits == len(within) else PARTLY if hits
            else NOT_REPRODUCED, "shift_predicts")


def _pct_change(table: pd.DataFrame, level: float) -> pd.DataFrame:
    keys = ["pair", "width", "seed"]
    dense = table[table["requested_sparsity"] == 0].set_index(keys)["val_f1"]
    pruned = table[table["requested_sparsity"] == level].set_index(keys)["val_f1"]
    change = 100 * (pruned - dense) / dense.where(dense != 0)
    return change.rename("change").reset_index()


def stroke_focus(images: np.ndarray, maps: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per image: (share of saliency mass on stroke pixels) / (share of pixels that are strokes).
    Stroke pixels: intensity > threshold. 1.0: the map is no more on the strokes than anywhere else."""
    images = np.asarray(images, dtype=float).reshape(len(images), -1)
    maps = np.abs(np.asarray(maps, dtype=float)).reshape(len(maps), -1)
    strokes = images > threshold
    mass = (maps * strokes).sum(1) / maps.sum(1)
    return mass / strokes.mean(1)


def long_table(results: dict[str, list[dict]]) -> pd.DataFrame:
    """study -> study_claims rows, as one long table (CSV)."""
    out = []
    for study, rows in results.items():
        for r in rows:
            m = r["measure"]
            out.append({"claim_id": r["claim_id"], "claim": r["claim"], "paper": r["paper"], "study": study,
                        "measured": m.show(), "value": m.value, "interval_low": m.low, "interval_high": m.high,
                        "interval": m.interval, "verdict": r["verdict"], "rule": r["rule"]})
    return pd.DataFrame(out)


def wide_markdown(long: pd.DataFrame) -> str:
    """One row per claim; per study: the measured value [interval] and the verdict."""
    studies = list(dict.fromkeys(long["study"]))
    claims = long.drop_duplicates("claim_id")[["claim_id", "claim", "paper"]]
    head = ["claim", "paper"] + [f"{s}: measured" for s in studies] + [f"{s}: verdict" for s in studies]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    cell = long.set_index(["claim_id", "study"])
    for c in claims.itertuples():
        measured = [cell.loc[(c.claim_id, s), "measured"] if (c.claim_id, s) in cell.index else "—" for s in studies]
        verdicts = [f"**{cell.loc[(c.claim_id, s), 'verdict']}**" if (c.claim_id, s) in cell.index
                    else NOT_TESTABLE for s in studies]
        lines.append("| " + " | ".join([c.claim, str(c.paper), *measured, *verdicts]).replace("\n", " ") + " |")
    return "\n".join(lines) + "\n"


def report_rst(long: pd.DataFrame, rules: dict) -> str:
    """The HTML report's first page: what lowcap is, and the claims table (RST list-table)."""
    studies = list(dict.fromkeys(long["study"]))
    cell = long.set_index(["claim_id", "study"])
    esc = lambda s: str(s).replace("*", "\\*").replace("`", "'")  # noqa: E731
    lines = [
        "The paper's claims, measured per study",
        "=======================================",
        "",
        "lowcap reproduces, checks and extends *Understanding Generalization, Robustness, and Interpretability "
        "in Low-Capacity Neural Networks* (Kumar, arXiv 2507.16278). Each cell gives the value measured from that "
        f"study's own runs, with an interval over seeds in brackets ({rules['confidence']:.0%} Student-t; for "
        "minimum widths, the range of per-seed minimum widths), and the verdict, decided by the rules in "
        "``results/claims.csv`` and config.yaml's ``claims`` section. Figures and tables follow, one category per "
        "study.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - claim",
        "     - paper",
        *[f"     - {s}" for s in studies],
    ]
    for c in long.drop_duplicates("claim_id").itertuples():
        lines.append(f"   * - {esc(c.claim)}")
        lines.append(f"     - {esc(c.paper)}")
        for s in studies:
            if (c.claim_id, s) in cell.index:
                row = cell.loc[(c.claim_id, s)]
                lines.append(f"     - {esc(row['measured'])}: **{row['verdict']}**")
            else:
                lines.append(f"     - {NOT_TESTABLE}")
    return "\n".join(lines) + "\n"


BLOCK_BEGIN = "<!-- claims:begin"
BLOCK_END = "<!-- claims:end -->"


def replace_block(readme: str, begin: str, end: str, body: str) -> str:
    """`readme` with the lines between the line that starts with `begin` and the `end` marker
    replaced by `body`."""
    start = readme.index(begin)
    start = readme.index("\n", start) + 1
    stop = readme.index(end)
    return readme[:start] + body.strip() + "\n" + readme[stop:]


def readme_block(readme: str, claims_md: str, findings_md: str | None = None) -> str:
    """`readme` with the text between the claims markers replaced by the table of `claims_md`
    (its lines from the header row on), and, if given, the findings markers' by `findings_md`."""
    from lowcap import findings

    out = replace_block(readme, BLOCK_BEGIN, BLOCK_END, claims_md[claims_md.index("| claim | paper"):])
    if findings_md is not None:
        out = replace_block(out, findings.BLOCK_BEGIN, findings.BLOCK_END, findings_md)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python3 -m lowcap.claims README.md results/claims.md results/findings.md`: copy the claims
    table and the findings of a run into the README, between their markers (tests/test_readme.py
    checks that they agree)."""
    import sys
    from pathlib import Path

    readme, claims_md, findings_md = argv if argv is not None else sys.argv[1:]
    path = Path(readme)
    path.write_text(readme_block(path.read_text(), Path(claims_md).read_text(), Path(findings_md).read_text()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
