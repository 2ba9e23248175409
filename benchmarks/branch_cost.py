"""The cost of the IMP and saliency-shift branches per (study, pair), against what their arithmetic needs.

    python3 benchmarks/branch_cost.py            # released and explicit, pair 4-9 (a few minutes)
    python3 benchmarks/branch_cost.py --pair 0-1
    python3 benchmarks/branch_cost.py --rank-one-epsilon   # the saliency shift's faster epsilon maps

For one (study, pair) of the 10k MNIST pool (configs/mnist-10k-local.yaml), the pair's checkpoints
are trained first with lowcap's own functions, in memory (not timed). Then imp.run_pair and
saliency_shift.map_shift run as their jobs call them (one thread, every seed), each library call
they make timed by wrapping it, so every part's seconds are its own (exclusive of the parts it
calls); what no part claims is Python overhead (tables, copies, conversions).

Each part's arithmetic is counted in FLOPs (matrix products; a sort counts none), and a
floor is timed on the same machine in the same run: plain torch.mm of the same shapes and dtype
(float64 where the code is float64), or for the sorting parts the one sort they cannot do without.
Returned per part and in total: seconds, GFLOP, floor seconds, and seconds / floor.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules
from timing import best_of  # noqa: E402


REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "mnist"
IMAGES, LABELS = MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz"
D = 28 * 28


def load_config() -> dict:
    """config.yaml with configs/mnist-10k-local.yaml over it, the mirror pointed at the local copy."""
    from lowcap.core.settings import merge_files

    config = merge_files([REPO / "config.yaml", REPO / "configs" / "mnist-10k-local.yaml"])
    config["data"]["mnist"]["mirror"] = str(MNIST)
    return config


def section(config: dict, study: str, name: str) -> dict:
    """A config section with the study's own keys merged over it, as the workflow does."""
    return {**config.get(name, {}), **config["studies"][study].get(name, {})}


def pair_checkpoints(config: dict, study: str, pair: str, seeds: list[int] | None = None) -> list:
    """The pair's checkpoints (evaluation.Loaded, every width of every seed, seeds outer), trained as
    the train_pair job trains them (lowcap.jobs.train), kept in memory."""
    import torch

    from lowcap.core.evaluation import Loaded, load_pair_data
    from lowcap.core.model import MLP
    from lowcap.core.settings import protocol
    from lowcap.jobs.train import checkpoint_meta, train_mlp_bank

    proto = protocol(config["studies"][study].get("training", {}))
    widths = list(config["widths"])
    entry = {"name": study, **config["studies"][study]}
    loaded = []
    for seed in seeds if seeds is not None else config["seeds"]:
        d = load_pair_data(str(IMAGES), str(LABELS), pair, seed)  # the cache the jobs read too
        states, hist = train_mlp_bank(widths, seed, proto, d.x_train, d.y_train, d.x_val, d.y_val, "cpu")
        last = hist[hist["epoch"] == proto.epochs]
        for width, state in zip(widths, states):
            model = MLP(width)
            model.load_state_dict(state)
            final = last[last["width"] == width].set_index("split")
            meta = checkpoint_meta(entry, pair, width, seed, proto, d, final, "mlp")
            loaded.append(Loaded(f"memory:{pair}/w{width}_s{seed}", model, meta, d.x_val, d.y_val))
    torch.set_num_threads(1)
    return loaded


# --------------------------------------------------------------------------- timing the parts


class PartTimer:
    """Exclusive seconds per part: while a wrapped call runs, the time of wrapped calls inside it
    goes to their own parts, not to its."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[list] = []  # [part, start, seconds of children]

    def wrap(self, part: str, f):
        def timed(*args, **kwargs):
            self._stack.append([part, time.perf_counter(), 0.0])
            try:
                return f(*args, **kwargs)
            finally:
                name, start, children = self._stack.pop()
                spent = time.perf_counter() - start
                self.seconds[name] = self.seconds.get(name, 0.0) + spent - children
                self.calls[name] = self.calls.get(name, 0) + 1
                if self._stack:
                    self._stack[-1][2] += spent

        return timed


@contextlib.contextmanager
def instrumented(timer: PartTimer, targets: list[tuple[object, str, str]]):
    """Replace each (owner, attribute) by its timed wrapper for the block, then put it back."""
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in targets]
    try:
        for owner, attr, part in targets:
            setattr(owner, attr, timer.wrap(part, getattr(owner, attr)))
        yield timer
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


def mm_seconds(shapes: list[tuple[int, int, int, int]], dtype) -> float:
    """Seconds of plain torch.mm over `shapes` (count, m, k, n): (m, k) @ (k, n), `count` times each;
    each shape is timed once (best of 3) and multiplied by its count."""
    import torch

    total = 0.0
    for count, m, k, n in shapes:
        if count and m and k and n:
            a, b = torch.rand(m, k, dtype=dtype), torch.rand(k, n, dtype=dtype)
            total += count * best_of(lambda: torch.mm(a, b))
    return total


def mm_gflop(shapes: list[tuple[int, int, int, int]]) -> float:
    return sum(2 * count * m * k * n for count, m, k, n in shapes) / 1e9


def part_row(seconds: float, shapes: list, dtype, sort_floor: float = 0.0) -> dict:
    """One part's numbers: its seconds, the GFLOP of its matrix products, and the floor (their
    torch.mm time plus the time of any sort it cannot do without)."""
    floor = mm_seconds(shapes, dtype) + sort_floor
    return {"seconds": round(seconds, 3), "gflop": round(mm_gflop(shapes), 3), "floor_s": round(floor, 3),
            "ratio": round(seconds / floor, 1) if floor > 0 else None}


def totals(parts: dict[str, dict], wall: float) -> dict:
    floor = sum(p["floor_s"] for p in parts.values())
    return {"seconds": round(wall, 3), "gflop": round(sum(p["gflop"] for p in parts.values()), 3),
            "floor_s": round(floor, 3), "ratio": round(wall / floor, 1) if floor > 0 else None}


def by_seed_calls(loaded: list, run) -> float:
    """Seconds of run(items) called on each seed's checkpoints in turn, as lowcap.jobs.each_seed does."""
    seeds = list(dict.fromkeys(item.meta.seed for item in loaded))
    start = time.perf_counter()
    for seed in seeds:
        run([item for item in loaded if item.meta.seed == seed])
    return time.perf_counter() - start


# --------------------------------------------------------------------------- IMP

IMP_PARTS = ("fine-tuning banks", "pruning and masks", "scoring and evaluation")


def imp_shapes(config: dict, study: str, loaded: list) -> dict[str, list]:
    """Per IMP part, the matrix products (count, m, k, n) its arithmetic needs over every seed: per
    segment s the bank holds the control, IMP (both scopes) and one-shot+ft of the levels >= s. The
    output layer needs one product per unit (n x H), not the bank's block-diagonal (n x H x models)."""
    from lowcap.analyses.imp_tables import SCOPES, levels
    from lowcap.core.settings import protocol

    settings = section(config, study, "imp")
    proto = protocol(config["studies"][study].get("training", {}))
    schedule = levels(settings["rate"], settings["rounds"], settings["target_sparsity"])
    epochs, batch = settings["finetune_epochs"], proto.batch_size
    n_seeds = len({item.meta.seed for item in loaded})
    widths = [item.meta.width for item in loaded if item.meta.seed == loaded[0].meta.seed]
    n, nv = loaded[0].meta.n_train, len(loaded[0].y_val)
    tune, score, sorts, block = [], [], [], []
    for s in range(1, len(schedule) + 1):
        models = len(widths) * (1 + len(SCOPES) + len(SCOPES) * (len(schedule) - s + 1))
        hidden = sum(widths) * models // len(widths)
        rows_per_step = [(epochs + 1, n)] if batch is None else [
            (epochs * (n // batch), batch)] + ([(epochs, n % batch)] if n % batch else [])
        for count, rows in rows_per_step:  # forward, weight gradient, and the output layer's three
            tune += [(count * n_seeds, rows, D, hidden), (count * n_seeds, hidden, rows, D),
                     (3 * count * n_seeds, rows, hidden, 1)]
            block.append((3 * count * n_seeds, rows, hidden, models))
        scored = [nv] + ([n] if batch is not None else [])  # full batch: the step's pass scores train
        score += [(2 * n_seeds, rows, D, hidden) for rows in scored]
        sorts += [(2 * n_seeds, rows // 2, models) for rows in (nv, n)]  # the AUC's, train and val
    return {"fine-tuning banks": tune, "pruning and masks": [], "scoring and evaluation": score, "sorts": sorts,
            "block-diagonal output": block}


def sort_floor(sorts: list[tuple[int, int, int]]) -> float:
    """Seconds of torch.sort along dim 0 of (rows, columns) float32, `count` times each."""
    import torch

    total = 0.0
    for count, rows, columns in sorts:
        values = torch.rand(rows, columns)
        total += count * best_of(lambda: values.sort(dim=0))
    return total


def topk_floor(loaded: list, n_levels: int) -> float:
    """The sorts pruning cannot do without: per seed, width, scope and level, one torch.topk of the
    weights' magnitudes (both layers together; layer scope sorts the same numbers in two pieces),
    for one-shot+ft's masks and IMP's rounds."""
    import torch

    from lowcap.analyses.imp_tables import SCOPES

    seconds = 0.0
    for item in loaded:
        magnitudes = torch.rand(item.meta.width * (D + 1))
        seconds += 2 * len(SCOPES) * n_levels * best_of(lambda: torch.topk(magnitudes, len(magnitudes) // 2,
                                                                          largest=False))
    return seconds


def imp_cost(config: dict, study: str, loaded: list) -> dict:
    """imp.run_pair on the pair's checkpoints, one seed at a time as the imp_pair job calls it,
    timed by part; each part against its floor."""
    import torch

    from lowcap.analyses import imp
    from lowcap.analyses.imp_tables import levels
    from lowcap.core import train
    from lowcap.core.model import Bank
    from lowcap.core.settings import protocol

    settings = section(config, study, "imp")
    schedule = levels(settings["rate"], settings["rounds"], settings["target_sparsity"])
    proto = protocol(config["studies"][study].get("training", {}))
    targets = [(imp, "_finetune", IMP_PARTS[0]), (imp, "prune", IMP_PARTS[1]), (imp, "masked_state", IMP_PARTS[1]),
               (imp, "prunable_weights", IMP_PARTS[1]), (Bank, "forward", IMP_PARTS[2]),
               (train._Scores, "record", IMP_PARTS[2]), (imp, "sparsity", IMP_PARTS[2])]
    with instrumented(PartTimer(), targets) as timer:
        wall = by_seed_calls(loaded, lambda items: imp.run_pair(items, str(IMAGES), str(LABELS), schedule,
                                                               settings["finetune_epochs"], proto))
    shapes = imp_shapes(config, study, loaded)
    sorts = {IMP_PARTS[0]: 0.0, IMP_PARTS[1]: topk_floor(loaded, len(schedule)),
             IMP_PARTS[2]: sort_floor(shapes["sorts"])}
    parts = {part: part_row(timer.seconds.get(part, 0.0), shapes[part], torch.float32, sorts[part])
             for part in IMP_PARTS}
    parts["python overhead"] = part_row(wall - sum(timer.seconds.values()), [], torch.float32)
    # What the bank computes beyond the needs: its output layer is a (units x models) block-diagonal
    # matrix, so each step's three output-layer products are models times wider than needed.
    block = shapes["block-diagonal output"]
    return {"parts": parts, "total": totals(parts, wall), "calls": dict(timer.calls),
            "block_diagonal_output": {"gflop": round(mm_gflop(block), 1),
                                      "mm_s": round(mm_seconds(block, torch.float32), 2)}}


# --------------------------------------------------------------------------- saliency shift

SHIFT_PARTS = ("corrupted sets and robustness scores", "epsilon maps", "gradient maps", "rank correlations")


def shift_shapes(config: dict, study: str, loaded: list, batch: int = 16) -> dict[str, list]:
    """Per saliency-shift part, the matrix products (count, m, k, n) of its arithmetic over every
    seed, as formulated: the epsilon method runs each image's 784 raised copies through each model
    (float64), the clean images in chunks of `batch`; "epsilon, rank one" is what the same numbers
    need at least: the raised copies' hidden layer is the clean one plus epsilon times a column of W."""
    rob, n_images = section(config, study, "robustness"), section(config, study, "saliency_shift")["n_images"]
    n_sets = 2 + len(rob["noise_sigmas"])
    nv, n = len(loaded[0].y_val), min(n_images, len(loaded[0].y_val))
    chunks = [min(batch, n - start) for start in range(0, n, batch)]
    out = {part: [] for part in (*SHIFT_PARTS, "epsilon, rank one")}
    for item in loaded:
        h = item.meta.width
        out[SHIFT_PARTS[0]].append((1, n_sets * nv, D, h))
        out["epsilon maps"] += [(n_sets * n, D, D, h), (n_sets * n, D, h, 1)]  # each image's 784 raised copies
        out["epsilon maps"] += [(n_sets, c, D, h) for c in chunks]  # the clean images, a chunk at a time
        out["gradient maps"] += [(n_sets, n, D, h), (n_sets, n, h, D)]
        out["rank correlations"] += [(2 * n_sets, 2 * n, D, 2 * n)]  # spearmanr's correlation matrix
        out["epsilon, rank one"] += [(n_sets, n, D, h), (n_sets, n * D, h, 1)]
    out["sorts"] = [(2 * n_sets * len(loaded), 2 * n, D)]  # spearmanr's ranks, one call per method and set
    return out


def rank_floor(sorts: list[tuple[int, int, int]]) -> float:
    """Seconds of numpy's argsort along the rows of (rows, columns) float64, `count` times each."""
    import numpy as np

    values = [(count, np.random.default_rng(0).random((rows, columns))) for count, rows, columns in sorts]
    return sum(count * best_of(lambda: np.argsort(v, axis=1)) for count, v in values)


def shift_cost(config: dict, study: str, loaded: list) -> dict:
    """saliency_shift.map_shift on the pair's checkpoints, one seed at a time as the
    saliency_shift_pair job calls it, timed by part; each part against its floor."""
    import torch

    from lowcap.analyses import robustness, saliency, saliency_shift

    rob, settings = section(config, study, "robustness"), section(config, study, "saliency_shift")
    candidates = [(robustness, "evaluate_corruptions", SHIFT_PARTS[0]), (robustness, "corrupted_sets", SHIFT_PARTS[0]),
                  (saliency, "epsilon_saliency", SHIFT_PARTS[1]), (saliency, "shared_epsilon_saliency", SHIFT_PARTS[1]),
                  (saliency, "gradient_saliency", SHIFT_PARTS[2]), (saliency_shift, "rank_correlation", SHIFT_PARTS[3])]
    targets = [t for t in candidates if hasattr(t[0], t[1])]  # the names this version of the code has
    start = time.perf_counter()
    import captum.attr  # noqa: F401  (once per job, about a second: not the gradient maps' cost)

    import_s = time.perf_counter() - start
    with instrumented(PartTimer(), targets) as timer:
        wall = by_seed_calls(loaded, lambda items: saliency_shift.map_shift(
            items, rob["noise_sigmas"], rob["occlusion_size"], settings["n_images"], settings["epsilon"]))
    shapes = shift_shapes(config, study, loaded)
    dtypes = {SHIFT_PARTS[0]: torch.float32}
    parts = {part: part_row(timer.seconds.get(part, 0.0), shapes[part], dtypes.get(part, torch.float64),
                            rank_floor(shapes["sorts"]) if part == "rank correlations" else 0.0)
             for part in SHIFT_PARTS}
    parts["python overhead"] = part_row(wall - sum(timer.seconds.values()), [], torch.float64)
    rank_one = part_row(0.0, shapes["epsilon, rank one"], torch.float64)
    return {"parts": parts, "total": totals(parts, wall), "calls": dict(timer.calls),
            "captum_import_s": round(import_s, 2),
            "epsilon_rank_one": {"gflop": rank_one["gflop"], "floor_s": rank_one["floor_s"]}}


# --------------------------------------------------------------------------- the report


def branch_cost(config: dict, study: str, pair: str = "4-9") -> dict:
    """Seconds, GFLOP, floor seconds and their ratio, per part and in total, of the IMP and the
    saliency-shift job of one (study, pair) on the 10k pool, every seed of the config, one thread.
    The checkpoints are trained first (not timed)."""
    import torch

    loaded = pair_checkpoints(config, study, pair)
    torch.set_num_threads(1)
    return {"study": study, "pair": pair, "checkpoints": len(loaded), "n_val": len(loaded[0].y_val),
            "n_train": loaded[0].meta.n_train,
            "imp": imp_cost(config, study, loaded), "saliency_shift": shift_cost(config, study, loaded)}


def print_cost(result: dict) -> None:
    print(f"\n{result['study']} {result['pair']}: {result['checkpoints']} checkpoints, "
          f"{result['n_train']} train / {result['n_val']} val images")
    for branch in ("imp", "saliency_shift"):
        cost = result[branch]
        print(f"  {branch}:{'':31s}{'s':>8s} {'GFLOP':>8s} {'floor s':>8s} {'ratio':>6s}")
        for name, row in [*cost["parts"].items(), ("total", cost["total"])]:
            ratio = "-" if row["ratio"] is None else f"{row['ratio']:.1f}"
            print(f"    {name:36s} {row['seconds']:8.2f} {row['gflop']:8.2f} {row['floor_s']:8.3f} {ratio:>6s}")
        if "block_diagonal_output" in cost:
            r = cost["block_diagonal_output"]
            print(f"    (the bank's block-diagonal output layer computes {r['gflop']:.0f} GFLOP more than needed: "
                  f"{r['mm_s']:.1f} s of torch.mm)")
        if "epsilon_rank_one" in cost:
            r = cost["epsilon_rank_one"]
            print(f"    (epsilon maps need, as a rank-one update of the clean hidden layer: {r['gflop']:.2f} GFLOP, "
                  f"floor {r['floor_s']:.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pair", default="4-9")
    parser.add_argument("--studies", nargs="+", default=["released", "explicit"])
    args = parser.parse_args()
    config = load_config()
    for study in args.studies:
        print_cost(branch_cost(config, study, args.pair))


if __name__ == "__main__":
    main()
