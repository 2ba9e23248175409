"""Claims of the registry (lowcap.claims.registry): pruning, and what pruning keeps.

- pruning_{scheme}_95 / _99: one-shot magnitude pruning keeps validation F1. An equivalence
  judgement per (pair, width) stratum: the seed-paired change pruned − dense (F1 points) is kept
  when its whole interval lies above −pruning_margin_points, lost when wholly below, else
  undecided. The null beside it: random pruning at the same achieved sparsity, layer by layer
  (ShrinkBench's sanity baseline; lowcap.analyses.pruning.random_prune_copy).
- dead_neurons: the paper's Table 1 rows have no unit that is dead or cut off after pruning.
- representation, reasoning, strokes: one model each (t-SNE, Fig. 8), each against its nulls.
The as-released scheme's rows check the authors' code (kind AS_RELEASED), not the paper's claim.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lowcap.core import stats
from lowcap.claims.registry import (AS_RELEASED, INCONCLUSIVE, NOT_REPRODUCED, NOT_TESTABLE, PAPER, PARTLY,
                                    REPRODUCED, Result, Study, claim)
from lowcap.core.stats import ABOVE, BELOW, Estimate

AS_RELEASED_SCHEMES = ("as-released",)  # schemes that run the authors' code's levels, not the paper's
CLAIMED = {95: None, 99: "0-1"}  # the paper's level -> the pair it is claimed on (None: every pair)
KEPT, LOST, UNDECIDED = "kept", "lost", "undecided"
NULL_SEED = 0  # seeds the permutation tests, the random maps and the bootstraps
RANDOM_MAPS = 1000  # random saliency maps in the stroke-focus null


# --------------------------------------------------------------------------- pruning keeps F1


def requested_level(rules: dict, scheme: str, paper_level: int) -> float:
    """The requested level that stands for the paper's `paper_level` under `scheme`."""
    return float(rules["pruning_levels"].get(scheme, {}).get(str(paper_level), paper_level))


def paired_change(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Per checkpoint at `level`: change = pruned − dense validation F1 in points (of 100), the
    magnitude and random-null F1, and the sparsity achieved by each (measured from the weights)."""
    keys = ["pair", "width", "seed"]
    dense = table[table["requested_sparsity"] == 0].set_index(keys)["val_f1"]
    at = table[table["requested_sparsity"] == level].set_index(keys)
    out = pd.DataFrame({"change": 100 * (at["val_f1"] - dense.reindex(at.index)), "magnitude_f1": at["val_f1"],
                        "achieved": at["sparsity_total"]})
    if "random_val_f1" in at:
        out["random_f1"] = at["random_val_f1"]
        out["random_achieved"] = at["random_sparsity_total"]
    return out.reset_index()


def stratum_calls(change: pd.DataFrame, margin: float, confidence: float) -> pd.DataFrame:
    """Per (pair, width): the Student-t interval over seeds of the change, and the call: kept (the
    whole interval above −margin), lost (wholly below), undecided (it spans −margin, or fewer than
    two seeds: one seed has no interval)."""
    rows = []
    for (pair, width), g in change.groupby(["pair", "width"], sort=False):
        e = stats.t_interval(g["change"], confidence, (-100, 100))
        side = e.side(-margin) if e.n >= 2 else None
        rows.append({"pair": pair, "width": width, "estimate": e,
                     "call": KEPT if side == ABOVE else LOST if side == BELOW else UNDECIDED})
    return pd.DataFrame(rows)


def equivalence_verdict(calls) -> str:
    """Reproduced: every stratum kept; partly: some kept and some lost; not reproduced: some lost
    and none kept (the claim fails decisively where it is decided, and holds nowhere); inconclusive
    otherwise (none lost, some undecided)."""
    calls = list(calls)
    if not calls:
        return NOT_TESTABLE
    kept, lost = calls.count(KEPT), calls.count(LOST)
    if kept == len(calls):
        return REPRODUCED
    if lost:
        return PARTLY if kept else NOT_REPRODUCED
    return INCONCLUSIVE


def magnitude_vs_random(change: pd.DataFrame, confidence: float, n_resamples: int = 2000) -> Estimate | None:
    """Probability of improvement (rliable) of magnitude over random pruning's F1, seeds × strata;
    None when the table has no random null."""
    if "random_f1" not in change:
        return None
    wide = {col: change.pivot_table(index="seed", columns=["pair", "width"], values=col) for col in
            ("magnitude_f1", "random_f1")}
    complete = wide["magnitude_f1"].notna().all() & wide["random_f1"].notna().all()
    x, y = (wide[c].loc[:, complete].to_numpy() for c in ("magnitude_f1", "random_f1"))
    return stats.probability_of_improvement(x, y, confidence, seed=NULL_SEED, n_resamples=n_resamples)


def _span(values: pd.Series, suffix: str = "%") -> str:
    lo, hi = float(values.min()), float(values.max())
    return f"{lo:.4g}{suffix}" if f"{lo:.4g}" == f"{hi:.4g}" else f"{lo:.4g}–{hi:.4g}{suffix}"


def pruning_cell(change: pd.DataFrame, calls: pd.DataFrame, overall: Estimate, versus: Estimate | None,
                 verdict: str, margin: float, width: str = "w") -> tuple[str, str]:
    """The claims table's `measured` and `null` cells of one pruning claim (`width`: how a width
    is named, w for hidden units, C = for channels)."""
    worst = calls.loc[calls["estimate"].map(lambda e: e.value).idxmin()]
    counts = calls["call"].value_counts()
    text = (f"mean change {overall.show(3)} F1 points; per stratum (margin −{margin:g}): "
            f"{counts.get(KEPT, 0)} kept, {counts.get(LOST, 0)} lost, {counts.get(UNDECIDED, 0)} undecided of "
            f"{len(calls)}; worst {worst['pair']} {width}{worst['width']}: {worst['estimate'].show(3)}; "
            f"achieved sparsity {_span(change['achieved'])} (measured)")
    if versus is None:
        return text, "random pruning at the same achieved sparsity: not in this study's pruning tables"
    text += f"; P(magnitude > random pruning) {versus.show(2)}"
    if verdict in (REPRODUCED, PARTLY) and versus.side(0.5) != ABOVE:
        text += "; kept, but magnitude pruning does not beat random pruning"
    null = (f"random pruning at the same achieved sparsity, layer by layer, seeded ({_span(change['random_achieved'])} "
            f"measured): {versus.method}")
    return text, null


def pruning_result(study: Study, rules: dict, scheme: str, paper_level: int, kind: str) -> Result:
    """One pruning claim (scheme, the paper's level) of one study."""
    level = requested_level(rules, scheme, paper_level)
    pair = CLAIMED[paper_level]
    table = study["pruning"][scheme]
    margin, conf = rules["pruning_margin_points"], rules["confidence"]
    where = "every pair" if pair is None else pair
    if kind == AS_RELEASED:
        text = (f"the authors' released code ({scheme}: its \"{paper_level}%\" prunes {level:g}% of each layer) keeps "
                f"validation F1 ({where}): checks the authors' code, not the paper's claim")
    else:
        text = (f"one-shot magnitude pruning ({scheme}) keeps validation F1 at {paper_level}% ({where}; requested "
                f"{level:g}): the change pruned − dense stays above −{margin:g} F1 points")
    cid = f"pruning_{scheme}_{paper_level}"
    if pair is not None:
        table = table[table["pair"] == pair]
    if table.empty or level not in set(table["requested_sparsity"]):
        why = f"not testable: no pruning rows at requested level {level:g} ({where})"
        return Result(cid, text, "F1 kept", NOT_TESTABLE, "—", "—", "—", "—", note=why, kind=kind)
    change = paired_change(table, level)
    calls = stratum_calls(change, margin, conf)
    verdict = equivalence_verdict(calls["call"])
    overall = stats.stratified_bootstrap([g["change"].to_numpy() for _, g in change.groupby(["pair", "width"])],
                                         conf, seed=NULL_SEED, n_resamples=rules["bootstrap_resamples"],
                                         bounds=(-100, 100))
    versus = magnitude_vs_random(change, conf, rules["bootstrap_resamples"])
    measured, null = pruning_cell(change, calls, overall, versus, verdict, margin,
                                  "C = " if study.architecture == "cnn" else "w")
    test = (f"equivalence per (pair, width): {conf:.0%} Student-t interval over seeds of the seed-paired change in "
            f"validation F1 (pruned − dense), kept if wholly above −{margin:g} points, lost if wholly below; the "
            f"mean over strata: {overall.method}")
    return Result(cid, text, "F1 kept (change ≈ 0)", verdict, measured, test, null, overall.n_text(),
                  estimate=overall, kind=kind)


def _schemes(study: Study, as_released: bool) -> list[str]:
    return [s for s in (study.tables.get("pruning") or {}) if (s in AS_RELEASED_SCHEMES) == as_released]


@claim(PAPER, lambda study: [f"pruning_{s}_{lvl}" for s in _schemes(study, False) for lvl in CLAIMED],
       needs=("pruning",))
def pruning_keeps_f1(study: Study, rules: dict) -> list[Result]:
    """One-shot magnitude pruning keeps performance at the paper's 95% (every pair) and 99% (0-1),
    per pruning scheme, at the requested level claims.pruning_levels maps the paper's level to.

    Evidence: per (pair, width) stratum, the seed-paired change of validation F1, pruned − dense,
    in F1 points; the achieved sparsity measured from the pruned weights.

    Null: random pruning at the same achieved sparsity, layer by layer, seeded (ShrinkBench's sanity
    baseline): the probability of improvement of magnitude over random pruning is shown, and a
    "kept" that does not beat random pruning says so.

    Test: per stratum, the Student-t interval over seeds of the change, against the equivalence
    margin −pruning_margin_points; the mean over strata with a stratified bootstrap over seeds.

    Rule: a stratum is kept if the whole interval of its change is above −pruning_margin_points,
    lost if wholly below, undecided otherwise (or with fewer than two seeds). Reproduced if every
    stratum is kept; partly if some are kept and others lost; not reproduced if some are lost and
    none kept; inconclusive otherwise (none lost, some undecided).
    """
    return [pruning_result(study, rules, s, lvl, PAPER) for s in _schemes(study, False) for lvl in CLAIMED]


@claim(AS_RELEASED, lambda study: [f"pruning_{s}_{lvl}" for s in _schemes(study, True) for lvl in CLAIMED],
       needs=("pruning",))
def pruning_as_released(study: Study, rules: dict) -> list[Result]:
    """The as-released scheme: the authors' code's levels (its "95%" prunes 0.95% of each layer).
    These rows check the authors' code, not the paper's claim.

    Evidence: as pruning_keeps_f1, at the as-released levels: the seed-paired change of validation
    F1 (pruned - dense, points) per (pair, width) stratum.

    Null: random pruning at the same achieved sparsity.

    Test: a Student-t interval over seeds per stratum, against -pruning_margin_points.

    Rule: a stratum is kept if the whole interval of its change is above −pruning_margin_points,
    lost if wholly below, undecided otherwise. Reproduced (the authors' code keeps F1) if every
    stratum is kept; partly if some are kept and others lost; not reproduced if some are lost and
    none kept; inconclusive otherwise (none lost, some undecided).
    """
    return [pruning_result(study, rules, s, lvl, AS_RELEASED) for s in _schemes(study, True) for lvl in CLAIMED]


# --------------------------------------------------------------------------- dead or disconnected units


@claim(PAPER, ("dead_neurons",), needs=("dead_neurons",), architectures=("mlp",))
def dead_neurons(study: Study, rules: dict) -> Result:
    """No dead neurons after 95% pruning in the paper's Table 1 rows.

    Evidence: per seed of each paper row, the hidden units that are dead (ReLU zero on every
    validation input) or cut off (every incoming weight, or the output weight, pruned): either way
    they cannot carry the input to the prediction. Tables built before that count existed give
    max(dead, no output weight), a lower bound.

    Null: none: the paper's number is 0; a count has no sampling interval on its own split.

    Test: the count per seed, against claims.dead_neurons_max.

    Rule: reproduced if every seed of every paper row has at most dead_neurons_max units dead or cut
    off; not reproduced if any seed has more; inconclusive when only the lower bound is known and it
    is within dead_neurons_max (units cut off from their input may be missed).
    """
    dead = study["dead_neurons"]
    rows = dead[dead["paper_row"].astype(str) == "True"]
    cid, text = "dead_neurons", "no hidden unit is dead or cut off after 95% pruning in the paper's rows (per seed)"
    if rows.empty:
        return Result(cid, text, "0", NOT_TESTABLE, "—", "—", "—", "—",
                      note="not testable: no paper rows in the grid")
    exact = "dead_or_disconnected_units_after" in rows
    either = (rows["dead_or_disconnected_units_after"] if exact
              else rows[["dead_units_after", "disconnected_units_after"]].max(axis=1))
    over = bool((either > rules["dead_neurons_max"]).any())
    verdict = NOT_REPRODUCED if over else REPRODUCED if exact else INCONCLUSIVE
    joined = lambda v: "/".join(str(int(x)) for x in v)  # noqa: E731
    cells = []
    for (pair, width), g in rows.assign(either=either).groupby(["pair", "width"], sort=False):
        g = g.sort_values("seed")
        cells.append(f"{pair} w{width}: dead {joined(g['dead_units_after'])}, dead or cut off "
                     f"{'' if exact else '≥ '}{joined(g['either'])}")
    value = float(either.max())
    return Result(cid, text, "0 dead", verdict, "; ".join(cells), f"count per seed ≤ {rules['dead_neurons_max']}",
                  "none (the paper's value is 0)", f"{rows['seed'].nunique()} seeds × {len(cells)} paper rows",
                  estimate=Estimate(value, value, value, len(rows), "checkpoints", "a count: no interval"))


# --------------------------------------------------------------------------- one model: t-SNE and saliency


@claim(PAPER, ("representation",), needs=("tsne",), architectures=("mlp",))
def representation(study: Study, rules: dict) -> Result:
    """The pruned network keeps its hidden representation (the t-SNE model of Fig. 5).

    Evidence: linear CKA of the pruned and the dense model's hidden activations on the model's
    validation images (tables/tsne_similarity.csv, role "pruned").

    Null: the same CKA of the dense model with its own untrained initial weights and with other
    seeds' trained models of the same pair and width (role "baseline").

    Test: comparison with the configured level and with the best null; one model, so no interval.

    Rule: reproduced if the CKA is at least representation_cka and above every null; not reproduced
    if it is at or below the best null; inconclusive otherwise (above every null, below the level),
    or when the CKA or every null is undefined.
    """
    sim = study["tsne"]
    pruned = sim[sim["role"] == "pruned"].iloc[0]
    nulls = sim[sim["role"] == "baseline"].dropna(subset=["linear_cka"])
    cka, line = float(pruned["linear_cka"]), rules["representation_cka"]
    best = float(nulls["linear_cka"].max()) if len(nulls) else math.nan
    if math.isnan(cka) or math.isnan(best):
        verdict = INCONCLUSIVE
    else:
        verdict = NOT_REPRODUCED if cka <= best else REPRODUCED if cka >= line else INCONCLUSIVE
    shown = "; ".join(f"{r.comparison} {r.linear_cka:.3g}" for r in nulls.itertuples())
    return Result("representation", f"the pruned network keeps its hidden representation (linear CKA with the dense "
                  f"one ≥ {line:g} and above its nulls; pair {pruned['pair']}, width {pruned['width']})",
                  "kept (t-SNE alike)", verdict,
                  f"CKA {cka:.3g}, {cka - best:+.2g} over the best null (kNN overlap {pruned['knn_overlap']:.2f}); "
                  f"nulls: {shown or 'none'}",
                  f"CKA ≥ {line:g} and > the best null (one model: no interval)",
                  "the untrained initial weights; other seeds' trained models", "one model: n = 1 network",
                  estimate=Estimate(cka, cka, cka, 1, "network", "one model: no interval"))


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(np.ravel(a), np.ravel(b)).statistic)


def shuffle_p_value(dense_map: np.ndarray, pruned_map: np.ndarray, rng, n_resamples: int = 999) -> float:
    """One-sided permutation p-value (scipy.stats.permutation_test) that the pruned map's pixels,
    shuffled, correlate with the dense map as well as they do in place. Spearman's ρ is Pearson's r
    of the ranks, and shuffling pixels shuffles their ranks: the ranks are taken once, and every
    resample is scored at once (scipy.stats.pearsonr along the last axis)."""
    from scipy.stats import pearsonr, permutation_test, rankdata

    dense, pruned = rankdata(np.ravel(dense_map)), rankdata(np.ravel(pruned_map))

    def rho(p, axis=-1):
        return pearsonr(np.broadcast_to(dense, p.shape), p, axis=axis).statistic

    return float(permutation_test((pruned,), rho, permutation_type="pairings", n_resamples=n_resamples,
                                  alternative="greater", vectorized=True, rng=rng).pvalue)


def map_similarity(cases: pd.DataFrame, maps: dict, method: str = "gradient") -> pd.DataFrame:
    """Per image the pruned model explains (Fig. 8's pruned rows): Spearman of its dense and pruned
    maps (rho), the best Spearman of its pruned map with another image's dense map (rho_other), and
    the shuffled-pixel permutation p-value."""
    cases = cases.reset_index(drop=True)
    dense = cases.index[cases["model"] == "dense"]
    rng = np.random.default_rng(NULL_SEED)
    rows = []
    for i in cases.index[cases["model"] == "pruned"]:
        own = dense[cases.loc[dense, "val_index"].to_numpy() == cases.loc[i, "val_index"]][0]
        pruned = maps[method][i]
        if np.ptp(pruned) == 0 or np.ptp(maps[method][own]) == 0:
            # A constant map (no output weight left) ranks no pixel above another: it shares no
            # ordering with the dense map (ρ 0), and no shuffle can do worse than it (p 1).
            rows.append({"val_index": int(cases.loc[i, "val_index"]), "rho": 0.0, "rho_other": 0.0, "p_shuffled": 1.0})
            continue
        others = [_spearman(maps[method][j], pruned) for j in dense if j != own and np.ptp(maps[method][j]) > 0]
        rows.append({"val_index": int(cases.loc[i, "val_index"]), "rho": _spearman(maps[method][own], pruned),
                     "rho_other": max(others) if others else math.nan,
                     "p_shuffled": shuffle_p_value(maps[method][own], pruned, rng)})
    return pd.DataFrame(rows, columns=["val_index", "rho", "rho_other", "p_shuffled"])


def reasoning_verdict(rho: Estimate, gap: Estimate, beats_shuffle: bool, line: float) -> str:
    """See `reasoning`'s rule."""
    if rho.n < 2:
        return INCONCLUSIVE
    if rho.side(line) == BELOW or gap.side(0) == BELOW:
        return NOT_REPRODUCED
    if rho.side(line) == ABOVE and gap.side(0) == ABOVE and beats_shuffle:
        return REPRODUCED
    return INCONCLUSIVE


@claim(PAPER, ("reasoning",), needs=("saliency_cases", "saliency_maps"), architectures=("mlp",))
def reasoning(study: Study, rules: dict) -> Result:
    """The pruned network keeps its reasoning (Fig. 8's model: its saliency maps stay alike).

    Evidence: per image the pruned model is shown on (Fig. 8's correctly classified images), the
    Spearman correlation over pixels of its dense and pruned gradient maps.

    Null: the same pruned map with its pixels shuffled (a seeded permutation test per image), and
    another image's dense map (the best of them): a pruned map that matches any image's dense map as
    well as its own keeps no image-specific reasoning. Another seed's dense maps of the same images
    are not built by the saliency job (it loads one checkpoint), so that null is not used.

    Test: Student-t intervals over images (confidence) of the correlation and of its gap over the
    other-image null; permutation p-values below alpha.

    Rule: reproduced if the whole interval of the correlation is above saliency_spearman, the whole
    interval of the gap above 0, and every image beats the shuffled null; not reproduced if the
    whole interval of the correlation is below saliency_spearman or that of the gap below 0;
    inconclusive otherwise (and with fewer than two images: one image has no interval).
    """
    conf, line = rules["confidence"], rules["saliency_spearman"]
    per_image = map_similarity(study["saliency_cases"], study["saliency_maps"])
    rho = stats.t_interval(per_image["rho"], conf, (-1, 1), unit="images")
    gap = stats.t_interval(per_image["rho"] - per_image["rho_other"], conf, (-2, 2), unit="images")
    beats_shuffle = bool(len(per_image)) and bool((per_image["p_shuffled"] < rules["alpha"]).all())
    verdict = reasoning_verdict(rho, gap, beats_shuffle, line)
    measured = (f"ρ {rho.show(2)}; minus another image's dense map {gap.show(2)}; shuffled pixels: p "
                + ", ".join(f"{p:.3g}" for p in per_image["p_shuffled"]))
    return Result("reasoning", f"the pruned network keeps its reasoning (Spearman of dense and pruned gradient "
                  f"saliency maps ≥ {line:g}, above its nulls)", "kept (maps alike)", verdict, measured,
                  f"{rho.method}; permutation test per image (999 seeded shuffles, one-sided)",
                  "the pruned map with shuffled pixels; another image's dense map (another seed's maps: not built)",
                  f"{rho.n_text()} of one model", estimate=rho)


def stroke_focus(images: np.ndarray, maps: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per image: (share of saliency mass on stroke pixels) / (share of pixels that are strokes).
    Stroke pixels: intensity > threshold. 1.0: the map is no more on the strokes than anywhere else."""
    images = np.asarray(images, dtype=float).reshape(len(images), -1)
    maps = np.abs(np.asarray(maps, dtype=float)).reshape(len(maps), -1)
    strokes = images > threshold
    with np.errstate(invalid="ignore", divide="ignore"):  # an image with no stroke (or a zero map): NaN
        mass = (maps * strokes).sum(1) / maps.sum(1)
        return mass / strokes.mean(1)


def random_focus_null(images: np.ndarray, draws: int = RANDOM_MAPS, seed: int = NULL_SEED) -> np.ndarray:
    """The mean stroke focus over `images` of `draws` sets of seeded uniform random maps."""
    images = np.asarray(images, dtype=float).reshape(len(images), -1)
    noise = np.random.default_rng(seed).random((draws * len(images), images.shape[1]))
    return stroke_focus(np.tile(images, (draws, 1)), noise).reshape(draws, len(images)).mean(axis=1)


@claim(PAPER, ("strokes",), needs=("saliency_cases", "saliency_maps"), architectures=("mlp",))
def strokes(study: Study, rules: dict) -> Result:
    """Saliency focuses on the digit's strokes (Fig. 8's dense model).

    Evidence: per image of Fig. 8 under the dense model, the stroke focus of its gradient map: the
    share of saliency mass on stroke pixels (intensity > 0.5) over the share of stroke pixels
    (1: no focus).

    Null: the mean stroke focus of seeded uniform random maps on the same images, RANDOM_MAPS
    draws; the line to beat is its upper `confidence` quantile.

    Test: Student-t interval over images (confidence) of the stroke focus, against the line
    max(stroke_focus_min, the null's upper quantile).

    Rule: reproduced if the whole interval is above both stroke_focus_min and the null's upper
    quantile; not reproduced if it is wholly below either; inconclusive otherwise (and with fewer
    than two images).
    """
    cases, maps = study["saliency_cases"].reset_index(drop=True), study["saliency_maps"]
    dense = (cases["model"] == "dense").to_numpy()
    focus = stroke_focus(maps["image"][dense], maps["gradient"][dense])
    null = random_focus_null(maps["image"][dense])
    null_line = float(np.quantile(null, rules["confidence"]))
    line = max(rules["stroke_focus_min"], null_line)
    e = stats.t_interval(focus, rules["confidence"], (0, math.inf), unit="images")
    side = e.side(line) if e.n >= 2 else None
    verdict = REPRODUCED if side == ABOVE else NOT_REPRODUCED if side == BELOW else INCONCLUSIVE
    return Result("strokes", f"saliency focuses on the digit's strokes (stroke focus of the dense gradient maps > "
                  f"{rules['stroke_focus_min']:g} and above random maps; 1 = none)", "human-like, on the strokes",
                  verdict, f"{e.show(3)} (random maps: upper {rules['confidence']:.0%} quantile {null_line:.3f})",
                  e.method, f"{RANDOM_MAPS} seeded uniform random maps per image (mean over images)",
                  f"{e.n_text()} of one model", estimate=e)
