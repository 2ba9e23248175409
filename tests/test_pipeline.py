"""End to end: the real `snakemake` on a tiny two-study config over real MNIST (or the synthetic
fallback): every output, reruns, staleness, and bit-identical results."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import CHANNELS, CNN_STUDIES, EPOCHS, PAIRS, REPO, SEEDS, STUDIES, WIDTHS, tiny_config
from lowcap.core.model import load_checkpoint
from lowcap.jobs import warm


def snakemake(workdir: Path, *args: str, config: str = "tiny.yaml", env: dict | None = None,
              cores: str = "2") -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--cores", cores, *args, "--configfile", str(workdir / config)]
    return subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0", **(env or {})})


def write_config(workdir: Path, config: dict, name: str = "tiny.yaml") -> None:
    (workdir / name).write_text(yaml.safe_dump(config, sort_keys=False))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, mnist_mirror):
    workdir = tmp_path_factory.mktemp("pipeline")
    write_config(workdir, tiny_config(mnist_mirror))
    result = snakemake(workdir)  # the default target: every figure and table of both studies
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


# Every figure and table of the paper, at tiny scale (stems under results/{study}/).
FIGURES = [
    "fig1_lr_sweep", "fig2_lr_heatmap", "fig3_capacity_train", "fig3_capacity_val", "fig5_tsne",
    "fig8_saliency", "figD1_corruption_examples",
    *[f"{stem}_{p}" for p in PAIRS for stem in (
        "figA_curves", "fig6_noise", "fig7_occlusion",
        *[f"fig4_{scheme}_{kind}" for scheme in ("per-layer", "as-released")
          for kind in ("f1_change", "auc_change", "f1")])],
]
TABLES = ["min_capacity", "max_sparsity_per-layer", "max_sparsity_as-released", "dead_neurons", "tsne_similarity"]


def job_counts(dry_run_output: str) -> dict:
    """The 'Job stats' table of a dry run, as {rule: count}; {} when there is nothing to do."""
    if "Job stats:" not in dry_run_output:
        return {}
    lines = dry_run_output.split("Job stats:")[1].strip().splitlines()[2:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_checkpoints_load_safely_with_study_and_protocol(run_dir):
    for study in STUDIES:
        for pair in PAIRS:
            for width in WIDTHS:
                for seed in SEEDS:
                    model, meta = load_checkpoint(run_dir / f"results/{study}/checkpoints/{pair}/w{width}_s{seed}.pt")
                    assert (meta.study, meta.pair, meta.width, meta.seed) == (study, pair, width, seed)
                    assert meta.pool == "test" and meta.protocol["epochs"] == EPOCHS
                    assert meta.protocol["preset"] == study
                    assert meta.protocol["batch_size"] == ("full" if study == "released" else 128)
                    assert model.hidden.weight.shape == (width, 784)


def test_the_budget_study_trains_capacity_only_and_draws_the_budget_figure(run_dir):
    budget = run_dir / "results/released-e2"
    _, meta = load_checkpoint(budget / "checkpoints/4-9/w8_s0.pt")
    assert meta.study == "released-e2" and meta.protocol["epochs"] == 2
    assert (budget / "figures/fig3_capacity_val.png").exists() and not (budget / "pruning").exists()
    table = pd.read_csv(run_dir / "results/figures/budget_min_width.csv", dtype={"pair": str})
    assert sorted(table.epochs.unique()) == [2, EPOCHS] and set(table.pair) == set(PAIRS)
    assert (run_dir / "results/figures/budget_min_width.png").stat().st_size > 0


def test_studies_differ_and_never_share_outputs(run_dir):
    a = load_checkpoint(run_dir / "results/released/checkpoints/4-9/w8_s0.pt")[0]
    b = load_checkpoint(run_dir / "results/explicit/checkpoints/4-9/w8_s0.pt")[0]
    assert not (a.hidden.weight == b.hidden.weight).all()
    for study in STUDIES:
        hist = pd.read_csv(run_dir / f"results/{study}/metrics/4-9.csv", dtype={"pair": str})
        assert len(hist) == len(SEEDS) * len(WIDTHS) * 2 * (EPOCHS + 1)
        assert hist[["loss", "f1", "auc"]].notna().all().all()
        manifest = yaml.safe_load((run_dir / f"results/{study}/study.yaml").read_text())
        assert manifest["settings"]["name"] == study
        assert all(path.startswith(f"results/{study}/") for path in manifest["outputs"])


def test_every_figure_and_table_of_every_study(run_dir):
    for study in STUDIES:
        figures = run_dir / f"results/{study}/figures"
        for stem in FIGURES:
            for ext in ("png", "pdf", "csv"):
                assert (figures / f"{stem}.{ext}").stat().st_size > 0, (study, stem)
        for stem in TABLES:
            for ext in ("csv", "md"):
                assert (run_dir / f"results/{study}/tables/{stem}.{ext}").stat().st_size > 0, (study, stem)
        capacity = pd.read_csv(figures / "fig3_capacity_val.csv", dtype={"pair": str})
        assert set(capacity.pair) == set(PAIRS) and set(capacity.width) == set(WIDTHS)
        assert (capacity.n_seeds == len(SEEDS)).all()


def test_pruning_robustness_and_saliency_numbers(run_dir):
    results = run_dir / "results/released"
    pruning = pd.read_csv(results / "pruning/per-layer/4-9.csv", dtype={"pair": str})
    assert set(pruning.requested_sparsity) == {0, 50, 95, 99}
    # Achieved sparsity is counted from the weights: 95% of a width x 784 layer, to half a weight.
    at95 = pruning[pruning.requested_sparsity == 95]
    # float64 percentages: 1e-9 covers their rounding.
    assert ((at95.sparsity_hidden - 95).abs() <= 50 / (at95.width * 784) + 1e-9).all()
    # The as-released scheme sits beside it, at its own levels (and the dead-neuron level is not its).
    as_released = pd.read_csv(results / "pruning/as-released/4-9.csv", dtype={"pair": str})
    assert set(as_released.requested_sparsity) == {0, 0.5, 0.95, 0.99}
    dead = pd.read_csv(results / "tables/dead_neurons.csv", dtype={"pair": str})
    assert dead.paper_row.iloc[0] and (dead.pair.iloc[0], dead.width.iloc[0]) == ("4-9", 8)
    robustness = pd.read_csv(results / "robustness/4-9.csv", dtype={"pair": str})
    assert set(robustness.corruption) == {"clean", "noise", "occlusion"}
    assert len(robustness) == len(SEEDS) * len(WIDTHS) * 3
    saliency = pd.read_csv(results / "figures/fig8_saliency.csv", dtype={"pair": str})
    assert set(saliency.model) == {"dense", "pruned"}
    assert (saliency.achieved_sparsity[saliency.model == "pruned"] > 90).all()


def test_the_jobs_ran_in_forks_of_the_warm_process_which_is_gone(run_dir):
    """Each job that ran warm says so in its log; only the first ones, while the warm process
    imported, ran in their own processes (lowcap.jobs.warm)."""
    logs = list((run_dir / "results/logs").rglob("*.log"))
    warm_logs = [log for log in logs if warm.WARM_USAGE in log.read_text()]
    assert len(logs) > 100 and len(warm_logs) >= 0.8 * len(logs), (len(warm_logs), len(logs))
    servers = [pid for pid in os.listdir("/proc") if pid.isdigit() and "lowcap.jobs.warm" in _cmdline(pid)
               and _cwd(pid) == run_dir]
    assert not servers


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _cwd(pid: str) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def test_second_run_has_nothing_to_do(run_dir):
    result = snakemake(run_dir, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_failing_job_writes_its_traceback_to_its_own_log(run_dir, tmp_path):
    """Break one input; the job's log under results/logs/ says why."""
    work = tmp_path / "w"
    shutil.copytree(run_dir / "results", work / "results")
    shutil.copy(run_dir / "tiny.yaml", work / "tiny.yaml")
    history = work / "results/released/metrics/0-1.csv"
    history.write_text("not,a,history\n1,2,3\n")
    result = snakemake(work, "results/released/figures/figA_curves_0-1.png", "--forcerun", "training_curves_figure")
    assert result.returncode != 0
    log = (work / "results/logs/released/training_curves_figure/0-1.log").read_text()
    # The checked reader names the broken file and what is wrong with it (no bare KeyError).
    assert "Traceback (most recent call last)" in log and "metrics/0-1.csv lacks the columns" in log


def test_bad_config_fails_before_any_job_and_keeps_results(run_dir):
    checkpoint = run_dir / "results/released/checkpoints/0-1/w2_s0.pt"
    before = checkpoint.stat().st_mtime_ns
    bad = yaml.safe_load((run_dir / "tiny.yaml").read_text())
    bad["widths"] = [2, 0]
    write_config(run_dir, bad, "bad.yaml")
    result = snakemake(run_dir, "--forceall", config="bad.yaml", cores="1")
    assert result.returncode != 0
    assert "widths[1]" in result.stderr and "integers >= 1" in result.stderr
    assert checkpoint.stat().st_mtime_ns == before


def test_unconfigured_study_names_the_configured_ones(run_dir):
    result = snakemake(run_dir, "-n", "results/nope/figures/fig3_capacity_val.png")
    assert result.returncode != 0
    assert "study 'nope' is not configured; configured studies: released, explicit" in result.stdout + result.stderr


def test_one_figure_builds_only_what_it_needs(tmp_path, mnist_mirror):
    write_config(tmp_path, tiny_config(mnist_mirror))
    result = snakemake(tmp_path, "-n", "results/explicit/figures/figA_curves_0-1.png")
    assert result.returncode == 0, result.stderr[-3000:]
    # Two fetches, the training job of (explicit, 0-1), the figure, and nothing else.
    assert job_counts(result.stdout) == {"fetch_data": 2, "train_pair": 1, "training_curves_figure": 1,
                                         "total": 4}, result.stdout[-3000:]
    assert "study=explicit" in result.stdout and "study=released" not in result.stdout


# --------------------------------------------------------------------------- nothing silently stale


def library_copy(tmp_path: Path, module: str, appended: str) -> dict:
    """A copy of src/lowcap with one module edited; the environment that makes snakemake use it."""
    src = tmp_path / "src"
    shutil.copytree(REPO / "src" / "lowcap", src / "lowcap", ignore=shutil.ignore_patterns("__pycache__"))
    path = src / "lowcap" / f"{module}.py"
    path.write_text(path.read_text() + appended)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}


def test_a_change_to_pruning_code_reruns_exactly_the_pruning_jobs(run_dir, tmp_path):
    # A real change: the output layer is no longer pruned.
    env = library_copy(tmp_path, "analyses/pruning", '\nPRUNED_LAYERS = ("hidden",)\n')
    result = snakemake(run_dir, "-n", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    n_studies, n_schemes, n_pairs = len(STUDIES), 2, len(PAIRS)
    n_cnn, n_cnn_schemes = len(CNN_STUDIES), 3  # the CNN studies add a global scheme
    # Every job that runs lowcap.analyses.pruning (t-SNE and saliency prune too), and what depends on them.
    expected = {
        "pruning_pair": n_studies * n_schemes * n_pairs + n_cnn * n_cnn_schemes * n_pairs,
        "pruning_figures": n_studies * n_schemes * n_pairs + n_cnn * n_cnn_schemes * n_pairs,
        "max_sparsity_table": n_studies * n_schemes + n_cnn * n_cnn_schemes,
        "dead_neurons_table": n_studies + n_cnn,
        "tsne_activations": n_studies,
        "tsne_figure": n_studies,
        "saliency_cases": n_studies,
        "saliency_figure": n_studies,
        # MI per unit reads what pruning keeps; the saliency-shift module imports lowcap.analyses.saliency,
        # which imports lowcap.analyses.pruning (module granularity: see the README's known limits).
        "mutual_info_pair": n_studies * n_pairs,
        "mutual_info_figure": n_studies,
        "saliency_shift_pair": n_studies * n_pairs,
        "saliency_shift_figure": n_studies * n_pairs,
        "saliency_shift_table": n_studies,
        # IMP prunes with lowcap.analyses.pruning's rule (one rounding for one-shot and every IMP round).
        "imp_pair": n_studies * n_pairs,
        "imp_figure": n_studies * n_pairs,
        "imp_recovery_figure": n_studies,
        "imp_max_sparsity_table": n_studies,
        "study_manifest": n_studies + n_cnn,
        "mlp_vs_cnn": n_cnn,  # it reads the max-sparsity tables
        "claims_table": 1,
        "verdict_matrix": 1,  # reads the claims table
        "findings": 1,
        "all": 1,
    }
    assert job_counts(result.stdout) == {**expected, "total": sum(expected.values())}, result.stdout[-3000:]
    assert "reason: Params have changed since last execution" in result.stdout


def test_a_change_to_the_success_threshold_reruns_no_training(run_dir, tmp_path):
    env = library_copy(tmp_path, "analyses/capacity", "\nSUCCESS_F1 = 0.95\n")
    counts = job_counts(snakemake(run_dir, "-n", env=env).stdout)
    # capacity_summary: both studies, the CNN studies and the budget study released-e2.
    assert counts["capacity_summary"] == len(STUDIES) + len(CNN_STUDIES) + 1
    assert counts["max_sparsity_table"] == 2 * len(STUDIES) + 3 * len(CNN_STUDIES)
    assert "train_pair" not in counts and "lr_sweep_seed" not in counts and "robustness_pair" not in counts
    assert "train_cnn_pair" not in counts


@pytest.mark.parametrize("target", ["results/released/figures/figA_curves_4-9.png",
                                    "results/released/figures/fig3_capacity_val.png",
                                    "results/released/tables/min_capacity.csv"])
@pytest.mark.parametrize("grid_key, value", [("widths", 4), ("seeds", 7)])
def test_an_added_width_or_seed_retrains_for_a_targeted_figure(run_dir, target, grid_key, value):
    config = yaml.safe_load((run_dir / "tiny.yaml").read_text())
    config[grid_key] = sorted(config[grid_key] + [value])
    write_config(run_dir, config, "grown.yaml")
    result = snakemake(run_dir, "-n", target, config="grown.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout)
    assert counts.get("train_pair", 0) >= 1, result.stdout[-3000:]


def test_a_new_tsne_seed_reruns_fig5(run_dir):
    config = yaml.safe_load((run_dir / "tiny.yaml").read_text())
    config["tsne"]["seed"] = 1
    write_config(run_dir, config, "tsne.yaml")
    counts = job_counts(snakemake(run_dir, "-n", config="tsne.yaml").stdout)
    assert counts["tsne_activations"] == len(STUDIES) and counts["tsne_figure"] == len(STUDIES)
    assert "train_pair" not in counts and "saliency_cases" not in counts


def test_a_mirror_with_the_same_bytes_reruns_nothing(run_dir, tmp_path, mnist_mirror):
    copy = tmp_path / "mirror-copy"
    shutil.copytree(mnist_mirror.path, copy)
    config = yaml.safe_load((run_dir / "tiny.yaml").read_text())
    config["data"]["mnist"]["mirror"] = str(copy)
    write_config(run_dir, config, "moved.yaml")
    result = snakemake(run_dir, "-n", config="moved.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr, result.stdout[-3000:]


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under results/ except logs and timings, which differ by design."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "results").rglob("*"))
            if p.is_file() and p.relative_to(root / "results").parts[0] not in ("logs", "benchmarks")}


@pytest.mark.reproduction  # a second whole tiny run (the suite's second-longest test): `pytest -m reproduction`
def test_every_output_file_is_bit_identical_on_a_rerun(run_dir, tmp_path):
    """The rerun runs each job in a process of its own (LOWCAP_WARM=off), the tiny run in forks of
    the warm process (lowcap.jobs.warm): the same bytes either way."""
    write_config(tmp_path, yaml.safe_load((run_dir / "tiny.yaml").read_text()))
    result = snakemake(tmp_path, env={warm.ENV: warm.OFF})
    assert result.returncode == 0, result.stderr[-3000:]
    assert not any(warm.WARM_USAGE in log.read_text() for log in (tmp_path / "results/logs").rglob("*.log"))
    ours, theirs = digests(tmp_path), digests(run_dir)
    assert len(ours) > 200 and set(ours) == set(theirs)
    differing = sorted(path for path in ours if ours[path] != theirs[path])
    assert not differing, differing[:20]


@pytest.fixture(scope="module")
def report_html(run_dir) -> Path:
    result = snakemake(run_dir, "--report", str(run_dir / "report.html"))
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir / "report.html"


def test_the_report_holds_every_figure_of_every_study(report_html):
    html = report_html.read_text()
    assert "The paper&#x27;s claims, measured per study" in html or "The paper's claims, measured per study" in html
    for study in STUDIES:
        for stem in FIGURES:
            assert f"results/{study}/figures/{stem}.png" in html, (study, stem)
        for stem in TABLES:
            assert f"results/{study}/tables/{stem}.csv" in html, (study, stem)


# Chromium's flags for a sandboxed, offline, headless run (Playwright drives Debian's chromium:
# no browser download).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The first page's layout, measured in the browser: the heading's top, the matrix image's natural
# width, the page's scroll width, and the boxes of the description and the rule graph.
LAYOUT_JS = """() => {
  const h1 = document.querySelector('.prose h1');
  const img = document.querySelector('img[src^="data:image/png"]');
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
                      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const desc = h1 && h1.closest('.prose');
  const graph = document.querySelector('#rulegraph canvas, #rulegraph svg');
  return {heading: h1 && h1.textContent, heading_box: box(h1), image_width: img ? img.naturalWidth : 0,
          image_box: box(img), scroll_width: document.documentElement.scrollWidth,
          inner_width: window.innerWidth, inner_height: window.innerHeight,
          desc_box: box(desc), graph_box: box(graph)};
}"""


def first_page_layout(report: Path, width: int, height: int, screenshot: Path) -> dict:
    """The report's first page in a real headless chromium at width x height."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser test needs Debian's chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(report.as_uri())
        page.wait_for_selector(".prose h1")
        page.wait_for_function("() => { const i = document.querySelector('img[src^=\"data:image/png\"]');"
                               " return i && i.complete; }")
        page.wait_for_timeout(500)  # the rule graph (vega) draws after the page loads
        layout = page.evaluate(LAYOUT_JS)
        page.screenshot(path=str(screenshot))
        browser.close()
    return layout


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1 and a["top"] < b["bottom"] - 1 \
        and b["top"] < a["bottom"] - 1


@pytest.mark.parametrize("width, height", [(1400, 900), (1400, 2200), (2400, 900)])
def test_the_report_opens_on_a_readable_verdict_matrix(report_html, width, height):
    layout = first_page_layout(report_html, width, height, report_html.parent / f"report_{width}x{height}.png")
    assert layout["heading"].startswith("The paper"), layout
    # The heading is on screen, at the top (Snakemake centres its home page: a tall one loses its top).
    assert 0 <= layout["heading_box"]["top"] < height / 3, layout
    assert layout["image_width"] > 0, layout  # the matrix image loaded
    assert layout["scroll_width"] <= layout["inner_width"], layout  # nothing overflows the page width
    assert layout["image_box"]["right"] <= width, layout
    if layout["graph_box"]:  # the rule graph beside the text, not over it
        assert not overlap(layout["desc_box"], layout["graph_box"]), layout


VERDICTS = {"reproduced", "partly", "not reproduced", "inconclusive", "not testable", "supported", "not supported"}


def test_claims_table_has_a_verdict_in_every_cell_of_every_study(run_dir):
    long = pd.read_csv(run_dir / "results/claims.csv", dtype={"paper": str})
    assert set(long.study) == set(STUDIES + CNN_STUDIES)
    assert set(long.verdict) <= VERDICTS and long.verdict.notna().all()
    per_study = long.groupby("study")["claim_id"].apply(set)
    assert per_study["released"] == per_study["explicit"]  # the same claims for each study
    # The CNN studies: the same claims, and those of their own pruning scheme, global.
    assert per_study["released-cnn"] == per_study["released"] | {"pruning_global_95", "pruning_global_99"}
    assert {"min_width_0-1", "min_width_grows", "min_width_grows_strict", "baseline_hardest",
            "pruning_per-layer_95", "pruning_as-released_95", "dead_neurons", "representation", "reasoning",
            "strokes", "robustness_noise", "robustness_occlusion"} <= per_study["released"]
    for column in ("test", "null", "n"):  # every testable row names its test, its null and its n
        assert long.loc[long.verdict != "not testable", column].notna().all(), column
    md = (run_dir / "results/claims.md").read_text()
    table = [line for line in md.splitlines() if line.startswith("| ") and "claim | paper" not in line]
    assert len(table) == long.claim_id.nunique()
    header = next(line for line in md.splitlines() if line.startswith("| claim | paper"))
    assert header == "| " + " | ".join(["claim", "paper", *list(dict.fromkeys(long.study)), "test", "null", "n",
                                        "note"]) + " |"
    for line in table:  # every cell of every study opens with its verdict (a "\|" is a pipe inside a cell)
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        verdicts = {c.split("**")[1] for c in cells[2:2 + len(STUDIES + CNN_STUDIES)]}
        assert verdicts <= VERDICTS, line


def test_a_tolerance_in_the_config_decides_the_verdict(run_dir):
    before = pd.read_csv(run_dir / "results/claims.csv").set_index(["claim_id", "study"])["verdict"]
    config = yaml.safe_load((run_dir / "tiny.yaml").read_text())
    config["claims"] = {"pruning_margin_points": 1000}  # every interval of the F1 change is above -1000 points
    write_config(run_dir, config, "tolerant.yaml")
    result = snakemake(run_dir, "results/claims.csv", config="tolerant.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "claims_table" in result.stdout + result.stderr and "train_pair" not in result.stdout + result.stderr
    after = pd.read_csv(run_dir / "results/claims.csv").set_index(["claim_id", "study"])["verdict"]
    assert (after.loc[["pruning_per-layer_95"]] == "reproduced").all()
    assert (after.loc[[("representation", s) for s in CNN_STUDIES]] == "not testable").all()  # no such model
    assert (before.loc[["pruning_per-layer_95"]] != "reproduced").any(), "the tiny run should lose F1 at 95%"
    # Back to the run's own config, for the tests that follow.
    assert snakemake(run_dir, "results/claims.csv").returncode == 0


# --------------------------------------------------------------------------- the CNN baseline (issue 11)


def test_cnn_studies_train_prune_and_compare_with_the_mlp(run_dir):
    from lowcap.core.cnn import CNN

    for study in CNN_STUDIES:
        results = run_dir / f"results/{study}"
        for pair in PAIRS:
            for channels in CHANNELS:
                for seed in SEEDS:
                    model, meta = load_checkpoint(results / f"checkpoints/{pair}/w{channels}_s{seed}.pt")
                    assert isinstance(model, CNN) and meta.architecture == "cnn" and meta.width == channels
                    assert meta.protocol["preset"] == study.removesuffix("-cnn")
        hist = pd.read_csv(results / "metrics/4-9.csv", dtype={"pair": str})
        assert len(hist) == len(SEEDS) * len(CHANNELS) * 2 * (EPOCHS + 1)
        assert set(pd.read_csv(results / "figures/fig3_capacity_val.csv").width) == set(CHANNELS)
        pruning = pd.read_csv(results / "pruning/global/4-9.csv", dtype={"pair": str})
        at95 = pruning[pruning.requested_sparsity == 95]
        # Global scope: 95% of all conv and output weights (179 C), rounded to a whole weight.
        assert ((at95.sparsity_total - 95).abs() <= 50 / (at95.width * 178) + 1e-9).all()
        assert (results / "tables/max_sparsity_global.md").stat().st_size > 0
        robustness = pd.read_csv(results / "robustness/4-9.csv", dtype={"pair": str})
        assert len(robustness) == len(SEEDS) * len(CHANNELS) * 3
        assert not (results / "tsne").exists() and not (results / "saliency").exists()
        mlp = study.removesuffix("-cnn")
        for ext in ("png", "pdf", "csv"):
            assert (run_dir / f"results/figures/mlp_vs_cnn_{study}.{ext}").stat().st_size > 0
        curves = pd.read_csv(run_dir / f"results/figures/mlp_vs_cnn_{study}.csv", dtype={"pair": str})
        assert set(curves.study) == {mlp, study} and set(curves.pair) == set(PAIRS)
        assert set(curves[curves.architecture == "cnn"].parameters) == {179 * c + 1 for c in CHANNELS}
        table = pd.read_csv(run_dir / f"results/tables/mlp_vs_cnn_{study}.csv", dtype={"pair": str})
        assert list(table.pair) == PAIRS and {"mlp_min_params", "cnn_min_params"} <= set(table.columns)

