# Values every rule file shares, derived once from the validated config.

DATASET = config["dataset"]
POOL = config["data"]["pool"]
PAIRS = config["pairs"]
WIDTHS = config["widths"]
SEEDS = config["seeds"]
PROTOCOL = protocol(config)
# Written into every checkpoint, so it can be evaluated later without the config.
PROVENANCE = {
    "dataset": DATASET,
    "pool": POOL,
    "preset": config["training"].get("preset", "released"),
}
POOL_FILES = expand("results/data/{dataset}/{stem}.gz", dataset=DATASET, stem=pool_files(POOL))


# Rule resources (mem_mb, runtime in minutes) come from results/benchmarks/ of full runs
# (benchmarks/run.py): torch jobs peak at 0.6-0.75 GB RSS and run for at most about a minute on
# the 60k pool; figure and table jobs peak below 0.2 GB and take seconds. The limits leave room
# for slower nodes.


wildcard_constraints:
    pair=r"\d-\d",
    seed=r"\d+",
    width=r"\d+",
    split=r"train|val",
    dataset=r"mnist|fashion_mnist",


def histories(pairs):
    return expand("results/metrics/{pair}.csv", pair=pairs)


def checkpoints(pairs, widths, seeds=None):
    return expand(
        "results/checkpoints/{pair}/w{width}_s{seed}.pt",
        pair=pairs,
        width=widths,
        seed=SEEDS if seeds is None else seeds,
    )


def grid_model_checkpoints(section, seeds=None):
    """Checkpoints of the one model that config[section] names by pair, width and seed (or of
    `seeds` instead). Checked when a job asks, not when the Snakefile is read, so a grid without
    that model can still build everything else."""
    named = config[section]
    for key, grid in [("pair", PAIRS), ("width", WIDTHS), ("seed", SEEDS)]:
        if named[key] not in grid:
            raise WorkflowError(
                f"config key '{section}.{key}' is {named[key]!r}, not one of the grid's {key}s {grid}"
            )
    return checkpoints(
        [named["pair"]], [named["width"]], [named["seed"]] if seeds is None else seeds
    )
