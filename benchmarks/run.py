"""Speed benchmark: prints the figures of docs/speed.md from one run.

    python benchmarks/run.py                 # everything (about 30 minutes on 2 cores)
    python benchmarks/run.py --skip-fashion --skip-baseline   # the quick part (about 6 minutes)
    python benchmarks/run.py --baseline-pairs 4-9   # naive baseline on one pair only

1. the paper study alone (`released`: every figure and table) on the 10k MNIST pool, from an empty
   results/, --cores 2: wall and CPU time, and where the time goes (per rule, from Snakemake's
   benchmark files); and the default DAG (every configured study), the same way;
2. the training grid against a naive baseline (benchmarks/naive_baseline.py, one process per
   checkpoint, two at a time like --cores 2): wall times and their ratio;
3. training throughput in GFLOP/s against plain torch matmuls of the same shapes, same run, for
   full-batch (`released`) and minibatch (`explicit`, batch 128) training; and the same for the
   IMP branch's masked fine-tuning, with the job seconds of its branches next to the grid's;
4. peak RSS of the biggest job;
5. the paper study on full-size Fashion-MNIST (60k pool, Debian's dataset-fashion-mnist);
6. each CNN-baseline study alone (`released-cnn`, `explicit-cnn`: capacity, pruning, robustness) on
   the 10k MNIST pool, the same way as 1. (--skip-cnn leaves it out).
Writes everything to benchmarks/out/results.json as well.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
MNIST = REPO.parent / "shared" / "mnist"
FASHION = Path("/usr/share/datasets/fashion-mnist")


def load_config(*names: str) -> dict:
    """config.yaml updated by each named config, as `snakemake --configfile` merges them."""
    from lowcap.core.settings import merge_files

    return merge_files([REPO / "config.yaml", *(REPO / name for name in names)])


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


def whole_paper(name: str, config: dict, *targets: str) -> dict:
    workdir = OUT / name
    shutil.rmtree(workdir, ignore_errors=True)
    wall, cpu = snakemake(workdir, config, *targets)
    jobs = rule_profile(workdir)
    by_rule = jobs.groupby("rule").agg(jobs=("s", "size"), total_s=("s", "sum"), max_rss_mb=("max_rss_mb", "max"))
    biggest = jobs.loc[jobs["max_rss_mb"].idxmax()]
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "jobs": int(len(jobs)),
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


def best_of(f, repeats: int = 3) -> float:
    """The fastest of `repeats` wall times of f(): the least disturbed by the shared VM."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


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
             for level in levels(settings["rate"], settings["rounds"]) for s in states]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-fashion", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-cnn", action="store_true")
    parser.add_argument("--baseline-pairs", nargs="+", help="pairs for the naive baseline (default: all)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    mnist = load_config("configs/mnist-10k-local.yaml")
    mnist["data"]["mnist"]["mirror"] = str(MNIST)
    results = {"machine": f"{os.cpu_count()} cores", "cores_used": 2}

    results["roofline"] = [roofline(mnist, study) for study in ("released", "explicit")]
    print("3. training throughput:", results["roofline"], flush=True)
    results["masked_roofline"] = [masked_roofline(mnist, study) for study in ("released", "explicit")]
    print("3c. masked fine-tuning throughput (IMP branch):", results["masked_roofline"], flush=True)
    results["mnist_10k_paper_study"] = whole_paper("mnist10k-released", mnist, "results/released/study.yaml")
    print("1./4. paper study alone, 10k MNIST:", results["mnist_10k_paper_study"], flush=True)
    results["mnist_10k_two_studies"] = whole_paper("mnist10k", mnist)  # the default DAG: every configured study
    print("1. default DAG (every configured study), 10k MNIST:", results["mnist_10k_two_studies"], flush=True)
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

    print("\n=== lowcap speed (2 cores) ===")
    w, two = results["mnist_10k_paper_study"], results["mnist_10k_two_studies"]
    print(f"1. paper study alone, 10k MNIST pool: {w['wall_s']} s wall, {w['cpu_s']} s CPU, {w['jobs']} jobs "
          "(target: no slower than 120 s)")
    print(f"   default DAG (every configured study): {two['wall_s']} s wall, {two['cpu_s']} s CPU, "
          f"{two['jobs']} jobs")
    if "training_vs_naive" in results:
        t = results["training_vs_naive"]
        print(f"2. training grid: ours {t['ours_wall_s']} s for {t['checkpoints']} checkpoints; naive "
              f"{t['naive_wall_s']} s for {t['naive_checkpoints']}; {t['speedup_per_checkpoint']}x faster per "
              "checkpoint (target >= 10x)")
    for r in results["roofline"]:
        print(f"3. training, {r['study']} ({r['shape']}): {r['train_gflops']} GFLOP/s vs matmul "
              f"{r['matmul_gflops']} GFLOP/s: {100 * r['fraction_of_roofline']:.0f}% of roofline "
              f"(target >= {70 if r['study'] == 'released' else 50}%)")
    for r in results["masked_roofline"]:
        print(f"3c. masked fine-tuning (IMP), {r['study']} ({r['shape']}): {r['train_gflops']} GFLOP/s vs matmul "
              f"{r['matmul_gflops']} GFLOP/s: {100 * r['fraction_of_roofline']:.0f}% of roofline (grid's: "
              f"{100 * next(g for g in results['roofline'] if g['study'] == r['study'])['fraction_of_roofline']:.0f}%)")
    by_rule = pd.DataFrame(two["job_seconds_by_rule"]).set_index("rule")
    for rule in ("train_pair", "imp_pair", "mutual_info_pair", "saliency_shift_pair"):
        if rule in by_rule.index:
            print(f"   {rule}: {by_rule.loc[rule, 'total_s']} job-s over {by_rule.loc[rule, 'jobs']} jobs (two studies)")
    print(f"4. peak RSS of the biggest job: {two['peak_rss_mb']} MB ({two['peak_rss_job']})")
    if "fashion_mnist_paper_study" in results:
        f = results["fashion_mnist_paper_study"]
        print(f"5. paper study, Fashion-MNIST 60k pool: {f['wall_s']} s wall, {f['cpu_s']} s CPU (target <= 360 s)")
    for study, c in results.get("mnist_10k_cnn_studies", {}).items():
        print(f"6. CNN study {study} alone, 10k MNIST pool: {c['wall_s']} s wall, {c['cpu_s']} s CPU, {c['jobs']} jobs")
    print("\nwhere the time goes (10k MNIST, two studies, job seconds by rule):")
    print(pd.DataFrame(two["job_seconds_by_rule"]).to_string(index=False))


if __name__ == "__main__":
    main()
