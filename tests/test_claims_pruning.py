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
