# Values and path templates every rule file shares. Settings come from lowcap.settings (typed,
# validated, per study); rules pass plain dicts and lists as params, so that Snakemake's params
# trigger sees every value a job uses. Each rule also passes the digest of its job module's code
# (lowcap.provenance.code_digest): editing library code reruns exactly the jobs that run it.

from dataclasses import asdict

from lowcap.provenance import code_digest

# Path templates, each defined once. Every output of a study is under results/{study}/.
POOL_FILE = "results/data/{dataset}/{stem}.gz"
CHECKPOINT = "results/{study}/checkpoints/{pair}/w{width}_s{seed}.pt"
HISTORY = "results/{study}/metrics/{pair}.csv"
FIGURES = "results/{study}/figures"
TABLES = "results/{study}/tables"
LOGS = "results/logs/{study}"
BENCHMARKS = "results/benchmarks/{study}"
ENV = "../../envs/lowcap.yaml"


wildcard_constraints:
    study=r"[a-z0-9][a-z0-9-]*",
    scheme=r"[a-z0-9][a-z0-9-]*",
    pair=r"\d-\d",
    seed=r"\d+",
    width=r"\d+",
    split=r"train|val",
    dataset=r"mnist|fashion_mnist",


def study_of(wildcards):
    """The study a job belongs to; an unconfigured name fails naming the configured ones."""
    try:
        return SETTINGS.study(wildcards.study)
    except ConfigError as err:
        raise WorkflowError(str(err)) from None


def pool_inputs(wildcards):
    """The study's images and labels files, as a dict for named input."""
    study = study_of(wildcards)
    images, labels = pool_files(study.pool)
    return {
        "images": POOL_FILE.format(dataset=study.dataset, stem=images),
        "labels": POOL_FILE.format(dataset=study.dataset, stem=labels),
    }


def models(pairs, widths, seeds):
    """[pair, width, seed] of each model, in the order of checkpoint_paths."""
    return [[p, int(w), int(s)] for p in pairs for w in widths for s in seeds]


def checkpoint_paths(study, pairs, widths, seeds):
    return [
        CHECKPOINT.format(study=study, pair=p, width=w, seed=s)
        for p, w, s in models(pairs, widths, seeds)
    ]


def study_info(wildcards):
    study = study_of(wildcards)
    return {"name": study.name, "dataset": study.dataset, "pool": study.pool}


WIDTHS = list(config["widths"])
SEEDS = list(config["seeds"])


def pair_checkpoints(wildcards):
    """Every checkpoint of the job's (study, pair). Jobs that read a pair's history take these as
    input too: when a width or seed is added, the missing checkpoint makes Snakemake rerun the
    training job (its params trigger cannot: a new output has no metadata to compare)."""
    return checkpoint_paths(wildcards.study, [wildcards.pair], WIDTHS, SEEDS)
