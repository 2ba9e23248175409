"""The claims check: intervals, minimum widths, verdict rules (pandas only; the end-to-end run of
the claims job is in tests/test_pipeline.py)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lowcap import claims


def test_t_interval_is_the_student_t_interval_of_the_mean():
    m = claims.t_interval([0.80, 0.84, 0.88], 0.95)
    half = stats.t.ppf(0.975, 2) * np.std([0.80, 0.84, 0.88], ddof=1) / math.sqrt(3)
    # float64 arithmetic on three numbers: exact to ~1e-15.
    assert m.value == pytest.approx(0.84, abs=1e-12)
    assert (m.low, m.high) == (pytest.approx(0.84 - half, abs=1e-12), pytest.approx(0.84 + half, abs=1e-12))
    assert claims.t_interval([np.nan], 0.95).value is None


def per_seed(rows):
    """(pair, width, seed, f1) -> the per-seed table minimum widths are measured from."""
    return pd.DataFrame([{"pair": p, "width": w, "seed": s, "split": "val", "best_f1": f, "final_f1": f}
                         for p, w, s, f in rows])


def test_min_width_on_the_mean_with_the_per_seed_range():
    table = per_seed([("4-9", 2, 0, 0.5), ("4-9", 2, 1, 0.95), ("4-9", 8, 0, 0.92), ("4-9", 8, 1, 0.93)])
    success = lambda g: claims.succeeds(g["best_f1"])  # noqa: E731
    m = claims.min_width_measure(table, "4-9", "val", "best_f1", success)
    assert (m.value, m.low, m.high) == (8, 2, 8)  # the mean passes at 8; seed 1 alone at 2
    assert m.show() == "8 [2, 8]"
    assert claims.min_width_verdict(m, 12, 24) == claims.NOT_REPRODUCED
    assert claims.min_width_verdict(m, 4, 6) == claims.PARTLY  # seeds span 2-8, which overlaps 4-6
    assert claims.min_width_verdict(m, 8, None) == claims.REPRODUCED
    never = claims.min_width_measure(per_seed([("4-9", 2, 0, 0.5)]), "4-9", "val", "best_f1", success)
    assert math.isinf(never.value) and never.show() == "> 2"
    assert claims.min_width_verdict(never, 10, None) == claims.REPRODUCED  # "10 or more"


def test_stricter_success_is_relative_to_the_widest_network():
    table = per_seed([("0-1", 2, 0, 0.95), ("0-1", 4, 0, 0.985), ("0-1", 64, 0, 0.99)])
    strict = claims.within_points_of_widest(1, "best_f1")
    assert claims.min_width_measure(table, "0-1", "val", "best_f1", strict).value == 4


@pytest.mark.parametrize("widths, verdict", [([2, 4, 24], claims.REPRODUCED), ([2, 2, 2], claims.NOT_REPRODUCED),
                                             ([2, 8, 4, 24], claims.PARTLY), ([8, 2], claims.NOT_REPRODUCED),
                                             ([2, math.inf], claims.REPRODUCED)])
def test_growth_verdict(widths, verdict):
    assert claims.growth_verdict(widths) == verdict


def test_stroke_focus_is_one_without_focus_and_higher_on_the_strokes():
    image = np.zeros((1, 28, 28))
    image[0, 10:18, 12:16] = 1.0  # 32 stroke pixels of 784
    flat = np.ones((1, 28, 28))
    on_strokes = image + 0.01
    assert claims.stroke_focus(image, flat)[0] == pytest.approx(1.0)
    assert claims.stroke_focus(image, on_strokes)[0] > 10


def test_pruning_verdict_follows_the_configured_tolerance():
    rows = []
    for width, change in [(2, -50.0), (8, -1.0)]:
        for seed in (0, 1, 2):
            rows += [{"pair": "4-9", "width": width, "seed": seed, "requested_sparsity": 0, "val_f1": 0.8},
                     {"pair": "4-9", "width": width, "seed": seed, "requested_sparsity": 95,
                      "val_f1": 0.8 * (1 + change / 100)}]
    change = claims._pct_change(pd.DataFrame(rows), 95)
    assert change.groupby("width")["change"].mean().round(6).to_dict() == {2: -50.0, 8: -1.0}
