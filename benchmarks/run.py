"""Speed benchmark: prints the five figures of the README's "Speed" section from one run.

    python benchmarks/run.py                 # all five (about 20 minutes on 2 cores)
    python benchmarks/run.py --skip-fashion  # without the full-size Fashion-MNIST run
    python benchmarks/run.py --baseline-pairs 4-9   # naive baseline on one pair only

1. whole paper (every figure and table) on the 10k MNIST pool, from an empty results/, --cores 2:
   wall and CPU time, and where the time goes (per rule, from Snakemake's benchmark files);
2. the training grid against a naive baseline (benchmarks/naive_baseline.py, one process per
   checkpoint, two at a time like --cores 2): wall times and their ratio;
3. training throughput in GFLOP/s against a plain torch matmul of the same shapes, same run;
4. peak RSS of the biggest job;
5. the whole paper on full-size Fashion-MNIST (60k pool, Debian's dataset-fashion-mnist).
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
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for name in names:
        for key, value in yaml.safe_load((REPO / name).read_text()).items():
            config[key] = {**config[key], **value} if isinstance(value, dict) else value
    return config


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
        rows.append({"rule": tsv.relative_to(workdir / "results" / "benchmarks").parts[0].removesuffix(".tsv"),
                     "job": tsv.stem, "s": b["s"], "cpu_s": b.get("cpu_time", float("nan")),
                     "max_rss_mb": b["max_rss"]})
    return pd.DataFrame(rows)


def whole_paper(name: str, config: dict) -> dict:
    workdir = OUT / name
    shutil.rmtree(workdir, ignore_errors=True)
    wall, cpu = snakemake(workdir, config)
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
    histories = [f"results/metrics/{p}.csv" for p in config["pairs"]]
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


def roofline(config: dict) -> dict:
    """GFLOP/s of training one (pair, seed) bank against torch.mm on the same shapes, one thread."""
    import torch

    from lowcap.config import protocol
    from lowcap.data import load_pool, pair_data
    from lowcap.train import train_bank

    torch.set_num_threads(1)
    d = pair_data(*load_pool(MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz"), "4-9", 0)
    widths, proto = config["widths"], protocol(config)
    hidden, n, nv, epochs = sum(widths), len(d.x_train), len(d.x_val), proto.epochs
    # Per epoch: forward on train, weight gradient, forward on val (the output layer is ~1% more).
    flops = (epochs + 1) * 2 * 784 * hidden * (2 * n + nv)

    def best_of(f, repeats=3):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times)

    train_s = best_of(lambda: train_bank(widths, [proto.lr] * len(widths), 0, proto, d.x_train, d.y_train,
                                         d.x_val, d.y_val))
    x, xv = torch.from_numpy(d.x_train), torch.from_numpy(d.x_val)
    w, g = torch.randn(hidden, 784), torch.randn(n, hidden)

    def matmuls():
        for _ in range(epochs + 1):
            torch.mm(x, w.T), torch.mm(g.T, x), torch.mm(xv, w.T)

    matmul_s = best_of(matmuls)
    return {
        "shape": f"train {n}x784 @ 784x{hidden}, val {nv}x784, {epochs + 1} epochs",
        "train_gflops": round(flops / train_s / 1e9, 1),
        "matmul_gflops": round(flops / matmul_s / 1e9, 1),
        "fraction_of_roofline": round(matmul_s / train_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-fashion", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-pairs", nargs="+", help="pairs for the naive baseline (default: all)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    mnist = load_config("configs/mnist-10k-local.yaml")
    mnist["data"]["mirror"] = str(MNIST)
    results = {"machine": f"{os.cpu_count()} cores", "cores_used": 2}

    results["roofline"] = roofline(mnist)
    print("3. training throughput:", results["roofline"], flush=True)
    results["mnist_10k_whole_paper"] = whole_paper("mnist10k", mnist)
    print("1./4. whole paper, 10k MNIST:", results["mnist_10k_whole_paper"], flush=True)
    if not args.skip_baseline:
        results["training_vs_naive"] = training_grid_vs_naive(mnist, args.baseline_pairs or mnist["pairs"])
        print("2. training grid vs naive:", results["training_vs_naive"], flush=True)
    if not args.skip_fashion:
        fashion = load_config("configs/fashion-mnist.yaml")
        fashion["data"]["mirror"] = str(FASHION)
        results["fashion_mnist_whole_paper"] = whole_paper("fashion", fashion)
        print("5. whole paper, Fashion-MNIST 60k:", results["fashion_mnist_whole_paper"], flush=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))

    print("\n=== lowcap speed (2 cores) ===")
    w = results["mnist_10k_whole_paper"]
    print(f"1. whole paper, 10k MNIST pool: {w['wall_s']} s wall, {w['cpu_s']} s CPU, {w['jobs']} jobs (target <= 90 s)")
    if "training_vs_naive" in results:
        t = results["training_vs_naive"]
        print(f"2. training grid: ours {t['ours_wall_s']} s for {t['checkpoints']} checkpoints; naive "
              f"{t['naive_wall_s']} s for {t['naive_checkpoints']}; {t['speedup_per_checkpoint']}x faster per "
              "checkpoint (target >= 10x)")
    r = results["roofline"]
    print(f"3. training {r['train_gflops']} GFLOP/s vs matmul {r['matmul_gflops']} GFLOP/s: "
          f"{100 * r['fraction_of_roofline']:.0f}% of roofline (target >= 70%)")
    print(f"4. peak RSS of the biggest job: {w['peak_rss_mb']} MB ({w['peak_rss_job']})")
    if "fashion_mnist_whole_paper" in results:
        f = results["fashion_mnist_whole_paper"]
        print(f"5. whole paper, Fashion-MNIST 60k pool: {f['wall_s']} s wall, {f['cpu_s']} s CPU (target <= 360 s)")
    print("\nwhere the time goes (10k MNIST, job seconds by rule):")
    print(pd.DataFrame(w["job_seconds_by_rule"]).to_string(index=False))


if __name__ == "__main__":
    main()
