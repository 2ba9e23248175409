"""Speed benchmark: the figures of docs/speed.md, from one run, written into its generated block.

    python benchmarks/run.py --skip-baseline --skip-fashion --skip-cnn   # issue 19's figures (~25 min)
    python benchmarks/run.py --reference DIR ...   # also compare every output with DIR's run
    python benchmarks/run.py                        # everything (about an hour on 2 cores)

1. the paper study alone (`released`: every figure and table) and the default DAG (every configured
   study) on the 10k MNIST pool, from an empty results/, --cores 2: wall and CPU time, where the
   time goes (per rule, from Snakemake's benchmark files), the DAG's arithmetic floor
   (benchmarks/floor.py: its FLOPs at the measured torch.mm rate on 2 cores) and the wall time's
   ratio to it, and what the jobs' process starts cost; with --reference, every output compared
   byte for byte with a run of the code before a change;
2. the training grid against a naive baseline (benchmarks/naive_baseline.py, one process per
   checkpoint, two at a time like --cores 2): wall times and their ratio;
3. training throughput in GFLOP/s against plain torch matmuls of the same shapes, same run: the MLP
   bank (full batch and minibatch), the CNN bank (benchmarks/cnn_roofline.py), IMP's masked
   fine-tuning; and the IMP and saliency-shift jobs of one (study, pair) against their arithmetic
   (benchmarks/branch_cost.py);
4. peak RSS of the biggest job;
5. the paper study on full-size Fashion-MNIST (60k pool, Debian's dataset-fashion-mnist);
6. each CNN-baseline study alone (`released-cnn`, `explicit-cnn`) on the 10k MNIST pool;
7. the README's test command, `python3 -m pytest`, timed (--skip-tests leaves it out).
Writes everything to benchmarks/out/results.json, and the summary into docs/speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules
from timing import best_of  # noqa: E402

from lowcap.jobs.warm import WARM_USAGE  # noqa: E402


REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
MNIST = REPO.parent / "shared" / "mnist"
FASHION = Path("/usr/share/datasets/fashion-mnist")


def load_config(*names: str) -> dict:
    """config.yaml updated by each named config, as `snakemake --configfile` merges them."""
    from lowcap.core.settings import merge_files

    return merge_files([REPO / "config.yaml", *(REPO / name for name in names)])


def merge_over_defaults(config: dict) -> dict:
    """`config` merged over config.yaml, as `snakemake --configfile` merges a file."""
    from lowcap.core.settings import _merged

    return _merged(load_config(), config)


def children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def snakemake(workdir: Path, config: dict, *targets: str) -> tuple[float, float]:
    """Run the real pipeline in `workdir`; return (wall s, CPU s of all its processes)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    # Targets first: --quiet and --configfile take a variable number of values.
    cmd = [sys.executable, "-m", "snakemake", *(targets or ["all"]), "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"), "--cores", "2", "--quiet"]
    cpu0, t0 = children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, children_cpu() - cpu0


def rule_profile(workdir: Path) -> pd.DataFrame:
    rows = []
    for tsv in (workdir / "results" / "benchmarks").rglob("*.tsv"):
        b = pd.read_csv(tsv, sep="\t").iloc[0]
        parts = tsv.relative_to(workdir / "results" / "benchmarks").parts
        # results/benchmarks/{study}/{rule}/... or .../{study}/{rule}.tsv; fetch_data and the
        # cross-study rules (results/benchmarks/{rule}.tsv) have no study
        rule = parts[0] if parts[0] == "fetch_data" or len(parts) == 1 else parts[1]
        rows.append({"rule": rule.removesuffix(".tsv"),
                     "job": tsv.stem, "s": b["s"], "cpu_s": b.get("cpu_time", float("nan")),
                     "max_rss_mb": b["max_rss"]})
    return pd.DataFrame(rows)


WARM_LINE = re.compile(rf"^{re.escape(WARM_USAGE)} rule (\S+), ([\d.]+) s CPU, ([\d.]+) MB peak RSS", re.M)


def warm_profile(workdir: Path) -> pd.DataFrame:
    """The jobs that ran in the warm process (lowcap.jobs.warm), from the usage line each writes at
    the end of its log: Snakemake's benchmark file sees only the job's own process, not the fork
    that does its work."""
    rows = [{"rule": m[1], "job": log.stem, "cpu_s": float(m[2]), "max_rss_mb": float(m[3])}
            for log in (workdir / "results" / "logs").rglob("*.log") for m in WARM_LINE.finditer(log.read_text())]
    return pd.DataFrame(rows, columns=["rule", "job", "cpu_s", "max_rss_mb"])


def whole_paper(name: str, config: dict, *targets: str) -> dict:
    workdir = OUT / name
    shutil.rmtree(workdir, ignore_errors=True)
    wall, cpu = snakemake(workdir, config, *targets)
    jobs, warm = rule_profile(workdir), warm_profile(workdir)
    by_rule = jobs.groupby("rule").agg(jobs=("s", "size"), total_s=("s", "sum"), max_rss_mb=("max_rss_mb", "max"))
    by_rule["warm_jobs"] = warm.groupby("rule").size().reindex(by_rule.index, fill_value=0)
    # A warm job's memory is its fork's (pages shared with the warm process included)
    by_rule["max_rss_mb"] = by_rule["max_rss_mb"].combine(
        warm.groupby("rule")["max_rss_mb"].max().reindex(by_rule.index, fill_value=0.0), max)
    biggest = pd.concat([jobs, warm]).reset_index(drop=True)
    biggest = biggest.loc[biggest["max_rss_mb"].idxmax()]
    log = max((workdir / ".snakemake" / "log").glob("*.snakemake.log"), key=lambda f: f.stat().st_mtime)
    started = sum(int(n) for n in re.findall(r"^Execute (\d+) jobs", log.read_text(), re.M))  # every job
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "jobs": started,
        "job_seconds_by_rule": by_rule.sort_values("total_s", ascending=False).round(1).reset_index().to_dict("records"),
        "peak_rss_mb": round(float(biggest["max_rss_mb"]), 1),
        "peak_rss_job": f"{biggest['rule']}/{biggest['job']}",
    }


def training_grid_vs_naive(config: dict, baseline_pairs: list[str]) -> dict:
    workdir = OUT / "training_grid"
    shutil.rmtree(workdir, ignore_errors=True)
    pool = [f"results/data/mnist/{stem}.gz" for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    snakemake(workdir, config, *pool)  # the data first: not part of the timing
    histories = [f"results/released/metrics/{p}.csv" for p in config["pairs"]]
    ours_wall, ours_cpu = snakemake(workdir, config, *histories)

    naive = OUT / "naive"
    shutil.rmtree(naive, ignore_errors=True)
    naive.mkdir(parents=True)
    images, labels = (str(workdir / p) for p in pool)
    runs = [(p, w, s) for p in baseline_pairs for w in config["widths"] for s in config["seeds"]]

    def one(run):
        pair, width, seed = run
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "naive_baseline.py"), images, labels, pair,
                        str(width), str(seed), str(naive / f"{pair}_w{width}_s{seed}.pt")], check=True)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool_:  # like --cores 2
        list(pool_.map(one, runs))
    naive_wall = time.perf_counter() - t0
    n_ours = len(config["pairs"]) * len(config["widths"]) * len(config["seeds"])
    # Per checkpoint, so a baseline over fewer pairs still compares like with like.
    return {
        "checkpoints": n_ours,
        "ours_wall_s": round(ours_wall, 1),
        "ours_cpu_s": round(ours_cpu, 1),
        "naive_checkpoints": len(runs),
        "naive_wall_s": round(naive_wall, 1),
        "speedup_per_checkpoint": round((naive_wall / len(runs)) / (ours_wall / n_ours), 1),
    }


def roofline(config: dict, study: str) -> dict:
    """GFLOP/s of training one (pair, seed) bank of a study against torch.mm on the same shapes
    (minibatches included), one thread."""
    import torch

    from lowcap.core.data import load_pool, pair_data
    from lowcap.core.settings import protocol
    from lowcap.core.train import train_bank

    torch.set_num_threads(1)
    d = pair_data(*load_pool(MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz"), "4-9", 0)
    widths, proto = config["widths"], protocol(config["studies"][study].get("training", {}))
    hidden, n, nv, epochs, batch = sum(widths), len(d.x_train), len(d.x_val), proto.epochs, proto.batch_size
    x, xv = torch.from_numpy(d.x_train), torch.from_numpy(d.x_val)
    w = torch.randn(hidden, 784)
    # Per epoch: a forward pass on train and on val (the metrics), and per step a forward pass and
    # the weight gradient of its batch (full batch: the metrics' forward pass is the step's).
    # The output layer adds about 1%, left out.
    if batch is None:
        flops = (epochs + 1) * 2 * 784 * hidden * (2 * n + nv)
        g = torch.randn(n, hidden)

        def matmuls():
            for _ in range(epochs + 1):
                torch.mm(x, w.T), torch.mm(g.T, x), torch.mm(xv, w.T)
    else:
        flops = (epochs + 1) * 2 * 784 * hidden * (n + nv) + epochs * 2 * 784 * hidden * 2 * n
        g = torch.randn(batch, hidden)
        batches = [x[i: i + batch] for i in range(0, n, batch)]

        def matmuls():
            for epoch in range(epochs + 1):
                torch.mm(x, w.T), torch.mm(xv, w.T)
                if epoch < epochs:
                    for xb in batches:
                        torch.mm(xb, w.T), torch.mm(g[: len(xb)].T, xb)

    train_s = best_of(lambda: train_bank(widths, [proto.lr] * len(widths), 0, proto, d.x_train, d.y_train,
                                         d.x_val, d.y_val))
    matmul_s = best_of(matmuls)
    return {
        "study": study,
        "shape": f"train {n}x784 @ 784x{hidden}, val {nv}x784, {epochs + 1} epochs, batch {batch or 'full'}",
        "train_s": round(train_s, 2),
        "train_gflops": round(flops / train_s / 1e9, 1),
        "matmul_gflops": round(flops / matmul_s / 1e9, 1),
        "fraction_of_roofline": round(matmul_s / train_s, 3),
    }


def masked_roofline(config: dict, study: str) -> dict:
    """GFLOP/s of the IMP branch's masked fine-tuning against torch.mm on the same shapes, one thread:
    the one-shot+ft bank of one (pair, seed) (every width, both scopes, every level, and the dense
    control), trained for the study's fine-tuning epochs with the masks held and the first and last
    epoch scored, as lowcap.analyses.imp runs it."""
    import torch

    from lowcap.analyses import imp
    from lowcap.analyses.imp_tables import SCOPES, levels
    from lowcap.analyses.pruning import prune
    from lowcap.core.data import load_pool, pair_data
    from lowcap.core.model import Bank, init_params
    from lowcap.core.settings import protocol
    from lowcap.core.train import run_bank

    torch.set_num_threads(1)
    d = pair_data(*load_pool(MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz"), "4-9", 0)
    entry = config["studies"][study]
    proto = protocol(entry.get("training", {}))
    settings = {**config["imp"], **entry.get("imp", {})}
    epochs = settings["finetune_epochs"]
    states = [init_params(w, 0, proto.init, proto.init_std) for w in config["widths"]]
    jobs = [(s, prune(s, None, 0.0, "layer")) for s in states]
    jobs += [(s, prune(s, None, level, scope)) for scope in SCOPES
             for level in levels(settings["rate"], settings["rounds"], settings.get("target_sparsity"))
             for s in states]
    hidden, n, nv, batch = sum(s["hidden.weight"].shape[0] for s, _ in jobs), len(d.x_train), len(d.x_val), proto.batch_size
    x, xv = torch.from_numpy(d.x_train), torch.from_numpy(d.x_val)
    w = torch.randn(hidden, 784)
    if batch is None:  # every epoch one full pass (forward and weight gradient); val scored twice
        flops = (epochs + 1) * 2 * 784 * hidden * 2 * n + 2 * 2 * 784 * hidden * nv
        g = torch.randn(n, hidden)

        def matmuls():
            for epoch in range(epochs + 1):
                torch.mm(x, w.T), torch.mm(g.T, x)
                if epoch in (0, epochs):
                    torch.mm(xv, w.T)
    else:
        flops = 2 * 2 * 784 * hidden * (n + nv) + epochs * 2 * 784 * hidden * 2 * n
        g = torch.randn(batch, hidden)
        batches = [x[i: i + batch] for i in range(0, n, batch)]

        def matmuls():
            for epoch in range(epochs + 1):
                if epoch in (0, epochs):
                    torch.mm(x, w.T), torch.mm(xv, w.T)
                if epoch < epochs:
                    for xb in batches:
                        torch.mm(xb, w.T), torch.mm(g[: len(xb)].T, xb)

    def train():
        bank = Bank.from_params([imp.masked_state(s, m) for s, m in jobs])
        masks = (torch.cat([m["hidden"] for _, m in jobs]), torch.cat([m["output"].reshape(-1) for _, m in jobs]))
        run_bank(bank, [proto.lr] * len(jobs), 0, proto, epochs, d.x_train, d.y_train, d.x_val, d.y_val,
                 masks=masks, score_every_epoch=False)

    train_s, matmul_s = best_of(train), best_of(matmuls)
    return {
        "study": study,
        "shape": f"{len(jobs)} masked models, train {n}x784 @ 784x{hidden}, {epochs} epochs, batch {batch or 'full'}",
        "train_s": round(train_s, 2),
        "train_gflops": round(flops / train_s / 1e9, 1),
        "matmul_gflops": round(flops / matmul_s / 1e9, 1),
        "fraction_of_roofline": round(matmul_s / train_s, 3),
    }


# What a speed change must not touch: every output of the run except its logs, benchmark files and
# Snakemake's own state (results/logs, results/benchmarks, .snakemake, the report).
SKIPPED_OUTPUTS = ("logs", "benchmarks")


def output_digests(workdir: Path) -> dict[str, str]:
    """sha256 of every output under workdir/results, by path relative to workdir."""
    import hashlib

    root = workdir / "results"
    return {str(path.relative_to(workdir)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*"))
            if path.is_file() and path.relative_to(root).parts[0] not in SKIPPED_OUTPUTS}


def compare_outputs(workdir: Path, reference: Path) -> dict:
    """Byte-for-byte comparison of a run's outputs with a reference run's (the same config, the
    code before the change): identical, differing, and present in only one of them."""
    new, old = output_digests(workdir), output_digests(reference)
    return {
        "reference": str(reference),
        "identical": sum(new[k] == old[k] for k in new.keys() & old.keys()),
        "different": sorted(k for k in new.keys() & old.keys() if new[k] != old[k]),
        "only_new": sorted(new.keys() - old.keys()),
        "only_reference": sorted(old.keys() - new.keys()),
    }


# The rules whose job imports torch (the others import pandas, and matplotlib for figures).
TORCH_RULES = {"train_pair", "train_cnn_pair", "lr_sweep_seed", "pruning_pair", "robustness_pair", "imp_pair",
               "mutual_info_pair", "saliency_shift_pair", "tsne_activations", "saliency_cases"}


def process_starts(by_rule: list[dict]) -> dict:
    """What starting the jobs' processes costs before any work, timed (best of 3): a job that runs in
    the warm process pays the job script's start (the interpreter, Snakemake's preamble, the lowcap
    source digest); one in its own process also its imports, torch's or matplotlib's. Each times
    the number of such jobs in the run (by_rule's jobs and warm_jobs)."""
    def start(imports: str) -> float:
        return best_of(lambda: subprocess.run([sys.executable, "-c", f"import {imports}"], check=True))

    warm_s = start("snakemake.script, lowcap.jobs.warm; lowcap.jobs.warm.source_digest()")
    torch_s = start("snakemake.script, pandas, torch, lowcap.jobs")
    other_s = start("snakemake.script, pandas, matplotlib.pyplot, lowcap.jobs")
    warm_jobs = sum(r.get("warm_jobs", 0) for r in by_rule)
    torch_jobs = sum(r["jobs"] - r.get("warm_jobs", 0) for r in by_rule if r["rule"] in TORCH_RULES)
    other_jobs = sum(r["jobs"] - r.get("warm_jobs", 0) for r in by_rule if r["rule"] not in TORCH_RULES)
    return {"warm_job_start_s": round(warm_s, 2), "torch_job_start_s": round(torch_s, 2),
            "other_job_start_s": round(other_s, 2), "warm_jobs": warm_jobs, "torch_jobs": torch_jobs,
            "other_jobs": other_jobs,
            "job_s": round(warm_jobs * warm_s + torch_jobs * torch_s + other_jobs * other_s, 1)}


def test_suite() -> dict:
    """Wall time of the README's test command (python3 -m pytest) and its summary line."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=REPO,
                         capture_output=True, text=True)
    summary = [line for line in out.stdout.splitlines() if " passed" in line or " failed" in line]
    return {"wall_s": round(time.perf_counter() - t0, 1), "returncode": out.returncode,
            "summary": summary[-1] if summary else out.stdout[-300:]}


def speed_lines(results: dict) -> list[str]:
    """The summary, one line per figure: printed at the end and written into docs/speed.md."""
    lines = []
    two, w = results["mnist_10k_two_studies"], results["mnist_10k_paper_study"]
    floor = results.get("floor")
    if "demo" in results:
        d = results["demo"]
        lines.append(f"- the demo (`.test/config.yaml`, every study at toy scale): **{d['wall_s']} s wall**, "
                     f"{d['cpu_s']} s CPU, {d['jobs']} jobs")
    lines.append(f"- default DAG (every configured study), 10k MNIST pool, `--cores 2`: **{two['wall_s']} s wall**, "
                 f"{two['cpu_s']} s CPU, {two['jobs']} jobs (target <= 400 s)")
    if floor:
        lines.append(f"- its arithmetic floor: {floor['gflop']:,.0f} GFLOP at {floor['matmul_gflops']} GFLOP/s a core "
                     f"(plain torch.mm) on 2 cores = **{floor['floor_s']} s**; wall / floor = "
                     f"**{floor['wall_over_floor']}x** (target <= 1.5x)")
    if "process_starts" in results:
        st = results["process_starts"]
        lines.append(f"- process starts alone: {st.get('warm_jobs', 0)} jobs in the warm process x "
                     f"{st.get('warm_job_start_s', 0)} s + {st['torch_jobs']} torch jobs in their own process x "
                     f"{st['torch_job_start_s']} s + {st['other_jobs']} other jobs in their own process x "
                     f"{st['other_job_start_s']} s = {st['job_s']} job-s (= {st['job_s'] / 2:.0f} s wall on 2 cores)")
    lines.append(f"- the `released` study with its branches (`results/released/study.yaml`): **{w['wall_s']} s wall**, "
                 f"{w['cpu_s']} s CPU, {w['jobs']} jobs (target <= 130 s)")
    for r in results["roofline"] + results.get("cnn_roofline", []):
        lines.append(f"- training roofline, {r['study']} ({r['shape']}): {r['train_gflops']} GFLOP/s against "
                     f"torch.mm's {r['matmul_gflops']}: **{100 * r['fraction_of_roofline']:.0f}%**")
    for r in results["masked_roofline"]:
        lines.append(f"- IMP's masked fine-tuning, {r['study']} ({r['shape']}): {r['train_gflops']} GFLOP/s against "
                     f"{r['matmul_gflops']}: **{100 * r['fraction_of_roofline']:.0f}%**")
    for b in results.get("branch_cost", []):
        for branch in ("imp", "saliency_shift"):
            t = b[branch]["total"]
            parts = "; ".join(f"{part} {c['seconds']:.1f} s (floor {c['floor_s']:.1f})"
                              for part, c in b[branch]["parts"].items())
            lines.append(f"- {branch} of {b['study']} {b['pair']} (one thread): **{t['seconds']:.1f} s** for "
                         f"{t['gflop']:,.0f} GFLOP, floor {t['floor_s']:.1f} s ({t['ratio']}x): {parts}")
    lines.append(f"- peak RSS of the biggest job: {two['peak_rss_mb']} MB ({two['peak_rss_job']})")
    if "outputs" in results:
        o = results["outputs"]
        lines.append(f"- outputs against the reference run ({o['reference']}): {o['identical']} identical, "
                     f"{len(o['different'])} different, {len(o['only_new'])} new, {len(o['only_reference'])} gone")
    if "tests" in results:
        t = results["tests"]
        lines.append(f"- `python3 -m pytest`: **{t['wall_s']} s** ({t['summary']}; target <= 240 s)")
    return lines


SPEED_BEGIN, SPEED_END = "<!-- benchmark:begin -->", "<!-- benchmark:end -->"


SPEED_JSON = REPO / "docs" / "results" / "speed.json"


def floor_of(results: dict, rule: str) -> str:
    """A rule's FLOPs (benchmarks/floor.py) over the measured matmul rate, in seconds of one core."""
    f = results.get("floor", {})
    gflop = f.get("gflop_by_rule", {}).get(rule)
    return "—" if gflop is None else f"{gflop / f['matmul_gflops']:.1f}"


def speed_block(results: dict) -> str:
    """docs/speed.md's generated block for these results."""
    by_rule = pd.DataFrame(results["mnist_10k_two_studies"]["job_seconds_by_rule"])
    return "\n".join([
        SPEED_BEGIN,
        f"Generated by `python3 benchmarks/run.py` on {results['date']} ({results['machine']}) from "
        "`docs/results/speed.json`; do not edit by hand.",
        "",
        *speed_lines(results),
        "",
        "Job seconds by rule, default DAG:",
        "",
        "| rule | jobs | job-s | its arithmetic at the matmul rate, s | max RSS MB |",
        "|---|---|---|---|---|",
        *(f"| {r.rule} | {r.jobs} | {r.total_s} | {floor_of(results, r.rule)} | {r.max_rss_mb:.0f} |"
          for r in by_rule.itertuples()),
        SPEED_END,
    ])


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {round(seconds % 60):02d} s" if seconds >= 60 else f"{seconds:.0f} s"


def readme_speed_block(results: dict) -> str:
    """The README's table of run and test times, for these results."""
    rows = [("the demo (`.test/config.yaml`)", results.get("demo")),
            ("one study, every figure and table (`results/released/study.yaml`, 10k pool)",
             results["mnist_10k_paper_study"]),
            ("every study, the claims and the findings (10k pool)", results["mnist_10k_two_studies"])]
    lines = [SPEED_BEGIN, "| what | wall time | jobs |", "|---|---|---|"]
    lines += [f"| {what} | {minutes(r['wall_s'])} | {r['jobs']} |" for what, r in rows if r]
    if "tests" in results:
        lines.append(f"| `python3 -m pytest` | {minutes(results['tests']['wall_s'])} | "
                     f"{results['tests']['summary'].split(' in ')[0]} |")
    lines += ["", f"Measured by `python3 benchmarks/run.py` on {results['date']} ({results['machine']}, "
                  "`--cores 2`, nothing else running): [docs/speed.md](docs/speed.md)."]
    if "floor" in results:
        f = results["floor"]
        lines += ["", f"The whole run's arithmetic (training, IMP's fine-tuning, the saliency maps: "
                      f"{f['gflop'] / 1000:,.1f} TFLOP) would take {minutes(f['floor_s'])} at the measured matmul "
                      f"rate on 2 cores; the run takes {f['wall_over_floor']}x that."]
        if "process_starts" in results:
            st = results["process_starts"]
            lines[-1] += (f" Starting the jobs' processes costs {st['job_s']:.0f} job-s: {st.get('warm_jobs', 0)} "
                          f"jobs ran in forks of the run's warm process ({st.get('warm_job_start_s', 0)} s each), "
                          f"{st['torch_jobs'] + st['other_jobs']} in their own processes, importing torch "
                          f"({st['torch_job_start_s']} s) or matplotlib ({st['other_job_start_s']} s) first. "
                          "The CNN's narrow products (9 x C) run far below the "
                          "matmul rate even as plain torch.mm, and pruning's sorting, masks and scoring are not "
                          "products at all ([docs/speed.md](docs/speed.md) has each rule's seconds beside its "
                          "arithmetic).")
    for b in results.get("branch_cost", [])[:1]:
        imp, shift = b["imp"]["total"], b["saliency_shift"]["total"]
        lines += ["", f"The two costliest analyses, per (study, pair) ({b['study']}, {b['pair']}, one thread): IMP "
                      f"takes {imp['seconds']:.0f} s against the {imp['floor_s']:.0f} s its {imp['gflop']:,.0f} GFLOP "
                      f"need at the matmul rate ({imp['ratio']}x): it fine-tunes every masked model of every round "
                      "in one bank, whose block-diagonal output layer does about a quarter more products than "
                      f"needed. The saliency shift takes {shift['seconds']:.0f} s against {shift['floor_s']:.0f} s "
                      f"({shift['ratio']}x): ranking the maps for the rank correlations costs more than their "
                      "products, and the epsilon maps run 784 raised copies of each image through each width "
                      "in float64 (a rank-one update would need 784 times less, but rounds differently)."]
    lines.append(SPEED_END)
    return "\n".join(lines)


def replace_block(path: Path, block: str) -> None:
    text = path.read_text()
    start, end = text.index(SPEED_BEGIN), text.index(SPEED_END) + len(SPEED_END)
    path.write_text(text[:start] + block + text[end:])


def write_speed_doc(results: dict) -> None:
    """Keep the results as docs/results/speed.json and replace the generated blocks of docs/speed.md
    and the README."""
    SPEED_JSON.write_text(json.dumps(results, indent=2) + "\n")
    replace_block(REPO / "docs" / "speed.md", speed_block(results))
    replace_block(REPO / "README.md", readme_speed_block(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-fashion", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-cnn", action="store_true")
    parser.add_argument("--skip-tests", action="store_true", help="do not time python3 -m pytest")
    parser.add_argument("--reference", type=Path,
                        help="a finished run of the default DAG (same config, the code before a change): "
                             "compare every output with it, byte for byte")
    parser.add_argument("--baseline-pairs", nargs="+", help="pairs for the naive baseline (default: all)")
    args = parser.parse_args()
    from branch_cost import branch_cost
    from cnn_roofline import cnn_roofline
    from floor import dag_flops

    OUT.mkdir(parents=True, exist_ok=True)
    mnist = load_config("configs/mnist-10k-local.yaml")
    mnist["data"]["mnist"]["mirror"] = str(MNIST)
    results = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, no GPU", "cores_used": 2}

    results["roofline"] = [roofline(mnist, study) for study in ("released", "explicit")]
    print("3. training throughput:", results["roofline"], flush=True)
    results["cnn_roofline"] = [cnn_roofline(mnist, study) for study in ("released-cnn", "explicit-cnn")]
    print("3b. CNN training throughput:", results["cnn_roofline"], flush=True)
    results["masked_roofline"] = [masked_roofline(mnist, study) for study in ("released", "explicit")]
    print("3c. masked fine-tuning throughput (IMP branch):", results["masked_roofline"], flush=True)
    results["branch_cost"] = [branch_cost(mnist, study) for study in ("released", "explicit")]
    print("3d. IMP and saliency shift against their arithmetic:", results["branch_cost"], flush=True)
    demo = yaml.safe_load((REPO / ".test" / "config.yaml").read_text())
    demo["data"]["mnist"]["mirror"] = str(MNIST)
    results["demo"] = whole_paper("demo", merge_over_defaults(demo))
    print("0. the demo (.test/config.yaml):", results["demo"], flush=True)
    results["mnist_10k_paper_study"] = whole_paper("mnist10k-released", mnist, "results/released/study.yaml")
    print("1./4. paper study alone, 10k MNIST:", results["mnist_10k_paper_study"], flush=True)
    results["mnist_10k_two_studies"] = whole_paper("mnist10k", mnist)  # the default DAG: every configured study
    print("1. default DAG (every configured study), 10k MNIST:", results["mnist_10k_two_studies"], flush=True)
    flops = dag_flops(mnist)
    rate = results["roofline"][0]["matmul_gflops"]
    floor_s = sum(flops.values()) / (rate * 1e9) / results["cores_used"]
    results["floor"] = {"gflop_by_rule": {k: round(v / 1e9, 1) for k, v in flops.items()},
                        "gflop": round(sum(flops.values()) / 1e9, 1), "matmul_gflops": rate,
                        "floor_s": round(floor_s, 1),
                        "wall_over_floor": round(results["mnist_10k_two_studies"]["wall_s"] / floor_s, 2)}
    results["process_starts"] = process_starts(results["mnist_10k_two_studies"]["job_seconds_by_rule"])
    print("1. the default DAG's arithmetic floor:", results["floor"], results["process_starts"], flush=True)
    if args.reference:
        results["outputs"] = compare_outputs(OUT / "mnist10k", args.reference)
        print("1. outputs against the reference:", results["outputs"], flush=True)
    if not args.skip_tests:
        write_speed_doc(results)  # the blocks agree with speed.json while the suite checks them
        results["tests"] = test_suite()
        print("7. python3 -m pytest:", results["tests"], flush=True)
    if not args.skip_baseline:
        results["training_vs_naive"] = training_grid_vs_naive(mnist, args.baseline_pairs or mnist["pairs"])
        print("2. training grid vs naive:", results["training_vs_naive"], flush=True)
    if not args.skip_fashion:
        fashion = load_config("configs/mnist-10k-local.yaml", "configs/fashion-mnist.yaml")
        fashion["data"]["mnist"]["mirror"] = str(MNIST)
        fashion["data"]["fashion_mnist"]["mirror"] = str(FASHION)
        results["fashion_mnist_paper_study"] = whole_paper("fashion", fashion, "results/fashion-released/study.yaml")
        print("5. paper study, Fashion-MNIST 60k:", results["fashion_mnist_paper_study"], flush=True)
    if not args.skip_cnn:
        results["mnist_10k_cnn_studies"] = {
            study: whole_paper(f"mnist10k-{study}", mnist, f"results/{study}/study.yaml")
            for study in ("released-cnn", "explicit-cnn")
        }
        print("6. CNN studies alone, 10k MNIST:", results["mnist_10k_cnn_studies"], flush=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    write_speed_doc(results)
    print("\n=== lowcap speed (2 cores) ===")
    print("\n".join(speed_lines(results)))
    print("\nwhere the time goes (10k MNIST, default DAG, job seconds by rule):")
    print(pd.DataFrame(results["mnist_10k_two_studies"]["job_seconds_by_rule"]).to_string(index=False))


if __name__ == "__main__":
    main()
