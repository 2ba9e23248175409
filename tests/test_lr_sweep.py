import numpy as np
import pandas as pd
import pytest

from lowcap.analyses import lr_sweep
from lowcap.jobs.lr_sweep import lr_sweep_seed
from lowcap.jobs.lr_sweep_figures import lr_sweep_figures
from lowcap.jobs.train import train_pair
from lowcap.core.train import sweep_models
from lowcap.core.protocol import Protocol

IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


# Jobs compare numbers computed on CPU, whatever the machine (conftest.cpu_jobs).
pytestmark = pytest.mark.usefixtures("cpu_jobs")


def test_sweep_models_cover_every_width_and_lr_once():
    widths, lrs = sweep_models([2, 8], [0.1, 0.01, 0.001])
    assert len(widths) == len(lrs) == 6
    assert sorted(zip(widths, lrs)) == sorted((w, lr) for w in [2, 8] for lr in [0.1, 0.01, 0.001])


def test_summary_takes_the_final_epoch_and_spreads_over_seeds():
    rows = []
    for seed, final in [(0, 0.6), (1, 0.8)]:
        for epoch, f1 in [(0, 0.1), (1, 0.99), (2, final)]:  # epoch 1 is the best, 2 the last
            rows.append({"pair": "4-9", "seed": seed, "width": 4, "lr": 0.01, "epoch": epoch,
                         "split": "val", "loss": 0.5, "f1": f1, "auc": f1})
    summary = lr_sweep.final_epoch_summary(pd.DataFrame(rows))
    row = summary.iloc[0]
    assert len(summary) == 1 and row["epoch"] == 2 and row["n_seeds"] == 2
    # Mean and sd of two float64 values: exact to a few ulps (pytest.approx's default 1e-6 rel).
    assert row["f1_mean"] == pytest.approx(0.7) and row["f1_std"] == pytest.approx(np.std([0.6, 0.8], ddof=1))
    assert (row["f1_min"], row["f1_max"]) == (0.6, 0.8)


def test_jobs_end_to_end_and_the_grid_lr_reproduces_the_grid(tmp_path, mnist_mirror):
    """The sweep model at the grid's lr is the grid's model: same split, initialisation, protocol."""
    images, labels = str(mnist_mirror.path / IMAGES), str(mnist_mirror.path / LABELS)
    proto = Protocol(lr=0.03, epochs=3, batch_size=None, init="normal", init_std=0.1).__dict__
    widths, lrs = [2, 5], [0.001, 0.03]
    histories = []
    for seed in (0, 1):
        path = tmp_path / f"s{seed}_history.csv"
        lr_sweep_seed(images, labels, "4-9", seed, widths, lrs, proto, str(path))
        histories.append(str(path))
    hist = pd.read_csv(histories[0], dtype={"pair": str})
    assert len(hist) == len(widths) * len(lrs) * 2 * (3 + 1)
    assert set(zip(hist["width"], hist["lr"])) == {(w, lr) for w in widths for lr in lrs}

    grid_history = tmp_path / "grid.csv"
    train_pair(images, labels, {"name": "test", "dataset": "mnist", "pool": "test"}, "4-9", [0], widths,
               proto, [str(tmp_path / f"w{w}_s0.pt") for w in widths], str(grid_history))
    grid = pd.read_csv(grid_history, dtype={"pair": str}).set_index(["width", "epoch", "split"])
    same = hist[hist["lr"] == 0.03].set_index(["width", "epoch", "split"]).loc[grid.index]
    # The same models in banks of different width: float32 logits differ by ~1e-6 (see
    # tests/test_model.py; 1.4e-6 relative in the loss measured), so rtol 1e-4 for the loss.
    # F1 is piecewise constant: equal unless a logit is within ~1e-6 of 0; each flip moves it by
    # ~1/400 (the 4-9 validation split), so atol 0.01 allows a few such coincidences.
    np.testing.assert_allclose(same["loss"], grid["loss"], rtol=1e-4)
    np.testing.assert_allclose(same["f1"], grid["f1"], atol=0.01)
    # A 30x smaller lr moves the model less in 3 epochs.
    last = hist[(hist["epoch"] == 3) & (hist["split"] == "train")].set_index(["width", "lr"])["loss"]
    first = hist[(hist["epoch"] == 0) & (hist["split"] == "train")].set_index(["width", "lr"])["loss"]
    change = (first - last).abs()
    assert all(change[(w, 0.001)] < change[(w, 0.03)] for w in widths)

    out = {name: str(tmp_path / name) for name in ("c.png", "c.pdf", "c.csv", "h.png", "h.pdf", "h.csv")}
    lr_sweep_figures(histories, "4-9", widths, [0, 1], lrs, 0.03,
                     {f"{kind}_{ext}": out[f"{kind[0]}.{ext}"] for kind in ("curves", "heatmap")
                      for ext in ("png", "pdf", "csv")})
    heat = pd.read_csv(out["h.csv"], dtype={"pair": str})
    assert len(heat) == len(widths) * len(lrs) * 2 and heat["plotted"].sum() == len(widths) * len(lrs)
    assert set(heat.loc[heat["plotted"], "split"]) == {"val"} and (heat["n_seeds"] == 2).all()
    curves = pd.read_csv(out["c.csv"], dtype={"pair": str})
    assert {"f1_mean", "f1_std", "auc_mean", "auc_std"} <= set(curves.columns)
    assert all((tmp_path / name).stat().st_size > 0 for name in ("c.png", "c.pdf", "h.png", "h.pdf"))
