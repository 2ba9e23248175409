# Values and path templates every rule file shares. Settings come from lowcap.core.settings (typed,
# validated, per study); rules pass plain dicts and lists as params, so that Snakemake's params
# trigger sees every value a job uses. Each rule also passes the digest of its job module's code
# (lowcap.core.provenance.code_digest): editing library code reruns exactly the jobs that run it.

from dataclasses import asdict

from lowcap.analyses.capacity import SUCCESS_F1
from lowcap.figures.pruning import FIGURE_KINDS
from lowcap.core.provenance import code_digest
from lowcap.core.settings import NAME

# Path templates, each defined once. Every output of a study is under results/{study}/.
POOL_FILE = "results/data/{dataset}/{stem}.gz"
CHECKPOINT = "results/{study}/checkpoints/{pair}/w{width}_s{seed}.pt"
HISTORY = "results/{study}/metrics/{pair}.csv"
LR_SWEEP_HISTORY = "results/{study}/lr_sweep/{pair}/s{seed}_history.csv"
PRUNING_TABLE = "results/{study}/pruning/{scheme}/{pair}.csv"
ROBUSTNESS_TABLE = "results/{study}/robustness/{pair}.csv"
ROBUSTNESS_EXAMPLE = "results/{study}/robustness/{pair}_example.npz"
IMP_TABLE = "results/{study}/imp/{pair}.csv"
MUTUAL_INFO_TABLE = "results/{study}/mutual_info/{pair}.csv"
SALIENCY_SHIFT_TABLE = "results/{study}/saliency_shift/{pair}.csv"
FIGURES = "results/{study}/figures"
TABLES = "results/{study}/tables"
LOGS = "results/logs/{study}"
BENCHMARKS = "results/benchmarks/{study}"
ENV = "../../envs/lowcap.yaml"

# One grid of widths and seeds for every MLP study, one of channels for every CNN study (lowcap.core.settings).
WIDTHS = list(config["widths"])
SEEDS = list(config["seeds"])
PRUNING_FIGURE_KINDS = list(FIGURE_KINDS)


wildcard_constraints:
    study=NAME.pattern.strip("^$"),
    scheme=NAME.pattern.strip("^$"),
    pair=r"\d-\d",
    seed=r"\d+",
    width=r"\d+",
    split=r"train|val",
    dataset=r"mnist|fashion_mnist",


JOB_SCRIPT = "../scripts/job.py"


def job(function):
    """A rule's params naming its job function ("lowcap.jobs.MODULE.FUNCTION", which the one job
    script calls) and the digest of that module's code: editing the code reruns the rule.
    """
    return {"job": function, "code": code_digest(function.rpartition(".")[0])}


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


def figure_labels(wildcards):
    """What a per-study figure's title and axes name (lowcap.figures.plots.Labels): the study, and its
    architecture (a CNN study's capacity is its channel count)."""
    study = study_of(wildcards)
    return {"study": study.name, "architecture": study.architecture}


def study_building(wildcards, analysis):
    """The job's study, if it builds `analysis`; else refused at DAG time, naming the studies that
    do (a CNN study builds capacity, pruning and robustness only)."""
    study = study_of(wildcards)
    if analysis not in study.analyses:
        builders = [s.name for s in SETTINGS.studies.values() if analysis in s.analyses]
        raise WorkflowError(
            f"study {study.name!r} (architecture {study.architecture}) does not build {analysis}: "
            f"it builds {', '.join(study.analyses)}. Studies that build {analysis}: "
            f"{', '.join(builders) or 'none'}."
        )
    return study


def analysis_checkpoints(analysis):
    """pair_checkpoints for the jobs of one analysis (study_building)."""

    def inputs(wildcards):
        study_building(wildcards, analysis)
        return pair_checkpoints(wildcards)

    return inputs


def pair_checkpoints(wildcards):
    """Every checkpoint of the job's (study, pair). Jobs that read a pair's history take these as
    input too: when a width or seed is added, the missing checkpoint makes Snakemake rerun the
    training job (its params trigger cannot: a new output has no metadata to compare).
    """
    return checkpoint_paths(
        wildcards.study, [wildcards.pair], study_of(wildcards).widths, SEEDS
    )


# Outputs are fixed per rule, and MLP and CNN studies have different capacity grids: training is
# one rule per architecture, each matching only its own studies (a pattern that matches nothing
# when there are none).
NO_STUDY = "(?!)"
MLP_STUDIES = (
    "|".join(n for n, s in SETTINGS.studies.items() if s.architecture == "mlp")
    or NO_STUDY
)
CNN_STUDIES = (
    "|".join(n for n, s in SETTINGS.studies.items() if s.architecture == "cnn")
    or NO_STUDY
)
CNN_CHANNELS = list(config.get("cnn", {}).get("channels", []))
COMPARISON = "results/figures/mlp_vs_cnn_{study}"
COMPARISON_TABLE = "results/tables/mlp_vs_cnn_{study}"
