"""The arithmetic floor of a DAG: the floating-point work its jobs cannot avoid, as matmul seconds.

    python benchmarks/floor.py [CONFIG ...]     # configs merged over config.yaml, as --configfile

For every study of the config, the dense products each rule's arithmetic needs, counted from the
settings and the real pair sizes of the pool (pair_data per pair and seed):
- train_pair, lr_sweep_seed (MLP) and train_cnn_pair (CNN): per epoch a forward pass over the
  training and validation splits (the metrics) and, per step, the forward pass and the weight
  gradient of its batch (a full-batch step reuses the metrics' forward pass); the CNN's count is
  benchmarks/cnn_roofline.py's;
- imp_pair and saliency_shift_pair: benchmarks/branch_cost.py's counts (every masked model's
  fine-tuning; the epsilon maps' forward passes);
- pruning_pair and robustness_pair: a forward pass over the validation split per model, level and
  corruption (and the random-pruning null).
The rest (figures, tables, t-SNE, mutual information, process starts) is counted as zero: the floor
is what the arithmetic alone would cost at the rate of a plain float32 torch.mm, one thread per core.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))  # cnn_roofline, branch_cost
MNIST = REPO.parent / "shared" / "mnist"
PIXELS = 784


@lru_cache(maxsize=None)
def split_sizes(pool: tuple[str, str], pair: str, seed: int) -> tuple[int, int]:
    """(training images, validation images) of one pair and seed, as the pipeline splits them."""
    from lowcap.core.data import load_pool, make_split, parse_pair

    _, labels = load_pool(*pool)
    split = make_split(labels, parse_pair(pair), seed)
    return len(split.train), len(split.val)


def mlp_training_flops(hidden: int, n: int, nv: int, epochs: int, batch: int | None) -> float:
    """Training a bank with `hidden` units in all, as lowcap.core.train.run_bank does (the output
    layer, about 1%, left out)."""
    dense = 2 * PIXELS * hidden
    if batch is None:  # per epoch: one forward pass over train (also the step's) and val, one gradient
        return (epochs + 1) * dense * (2 * n + nv)
    return (epochs + 1) * dense * (n + nv) + epochs * dense * 2 * n


def forward_flops(hidden: int, n: int) -> float:
    return 2 * PIXELS * hidden * n


def study_flops(config: dict, study, pool: tuple[str, str]) -> dict[str, float]:
    """FLOPs by rule of one study's analyses (see the module's docstring)."""
    flops: dict[str, float] = defaultdict(float)
    proto, hidden = study.protocol, sum(study.widths)
    for pair in study.pairs:
        for seed in study.seeds:
            n, nv = split_sizes(pool, pair, seed)
            if study.architecture == "cnn":
                from cnn_roofline import training_flops

                flops["train_cnn_pair"] += training_flops(n, nv, hidden, proto.epochs, proto.batch_size)
                continue  # its pruning and robustness passes: under 1% of the DAG's, left out
            flops["train_pair"] += mlp_training_flops(hidden, n, nv, proto.epochs, proto.batch_size)
            if "pruning" in study.analyses:
                for scheme in study.pruning:  # magnitude and random, every level and unpruned
                    flops["pruning_pair"] += 2 * (len(scheme.levels) + 1) * forward_flops(hidden, nv)
            if "robustness" in study.analyses and pair in study.robustness.pairs:
                corruptions = 2 + len(study.robustness.noise_sigmas)  # clean, noise levels, occlusion
                flops["robustness_pair"] += corruptions * forward_flops(sum(study.robustness.widths), nv)
            if "lr_sweep" in study.analyses and pair == study.lr_sweep.pair:
                extra = [lr for lr in study.lr_sweep.lrs if lr != proto.lr]  # the grid's lr is reused
                flops["lr_sweep_seed"] += len(extra) * mlp_training_flops(hidden, n, nv, proto.epochs,
                                                                          proto.batch_size)
        if study.architecture == "mlp":
            for rule, value in branch_flops(config, study, pool, pair).items():
                flops[rule] += value
    return dict(flops)


def branch_flops(config: dict, study, pool: tuple[str, str], pair: str) -> dict[str, float]:
    """imp_pair's and saliency_shift_pair's products for one pair (benchmarks/branch_cost.py's shapes:
    every masked model's fine-tuning and scoring; the epsilon and gradient maps, float64, counted
    twice: torch.mm's float64 rate is about half its float32 one)."""
    from types import SimpleNamespace

    from branch_cost import imp_shapes, mm_gflop, shift_shapes

    # What the shape functions read of the checkpoints: width, seed, training and validation sizes.
    loaded = [SimpleNamespace(meta=SimpleNamespace(width=w, seed=seed, n_train=split_sizes(pool, pair, seed)[0]),
                              y_val=range(split_sizes(pool, pair, seed)[1]))
              for seed in study.seeds for w in study.widths]
    flops = {}
    if "imp" in study.analyses:
        shapes = imp_shapes(config, study.name, loaded)
        flops["imp_pair"] = 1e9 * mm_gflop(shapes["fine-tuning banks"] + shapes["scoring and evaluation"])
    if "saliency_shift" in study.analyses:
        shapes = shift_shapes(config, study.name, loaded)
        flops["saliency_shift_pair"] = 1e9 * (mm_gflop(shapes["corrupted sets and robustness scores"])
                                              + 2 * mm_gflop(shapes["epsilon maps"] + shapes["gradient maps"]))
    return flops


def dag_flops(config: dict) -> dict[str, float]:
    """FLOPs by rule over every study of `config` (merged over config.yaml), on its pools."""
    from lowcap.core.data import pool_files
    from lowcap.core.settings import load_settings

    settings = load_settings(config, REPO / "workflow" / "schemas" / "config.schema.yaml", check_data=False)
    total: dict[str, float] = defaultdict(float)
    for study in settings.studies.values():
        mirror = REPO / (settings.data[study.dataset].mirror or MNIST)  # a relative mirror: from the repo
        pool = tuple(str(mirror / f"{stem}.gz") for stem in pool_files(study.pool))
        for rule, value in study_flops(config, study, pool).items():
            total[rule] += value
    return dict(total)


def floor_seconds(flops_by_rule: dict[str, float], matmul_gflops: float, cores: int) -> float:
    """Seconds the DAG's arithmetic needs at `matmul_gflops` per core on `cores` cores."""
    return sum(flops_by_rule.values()) / (matmul_gflops * 1e9) / cores


if __name__ == "__main__":
    from lowcap.core.settings import merge_files

    config = merge_files([REPO / "config.yaml", *sys.argv[1:]])
    for rule, value in sorted(dag_flops(config).items(), key=lambda kv: -kv[1]):
        print(f"{rule:22s} {value / 1e9:10.1f} GFLOP")
