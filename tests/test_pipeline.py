"""End to end: the real `snakemake` on a tiny config over real MNIST (or the synthetic fallback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import EPOCHS, PAIRS, REPO, SEEDS, WIDTHS, tiny_config
from lowcap.model import load_checkpoint


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml"), "--cores", "2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, mnist_mirror):
    workdir = tmp_path_factory.mktemp("pipeline")
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    result = snakemake(workdir)  # the default target: every figure and table of the paper
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


# Every figure and table of the paper, at tiny scale (stems under results/).
FIGURES = [
    "fig1_lr_sweep", "fig2_lr_heatmap", "fig3_capacity_train", "fig3_capacity_val", "fig5_tsne",
    "fig8_saliency", "figD1_corruption_examples",
    *[f"{stem}_{p}" for p in PAIRS for stem in (
        "figA_curves", "fig4_pruning_f1_change", "fig4_pruning_auc_change", "fig4_pruning_f1",
        "fig6_noise", "fig7_occlusion")],
]
TABLES = ["min_capacity", "max_sparsity", "dead_neurons", "tsne_similarity"]


def test_checkpoints_load_safely_with_metadata(run_dir):
    for pair in PAIRS:
        for width in WIDTHS:
            for seed in SEEDS:
                model, meta = load_checkpoint(run_dir / f"results/checkpoints/{pair}/w{width}_s{seed}.pt")
                assert (meta["pair"], meta["width"], meta["seed"]) == (pair, width, seed)
                assert meta["pool"] == "test" and meta["epochs"] == EPOCHS and meta["preset"] == "released"
                assert model.hidden.weight.shape == (width, 784)


def test_histories_cover_every_epoch_width_and_split(run_dir):
    for pair in PAIRS:
        hist = pd.read_csv(run_dir / f"results/metrics/{pair}.csv", dtype={"pair": str})
        assert len(hist) == len(SEEDS) * len(WIDTHS) * 2 * (EPOCHS + 1)
        assert hist[["loss", "f1", "auc"]].notna().all().all()
        assert set(hist.split) == {"train", "val"} and set(hist.seed) == set(SEEDS)


def test_figures_and_tables_with_their_numbers(run_dir):
    figures = run_dir / "results/figures"
    for stem in FIGURES:
        for ext in ("png", "pdf", "csv"):
            assert (figures / f"{stem}.{ext}").stat().st_size > 0, stem
    for stem in TABLES:
        for ext in ("csv", "md"):
            assert (run_dir / f"results/tables/{stem}.{ext}").stat().st_size > 0, stem
    capacity = pd.read_csv(figures / "fig3_capacity_val.csv", dtype={"pair": str})
    assert set(capacity.pair) == set(PAIRS) and set(capacity.width) == set(WIDTHS)
    assert (capacity.n_seeds == len(SEEDS)).all()
    table = pd.read_csv(run_dir / "results/tables/min_capacity.csv", dtype={"pair": str})
    assert set(table.pair) == set(PAIRS) and set(table.split) == {"train", "val"}
    assert (run_dir / "results/tables/min_capacity.md").read_text().count("\n|") >= len(table)


def test_pruning_robustness_and_saliency_numbers(run_dir):
    results = run_dir / "results"
    pruning = pd.read_csv(results / "pruning/4-9.csv", dtype={"pair": str})
    assert set(pruning.requested_sparsity) == {0, 50, 95}
    # Achieved sparsity is counted from the weights: 95% of a width x 784 layer, to half a weight.
    at95 = pruning[pruning.requested_sparsity == 95]
    assert ((at95.sparsity_hidden - 95).abs() <= 50 / (at95.width * 784)).all()
    dead = pd.read_csv(results / "tables/dead_neurons.csv", dtype={"pair": str})
    assert dead.paper_row.iloc[0] and (dead.pair.iloc[0], dead.width.iloc[0]) == ("4-9", 8)
    robustness = pd.read_csv(results / "robustness/4-9.csv", dtype={"pair": str})
    assert set(robustness.corruption) == {"clean", "noise", "occlusion"}
    assert len(robustness) == len(SEEDS) * len(WIDTHS) * 3
    saliency = pd.read_csv(results / "figures/fig8_saliency.csv", dtype={"pair": str})
    assert set(saliency.model) == {"dense", "pruned"}
    assert (saliency.achieved_sparsity[saliency.model == "pruned"] > 90).all()


def test_second_run_has_nothing_to_do(run_dir):
    result = snakemake(run_dir, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_bad_config_fails_before_any_job_and_keeps_results(run_dir):
    checkpoint = run_dir / "results/checkpoints/0-1/w2_s0.pt"
    before = checkpoint.stat().st_mtime_ns
    bad = yaml.safe_load((run_dir / "tiny.yaml").read_text())
    bad["widths"] = [2, 0]
    (run_dir / "bad.yaml").write_text(yaml.safe_dump(bad))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory",
           str(run_dir), "--configfile", str(run_dir / "bad.yaml"), "--cores", "1", "--forceall"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode != 0
    assert "widths[1]" in result.stderr and "integers >= 1" in result.stderr
    assert checkpoint.stat().st_mtime_ns == before


def test_one_figure_builds_only_what_it_needs(tmp_path, mnist_mirror):
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    result = snakemake(tmp_path, "-n", "results/figures/figA_curves_0-1.png")
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout)
    # Two fetches, the training job of pair 0-1, the figure, and nothing else.
    assert counts == {"fetch_data": 2, "train_pair": 1, "training_curves_figure": 1, "total": 4}, result.stdout[-3000:]
    assert "wildcards: pair=4-9" not in result.stdout


def job_counts(dry_run_output: str) -> dict:
    """The 'Job stats' table of a dry run, as {rule: count}."""
    lines = dry_run_output.split("Job stats:")[1].strip().splitlines()[2:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts
