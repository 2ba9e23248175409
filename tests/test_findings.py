"""The generated findings (lowcap.findings) and the arithmetic the README's prose states."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap import findings, pruning


def test_per_layer_95_prunes_every_output_weight_up_to_10_and_all_but_one_up_to_24():
    # The README explains the per-layer pruning losses with this count of the 1 x H output weights.
    kept = {h: h - pruning.n_to_prune(95, h) for h in [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]}
    assert all(kept[h] == 0 for h in kept if h <= 10)
    assert all(kept[h] == 1 for h in kept if 10 < h <= 24)
    assert kept[32] == 2


def test_f1_of_always_predicting_the_higher_class_on_a_balanced_split_is_two_thirds():
    from sklearn.metrics import f1_score

    y = np.array([0, 1] * 50)
    assert np.isclose(f1_score(y, np.ones_like(y)), 2 / 3)


def pruning_table():
    rows = []
    for width in (12, 24):
        for seed in (0, 1):
            for level, f1 in [(0, 1.0), (95, 0.5 if width == 12 else 0.75), (99, 0.25)]:
                rows.append({"pair": "0-1", "width": width, "seed": seed, "requested_sparsity": level,
                             "val_f1": f1 + 0.0 * seed})
    return pd.DataFrame(rows)


def test_pruning_section_gives_the_mean_change_per_width_and_the_range():
    md = findings.pruning({"s": {"per-layer": pruning_table()}}, {"per-layer": {"95": 95, "99": 99}}, pairs=("0-1",))
    assert "| 12 | -50 | -75 |" in md
    assert "| 24 | -25 | -75 |" in md
    assert "between -50% and -25%" in md  # at 95, over widths


def test_pruning_section_skips_a_scheme_without_the_levels():
    assert findings.pruning({"s": {"x": pruning_table()}}, {"x": {"95": 0.95, "99": 0.99}}) == ""


def test_capacity_section_marks_no_width_with_a_dash():
    t = pd.DataFrame([{"pair": "4-9", "split": split, "statistic": "best_f1", "min_width_every_seed": np.nan,
                       "min_width_mean": 48.0 if split == "train" else np.nan, "threshold": 0.9}
                      for split in ("train", "val")])
    assert "| 4-9 | — | 48 | — | — |" in findings.capacity({"released": t})


def test_robustness_section_mean_and_std_over_seeds():
    t = pd.DataFrame([{"pair": "4-9", "seed": s, "width": 24, "corruption": c, "sigma": sig, "f1": f1}
                      for s, base in [(0, 0.8), (1, 0.9)]
                      for c, sig, f1 in [("clean", 0.0, base), ("noise", 0.3, base - 0.1), ("occlusion", np.nan, base - 0.2)]])
    md = findings.robustness({"r": t}, 0.3)
    assert "| 24 | 0.850 ± 0.071 | 0.650 ± 0.071 | 0.750 ± 0.071 |" in md


def test_document_has_one_heading_per_section():
    doc = findings.document({"A": "x", "B": "y\n"})
    assert doc == "#### A\n\nx\n\n#### B\n\ny\n"
