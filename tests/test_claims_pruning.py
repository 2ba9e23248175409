"""The pruning claims (lowcap.claims.pruning): evidence for every verdict each claim can give, the
rules' lines (inverting a comparison fails a test here), and noisier evidence never scoring higher."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from lowcap.claims import pruning as cp
from lowcap.claims.registry import (AS_RELEASED, FAVOUR, INCONCLUSIVE, NOT_REPRODUCED, NOT_TESTABLE, PAPER, PARTLY,
                                    REPRODUCED, Study)

RULES = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text())["claims"]
MARGIN = RULES["pruning_margin_points"]
SEEDS = (0, 42, 78)


def study(**tables) -> Study:
    return Study("test", ("0-1", "4-9"), "mlp", "train", tables)


def no_more_favourable(noisy: str, clean: str) -> bool:
    """A noisier copy may only score lower, or fall to inconclusive (its interval spans the line)."""
    return FAVOUR[noisy] <= FAVOUR[clean] or noisy == INCONCLUSIVE


# --------------------------------------------------------------------------- pruning keeps F1


def pruning_table(changes: dict, level: float = 95, random_drop: float = 10.0, dense: float = 0.9) -> pd.DataFrame:
    """A pair table: changes[(pair, width)] = per-seed change in F1 points at `level`; the random
    null loses `random_drop` points more than magnitude pruning."""
    rows = []
    for (pair, width), per_seed in changes.items():
        for seed, change in zip(SEEDS, per_seed):
            pruned = dense + change / 100
            common = {"pair": pair, "width": width, "seed": seed, "scope": "layer"}
            rows.append({**common, "requested_sparsity": 0, "val_f1": dense, "sparsity_total": 0.0,
                         "random_val_f1": dense, "random_sparsity_total": 0.0})
            rows.append({**common, "requested_sparsity": level, "val_f1": pruned, "sparsity_total": level - 0.01,
                         "random_val_f1": pruned - random_drop / 100, "random_sparsity_total": level - 0.01})
    return pd.DataFrame(rows)


KEPT = [-0.1, 0.0, 0.1]
LOST = [-10.0, -11.0, -9.0]
SPANS = [-5.0, 0.0, 3.0]
EVIDENCE = {  # verdict -> per-stratum changes at 95%
    REPRODUCED: {("0-1", 4): KEPT, ("4-9", 4): KEPT},
    NOT_REPRODUCED: {("0-1", 4): LOST, ("4-9", 4): LOST},
    PARTLY: {("0-1", 4): KEPT, ("4-9", 4): LOST},
    INCONCLUSIVE: {("0-1", 4): KEPT, ("4-9", 4): SPANS},
}


def test_pruning_lost_where_decided_and_kept_nowhere_is_not_reproduced():
    assert verdict_95({("0-1", 4): LOST, ("4-9", 4): SPANS}).verdict == NOT_REPRODUCED
    assert verdict_95({("0-1", 4): SPANS, ("4-9", 4): SPANS}).verdict == INCONCLUSIVE


def verdict_95(changes, scheme="per-layer", **kw) -> cp.Result:
    level = cp.requested_level(RULES, scheme, 95)
    table = pruning_table(changes, level, **kw)
    return cp.pruning_result(study(pruning={scheme: table}), RULES, scheme, 95, PAPER)


@pytest.mark.parametrize("verdict", list(EVIDENCE))
def test_pruning_gives_each_verdict(verdict):
    r = verdict_95(EVIDENCE[verdict])
    assert r.verdict == verdict, r.measured
    assert "F1 points" in r.measured and "achieved sparsity 94.99%" in r.measured  # measured, not requested
    assert r.n == "6 seeds in 2 strata"


def test_pruning_equality_with_the_margin_never_decides():
    # Three seeds all exactly at -margin: a point interval touching the line is undecided.
    at_line = pd.DataFrame({"pair": "0-1", "width": 4, "seed": SEEDS, "change": [-MARGIN] * 3})
    assert cp.stratum_calls(at_line, MARGIN, 0.95)["call"].tolist() == [cp.UNDECIDED]
    assert verdict_95({("0-1", 4): [-MARGIN + 0.01] * 3}).verdict == REPRODUCED
    assert verdict_95({("0-1", 4): [-MARGIN - 0.01] * 3}).verdict == NOT_REPRODUCED


def test_pruning_one_seed_has_no_interval_and_decides_nothing():
    table = pruning_table({("0-1", 4): KEPT})
    table = table[table["seed"] == 0]
    r = cp.pruning_result(study(pruning={"per-layer": table}), RULES, "per-layer", 95, PAPER)
    assert r.verdict == INCONCLUSIVE


@pytest.mark.parametrize("verdict", list(EVIDENCE))
@pytest.mark.parametrize("spread", [2, 5, 20, 100])
def test_pruning_noisier_evidence_never_scores_higher(verdict, spread):
    # The same stratum means, each seed's deviation from them `spread` times larger.
    noisy = {k: list(np.mean(v) + spread * (np.asarray(v) - np.mean(v))) for k, v in EVIDENCE[verdict].items()}
    assert no_more_favourable(verdict_95(noisy).verdict, verdict)
    if spread == 100 and verdict != INCONCLUSIVE:
        assert verdict_95(noisy).verdict == INCONCLUSIVE  # the check above is not vacuous


def test_pruning_beats_random_or_says_it_does_not():
    beats = verdict_95(EVIDENCE[REPRODUCED], random_drop=20.0)
    assert "P(magnitude > random pruning) 1" in beats.measured and "does not beat" not in beats.measured
    assert "random pruning at the same achieved sparsity" in beats.null and "94.99%" in beats.null
    ties = verdict_95(EVIDENCE[REPRODUCED], random_drop=0.0)
    assert ties.verdict == REPRODUCED and "does not beat random pruning" in ties.measured
    old = pruning_table(EVIDENCE[REPRODUCED]).drop(columns=["random_val_f1", "random_sparsity_total"])
    r = cp.pruning_result(study(pruning={"per-layer": old}), RULES, "per-layer", 95, PAPER)
    assert r.verdict == REPRODUCED and "not in this study's pruning tables" in r.null


def test_pruning_99_is_judged_on_0_1_only():
    table = pruning_table({("0-1", 4): KEPT, ("4-9", 4): LOST}, 99)
    r = cp.pruning_result(study(pruning={"per-layer": table}), RULES, "per-layer", 99, PAPER)
    assert r.verdict == REPRODUCED and r.claim_id == "pruning_per-layer_99"
    missing = cp.pruning_result(study(pruning={"per-layer": pruning_table({("0-1", 4): KEPT})}), RULES,
                                "per-layer", 99, PAPER)
    assert missing.verdict == NOT_TESTABLE


def test_pruning_registered_kinds_per_scheme():
    tables = {"per-layer": pruning_table(EVIDENCE[PARTLY]), "as-released": pruning_table(EVIDENCE[REPRODUCED], 0.95)}
    paper = cp.pruning_keeps_f1(study(pruning=tables), RULES)
    released = cp.pruning_as_released(study(pruning=tables), RULES)
    assert [(r.claim_id, r.kind) for r in paper] == [("pruning_per-layer_95", PAPER), ("pruning_per-layer_99", PAPER)]
    assert [r.verdict for r in paper] == [PARTLY, NOT_TESTABLE]
    assert released[0].claim_id == "pruning_as-released_95" and released[0].kind == AS_RELEASED
    assert released[0].verdict == REPRODUCED and "checks the authors' code, not the paper's claim" in released[0].claim


# --------------------------------------------------------------------------- dead or disconnected units


def dead_table(dead, either, paper=True, with_either=True) -> pd.DataFrame:
    rows = [{"paper_row": paper, "pair": "0-1", "width": 12, "seed": s, "dead_units_after": d,
             "disconnected_units_after": 0, "dead_or_disconnected_units_after": e}
            for s, d, e in zip(SEEDS, dead, either)]
    table = pd.DataFrame(rows)
    return table if with_either else table.drop(columns="dead_or_disconnected_units_after")


@pytest.mark.parametrize("dead, either, exact, verdict", [
    ([0, 0, 0], [0, 0, 0], True, REPRODUCED),
    ([0, 0, 0], [11, 0, 0], True, NOT_REPRODUCED),  # finding 5: alive, but cut off from the output
    ([0, 1, 0], [0, 1, 0], True, NOT_REPRODUCED),
    ([0, 0, 0], [0, 0, 0], False, INCONCLUSIVE),  # an old table: units cut off from their input unknown
    ([0, 2, 0], [0, 2, 0], False, NOT_REPRODUCED),
])
def test_dead_neurons_counts_dead_or_cut_off(dead, either, exact, verdict):
    r = cp.dead_neurons(study(dead_neurons=dead_table(dead, either, with_either=exact)), RULES)
    assert r.verdict == verdict
    assert r.measured.startswith("0-1 w12: dead " + "/".join(map(str, dead)))


def test_dead_neurons_without_paper_rows_is_not_testable():
    assert cp.dead_neurons(study(dead_neurons=dead_table([0] * 3, [0] * 3, paper=False)), RULES).verdict == NOT_TESTABLE


# --------------------------------------------------------------------------- representation


def similarity(pruned: float, nulls: tuple[float, ...] = (0.5, 0.76)) -> pd.DataFrame:
    rows = [{"role": "reference", "comparison": "dense (reference)", "linear_cka": 1.0, "knn_overlap": 1.0},
            {"role": "pruned", "comparison": "pruned 95% (layer)", "linear_cka": pruned, "knn_overlap": 0.3}]
    rows += [{"role": "baseline", "comparison": f"null {i}", "linear_cka": v, "knn_overlap": 0.1}
             for i, v in enumerate(nulls)]
    return pd.DataFrame(rows).assign(pair="4-9", width=24, seed=0)


@pytest.mark.parametrize("cka, nulls, verdict", [
    (0.95, (0.5, 0.76), REPRODUCED),
    (0.67, (0.5, 0.76), NOT_REPRODUCED),  # finding 5: the untrained weights score higher
    (0.76, (0.5, 0.76), NOT_REPRODUCED),  # at the null: not above it
    (0.92, (0.5, 0.95), NOT_REPRODUCED),  # above the level, below a null
    (0.80, (0.5, 0.76), INCONCLUSIVE),  # above every null, below the level
    (0.90, (0.5, 0.76), REPRODUCED),  # at the level counts
    (float("nan"), (0.5,), INCONCLUSIVE),
])
def test_representation_against_its_nulls(cka, nulls, verdict):
    r = cp.representation(study(tsne=similarity(cka, nulls)), RULES)
    assert r.verdict == verdict and r.n == "one model: n = 1 network"


def test_representation_is_monotone_in_the_evidence_and_the_null():
    grid = np.linspace(0, 1, 41)
    by_cka = [FAVOUR[cp.representation(study(tsne=similarity(c)), RULES).verdict] for c in grid]
    by_null = [FAVOUR[cp.representation(study(tsne=similarity(0.93, (0.1, n))), RULES).verdict] for n in grid]
    assert by_cka == sorted(by_cka) and by_null == sorted(by_null, reverse=True)


# --------------------------------------------------------------------------- saliency: reasoning and strokes


def saliency_tables(pruned_maps: list[np.ndarray], dense_maps: list[np.ndarray], extra_dense: np.ndarray,
                    images: np.ndarray | None = None) -> dict:
    """Fig. 8's cases: one dense and one pruned row per image, and one more dense image (the
    misclassified one), with the maps stacked in row order."""
    n = len(pruned_maps)
    cases = pd.DataFrame([{"model": "dense", "val_index": i} for i in range(n + 1)]
                         + [{"model": "pruned", "val_index": i} for i in range(n)])
    images = images if images is not None else np.zeros((n + 1, 28, 28))
    gradient = np.stack([*dense_maps, extra_dense, *pruned_maps])
    return {"saliency_cases": cases,
            "saliency_maps": {"gradient": gradient, "image": np.concatenate([images, images[:n]])}}


def base_maps(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28))


def reasoning_case(noise: float, n: int = 4, shared: float | None = None) -> dict:
    """Pruned map = own dense map + `noise` × fresh noise. With `shared`: every dense map is one
    map G plus `shared` × its own noise, the pruned maps are G, and the extra dense image is G itself."""
    rng = np.random.default_rng(2)
    dense = base_maps(n + 1)
    if shared is not None:
        common = base_maps(1, 3)[0]
        dense = common + shared * dense
        dense[-1] = common
        return saliency_tables([common] * n, list(dense[:n]), dense[-1])
    pruned = [d + noise * rng.random((28, 28)) for d in dense[:n]]
    return saliency_tables(pruned, list(dense[:n]), dense[-1])


@pytest.mark.parametrize("tables, verdict", [
    (reasoning_case(0.1), REPRODUCED),
    (reasoning_case(50.0), NOT_REPRODUCED),  # ρ ≈ 0: wholly below saliency_spearman
    (reasoning_case(0.0, shared=0.5), NOT_REPRODUCED),  # ρ high, but another image's map fits better
    (reasoning_case(0.1, n=1), INCONCLUSIVE),  # one image: no interval
], ids=["alike", "unrelated", "one-map-for-all", "one-image"])
def test_reasoning_gives_each_verdict(tables, verdict):
    r = cp.reasoning(study(**tables), RULES)
    assert r.verdict == verdict, r.measured


def test_reasoning_the_other_image_null_decides_alone():
    tables = reasoning_case(0.0, shared=0.5)
    per_image = cp.map_similarity(tables["saliency_cases"], tables["saliency_maps"])
    assert (per_image["rho"] > RULES["saliency_spearman"] + 0.2).all()  # the level alone would pass it
    assert (per_image["rho_other"] > per_image["rho"]).all()


def test_reasoning_verdict_needs_every_null_beaten():
    from lowcap.core.stats import Estimate

    est = lambda v, lo, hi: Estimate(v, lo, hi, 4, "images", "t")  # noqa: E731
    high, above, spans, below = est(0.9, 0.85, 0.95), est(0.5, 0.4, 0.6), est(0.05, -0.1, 0.2), est(-0.3, -0.4, -0.2)
    assert cp.reasoning_verdict(high, above, True, 0.5) == REPRODUCED
    assert cp.reasoning_verdict(high, spans, True, 0.5) == INCONCLUSIVE  # as alike as another image's map
    assert cp.reasoning_verdict(high, above, False, 0.5) == INCONCLUSIVE  # a shuffled map does as well
    assert cp.reasoning_verdict(high, below, True, 0.5) == NOT_REPRODUCED
    assert cp.reasoning_verdict(est(0.5, 0.45, 0.55), above, True, 0.5) == INCONCLUSIVE  # spans the level


def test_reasoning_constant_pruned_maps_are_not_alike():
    dense = base_maps(3)
    tables = saliency_tables([np.zeros((28, 28))] * 2, list(dense[:2]), dense[2])
    per_image = cp.map_similarity(tables["saliency_cases"], tables["saliency_maps"])
    assert per_image["rho"].tolist() == [0.0, 0.0] and per_image["p_shuffled"].tolist() == [1.0, 1.0]
    assert cp.reasoning(study(**tables), RULES).verdict == NOT_REPRODUCED


def test_reasoning_spanning_interval_is_inconclusive():
    dense = base_maps(3)
    rng = np.random.default_rng(5)
    pruned = [dense[0] + 0.05 * rng.random((28, 28)), dense[1] + 3.0 * rng.random((28, 28))]  # ρ ≈ 1 and ≈ 0.3
    assert cp.reasoning(study(**saliency_tables(pruned, list(dense[:2]), dense[2])), RULES).verdict == INCONCLUSIVE


def never_more_favourable_along(verdicts: list[str]) -> bool:
    return all(no_more_favourable(b, a) for a, b in zip(verdicts, verdicts[1:]))


def test_reasoning_noisier_maps_never_score_higher():
    verdicts = [cp.reasoning(study(**reasoning_case(noise)), RULES).verdict
                for noise in (0.1, 0.5, 1.0, 3.0, 10.0, 50.0)]
    assert verdicts[0] == REPRODUCED and verdicts[-1] == NOT_REPRODUCED
    assert never_more_favourable_along(verdicts), verdicts


def test_shuffled_null_is_a_seeded_permutation_test():
    dense, other = base_maps(2)
    p_same = cp.shuffle_p_value(dense, dense + 0.01 * other, np.random.default_rng(0))
    assert p_same == pytest.approx(1 / 1000)  # no shuffle reaches the observed ρ: (0 + 1) / (999 + 1)
    p_unrelated = cp.shuffle_p_value(dense, other, np.random.default_rng(0))
    assert p_unrelated > 0.05
    assert p_unrelated == cp.shuffle_p_value(dense, other, np.random.default_rng(0))


def stroke_images(n: int) -> np.ndarray:
    images = np.zeros((n, 28, 28))
    for i in range(n):
        images[i, 8:20, 10 + i:14 + i] = 1.0  # 48 stroke pixels of 784
    return images


def stroke_case(on_strokes: list[float], noise: float = 0.0) -> dict:
    """Dense maps: `on_strokes[i]` on the stroke pixels plus 1 everywhere, plus `noise` × noise."""
    images = stroke_images(len(on_strokes))
    rng = np.random.default_rng(4)
    dense = [a * images[i] + 1.0 + noise * rng.random((28, 28)) for i, a in enumerate(on_strokes)]
    return saliency_tables(dense[:-1], dense[:-1], dense[-1], images)


def test_stroke_focus_is_one_without_focus_and_higher_on_the_strokes():
    image = stroke_images(1)
    assert cp.stroke_focus(image, np.ones((1, 28, 28)))[0] == pytest.approx(1.0)  # float64 sums of ones
    assert cp.stroke_focus(image, image + 0.01)[0] > 10


@pytest.mark.parametrize("amounts, rules, verdict", [
    ([4.0, 4.2, 3.9], {}, REPRODUCED),
    ([0.0, 0.0, 0.0], {}, NOT_REPRODUCED),  # focus exactly 1
    ([0.1, 0.3, 0.2], {}, NOT_REPRODUCED),
    ([0.0, 1.0, 12.0], {}, INCONCLUSIVE),
    ([4.0], {}, INCONCLUSIVE),  # one image
    ([0.02, 0.03, 0.025], {"stroke_focus_min": 0.5}, NOT_REPRODUCED),  # above the level, not above random maps
], ids=["focused", "flat", "weak", "spread", "one-image", "random-level"])
def test_strokes_gives_each_verdict(amounts, rules, verdict):
    r = cp.strokes(study(**stroke_case(amounts)), {**RULES, **rules})
    assert r.verdict == verdict, r.measured


def test_strokes_random_maps_never_pass_whatever_the_level():
    images = stroke_images(3)
    noise = np.random.default_rng(9).random((3, 28, 28))
    for level in (0.0, 0.5, 1.0):
        tables = saliency_tables(list(noise[:2]), list(noise[:2]), noise[2], images)
        assert cp.strokes(study(**tables), {**RULES, "stroke_focus_min": level}).verdict != REPRODUCED


def test_strokes_null_is_seeded_and_centred_on_one():
    images = stroke_images(3)
    null = cp.random_focus_null(images)
    assert np.array_equal(null, cp.random_focus_null(images))  # bit-identical
    assert len(null) == cp.RANDOM_MAPS
    # A uniform map's focus is 1 in expectation; 1000 draws of 784 pixels: mean within 0.01.
    assert abs(null.mean() - 1) < 0.01 and np.quantile(null, 0.95) > null.mean()


def test_strokes_noisier_maps_never_score_higher():
    verdicts = [cp.strokes(study(**stroke_case([4.0, 4.2, 3.9], noise)), RULES).verdict
                for noise in (0.0, 0.5, 2.0, 10.0, 100.0)]
    assert verdicts[0] == REPRODUCED and verdicts[-1] == NOT_REPRODUCED
    assert never_more_favourable_along(verdicts), verdicts


# --------------------------------------------------------------------------- through the registry


def test_registered_claims_through_evaluate(monkeypatch):
    from lowcap.claims import registry

    mine = [e for e in registry.REGISTRY if e.function.__module__ == cp.__name__]
    monkeypatch.setattr(registry, "REGISTRY", mine)
    tables = {"pruning": {"per-layer": pruning_table(EVIDENCE[PARTLY]),
                          "as-released": pruning_table(EVIDENCE[REPRODUCED], 0.95)},
              "dead_neurons": dead_table([0] * 3, [11] * 3), "tsne": similarity(0.67),
              **reasoning_case(0.1)}
    mlp = {r.claim_id: r for r in registry.evaluate(study(**tables), RULES)}
    assert {k: (r.kind, r.verdict) for k, r in mlp.items()} == {
        "pruning_per-layer_95": (PAPER, PARTLY), "pruning_per-layer_99": (PAPER, NOT_TESTABLE),
        "pruning_as-released_95": (AS_RELEASED, REPRODUCED), "pruning_as-released_99": (AS_RELEASED, NOT_TESTABLE),
        "dead_neurons": (PAPER, NOT_REPRODUCED), "representation": (PAPER, NOT_REPRODUCED),
        "reasoning": (PAPER, REPRODUCED), "strokes": (PAPER, INCONCLUSIVE)}  # blank images: no strokes, no focus
    assert all(r.rule and r.test and r.null and r.n for r in mlp.values() if r.verdict != NOT_TESTABLE)
    cnn = registry.evaluate(Study("cnn", ("0-1", "4-9"), "cnn", "train", {"pruning": tables["pruning"]}), RULES)
    verdicts = {r.claim_id: r.verdict for r in cnn}
    assert verdicts["pruning_per-layer_95"] == PARTLY  # pruning claims run for a CNN too
    assert all(verdicts[c] == NOT_TESTABLE for c in ("dead_neurons", "representation", "reasoning", "strokes"))


# --------------------------------------------------------------------------- the cells, word for word
# Added by mutation testing (issue #15): the claims table shows these strings, so each row's text,
# numbers and estimate are pinned here (with the rules they depend on pinned too).

PINNED = {**RULES, "confidence": 0.95, "alpha": 0.05, "bootstrap_resamples": 2000, "pruning_margin_points": 2,
          "pruning_levels": {"per-layer": {"95": 95, "99": 99}, "as-released": {"95": 0.95, "99": 0.99}},
          "dead_neurons_max": 0, "representation_cka": 0.9, "saliency_spearman": 0.5, "stroke_focus_min": 1.5}
PRUNING_TEST = ("equivalence per (pair, width): 95% Student-t interval over seeds of the seed-paired change in "
                "validation F1 (pruned − dense), kept if wholly above −2 points, lost if wholly below; the mean over "
                "strata: 95% stratified bootstrap (2000 resamples of seeds within strata)")
BOOTSTRAP = "95% stratified bootstrap (2000 resamples of seeds within strata)"


def fields(r) -> dict:
    return {k: v for k, v in r.__dict__.items() if k != "rule"}


def test_pruning_row_word_for_word():
    from lowcap.core.stats import Estimate

    table = pruning_table(EVIDENCE[PARTLY])
    r = cp.pruning_result(study(pruning={"per-layer": table}), PINNED, "per-layer", 95, PAPER)
    e = r.estimate
    assert fields(r) == {
        "claim_id": "pruning_per-layer_95",
        "claim": "one-shot magnitude pruning (per-layer) keeps validation F1 at 95% (every pair; requested 95): the "
                 "change pruned − dense stays above −2 F1 points",
        "paper": "F1 kept (change ≈ 0)", "verdict": PARTLY,
        "measured": "mean change -5 [-5.48, -4.52] F1 points; per stratum (margin −2): 1 kept, 1 lost, 0 undecided "
                    "of 2; worst 4-9 w4: -10 [-12.5, -7.52]; achieved sparsity 94.99% (measured); "
                    "P(magnitude > random pruning) 1",
        "test": PRUNING_TEST,
        "null": "random pruning at the same achieved sparsity, layer by layer, seeded (94.99% measured): probability "
                "of improvement (rliable), 95% stratified bootstrap",
        "n": "6 seeds in 2 strata", "estimate": Estimate(e.value, e.low, e.high, 6, "seeds in 2 strata", BOOTSTRAP),
        "note": "", "kind": PAPER}
    assert e.value == pytest.approx(-5.0) and (e.low, e.high) == (pytest.approx(-5.48333, abs=1e-4),
                                                                  pytest.approx(-4.51667, abs=1e-4))
    cnn = cp.pruning_result(Study("c", ("0-1", "4-9"), "cnn", "train", {"pruning": {"per-layer": table}}), PINNED,
                            "per-layer", 95, PAPER)
    assert "; worst 4-9 C = 4: -10 [-12.5, -7.52]; " in cnn.measured


def test_pruning_as_released_rows_word_for_word():
    tables = {"per-layer": pruning_table(EVIDENCE[PARTLY]), "as-released": pruning_table(EVIDENCE[REPRODUCED], 0.95)}
    rows = cp.pruning_as_released(study(pruning=tables), PINNED)
    assert (rows[0].claim, rows[0].verdict, rows[0].kind) == (
        "the authors' released code (as-released: its \"95%\" prunes 0.95% of each layer) keeps validation F1 (every "
        "pair): checks the authors' code, not the paper's claim", REPRODUCED, AS_RELEASED)
    assert rows[0].measured == ("mean change 0 [-0.0667, 0.0667] F1 points; per stratum (margin −2): 2 kept, 0 lost, "
                                "0 undecided of 2; worst 0-1 w4: 0 [-0.248, 0.248]; achieved sparsity 0.94% "
                                "(measured); "
                                "P(magnitude > random pruning) 1")
    assert fields(rows[1]) == {
        "claim_id": "pruning_as-released_99",
        "claim": "the authors' released code (as-released: its \"99%\" prunes 0.99% of each layer) keeps validation F1 "
                 "(0-1): checks the authors' code, not the paper's claim",
        "paper": "F1 kept", "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—", "n": "—",
        "estimate": None, "note": "not testable: no pruning rows at requested level 0.99 (0-1)", "kind": AS_RELEASED}
    ties = verdict_95(EVIDENCE[REPRODUCED], random_drop=0.0)
    assert ties.measured.endswith("; P(magnitude > random pruning) 0.5 [0.19, 0.81]; kept, but magnitude pruning "
                                  "does not beat random pruning")
    # A scheme the config does not map keeps the paper's level.
    assert cp.requested_level(PINNED, "other", 95) == 95.0 and cp.requested_level(PINNED, "as-released", 99) == 0.99
    assert cp.requested_level({"pruning_levels": {}}, "as-released", 99) == 99.0


def test_pruning_strata_calls_and_the_overall_verdict():
    change = pd.DataFrame({"pair": ["0-1"] * 3 + ["4-9"] * 3 + ["5-6"] * 3, "width": 4, "seed": list(SEEDS) * 3,
                           "change": KEPT + LOST + SPANS})
    calls = cp.stratum_calls(change, MARGIN, 0.95)
    assert calls["call"].tolist() == [cp.KEPT, cp.LOST, cp.UNDECIDED]
    assert calls["pair"].tolist() == ["0-1", "4-9", "5-6"] and calls["width"].tolist() == [4, 4, 4]
    assert calls["estimate"][0].n == 3 and calls["estimate"][0].unit == "seeds"
    assert cp.equivalence_verdict([]) == NOT_TESTABLE
    assert cp.equivalence_verdict([cp.KEPT, cp.KEPT]) == REPRODUCED
    assert cp.equivalence_verdict([cp.KEPT, cp.LOST]) == PARTLY
    assert cp.equivalence_verdict([cp.LOST, cp.UNDECIDED]) == NOT_REPRODUCED
    assert cp.equivalence_verdict([cp.KEPT, cp.UNDECIDED]) == INCONCLUSIVE
    assert cp.equivalence_verdict(iter([cp.KEPT])) == REPRODUCED


def test_paired_change_is_pruned_minus_dense_in_points_per_checkpoint():
    table = pruning_table({("0-1", 4): [-1.0, 2.0, 0.5]}, dense=0.8)
    change = cp.paired_change(table, 95)
    assert change[["pair", "width", "seed"]].values.tolist() == [["0-1", 4, s] for s in SEEDS]
    assert change["change"].round(9).tolist() == [-1.0, 2.0, 0.5]
    assert change["magnitude_f1"].round(9).tolist() == [0.79, 0.82, 0.805]
    assert change["random_f1"].round(9).tolist() == [0.69, 0.72, 0.705]
    assert change["achieved"].tolist() == [94.99] * 3 and change["random_achieved"].tolist() == [94.99] * 3
    old = cp.paired_change(table.drop(columns=["random_val_f1", "random_sparsity_total"]), 95)
    assert "random_f1" not in old and "random_achieved" not in old
    assert cp.magnitude_vs_random(old, 0.95) is None
    v = cp.magnitude_vs_random(change, 0.95, 500)
    assert (v.value, v.low, v.high, v.n) == (1.0, 1.0, 1.0, 3)
    # A stratum where one seed lacks its random null is left out of the comparison.
    partial = pd.concat([change, change.assign(pair="4-9", magnitude_f1=0.1, random_f1=0.9)], ignore_index=True)
    partial.loc[partial.index[-1], "random_f1"] = np.nan
    assert cp.magnitude_vs_random(partial, 0.95, 500).value == 1.0
    assert cp._span(pd.Series([94.99, 94.99])) == "94.99%" and cp._span(pd.Series([0.5, 0.75]), "") == "0.5–0.75"


def test_dead_neurons_rows_word_for_word():
    from lowcap.core.stats import Estimate

    text = "no hidden unit is dead or cut off after 95% pruning in the paper's rows (per seed)"
    r = cp.dead_neurons(study(dead_neurons=dead_table([0, 1, 0], [0, 1, 0])), PINNED)
    assert fields(r) == {"claim_id": "dead_neurons", "claim": text, "paper": "0 dead", "verdict": NOT_REPRODUCED,
                         "measured": "0-1 w12: dead 0/1/0, dead or cut off 0/1/0", "test": "count per seed ≤ 0",
                         "null": "none (the paper's value is 0)", "n": "3 seeds × 1 paper rows",
                         "estimate": Estimate(1.0, 1.0, 1.0, 3, "checkpoints", "a count: no interval"), "note": "",
                         "kind": PAPER}
    old = cp.dead_neurons(study(dead_neurons=dead_table([0, 0, 0], [0, 0, 0], with_either=False)), PINNED)
    assert (old.verdict, old.measured) == (INCONCLUSIVE, "0-1 w12: dead 0/0/0, dead or cut off ≥ 0/0/0")
    none = cp.dead_neurons(study(dead_neurons=dead_table([0] * 3, [0] * 3, paper=False)), PINNED)
    assert fields(none) == {"claim_id": "dead_neurons", "claim": text, "paper": "0", "verdict": NOT_TESTABLE,
                            "measured": "—", "test": "—", "null": "—", "n": "—", "estimate": None,
                            "note": "not testable: no paper rows in the grid", "kind": PAPER}
    # The line is dead_neurons_max: at it is reproduced, above it not; the old table takes the larger count.
    assert cp.dead_neurons(study(dead_neurons=dead_table([0, 2, 0], [0, 2, 0])), {**PINNED, "dead_neurons_max": 2}
                           ).verdict == REPRODUCED
    t = dead_table([0, 1, 0], [0, 1, 0], with_either=False)
    t.loc[0, "disconnected_units_after"] = 3
    r = cp.dead_neurons(study(dead_neurons=t), {**PINNED, "dead_neurons_max": 2})
    assert r.verdict == NOT_REPRODUCED and r.measured == "0-1 w12: dead 0/1/0, dead or cut off ≥ 3/1/0"
    assert r.estimate.value == 3.0
    both = pd.concat([dead_table([0, 0, 0], [0, 0, 0]), dead_table([0, 0, 0], [5, 5, 5], paper=False)])
    assert cp.dead_neurons(study(dead_neurons=both), PINNED).verdict == REPRODUCED  # only the paper's rows count
    two = pd.concat([dead_table([0, 0, 0], [0, 0, 0]), dead_table([1, 0, 2], [1, 0, 2]).assign(width=24)])
    r = cp.dead_neurons(study(dead_neurons=two.sample(frac=1, random_state=0)), PINNED)
    assert r.n == "3 seeds × 2 paper rows" and r.estimate.n == 6
    assert r.measured in ("0-1 w12: dead 0/0/0, dead or cut off 0/0/0; 0-1 w24: dead 1/0/2, dead or cut off 1/0/2",
                          "0-1 w24: dead 1/0/2, dead or cut off 1/0/2; 0-1 w12: dead 0/0/0, dead or cut off 0/0/0")


def test_representation_row_word_for_word():
    from lowcap.core.stats import Estimate

    r = cp.representation(study(tsne=similarity(0.95)), PINNED)
    assert fields(r) == {
        "claim_id": "representation",
        "claim": "the pruned network keeps its hidden representation (linear CKA with the dense one ≥ 0.9 and above "
                 "its nulls; pair 4-9, width 24)",
        "paper": "kept (t-SNE alike)", "verdict": REPRODUCED,
        "measured": "CKA 0.95, +0.19 over the best null (kNN overlap 0.30); nulls: null 0 0.5; null 1 0.76",
        "test": "CKA ≥ 0.9 and > the best null (one model: no interval)",
        "null": "the untrained initial weights; other seeds' trained models", "n": "one model: n = 1 network",
        "estimate": Estimate(0.95, 0.95, 0.95, 1, "network", "one model: no interval"), "note": "", "kind": PAPER}
    # A null whose CKA is undefined is left out; with none left the verdict cannot be decided.
    assert cp.representation(study(tsne=similarity(0.95, (0.5, float("nan")))), PINNED).measured == \
        "CKA 0.95, +0.45 over the best null (kNN overlap 0.30); nulls: null 0 0.5"
    alone = cp.representation(study(tsne=similarity(0.95, (float("nan"),))), PINNED)
    assert alone.verdict == INCONCLUSIVE and alone.measured.endswith("nulls: none")
    assert cp.representation(study(tsne=similarity(0.95)), {**PINNED, "representation_cka": 0.96}).verdict == \
        INCONCLUSIVE


def test_reasoning_and_strokes_rows_word_for_word():
    r = cp.reasoning(study(**reasoning_case(0.1)), PINNED)
    assert (r.claim_id, r.verdict, r.kind, r.note) == ("reasoning", REPRODUCED, PAPER, "")
    assert r.claim == ("the pruned network keeps its reasoning (Spearman of dense and pruned gradient saliency maps "
                       "≥ 0.5, above its nulls)")
    assert r.paper == "kept (maps alike)"
    assert r.measured == ("ρ 0.99 [0.99, 1]; minus another image's dense map 0.98 [0.95, 1]; shuffled pixels: p "
                          "0.001, 0.001, 0.001, 0.001")
    assert r.test == "95% Student-t over images; permutation test per image (999 seeded shuffles, one-sided)"
    assert r.null == "the pruned map with shuffled pixels; another image's dense map (another seed's maps: not built)"
    assert r.n == "4 images of one model"
    assert (r.estimate.n, r.estimate.unit, r.estimate.method) == (4, "images", "95% Student-t over images")
    assert r.estimate.value == pytest.approx(0.99494, abs=1e-5)
    s = cp.strokes(study(**stroke_case([4.0, 4.2, 3.9])), PINNED)
    assert (s.claim_id, s.verdict, s.kind, s.note) == ("strokes", REPRODUCED, PAPER, "")
    assert s.claim == ("saliency focuses on the digit's strokes (stroke focus of the dense gradient maps > 1.5 and "
                       "above random maps; 1 = none)")
    assert s.paper == "human-like, on the strokes"
    assert s.measured == "4.04 [3.81, 4.26] (random maps: upper 95% quantile 1.076)"
    assert s.test == "95% Student-t over images"
    assert s.null == "1000 seeded uniform random maps per image (mean over images)"
    assert s.n == "3 images of one model"
    assert (s.estimate.n, s.estimate.unit) == (3, "images")
    assert s.estimate.value == pytest.approx(4.03609, abs=1e-5)
    assert s.estimate.low == pytest.approx(3.80751, abs=1e-5) and s.estimate.high == pytest.approx(4.26468, abs=1e-5)


def test_stroke_focus_takes_magnitudes_and_strict_strokes():
    image = stroke_images(1)
    image[0, 0, :4] = 0.5  # at the threshold: not a stroke
    flat = np.ones((1, 28, 28))
    assert cp.stroke_focus(image, flat)[0] == pytest.approx(1.0)
    on = np.where(image > 0.5, 2.0, 0.0) + np.where(image == 0.5, 100.0, 0.0)
    assert cp.stroke_focus(image, on)[0] == pytest.approx(2 * 48 / (2 * 48 + 400) * 784 / 48)
    # Saliency signs do not matter, whatever the maps' dtype (int8's −128 has no positive twin).
    signed = np.where(image > 0.5, -128, 1).astype(np.int8)
    assert cp.stroke_focus(image, signed)[0] == pytest.approx(128 * 48 / (128 * 48 + 736) * 784 / 48)


def test_stroke_focus_is_per_image_and_an_image_without_strokes_is_nan_without_a_warning():
    import warnings

    images = stroke_images(2)
    images[1, 8:14] = 0.0  # the second image keeps 24 stroke pixels
    maps = np.where(images > 0.5, 3.0, 1.0)
    expected = [3 * k / (3 * k + 784 - k) * 784 / k for k in (48, 24)]
    assert cp.stroke_focus(images, maps) == pytest.approx(expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blank = cp.stroke_focus(np.zeros((2, 28, 28)), np.ones((2, 28, 28)))
        zero_map = cp.stroke_focus(stroke_images(1), np.zeros((1, 28, 28)))
    assert np.isnan(blank).all() and np.isnan(zero_map).all()


def test_pruning_cell_counts_every_call_and_names_widths_w_by_default():
    change = cp.paired_change(pruning_table(EVIDENCE[NOT_REPRODUCED]), 95)
    calls = cp.stratum_calls(change, MARGIN, 0.95)
    overall = cp.stats.t_interval(change["change"], 0.95)
    text, null = cp.pruning_cell(change.drop(columns=["random_f1", "random_achieved"]), calls, overall, None,
                                 NOT_REPRODUCED, 2)
    assert text == ("mean change -10 [-10.9, -9.06] F1 points; per stratum (margin −2): 0 kept, 2 lost, 0 undecided of "
                    "2; worst 0-1 w4: -10 [-12.5, -7.52]; achieved sparsity 94.99% (measured)")
    assert null == "random pruning at the same achieved sparsity: not in this study's pruning tables"
    undecided = cp.stratum_calls(cp.paired_change(pruning_table({("0-1", 4): SPANS}), 95), MARGIN, 0.95)
    text, _ = cp.pruning_cell(change, undecided, overall, None, INCONCLUSIVE, 2.5, "C = ")
    assert "per stratum (margin −2.5): 0 kept, 0 lost, 1 undecided of 1; worst 0-1 C = 4: " in text


def test_pruning_strata_in_table_order_two_seeds_decide_and_intervals_stay_within_100_points():
    two = pd.DataFrame({"pair": "0-1", "width": 4, "seed": [0, 42], "change": [-0.1, 0.1]})
    assert cp.stratum_calls(two, MARGIN, 0.95)["call"].tolist() == [cp.KEPT]  # two seeds have an interval
    wide = pd.DataFrame({"pair": "0-1", "width": 4, "seed": SEEDS, "change": [-90.0, 0.0, 90.0]})
    e = cp.stratum_calls(wide, MARGIN, 0.95)["estimate"][0]
    assert (e.low, e.value, e.high) == (-100, 0.0, 100)
    # Equal strata: the worst is the first in the table's order.
    table = pruning_table({("4-9", 8): LOST, ("0-1", 4): LOST})
    r = cp.pruning_result(study(pruning={"per-layer": table}), PINNED, "per-layer", 95, PAPER)
    assert "; worst 4-9 w8: -10 [-12.5, -7.52]; " in r.measured
    calls = cp.stratum_calls(cp.paired_change(table, 95), MARGIN, 0.95)
    assert list(zip(calls["pair"], calls["width"])) == [("4-9", 8), ("0-1", 4)]


def test_pruning_pairs_only_checkpoints_with_both_rows_and_reads_the_configured_resamples():
    table = pruning_table({("0-1", 4): KEPT})
    table = table[~((table["seed"] == 78) & (table["requested_sparsity"] == 95))]  # a dense row without its pruned one
    change = cp.paired_change(table, 95)
    assert change["seed"].tolist() == [0, 42] and change["change"].notna().all()
    rules = {**PINNED, "bootstrap_resamples": 500}
    tables = pruning_table(EVIDENCE[REPRODUCED], random_drop=0.0)
    r = cp.pruning_result(study(pruning={"per-layer": tables}), rules, "per-layer", 95, PAPER)
    change = cp.paired_change(tables, 95)
    versus = cp.magnitude_vs_random(change, 0.95, 500)
    assert f"; P(magnitude > random pruning) {versus.show(2)}; " in r.measured
    overall = cp.stats.stratified_bootstrap([g["change"].to_numpy() for _, g in change.groupby(["pair", "width"])],
                                            0.95, seed=0, n_resamples=500)
    assert r.estimate == overall and "(500 resamples" in r.test
    assert versus != cp.magnitude_vs_random(change, 0.95)  # 500 and 2000 resamples give different intervals
    assert cp.magnitude_vs_random(change, 0.95) == cp.magnitude_vs_random(change, 0.95, 2000)  # the default


def test_map_similarity_rows_skip_constant_maps_and_draw_from_one_seeded_stream():
    dense = base_maps(3)
    rng = np.random.default_rng(7)
    pruned = [dense[0] + 0.5 * rng.random((28, 28)), rng.random((28, 28))]
    tables = saliency_tables(pruned, list(dense[:2]), np.zeros((28, 28)))  # the extra dense map is constant
    got = cp.map_similarity(tables["saliency_cases"], tables["saliency_maps"])
    assert list(got.columns) == ["val_index", "rho", "rho_other", "p_shuffled"] and got["val_index"].tolist() == [0, 1]
    stream = np.random.default_rng(cp.NULL_SEED)
    for i, row in got.iterrows():
        assert row["rho"] == pytest.approx(cp._spearman(dense[i], pruned[i]))
        assert row["rho_other"] == pytest.approx(cp._spearman(dense[1 - i], pruned[i]))  # the constant map is no null
        assert row["p_shuffled"] == cp.shuffle_p_value(dense[i], pruned[i], stream)  # one stream, image after image
    assert got["p_shuffled"][1] > 0.01  # an unrelated map: its p depends on the draws
    # A constant dense map has no ordering to keep: ρ 0 and p 1, like a constant pruned map.
    flat = saliency_tables([dense[0]], [np.zeros((28, 28))], dense[2])
    assert cp.map_similarity(flat["saliency_cases"], flat["saliency_maps"]).to_dict("records") == [
        {"val_index": 0, "rho": 0.0, "rho_other": 0.0, "p_shuffled": 1.0}]
    # No other image with a map: no other-image null.
    alone = saliency_tables([dense[0] + 0.1], [dense[0]], np.zeros((28, 28)))
    row = cp.map_similarity(alone["saliency_cases"], alone["saliency_maps"]).iloc[0]
    assert np.isnan(row["rho_other"]) and row["rho"] == pytest.approx(1.0)


def test_map_similarity_leaves_constant_maps_out_of_the_null_wherever_they_stand():
    dense = base_maps(3)
    rng = np.random.default_rng(8)
    flat = np.zeros((28, 28))
    pruned = [dense[0] + 0.5 * rng.random((28, 28)), rng.random((28, 28)), dense[2] + 0.5 * rng.random((28, 28))]
    tables = saliency_tables(pruned, [dense[0], flat, dense[2]], dense[1])  # image 1's dense map is constant
    got = cp.map_similarity(tables["saliency_cases"], tables["saliency_maps"])
    assert got["rho_other"][0] == pytest.approx(max(cp._spearman(dense[j], pruned[0]) for j in (1, 2)))
    assert got.loc[1, ["rho", "rho_other", "p_shuffled"]].tolist() == [0.0, 0.0, 1.0]
    only_dense = tables["saliency_cases"][tables["saliency_cases"]["model"] == "dense"]
    empty = cp.map_similarity(only_dense, tables["saliency_maps"])
    assert empty.empty and list(empty.columns) == ["val_index", "rho", "rho_other", "p_shuffled"]
