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
    script calls) and the digest of that module's code: editing the code reruns the rule."""
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


# ---------------------------------------------------------------- capacity


def capacity_targets(study):
    return [
        *expand(
            f"{FIGURES}/fig3_capacity_{{split}}.png",
            study=study.name,
            split=["train", "val"],
        ),
        *expand(
            f"{FIGURES}/figA_curves_{{pair}}.png", study=study.name, pair=study.pairs
        ),
        f"{TABLES}/min_capacity.csv".format(study=study.name),
    ]


# ---------------------------------------------------------------- lr_sweep


def sweep_reuses_grid(study):
    return (
        study.lr_sweep.pair in study.pairs and study.protocol.lr in study.lr_sweep.lrs
    )


def sweep_trained_lrs(study):
    return [
        lr
        for lr in study.lr_sweep.lrs
        if not (sweep_reuses_grid(study) and lr == study.protocol.lr)
    ]


def lr_sweep_targets(study):
    return expand(
        f"{FIGURES}/{{name}}.png",
        study=study.name,
        name=["fig1_lr_sweep", "fig2_lr_heatmap"],
    )


def lr_sweep_histories(wildcards):
    """The sweep's histories: one per seed for the lrs it trains, and the grid's own history of
    the pair when it holds the study's lr (sweep_reuses_grid)."""
    study = study_of(wildcards)
    pair = study.lr_sweep.pair
    histories = (
        expand(LR_SWEEP_HISTORY, study=study.name, pair=pair, seed=SEEDS)
        if sweep_trained_lrs(study)
        else []
    )
    if sweep_reuses_grid(study):
        histories += [HISTORY.format(study=study.name, pair=pair)]
    return histories


def lr_sweep_grid_checkpoints(wildcards):
    """The grid's checkpoints of the sweep pair when the sweep reuses the grid's history: not
    read, but asking for them reruns training when a width or seed is added."""
    study = study_of(wildcards)
    if not sweep_reuses_grid(study):
        return []
    return checkpoint_paths(study.name, [study.lr_sweep.pair], study.widths, SEEDS)


# ---------------------------------------------------------------- pruning


def pruning_targets(study):
    schemes = [s.name for s in study.pruning]
    return [
        *expand(
            f"{FIGURES}/fig4_{{scheme}}_{{kind}}_{{pair}}.png",
            study=study.name,
            scheme=schemes,
            kind=PRUNING_FIGURE_KINDS,
            pair=study.pairs,
        ),
        *expand(
            f"{TABLES}/max_sparsity_{{scheme}}.csv", study=study.name, scheme=schemes
        ),
        f"{TABLES}/dead_neurons.csv".format(study=study.name),
    ]


def scheme_of(wildcards):
    try:
        return study_of(wildcards).scheme(wildcards.scheme)
    except ConfigError as err:
        raise WorkflowError(str(err)) from None


# ---------------------------------------------------------------- robustness


def robustness_targets(study):
    return [
        *expand(
            f"{FIGURES}/{{fig}}_{{pair}}.png",
            study=study.name,
            fig=["fig6_noise", "fig7_occlusion"],
            pair=study.robustness.pairs,
        ),
        f"{FIGURES}/figD1_corruption_examples.png".format(study=study.name),
    ]


# ---------------------------------------------------------------- tsne


def tsne_targets(study):
    return [
        f"{FIGURES}/fig5_tsne.png".format(study=study.name),
        f"{TABLES}/tsne_similarity.csv".format(study=study.name),
    ]


def tsne_models(wildcards):
    """The Fig. 5 model first, then the same pair and width from the grid's other seeds (for scale)."""
    t = study_building(wildcards, "tsne").tsne
    return [[t.pair, t.width, t.seed]] + [
        [t.pair, t.width, s] for s in SEEDS if s != t.seed
    ]


# ---------------------------------------------------------------- saliency


def saliency_targets(study):
    return [f"{FIGURES}/fig8_saliency.png".format(study=study.name)]


def saliency_model(wildcards):
    s = study_building(wildcards, "saliency").saliency
    return [s.pair, s.width, s.seed]


# ---------------------------------------------------------------- the paper's open questions


def imp_targets(study):
    return [
        *expand(f"{FIGURES}/imp_{{pair}}.png", study=study.name, pair=study.pairs),
        f"{FIGURES}/imp_recovery.png".format(study=study.name),
        f"{TABLES}/imp_max_sparsity.csv".format(study=study.name),
    ]


def mutual_info_targets(study):
    return [
        f"{FIGURES}/mutual_info.png".format(study=study.name),
        f"{TABLES}/mutual_info.csv".format(study=study.name),
    ]


def saliency_shift_targets(study):
    return [
        *expand(
            f"{FIGURES}/saliency_shift_{{pair}}.png",
            study=study.name,
            pair=study.robustness.pairs,
        ),
        f"{TABLES}/saliency_shift_predicts_drop.csv".format(study=study.name),
    ]


# ---------------------------------------------------------------- study


def study_targets(wildcards):
    study = study_of(wildcards)
    targets = {
        "capacity": capacity_targets,
        "lr_sweep": lr_sweep_targets,
        "pruning": pruning_targets,
        "robustness": robustness_targets,
        "tsne": tsne_targets,
        "saliency": saliency_targets,
        "imp": imp_targets,
        "mutual_info": mutual_info_targets,
        "saliency_shift": saliency_shift_targets,
    }
    return [path for analysis in study.analyses for path in targets[analysis](study)]


# ---------------------------------------------------------------- claims


def claims_inputs(name):
    """The files one study's claims are measured from, as the claims job reads them."""
    study = SETTINGS.study(name)
    paths = lambda template, **kw: template.format(study=name, **kw)
    inputs = {
        "histories": [paths(HISTORY, pair=p) for p in study.pairs],
        "baseline": paths(f"{TABLES}/logistic_baseline.csv"),
        "pruning": {
            s.name: [paths(PRUNING_TABLE, scheme=s.name, pair=p) for p in study.pairs]
            for s in study.pruning
        },
        "dead_neurons": paths(f"{TABLES}/dead_neurons.csv"),
        "tsne": paths(f"{TABLES}/tsne_similarity.csv"),
        "saliency_cases": "results/{study}/saliency/cases.csv".format(study=name),
        "saliency_maps": "results/{study}/saliency/maps.npz".format(study=name),
        # Every robustness pair the study builds (the findings read the last, the hardest).
        "robustness": [paths(ROBUSTNESS_TABLE, pair=p) for p in study.robustness.pairs],
        "imp": (
            [paths(IMP_TABLE, pair=p) for p in study.pairs]
            if "imp" in study.analyses
            else []
        ),
        "mutual_info": (
            paths(f"{TABLES}/mutual_info.csv")
            if "mutual_info" in study.analyses
            else []
        ),
        "saliency_shift": (
            paths(f"{TABLES}/saliency_shift_predicts_drop.csv")
            if "saliency_shift" in study.analyses
            else []
        ),
    }
    if study.architecture == "cnn":
        # No t-SNE or saliency model: those claims are "not testable" for a CNN (lowcap.claims).
        for key in ("tsne", "saliency_cases", "saliency_maps"):
            del inputs[key]
    return inputs


def claims_studies(wildcards):
    """Per claims study: its pairs, occlusion size, architecture, pool and input files (a plain
    dict, as a param); every key of `inputs` becomes one of the study's tables (lowcap.jobs.claims).
    """
    return {
        name: {
            "pairs": list(SETTINGS.study(name).pairs),
            "occlusion_size": SETTINGS.study(name).robustness.occlusion_size,
            "architecture": SETTINGS.study(name).architecture,
            "pool": SETTINGS.study(name).pool,
            "inputs": {
                **claims_inputs(name),
                "imp_tolerance_points": SETTINGS.study(name).imp.tolerance_points,
            },
            "grids": claims_grids(name),
        }
        for name in SETTINGS.claim_studies
    }


def claims_grids(name):
    """The complete grid of each intermediate table the claims read, checked on read."""
    study = SETTINGS.study(name)
    return {
        "widths": list(study.widths),
        "seeds": SEEDS,
        "pruning": {
            s.name: {"scope": s.scope, "levels": list(study.pruning_levels(s.name))}
            for s in study.pruning
        },
        "robustness": {
            "pairs": list(study.robustness.pairs),
            "widths": list(study.robustness.widths),
            "sigmas": list(study.robustness.noise_sigmas),
        },
        "imp": {
            "rate": study.imp.rate,
            "rounds": study.imp.rounds,
            "target_sparsity": study.imp.target_sparsity,
        },
    }


def input_files(inputs):
    """Every path of a claims_inputs dict, in order: its lists and its dicts of lists flattened."""
    files = []
    for value in inputs.values():
        if isinstance(value, dict):
            value = [p for paths in value.values() for p in paths]
        files += value if isinstance(value, list) else [value]
    return files


def claims_inputs_flat(wildcards):
    return [
        f for name in SETTINGS.claim_studies for f in input_files(claims_inputs(name))
    ]


# ---------------------------------------------------------------- training budget


def budget_inputs(wildcards):
    return [f"{TABLES}/min_capacity.csv".format(study=name) for name in SETTINGS.budget]


def findings_studies(wildcards):
    """Per claims study: the claims' inputs and its capacity table (a plain dict, as a param)."""
    return {
        name: {
            "inputs": claims_inputs(name),
            "min_capacity": f"{TABLES}/min_capacity.csv".format(study=name),
            "imp_tolerance_points": SETTINGS.study(name).imp.tolerance_points,
            "pairs": list(SETTINGS.study(name).pairs),
        }
        for name in findings_study_names()
    }


def findings_study_names():
    """The MLP claims studies: the findings detail the paper's MLP claims (the CNN studies have
    their own comparison tables, COMPARISON_TABLE)."""
    return [
        n for n in SETTINGS.claim_studies if SETTINGS.study(n).architecture == "mlp"
    ]


def findings_budget(wildcards):
    return {
        name: {
            "epochs": SETTINGS.study(name).protocol.epochs,
            "min_capacity": f"{TABLES}/min_capacity.csv".format(study=name),
        }
        for name in SETTINGS.budget
    }


def findings_inputs(wildcards):
    return [
        path
        for name in findings_study_names()
        for path in input_files(claims_inputs(name))
    ] + [
        entry["min_capacity"]
        for group in (findings_studies(wildcards), findings_budget(wildcards))
        for entry in group.values()
    ]


# ---------------------------------------------------------------- CNN baseline (lowcap.core.cnn)

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


def comparison_targets():
    """The MLP-against-CNN figure and table of every CNN study that has an MLP study to compare with."""
    return [
        path.format(study=name) + ext
        for name in SETTINGS.cnn_comparisons
        for path, ext in ((COMPARISON, ".png"), (COMPARISON_TABLE, ".csv"))
    ]


def comparison_study(name):
    """What the comparison job reads of one study: its histories and max-sparsity tables."""
    study = SETTINGS.study(name)
    return {
        "name": name,
        # The grid its tables must hold, checked when they are read.
        "pairs": list(study.pairs),
        "widths": list(study.widths),
        "seeds": SEEDS,
        "histories": [HISTORY.format(study=name, pair=p) for p in study.pairs],
        "max_sparsity": {
            s.name: f"{TABLES}/max_sparsity_{s.name}.csv".format(study=name)
            for s in study.pruning
        },
    }


def comparison_inputs(wildcards):
    if wildcards.study not in SETTINGS.cnn_comparisons:
        raise WorkflowError(
            f"no MLP study to compare {wildcards.study!r} with; CNN studies with one: "
            f"{', '.join(SETTINGS.cnn_comparisons) or 'none'}"
        )
    files = []
    for name in (SETTINGS.cnn_comparisons[wildcards.study], wildcards.study):
        study = comparison_study(name)
        files += study["histories"] + list(study["max_sparsity"].values())
    return files


# ---------------------------------------------------------------- grids of the checked table reads


def pruning_grid(wc, scheme):
    """The rows a scheme's pair table holds (pruning_pair's params), checked when it is read."""
    study = study_of(wc)
    return {
        "widths": list(study.widths),
        "seeds": SEEDS,
        "scope": study.scheme(scheme).scope,
        "levels": list(study.pruning_levels(scheme)),
    }


def imp_grid(wc):
    """The rows an imp_pair table holds (its params), checked when it is read."""
    return {"widths": WIDTHS, "seeds": SEEDS, "imp": asdict(study_of(wc).imp)}


def imp_params(*keys):
    """Params of the study's imp section, one per key, named as the section names them."""
    return {key: (lambda wc, key=key: getattr(study_of(wc).imp, key)) for key in keys}


def saliency_shift_grid(wc):
    """The rows a saliency_shift_pair table holds (its params), checked when it is read."""
    robustness = study_of(wc).robustness
    return {
        "widths": list(robustness.widths),
        "seeds": SEEDS,
        "sigmas": list(robustness.noise_sigmas),
    }
